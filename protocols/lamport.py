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

from .kernel import Node, Option, Protocol, UserAction
from .usertext import text_field, text_problem

NEXT_EVENT_DELAY = (20, 100)    # auto-play: simulated ms between a node's own events
MAX_LABEL = 40


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
    def count(self, kind, label, **links):
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
        self.note(text, event=event["id"], kind=kind, **data)
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
        self.count("receive", label, cause=event)

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


def all_events(sim):
    """Every event at every node, in Lamport order: by counter, then by node id."""
    events = []
    for node in sim.nodes.values():
        previous = None
        for event in node.durable.events:
            entry = dict(event, node=node.id,
                         after=[x for x in (previous, event.get("cause")) if x is not None])
            events.append(entry)
            previous = event["id"]
    events.sort(key=lambda e: (e["ts"][0], e["ts"][1]))
    return events


def _event_notes(sim, ids):
    return [e["i"] for e in sim.trace
            if e["type"] == "note" and e.get("data", {}).get("event") in ids]


def _another_node(sim, action, field):
    ids = node_ids(sim.config)
    if action.get(field) not in ids or action[field] == action["node"]:
        return f"{action['type']} needs '{field}', another node: " + ", ".join(
            i for i in ids if i != action["node"])
    return None


def _check_labels(value, config):
    if len(value) > 6:
        return "at most 6 labels"
    for label in value:
        problem = text_problem(label, "a node label", MAX_LABEL)
        if problem:
            return problem
    return None


PRESETS = {
    "image-versions": {
        "title": "Two versions of one image, and another image elsewhere",
        "summary": "Alice uploads image 1 v1, then v2; Bob uploads image 2 at the same time. "
                   "v1 → v2 is ordered; image 2 is concurrent with both — yet Lamport "
                   "timestamps put it between them.",
        "variant": "correct",
        "config": {"events": 0, "vector_clocks": True,
                   "labels": ["Alice's phone", "storage", "Bob's laptop"]},
        "seed": 1,
        "actions": [
            {"type": "send", "node": "n1", "to": "n2", "label": "image 1 v1"},
            {"type": "send", "node": "n3", "to": "n2", "label": "image 2 v1"},
            {"type": "deliver", "msg": 1},
            {"type": "send", "node": "n1", "to": "n2", "label": "image 1 v2"},
            {"type": "deliver", "msg": 2},
            {"type": "deliver", "msg": 3},
        ],
        "narration": {
            "1": "Alice uploads image 1 v1: her phone's counter goes to 1, timestamp (1,n1).",
            "2": "Meanwhile Bob uploads image 2 v1 from his laptop: timestamp (1,n3). Neither "
                 "knows of the other.",
            "3": "Storage receives image 1 v1: max(0, 1) + 1 = 2.",
            "4": "Alice uploads v2 — after v1 on the same phone, so v1 → v2: (2,n1) "
                 "[2,0,0] is after (1,n1) [1,0,0] by both clocks.",
            "5": "Storage receives image 2. Lamport order puts image 2 (1,n3) between v1 "
                 "(1,n1) and v2 (2,n1), but the vectors [0,0,1] and [2,0,0] say it is "
                 "concurrent with both: the order between them is arbitrary.",
            "6": "Every receive is later than its send. Click an event to see its causal past "
                 "and future; the concurrent ones grey out.",
        },
    },
    "receive-before-send": {
        "title": "Without the max rule, a receive looks older than its send",
        "summary": "n1 counts to 4 before sending; n2 ignores the counter on the message and "
                   "timestamps the receive 1.",
        "variant": "no-max",
        "config": {"events": 0, "vector_clocks": True},
        "seed": 1,
        "actions": [
            {"type": "local", "node": "n1"},
            {"type": "local", "node": "n1"},
            {"type": "local", "node": "n1"},
            {"type": "send", "node": "n1", "to": "n2"},
            {"type": "deliver", "msg": 1},
        ],
        "narration": {
            "4": "n1 has counted three local events; its send is (4,n1).",
            "5": "n2 just counts up from 0: the receive gets (1,n2), smaller than its send. "
                 "The check fails — the Lamport order now contradicts causality.",
        },
    },
    "workload": {
        "title": "Three nodes chatting, with vector clocks",
        "summary": "Auto-play: each node does four events, local or sends; compare the total "
                   "order with the vectors to spot the concurrent pairs.",
        "variant": "correct",
        "config": {"events": 4, "vector_clocks": True},
        "seed": 3,
        "actions": [],
        "narration": {},
    },
}


