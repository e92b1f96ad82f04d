// Role colours: each role gets the next calm hue in order of first appearance, so the
// coordinator (listed first) is always indigo, participants teal, clients amber.

const HUES = ["#4f46e5", "#0f8a7e", "#b7791f", "#b83280", "#2b6cb0", "#6b46c1", "#2f855a"];

export function roleColors(nodes) {
  const colours = new Map();
  for (const node of nodes || []) {
    if (!colours.has(node.role)) colours.set(node.role, HUES[colours.size % HUES.length]);
  }
  return colours;
}
