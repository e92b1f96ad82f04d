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
    this.narration = {};    // the run's remarks (a story's, a short link's): {step: text}
    this.notice = null;     // what the server says about the latest step (a story's end)
    this.version = 0;       // bumps on every change, so views can skip redundant work
  }

  /** A snapshot replaces everything. */
  applySnapshot(msg) {
    this.run = msg.run || this.run;
    this.narration = msg.narration && typeof msg.narration === "object" ? msg.narration : {};
    this.notice = null;
    this.trace = Array.isArray(msg.trace) ? msg.trace.slice() : [];
    this.setState(msg);
    this.lastAction = null;
    this.version += 1;
  }

  /**
   * A frame carries the events since the client's last frame. After `back` or `seek`
   * the step goes down (or jumps), so the trace is first cut to what precedes the new
   * events, or to the new step when there are none. The server says how the run's timeline
   * changed (`run.patch`: its actions from `at` on), so a reconnect can replay it exactly.
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
    const change = msg.run;
    if (this.run && change) {
      if (change.patch) {
        this.run.actions = (this.run.actions || []).slice(0, change.patch.at).concat(change.patch.actions);
      }
      this.run.cursor = change.cursor;
      this.run.fork = change.fork;
      // A fork cuts the story's remarks after the point where the run left it.
      if (typeof change.forked_at === "number") {
        this.narration = Object.fromEntries(Object.entries(this.narration)
          .filter(([step]) => Number(step) <= change.forked_at));
      }
    }
    this.notice = typeof msg.notice === "string" ? msg.notice : this.notice;
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
    const narration = Object.keys(this.narration).length ? this.narration : undefined;
    if (preset) {
      // The story's scenario, and its remarks on the steps the run still shares with it.
      return { type: "start", preset, actions, cursor: this.step, narration };
    }
    return { type: "start", variant, config, seed, actions, cursor: this.step, narration };
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
