"""Lamport timestamps' panel: every event in the total order the timestamps induce. An
event can be selected to see its causal past and future (through `after`: the previous
event at its node, and the send a receive answers) lit on the diagram, and the events
concurrent with it greyed out."""

from protocols.kernel import panels as P


def view(sim):
    where = P.fold_trace(sim, "lamport.events", _start, _step)
    events = []
    for node in sim.nodes.values():
        previous = None
        for event in node.durable.events:
            events.append((event, node.id, previous))
            previous = event["id"]
    events.sort(key=lambda e: (e[0]["ts"][0], e[0]["ts"][1]))
    items = []
    for event, node_id, previous in events:
        cause = event.get("cause")
        after = [x for x in (previous, cause) if x is not None]
        via = {cause: where["sends"].get((cause, node_id), [])} if cause is not None else None
        ts = event["ts"]
        items.append(P.item(event["id"], event["label"], mark=f"({ts[0]},{ts[1]})",
                            sub="[" + ",".join(str(n) for n in event["vector"]) + "]"
                            if "vector" in event else None,
                            events=where["notes"].get(event["id"], []), after=after,
                            via=via if via and via[cause] else None))
    order = P.item_list(items, empty="No event yet.",
                        hint="Events in the total order the timestamps induce. Equal "
                             "counters are broken by node id.",
                        relate={"before": "before", "after": "after", "neither": "concurrent"})
    return P.view([P.section("Lamport order", order, hint="by (counter, node) · click an event")])


def _start():
    return {"notes": {}, "sends": {}}


def _step(where, event):
    """Which trace events show each Lamport event: its note, and the messages it sent."""
    if event["type"] == "note" and "event" in (event.get("data") or {}):
        where["notes"].setdefault(event["data"]["event"], []).append(event["i"])
    elif event["type"] == "send" and "event" in (event.get("payload") or {}):
        key = (event["payload"]["event"], event["dst"])
        where["sends"].setdefault(key, []).append(event["i"])
