// "Find a counterexample": the counterexample search (docs/explore.md) from the page. The
// server runs it in a worker process; this panel picks the check and the budgets, shows the
// progress (states, depth, rate, time left), cancels, and opens the result as a normal run at
// the violating step, with its actions listed (click one to go to that step).

import { h, fill } from "./dom.js";
import { humanize, messageLabel, protocolActionText, groupsText } from "./labels.js";

const BUDGETS = [
  ["crashes", "Crashes", "a crash loses volatile state; restarts are free"],
  ["duplicates", "Duplicates", "a message delivered twice"],
  ["drops", "Drops", "a lost message (leaving one in flight is already tried)"],
  ["partitions", "Partitions", "a split of the nodes in two; heals are free"],
  ["delays", "Delays", "with the clock running: events out of time order (blank: the protocol's choice)"],
  ["requests", "Requests", "protocol actions (client requests…) in one schedule (blank: no limit)"],
];
const NUMBER = /^\d+$/;

function num(input) {
  const text = input.value.trim();
  return NUMBER.test(text) ? Number(text) : null;
}

function field(label, control, title) {
  return h("label", { class: "explore-field", title }, h("span", {}, label), control);
}

function secondsText(s) {
  return s >= 90 ? `${Math.round(s / 60)} min` : `${Math.max(0, Math.round(s))} s`;
}

export class ExplorePanel {
  /** send(intent) talks to the server; act is not needed: results open with `start`. */
  constructor({ protocol, send, toasts }) {
    this.protocol = protocol;
    this.send = send;
    this.toasts = toasts;
    this.running = false;
    this.result = null;       // the last `done` result
    this.opened = null;       // JSON of the trace opened as the run
    this.el = h("details", { class: "explore-panel", id: "explore" });
    this.check = h("select", { class: "explore-check", "aria-label": "Check to break" });
    this.from = h("select", { class: "explore-from", "aria-label": "Start from" },
      h("option", { value: "defaults" }, "the protocol's search defaults"),
      h("option", { value: "here" }, "this run, at the current step"));
    this.inputs = {};
    for (const [name, , title] of BUDGETS) {
      this.inputs[name] = h("input", { type: "text", inputmode: "numeric", size: 3,
        class: "explore-budget", "data-budget": name, placeholder: "—", title });
    }
    this.depth = h("input", { type: "text", inputmode: "numeric", size: 4, placeholder: "100",
      class: "explore-depth", title: "actions after the starting state" });
    this.states = h("input", { type: "text", inputmode: "numeric", size: 7, placeholder: "100000",
      class: "explore-states", title: "distinct states to explore at most" });
    this.seconds = h("input", { type: "text", inputmode: "numeric", size: 3, placeholder: "60",
      class: "explore-seconds", title: "seconds of search at most" });
    this.startButton = h("button", { type: "button", class: "btn btn-primary btn-small explore-start",
      onclick: () => this.start() }, "Find a counterexample");
    this.cancelButton = h("button", { type: "button", class: "btn btn-small explore-cancel",
      hidden: true, onclick: () => this.cancel() }, "Cancel");
    this.bar = h("progress", { class: "explore-bar", max: 1, value: 0, hidden: true });
    this.status = h("p", { class: "explore-status", role: "status", "aria-live": "polite" });
    this.outcome = h("div", { class: "explore-outcome" });
    fill(this.el,
      h("summary", { class: "panel-title explore-summary" }, "Find a counterexample"),
      h("p", { class: "explore-intro" },
        "Search every schedule of deliveries, timeouts and faults, shortest first, for one that breaks a check."),
      // What the search is doing or found comes first; the form after it.
      this.bar, this.status, this.outcome,
      h("div", { class: "explore-form" },
        field("Break", this.check, "the check to break"),
        field("From", this.from, "where the search starts"),
        h("fieldset", { class: "explore-budgets" },
          h("legend", {}, "Budgets (blank: the protocol's defaults)"),
          BUDGETS.map(([name, label, title]) => field(label, this.inputs[name], title))),
        h("div", { class: "explore-bounds" },
          field("Depth", this.depth), field("States", this.states), field("Seconds", this.seconds)),
        h("div", { class: "explore-buttons" }, this.startButton, this.cancelButton)));
    loadStyles();
  }

