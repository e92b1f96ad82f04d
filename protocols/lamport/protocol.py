"""Lamport timestamps (DDIA ch. 9, "Sequence Number Ordering"): the protocol as a whole —
its variants, options, vocabulary, user actions, checks, stories and the total-order view.
The nodes' handlers are in nodes.py, the checks in checks.py, the stories in presets.py."""

from ..kernel import Message, Option, Protocol, UserAction, shown
from ..kernel.usertext import text_field, text_problem
from . import checks
from .view import view as panels
from .nodes import Process, node_ids, vector_text
from .presets import PRESETS

MAX_LABEL = 40


def _message_detail(payload, message):
    """"(3,n1) image 1 v1": the send's Lamport timestamp with its sender, then what the
    message is about, else the sender's vector clock "[1,0,2]" when vector clocks are on."""
    text = f"({shown(payload.get('ts'))},{shown(message.get('src'))})"
    about, vector = payload.get("about"), payload.get("vector")
    if about is not None:
        return f"{text} {shown(about)}"
    if isinstance(vector, list):
        return f"{text} {vector_text(vector)}"
    return text


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
    node_types = (Process,)
    messages = {
        "MESSAGE": Message(_message_detail,
                           help="carries the sender's counter (and vector) at the send, so the "
                                "receiver can move its clock past it"),
    }
    checks = (checks.receive_after_send, checks.clock_grows)
    user_actions = {
        "local": UserAction("Local event: the node counts one step of its own",
                            fields={"label": text_field(MAX_LABEL, optional=True)}),
        "send": UserAction("Send a message: the node counts the send and the message carries "
                           "its counter", fields={"to": _another_node,
                                                  "label": text_field(MAX_LABEL, optional=True)}),
    }

    def view(self, sim):
        """The protocol's panels, as data (view.py; docs/kernel-api.md, "Panels")."""
        return panels(sim)

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
