"""Lamport timestamps' checks: a receive is later than its send, and each node's clock
only grows. They read the events each node writes down (durable), and point at the
notes of the events that break them by the note's structured `event` id."""

from ..kernel import Violation, check
from .nodes import timestamp_text


def _event_notes(sim, ids):
    return [e["i"] for e in sim.trace
            if e["type"] == "note" and e.get("data", {}).get("event") in ids]


@check("a receive is later than its send",
       holds="every receive has a larger counter than its send")
def receive_after_send(sim):
    events = {e["id"]: e for node in sim.nodes.values() for e in node.durable.events}
    for event in events.values():
        sent = events.get(event.get("cause"))
        if sent is not None and event["ts"][0] <= sent["ts"][0]:
            return Violation(f"{event['id']} received at {timestamp_text(event['ts'])} "
                             f"but sent at {timestamp_text(sent['ts'])}: the Lamport "
                             "order puts the effect before its cause",
                             events=_event_notes(sim, (event["id"], sent["id"])))
    return None


@check("each node's clock only grows",
       holds="at every node, each event has a larger counter than the one before")
def clock_grows(sim):
    for node in sim.nodes.values():
        last = None
        for event in node.durable.events:
            if last is not None and event["ts"][0] <= last["ts"][0]:
                return Violation(f"{node.id}: {event['id']} at {timestamp_text(event['ts'])} "
                                 f"after {last['id']} at {timestamp_text(last['ts'])}",
                                 events=_event_notes(sim, (last["id"], event["id"])))
            last = event
    return None
