"""Lamport timestamps (DDIA ch. 9, "Sequence Number Ordering").

Every node keeps a counter. Each event -- a local step, sending a message, receiving
one -- adds one to it, and every message carries the sender's counter. A node that
receives a message first moves its counter up to the one on the message, if that is
larger, and only then counts the receive. The pair (counter, node id) is the event's
*Lamport timestamp*; sorting by it gives a total order of all events that is consistent
with causality: if a happened before b, a's timestamp is smaller.

The converse does not hold. Two events may be *concurrent* -- neither could know of the
other -- and still get different timestamps, so the total order puts one first
arbitrarily. Lamport timestamps cannot tell; vector clocks can (option `vector_clocks`):
one counter per node, merged entry by entry on receive, and a happened before b exactly
when a's vector is less than or equal to b's in every entry (and not equal).

Variant ``no-max``: a receiving node ignores the counter on the message and just counts
up. Its timestamps no longer respect causality: a receive can look older than its send.
"""

from ..kernel import Node

NEXT_EVENT_DELAY = (20, 100)    # auto-play: simulated ms between a node's own events


def node_ids(config):
    return [f"n{i + 1}" for i in range(config["nodes"])]


def timestamp_text(ts):
    return f"({ts[0]},{ts[1]})"


def vector_text(vector):
    return "[" + ",".join(str(n) for n in vector) + "]"


def happened_before(a, b):
    """By vector clocks: a -> b iff a's vector <= b's in every entry and they differ."""
    return a != b and all(x <= y for x, y in zip(a, b))


def concurrent(a, b):
    return not happened_before(a, b) and not happened_before(b, a) and a != b


class Process(Node):
    """A node that does local steps, sends and receives, timestamping every event."""

    role = "process"
    timers = ("next-event",)

    def initial_durable(self):
        # The counter is on stable storage: a clock that restarted from zero after a crash
        # would hand out timestamps smaller than ones it has already given away.
        durable = {"clock": 0, "events": []}
        if self.config["vector_clocks"]:
            durable["vector"] = [0] * self.config["nodes"]
        return durable

    def on_start(self):
        if self.own_events_left() > 0:
            self.set_timer("next-event", self.rng.randint(*NEXT_EVENT_DELAY))

    def summary(self):
        d = self.durable
        text = f"clock {d.clock}"
        if "vector" in d:
            text += f", vector {vector_text(d.vector)}"
        return text + f", {len(d.events)} events"

    @property
    def index(self):
        return node_ids(self.config).index(self.id)

    # -- the clock --------------------------------------------------------------------------
    def count(self, kind, label, tone=None, **links):
        """One event happens here: the counter (and this node's vector entry) goes up by
        one, and the event is written down with its timestamp."""
        d = self.durable
        d.clock += 1
        event = {"id": f"{self.id}.{len(d.events) + 1}", "kind": kind, "label": label,
                 "ts": [d.clock, self.id]}
        if "vector" in d:
            d.vector[self.index] += 1
            event["vector"] = list(d.vector)
        event.update(links)
        d.events.append(event)
        text = f"{timestamp_text(event['ts'])} {label}"
        if "vector" in event:
            text += f" {vector_text(event['vector'])}"
        data = {k: event[k] for k in ("ts", "vector", "cause") if k in event}
        self.note(text, tone=tone, event=event["id"], kind=kind, **data)
        return event

    # -- what a node does ----------------------------------------------------------------
    def local_event(self, label=None):
        self.count("local", label or "local event")

    def send_event(self, to, label=None):
        event = self.count("send", label or f"send to {to}", to=to)
        payload = {"ts": event["ts"][0], "event": event["id"], "about": label}
        if "vector" in event:
            payload["vector"] = event["vector"]
        self.send(to, "MESSAGE", **payload)

    def on_message(self, src, ts, event, about, vector=None):
        d = self.durable
        if self.variant != "no-max":
            d.clock = max(d.clock, ts)   # the rule that makes timestamps respect causality
        if "vector" in d and vector is not None:
            d.vector = [max(mine, theirs) for mine, theirs in zip(d.vector, vector)]
        label = f"receive {about} from {src}" if about else f"receive from {src}"
        # Without the max rule the receive may be counted no later than its send.
        tone = "violation" if d.clock + 1 <= ts else None
        self.count("receive", label, tone=tone, cause=event)

    # -- auto-play workload ----------------------------------------------------------------
    def own_events_left(self):
        own = sum(1 for e in self.durable.events if e["kind"] != "receive")
        return self.config["events"] - own

    def on_next_event(self):
        if self.own_events_left() <= 0:
            return
        peers = [n for n in node_ids(self.config) if n != self.id]
        if self.rng.random() < self.config["send_ratio"]:
            self.send_event(self.rng.choice(peers))
        else:
            self.local_event()
        if self.own_events_left() > 0:
            self.set_timer("next-event", self.rng.randint(*NEXT_EVENT_DELAY))
