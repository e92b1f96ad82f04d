// Replication: the linearizability verdict (and what breaks it), the settings users change
// without leaving the page (mode, N, W, R, read repair, read routing, sync/async followers),
// and each replica's copy of every key. The client history itself is the generic history
// panel under the diagram (one bar per operation, as Porcupine draws them); this view marks
// on it the operations a violation involves, and on the diagram their events and messages.
// Everything shown comes from the snapshot; the settings only send a "start" intent.

import { h, refresh } from "../dom.js";

const MODES = { "single-leader": "single leader", "multi-leader": "multi-leader",
  leaderless: "leaderless (quorums)" };

function label(value) {
  return value === null || value === undefined ? "nil" : String(value);
}

/** The linearizable check, and the ids of the operations it names (culprit first). */
function verdictOf(state) {
  const check = (state.checks || []).find((c) => c.name === "linearizable");
  return check ? { check, ops: Array.isArray(check.ops) ? check.ops : [] } : null;
}

export class ReplicationView {
  constructor({ diagram, send }) {
    this.diagram = diagram;
    this.send = send || ((intent) => window.playground.send(intent));
    this.showing = false;
    this.verdict = h("div", { class: "rv-verdict", role: "status" });
    this.form = h("form", { class: "rv-settings", onsubmit: (e) => this.apply(e) });
    this.replicas = h("div", { class: "rv-replicas" });
    this.el = h("section", { class: "panel pv-panel pv-replication", "aria-label": "Replication" },
      h("h2", { class: "panel-title" }, "Single copy?"), this.verdict,
      h("h3", { class: "pv-subtitle" }, "Replicas"), this.replicas,
      h("h3", { class: "pv-subtitle" }, "Settings"), this.form);
    loadStyles();
  }

  render(copy) {
    const state = copy.state;
    if (!state) return;
    this.state = state;
    this.run = copy.run;
    const verdict = verdictOf(state);
    refresh(this.verdict, [verdict && verdict.check, this.showing], () => this.verdictBody(verdict));
    refresh(this.replicas, [state.nodes.map((n) => [n.id, n.role, n.status, n.durable]), state.config],
      () => this.replicaTable(state));
    refresh(this.form, [state.config, state.variant], () => this.settings(state.config));
    this.markHistory(verdict);
  }

  // -- the verdict ----------------------------------------------------------------------
  verdictBody(verdict) {
    if (!verdict) return h("p", { class: "muted" }, "No client history yet.");
    const { check, ops } = verdict;
    this.verdict.dataset.ok = String(check.ok);
    const events = Array.isArray(check.events) ? check.events : [];
    return [
      h("p", { class: "rv-answer" }, check.ok ? "✓ Linearizable" : "✗ Not linearizable",
        h("span", { class: "rv-answer-sub" }, check.ok
          ? " — the history so far fits one copy of the data"
          : " — no single-copy order explains what the clients saw")),
      h("p", { class: "rv-detail" }, String(check.detail || "").replace(/^not linearizable: /, "")),
      check.ok ? null : h("p", { class: "rv-ops" }, "Operations involved: ",
        ops.map((id, k) => h("span", { class: `rv-op${k === 0 ? " culprit" : ""}${
          id === check.contradicts ? " contradicts" : ""}`, "data-op": id }, `#${id}`))),
      check.ok || !events.length ? null : h("button", {
        type: "button", class: "btn btn-small", "aria-pressed": String(this.showing),
        onclick: () => {
          this.showing = !this.showing;
          this.diagram.highlight(this.showing ? events : []);
          this.verdict.__sig = null;
          this.render({ state: this.state, run: this.run });
        },
      }, this.showing ? "Hide in diagram" : "Show in diagram"),
    ];
  }

  /** Mark the violation's operations on the generic history panel's bars. */
  markHistory(verdict) {
    const bad = verdict && !verdict.check.ok ? verdict.ops : [];
    for (const bar of document.querySelectorAll("#history .op[data-op]")) {
      const id = Number(bar.dataset.op);
      const k = bad.indexOf(id);
      bar.classList.toggle("rv-involved", k >= 0);
      bar.classList.toggle("rv-culprit", k === 0);
      bar.classList.toggle("rv-contradicts", k > 0 && id === verdict.check.contradicts);
    }
  }

