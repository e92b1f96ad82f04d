// Total order broadcast: a form to claim a username through a node, the usernames table
// (who holds what, who was refused, who is waiting) and every node's delivered log side by
// side, with its hold-back queue. Usernames are typed by users: they only ever become text.

import { h, fill, refresh } from "../dom.js";

const MAX_NAME = 32;

function people(list) {
  return list.length ? list.map((p) => `${p.user} (via ${p.node})`).join(", ") : "—";
}

function entryText(entry) {
  if (entry.noop) return "no-op";
  return `“${entry.name}” ← ${entry.user}`;
}

export class TobView {
  constructor({ act }) {
    this.act = act;
    this.user = h("input", { type: "text", name: "user", maxlength: MAX_NAME, required: true,
      placeholder: "user", "aria-label": "User", autocomplete: "off", value: "alice" });
    this.name = h("input", { type: "text", name: "name", maxlength: MAX_NAME, required: true,
      placeholder: "username", "aria-label": "Username to claim", autocomplete: "off",
      value: "bob" });
    this.node = h("select", { name: "node", "aria-label": "Through node" });
    this.submit = h("button", { type: "submit", class: "btn btn-primary btn-small" }, "Claim");
    this.form = h("form", { class: "pv-claim", onsubmit: (event) => this.onSubmit(event) },
      this.user, h("span", { class: "pv-claim-word" }, "claims"), this.name,
      h("span", { class: "pv-claim-word" }, "via"), this.node, this.submit);
    this.table = h("div", { class: "pv-usernames" });
    this.logs = h("div", { class: "pv-logs" });
    this.logsTitle = h("h3", { class: "pv-subtitle" }, "Delivered logs");
    this.count = h("span", { class: "panel-count" });
    this.el = h("section", { class: "panel pv-panel pv-tob", "aria-label": "Usernames" },
      h("h2", { class: "panel-title" }, "Usernames", this.count),
      this.form, this.table, this.logsTitle, this.logs);
  }

  onSubmit(event) {
    event.preventDefault();
    const user = this.user.value.trim();
    const name = this.name.value.trim();
    if (!user || !name || !this.node.value) return;
    this.act({ type: "claim", node: this.node.value, user, name });
  }

  render(copy) {
    const state = copy.state;
    if (!state) return;
    const view = state.view || {};
    const early = state.variant === "lamport-early";
    this.renderNodes(state.nodes);
    const rows = view.usernames || [];
    this.count.textContent = rows.length ? `${rows.length} claimed` : "";
    refresh(this.table, rows, () => this.usernames(rows));
    this.logsTitle.textContent = early ? "Claims seen, in arrival order" : "Delivered logs";
    const logs = state.nodes.map((node) => ({
      id: node.id, status: node.status, durable: node.durable,
      hold: node.volatile ? node.volatile.hold_back || [] : null,
      sequencing: !!(view.sequencer && view.sequencer.node === node.id),
      epoch: node.durable.epoch,
    }));
    refresh(this.logs, { logs, early }, () => logs.map((log) => this.column(log, early)));
  }

  renderNodes(nodes) {
    const sig = JSON.stringify(nodes.map((n) => [n.id, n.status]));
    if (this.node.__sig === sig) return;
    this.node.__sig = sig;
    const chosen = this.node.value;
    const up = nodes.filter((n) => n.status === "up");
    fill(this.node, nodes.map((n) => h("option", { value: n.id, disabled: n.status !== "up" },
      n.status === "up" ? n.id : `${n.id} (${n.status})`)));
    const keep = up.find((n) => n.id === chosen) || up.find((n) => n.id === "n2") || up[0];
    if (keep) this.node.value = keep.id;
    this.submit.disabled = !up.length;
  }

  usernames(rows) {
    if (!rows.length) return h("p", { class: "pv-empty" }, "No name claimed yet.");
    return h("table", { class: "pv-table" },
      h("thead", {}, h("tr", {}, ["Name", "Holder", "Refused", "Waiting"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.map((row) => h("tr", {
        class: row.holders.length > 1 ? "pv-conflict" : null,
        title: row.holders.length > 1 ? "More than one user was told this name is theirs" : null,
        dataset: { name: row.name },
      },
      h("td", { class: "pv-name" }, row.name),
      h("td", { class: "pv-holder" }, people(row.holders)),
      h("td", { class: "pv-refused" }, people(row.refused)),
      h("td", { class: "pv-waiting" }, people(row.pending))))));
  }

  column(log, early) {
    const head = h("div", { class: "pv-log-head" }, h("strong", {}, log.id),
      log.status !== "up" ? h("span", { class: `pv-status pv-${log.status}` }, log.status) : null,
      log.sequencing ? h("span", { class: "pv-seq" }, `sequencer, epoch ${log.epoch}`) : null);
    let items;
    if (early) {
      items = (log.durable.seen || []).map((c) => h("li", { dataset: { id: c.id } },
        h("span", { class: "pv-slot" }, `(${c.ts[0]},${c.ts[1]})`), ` “${c.name}” ← ${c.user}`));
    } else {
      items = (log.durable.delivered || []).map((m) => h("li", {
        class: m.duplicate ? "pv-dup" : null, dataset: { id: m.id, slot: m.slot },
      }, h("span", { class: "pv-slot" }, `#${m.slot}`), ` ${entryText(m)}`,
      m.duplicate ? " (duplicate)" : ""));
      // A crashed node's hold-back queue is gone; what it stored is still on its disk.
      const hold = log.hold || (log.durable.log || []).map((entry, k) => (
        entry && k + 1 > (log.durable.delivered || []).length
          ? { slot: k + 1, id: entry.msg.id, why: `stored in epoch ${entry.epoch}` } : null))
        .filter(Boolean);
      for (const held of hold) {
        const stored = (log.durable.log || [])[held.slot - 1];
        const what = stored ? entryText(stored.msg) : held.id;
        items.push(h("li", { class: "pv-held", title: `held back: ${held.why}`,
          dataset: { id: held.id, slot: held.slot } },
        h("span", { class: "pv-slot" }, `#${held.slot}`), ` ${what} — ${held.why}`));
      }
    }
    return h("div", { class: `pv-log pv-log-${log.status}`, dataset: { node: log.id } }, head,
      items.length ? h("ol", {}, items) : h("p", { class: "pv-empty" }, "nothing yet"));
  }
}
