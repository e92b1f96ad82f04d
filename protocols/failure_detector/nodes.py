"""A heartbeat failure detector (DDIA ch. 8, "Timeouts and Unbounded Delays"; ch. 9: consensus
relies on timeouts to detect failed nodes).

Every *node* sends a HEARTBEAT to the *monitor* every 100 ms. The monitor remembers when it last
heard from each node and arms a *timeout* for it; when the timeout runs out before the next
heartbeat arrives, the monitor *suspects* the node of having crashed. A heartbeat from a
suspected node makes the monitor trust it again.

A failure detector promises two things (Chandra and Toueg, 1996):
  completeness -- a node that has crashed is eventually suspected;
  accuracy     -- a node that has not crashed is not suspected.
On a network with unbounded delays no timeout keeps both: a heartbeat that is late (a queue
somewhere, a lost packet waiting for its retransmission, a node paused by its garbage
collector) looks exactly like a crash. A long timeout is accurate but slow to notice a crash;
a short one notices quickly and cries wolf.

Variants (the monitor's timeout; the nodes are the same in all three):
  ``correct``             a fixed, generous timeout: 300 ms, three heartbeats;
  ``aggressive-timeout``  a fixed short timeout: 150 ms, so one lost or late heartbeat is
                          enough to suspect a live node;
  ``adaptive``            in the style of the phi accrual detector (Hayashibara et al., 2004;
                          Akka, Cassandra): the timeout follows the gaps it observes between
                          one node's heartbeats -- their mean plus five deviations -- so it is
                          short on a steady network and long on a jittery one.

A node's *incarnation* (how many times it has started) is durable, its heartbeat count is not:
after a restart it counts from #1 again in a new incarnation, and the monitor can tell a node
that came back from an old heartbeat that arrived late.

All arithmetic is on whole milliseconds (the deviation is an integer square root), so a run is
the same on every machine.
"""

from math import isqrt

from ..kernel import Node

HEARTBEAT_INTERVAL = 100   # every node sends a heartbeat this often
TIMEOUT = 300              # correct: three heartbeats
SHORT_TIMEOUT = 150        # aggressive-timeout: one and a half
# adaptive: the timeout is mean + DEVIATIONS x deviation of the last WINDOW gaps between a
# node's heartbeats; until it has seen MIN_GAPS of them it waits TIMEOUT.
WINDOW = 20
MIN_GAPS = 3
DEVIATIONS = 5
MIN_DEVIATION = 20         # a perfectly steady network is no reason to wait only the mean
MAX_TIMEOUT = 1000         # however jittery the network, a crash is suspected within a second

CORRECT, AGGRESSIVE, ADAPTIVE = "correct", "aggressive-timeout", "adaptive"


def fixed_timeout(variant):
    """The monitor's timeout before it knows anything about the network."""
    return SHORT_TIMEOUT if variant == AGGRESSIVE else TIMEOUT


def detection_bound(variant):
    """The longest silence after which a crashed node must be suspected."""
    return MAX_TIMEOUT if variant == ADAPTIVE else fixed_timeout(variant)


def adaptive_timeout(gaps):
    """Mean plus five deviations of the observed gaps (whole ms), within its bounds."""
    if len(gaps) < MIN_GAPS:
        return TIMEOUT
    mean = sum(gaps) // len(gaps)
    deviation = isqrt(sum((gap - mean) ** 2 for gap in gaps) // len(gaps))
    return min(MAX_TIMEOUT, mean + DEVIATIONS * max(deviation, MIN_DEVIATION))


class ClusterNode(Node):
    """A node that proves it is alive the only way it can: by saying so, every 100 ms."""

    role = "node"
    timers = ("beat",)

    def initial_durable(self):
        return {"incarnation": 0}       # how many times it has started: survives a crash

    def initial_volatile(self):
        return {"seq": 0, "up_since": self.now}

    def on_start(self):
        self.durable.incarnation += 1
        self.set_timer("beat", HEARTBEAT_INTERVAL)

    def summary(self):
        v = self.volatile
        return f"incarnation {self.durable.incarnation}, sent {v.seq} heartbeats"

    def on_beat(self):
        v = self.volatile
        v.seq += 1
        self.send("monitor", "HEARTBEAT", seq=v.seq, incarnation=self.durable.incarnation)
        self.set_timer("beat", HEARTBEAT_INTERVAL)


class Monitor(Node):
    """Watches every node's heartbeats and suspects the ones that fall silent. All it knows is
    in memory: a restarted monitor starts watching afresh, as if every node had just spoken."""

    role = "monitor"
    timers = ("timeout",)

    def watched(self):
        return self.sim.node_ids("node")

    def initial_volatile(self):
        nodes = self.watched()
        state = {
            "heard": {n: self.now for n in nodes},          # when it last heard from n
            "seq": {n: 0 for n in nodes},                   # the newest heartbeat from n ...
            "incarnation": {n: 0 for n in nodes},           # ... in n's newest incarnation
            "timeout": {n: fixed_timeout(self.variant) for n in nodes},
            "suspects": {},                                 # n -> when it began to suspect n
        }
        if self.variant == ADAPTIVE:
            state["gaps"] = {n: [] for n in nodes}          # ms between n's heartbeats
        return state

    def on_start(self):
        for n in self.watched():
            self.arm(n)

    def summary(self):
        v = self.volatile
        timeouts = sorted(set(v.timeout.values()))
        waits = f"timeout {timeouts[0]} ms" if len(timeouts) == 1 else \
            "timeouts " + ", ".join(f"{n} {t}" for n, t in v.timeout.items()) + " ms"
        if not v.suspects:
            return f"trusts every node; {waits}"
        return f"suspects {', '.join(v.suspects)}; {waits}"

    def arm(self, n):
        """The timeout for n runs from the last time the monitor heard from it."""
        v = self.volatile
        self.set_timer(f"timeout {n}", v.heard[n] + v.timeout[n] - self.now, node=n)

    def on_heartbeat(self, src, seq, incarnation):
        v = self.volatile
        if (incarnation, seq) <= (v.incarnation[src], v.seq[src]):
            return                      # a late copy of one it has already counted
        gap = self.now - v.heard[src]
        restarted = 0 < v.incarnation[src] < incarnation
        v.heard[src], v.seq[src], v.incarnation[src] = self.now, seq, incarnation
        if restarted:
            self.note(f"{src} restarted (incarnation {incarnation})", restarted=src,
                      incarnation=incarnation)
        if self.variant == ADAPTIVE:
            # A gap that spans a restart measured a crash, not the network.
            gaps = [] if restarted else v.gaps[src] + [gap]
            v.gaps[src] = gaps[-WINDOW:]
            v.timeout[src] = adaptive_timeout(v.gaps[src])
        if src in v.suspects:
            del v.suspects[src]
            self.note(f"trusts {src} again", tone="ok", trusts=src, silent=gap)
        self.arm(src)

    def on_timeout(self, node):
        v = self.volatile
        if node in v.suspects:
            return
        v.suspects[node] = self.now
        silent = self.now - v.heard[node]
        self.note(f"suspects {node}: silent {silent} ms", tone="warning", suspects=node,
                  silent=silent, timeout=v.timeout[node])
