// Client histories, as in Porcupine: one lane per client, one bar per operation from its
// invocation to its completion on the simulated clock; still-pending operations run on
// to "now" with an open end.

import { h, fill, refresh } from "./dom.js";
import { formatTime } from "./labels.js";
import { inlineText } from "./values.js";

const STATUS_TEXT = { ok: "ok", fail: "failed", info: "outcome unknown", pending: "pending" };

/** "x=1" for {writes: {x: 1}}: one argument shows its value, several show their names. */
function argsText(args) {
  const entries = Object.entries(args || {});
  if (entries.length === 1) return inlineText(entries[0][1]);
  return entries.map(([k, v]) => `${k}=${inlineText(v)}`).join(", ");
}

/** Rows within a lane, so overlapping operations of one client never hide each other. */
function stackRows(ops, now) {
  const ends = [];
  return ops.map((op) => {
    const end = op.complete_t ?? now;
    let row = ends.findIndex((e) => e < op.invoke_t);
    if (row === -1) {
      row = ends.length;
      ends.push(end);
    } else ends[row] = end;
    return { op, row };
  });
}

function ticks(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let t = 0; t <= max; t += step) out.push(t);
  return out;
}

export class HistoryPanel {
  constructor(root) {
    this.root = root;
    this.body = h("div", { class: "history-body" });
    fill(root, h("h2", { class: "panel-title" }, "Client history",
      h("span", { class: "panel-hint" }, "each bar: an operation from invocation to completion")),
    this.body);
    root.classList.add("panel", "history");
  }

  render(copy) {
    const state = copy.state;
    if (!state) return;
    const ops = state.history || [];
    refresh(this.body, [ops, ops.some((o) => o.status === "pending") ? state.time : 0], () => this.chart(ops, state.time));
  }

  chart(ops, now) {
    if (!ops.length) return h("p", { class: "muted" }, "No client operations yet.");
    const max = Math.max(1, now, ...ops.map((o) => o.complete_t ?? o.invoke_t));
    const pct = (t) => `${(100 * t) / max}%`;
    const clients = [...new Set(ops.map((o) => o.client))];
    const lanes = clients.map((client) => {
      const placed = stackRows(ops.filter((o) => o.client === client), now);
      const rows = Math.max(1, ...placed.map((p) => p.row + 1));
      return h("div", { class: "lane", style: { "--rows": rows } },
        h("div", { class: "lane-name" }, client),
        h("div", { class: "lane-track" }, placed.map(({ op, row }) => {
          const end = op.complete_t ?? now;
          const args = `(${argsText(op.args)})`;
          // A value returned is shown even when it is nil (a stale read's nothing is evidence).
          const result = op.result === null || op.result === undefined
            ? (op.returned ? " → nil" : "") : ` → ${inlineText(op.result)}`;
          const label = `${op.op}${args}${op.status === "pending" ? " …" : result}`;
          return h("div", {
            class: `op op-${op.status}`, "data-op": op.id, "data-status": op.status,
            style: { left: pct(op.invoke_t), width: `max(8px, ${pct(end - op.invoke_t)})`, "--row": row },
            title: `${op.client}: ${op.op}${args}\ninvoked at ${formatTime(op.invoke_t)}` +
              (op.complete_t !== null && op.complete_t !== undefined
                ? `, completed at ${formatTime(op.complete_t)}` : ", still pending") +
              `\n${STATUS_TEXT[op.status] || op.status}${result}`,
          }, h("span", { class: "op-label" }, label));
        })));
    });
    const axis = h("div", { class: "axis" }, h("div", { class: "lane-name" }),
      h("div", { class: "axis-track" }, ticks(max).map((t) =>
        // A tick near the right edge hangs left of its mark, so it stays inside the panel.
        h("span", { class: `tick${t / max > 0.92 ? " tick-end" : ""}`, style: { left: pct(t) } },
          formatTime(t)))));
    return [h("div", { class: "lanes" }, lanes), axis];
  }
}
