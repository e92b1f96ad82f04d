// Where everything goes on the sequence diagram: a pure function from the trace and the
// latest snapshot to a flat list of plain-data items, each with its vertical extent
// (ymin..ymax) so the view can draw only what is on screen. Drawing is in diagram.js.
//
// The vertical axis is the step: every step gets a row, tall enough for the labels its
// events put on each lifeline. Messages run from the row of their send to the row of
// their delivery; messages still in flight end in the "next" zone below the last row.
//
// No two labels overlap: each label takes a rectangle, and a message's label moves along
// its arrow (and above or below it) to a free one. A message in flight whose label finds
// no room arrives one slot lower in the "next" zone; a delivered one whose label finds no
// room makes its delivery row taller, and the layout runs again (a few times at most; a
// label that still finds none is left to the arrow's tooltip).

import { messageLabel, payloadText, groupsText, protocolActionText } from "./labels.js";
import { textWidth, wrap } from "./textfit.js";

export const GEOMETRY = {
  gutter: 56,      // step numbers on the left
  colMin: 150,     // narrowest column per node
  headHeight: 66,
  top: 10,         // space above the first row
  rowMin: 34,
  rowTop: 13,      // from a row's top to its event line
  slot: 16,        // height of one stacked label line
  pendStep: 24,    // vertical spacing of in-flight arrivals on one lifeline
  button: 19,      // width taken by each ✕ / copy button after an in-flight label
};

// Client invocations are left to the history panel; their completions are marked here.
const NODE_MARKS = new Set([
  "note", "timer", "crash", "restart", "pause", "resume", "request", "complete",
]);
const WRAPPED_MARKS = new Set(["note", "request", "complete"]);
const STATUS_AFTER = { crash: "crashed", restart: "up", pause: "paused", resume: "up" };
const DROP_WHY = { user: "dropped by you", fault: "lost (injected fault)",
  "receiver-down": "arrived at a crashed node" };

// The protocol gives a note its tone (info / ok / warning / violation); the diagram's classes.
const TONE_CLASS = { info: "plain", ok: "ok", warning: "warn", violation: "bad" };
function noteTone(event) {
  return TONE_CLASS[event.tone] || "plain";
}

function markText(event, actionsHelp) {
  switch (event.type) {
    case "note": return event.text || "";
    case "timer": return event.name || "timer";
    case "crash": return "crashed";
    case "restart": return "restarted";
    case "pause": return "paused";
    case "resume": return "resumed";
    case "request": return protocolActionText(event.action || {}, actionsHelp).label;
    case "invoke": return `invoke ${event.op}`;
    case "complete": {
      const result = event.result === null || event.result === undefined
        ? (event.returned ? " → nil" : "")
        : ` → ${typeof event.result === "object" ? JSON.stringify(event.result) : event.result}`;
      return `${event.op} ${event.status}${result}`;
    }
    default: return event.type;
  }
}

// The weight play.css gives each mark's text (measured widths must match what is drawn).
const BOLD_MARKS = new Set(["crash", "restart", "pause", "resume", "request"]);
function markWeight(event) {
  return event.type === "note" ? 500 : BOLD_MARKS.has(event.type) ? 600 : 400;
}

function markTone(event) {
  if (event.type === "note") return noteTone(event);
  if (event.type === "complete") return { ok: "ok", fail: "bad", info: "warn" }[event.status] || "plain";
  return "plain";
}

/** Rectangles already taken by labels, bucketed by height for quick overlap tests. */
class Occupied {
  constructor() {
    this.buckets = new Map();
  }

  keys(box) {
    const out = [];
    for (let k = Math.floor(box.y0 / 64); k <= Math.floor(box.y1 / 64); k++) out.push(k);
    return out;
  }

  hits(box) {
    return this.keys(box).some((k) => (this.buckets.get(k) || []).some((b) =>
      b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1));
  }

  add(box) {
    for (const k of this.keys(box)) {
      if (!this.buckets.has(k)) this.buckets.set(k, []);
      this.buckets.get(k).push(box);
    }
  }
}

/**
 * A message label's spot on its arrow: half a column short of the far end (so a
 * broadcast's labels fan out rather than pile up at the sender), moved along the arrow
 * until it overlaps no label placed before it and stays inside [minX, maxX].
 *   ext: the label's extent around its anchor point, {left, right, up, down, below?}
 * Returns null (and takes nothing) when every spot is taken.
 */