  // -- intents ---------------------------------------------------------------------------

  start() {
    if (this.running) return;
    const budgets = {};
    for (const [name] of BUDGETS) {
      const value = num(this.inputs[name]);
      if (value !== null) budgets[name] = value;
    }
    const intent = { type: "explore", from: this.from.value };
    if (this.check.value) intent.checks = [this.check.value];
    if (Object.keys(budgets).length) intent.budgets = budgets;
    for (const [key, input] of [["depth", this.depth], ["max_states", this.states], ["seconds", this.seconds]]) {
      const value = num(input);
      if (value !== null) intent[key] = value;
    }
    this.result = null;
    this.opened = null;
    this.status.textContent = "Starting the search…";
    fill(this.outcome);
    this.send(intent);
  }

  cancel() {
    this.send({ type: "explore_cancel" });
    this.status.textContent = "Cancelling…";
  }

  // -- server messages (type "explore", and errors while starting) --------------------------

  onMessage(msg) {
    switch (msg.status) {
      case "started":
        this.setRunning(true);
        this.status.textContent = msg.prefix
          ? `Searching from step ${msg.prefix}…` : "Searching from the start…";
        break;
      case "progress":
        this.setRunning(true);
        this.showProgress(msg.progress || {});
        break;
      case "done":
        this.setRunning(false);
        this.showResult(msg.result || {});
        break;
      case "failed":
        this.setRunning(false);
        this.status.textContent = `The search failed: ${msg.message || msg.code || "unknown error"}`;
        break;
      case "idle":
        this.setRunning(false);
        break;
      default:
    }
  }

  /** An error frame that answers our `explore` (busy, bad field): show it here too. */
  onError(msg) {
    if (["busy", "bad_field"].includes(msg.code) && this.status.textContent.startsWith("Starting")) {
      this.status.textContent = String(msg.message || "");
    }
  }

  setRunning(running) {
    this.running = running;
    this.el.dataset.running = String(running);
    this.startButton.disabled = running;
    this.cancelButton.hidden = !running;
    this.bar.hidden = !running;
    if (running) this.el.open = true;
  }

  showProgress(p) {
    const byStates = p.max_states ? p.distinct / p.max_states : 0;
    const byTime = p.max_seconds ? p.seconds / p.max_seconds : 0;
    const byDepth = p.max_depth ? p.depth / p.max_depth : 0;
    this.bar.value = Math.min(1, Math.max(byStates, byTime, byDepth));
    this.status.textContent =
      `${(p.states || 0).toLocaleString()} states (${(p.distinct || 0).toLocaleString()} distinct), ` +
      `depth ${p.depth ?? 0}, ${(p.rate || 0).toLocaleString()}/s, ` +
      `at most ${secondsText(p.eta ?? 0)} left`;
  }

  showResult(result) {
    this.result = result;
    const v = result.violation;
    const summary = `${(result.states || 0).toLocaleString()} states, ` +
      `${(result.distinct || 0).toLocaleString()} distinct, ${Number(result.seconds || 0).toFixed(1)} s.`;
    if (!v) {
      this.status.textContent = result.stopped === "cancelled" ? "Cancelled." : "No counterexample found.";
      fill(this.outcome, h("p", { class: "explore-covered" },
        `Nothing breaks ${listText(result.bounds && result.bounds.checks)}: ${result.covered}. ${summary}`));
      this.el.dataset.outcome = "clean";
      return;
    }
    this.el.dataset.outcome = "violation";
    this.status.textContent = `Found: ${v.check} breaks after ${v.trace.length} actions.`;
    this.open();
  }

  /** Open the violating run as a normal scenario, at the violating step. */
  open() {
    const v = this.result && this.result.violation;
    if (!v) return;
    this.opened = JSON.stringify(v.trace);
    this.send({ type: "start", variant: this.result.variant, config: this.result.config || {},
      seed: this.result.seed ?? 0, actions: v.trace, cursor: v.cursor });
  }

  // -- rendering (every frame) --------------------------------------------------------------

