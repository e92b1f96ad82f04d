"""Test-side helpers to steer a simulation by hand, as a user clicking the diagram would."""


def pending(sim, kind=None, dst=None, src=None):
    return [m for m in sim.messages.values()
            if (kind is None or m["kind"] == kind) and (dst is None or m["dst"] == dst)
            and (src is None or m["src"] == src)]


def deliver_all(sim, kind, dst=None):
    """Deliver every in-flight message of one kind (optionally to one node)."""
    for msg in pending(sim, kind, dst):
        sim.apply({"type": "deliver", "msg": msg["id"]})


def timer(sim, node, name):
    for t in sim.timers.values():
        if t["node"] == node and t["name"].split(" ")[0] == name:
            return t
    return None


def fire(sim, node, name):
    sim.apply({"type": "fire", "timer": timer(sim, node, name)["id"]})


def run_until(sim, predicate, limit=500):
    """Auto-play until predicate(sim) holds; fail loudly if it never does."""
    for _ in range(limit):
        if predicate(sim):
            return sim
        if sim.auto_step() is None:
            break
    assert predicate(sim), "the run went quiescent before reaching the expected state"
    return sim


def check(sim, name):
    return next(c for c in sim.checks if c["name"] == name)
