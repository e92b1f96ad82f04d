// Error frames and connection trouble as small dismissable notices (text only).

import { h } from "./dom.js";

const MAX_SHOWN = 4;

export class Toasts {
  constructor(parent = document.body) {
    this.root = h("div", { class: "toasts", role: "region", "aria-label": "Notifications",
      "aria-live": "polite" });
    parent.appendChild(this.root);
  }

  /** Show `message` under a short `title`; it goes away on ✕ or after `timeoutMs`. */
  show(title, message, { tone = "error", timeoutMs = 12000, code = null } = {}) {
    const dismiss = () => toast.remove();
    const toast = h("div", { class: `toast toast-${tone}`, role: tone === "error" ? "alert" : "status",
      "data-code": code },
    h("div", { class: "toast-text" },
      h("strong", { class: "toast-title" }, title),
      message ? h("span", { class: "toast-message" }, message) : null),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: dismiss }, "✕"));
    this.root.appendChild(toast);
    while (this.root.children.length > MAX_SHOWN) this.root.firstElementChild.remove();
    if (timeoutMs) setTimeout(dismiss, timeoutMs);
    return toast;
  }
}
