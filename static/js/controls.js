// The toolbar (new run, transport, speed, where the run is) and the keyboard:
// → or s step, ← or b back, space play/pause, + / - speed, ? this help.

import { h, fill } from "./dom.js";
import { formatTime, shortHash, humanize } from "./labels.js";

// Auto-play interval per speed setting, slowest first (the server allows 50..5000 ms).
export const SPEEDS = [1600, 1000, 650, 400, 250, 120, 60];
export const DEFAULT_SPEED = 3;

/** "400 ms", "1.6 s": an auto-play interval as the speed control shows it. */
export function intervalText(ms) {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The speed setting closest to an interval (a room's, say, set elsewhere). */
export function nearestSpeed(ms) {
  let best = 0;
  SPEEDS.forEach((value, index) => {
    if (Math.abs(value - ms) < Math.abs(SPEEDS[best] - ms)) best = index;
  });
  return best;
}

export const SHORTCUTS = [
  [["→", "s"], "step forward (redo after going back)"],
  [["←", "b"], "step back"],
  [["Space"], "play / pause"],
  [["+", "-"], "faster / slower"],
  [["?"], "show or hide this help"],
  [["Esc"], "close this help"],
];

const MOUSE_HELP = [
  ["Click a message in flight", "deliver it"],
  ["Its ✕ button / copy button", "drop it / duplicate it"],
  ["Click a node's header", "crash it (restart it when crashed)"],
  ["Click an armed timer (clock)", "fire it now"],
];

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

export class Controls {
  /**
   * @param {object} opts  protocol (describe() dict), onIntent(intent), initial {variant, seed}
   */
  constructor(toolbar, help, { protocol, onIntent, initial }) {
    this.toolbar = toolbar;
    this.help = help;
    this.onIntent = onIntent;
    this.speed = DEFAULT_SPEED;
    this.copy = null;
    this.protocol = protocol;
    this.runKey = "";

    const variants = Object.entries(protocol.variants || { correct: "" });
    this.variant = h("select", { id: "variant", "aria-label": "Variant" },
      variants.map(([name, description]) => h("option", { value: name, title: description }, humanize(name))));
    this.variant.value = initial.variant || protocol.default_variant || variants[0][0];
    this.variantHelp = h("span", { class: "variant-help" });
    this.variant.addEventListener("change", () => this.describeVariant({}));
    this.describeVariant();
    this.seed = h("input", { id: "seed", type: "number", min: 0, step: 1, inputmode: "numeric",
      value: initial.seed ?? 0, "aria-label": "Seed" });
    // Scripted scenarios (presets), when the protocol has some.
    const presets = Object.entries(protocol.presets || {});
    this.preset = presets.length ? h("select", { id: "preset", "aria-label": "Scenario" },
      h("option", { value: "" }, "Free run"),
      presets.map(([name, p]) => h("option", { value: name, title: p.summary || "" }, p.title || humanize(name))))
      : null;
    this.preset?.addEventListener("change", () => {
      if (this.preset.value) this.onIntent({ type: "start", preset: this.preset.value });
      else this.startRun();
    });
    this.newRun = h("button", { type: "button", class: "btn", id: "new-run",
      title: "Start a new run with this variant and seed",
      onclick: () => this.startRun() }, "New run");
    this.seed.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.startRun();
    });

    this.backBtn = h("button", { type: "button", class: "btn btn-icon", id: "back",
      title: "Step back (← or b)", "aria-label": "Step back", onclick: () => this.back() }, "←");
    this.playBtn = h("button", { type: "button", class: "btn btn-primary btn-play", id: "play",
      title: "Play / pause (space)", onclick: () => this.togglePlay() }, "▶ Play");
    this.stepBtn = h("button", { type: "button", class: "btn btn-icon", id: "step",
      title: "Step forward (→ or s)", "aria-label": "Step forward", onclick: () => this.forward() }, "→");
    this.speedInput = h("input", { id: "speed", type: "range", min: 0, max: SPEEDS.length - 1,
      step: 1, value: this.speed, "aria-label": "Speed" });
    this.speedInput.addEventListener("input", () => this.setSpeed(Number(this.speedInput.value)));
    this.speedText = h("span", { class: "speed-text" });

    this.stepText = h("span", { class: "stat-value", id: "step-counter" }, "0");
    this.timeText = h("span", { class: "stat-value", id: "sim-time" }, "0 ms");
    this.hashText = h("code", { class: "stat-value", id: "trace-hash" }, "—");
    this.idle = h("span", { class: "idle-tag", hidden: true, title: "Nothing left to happen on its own: no message in flight, no timer armed" }, "quiescent");
    this.conn = h("span", { class: "conn", role: "status" });

    const helpBtn = h("button", { type: "button", class: "btn btn-icon", id: "help-toggle",
      title: "Keyboard shortcuts (?)", "aria-label": "Keyboard shortcuts",
      onclick: () => this.toggleHelp() }, "?");

    // Two rows: what run this is (and how to start another), then moving through it.
    fill(toolbar,
      h("div", { class: "tb-row tb-row-run" },
        h("div", { class: "tb-group tb-run" },
          this.preset ? h("label", { class: "tb-field" }, h("span", { class: "tb-label" }, "Scenario"), this.preset) : null,
          h("label", { class: "tb-field" }, h("span", { class: "tb-label" }, "Variant"), this.variant),
          h("label", { class: "tb-field tb-seed" }, h("span", { class: "tb-label" }, "Seed"), this.seed),
          this.newRun),
        this.variantHelp),
      h("div", { class: "tb-row tb-row-transport" },
        h("div", { class: "tb-group tb-transport" },
          this.backBtn, this.playBtn, this.stepBtn,
          h("label", { class: "tb-field tb-speed" }, h("span", { class: "tb-label" }, "Speed"),
            this.speedInput, this.speedText)),
        h("div", { class: "tb-group tb-stats" },
          h("span", { class: "stat" }, h("span", { class: "tb-label" }, "Step"), this.stepText),
          h("span", { class: "stat" }, h("span", { class: "tb-label" }, "Time"), this.timeText),
          h("span", { class: "stat", title: "Trace hash: the same run always has the same hash" },
            this.hashText),
          this.idle),
        h("div", { class: "tb-group tb-end" }, this.conn, helpBtn)));
    toolbar.classList.add("toolbar");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Run controls");
    this.renderSpeed();
    this.renderHelp();
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** The variant's one line, and the settings the run changed from it (a variant is where
   * the settings start: after "Restart with these settings" its line alone would mislead). */
  describeVariant(changed = this.changed) {
    const text = (this.protocol.variants || {})[this.variant.value] || "";
    const settings = Object.entries(changed || {}).map(([k, v]) =>
      `${k.replace(/_/g, " ")} ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
    this.variantHelp.textContent = (text ? `${humanize(this.variant.value)}: ${text}` : "")
      + (settings ? ` — changed here: ${settings}` : "");
    this.variantHelp.title = this.variantHelp.textContent;
  }

  // -- intents ---------------------------------------------------------------------------

  runChoice() {
    const seed = Number.parseInt(this.seed.value, 10);
    return { variant: this.variant.value, seed: Number.isFinite(seed) && seed >= 0 ? seed : 0 };
  }

  startRun() {
    this.onIntent({ type: "start", ...this.runChoice() });
  }

  back() {
    this.onIntent({ type: "back" });
  }

  /** One step on: the server walks the run's own timeline (after going back, or a story's
   * script), else the scheduler takes a step. */
  forward() {
    this.onIntent({ type: "step" });
  }


  togglePlay() {
    if (this.copy && this.copy.playing) this.onIntent({ type: "pause" });
    else this.onIntent({ type: "play", interval_ms: SPEEDS[this.speed] });
  }

  setSpeed(index) {
    this.speed = Math.max(0, Math.min(SPEEDS.length - 1, index));
    this.speedInput.value = String(this.speed);
    this.renderSpeed();
    this.onIntent({ type: "speed", interval_ms: SPEEDS[this.speed] });
  }

  renderSpeed() {
    this.speedText.textContent = intervalText(SPEEDS[this.speed]);
    this.speedText.title = "time between auto-play steps";
  }

  // -- keyboard and help ---------------------------------------------------------------------

  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const onButton = event.target instanceof Element && event.target.closest("button, [role=button]");
    switch (event.key) {
      case "ArrowRight": case "s": this.forward(); break;
      case "ArrowLeft": case "b": this.back(); break;
      case " ":
        if (onButton) return;   // space presses the focused button instead
        if (!event.repeat) this.togglePlay();
        break;
      case "+": case "=": this.setSpeed(this.speed + 1); break;
      case "-": case "_": this.setSpeed(this.speed - 1); break;
      case "?": if (!event.repeat) this.toggleHelp(); break;
      case "Escape":
        if (this.help.hidden) return;
        this.toggleHelp(false);
        break;
      default: return;
    }
    event.preventDefault();
  }

  toggleHelp(show = this.help.hidden) {
    this.help.hidden = !show;
    if (show) this.help.querySelector("button")?.focus();
  }

  renderHelp() {
    const help = this.help;
    help.classList.add("help-overlay");
    help.setAttribute("role", "dialog");
    help.setAttribute("aria-label", "Keyboard shortcuts");
    fill(help, h("div", { class: "help-card" },
      h("div", { class: "help-head" },
        h("h2", {}, "Keyboard shortcuts"),
        h("button", { type: "button", class: "btn btn-icon", "aria-label": "Close help",
          onclick: () => this.toggleHelp(false) }, "✕")),
      h("dl", { class: "help-keys" }, SHORTCUTS.map(([keys, what]) => [
        h("dt", {}, keys.map((k, i) => [i ? " or " : null, h("kbd", {}, k)])),
        h("dd", {}, what),
      ])),
      h("h3", {}, "On the diagram"),
      h("dl", { class: "help-keys" }, MOUSE_HELP.map(([where, what]) => [
        h("dt", {}, where), h("dd", {}, what),
      ]))));
    help.addEventListener("click", (event) => {
      if (event.target === help) this.toggleHelp(false);   // click outside the card closes
    });
  }

  // -- rendering ---------------------------------------------------------------------------

  update(copy, connection) {
    this.copy = copy;
    const state = copy.state;
    const length = copy.run && Array.isArray(copy.run.actions) ? copy.run.actions.length : 0;
    this.stepText.textContent = length > copy.step ? `${copy.step} / ${length}` : String(copy.step);
    this.timeText.textContent = state ? formatTime(state.time) : "—";
    this.hashText.textContent = state ? `#${shortHash(state.trace_hash)}` : "—";
    this.hashText.title = state ? state.trace_hash : "";
    this.playBtn.textContent = copy.playing ? "❚❚ Pause" : "▶ Play";
    this.playBtn.setAttribute("aria-pressed", String(copy.playing));
    this.backBtn.disabled = copy.step === 0;
    this.idle.hidden = !copy.quiescent;
    // Show the run's own variant and seed when a new run arrives, but never overwrite
    // what the user is choosing for the next one in between.
    const runKey = copy.run ? `${copy.run.variant}|${copy.run.seed}|${copy.run.preset ?? ""}|${JSON.stringify(copy.run.config || {})}` : "";
    if (runKey && runKey !== this.runKey) {
      this.runKey = runKey;
      if (this.preset) this.preset.value = copy.run.preset || "";
      if ([...this.variant.options].some((o) => o.value === copy.run.variant)) {
        this.variant.value = copy.run.variant;
        this.describeVariant();
      }
      if (typeof copy.run.seed === "number") this.seed.value = String(copy.run.seed);
    }
    const changed = copy.run && copy.run.changed ? copy.run.changed : {};
    if (JSON.stringify(changed) !== JSON.stringify(this.changed || {})) {
      this.changed = changed;
      if (copy.run && this.variant.value === copy.run.variant) this.describeVariant(changed);
    }
    const text = { open: "live", connecting: "connecting…", closed: "reconnecting…" }[connection] || connection;
    this.conn.textContent = text;
    this.conn.className = `conn conn-${connection}`;
  }
}
