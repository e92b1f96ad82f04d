"""One user's live run of one protocol, as the WebSocket consumer drives it.

A run is `replay(protocol, variant, config, seed, actions)`; its timeline, cursor, forks,
narration and checkpoints are a `protocols.kernel.run.Run`, which the session wraps.

This module is synchronous and knows nothing about sockets; it turns intents into the
server → client message bodies of docs/websocket.md (without `seq`).
"""

import logging

from protocols.kernel import ConfigError, InvalidAction
from protocols.kernel.run import Run
from protocols.limits import MAX_ACTIONS
from protocols.links import codec

from .wire import RequestError

log = logging.getLogger(__name__)

DEFAULT_SEED = 0  # the CLI's default too, so `run twopc` and a fresh page agree


class InternalError(Exception):
    """The kernel failed unexpectedly; the session was restored to its previous run."""


# What the narration strip says when auto-play walks off the end of a story's script.
HANDOVER = ("The story's script ends here: from now on the seeded scheduler picks each step "
            "(deliveries, timers and any faults the run's settings inject).")


class PlaySession:
    """One connection's run: a protocols.kernel.Run, and the message bodies that report it.
    Kernel refusals become RequestError; anything else InternalError, the run restored."""

    def __init__(self, proto):
        self.proto = proto
        self.run = None
        self.work = 0           # actions the last intent applied (the rate limit charges it)
        self.forked_at = None   # the step the last intent forked the run at, if it did
        self.notice = None      # a sentence for the narration strip, with the next frame
        self.length_before = 0  # the timeline's length when the client last heard of it

    # -- the run at the cursor ----------------------------------------------------------------

    @property
    def sim(self):
        return self.run.sim

    @property
    def cursor(self):
        return self.run.cursor

    @property
    def timeline(self):
        return self.run.timeline

    @property
    def variant(self):
        return self.run.variant if self.run else self.proto.default_variant

    @property
    def config(self):
        return self.run.config if self.run else {}

    @property
    def seed(self):
        return self.run.seed if self.run else DEFAULT_SEED

    @property
    def preset(self):
        return self.run.preset if self.run else None

    @property
    def quiescent(self):
        """Whether auto-play has nothing left to do: no step ahead in the timeline, and no
        deliverable message, armed timer or planned fault; the user may still act."""
        return self.run.quiescent

    @property
    def at_limit(self):
        return self.run is not None and self.cursor >= MAX_ACTIONS

    def ensure_started(self):
        """Create the default run on first use, so every intent works on a fresh connection."""
        if self.run is None:
            self.run = self._guarded(lambda: Run(self.proto, seed=DEFAULT_SEED))
            self.length_before = 0

    def _guarded(self, work):
        """Run kernel work; turn kernel refusals into RequestError, anything else into
        InternalError after restoring the run to what it was before."""
        before = None if self.run is None else self.run.copy()
        try:
            return work()
        except InvalidAction as exc:
            raise RequestError(_code(exc, "not_enabled"), _message(exc)) from None
        except ConfigError as exc:
            raise RequestError("bad_config", _message(exc)) from None
        except Exception:
            log.exception("kernel failure in %s (variant=%s seed=%s)", self.proto.name,
                          self.variant, self.seed)
            self.run = before
            raise InternalError() from None

    # -- intents ------------------------------------------------------------------------------

    def start(self, variant=None, config=None, seed=None, actions=None, cursor=None, preset=None,
              narration=None):
        """Begin a new run, replaying `actions`; the cursor (default: the end) picks the
        prefix that is applied. A `preset` (one of the protocol's stories) supplies variant,
        config, seed, actions and narration, and starts at cursor 0 with its whole script as
        the future; with `actions` too, it names the story the run was forked from, whose
        remarks stay on the steps the run still shares with it. Raises RequestError and
        leaves the session as it was: the new run replaces the old one only once it exists,
        and only values the strict codec accepts get in (a config with NaN or a lone
        surrogate would make every later snapshot unencodable)."""
        for name, value in (("config", config), ("narration", narration)):
            if value is not None:
                try:
                    codec.check(value, what=repr(name))
                except codec.JSONError as exc:
                    raise RequestError("bad_field", exc.message) from None
        if preset is not None and preset not in self.proto.presets:
            known = ", ".join(self.proto.presets) or "none"
            raise RequestError("bad_config", f"unknown preset {preset!r}; known: {known}")
        if preset is not None and actions is None:
            run = self._guarded(lambda: Run.from_preset(self.proto, preset,
                                                        0 if cursor is None else cursor))
        else:
            actions = [] if actions is None else list(actions)
            if cursor is not None and cursor > len(actions):
                raise RequestError("bad_field", f"'cursor' must be at most {len(actions)}")
            if preset is not None:
                narration = shared_narration(self.proto, preset, actions, narration)
            run = self._guarded(lambda: Run(
                self.proto, self.proto.default_variant if variant is None else variant,
                {} if config is None else config, DEFAULT_SEED if seed is None else seed,
                actions, cursor=cursor, narration=narration, preset=preset))
        self.work = run.work
        self.run = run
        self.forked_at = None
        self.length_before = len(run.timeline)

    def _room_for(self, count):
        """How many of `count` more actions fit under the run's cap (MAX_ACTIONS, what `start`
        accepts, so every run can be resumed and shared); too_large if none."""
        room = MAX_ACTIONS - self.cursor
        if room <= 0:
            raise RequestError("too_large", f"a run may hold at most {MAX_ACTIONS} actions; "
                               "step back, or start a new run")
        return min(count, room)

    def apply(self, action):
        """Apply one user action at the cursor; return (actions, events). Acting in the past
        forks the run (forked_at says where; undo_fork brings the cut future back)."""
        self.ensure_started()
        self._room_for(1)
        actions, events, self.forked_at = self._guarded(lambda: self.run.act(action))
        self.work = 1
        return actions, events

    def step(self, count):
        """Take up to `count` steps: the timeline's next actions while the cursor is inside
        it (a story plays as written), then the scheduler's. Returns (actions, events)."""
        self.ensure_started()
        count = self._room_for(count)
        self.forked_at = None
        was_scripted = self.run.scripted
        try:
            return self._guarded(lambda: self.run.step(count, limit=MAX_ACTIONS))
        finally:
            self.work = self.run.work
            if was_scripted and not self.run.scripted and self.run.narration:
                self.notice = HANDOVER

    def seek(self, step):
        """Move the cursor to `step` (0 … length of the timeline)."""
        self.ensure_started()
        self._guarded(lambda: self.run.seek(step))
        self.work = self.run.work

    def back(self):
        """Move the cursor one action back (a no-op at the start of the run)."""
        self.ensure_started()
        self._guarded(self.run.back)
        self.work = self.run.work

    def undo_fork(self):
        """Bring back the future the last fork cut; the cursor goes to the fork point."""
        self.ensure_started()
        self._guarded(self.run.undo_fork)
        self.work = self.run.work

    # -- server → client message bodies -------------------------------------------------------

    def run_description(self):
        return self.run.describe()

    def snapshot_message(self, playing):
        self.ensure_started()
        self.length_before = len(self.timeline)
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
        """The run's remarks, {step (as a string): text}: a story's, kept through forks."""
        return dict(self.run.narration) if self.run else {}

    def frame_message(self, actions, events, playing):
        """A step's frame. `run` says what the timeline became, for a client that keeps it to
        reconnect with: `patch` {at, actions} replaces its actions from `at` on (a fork, or
        actions the scheduler added); none when the timeline did not change."""
        run = {"length": len(self.timeline), "cursor": self.cursor,
               "fork": self.run.fork.describe() if self.run.fork else None,
               "forked_at": self.forked_at}
        if self.forked_at is not None:
            run["patch"] = {"at": self.forked_at, "actions": self.timeline[self.forked_at:]}
        elif len(self.timeline) > self.length_before:
            # What the scheduler (or the user, at the end) added joined the timeline's end.
            at = self.length_before
            run["patch"] = {"at": at, "actions": self.timeline[at:]}
        self.length_before = len(self.timeline)
        frame = {
            "type": "frame",
            "step": self.sim.step,
            "length": len(self.timeline),
            "action": actions[-1] if actions else None,
            "actions": actions,
            "events": events,
            "run": run,
            "state": self.sim.snapshot(),
            "enabled": self.sim.enabled(),
            "playing": playing,
            "quiescent": self.quiescent,
        }
        if self.notice:
            frame["notice"], self.notice = self.notice, None
        return frame


def shared_narration(proto, preset, actions, narration=None):
    """A story's remarks for a run that shares the first steps of its script: those on the
    steps it still shares (a fork keeps the story up to where it left it), then `narration`'s
    own remarks, if any, on top."""
    script = proto.presets[preset]
    same = 0
    for ours, theirs in zip(actions, script["actions"]):
        if ours != theirs:
            break
        same += 1
    kept = {k: v for k, v in script.get("narration", {}).items() if int(k) <= same}
    kept.update(narration or {})
    return kept


def _code(exc, default):
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) and code else default


def _message(exc):
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) and message else str(exc) or exc.__class__.__name__
