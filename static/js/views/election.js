// Leader election: epochs as coloured eras across the sequence diagram, each leader's lease as
// a band on its lifeline (solid while valid; hatched where it had lapsed but the leader still
// believed it led; dashed after a crash, while the lease it left behind still binds the
// followers), each node's log of accepted and decided values, and a partition tool.
// Everything is read from the trace and the snapshot: the `leader of epoch` notes carry the
// lease, quiet notes its renewals, `lease lapsed` / `steps down` notes and crashes its end.

import { h, s, refresh } from "../dom.js";
import { PartitionTool } from "./partition-tool.js";

const EPOCH_HUES = ["#4f46e5", "#0d9488", "#c2410c", "#be185d", "#2563eb", "#7c3aed", "#15803d",
  "#a16207"];
const ROW_LINE = 13;   // from a row's top to its event line (diagram-layout's rowTop)

export function epochColour(epoch) {
  return EPOCH_HUES[(Math.max(1, epoch) - 1) % EPOCH_HUES.length];
}

/** Each leadership in the trace: who, which epoch, its lease renewals and how it ended. */
export function tenures(trace) {
  const open = new Map();
  const out = [];
  const close = (node, step, why) => {
    const t = open.get(node);
    if (t) {
      t.end = step;
      t.why = why;
      open.delete(node);
    }
  };
  for (const e of trace) {
    if (e.type === "crash") close(e.node, e.step, "crashed");
    if (e.type !== "note") continue;
    const d = e.data || {};
    if (d.leader_of !== undefined) {
      close(e.node, e.step, "elected again");
      const t = { node: e.node, epoch: d.leader_of, start: e.step, event: e.i, end: null, why: null,
        noticed: null, renewals: [{ step: e.step, until: d.lease_until }] };
      open.set(e.node, t);
      out.push(t);
    } else if (d.lease_until !== undefined && open.has(e.node)) {
      open.get(e.node).renewals.push({ step: e.step, until: d.lease_until });
    } else if (d.lease_lapsed !== undefined && open.has(e.node)) {
      open.get(e.node).noticed = e.step;
    } else if (d.stepped_down) {
      close(e.node, e.step, "stepped down");
    }
  }
  return out;
}

/** Eras: from the first leader of each epoch to the first leader of the next. */
export function eras(trace) {
  const out = [];
  const seen = new Set();
  for (const e of trace) {
    const epoch = e.type === "note" && e.data ? e.data.leader_of : undefined;
    if (epoch === undefined || seen.has(epoch)) continue;
    seen.add(epoch);
    out.push({ epoch, start: e.step, leader: e.node });
  }
  return out;
}

export class ElectionView {
  constructor({ act, diagram }) {
    this.act = act;
    this.diagram = diagram;
    this.copy = null;
    this.overlaySig = null;
    this.partition = new PartitionTool({ onAction: act });
    this.logs = h("div", { class: "ev-logs" });
    this.storage = h("p", { class: "ev-storage" });
    this.el = h("section", { class: "panel pv-panel pv-election", "aria-label": "Logs and network" },
      h("h2", { class: "panel-title" }, "Logs",
        h("span", { class: "panel-hint" }, "per slot: accepted ○, decided ●")),
      this.logs, this.storage,
      h("h3", { class: "pv-subtitle" }, "Network",
        h("span", { class: "ev-subhint" }, " drag nodes into groups")),
      this.partition.el);
    this.layer = s("g", { class: "layer-election" });
    loadStyles();
    // The diagram lays itself out again when its width changes: follow it.
    new ResizeObserver(() => requestAnimationFrame(() => this.drawOverlay()))
      .observe(diagram.root);
  }

  render(copy) {
    if (!copy.state) return;
    this.copy = copy;
    this.renderLogs(copy.state);
    this.partition.render(copy);
    this.drawOverlay();
  }

  // -- the diagram: eras and leases --------------------------------------------------------

