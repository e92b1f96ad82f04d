"""Presets written by what happens, not by message ids.

    Preset(
        title="A transaction commits", summary="...", config={"transactions": 0}, seed=1,
        script=[
            act("begin", "client", remark="The application begins a transaction."),
            deliver("BEGIN", to="coord"),
            deliver("VOTE", frm="p3", remark="The last yes vote: the coordinator logs COMMIT."),
            fire("p3", "heuristic"),
            crash("coord"),
        ])

Each script line names what it means ("deliver the VOTE from p3") and is resolved to the
concrete action (`{"type": "deliver", "msg": 17}`) when the protocol is loaded, by running the
script in a simulation: a change in send order can no longer shift a story silently; it
either still means the same thing or fails to load, naming the line. A remark belongs to its
line and is shown at the step that line's action makes.

A preset's `intro` is shown before the first step (step 0).
"""

from .errors import ConfigError, InvalidAction, PlaygroundError
from .vocabulary import timer_base


class PresetError(PlaygroundError):
    """A preset's script does not run: which line, and what is missing."""


class Line:
    """One line of a preset's script: one action, found in the state when it runs."""

    def __init__(self, text, remark=None):
        self.text = text
        self.remark = remark

    def resolve(self, sim):
        """The concrete action this line stands for now; raise PresetError if there is none."""
        raise NotImplementedError

    def __repr__(self):
        return self.text


class _MessageLine(Line):
    def __init__(self, verb, kind, to=None, frm=None, where=None, remark=None, newest=False):
        words = [verb, kind]
        if frm:
            words.append(f"from {frm}")
        if to:
            words.append(f"to {to}")
        if where:
            words.append(", ".join(f"{k}={v!r}" for k, v in sorted(where.items())))
        if newest:
            words.append("(the newest)")
        super().__init__(" ".join(words), remark)
        self.verb, self.kind, self.to, self.frm = verb, kind, to, frm
        self.where = dict(where or {})
        self.newest = newest

    def matches(self, msg):
        return (msg["kind"] == self.kind and (self.to is None or msg["dst"] == self.to)
                and (self.frm is None or msg["src"] == self.frm)
                and all(msg["payload"].get(k) == v for k, v in self.where.items()))

    def resolve(self, sim):
        candidates = [m for m in sim.messages.values() if self.matches(m)]
        if self.verb == "deliver":
            candidates = [m for m in candidates if sim.deliverable(m)]
        if not candidates:
            flying = ", ".join(f"{m['kind']} {m['src']}→{m['dst']}"
                               for m in sim.messages.values()) or "nothing"
            raise PresetError(f"no {self.kind} matching '{self.text}' is in flight "
                              f"(in flight: {flying})")
        return {"type": self.verb, "msg": candidates[-1 if self.newest else 0]["id"]}


def deliver(kind, to=None, frm=None, where=None, remark=None, newest=False):
    """Deliver the oldest message of `kind` in flight (to node `to`, from `frm`, whose
    payload has the fields in `where`); with newest=True the newest such message (to deliver
    the later of two alike first)."""
    return _MessageLine("deliver", kind, to, frm, where, remark, newest)


def drop(kind, to=None, frm=None, where=None, remark=None, newest=False):
    """Lose the oldest (newest=True: the newest) message of `kind` in flight that matches."""
    return _MessageLine("drop", kind, to, frm, where, remark, newest)


def duplicate(kind, to=None, frm=None, where=None, remark=None, newest=False):
    """Duplicate the oldest (newest=True: the newest) message of `kind` in flight that
    matches."""
    return _MessageLine("duplicate", kind, to, frm, where, remark, newest)


class _TimerLine(Line):
    def __init__(self, node, timer, remark=None):
        super().__init__(f"fire {node}'s {timer} timer", remark)
        self.node, self.timer = node, timer

    def resolve(self, sim):
        for t in sim.timers.values():
            if t["node"] == self.node and (t["name"] == self.timer
                                           or timer_base(t["name"]) == self.timer):
                return {"type": "fire", "timer": t["id"]}
        armed = ", ".join(f"{t['node']}:{t['name']}" for t in sim.timers.values()) or "none"
        raise PresetError(f"{self.node} has no {self.timer!r} timer armed (armed: {armed})")


