// Colours. Roles: each role gets the next calm hue in order of first appearance, so the
// first role listed is always indigo, the second teal, the third amber.
// Hues: what a protocol's panels call `hue: k` (an epoch, a term...) is HUES[k mod 8], the
// same colour in a table, a chip, a band or an era. Tones say what a thing means.

const ROLE_HUES = ["#4f46e5", "#0f8a7e", "#b7791f", "#b83280", "#2b6cb0", "#6b46c1", "#2f855a"];

export const HUES = ["#4f46e5", "#0d9488", "#c2410c", "#be185d", "#2563eb", "#7c3aed", "#15803d",
  "#a16207"];

export const TONE_COLOURS = { info: "#2563eb", ok: "#15803d", warning: "#d97706", violation: "#c81e1e" };

export function roleColors(nodes) {
  const colours = new Map();
  for (const node of nodes || []) {
    if (!colours.has(node.role)) colours.set(node.role, ROLE_HUES[colours.size % ROLE_HUES.length]);
  }
  return colours;
}

/** The colour of hue `k` (any integer; data from the server), or null for none. */
export function hueColour(k) {
  if (!Number.isInteger(k)) return null;
  return HUES[((k % HUES.length) + HUES.length) % HUES.length];
}

/** The colour a band or badge is drawn in: its tone's, else its hue's. */
export function paint(item) {
  return (item && TONE_COLOURS[item.tone]) || hueColour(item && item.hue) || "#64748b";
}