  drawOverlay() {
    const layout = this.diagram.layout;
    if (!layout || !this.copy) return;
    const body = this.diagram.body;
    const bands = body.querySelector(".layer-bands");
    if (this.layer.parentNode !== body) body.insertBefore(this.layer, bands ? bands.nextSibling : null);
    const items = overlayItems(this.copy.trace, this.copy.state, layout);
    const sig = JSON.stringify(items);
    if (sig === this.overlaySig) return;
    this.overlaySig = sig;
    this.layer.replaceChildren(
      s("defs", {}, s("pattern", { id: "ev-lapsed", width: 6, height: 6, patternUnits: "userSpaceOnUse",
        patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, class: "ev-lapsed-bg" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "ev-lapsed-line" }))),
      ...items.map((item) => (item.kind === "era" ? drawEra(item) : drawLease(item))));
  }

  // -- the panel: logs and storage -------------------------------------------------------------

  renderLogs(state) {
    const members = state.nodes.filter((n) => n.role === "node");
    const slots = new Set();
    for (const m of members) {
      Object.keys(m.durable.accepted || {}).forEach((k) => slots.add(Number(k)));
      (m.durable.decided || []).forEach((d) => slots.add(d.slot));
    }
    const columns = [...slots].sort((a, b) => a - b);
    // What each slot was decided as, anywhere: a cell deciding otherwise is a conflict.
    const firstDecided = new Map();
    for (const m of members) {
      for (const d of m.durable.decided || []) if (!firstDecided.has(d.slot)) firstDecided.set(d.slot, d.value);
    }
    const data = { members: members.map((m) => [m.id, m.label, m.status, m.durable, m.volatile]), columns };
    refresh(this.logs, data, () => h("div", { class: "ev-scroll" }, h("table", { class: "pv-table ev-table" },
      h("thead", {}, h("tr", {},
        h("th", { class: "ev-node" }, "node"), h("th", { class: "ev-epoch" }, "epoch"),
        columns.length ? columns.map((slot) => h("th", { class: "ev-slot" }, String(slot)))
          : h("th", { class: "ev-none" }, "no value proposed yet"))),
      h("tbody", {}, members.map((m) => this.logRow(m, columns, firstDecided))))));

    const store = state.nodes.find((n) => n.role === "storage");
    if (store) {
      const refused = (store.durable.writes || []).filter((w) => !w.ok).length;
      this.storage.textContent = `Storage: file = ${store.durable.file ?? "(empty)"}, highest fencing `
        + `token ${store.durable.token}` + (refused ? `, ${refused} stale write${refused > 1 ? "s" : ""} refused` : "");
      this.storage.classList.toggle("ev-refused", refused > 0);
    }
  }

  logRow(m, columns, firstDecided) {
    const record = m.durable.epoch !== undefined ? m.durable : (m.volatile || {});
    const epoch = record.epoch;
    const leading = m.volatile && m.volatile.role === "leader";
    const decided = new Map();
    const twice = new Set();
    for (const d of m.durable.decided || []) {
      if (decided.has(d.slot)) twice.add(d.slot);
      decided.set(d.slot, d);
    }
    const cells = columns.map((slot) => {
      const acc = (m.durable.accepted || {})[String(slot)];
      const dec = decided.get(slot);
      const shown = dec || acc;
      if (!shown) return h("td", { class: "ev-cell empty", "data-slot": slot });
      const conflict = twice.has(slot) || (dec && firstDecided.get(slot) !== dec.value);
      const title = [acc ? `accepted ${acc.value} in epoch ${acc.epoch}` : "nothing accepted",
        dec ? `decided ${dec.value}` : "not decided"].join("; ");
      return h("td", {
        class: `ev-cell ${dec ? "decided" : "accepted"}${conflict ? " conflict" : ""}`,
        "data-slot": slot, title: `${m.id}, slot ${slot}: ${title}`,
        style: { "--epoch": epochColour(shown.epoch) },
      }, h("span", { class: "ev-mark", "aria-hidden": "true" }, dec ? "●" : "○"),
      h("span", { class: "ev-value" }, String(shown.value)),
      h("sub", { class: "ev-e" }, String(shown.epoch)));
    });
    const vote = record.voted_for ? `voted ${record.voted_for}` : "no vote";
    return h("tr", { "data-node": m.id, class: `status-${m.status}${leading ? " leading" : ""}` },
      h("th", { class: "ev-node", scope: "row", title: m.label !== m.id ? `${m.label} (${m.id})` : m.id },
        leading ? h("span", { class: "ev-crown", title: "leader" }, "★") : null, m.label || m.id),
      h("td", { class: "ev-epoch", title: epoch === undefined ? "lost in crash" : `epoch ${epoch}, ${vote}` },
        epoch === undefined ? "—" : h("span", { class: "ev-epoch-chip", style: { "--epoch": epochColour(epoch) } },
          `e${epoch}`)),
      cells);
  }
}