  // -- replicas -------------------------------------------------------------------------
  replicaTable(state) {
    const keys = state.config.keys || [];
    const rows = state.nodes.filter((n) => /^r\d+$/.test(n.id));
    return h("table", { class: "rv-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "replica"), keys.map((k) => h("th", {}, k)))),
      h("tbody", {}, rows.map((n) => h("tr", { "data-node": n.id, "data-status": n.status },
        h("th", {}, n.label || n.id),
        keys.map((k) => h("td", { "data-key": k }, this.cell(state.config.mode, n, k)))))));
  }

  cell(mode, node, key) {
    const data = (node.durable && node.durable.data) || {};
    const stored = data[key];
    if (stored === undefined) return h("span", { class: "muted" }, "nil");
    if (mode === "leaderless") return `${label(stored.value)} (v${stored.version[0]})`;
    if (mode === "multi-leader") return `${label(stored.value)} (t=${stored.ts[0]})`;
    return label(stored);
  }

  // -- settings -------------------------------------------------------------------------
  settings(config) {
    const mode = config.mode;
    const number = (name, text, min, max) => h("label", { class: "rv-field" }, text,
      h("input", { type: "number", name, min, max, value: config[name], required: true }));
    const choice = (name, text, options) => h("label", { class: "rv-field" }, text,
      h("select", { name }, Object.entries(options).map(([value, shown]) =>
        h("option", { value, selected: config[name] === value }, shown))));
    const followers = [];
    for (let i = 2; i <= config.replicas; i += 1) {
      const id = `r${i}`;
      followers.push(h("label", { class: "rv-check" }, h("input", { type: "checkbox",
        name: "sync", value: id, checked: (config.sync_followers || []).includes(id) }), id));
    }
    return [
      choice("mode", "Mode", MODES),
      number("replicas", "Replicas N", 2, 5),
      number("clients", "Clients", 1, 4),
      mode === "single-leader" ? [
        choice("read_from", "Reads at", { leader: "the leader", any: "any replica" }),
        h("fieldset", { class: "rv-sync" }, h("legend", {}, "Synchronous followers"),
          followers.length ? followers : h("span", { class: "muted" }, "none")),
      ] : null,
      mode === "leaderless" ? [
        number("w", "Write quorum W", 1, 5), number("r", "Read quorum R", 1, 5),
        choice("read_repair", "Read repair", { off: "off", async: "asynchronous",
          sync: "synchronous (wait for W)" }),
      ] : null,
      h("button", { type: "submit", class: "btn btn-primary btn-small" }, "Restart with these settings"),
    ];
  }

  apply(event) {
    event.preventDefault();
    const form = new FormData(this.form);
    const config = { ...(this.state.config || {}) };
    for (const name of ["mode", "read_from", "read_repair"]) {
      if (form.has(name)) config[name] = form.get(name);
    }
    for (const name of ["replicas", "clients", "w", "r"]) {
      if (form.has(name)) config[name] = Number(form.get(name));
    }
    if (config.mode === "single-leader") {
      config.sync_followers = form.getAll("sync").filter((id) => Number(id.slice(1)) <= config.replicas);
    } else {
      config.sync_followers = (config.sync_followers || []).filter((id) => Number(id.slice(1)) <= config.replicas);
    }
    config.w = Math.min(config.w, config.replicas);
    config.r = Math.min(config.r, config.replicas);
    if (config.image_resizer && config.clients < 2) config.image_resizer = false;
    this.showing = false;
    this.diagram.highlight([]);
    const run = this.run || {};
    this.send({ type: "start", variant: run.variant || this.state.variant, seed: run.seed ?? this.state.seed,
      config });
  }
}

function loadStyles() {
  if (document.querySelector("link[data-replication-css]")) return;
  document.head.appendChild(Object.assign(document.createElement("link"), {
    rel: "stylesheet", href: new URL("../../css/replication-view.css", import.meta.url).href,
  })).dataset.replicationCss = "";
}
