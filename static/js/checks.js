// The checks panel: each invariant or safety property, green when it holds, red with the
// reason when it is broken, amber when it holds but deserves attention (warn).

import { h, fill, refresh } from "./dom.js";

export class ChecksPanel {
  constructor(root, { onHighlight }) {
    this.root = root;
    this.onHighlight = onHighlight;
    this.selected = null;
    this.count = h("span", { class: "panel-count" });
    this.list = h("ul", { class: "checks-list" });
    fill(root, h("h2", { class: "panel-title" }, "Checks", this.count), this.list);
    root.classList.add("panel", "checks");
  }

  render(copy) {
    this.copy = copy;
    const checks = (copy.state && copy.state.checks) || [];
    const broken = checks.filter((c) => !c.ok).length;
    this.root.dataset.status = broken ? "violated" : checks.some((c) => c.warn) ? "warn" : "ok";
    this.count.textContent = checks.length
      ? (broken ? `${broken} of ${checks.length} broken` : `all ${checks.length} hold`) : "";
    this.count.className = `panel-count ${broken ? "bad" : "ok"}`;
    refresh(this.list, [checks, this.selected], () => checks.map((check) => this.item(check)));
  }

  item(check) {
    const tone = !check.ok ? "bad" : check.warn ? "warn" : "ok";
    const icon = { ok: "✓", bad: "✗", warn: "!" }[tone];
    const events = Array.isArray(check.events) ? check.events : [];
    const key = `${check.name}|${events.join(",")}`;
    const show = events.length ? h("button", {
      type: "button", class: "btn btn-small btn-ghost",
      "aria-pressed": String(this.selected === key),
      onclick: () => {
        this.selected = this.selected === key ? null : key;
        this.onHighlight(this.selected ? events : []);
        if (this.copy) this.render(this.copy);
      },
    }, this.selected === key ? "hide in diagram" : "show in diagram") : null;
    return h("li", { class: `check check-${tone}`, "data-check": check.name, "data-tone": tone },
      h("span", { class: "check-icon", "aria-hidden": "true" }, icon),
      h("div", { class: "check-body" },
        h("div", { class: "check-name" }, check.name,
          h("span", { class: "sr-only" }, tone === "bad" ? " (broken)" : tone === "warn" ? " (warning)" : " (holds)")),
        // A check that holds keeps its detail to one line (all of it on hover).
        check.detail ? h("p", { class: "check-detail", title: tone === "ok" ? check.detail : null }, check.detail) : null,
        show));
  }
}
