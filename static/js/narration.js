// A scripted run's commentary (a preset's narration), shown above the diagram: the latest
// remark at or before the current step, and whether the script goes on.

import { h, refresh } from "./dom.js";

export class Narration {
  /** `hint`: how this page steps (the play page's →); "" where the reader cannot step. */
  constructor({ hint = "press →" } = {}) {
    this.hint = hint;
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
    this.el.hidden = entries.length === 0 && !copy.notice;
    refresh(this.el, [current, next ? next[0] : null, copy.step < length, copy.notice], () => [
      h("span", { class: "narration-step" }, current ? `Step ${current[0]}` : "Scenario"),
      h("span", { class: "narration-text" }, current ? current[1]
        : this.hint ? `${this.hint[0].toUpperCase()}${this.hint.slice(1)} to walk through the scenario step by step.`
          : "The scenario's remarks appear here as the run reaches them."),
      next && copy.step < length
        ? h("span", { class: "narration-next" },
          `next remark at step ${next[0]}${this.hint ? ` · ${this.hint}` : ""}`)
        : null,
      // What the server says of the latest step: the story's script has ended and the
      // scheduler carries on.
      copy.notice ? h("span", { class: "narration-notice", id: "narration-notice" }, copy.notice) : null,
    ]);
  }
}
