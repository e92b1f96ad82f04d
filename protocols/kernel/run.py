"""A run: one place for a timeline (DESIGN.md, "The Run").

A `Run` is a scenario (protocol, variant, config, seed), its **timeline** of actions (which may
run past the cursor after the user has gone back), the **cursor**, the **narration** (remarks
keyed by the step they belong to, "0" for an introduction) and seek **checkpoints**. It alone:

- steps: inside the timeline, the timeline's next action (a preset's script plays as written);
  past its end, the seeded scheduler, whose action joins the timeline;
- acts: at the end of the timeline, the action joins it; in the past, the timeline's own next
  action is a redo, any other action **forks**: the future is cut and kept, so `undo_fork`
  brings it back;
- goes back and seeks (replaying from the nearest checkpoint);
- finds the longest faithful prefix of a list of actions that no longer replays whole.

The play socket, rooms, the scenario API, exports and the search's results all use it; the
browser only applies what it reports.
"""

from .errors import InvalidAction
from .record import deep_copy
from .scheduler import next_event
from .simulation import Simulation, replay

# Seeking replays from the nearest checkpoint: a clone of the simulation kept every this many
# steps of the timeline (bench/seek.py measures seeks in a 10,000-step run).
CHECKPOINT_EVERY = 200


class Fork:
    """What a fork cut: the step it happened at, and the old future with its remarks."""

    def __init__(self, at, future, narration):
        self.at = at
        self.future = future
        self.narration = narration

    def describe(self):
        return {"at": self.at, "cut": len(self.future)}


