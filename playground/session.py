"""One user's live run of one protocol, as the WebSocket consumer drives it.

A run is `replay(protocol, variant, config, seed, actions)`. The session keeps the run's
inputs, its **timeline** (every action of the run, including those after the cursor after the
user has stepped back) and the simulation at the **cursor**. Stepping back or seeking replays
a prefix of the timeline; applying an action at the cursor either redoes the timeline's next
action (the future is kept) or branches (the future is dropped).

This module is synchronous and knows nothing about sockets; it turns intents into the
server → client message bodies of docs/websocket.md (without `seq`).
"""

import logging

from protocols.kernel import ConfigError, InvalidAction, Simulation, deep_copy, replay
from protocols.kernel.scheduler import next_event

from .wire import MAX_ACTIONS, RequestError

log = logging.getLogger(__name__)

DEFAULT_SEED = 0  # the CLI's default too, so `run twopc` and a fresh page agree
# Seeking replays from the nearest checkpoint: a Simulation.clone() kept every this many
# steps of the timeline (bench/seek.py measures seeks in a 10,000-step run).
CHECKPOINT_EVERY = 200


class InternalError(Exception):
    """The kernel failed unexpectedly; the session was restored to its previous run."""


class PlaySession:
    def __init__(self, proto):
        self.proto = proto
        self.variant = proto.default_variant
        self.config = {}
        self.seed = DEFAULT_SEED
        self.timeline = []
        self.preset = None  # the name of the preset the run was started from, if any
        self.sim = None
        # {step: clone of the simulation after timeline[:step]}, valid for the current
        # inputs and timeline; a branch drops those past the point where it branched.
        self.checkpoints = {}
        # How many actions the last intent applied, replays included: the consumer charges
        # the connection's rate limit for this work.
        self.work = 0

    # -- the simulation at the cursor ------------------------------------------------------

    @property
    def cursor(self):
        return len(self.sim.actions)

    @property
    def quiescent(self):
        """Whether auto-play has nothing left to do (no deliverable message, armed timer or
        planned fault); the user may still act."""
        return next_event(self.sim) is None

    def ensure_started(self):
        """Create the default run on first use, so every intent works on a fresh connection."""
        if self.sim is None:
            self.sim = self._guarded(
                lambda: Simulation(self.proto, variant=self.variant, config=self.config, seed=self.seed)
            )

    def _replay(self, actions, variant=None, config=None, seed=None):
        return replay(
            self.proto,
            self.variant if variant is None else variant,
            self.config if config is None else config,
            self.seed if seed is None else seed,
            list(actions),
        )

    def _guarded(self, work):
        """Run kernel work; turn kernel refusals into RequestError, anything else into
        InternalError after restoring the simulation to the actions it had before."""
        before = None if self.sim is None else list(self.sim.actions)
        try:
            return work()
        except InvalidAction as exc:
            raise RequestError(_code(exc, "not_enabled"), _message(exc)) from None
        except ConfigError as exc:
            raise RequestError("bad_config", _message(exc)) from None
        except Exception:
            log.exception("kernel failure in %s (variant=%s seed=%s)", self.proto.name, self.variant, self.seed)
            if before is not None:
                try:
                    self.sim = self._replay(before)
                except Exception:
                    log.exception("could not restore the run after a kernel failure")
            raise InternalError() from None

    def _record(self, since=0):
        """Fold the simulation's action list into the timeline: redo keeps the future,
        anything else branches. The first `since` actions are known to be the timeline's
        (the cursor before a step or action), so only those after them are compared: a long
        run would otherwise compare its whole list on every step."""
        applied = list(self.sim.actions)
        if self.timeline[since:len(applied)] != applied[since:]:
            same = since
            for old, new in zip(self.timeline[since:], applied[since:]):
                if old != new:
                    break
                same += 1
            self.checkpoints = {k: v for k, v in self.checkpoints.items() if k <= same}
            self.timeline = applied
        self._checkpoint(self.sim)

    # -- checkpoints -------------------------------------------------------------------------

    def _checkpoint(self, sim, checkpoints=None):
        checkpoints = self.checkpoints if checkpoints is None else checkpoints
        at = len(sim.actions)
        if at and at % CHECKPOINT_EVERY == 0 and at not in checkpoints:
            checkpoints[at] = sim.clone()

    def _build(self, actions, variant, config, seed, checkpoints):
        """replay() that keeps checkpoints on the way (same errors as replay)."""
        return replay(self.proto, variant, config, seed, actions,
                      after_each=lambda sim: self._checkpoint(sim, checkpoints))

    def _rebuild(self, step):
        """The simulation after timeline[:step], replayed from the nearest checkpoint."""
        base = max((k for k in self.checkpoints if k <= step), default=0)
        if base:
            sim = self.checkpoints[base].clone()
        else:
            sim = Simulation(self.proto, self.variant, self.config, self.seed)
        for action in self.timeline[base:step]:
            sim.apply(action)
            self._checkpoint(sim)
        self.work = step - base
        return sim

    # -- intents -----------------------------------------------------------------------------

    def start(self, variant=None, config=None, seed=None, actions=None, cursor=None, preset=None):
        """Begin a new run, replaying `actions`; the cursor (default: the end) picks the
        prefix that is applied. A `preset` (one of the protocol's scripted runs) supplies
        variant, config, seed and actions, and starts at cursor 0 with its whole script as
        the future. Raises RequestError and leaves the session as it was."""
        if preset is not None:
            script = self.proto.presets.get(preset)
            if script is None:
                known = ", ".join(self.proto.presets) or "none"
                raise RequestError("bad_config", f"unknown preset {preset!r}; known: {known}")
            script = deep_copy(script)  # never share the protocol's own dicts with a run
            variant, config, seed = script.get("variant"), script.get("config"), script.get("seed")
            actions = script.get("actions")
            cursor = 0 if cursor is None else cursor
        variant = self.proto.default_variant if variant is None else variant
        config = {} if config is None else config
        seed = DEFAULT_SEED if seed is None else seed
        actions = [] if actions is None else list(actions)
        if cursor is None:
            cursor = len(actions)
        if cursor > len(actions):
            raise RequestError("bad_field", f"'cursor' must be at most {len(actions)}")

        checkpoints = {}

        def build():
            # Replay the whole timeline once, so a run whose later actions are not enabled is
            # refused now rather than on a later seek; keep checkpoints on the way.
            sim = self._build(actions, variant, config, seed, checkpoints)
            if cursor < len(actions):
                base = max((k for k in checkpoints if k <= cursor), default=0)
                if base:
                    sim = checkpoints[base].clone()
                    for action in actions[base:cursor]:
                        sim.apply(action)
                else:
                    sim = self._replay(actions[:cursor], variant, config, seed)
            return sim

        sim = self._guarded(build)
        self.work = len(actions) + (cursor % CHECKPOINT_EVERY if cursor < len(actions) else 0)
        self.variant, self.config, self.seed = variant, config, seed
        self.timeline = list(actions)
        self.checkpoints = checkpoints
        self.preset = preset
        self.sim = sim

    def _room_for(self, count):
        """How many of `count` more actions fit under the run's cap (MAX_ACTIONS, what `start`
        accepts, so every run can be resumed and shared); too_large if none."""
        room = MAX_ACTIONS - self.cursor
        if room <= 0:
            raise RequestError("too_large", f"a run may hold at most {MAX_ACTIONS} actions; "
                               "step back, or start a new run")
        return min(count, room)

    @property
    def at_limit(self):
        return self.sim is not None and self.cursor >= MAX_ACTIONS

    def apply(self, action):
        """Apply one user action at the cursor; return (actions, events)."""
        self.ensure_started()
        self._room_for(1)
        since = self.cursor
        events = self._guarded(lambda: self.sim.apply(action))
        self.work = 1
        self._record(since)
        return [self.sim.actions[-1]], list(events)

    def step(self, count):
        """Let the scheduler take up to `count` steps (fewer if it runs out of things to do);
        return (actions, events)."""
        self.ensure_started()
        count = self._room_for(count)
        since = self.cursor
        actions, events = [], []
        try:
            for _ in range(count):
                taken = self._guarded(self.sim.auto_step)
                if taken is None:
                    break
                action, new_events = taken
                actions.append(action)
                events.extend(new_events)
        finally:
            # Steps taken before a failure stay taken (the failed one was rolled back).
            self.work = len(actions)
            self._record(since)
        return actions, events

    def seek(self, step):
        """Move the cursor to `step` (0 … len(timeline)): forward by applying the timeline's
        next actions, backward by replaying the prefix."""
        self.ensure_started()
        if step > len(self.timeline):
            raise RequestError("bad_field", f"'step' must be at most {len(self.timeline)}")
        cursor = self.cursor
        if step < cursor or any(cursor < k <= step for k in self.checkpoints):
            self.sim = self._guarded(lambda: self._rebuild(step))
            return
        ahead = self.timeline[cursor:step]

        def forward():
            for action in ahead:
                self.sim.apply(action)
                self._checkpoint(self.sim)

        try:
            self._guarded(forward)
        except RequestError:
            # Not expected (the timeline was applied before), but leave the cursor unmoved.
            self.sim = self._guarded(lambda: self._replay(self.timeline[:cursor]))
            raise
        self.work = len(ahead)

    def back(self):
        """Move the cursor one action back (a no-op at the start of the run)."""
        self.ensure_started()
        if self.cursor > 0:
            self.seek(self.cursor - 1)

    # -- server → client message bodies -------------------------------------------------------

    def run_description(self):
        return {
            "variant": self.variant,
            "config": self.config,
            "seed": self.seed,
            "actions": list(self.timeline),
            "cursor": self.cursor,
            "preset": self.preset,
        }

    def snapshot_message(self, playing):
        self.ensure_started()
        return {
            "type": "snapshot",
            "protocol": self.proto.describe(),
            "run": self.run_description(),
            "narration": self.narration(),
            "step": self.sim.step,
            "trace": list(self.sim.trace),
            "state": self.sim.snapshot(),
            "enabled": self.sim.enabled(),
            "playing": playing,
            "quiescent": self.quiescent,
        }

    def narration(self):
        """The preset's commentary, {step (as a string): text}, for the run started from it."""
        if self.preset is None:
            return {}
        return dict(self.proto.presets[self.preset].get("narration", {}))

    def frame_message(self, actions, events, playing):
        return {
            "type": "frame",
            "step": self.sim.step,
            "length": len(self.timeline),
            "action": actions[-1] if actions else None,
            "actions": actions,
            "events": events,
            "state": self.sim.snapshot(),
            "enabled": self.sim.enabled(),
            "playing": playing,
            "quiescent": self.quiescent,
        }


def _code(exc, default):
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) and code else default


def _message(exc):
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) and message else str(exc) or exc.__class__.__name__
