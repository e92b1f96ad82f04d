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

// Payload fields that name the thing a message is about; shown only when nothing else is.
const ID_FIELDS = ["tx", "txid", "id", "key", "term", "epoch", "round", "ballot", "from", "to"];

function scalarText(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isScalar(value) {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function fieldText(key, value) {
  if (typeof value === "boolean" || value === null) return `${key}=${scalarText(value)}`;
  // Short id fields read as names: tx 1 -> "tx1", like the protocols' own notes.
  if (typeof value === "number" && ID_FIELDS.includes(key)) {
    return key.length <= 3 ? `${key}${value}` : `${key} ${value}`;
  }
  return scalarText(value);
}

/**
 * "PREPARE tx1", "VOTE yes", "WRITE x=1": the kind plus the payload value that says the
 * most (the first field that is not an id; else the id).
 */
export function messageLabel(kind, payload) {
  const name = String(kind || "?").toUpperCase();
  const data = payload || {};
  let text = "";
  if ("key" in data && "value" in data && isScalar(data.key) && isScalar(data.value)) {
    text = `${scalarText(data.key)}=${scalarText(data.value)}`;
  } else {
    const fields = Object.entries(data).filter(([, v]) => isScalar(v));
    const telling = fields.find(([k]) => !ID_FIELDS.includes(k));
    const id = fields.filter(([k]) => ID_FIELDS.includes(k))
      .sort(([a], [b]) => ID_FIELDS.indexOf(a) - ID_FIELDS.indexOf(b))[0];
    const pick = telling || id;
    if (pick) text = fieldText(pick[0], pick[1]);
  }
  if (!text) return name;
  return `${name} ${text.length > 18 ? text.slice(0, 17) + "…" : text}`;
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
