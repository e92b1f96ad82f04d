// Lamport timestamps: the total order the timestamps induce, one row per event. Click an
// event (here or its note on the diagram) to see its causal past and future — highlighted
// on the diagram — and the events concurrent with it greyed out, here and on the diagram.
// Causality comes from the server's `after` links (previous event at the node, the send a
// receive answers); with vector clocks on, the vectors say the same.

import { h, refresh } from "../dom.js";

const TIMESTAMP = /^\((\d+),([^)\s]+)\)/;

function tsText(ts) {
  return `(${ts[0]},${ts[1]})`;
}

/** {past, future} of `id`: every event reachable backwards / forwards through `after`. */
export function causalCone(order, id) {
  const byId = new Map(order.map((e) => [e.id, e]));
  const next = new Map();
  for (const e of order) {
    for (const a of e.after || []) {
      if (!next.has(a)) next.set(a, []);
      next.get(a).push(e.id);
    }
  }
  const walk = (start, step) => {
    const seen = new Set();
    const stack = [...step(start)];
    while (stack.length) {
      const cur = stack.pop();
      if (seen.has(cur) || !byId.has(cur)) continue;
      seen.add(cur);
      stack.push(...step(cur));
    }
    return seen;
  };
  return {
    past: walk(id, (x) => (byId.get(x) ? byId.get(x).after || [] : [])),
    future: walk(id, (x) => next.get(x) || []),
  };
}

export class LamportView {
  constructor({ diagram }) {
    this.diagram = diagram;
    this.selected = null;
    this.order = [];
    this.trace = [];
    this.list = h("div", { class: "pv-order" });
    this.hint = h("p", { class: "pv-hint" });
    this.el = h("section", { class: "panel pv-panel pv-lamport", "aria-label": "Lamport order" },
      h("h2", { class: "panel-title" }, "Lamport order",
        h("span", { class: "panel-hint" }, "by (counter, node) · click an event")),
      this.hint, this.list);
    // Clicking a note on the diagram selects its event (notes start with the timestamp).
    diagram.root.addEventListener("click", (event) => {
      const mark = event.target.closest && event.target.closest(".mark-note");
      const title = mark && mark.querySelector("title");
      const match = title && TIMESTAMP.exec(title.textContent);
      if (!match) return;
      const hit = this.order.find((e) => e.ts[0] === Number(match[1]) && e.ts[1] === match[2]);
      if (hit) this.select(hit.id);
    });
    // The diagram redraws (and, for long runs, draws what scrolls into view) on its own.
    new MutationObserver(() => this.queueDim()).observe(diagram.root, { childList: true, subtree: true });
  }

  render(copy) {
    const state = copy.state;
    if (!state) return;
    this.copy = copy;
    this.order = (state.view && state.view.order) || [];
    this.trace = copy.trace;
    if (this.selected && !this.order.some((e) => e.id === this.selected)) this.selected = null;
    this.relations = this.selected ? causalCone(this.order, this.selected) : null;
    this.hint.textContent = this.selected
      ? `${this.selected}: ${this.relations.past.size} before it, ${this.relations.future.size} `
        + `after it, ${this.order.length - 1 - this.relations.past.size - this.relations.future.size} concurrent`
      : "Events in the total order the timestamps induce. Equal counters are broken by node id.";
    refresh(this.list, { order: this.order, selected: this.selected }, () => this.rows());
    this.queueDim();
  }

  relation(id) {
    if (!this.selected) return null;
    if (id === this.selected) return "selected";
    if (this.relations.past.has(id)) return "past";
    if (this.relations.future.has(id)) return "future";
    return "concurrent";
  }

  rows() {
    if (!this.order.length) return h("p", { class: "pv-empty" }, "No event yet.");
    return h("ol", { class: "pv-events" }, this.order.map((e) => {
      const rel = this.relation(e.id);
      return h("li", {
        class: `pv-event pv-kind-${e.kind}${rel ? ` pv-${rel}` : ""}`, tabindex: 0, role: "button",
        "aria-pressed": rel === "selected" ? "true" : "false",
        dataset: { event: e.id, relation: rel || "" },
        title: rel === "concurrent" ? "concurrent: neither happened before the other" : null,
        onclick: () => this.select(e.id),
        onkeydown: (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            ev.stopPropagation();
            this.select(e.id);
          }
        },
      },
      h("span", { class: "pv-ts" }, tsText(e.ts)),
      h("span", { class: "pv-label" }, e.label),
      e.vector ? h("span", { class: "pv-vector" }, `[${e.vector.join(",")}]`) : null,
      rel && rel !== "selected" ? h("span", { class: "pv-rel" },
        { past: "before", future: "after", concurrent: "concurrent" }[rel]) : null);
    }));
  }

  select(id) {
    this.selected = this.selected === id ? null : id;
    this.relations = this.selected ? causalCone(this.order, this.selected) : null;
    this.diagram.highlight(this.selected ? this.traceEvents() : []);
    if (this.copy) this.render(this.copy);
  }

  /** Trace indices to highlight: the notes of the selected event, its past and future, and
   * the messages that carry causality between them. */
  traceEvents() {
    const linked = new Set([this.selected, ...this.relations.past, ...this.relations.future]);
    const byId = new Map(this.order.map((e) => [e.id, e]));
    const sends = new Set();
    for (const id of linked) {
      const e = byId.get(id);
      if (e && e.cause && linked.has(e.cause)) sends.add(e.cause);
    }
    const out = [];
    for (const event of this.trace) {
      if (event.type === "note" && event.data && linked.has(event.data.event)) out.push(event.i);
      else if (event.type === "send" && event.payload && sends.has(event.payload.event)) out.push(event.i);
    }
    return out;
  }

  queueDim() {
    if (this.dimQueued) return;
    this.dimQueued = true;
    requestAnimationFrame(() => {
      this.dimQueued = false;
      this.dim();
    });
  }

  /** Grey out, on the diagram, the notes of events concurrent with the selected one. */
  dim() {
    for (const mark of this.diagram.root.querySelectorAll(".mark-note")) {
      const title = mark.querySelector("title");
      const match = title && TIMESTAMP.exec(title.textContent);
      let rel = null;
      if (match && this.selected) {
        const e = this.order.find((x) => x.ts[0] === Number(match[1]) && x.ts[1] === match[2]);
        rel = e ? this.relation(e.id) : null;
      }
      const grey = rel === "concurrent";
      if (mark.classList.contains("pv-concurrent") !== grey) mark.classList.toggle("pv-concurrent", grey);
      mark.style.cursor = match ? "pointer" : "";
    }
  }
}
