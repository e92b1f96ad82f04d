// A scripted run's commentary (a preset's narration), shown above the diagram: the latest
// remark at or before the current step, and whether the script goes on.

import { h, refresh } from "./dom.js";

export class Narration {
  constructor() {
    this.el = h("div", { class: "narration", role: "status", "aria-live": "polite", hidden: true });
  }

  render(copy) {
    const entries = Object.entries(copy.narration || {})
      .map(([step, text]) => [Number(step), String(text)])
      .filter(([step]) => Number.isFinite(step))
      .sort((a, b) => a[0] - b[0]);
    const said = entries.filter(([step]) => step <= copy.step);
    const current = said[said.length - 1];
    const length = copy.run && Array.isArray(copy.run.actions) ? copy.run.actions.length : 0;
    const next = entries.find(([step]) => step > copy.step);
    this.el.hidden = entries.length === 0;
    refresh(this.el, [current, next ? next[0] : null, copy.step < length], () => [
      h("span", { class: "narration-step" }, current ? `Step ${current[0]}` : "Scenario"),
      h("span", { class: "narration-text" }, current ? current[1]
        : "Press → to walk through the scenario step by step."),
      next && copy.step < length
        ? h("span", { class: "narration-next" }, `next remark at step ${next[0]} · press →`)
        : null,
    ]);
  }
}
