"""A heartbeat failure detector (DDIA ch. 8, "Timeouts and Unbounded Delays"; ch. 9): the
protocol as a whole -- its variants, options, vocabulary, checks and stories. The nodes'
handlers are in nodes.py, the checks in checks.py, the stories in presets.py."""

from ..kernel import Message, Option, Protocol, shown
from . import checks
from .nodes import ADAPTIVE, AGGRESSIVE, CORRECT, ClusterNode, Monitor
from .presets import PRESETS


def _heartbeat_label(payload, message):
    """HEARTBEAT n2 #5; after a restart, HEARTBEAT n2 #1 incarnation 2."""
    label = f"{message['src']} #{shown(payload.get('seq'))}"
    incarnation = payload.get("incarnation")
    if incarnation != 1:
        label += f" incarnation {shown(incarnation)}"
    return label


class FailureDetector(Protocol):
    name = "failure_detector"
    title = "Heartbeat failure detector"
    summary = ("A monitor suspects the nodes whose heartbeats stop — and, when the network is "
               "slow, nodes that are alive: no timeout is both quick and never wrong.")
    variants = {
        CORRECT: "a fixed, generous timeout (300 ms, three heartbeats): slow to notice a crash, "
                 "never wrong while heartbeats keep to the network's usual latency",
        AGGRESSIVE: "a fixed short timeout (150 ms): quick to notice a crash, but one late or "
                    "lost heartbeat makes it suspect a live node",
        ADAPTIVE: "phi-accrual style: the timeout is the mean gap between a node's heartbeats "
                  "plus five deviations, so it stretches on a jittery network",
    }
    options = {
        "nodes": Option(3, "number of monitored nodes", minimum=2, maximum=5),
    }
    presets = PRESETS
    node_types = (Monitor, ClusterNode)
    messages = {
        "HEARTBEAT": Message(_heartbeat_label,
                             help="a node's sign of life, numbered; after a restart the count "
                                  "starts again at #1 in a new incarnation"),
    }
    checks = (checks.completeness, checks.accuracy, checks.detection_time)

    def build(self, sim):
        sim.add_node(Monitor, "monitor", "Monitor")
        for i in range(sim.config["nodes"]):
            sim.add_node(ClusterNode, f"n{i + 1}")

    def explore_defaults(self, variant=None):
        # Handlers read the clock (a timeout is a time), so it keeps running. The search keeps
        # every message within its latency bound (no delays) but may lose one heartbeat and
        # crash one node: a single lost heartbeat is the spike that tells the short timeout
        # from the generous one.
        return {"config": {"nodes": 3}, "faults": {"drops": 1, "crashes": 1, "delays": 0}}
