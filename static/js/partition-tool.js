// The partition tool, on every play page (any protocol's network can be partitioned): the
// network's groups as boxes; drag a node into another box (or into "new group") to draft a
// partition, then apply it. Without a mouse: click (or Enter on) a node to move it to the
// next group.

import { h, fill } from "./dom.js";

const NEW_GROUP = -1;

export class PartitionTool {
  /** onAction(action) sends {type: "partition", groups} or {type: "heal"}. `el` is the
   * tool's own panel, "Network". */
  constructor({ onAction }) {
    this.onAction = onAction;
    this.draft = null;      // [[node ids]...] being edited, or null to follow the network
    this.actualSig = null;
    this.copy = null;
    this.tool = h("div", { class: "partition-tool" });
    this.el = h("section", { class: "panel network-panel", "aria-label": "Network" },
      h("h2", { class: "panel-title" }, "Network", h("span", { class: "panel-hint" }, "drag nodes into groups")),
      this.tool);
  }

  render(copy) {
    if (!copy.state) return;
    this.copy = copy;
    const state = copy.state;
    const ids = state.nodes.map((n) => n.id);
    const actual = state.partition || [ids];
    const sig = JSON.stringify(actual);
    if (sig !== this.actualSig) {   // the network changed: drop any draft
      this.actualSig = sig;
      this.draft = null;
    }
    this.draw(this.draft || actual, actual);
  }

  draw(groups, actual) {
    const nodes = this.copy.state.nodes.map((n) => [n.id, n.label || n.id, n.status]);
    const canHeal = this.copy.isEnabled({ type: "heal" });
    // Redraw only on a change: an element replaced under the pointer starts no drag.
    const sig = JSON.stringify([groups, actual, nodes, canHeal]);
    if (sig === this.drawn) return;
    this.drawn = sig;
    const labels = new Map(nodes.map(([id, label]) => [id, label]));
    const status = new Map(nodes.map(([id, , st]) => [id, st]));
    const zone = (members, index) => h("div", {
      class: `pt-group${index === NEW_GROUP ? " pt-new" : ""}`, "data-group": index,
      ondragover: (event) => { event.preventDefault(); event.currentTarget.classList.add("over"); },
      ondragleave: (event) => event.currentTarget.classList.remove("over"),
      ondrop: (event) => {
        event.preventDefault();
        const node = event.dataTransfer.getData("text/plain");
        if (labels.has(node)) this.move(node, index);
      },
    },
    index === NEW_GROUP ? h("span", { class: "pt-hint" }, "drop here: new group") : null,
    members.map((id) => {
      const next = () => this.move(id, index + 1 >= groups.length ? NEW_GROUP : index + 1);
      // A span, not a <button>: Chromium starts no drag from a button.
      return h("span", {
        class: `pt-node status-${status.get(id)}`, draggable: "true", role: "button", tabindex: 0,
        "data-node": id, title: `Drag ${id} to another group (or click to move it to the next one)`,
        ondragstart: (event) => {
          event.dataTransfer.setData("text/plain", id);
          event.dataTransfer.effectAllowed = "move";
        },
        onclick: next,
        onkeydown: (event) => {
          if (event.key !== "Enter" && event.key !== " ") return;
          event.preventDefault();
          event.stopPropagation();   // not the page's play/pause shortcut
          next();
          this.tool.querySelector(`.pt-node[data-node="${CSS.escape(id)}"]`)?.focus();
        },
      }, labels.get(id));
    }));

    const cleaned = groups.filter((g) => g.length);
    const changed = JSON.stringify(cleaned) !== JSON.stringify(actual);
    const canPartition = changed && cleaned.length >= 2;
    fill(this.tool,
      h("div", { class: "pt-groups" },
        groups.map((members, i) => [i ? h("span", { class: "pt-wall", "aria-hidden": "true" }, "‖") : null,
          zone(members, i)]),
        zone([], NEW_GROUP)),
      h("div", { class: "pt-buttons" },
        h("button", { type: "button", class: "btn btn-small btn-primary pt-apply",
          disabled: !canPartition, onclick: () => this.apply(cleaned) }, "Partition"),
        h("button", { type: "button", class: "btn btn-small btn-ghost pt-heal", disabled: !canHeal,
          onclick: () => this.onAction({ type: "heal" }) }, "Heal"),
        changed ? h("button", { type: "button", class: "btn btn-small btn-ghost pt-reset",
          onclick: () => { this.draft = null; this.render(this.copy); } }, "Reset") : null));
  }

  move(node, index) {
    const state = this.copy.state;
    const groups = (this.draft || state.partition || [state.nodes.map((n) => n.id)])
      .map((g) => g.filter((id) => id !== node));
    if (index === NEW_GROUP || index >= groups.length) groups.push([node]);
    else groups[index].push(node);
    // Keep the nodes' own order inside each group, and drop emptied groups.
    const order = state.nodes.map((n) => n.id);
    this.draft = groups.filter((g) => g.length)
      .map((g) => g.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    this.draw(this.draft, state.partition || [order]);
  }

  apply(groups) {
    this.onAction({ type: "partition", groups });
  }
}