  render(copy) {
    const names = ((copy.state && copy.state.checks) || []).map((c) => c.name);
    const key = JSON.stringify(names);
    if (this.check.dataset.names !== key) {
      const chosen = this.check.value;
      fill(this.check, h("option", { value: "" }, "any check"),
        names.map((n) => h("option", { value: n }, n)));
      this.check.value = names.includes(chosen) ? chosen : "";
      this.check.dataset.names = key;
    }
    this.from.options[1].textContent = `this run, at step ${copy.step}`;
    const v = this.result && this.result.violation;
    if (!v) return;
    const isOpen = copy.run && JSON.stringify((copy.run.actions || []).slice(0, v.trace.length)) === this.opened;
    const sig = JSON.stringify([this.opened, isOpen, copy.step, copy.trace.length]);
    if (this.outcome.dataset.sig === sig) return;
    this.outcome.dataset.sig = sig;
    fill(this.outcome,
      h("p", { class: "explore-violation" },
        h("strong", {}, v.check), `: ${v.detail}`),
      h("p", { class: "explore-meta" },
        `Shortest schedule found: ${v.shortest.length} actions` +
        (v.trace.length < v.shortest.length ? `, ${v.trace.length} once unneeded ones are removed.` : ".")),
      h("ol", { class: "explore-trace" }, v.trace.map((action, i) => h("li", {
        class: `explore-step${isOpen && copy.step === i + 1 ? " current" : ""}`,
        "data-step": i + 1,
      }, h("button", {
        type: "button", class: "explore-step-btn", disabled: !isOpen,
        title: isOpen ? `Go to step ${i + 1}` : "Open the counterexample first",
        onclick: () => this.send({ type: "seek", step: i + 1 }),
      }, h("span", { class: "explore-n", "aria-hidden": "true" }, `${i + 1}.`),
      this.describe(action, copy))))),
      h("div", { class: "explore-buttons" },
        h("button", { type: "button", class: "btn btn-small", onclick: () => this.open() },
          isOpen ? "Back to the violating step" : "Open the counterexample"),
        h("a", { class: "btn btn-small btn-ghost", href: v.link, target: "_blank",
          rel: "noopener" }, "Link")));
    this.revealStep();
  }

  /** Keep the step that matters in sight: the one at the cursor, else the violating (last). */
  revealStep() {
    const list = this.outcome.querySelector(".explore-trace");
    if (!list) return;
    const target = list.querySelector(".explore-step.current") || list.lastElementChild;
    if (!target) return;
    const top = target.offsetTop;   // the list is the items' offset parent (position: relative)
    if (top < list.scrollTop || top + target.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight + target.offsetHeight + 4);
    }
  }

  /** Words for one action of the trace, with the run's trace to name messages and timers. */
  describe(action, copy) {
    const trace = copy.trace || [];
    switch (action.type) {
      case "deliver": case "drop": case "duplicate": {
        const sent = trace.find((e) => (e.type === "send" && e.msg === action.msg)
          || (e.type === "duplicate" && e.copy === action.msg));
        const what = sent ? `${messageLabel(sent)} ${sent.src}→${sent.dst}` : `message ${action.msg}`;
        return `${humanize(action.type)} ${what}`;
      }
      case "fire": {
        const fired = trace.find((e) => e.type === "timer" && e.timer === action.timer);
        return fired ? `Timeout: ${fired.name} at ${fired.node}` : `Fire timer ${action.timer}`;
      }
      case "crash": case "restart": case "pause": case "resume":
        return `${humanize(action.type)} ${action.node}`;
      case "partition":
        return `Partition ${groupsText(action.groups)}`;
      case "heal":
        return "Heal the partition";
      default: {
        const { label } = protocolActionText(action, this.protocol.actions);
        return action.node ? `${label} at ${action.node}` : label;
      }
    }
  }
}

function listText(items) {
  if (!items || !items.length) return "any check";
  return items.join(", ");
}

function loadStyles() {
  if (document.querySelector("link[data-explore-css]")) return;
  document.head.appendChild(Object.assign(document.createElement("link"), {
    rel: "stylesheet", href: new URL("../css/explore.css", import.meta.url).href,
  })).dataset.exploreCss = "";
}