class Lamport(Protocol):
    name = "lamport"
    title = "Lamport timestamps"
    summary = ("Counters that order every event consistently with causality — a total order "
               "that cannot tell which events were concurrent (vector clocks can).")
    variants = {
        "correct": "on receive, a node moves its counter to max(own, message) + 1",
        "no-max": "a node ignores the counter on a message and just counts up: a receive "
                  "can look older than its send",
    }
    options = {
        "nodes": Option(3, "number of nodes", minimum=2, maximum=6),
        "vector_clocks": Option(False, "also keep vector clocks, to show which events are "
                                "concurrent", kind=bool),
        "events": Option(4, "auto-play: events each node does on its own (local or send)",
                         minimum=0, maximum=20),
        "send_ratio": Option(0.5, "auto-play: share of a node's own events that are sends",
                             kind=float, minimum=0.0, maximum=1.0),
        "labels": Option([], "display names for the nodes, e.g. [\"Alice's phone\", "
                         "\"storage\"]", kind=list, validate=_check_labels),
    }
    presets = PRESETS
    user_actions = {
        "local": UserAction("Local event: the node counts one step of its own",
                            fields={"label": text_field(MAX_LABEL, optional=True)}),
        "send": UserAction("Send a message: the node counts the send and the message carries "
                           "its counter", fields={"to": _another_node,
                                                  "label": text_field(MAX_LABEL, optional=True)}),
    }

    def build(self, sim):
        labels = sim.config["labels"]
        for i, nid in enumerate(node_ids(sim.config)):
            sim.add_node(Process, nid, labels[i] if i < len(labels) else nid)

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        out = []
        ids = node_ids(sim.config)
        for nid in ids:
            if sim.status[nid] != "up":
                continue
            out.append({"type": "local", "node": nid})
            out.extend({"type": "send", "node": nid, "to": to} for to in ids if to != nid)
        return out

    def on_local(self, sim, node, action):
        node.local_event(action.get("label"))

    def on_send(self, sim, node, action):
        node.send_event(action["to"], action.get("label"))

    # -- checks and the total order --------------------------------------------------------
    def checks(self, sim):
        events = {e["id"]: e for node in sim.nodes.values() for e in node.durable.events}
        return [self._receive_after_send(sim, events), self._clock_grows(sim)]

    def _receive_after_send(self, sim, events):
        for event in events.values():
            sent = events.get(event.get("cause"))
            if sent is not None and event["ts"][0] <= sent["ts"][0]:
                return {"name": "a receive is later than its send", "ok": False,
                        "detail": f"{event['id']} received at {timestamp_text(event['ts'])} "
                                  f"but sent at {timestamp_text(sent['ts'])}: the Lamport "
                                  "order puts the effect before its cause",
                        "events": _event_notes(sim, (event["id"], sent["id"]))}
        return {"name": "a receive is later than its send", "ok": True,
                "detail": "every receive has a larger counter than its send"}

    def _clock_grows(self, sim):
        for node in sim.nodes.values():
            last = None
            for event in node.durable.events:
                if last is not None and event["ts"][0] <= last["ts"][0]:
                    return {"name": "each node's clock only grows", "ok": False,
                            "detail": f"{node.id}: {event['id']} at "
                                      f"{timestamp_text(event['ts'])} after {last['id']} at "
                                      f"{timestamp_text(last['ts'])}",
                            "events": _event_notes(sim, (last["id"], event["id"]))}
                last = event
        return {"name": "each node's clock only grows", "ok": True,
                "detail": "at every node, each event has a larger counter than the one before"}

    def view(self, sim):
        from protocols.panels.lamport import view  # its panels, as data
        return view(sim)
