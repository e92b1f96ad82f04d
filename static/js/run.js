// The client's copy of the run, rebuilt only from server messages: the full trace,
// the latest snapshot, the enabled actions, and whether auto-play is on.

export class RunCopy {
  constructor() {
    this.run = null;        // {variant, config, seed, actions}
    this.trace = [];
    this.state = null;
    this.enabled = [];
    this.playing = false;
    this.quiescent = false;
    this.step = 0;
    this.lastAction = null;
    this.narration = {};    // a preset's commentary: {step: text}
    this.presetScript = null;
    this.version = 0;       // bumps on every change, so views can skip redundant work
  }

  /** A snapshot replaces everything. */
  applySnapshot(msg) {
    this.run = msg.run || this.run;
    this.narration = msg.narration && typeof msg.narration === "object" ? msg.narration : {};
    // A preset's own script, to tell later whether the run still is that preset (or branched).
    if (msg.run && msg.run.preset && (msg.run.cursor ?? msg.step) === 0) {
      this.presetScript = JSON.stringify(msg.run.actions || []);
    } else if (!msg.run || !msg.run.preset) {
      this.presetScript = null;
    }
    this.trace = Array.isArray(msg.trace) ? msg.trace.slice() : [];
    this.setState(msg);
    this.lastAction = null;
    this.version += 1;
  }

  /**
   * A frame carries the events since the client's last frame. After `back` or `seek`
   * the step goes down (or jumps), so the trace is first cut to what precedes the new
   * events, or to the new step when there are none.
   */
  applyFrame(msg) {
    const events = Array.isArray(msg.events) ? msg.events : [];
    if (events.length) {
      const first = events[0].i;
      if (typeof first === "number" && first < this.trace.length) this.trace.length = first;
      this.trace.push(...events);
    } else if (typeof msg.step === "number" && msg.step < this.step) {
      this.trace = this.trace.filter((e) => e.step <= msg.step);
    }
    if (this.run && typeof msg.step === "number") {
      // Keep the run's action list (its timeline, which may run past the cursor after
      // going back) in step with the frames, so a reconnect can replay the run exactly.
      const applied = Array.isArray(msg.actions) ? msg.actions : msg.action ? [msg.action] : [];
      const timeline = Array.isArray(this.run.actions) ? this.run.actions : [];
      timeline.splice(msg.step - applied.length, applied.length, ...applied);
      if (typeof msg.length === "number" && timeline.length > msg.length) timeline.length = msg.length;
      this.run.actions = timeline;
      this.run.cursor = msg.step;
    }
    this.lastAction = msg.action || null;
    this.setState(msg);
    this.version += 1;
  }

  setState(msg) {
    if (msg.state) this.state = msg.state;
    if (Array.isArray(msg.enabled)) this.enabled = msg.enabled;
    if (typeof msg.playing === "boolean") this.playing = msg.playing;
    this.step = typeof msg.step === "number" ? msg.step : (this.state ? this.state.step : 0);
    this.quiescent = typeof msg.quiescent === "boolean" ? msg.quiescent : this.looksQuiescent();
  }

  /** How to ask a fresh connection for this very run, at this very step. */
  restartIntent() {
    const { variant, config, seed, actions, preset } = this.run;
    if (preset && this.presetScript === JSON.stringify(actions || [])) {
      return { type: "start", preset, cursor: this.step };   // keeps the narration too
    }
    return { type: "start", variant, config, seed, actions, cursor: this.step };
  }

  /** Nothing in flight and no timer armed: what a snapshot implies when it doesn't say. */
  looksQuiescent() {
    const st = this.state;
    return !!st && !(st.messages || []).length && !(st.timers || []).length;
  }

  setPlaying(playing) {
    this.playing = !!playing;
    this.version += 1;
  }

  /** Is exactly this action (same type and fields) enabled now? */
  isEnabled(action) {
    return this.findEnabled(action) !== null;
  }

  findEnabled(match) {
    for (const action of this.enabled) {
      if (Object.entries(match).every(([k, v]) => action[k] === v)) return action;
    }
    return null;
  }
}