function placeLabel(x1, y1, x2, y2, ext, colWidth, occupied, minX, maxX) {
  const dx = x2 - x1;
  const span = Math.abs(dx);
  const fractions = [];
  // A message to oneself is a loop right of the lifeline: its label goes right of the
  // loop, else left of the lifeline.
  if (span < 1) fractions.push(0.5, -0.5);
  else {
    const first = Math.min(span / 2, colWidth / 2);
    for (let run = first; run <= span - 12; run += 16) fractions.push(1 - run / span);
    for (let run = first - 16; run >= 18; run -= 16) fractions.push(1 - run / span);
    if (!fractions.length) fractions.push(0.5);
  }
  // A plain label may also hang below its arrow (ext.below: how far it drops).
  const shifts = ext.below ? [0, ext.below] : [0];
  const at = (f, shift) => {
    const lx = span >= 1 ? x1 + dx * f : f > 0 ? x1 + 40 + ext.left : x1 - 8 - ext.right;
    const ly = y1 + (y2 - y1) * Math.abs(f);
    return { lx, ly, shift,
      box: { x0: lx - ext.left, x1: lx + ext.right, y0: ly - ext.up + shift, y1: ly + ext.down + shift } };
  };
  const round = (v) => Math.round(v * 10) / 10;
  for (const f of fractions) {
    for (const shift of shifts) {
      const spot = at(f, shift);
      if (spot.box.x0 < minX || spot.box.x1 > maxX || occupied.hits(spot.box)) continue;
      occupied.add(spot.box);
      return { lx: round(spot.lx), ly: round(spot.ly), below: spot.shift !== 0 };
    }
  }
  return null;
}

const RELAYOUTS = 4;    // how many times a crowded layout may run again with taller rows
const MAX_BUMPS = 40;   // slots an in-flight message may move down to find room for its label

/**
 * @param {object} input
 *   trace, state, width, canAct(action) -> bool, actionsHelp, highlight (Set of event ids),
 *   dim (Set of event ids to grey out)
 * @returns {{items, head, width, height, colWidth, nowY}}
 */
export function layoutDiagram(input) {
  const extra = new Map();   // step -> label slots added to its row
  let layout = layoutOnce(input, extra);
  for (let k = 0; k < RELAYOUTS && layout.crowded.length; k++) {
    for (const step of layout.crowded) extra.set(step, (extra.get(step) || 0) + 1);
    layout = layoutOnce(input, extra);
  }
  const { crowded, ...result } = layout;
  return result;
}

