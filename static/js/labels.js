// Words for things on screen: action buttons, message labels, times and hashes.

/** Action types the kernel owns; every other enabled action is the protocol's own. */
export const KERNEL_ACTIONS = new Set([
  "deliver", "drop", "duplicate", "fire", "crash", "restart",
  "pause", "resume", "partition", "heal",
]);

export function isProtocolAction(action) {
  return !KERNEL_ACTIONS.has(action.type);
}

/** "vote-no" -> "Vote no", "start_tx" -> "Start tx". */
export function humanize(word) {
  const text = String(word).replace(/[-_]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Button text (and tooltip) for a protocol action, from the protocol's `actions` help.
 * The help may be {"begin": "Begin transaction"} or {"begin": {label, help}} or a list of
 * {type, label, help}; anything missing falls back to the humanized type.
 */
export function protocolActionText(action, actionsHelp) {
  let entry = null;
  if (Array.isArray(actionsHelp)) entry = actionsHelp.find((a) => a && a.type === action.type);
  else if (actionsHelp && typeof actionsHelp === "object") entry = actionsHelp[action.type];
  let label = humanize(action.type);
  let help = "";
  if (typeof entry === "string") {
    help = entry;
    // The help's first clause, if short ("Begin a transaction (…)"), doubles as the
    // label, minus articles: "Begin transaction".
    const clause = entry.split(/\s*[(:;.—]/)[0].replace(/\s+(a|an|the)\s+/gi, " ").trim();
    if (clause && clause.length <= 26) label = clause;
  } else if (entry && typeof entry === "object") {
    label = entry.label || entry.title || label;
    help = entry.help || entry.description || "";
  }
  const extras = Object.entries(action)
    .filter(([k]) => k !== "type" && k !== "node")
    .map(([k, v]) => `${k}=${scalarText(v)}`);
  if (extras.length) label += ` (${extras.join(", ")})`;
  return { label, help };
}

function scalarText(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const MAX_DETAIL = 24;

/**
 * "PREPARE tx1", "VOTE yes tx1", "WRITE x=1": the label the protocol gave the message (frames
 * carry it: protocols/kernel/vocabulary.py), its detail cut to fit; the kind when it has none.
 * The tooltip carries the whole payload.
 *   message: {kind, label?}
 */
export function messageLabel(message) {
  const name = String(message.kind || "?");
  const label = String(message.label || name);
  const detail = label.startsWith(name) ? label.slice(name.length).trim() : label;
  if (!detail) return name;
  return `${name} ${detail.length > MAX_DETAIL ? detail.slice(0, MAX_DETAIL - 1) + "…" : detail}`;
}

/**
 * The line under a node's name: its id and its role, each only when the name does not
 * already say it (an id under a name that differs from it, no role that the name repeats).
 */
export function nodeSubtitle(node) {
  const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();
  const name = node.label || node.id;
  const parts = [];
  if (!same(node.id, name)) parts.push(node.id);
  if (node.role && !same(node.role, node.id) && !same(node.role, name)) parts.push(node.role);
  return parts.length ? parts.join(" · ") : node.role || node.id;
}

/** The full payload, one field a line, for tooltips. */
export function payloadText(payload) {
  const entries = Object.entries(payload || {});
  if (!entries.length) return "(no payload)";
  return entries.map(([k, v]) => `${k}: ${scalarText(v)}`).join("\n");
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 10000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 100000 ? 2 : 1)} s`;
}

export function shortHash(hash) {
  return hash ? String(hash).slice(0, 8) : "—";
}

/** "coord | p1 p2 client" for a partition's groups. */
export function groupsText(groups) {
  return (groups || []).map((g) => g.join(" ")).join("  |  ");
}