/** Plain-data overlay items from the trace, positioned on the diagram's current layout. */
export function overlayItems(trace, state, layout) {
  const rows = layout.items.filter((i) => i.kind === "row").sort((a, b) => a.step - b.step);
  if (!rows.length) return [];
  const rowOf = new Map(rows.map((r) => [r.step, r]));
  const xOf = new Map(layout.head.map((head) => [head.id, head.x]));
  const last = rows[rows.length - 1];
  const bottom = layout.nowY !== undefined ? layout.nowY - 14 : last.top + last.height;
  const items = [];

  const eraList = eras(trace);
  eraList.forEach((era, k) => {
    const from = rowOf.get(era.start);
    if (!from) return;
    const next = eraList[k + 1] && rowOf.get(eraList[k + 1].start);
    items.push({ kind: "era", epoch: era.epoch, leader: era.leader, top: from.top,
      bottom: next ? next.top : bottom, left: 0, right: layout.width - 8 });
  });

  for (const t of tenures(trace)) {
    const x = xOf.get(t.node);
    if (x === undefined || !rowOf.has(t.start)) continue;
    const endStep = t.end ?? last.step;
    const span = rows.filter((r) => r.step >= t.start && r.step <= endStep);
    let k = 0;
    let until = -Infinity;
    let segment = null;
    const flush = () => {
      if (segment) items.push(segment);
      segment = null;
    };
    for (const row of span) {
      while (k < t.renewals.length && t.renewals[k].step <= row.step) {
        until = Math.max(until, t.renewals[k].until ?? -Infinity);
        k += 1;
      }
      const state = row.t < until ? "valid" : "lapsed";
      const top = row.step === t.start ? row.top + ROW_LINE : row.top;
      const rowBottom = row.step === t.end ? row.top + ROW_LINE : row.top + row.height;
      if (segment && segment.state === state) segment.bottom = rowBottom;
      else {
        flush();
        segment = { kind: "lease", state, node: t.node, epoch: t.epoch, x, top, bottom: rowBottom,
          until, why: t.why };
      }
      segment.until = until;
    }
    if (t.end === null && segment) segment.bottom = bottom;   // still leading now
    flush();
    // A crashed leader's lease still binds the nodes that promised it, until it runs out.
    if (t.why === "crashed" && until > rowOf.get(t.end).t) {
      const crash = rowOf.get(t.end);
      const expiry = rows.find((r) => r.step > t.end && r.t >= until);
      items.push({ kind: "lease", state: "binding", node: t.node, epoch: t.epoch, x,
        top: crash.top + ROW_LINE, bottom: expiry ? expiry.top : bottom, until, why: t.why });
    }
  }
  return items;
}

function drawEra(item) {
  const colour = epochColour(item.epoch);
  return s("g", { class: "ev-era", "data-epoch": item.epoch, style: { "--epoch": colour } },
    s("title", {}, `Epoch ${item.epoch}: ${item.leader} elected`),
    s("rect", { class: "ev-era-tint", x: item.left, y: item.top, width: item.right - item.left,
      height: Math.max(0, item.bottom - item.top) }),
    s("rect", { class: "ev-era-edge", x: item.left, y: item.top, width: 4,
      height: Math.max(0, item.bottom - item.top) }),
    s("text", { class: "ev-era-label", x: 7, y: item.top + 11 }, `e${item.epoch}`));
}

const LEASE_TEXT = {
  valid: "holds a valid lease",
  lapsed: "its lease has run out, but it still believes it leads",
  binding: "has crashed; the lease it left still binds its followers",
};

function drawLease(item) {
  const until = Number.isFinite(item.until) ? ` (until t=${item.until})` : "";
  return s("g", { class: `ev-lease ${item.state}`, "data-node": item.node, "data-epoch": item.epoch,
    style: { "--epoch": epochColour(item.epoch) } },
  s("title", {}, `${item.node}, leader of epoch ${item.epoch}: ${LEASE_TEXT[item.state]}${until}`),
  s("rect", { x: item.x - 5, y: item.top, width: 10, height: Math.max(2, item.bottom - item.top), rx: 3 }));
}

function loadStyles() {
  if (document.querySelector("link[data-election-css]")) return;
  document.head.appendChild(Object.assign(document.createElement("link"), {
    rel: "stylesheet", href: new URL("../../css/election-view.css", import.meta.url).href,
  })).dataset.electionCss = "";
}
