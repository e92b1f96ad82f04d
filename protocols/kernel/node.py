"""The base class every protocol node derives from.

A node has *durable* state, which survives a crash (a log on disk), and *volatile*
state, which a crash loses (memory). Handlers are plain methods named after what
they handle: a message of kind ``PREPARE`` goes to ``on_prepare(src, **payload)``,
a timer named ``in-doubt`` (or ``in-doubt 3``: words after a space only tell timers
apart) to ``on_in_doubt(**data)``. The kernel does the plumbing:
sending, timers, the clock, the seeded RNG and the trace.
"""

from .record import Record


# The result of an operation that returns nothing (a write's ok), as opposed to None.
NO_RESULT = type("NoResult", (), {"__repr__": lambda self: "NO_RESULT"})()


def handler_name(kind):
    """`PREPARE` -> on_prepare; a timer `in-doubt 3` (one per transaction) -> on_in_doubt."""
    return "on_" + kind.split(" ", 1)[0].lower().replace("-", "_")


class Node:
    role = "node"
    # The timers this node arms, by name ("in-doubt" covers "in-doubt 3"); a protocol that
    # declares its messages has every on_<x> checked against them (kernel/vocabulary.py).
    timers = ()

    def __init__(self, sim, node_id, label=None, **props):
        self.sim = sim
        self.id = node_id
        self.label = label or node_id
        self.props = dict(props)
        self.durable = Record(self.initial_durable())
        self.volatile = None

    # -- state the protocol declares -------------------------------------------------
    def initial_durable(self):
        """State kept on stable storage; survives crashes."""
        return {}

    def initial_volatile(self):
        """State kept in memory; rebuilt empty at start and after every restart."""
        return {}

    def on_start(self):
        """Called when the node boots and again after each restart (recovery)."""

    def summary(self):
        """One line for the node's card."""
        return ""

    # -- what a handler may do --------------------------------------------------------
    @property
    def now(self):
        return self.sim.now

    @property
    def rng(self):
        return self.sim.rng

    @property
    def config(self):
        return self.sim.config

    @property
    def variant(self):
        return self.sim.variant

    def send(self, dst, kind, **payload):
        """Put a message on the network; the latency model decides when it may arrive."""
        return self.sim.network_send(self.id, dst, kind, payload)

    def broadcast(self, dsts, kind, **payload):
        for dst in dsts:
            self.send(dst, kind, **payload)

    def set_timer(self, name, delay, **data):
        """Arm (or re-arm) the timer `name`; it fires after `delay` simulated ms."""
        if self.sim.protocol.vocabulary is not None \
                and name.split(" ", 1)[0] not in type(self).timers:
            raise ValueError(f"{type(self).__name__} arms timer {name!r}, which is not in "
                             f"{type(self).__name__}.timers")
        return self.sim.timer_set(self.id, name, delay, data)

    def cancel_timer(self, name):
        self.sim.timer_cancel(self.id, name)

    def has_timer(self, name):
        return self.sim.timer_find(self.id, name) is not None

    def note(self, text, tone=None, **data):
        """Annotate the lifeline (shown on the diagram, recorded in the trace). `tone`:
        info (default), ok, warning or violation: how the diagram colours it."""
        shown = None if tone is None else {"tone": tone}
        self.sim.record_event("note", shown=shown, node=self.id, text=text, data=data)

    def invoke(self, op, **args):
        """A client starts an operation; returns its id in the client history."""
        return self.sim.history_invoke(self.id, op, args)

    def complete(self, op_id, status, result=NO_RESULT):
        """A client learns the outcome of an operation: status ok, fail or info, and what it
        returned, if it returns anything (a read's None is a value: shown as nil)."""
        if result is NO_RESULT:
            self.sim.history_complete(op_id, status)
        else:
            self.sim.history_complete(op_id, status, result, returned=True)

    # -- kernel side --------------------------------------------------------------------
    def boot(self):
        self.volatile = Record(self.initial_volatile())
        self.on_start()

    def dispatch(self, kind, args):
        method = getattr(self, handler_name(kind), None)
        if method is None:
            self.note(f"ignored {kind}")
            return
        method(**args)

    def view(self, status):
        return {
            "id": self.id,
            "role": self.role,
            "label": self.label,
            "status": status,
            "props": self.props,
            "volatile": None if self.volatile is None else self.volatile,
            "durable": self.durable,
            "summary": self.summary() if self.volatile is not None else "crashed: volatile state lost",
        }
