// One set of page components for a run, shared by the play page and the room pages
// (instructor, follower, presenter): the narration strip and the diagram, the protocol's own
// panels and the network tool, the node cards, the checks (with "show in diagram") and the
// client history. Each is drawn from the same frames; what a page may do is passed in.

import { SequenceDiagram } from "./diagram.js";
import { NodeCards } from "./cards.js";
import { ChecksPanel } from "./checks.js";
import { HistoryPanel } from "./history.js";
import { Narration } from "./narration.js";
import { ViewPanels } from "./panels.js";
import { PartitionTool } from "./partition-tool.js";

export class RunView {
  /**
   * @param {object} els  {diagram, cards, checks, history}: the page's containers
   * @param {object} opts actionsHelp (the protocol's), act(action) and send(intent) (no-ops
   *   where the reader only watches), hint (how this page steps, for the narration strip),
   *   interactive (false where the reader only watches: no forms, no partition tool)
   */
  constructor(els, { actionsHelp, act, send, hint = "press →", interactive = true }) {
    this.diagram = new SequenceDiagram(els.diagram, { onAction: act, actionsHelp });
    this.narration = new Narration({ hint });
    els.diagram.prepend(this.narration.el);
    this.cards = new NodeCards(els.cards, { onAction: act, actionsHelp });
    this.checks = new ChecksPanel(els.checks, { onHighlight: (ids) => this.diagram.highlight(ids) });
    this.history = new HistoryPanel(els.history);
    // The protocol's own panels (state.view, drawn by static/js/panels.js), then the network.
    this.panels = new ViewPanels({ diagram: this.diagram, act, send, history: els.history,
      forms: interactive });
    this.network = interactive ? new PartitionTool({ onAction: act }) : null;
    els.cards.prepend(...[this.panels.el, this.network && this.network.el].filter(Boolean));
  }

  render(copy) {
    if (!copy.state) return;
    this.narration.render(copy);
    this.diagram.render(copy);
    this.cards.render(copy);
    this.checks.render(copy);
    this.history.render(copy);
    this.panels.render(copy);
    if (this.network) this.network.render(copy);
  }
}
