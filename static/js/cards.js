// One card per node: status, summary line, the protocol's own actions for that node,
// durable state (survives a crash) apart from volatile state (lost in one), armed timers.

import { h, fill, refresh } from "./dom.js";
import { renderValue } from "./values.js";
import { roleColors } from "./palette.js";
import { isProtocolAction, protocolActionText, formatTime, nodeSubtitle } from "./labels.js";

const STATUS_TEXT = { up: "up", crashed: "crashed", paused: "paused" };

export class NodeCards {
  constructor(root, { onAction, actionsHelp }) {
    this.root = root;
    this.onAction = onAction;
    this.actionsHelp = actionsHelp;
    this.cards = new Map();
    this.list = h("div", { class: "cards-list" });
    this.general = h("div", { class: "card-actions general-actions" });
    fill(root, h("h2", { class: "panel-title" }, "Nodes"), this.general, this.list);
    root.classList.add("panel", "cards");
  }

  render(copy) {
    const state = copy.state;
    if (!state) return;
    const colours = roleColors(state.nodes);
    // Protocol actions that belong to no node in particular.
    const general = copy.enabled.filter((a) => isProtocolAction(a) && a.node === undefined);
    refresh(this.general, general, () => general.map((action) => {
      const { label, help } = protocolActionText(action, this.actionsHelp);
      return h("button", { type: "button", class: "btn btn-primary btn-small", title: help || null,
        "data-action-type": action.type, onclick: () => this.onAction(action) }, label);
    }));
    const seen = new Set();
    state.nodes.forEach((node, index) => {
      seen.add(node.id);
      let card = this.cards.get(node.id);
      if (!card) {
        card = this.createCard();
        this.cards.set(node.id, card);
      }
      if (this.list.children[index] !== card.el) this.list.insertBefore(card.el, this.list.children[index] || null);
      this.updateCard(card, node, copy, colours.get(node.role));
    });
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
  }

  createCard() {
    const card = {
      head: h("header", { class: "card-head" }),
      summary: h("p", { class: "card-summary" }),
      actions: h("div", { class: "card-actions" }),
      durable: h("div", { class: "state-body" }),
      volatile: h("div", { class: "state-body" }),
      timers: h("div", { class: "card-timers" }),
    };
    card.el = h("article", { class: "card" },
      card.head, card.summary, card.actions,
      h("div", { class: "card-state" },
        h("section", { class: "state durable" },
          h("h4", {}, "Durable", h("span", { class: "state-hint" }, "survives a crash")),
          card.durable),
        h("section", { class: "state volatile" },
          h("h4", {}, "Volatile", h("span", { class: "state-hint" }, "memory")),
          card.volatile)),
      card.timers);
    return card;
  }

  updateCard(card, node, copy, colour) {
    const el = card.el;
    el.className = `card status-${node.status}`;
    el.dataset.node = node.id;
    el.dataset.status = node.status;
    el.style.setProperty("--role", colour || "#64748b");

    refresh(card.head, [node.id, node.label, node.role, node.status], () => [
      h("span", { class: "role-dot", "aria-hidden": "true" }),
      h("h3", { class: "card-title" }, node.label || node.id),
      h("span", { class: "card-role" }, nodeSubtitle(node)),
      h("span", { class: `badge badge-${node.status}` }, STATUS_TEXT[node.status] || node.status),
    ]);
    card.summary.textContent = node.summary || "";
    card.summary.hidden = !node.summary;

    const mine = copy.enabled.filter((a) => a.node === node.id);
    const isolated = (copy.state.partition || []).some((g) => g.length === 1 && g[0] === node.id);
    refresh(card.actions, { mine, isolated, status: node.status }, () => this.buttons(node, mine, isolated));

    refresh(card.durable, node.durable, (durable) => renderValue(durable || {}));
    refresh(card.volatile, [node.status, node.volatile], () => (
      node.status === "crashed" || node.volatile === null
        ? h("p", { class: "lost" }, "lost in crash")
        : renderValue(node.volatile)));

    const timers = (copy.state.timers || []).filter((t) => t.node === node.id).map((t) => ({
      ...t, fire: copy.isEnabled({ type: "fire", timer: t.id }),
    }));
    refresh(card.timers, timers, () => timers.length ? [
      h("h4", {}, "Timers"),
      h("ul", { class: "timer-list" }, timers.map((t) => h("li", { "data-timer": t.id },
        h("span", { class: "timer-name" }, t.name),
        h("span", { class: "timer-at" }, `due ${formatTime(t.at)}`),
        t.fire ? h("button", { type: "button", class: "btn btn-small btn-ghost",
          title: `Fire ${t.name} now`, onclick: () => this.onAction({ type: "fire", timer: t.id }) },
        "fire now") : null))),
    ] : []);
  }

  buttons(node, mine, isolated) {
    const protocol = mine.filter(isProtocolAction).map((action) => {
      const { label, help } = protocolActionText(action, this.actionsHelp);
      return h("button", { type: "button", class: "btn btn-primary btn-small", title: help || null,
        "data-action-type": action.type, onclick: () => this.onAction(action) }, label);
    });
    const has = (type) => mine.some((a) => a.type === type);
    const fault = (type, label, tip) => has(type)
      ? h("button", { type: "button", class: `btn btn-small btn-ghost fault-${type}`, title: tip,
        "data-action-type": type, onclick: () => this.onAction({ type, node: node.id }) }, label)
      : null;
    const faults = [
      fault("crash", "Crash", "Crash: volatile state is lost, durable state survives"),
      fault("restart", "Restart", "Restart: the node recovers from its durable state"),
      fault("pause", "Pause", "Pause: the node stops taking messages and timers (like a long GC)"),
      fault("resume", "Resume", "Resume the paused node"),
      node.status !== "crashed" && !isolated
        ? h("button", { type: "button", class: "btn btn-small btn-ghost fault-isolate",
          title: "Partition the network so this node is cut off from all others",
          "data-action-type": "partition",
          onclick: () => this.onAction({ type: "partition", groups: [[node.id]] }) }, "Isolate")
        : null,
    ].filter(Boolean);
    return [
      protocol.length ? h("div", { class: "actions-protocol" }, protocol) : null,
      h("div", { class: "actions-fault" }, faults),
    ];
  }
}
