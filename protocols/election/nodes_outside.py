"""Outside the election: the storage service the leader writes decided values to, which
checks every write's fencing token, and the clients that ask for values to be decided
(see nodes.py for the protocol as a whole)."""

from ..kernel import Node

CLIENT_RETRY = 400        # the client tries another node when no answer comes
CLIENT_HOPS = 3           # leader hints the client follows before waiting for its retry
FIRST_REQUEST_AT = 50
NEXT_REQUEST_AFTER = 50
VALUE_PREFIXES = ("v", "w", "x")  # client, client2, client3 ask for v1, v2.. / w1.. / x1..


class Storage(Node):
    """A storage service holding one file; it checks every write's fencing token."""

    role = "storage"

    def initial_durable(self):
        return {"file": None, "token": 0, "writes": []}

    def summary(self):
        refused = sum(1 for w in self.durable.writes if not w["ok"])
        text = f"file = {self.durable.file or '(empty)'}, highest token {self.durable.token}"
        return text + (f"; refused {refused} stale write{'s' if refused > 1 else ''}"
                       if refused else "")

    def on_write(self, src, token, slot, value):
        d = self.durable
        ok = token >= d.token
        d.writes.append({"from": src, "token": token, "slot": slot, "value": value, "ok": ok,
                         "at": self.now})
        if not ok:
            self.note(f"refuses {src}'s write of {value}: token {token} < {d.token}",
                      tone="warning", fenced=token, src=src)
            self.send(src, "FENCED", token=d.token, slot=slot)
            return
        d.token, d.file = token, value


class Client(Node):
    """Asks the cluster to decide values, one at a time, retrying until one is decided."""

    role = "client"
    timers = ("next-request", "retry")

    def initial_durable(self):
        return {"made": 0, "waiting": None}

    def initial_volatile(self):
        # Each client starts with a different node, so two clients can meet two leaders.
        members = self.sim.node_ids("node")
        return {"ask": members[self.props["index"] % len(members)], "hops": 0}

    def on_start(self):
        if self.durable.waiting is not None:
            self.ask()  # the request survives a crash of the client: ask again
        elif self.durable.made < self.config["requests"]:
            self.set_timer("next-request", FIRST_REQUEST_AT)

    def summary(self):
        w = self.durable.waiting
        return "idle" if w is None else f"waiting for {w['value']} (asked {self.volatile.ask})"

    def request(self):
        self.durable.made += 1
        value = f"{self.props['prefix']}{self.durable.made}"
        op = self.invoke("propose", value=value)
        self.durable.waiting = {"op": op, "value": value}
        self.ask()

    def ask(self):
        self.volatile.hops = 0
        self.send(self.volatile.ask, "REQUEST", value=self.durable.waiting["value"])
        self.set_timer("retry", CLIENT_RETRY)

    def on_retry(self):
        if self.durable.waiting is None:
            return
        members = self.sim.node_ids("node")
        self.volatile.ask = members[(members.index(self.volatile.ask) + 1) % len(members)]
        self.ask()

    def on_redirect(self, src, value, leader):
        w, v = self.durable.waiting, self.volatile
        if w is None or value != w["value"] or src != v.ask:
            return
        if leader is not None and leader != src and v.hops < CLIENT_HOPS:
            v.ask, v.hops = leader, v.hops + 1
            self.send(leader, "REQUEST", value=value)
        # else nobody here knows a leader: the retry timer will try the next node

    def on_done(self, src, value, slot):
        w = self.durable.waiting
        if w is None or value != w["value"]:
            return
        self.complete(w["op"], "ok", f"slot {slot}")
        self.durable.waiting = None
        self.volatile.ask = src
        self.cancel_timer("retry")
        if self.durable.made < self.config["requests"]:
            self.set_timer("next-request", NEXT_REQUEST_AFTER)

    def on_next_request(self):
        if self.durable.waiting is None and self.durable.made < self.config["requests"]:
            self.request()