class Run:
    """A scenario, its timeline, the cursor and the simulation there. See the module doc."""

    def __init__(self, protocol, variant=None, config=None, seed=0, timeline=(), cursor=None,
                 narration=None, preset=None):
        """Replay the whole timeline once (so a run whose later actions are not enabled is
        refused now, naming the action, not on a later seek), then stand at `cursor`
        (default: the end). Raises InvalidAction or ConfigError and builds nothing."""
        timeline = list(timeline)
        if cursor is None:
            cursor = len(timeline)
        if not isinstance(cursor, int) or isinstance(cursor, bool) \
                or not 0 <= cursor <= len(timeline):
            raise InvalidAction(f"'cursor' must be between 0 and {len(timeline)}",
                                code="bad_field")
        self.protocol = protocol
        self.variant = protocol.default_variant if variant is None else variant
        self.config = {} if config is None else config
        self.seed = seed
        self.timeline = timeline
        self.narration = {str(k): v for k, v in (narration or {}).items()}
        self.preset = preset
        self.fork = None
        self.checkpoints = {}
        # How many actions the last operation applied, replays included (the web layer
        # charges a client's rate limit for it).
        self.work = 0
        self.sim = replay(protocol, self.variant, self.config, seed, timeline,
                          after_each=self._checkpoint)
        self.work = len(timeline)
        if cursor < len(timeline):
            self.sim = self._rebuild(cursor)
            self.work += cursor % CHECKPOINT_EVERY

    @classmethod
    def from_preset(cls, protocol, name, cursor=0):
        """The run of one of the protocol's presets (its script as the timeline, with its
        narration), at `cursor` (default: before the first step)."""
        preset = protocol.presets[name]
        return cls(protocol, preset["variant"], deep_copy(preset["config"]), preset["seed"],
                   deep_copy(preset["actions"]), cursor=cursor,
                   narration=preset.get("narration"), preset=name)

    @classmethod
    def longest_faithful_prefix(cls, protocol, variant, config, seed, actions, cursor=None,
                                narration=None, preset=None):
        """(run, problem): the run of the longest prefix of `actions` that replays, and None
        when all of it does, else a sentence naming the first action that does not and why
        (the cursor is kept where it fits). ConfigError for a bad variant, config or seed."""
        sim = Simulation(protocol, variant, config, seed)
        cursor = len(actions) if cursor is None else cursor
        for index, action in enumerate(actions):
            try:
                sim.apply(action)
            except InvalidAction as exc:
                problem = (f"action {index + 1} of {len(actions)} ({_describe(action)}) is not "
                           f"enabled when the run is replayed: {exc.message}")
            except Exception:  # noqa: BLE001 - a handler failing on a crafted action
                problem = (f"action {index + 1} of {len(actions)} ({_describe(action)}) cannot "
                           "be replayed here")
            else:
                continue
            kept = actions[:index]
            return cls(protocol, variant, config, seed, kept, cursor=min(cursor, index),
                       narration=_narration_upto(narration, index), preset=preset), problem
        return cls(protocol, variant, config, seed, actions, cursor=cursor,
                   narration=narration, preset=preset), None

    # -- where the run stands ----------------------------------------------------------------

    @property
    def cursor(self):
        return len(self.sim.actions)

    @property
    def length(self):
        return len(self.timeline)

    @property
    def quiescent(self):
        """Whether the scheduler has nothing left to do (no deliverable message, armed timer
        or planned fault) and the timeline nothing ahead; the user may still act."""
        return self.cursor >= len(self.timeline) and next_event(self.sim) is None

    @property
    def scripted(self):
        """Whether the next step comes from the timeline (not from the scheduler)."""
        return self.cursor < len(self.timeline)

    def scenario(self):
        """The five inputs and the cursor, as a share link carries them."""
        return {"protocol": self.protocol.name, "variant": self.variant, "config": self.config,
                "seed": self.seed, "actions": list(self.timeline), "cursor": self.cursor}

    def describe(self):
        """What a client needs to know of the run (besides the simulation's snapshot)."""
        return {"variant": self.variant, "config": self.config, "seed": self.seed,
                "actions": list(self.timeline), "cursor": self.cursor, "preset": self.preset,
                "as_written": self.as_written, "changed": self.changed_settings(),
                "fork": self.fork.describe() if self.fork else None}

    def changed_settings(self):
        """The protocol's own options this run sets otherwise than its variant does (a
        variant is a starting point: "leaderless, W=2, R=2"), {option: value}."""
        defaults = self.protocol.defaults(self.variant)
        return {k: v for k, v in self.sim.config.items()
                if k in self.protocol.options and defaults.get(k) != v}

    @property
    def as_written(self):
        """Whether the run is its preset's story exactly (its timeline is the script)."""
        return (self.preset is not None and self.preset in self.protocol.presets
                and self.timeline == self.protocol.presets[self.preset]["actions"])

    def remark(self, step=None):
        """The remark for `step` (default: the cursor), or None."""
        return self.narration.get(str(self.cursor if step is None else step))

    # -- moving -------------------------------------------------------------------------------

    def step(self, count=1, limit=None):
        """Take up to `count` steps: the timeline's next actions while the cursor is inside
        it, then the scheduler's. Stops early when nothing is left to happen, or at `limit`
        actions in all. Returns (actions, events). An action that fails leaves the steps
        before it taken."""
        actions, events = [], []
        try:
            for _ in range(count):
                if limit is not None and self.cursor >= limit:
                    break
                if self.cursor < len(self.timeline):
                    action = self.timeline[self.cursor]
                    new_events = self.sim.apply(action)
                else:
                    taken = self.sim.auto_step()
                    if taken is None:
                        break
                    action, new_events = taken
                    self.timeline.append(deep_copy(action))
                self._checkpoint(self.sim)
                actions.append(action)
                events.extend(new_events)
        finally:
            self.work = len(actions)
        return actions, events

    def act(self, action):
        """Apply one action at the cursor (InvalidAction, changing nothing, when it is not
        enabled). Returns (actions, events, forked_at): forked_at is the step the run forked
        at, or None when the action was the timeline's own next one or the cursor was at
        its end."""
        at = self.cursor
        events = self.sim.apply(action)
        self.work = 1
        applied = self.sim.actions[-1]
        forked_at = None
        if at < len(self.timeline):
            if self.timeline[at] != applied:
                forked_at = at
                self.fork = Fork(at, self.timeline[at:],
                                 {k: v for k, v in self.narration.items() if int(k) > at})
                self.timeline = self.timeline[:at]
                self.narration = _narration_upto(self.narration, at)
                self.checkpoints = {k: v for k, v in self.checkpoints.items() if k <= at}
                self.timeline.append(applied)
        else:
            self.timeline.append(applied)
        self._checkpoint(self.sim)
        return [applied], list(events), forked_at

    def seek(self, step):
        """Move the cursor to `step` (0 … length): forward by applying the timeline's next
        actions, backward by replaying from the nearest checkpoint."""
        if not isinstance(step, int) or isinstance(step, bool) \
                or not 0 <= step <= len(self.timeline):
            raise InvalidAction(f"'step' must be between 0 and {len(self.timeline)}",
                                code="bad_field")
        cursor = self.cursor
        if step < cursor or any(cursor < k <= step for k in self.checkpoints):
            self.sim = self._rebuild(step)
            return
        for action in self.timeline[cursor:step]:
            self.sim.apply(action)
            self._checkpoint(self.sim)
        self.work = step - cursor

    def back(self):
        """One action back (nothing at the start of the run)."""
        if self.cursor > 0:
            self.seek(self.cursor - 1)

    def undo_fork(self):
        """Bring back the future the last fork cut (and its remarks), the cursor at the fork.
        InvalidAction when there is nothing to undo."""
        if self.fork is None:
            raise InvalidAction("there is no fork to undo", code="not_enabled")
        fork = self.fork
        self.timeline = self.timeline[:fork.at] + fork.future
        self.narration = dict(_narration_upto(self.narration, fork.at), **fork.narration)
        self.checkpoints = {k: v for k, v in self.checkpoints.items() if k <= fork.at}
        self.fork = None
        self.sim = self._rebuild(fork.at)

    def extend(self, actions):
        """Append actions to the timeline (another process's steps in a shared room)."""
        self.timeline.extend(actions)

    def copy(self):
        """An independent run at the same point (checkpoints are shared: never mutated)."""
        twin = object.__new__(Run)
        twin.__dict__.update(self.__dict__)
        twin.timeline = list(self.timeline)
        twin.narration = dict(self.narration)
        twin.checkpoints = dict(self.checkpoints)
        twin.sim = self.sim.clone()
        return twin

    # -- replay -------------------------------------------------------------------------------

    def _fresh(self):
        return Simulation(self.protocol, self.variant, self.config, self.seed)

    def _checkpoint(self, sim):
        at = len(sim.actions)
        if at and at % CHECKPOINT_EVERY == 0 and at not in self.checkpoints:
            self.checkpoints[at] = sim.clone()

    def _rebuild(self, step):
        """The simulation after timeline[:step], replayed from the nearest checkpoint."""
        base = max((k for k in self.checkpoints if k <= step), default=0)
        sim = self.checkpoints[base].clone() if base else self._fresh()
        for action in self.timeline[base:step]:
            sim.apply(action)
            self._checkpoint(sim)
        self.work = step - base
        return sim


def _narration_upto(narration, step):
    return {k: v for k, v in (narration or {}).items() if int(k) <= step}


def _describe(action):
    import json

    text = json.dumps(action, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"