def fire(node, timer, remark=None):
    """Fire the timer `timer` armed at `node` (its full name, or the name before a space:
    "in-doubt" fires "in-doubt 3")."""
    return _TimerLine(node, timer, remark)


class _FixedLine(Line):
    def __init__(self, action, text, remark=None):
        super().__init__(text, remark)
        self.action = action

    def resolve(self, sim):
        return dict(self.action)


def crash(node, remark=None, **fields):
    """Crash `node` (volatile state and timers lost)."""
    return _FixedLine(dict({"type": "crash", "node": node}, **fields), f"crash {node}", remark)


def restart(node, remark=None):
    return _FixedLine({"type": "restart", "node": node}, f"restart {node}", remark)


def pause(node, remark=None, **fields):
    """Pause `node` (a GC pause: it keeps its state but does nothing meanwhile)."""
    return _FixedLine(dict({"type": "pause", "node": node}, **fields), f"pause {node}", remark)


def resume(node, remark=None):
    return _FixedLine({"type": "resume", "node": node}, f"resume {node}", remark)


def partition(*groups, remark=None, **fields):
    """Cut the network into `groups` (lists of node ids; the rest form one more group)."""
    text = "partition " + " | ".join(" ".join(g) for g in groups)
    return _FixedLine(dict({"type": "partition", "groups": [list(g) for g in groups]}, **fields),
                      text, remark)


def heal(remark=None):
    return _FixedLine({"type": "heal"}, "heal the partition", remark)


def act(kind, node, remark=None, **fields):
    """A protocol's own user action at `node`, e.g. act("begin", "client")."""
    text = f"{kind} at {node}" + "".join(f" {k}={v!r}" for k, v in sorted(fields.items()))
    return _FixedLine(dict({"type": kind, "node": node}, **fields), text, remark)


class Preset:
    """A story: a scenario (variant, config, seed) and a script with remarks.

    `resolve(protocol)` runs the script and returns the plain preset every surface uses:
    {title, summary, variant, config, seed, actions, narration, script}, where narration maps
    the step of each remarked line (and "0" for the intro) to its remark, and script lists
    each line's text beside its step."""

    def __init__(self, title, summary="", script=(), variant="correct", config=None, seed=0,
                 intro=None):
        self.title = title
        self.summary = summary
        self.script = list(script)
        self.variant = variant
        self.config = dict(config or {})
        self.seed = seed
        self.intro = intro
        for index, line in enumerate(self.script):
            if not isinstance(line, Line):
                raise TypeError(f"preset {title!r}: script line {index + 1} is {line!r}; use "
                                "deliver(...), fire(...), crash(...), act(...) and the like")

    def resolve(self, protocol, name="?"):
        from .simulation import Simulation

        try:
            sim = Simulation(protocol, self.variant, self.config, self.seed)
        except ConfigError as exc:
            raise PresetError(f"{protocol.name} preset {name!r}: {exc.message}") from None
        actions, narration, lines = [], {}, []
        if self.intro:
            narration["0"] = self.intro
        for index, line in enumerate(self.script):
            where = f"{protocol.name} preset {name!r}, line {index + 1} ({line.text})"
            try:
                action = line.resolve(sim)
                sim.apply(action)
            except (PresetError, InvalidAction) as exc:
                raise PresetError(f"{where}: {exc.message}") from None
            actions.append(action)
            lines.append({"step": sim.step, "line": line.text, "remark": line.remark})
            if line.remark:
                narration[str(sim.step)] = line.remark
        return {"title": self.title, "summary": self.summary, "variant": self.variant,
                "config": dict(self.config), "seed": self.seed, "actions": actions,
                "narration": narration, "script": lines}
