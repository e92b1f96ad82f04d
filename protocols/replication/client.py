"""The clients (DDIA ch. 9, "Linearizability"): c1..cK read, write and compare-and-set
keys, one operation at a time, and record each one in the client history -- invocation,
then response or none -- which the linearizable check reads.

In the leader-based modes a request (READ, WRITE, CAS) goes to one replica and one answer
settles it (VALUE, WRITTEN, CAS-OK, CAS-FAILED). In leaderless mode the client itself does
the quorum work (leaderless.py, QuorumClient). A client that hears nothing within
CLIENT_TIMEOUT gives up: a read that timed out returned nothing (fail), a write or
compare-and-set may or may not have happened (info).

Under auto-play each client runs `operations` operations of its own, picked by the seeded
RNG, with a pause between them.
"""

from ..kernel import Node, shown
from ..kernel.node import NO_RESULT
from .image_resizer import ImageResizerClient
from .leaderless import QuorumClient

CLIENT_TIMEOUT = 400      # a client gives up waiting for an answer
FIRST_OP_AT = 10
THINK_TIME = (20, 120)    # auto-play: a client's pause between operations


def offers_cas(config):
    """Compare-and-set needs one place that decides: there is none in leaderless mode."""
    return config["mode"] != "leaderless"


class Client(QuorumClient, ImageResizerClient, Node):
    """Issues one operation at a time and records it in the client history. With the
    image-resizer story on, c1 is the web server (it uploads, then tells the resizer
    through the queue) and c2 the resizer (it fetches what it is told about)."""

    role = "client"
    timers = ("next-op", "timeout")

    def initial_durable(self):
        return {"written": 0}   # so values stay unique across a crash

    def initial_volatile(self):
        return {"op": None, "remaining": self.props["operations"], "seen": {}, "todo": []}

    def on_start(self):
        if self.volatile.remaining > 0:
            self.set_timer("next-op", FIRST_OP_AT + 7 * self.props["index"])

    def summary(self):
        op = self.volatile.op
        if op is None:
            return "idle"
        what = {"read": f"read {op['key']}", "write": f"write {op['key']}={shown(op['value'])}",
                "cas": f"cas {op['key']}: {shown(op['expected'])}→{shown(op['value'])}"}
        return f"{what[op['kind']]} ({op['phase']})"

    # -- choosing operations -----------------------------------------------------------
    def next_value(self):
        n = self.durable.written + 1
        return f"v{n}" if self.props.get("story") == "web" else 10 * n + self.props["index"]

    def on_next_op(self):
        v = self.volatile
        if v.op is not None or v.remaining <= 0:
            return
        v.remaining -= 1
        key = self.rng.choice(self.config["keys"])
        kinds = ["read", "read", "write", "write"]
        if offers_cas(self.config) and self.config["cas"]:
            kinds.append("cas")
        kind = "write" if self.props.get("story") == "web" else self.rng.choice(kinds)
        if kind == "read":
            self.begin("read", key)
        elif kind == "write":
            self.begin("write", key, value=self.next_value())
        else:
            self.begin("cas", key, expected=v.seen.get(key), value=self.next_value())

    def after_op(self):
        if self.volatile.remaining > 0:
            self.set_timer("next-op", self.rng.randint(*THINK_TIME))
        elif self.volatile.todo:
            key, value = self.volatile.todo.pop(0)
            self.fetch(key, value)   # the resizer's next announced image

    # -- running one --------------------------------------------------------------------
    def begin(self, kind, key, value=None, expected=None, via=None):
        args = {"key": key}
        if kind == "write":
            args["value"] = value
        elif kind == "cas":
            args.update({"from": expected, "to": value})
        if kind != "read" and value == self.next_value():
            self.durable.written += 1
        op = {"id": self.invoke(kind, **args), "kind": kind, "key": key, "value": value,
              "expected": expected, "phase": "waiting", "replies": {}, "acks": [],
              "via": via}
        self.volatile.op = op
        self.cancel_timer("next-op")
        self.set_timer("timeout", CLIENT_TIMEOUT)
        if self.config["mode"] == "leaderless":
            self.quorum_begin(op)
        else:
            self.send(self.route(op), kind.upper(), op=op["id"], key=key,
                      **({"value": value} if kind == "write" else
                         {"expected": expected, "new": value} if kind == "cas" else {}))

    def route(self, op):
        """Which replica serves a request in the leader-based modes."""
        if op["via"]:
            return op["via"]
        replicas = self.sim.node_ids("leader") + self.sim.node_ids("follower")
        if self.config["mode"] == "multi-leader":
            return replicas[(self.props["index"] - 1) % len(replicas)]  # its home leader
        if op["kind"] != "read" or self.config["read_from"] == "leader":
            return "r1"
        if self.props.get("story") == "resizer":
            return replicas[-1]  # the replica nearest the resizer
        return self.rng.choice(replicas)

    def current(self, op_id):
        op = self.volatile.op
        return op if op is not None and op["id"] == op_id else None

    def finish(self, status, result=NO_RESULT):
        op = self.volatile.op
        self.complete(op["id"], status, result)
        self.cancel_timer("timeout")
        self.volatile.op = None
        if op["kind"] == "read" and status == "ok":
            self.volatile.seen[op["key"]] = result
        elif op["kind"] == "write" and status == "ok":
            self.volatile.seen[op["key"]] = op["value"]
            if self.props.get("story") == "web":
                self.announce(op)
        elif op["kind"] == "cas" and status == "ok":
            self.volatile.seen[op["key"]] = op["value"]
        if op.get("fetching") is not None:
            self.resized(op, status, None if result is NO_RESULT else result)
        self.after_op()

    def on_timeout(self):
        op = self.volatile.op
        if op is None:
            return
        # A read that timed out returned nothing; a write might or might not have happened.
        self.finish("fail" if op["kind"] == "read" else "info", "timed out")

    # -- answers in the leader-based modes --------------------------------------------------
    def on_value(self, src, op, key, value):
        if self.current(op):
            self.finish("ok", value)

    def on_written(self, src, op):
        if self.current(op):
            self.finish("ok")

    def on_cas_ok(self, src, op):
        if self.current(op):
            self.finish("ok", True)

    def on_cas_failed(self, src, op, current):
        if self.current(op):
            self.volatile.seen[self.volatile.op["key"]] = current
            self.finish("fail", current)
