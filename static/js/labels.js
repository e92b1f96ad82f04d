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
// Payload fields that are bookkeeping (clock readings, echoes): never the label's detail.
const QUIET_FIELDS = new Set(["sent_at", "at", "t", "time", "ts_ms"]);

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

/** The generic detail: key=value, else the first telling field, else an id. */
function genericDetail(data) {
  if ("key" in data && "value" in data && isScalar(data.key) && isScalar(data.value)) {
    return `${scalarText(data.key)}=${scalarText(data.value)}`;
  }
  const fields = Object.entries(data).filter(([k, v]) => isScalar(v) && !QUIET_FIELDS.has(k));
  const id = fields.filter(([k]) => ID_FIELDS.includes(k))
    .sort(([a], [b]) => ID_FIELDS.indexOf(a) - ID_FIELDS.indexOf(b))[0];
  const telling = fields.find(([k]) => !ID_FIELDS.includes(k));
  const pick = telling || id;
  return pick ? fieldText(pick[0], pick[1]) : "";
}

// -- the detail each protocol's messages show after their kind ------------------------------
// Words and marks follow each protocol's own panels: e1 an election epoch, #1 a log slot
// (election, total order) or a client operation (replication), (3,n1) a Lamport timestamp,
// “bob” ← alice a username claim, v2 a leaderless version.

const nil = (v) => (v === null || v === undefined ? "nil" : typeof v === "object" ? JSON.stringify(v) : String(v));
const has = (v) => v !== null && v !== undefined;
const join = (...parts) => parts.filter((p) => has(p) && p !== "").join(" ");
const epochOf = (p) => (has(p.epoch) ? `e${p.epoch}` : null);
const slotOf = (p) => (has(p.slot) ? `#${p.slot}` : null);
const slotValue = (p) => (has(p.slot) ? `#${p.slot}=${nil(p.value)}` : has(p.value) ? nil(p.value) : null);
const txOf = (p) => (has(p.tx) ? `tx${p.tx}` : null);
const opOf = (p) => (has(p.op) ? `#${p.op}` : null);
const keyValue = (p) => `${nil(p.key)}=${nil(p.value)}`;
const version = (v) => (Array.isArray(v) ? `v${v[0]}` : null);
const claimText = (c) => (c && typeof c === "object" ? `“${nil(c.name)}” ← ${nil(c.user)}` : null);
const stamp = (ts, node) => (has(ts) ? (has(node) ? `(${ts},${node})` : `(${ts})`) : null);

export const MESSAGE_DETAIL = {
  election: {
    "REQUEST": (p) => nil(p.value),
    "REDIRECT": (p) => (has(p.leader) ? `${nil(p.value)} → ${p.leader}` : `${nil(p.value)}, no leader`),
    "VOTE-REQUEST": epochOf,
    "VOTE": (p) => join(epochOf(p), p.granted ? "yes" : "no"),
    "HEARTBEAT": epochOf,
    "HEARTBEAT-ACK": (p) => join(epochOf(p), p.ok === false ? "refused" : null),
    "PROPOSE": (p) => join(epochOf(p), slotValue(p)),
    "ACCEPTED": (p) => join(epochOf(p), slotOf(p)),
    "REFUSED": (p) => join(epochOf(p), slotOf(p)),
    "DECIDE": slotValue,
    "DONE": slotValue,
    "WRITE": (p) => join(slotValue(p), has(p.token) ? `token ${p.token}` : null),
    "FENCED": (p) => join(slotOf(p), has(p.token) ? `token ${p.token}` : null),
  },
  twopc: {
    "BEGIN": () => "",
    "WRITE": (p) => join(txOf(p), has(p.key) ? keyValue(p) : null),
    "VOTE": (p) => join(txOf(p), p.vote),
    "OUTCOME": (p) => join(txOf(p), p.outcome),
    "*": txOf,               // BEGUN, PREPARE, COMMIT, ABORT, ACK, STATUS, …: the transaction
  },
  replication: {
    "WRITE": keyValue,
    "CAS": (p) => `${nil(p.key)}: ${nil(p.expected)}→${nil(p.new)}`,
    "CAS-FAILED": (p) => join(opOf(p), `is ${nil(p.current)}`),
    "READ": (p) => nil(p.key),
    "VALUE": keyValue,
    "APPEND": (p) => (p.writes ? String(p.writes) : has(p.prev) ? `after ${p.prev}` : ""),
    "APPENDED": (p) => (has(p.length) ? `log ${p.length}` : ""),
    "REPLICATE": (p) => (p.writes ? String(p.writes) : ""),
    "REPLICATED": (p) => (has(p.upto) ? `upto ${p.upto}` : ""),
    "GET-VERSION": (p) => nil(p.key),
    "VERSION": (p) => join(nil(p.key), version(p.version)),
    "PUT": (p) => join(keyValue(p), version(p.version)),
    "GET": (p) => nil(p.key),
    "GOT": (p) => join(keyValue(p), version(p.version)),
    "REPAIR": (p) => join(keyValue(p), version(p.version)),
    "ENQUEUE": keyValue,
    "RESIZE": keyValue,
    "*": opOf,               // WRITTEN, CAS-OK, PUT-OK, REPAIRED: the operation answered
  },
  lamport: {
    // The send's timestamp, then what the message is about (a story's label), else the
    // sender's vector clock when vector clocks are on.
    "MESSAGE": (p, m) => join(stamp(p.ts, m.src),
      has(p.about) ? p.about : Array.isArray(p.vector) ? `[${p.vector.join(",")}]` : null),
  },
  tob: {
    "SUBMIT": (p) => claimText(p.msg),
    "ORDER": (p) => join(slotOf(p), claimText(p.msg)),
    "ACK": (p) => (has(p.stored) ? `stored ${p.stored}` : epochOf(p)),
    "COMMIT": (p) => (has(p.upto) ? `upto #${p.upto}` : epochOf(p)),
    "CLAIM": (p) => join(claimText(p.claim),
      p.claim && Array.isArray(p.claim.ts) ? stamp(p.claim.ts[0], p.claim.ts[1]) : null),
    "*": epochOf,            // NEW-EPOCH, EPOCH-OK, REJECT
  },
};

const MAX_DETAIL = 24;

/**
 * "PREPARE tx1", "VOTE e1 yes", "WRITE x=1": the kind plus the detail that says the most
 * about this kind of message in this protocol (MESSAGE_DETAIL), else the generic one (the
 * first telling field, else an id). The tooltip carries the whole payload.
 *   message: {kind, payload, src, dst}; protocol: the protocol's name
 */
export function messageLabel(message, protocol) {
  const name = String(message.kind || "?").toUpperCase();
  const data = message.payload && typeof message.payload === "object" ? message.payload : {};
  const table = MESSAGE_DETAIL[protocol] || {};
  const rule = table[name] || table["*"];
  let text = null;
  if (rule) {
    try {
      text = rule(data, message);
    } catch {
      text = null;   // a payload of another shape than expected: say what we can
    }
  }
  if (text === null || text === undefined) text = genericDetail(data);
  text = String(text ?? "");
  if (!text) return name;
  return `${name} ${text.length > MAX_DETAIL ? text.slice(0, MAX_DETAIL - 1) + "…" : text}`;
}

/**
 * The line under a node's name: its id and its role, each only when the name does not
 * already say it ("p1 · participant" under "p1 (database)", just "client" under "Client").
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
