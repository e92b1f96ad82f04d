"""The failure detector's checks: completeness (a crashed node is suspected in time), accuracy
(no node that is alive is suspected) and how long detection took. They read the monitor's memory,
the nodes' state and the kernel's view of who is up -- which the monitor cannot see."""

from bisect import bisect_left

from ..kernel import CRASHED, UP, Holds, Violation, Warning, check
from .nodes import detection_bound


def _monitor(sim):
    """The monitor's memory, or None while it is crashed."""
    return sim.nodes["monitor"].volatile


def _suspicion_events(sim, node, at):
    """The note in which the monitor began to suspect `node` (at time `at`). The trace is in
    time order, so this is a binary search, not a scan of a long run."""
    trace = sim.trace
    try:
        start = bisect_left(trace, at, key=lambda event: event["t"])
        events = [e["i"] for e in trace[start:]
                  if e["type"] == "note" and e["t"] == at and e["data"].get("suspects") == node]
    except IndexError:        # the search keeps only the latest events; it needs no names
        return []
    return events[-1:]


@check("completeness", holds="every crashed node is suspected by the monitor", warning=True)
def completeness(sim):
    crashed = [n for n in sim.node_ids("node") if sim.status[n] == CRASHED]
    if not crashed:
        return None
    monitor = _monitor(sim)
    if monitor is None or sim.status["monitor"] != UP:
        return Warning(f"{', '.join(crashed)} crashed, and the monitor is "
                       f"{sim.status['monitor']}: nobody is watching")
    bound = detection_bound(sim.variant)
    waiting = []
    for n in crashed:
        if n in monitor.suspects:
            continue
        silent = sim.now - monitor.heard[n]
        timer = sim.timer_find("monitor", f"timeout {n}")
        due = timer is not None and timer["at"] <= sim.now
        if silent > bound and not due:
            return Violation(f"{n} crashed and has been silent for {silent} ms, longer than the "
                             f"detection bound ({bound} ms), yet the monitor does not suspect it")
        waiting.append(f"{n} (silent {silent} ms)")
    if not waiting:
        return Holds(f"every crashed node is suspected: {', '.join(crashed)}")
    return Warning(f"crashed but not suspected yet: {', '.join(waiting)}; the monitor suspects "
                   f"a node at the latest {bound} ms after its last heartbeat")


@check("accuracy", holds="no node that is alive is suspected")
def accuracy(sim):
    monitor = _monitor(sim)
    if monitor is None:
        return None
    wrong, events = [], []
    for n, since in monitor.suspects.items():
        if sim.status[n] == CRASHED:
            continue
        if sim.nodes[n].volatile.up_since > monitor.heard[n]:
            continue        # it did crash (and came back) since the monitor last heard from it
        how = "paused, not crashed" if sim.status[n] != UP else "up"
        wrong.append(f"{n}, which is {how} (its last heartbeat arrived {since - monitor.heard[n]}"
                     f" ms before the suspicion; timeout {monitor.timeout[n]} ms)")
        events += _suspicion_events(sim, n, since)
    if wrong:
        return Violation("the monitor suspects " + "; and ".join(wrong), events=events)
    return None


@check("detection time", holds="the monitor suspects no node")
def detection_time(sim):
    monitor = _monitor(sim)
    if monitor is None or not monitor.suspects:
        return None
    return Holds("; ".join(f"{n} suspected after {since - monitor.heard[n]} ms of silence"
                           for n, since in monitor.suspects.items()))