function layoutOnce({ trace, state, width, canAct, actionsHelp, highlight, dim }, extra) {
  const G = GEOMETRY;
  const nodes = state.nodes || [];
  const count = Math.max(nodes.length, 1);
  // Columns share the width down to a floor; many nodes or a narrow screen lower the floor
  // before the diagram has to scroll sideways.
  const colMin = width < 760 || count >= 6 ? G.colMin - 44 : G.colMin;
  const colWidth = Math.max(colMin, Math.floor((width - G.gutter - 8) / count));
  const fullWidth = G.gutter + colWidth * count + 8;
  const xOf = new Map(nodes.map((node, i) => [node.id, G.gutter + colWidth * (i + 0.5)]));
  // Labels go right of a lifeline, except on the last one, where they would leave the page.
  const lastId = nodes.length > 1 ? nodes[nodes.length - 1].id : null;
  const labelWidth = colWidth - 30;
  const hl = highlight || new Set();
  const dm = dim || new Set();
  const occupied = new Occupied();
  // Labels stay right of the gutter (step numbers, check marks) and inside the diagram.
  const minX = G.gutter - 4;
  const maxX = fullWidth - 4;
  const crowded = [];

  // Pass 1: what each step holds, per lifeline, in the order it happened there: message
  // ends (arrows) and marks (notes, timers, crashes, restarts, requests, client operations).
  const steps = new Map();
  const stepOf = (event) => {
    let row = steps.get(event.step);
    if (!row) {
      row = { step: event.step, t: event.t, lanes: new Map(), globals: [], checks: [] };
      steps.set(event.step, row);
    }
    return row;
  };
  const laneOf = (row, nodeId) => {
    if (!row.lanes.has(nodeId)) row.lanes.set(nodeId, []);
    return row.lanes.get(nodeId);
  };
  const arrowAt = (row, nodeId, event) => {
    if (xOf.has(nodeId)) laneOf(row, nodeId).push({ arrow: true, event });
  };
  for (const event of trace) {
    const row = stepOf(event);
    switch (event.type) {
      case "send": arrowAt(row, event.src, event); break;
      case "deliver": arrowAt(row, event.dst, event); break;
      case "duplicate": arrowAt(row, event.src, event); break;
      case "drop": if (event.reason === "receiver-down") arrowAt(row, event.dst, event); break;
      case "partition": case "heal": row.globals.push(event); break;
      case "check": row.checks.push(event); break;
      default:
        // A note marked quiet is for the protocol's own view (its panels), not a label.
        if (event.type === "note" && event.data && event.data.quiet) break;
        if (NODE_MARKS.has(event.type) && xOf.has(event.node)) {
          const text = markText(event, actionsHelp);
          const lines = wrap(text, labelWidth, WRAPPED_MARKS.has(event.type) ? 3 : 1, 11, markWeight(event));
          laneOf(row, event.node).push({ event, lines });
        }
    }
  }
  if (!steps.has(state.step)) stepOf({ step: state.step, t: state.time });
  // The last lifeline's labels go left, its neighbour's go right: in a row where both have
  // some, each gets half the column between them.
  const pairId = nodes.length > 1 ? nodes[nodes.length - 2].id : null;
  const halfWidth = Math.floor((colWidth - 42) / 2) - 1;
  const hasMarks = (row, id) => (row.lanes.get(id) || []).some((entry) => !entry.arrow);
  for (const row of steps.values()) {
    if (!hasMarks(row, lastId) || !hasMarks(row, pairId)) continue;
    for (const id of [lastId, pairId]) {
      for (const mark of row.lanes.get(id)) {
        if (mark.arrow) continue;
        const text = markText(mark.event, actionsHelp);
        mark.lines = wrap(text, halfWidth, WRAPPED_MARKS.has(mark.event.type) ? 4 : 1, 11,
          markWeight(mark.event));
      }
    }
  }
  // Each lifeline's slots in a row, in order: a mark takes a slot per line; a run of
  // message ends shares one slot. So a reply leaves below the notes its request caused,
  // and no arrow crosses the marks of its own lifeline.
  const slotOf = new Map();   // trace index -> slot in its row
  for (const row of steps.values()) {
    row.used = 0;
    for (const lane of row.lanes.values()) {
      let next = 0;
      let arrowSlot = null;
      for (const entry of lane) {
        if (entry.arrow) {
          if (arrowSlot === null) {
            arrowSlot = next;
            next += 1;
          }
          slotOf.set(entry.event.i, arrowSlot);
        } else {
          entry.slot = next;
          next += entry.lines.length;
          arrowSlot = null;
        }
      }
      row.used = Math.max(row.used, next);
    }
  }

  // Pass 2: row geometry.
  const rows = [...steps.values()].sort((a, b) => a.step - b.step);
  const rowOf = new Map();
  let y = G.top;
  for (const row of rows) {
    const slots = Math.max(row.globals.length, row.used) + (extra.get(row.step) || 0);
    row.top = y;
    row.height = Math.max(G.rowMin, G.rowTop + Math.max(slots, 1) * G.slot + 6);
    row.lineY = y + G.rowTop;
    rowOf.set(row.step, row);
    y += row.height;
  }
  const lineY = (step) => (rowOf.get(step) || rows[rows.length - 1]).lineY;
  // Where a message end sits: its row's line, lowered to its slot on the lifeline.
  const eventY = (event) => lineY(event.step) + (slotOf.get(event.i) || 0) * G.slot;
  const nowY = y + 16;

  const items = [];
  const flightItems = [];

  // Marks on lifelines; their boxes are taken before any message label.
  const lifeEvents = new Map(nodes.map((node) => [node.id, []]));
  for (const row of rows) {
    for (const [nodeId, lane] of row.lanes) {
      const x = xOf.get(nodeId);
      const left = nodeId === lastId;
      for (const mark of lane) {
        if (mark.arrow) continue;
        const event = mark.event;
        const my = row.lineY + mark.slot * G.slot;
        if (STATUS_AFTER[event.type]) lifeEvents.get(nodeId).push({ y: my, type: event.type });
        const note = event.type === "note";
        const w = Math.max(...mark.lines.map((l) => textWidth(l, 11, markWeight(event)))) + (note ? 12 : 0);
        const gap = note ? 9 : 12;
        occupied.add({ x0: left ? x - gap - w : x - 8, x1: left ? x + 8 : x + gap + w,
          y0: my - 9, y1: my - 8 + mark.lines.length * G.slot });
        items.push({ key: `ev-${event.i}`, layer: "marks", kind: "mark", mark: event.type,
          x, y: my, left, lines: mark.lines, width: Math.round(w), tone: markTone(event),
          ymin: my - 9, ymax: my + mark.lines.length * G.slot,
          title: note ? event.text : `${event.type} at ${nodeId}, step ${event.step}`,
          hl: hl.has(event.i), dim: dm.has(event.i), event: event.i });
      }
    }
    row.globals.forEach((event, k) => {
      const gy = row.lineY + k * G.slot;
      const text = event.type === "partition" ? `network partitioned: ${groupsText(event.groups)}`
        : "network healed";
      const half = textWidth(text, 11, 600) / 2 + 9;
      const cx = (G.gutter + fullWidth - 8) / 2;
      occupied.add({ x0: cx - half, x1: cx + half, y0: gy - 9, y1: gy + 9 });
      items.push({ key: `ev-${event.i}`, layer: "marks", kind: "global", type: event.type,
        y: gy, ymin: gy - 9, ymax: gy + 9, left: G.gutter, right: fullWidth - 8, text });
    });
    // The step number and its check marks, in the gutter.
    occupied.add({ x0: -Infinity, x1: minX, y0: row.top, y1: row.top + row.height });
  }

  // Messages, from the trace; the snapshot says which are still in flight.
  const inFlight = new Map((state.messages || []).map((m) => [m.id, m]));
  const messages = new Map();
  for (const event of trace) {
    if (event.type === "send") {
      messages.set(event.msg, { id: event.msg, src: event.src, dst: event.dst, kind: event.kind,
        label: event.label, tone: event.tone, payload: event.payload, from: event.step, start: event,
        events: [event.i] });
    } else if (event.type === "duplicate") {
      const original = messages.get(event.msg);
      messages.set(event.copy, { id: event.copy, src: event.src, dst: event.dst,
        kind: event.kind, label: event.label, tone: event.tone,
        payload: original ? original.payload : {}, from: event.step,
        start: event, copyOf: event.msg, events: [event.i] });
    } else if (event.type === "deliver" || event.type === "drop") {
      const m = messages.get(event.msg);
      if (m) {
        m.end = { type: event.type, step: event.step, reason: event.reason, event };
        m.events.push(event.i);
      }
    }
  }
  for (const m of inFlight.values()) {
    if (!messages.has(m.id)) {
      messages.set(m.id, { id: m.id, src: m.src, dst: m.dst, kind: m.kind, label: m.label,
        tone: m.tone, payload: m.payload, from: state.step, events: [] });
    }
  }
  const ordered = [...messages.values()].filter((m) => xOf.has(m.src) && xOf.has(m.dst))
    .sort((a, b) => a.id - b.id);
  const startY = (m) => (m.start ? eventY(m.start) : lineY(m.from));
  const describe = (m) => {
    const label = messageLabel(m);
    const text = m.copyOf ? `${label} (copy)` : label;
    return {
      base: { layer: "messages", kind: "msg", id: m.id, src: m.src, dst: m.dst, msgKind: m.kind, label, text,
        tone: m.tone || "info",
        copyOf: m.copyOf ?? null, hl: m.events.some((i) => hl.has(i)) },
      title: `${label}${m.copyOf ? ` (copy of message ${m.copyOf})` : ""}\n${m.src} → ${m.dst}, ` +
        `message ${m.id}\n${payloadText(m.payload)}`,
    };
  };

  // Delivered and dropped messages first, so the history's labels stay put as the run grows.
  for (const m of ordered) {
    if (inFlight.has(m.id) || !m.end) continue;
    const { base, title } = describe(m);
    const x1 = xOf.get(m.src);
    const y1 = startY(m);
    let x2 = xOf.get(m.dst);
    let y2 = eventY(m.end.event);
    let status = "delivered";
    let why = "delivered";
    if (m.end.type === "drop") {
      status = "dropped";
      // Lost on the wire: the cross sits halfway. Arrived at a dead node: on its lifeline.
      const span = Math.abs(x2 - x1) || 1;
      // Halfway would sit on the middle lifeline when an even number of columns apart.
      const onLifeline = Math.round(span / colWidth) % 2 === 0;
      const f = m.end.reason === "receiver-down" ? 1 - 6 / span
        : onLifeline ? 0.5 - (colWidth * 0.3) / span : 0.5;
      x2 = x1 + (x2 - x1) * f;
      y2 = y1 + (y2 - y1) * f;
      why = DROP_WHY[m.end.reason] || "dropped";
    }
    const half = textWidth(base.text, 11, 600) / 2 + 2;
    const spot = placeLabel(x1, y1, x2, y2, { left: half, right: half, up: 16, down: -2, below: 17 },
      colWidth, occupied, minX, maxX);
    // No room anywhere on the arrow: its delivery row grows and the layout runs again.
    if (!spot) crowded.push(m.end.step);
    items.push({ ...base, key: `msg-${m.id}`, status, reason: m.end.reason || null,
      x1, y1, x2, y2, ymin: Math.min(y1, y2) - 16, ymax: Math.max(y1, y2) + 6,
      title: `${title}\n${why}`,
      lw: Math.round(half * 2), ...(spot || { lx: null, ly: null, below: false, unlabelled: true }) });
  }

  // The "next" zone: each lifeline stacks its arrivals, then its armed timers in the slots
  // left free.
  const pendingSlots = new Map();   // node -> Set of its slots taken
  const arrivals = new Map();       // node -> the slot after its last arrival
  const takenAt = (nodeId) => {
    if (!pendingSlots.has(nodeId)) pendingSlots.set(nodeId, new Set());
    return pendingSlots.get(nodeId);
  };
  const nextSlot = (nodeId) => {
    const taken = takenAt(nodeId);
    let slot = arrivals.get(nodeId) || 0;
    while (taken.has(slot)) slot += 1;
    taken.add(slot);
    arrivals.set(nodeId, slot + 1);
    return slot;
  };
  for (const m of ordered) {
    const live = inFlight.get(m.id);
    if (!live) continue;
    const { base, title } = describe(m);
    const x1 = xOf.get(m.src);
    const y1 = startY(m);
    const x2 = xOf.get(m.dst);
    const deliver = canAct({ type: "deliver", msg: m.id });
    const drop = canAct({ type: "drop", msg: m.id });
    const duplicate = canAct({ type: "duplicate", msg: m.id });
    const pill = textWidth(base.text, 11, 600) + 14;
    const total = pill + ((drop ? 1 : 0) + (duplicate ? 1 : 0)) * G.button;
    const ext = { left: total / 2, right: total / 2, up: 10, down: 10 };
    // The label (with its ✕ and copy buttons) goes on the arrow; when the arrow has no free
    // spot (a broadcast's labels are wider than the columns they cross), the message
    // arrives one slot lower on its lifeline, which tilts its arrow away from the others.
    let slot = nextSlot(m.dst);
    let y2 = nowY + slot * G.pendStep;
    let spot = placeLabel(x1, y1, x2, y2, ext, colWidth, occupied, minX, maxX);
    for (let k = 0; !spot && k < MAX_BUMPS; k++) {
      takenAt(m.dst).delete(slot);   // left for a timer
      slot = nextSlot(m.dst);
      y2 = nowY + slot * G.pendStep;
      spot = placeLabel(x1, y1, x2, y2, ext, colWidth, occupied, minX, maxX);
    }
    const item = { ...base, key: `msg-${m.id}`, layer: "flight", status: "inflight",
      x1, y1, x2, y2, ymin: Math.min(y1, y2) - 10, ymax: Math.max(y1, y2) + 10,
      deliver, drop, duplicate, blocked: !live.deliverable,
      title: `${title}\n${deliver ? "Click to deliver it" : "Cannot be delivered now (receiver paused, or partitioned away)"}` };
    flightItems.push(item);
    // The pill is its own item, drawn above the notes. (Only a diagram narrower than one
    // pill leaves it nowhere to go: then it sits at the arrow's end, over whatever is there.)
    spot = spot || { lx: Math.max(minX + total / 2, Math.min(maxX - total / 2, x2)), ly: y2, below: false };
    flightItems.push({ ...item, ...spot, key: `pill-${m.id}`, kind: "pill", layer: "labels",
      pill: Math.round(pill), ymin: spot.ly - 10, ymax: spot.ly + 10 });
  }

  // Timers armed now, on their lifelines in the "next" zone, each one fireable.
  for (const timer of state.timers || []) {
    if (!xOf.has(timer.node)) continue;
    const x = xOf.get(timer.node);
    const left = timer.node === lastId;
    // In the "next" zone a timer's label may reach past its column (it takes the next free
    // slot when a neighbour's label is in the way).
    const text = wrap(`${timer.name} @${timer.at}`, Math.round(colWidth * 1.6) - 24, 1)[0];
    const w = textWidth(text) + 14;
    // Take the node's first free slot whose label overlaps no other.
    const taken = takenAt(timer.node);
    let ty;
    for (let slot = 0; ; slot++) {
      if (taken.has(slot)) continue;
      ty = nowY + slot * G.pendStep;
      const box = { x0: left ? x - w : x - 8, x1: left ? x + 8 : x + w, y0: ty - 9, y1: ty + 9 };
      if (!occupied.hits(box)) {
        occupied.add(box);
        taken.add(slot);
        break;
      }
    }
    flightItems.push({ key: `timer-${timer.id}`, layer: "labels", kind: "pending-timer",
      id: timer.id, x, y: ty, ymin: ty - 10, ymax: ty + 10, name: timer.name, at: timer.at,
      fire: canAct({ type: "fire", timer: timer.id }), left, text });
  }

  const maxPending = Math.max(1, ...[...pendingSlots.values()].map((taken) => Math.max(-1, ...taken) + 1));
  const height = nowY + maxPending * G.pendStep + 18;

  // Rows (zebra, step numbers, check changes) and the "next" zone.
  rows.forEach((row, index) => {
    items.push({ key: `row-${row.step}`, layer: "rows", kind: "row", step: row.step, t: row.t,
      ymin: row.top, ymax: row.top + row.height, top: row.top, height: row.height, width: fullWidth,
      odd: index % 2 === 1, current: row.step === state.step && row.step > 0,
      checks: row.checks.map((c) => ({ ok: c.ok, text: `${c.name}: ${c.detail}` })) });
  });
  items.push({ key: "zone", layer: "rows", kind: "zone", ymin: nowY - 14, ymax: height, top: nowY - 14,
    height: height - nowY + 14, width: fullWidth, empty: flightItems.length === 0 });

  // Lifelines, split where the node crashed, paused, resumed or restarted.
  for (const node of nodes) {
    let status = "up";
    let from = 0;
    let k = 0;
    const x = xOf.get(node.id);
    for (const change of lifeEvents.get(node.id)) {
      items.push({ key: `life-${node.id}-${k++}`, layer: "lifelines", kind: "life", x, status,
        ymin: from, ymax: change.y, top: from, bottom: change.y });
      status = STATUS_AFTER[change.type];
      from = change.y;
    }
    items.push({ key: `life-${node.id}-${k}`, layer: "lifelines", kind: "life", x,
      status: node.status || status, ymin: from, ymax: height, top: from, bottom: height });
  }

  // Partitions as shaded bands from the partition to the heal.
  let open = null;
  const bands = [];
  for (const event of trace) {
    if (event.type === "partition") {
      if (open) bands.push({ ...open, end: lineY(event.step) });
      open = { i: event.i, start: lineY(event.step) };
    } else if (event.type === "heal" && open) {
      bands.push({ ...open, end: lineY(event.step) });
      open = null;
    }
  }
  if (open) bands.push({ ...open, end: height });
  for (const band of bands) {
    items.push({ key: `band-${band.i}`, layer: "bands", kind: "band", ymin: band.start,
      ymax: band.end, top: band.start, bottom: band.end, left: G.gutter, right: fullWidth - 8 });
  }

  // Node headers (drawn in their own sticky strip).
  const head = nodes.map((node) => {
    const action = node.status === "crashed" ? { type: "restart", node: node.id }
      : { type: "crash", node: node.id };
    return { key: `head-${node.id}`, kind: "head", id: node.id, label: node.label || node.id,
      role: node.role, status: node.status, x: xOf.get(node.id), width: colWidth - 10,
      action: canAct(action) ? action : null };
  });

  return { items: items.concat(flightItems), head, width: fullWidth, height, colWidth, nowY,
    crowded };
}
