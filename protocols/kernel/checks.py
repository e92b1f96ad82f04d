"""Checks declared once: a name, what it means when it holds, and a function of the state.

    @check("atomicity", holds="no transaction is committed at one place and aborted at another")
    def atomicity(sim):
        ...
        return Violation("tx1 committed at p1 but aborted at p2", events=[...])   # or None

A protocol lists its checks in `Protocol.checks`; after every step the kernel runs them and
reports `{name, ok, detail, events?, warn?}` for each, the name written only here.
A check reads the simulation's state (node records, the history, structured note data),
never the text of notes.
"""


class Holds:
    """The check holds; `detail` replaces the declared `holds` sentence."""

    ok, warn = True, False

    def __init__(self, detail=None, events=(), **extra):
        self.detail, self.events, self.extra = detail, list(events), extra


class Violation(Holds):
    """The check is broken: say how, and name the trace events that break it."""

    ok = False


class Warning_(Holds):
    """A warning: nothing is broken, but a reader should look (a participant in doubt)."""

    warn = True


# Exported as Warning in protocols.kernel (the builtin Warning is an exception class).
Warning = Warning_  # noqa: A001


class Check:
    """One declared check. fn(sim) returns None (holds), or a Holds / Violation / Warning."""

    def __init__(self, name, fn, holds="", warning=False, applies=None):
        self.name = name
        self.fn = fn
        self.holds = holds
        self.warning = warning
        # Whether the check concerns a run of this config (a mode's own check, say): None
        # for every run; else a function (config) -> bool.
        self.applies = applies
        self.__doc__ = fn.__doc__

    def __call__(self, sim):
        outcome = self.fn(sim)
        if outcome is None:
            outcome = Holds()
        if not isinstance(outcome, Holds):
            raise TypeError(f"check {self.name!r} returned {outcome!r}; return None, "
                            "Holds(...), Violation(...) or Warning(...)")
        result = {"name": self.name, "ok": outcome.ok,
                  "detail": outcome.detail if outcome.detail is not None else self.holds}
        if outcome.events:
            result["events"] = outcome.events
        if self.warning:
            result["warn"] = outcome.warn
        result.update(outcome.extra)
        return result

    def describe(self):
        return {"name": self.name, "holds": self.holds, "warning": self.warning}


def shared(fn):
    """Decorator for what several checks compute alike from the state (who decided what):
    computed once per round of checks, not once per check. Outside a round (a test calling
    it directly), simply computed."""
    def once(sim):
        cache = sim.checks_cache
        if cache is None:
            return fn(sim)
        if fn not in cache:
            cache[fn] = fn(sim)
        return cache[fn]
    once.__name__, once.__doc__ = fn.__name__, fn.__doc__
    return once


def check(name, holds="", warning=False, applies=None):
    """Decorator: declare the function as the check `name` (see Check)."""
    def declare(fn):
        return Check(name, fn, holds=holds, warning=warning, applies=applies)
    return declare
