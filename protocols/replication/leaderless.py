"""Leaderless replication, Dynamo style (DDIA ch. 5, "Leaderless Replication"; ch. 9,
"Linearizability and quorums").

A client sends each request to all N replicas and waits for W (write) or R (read) of them.
Values carry versions [n, writer]: a writer first asks the replicas for their version
(GET-VERSION), and once R have answered writes version n + 1 (PUT). W + R > N makes every
read quorum meet every write quorum -- and still a read can be stale: while a write is in
flight, one read meets the new value at one replica, a later read meets only old ones
(DDIA figure 9-6).

Read repair (`read_repair`) writes the newest value back to the stale replicas after a
read (REPAIR): "async" does not wait; "sync" answers only once W replicas hold the value
read, which makes reads and writes linearizable (the ABD algorithm). There is no
compare-and-set: it needs consensus.

The replicas are simple -- keep the highest version, answer everyone (QuorumReplica); the
quorum work is the client's (QuorumClient, part of client.Client).
"""

from ..kernel import Node, shown

NO_VERSION = [0, ""]      # the version of a key never written


class QuorumReplica(Node):
    """Stores the value with the highest version it has been sent; answers everyone."""

    role = "replica"

    def initial_durable(self):
        return {"data": {}}

    def stored(self, key):
        return self.durable.data.get(key, {"value": None, "version": list(NO_VERSION)})

    def summary(self):
        data = self.durable.data
        return ", ".join(f"{k}={shown(d['value'])} (v{d['version'][0]})"
                         for k, d in sorted(data.items())) or "empty"

    def store(self, key, value, version):
        if version > self.stored(key)["version"]:
            self.durable.data[key] = {"value": value, "version": version}

    def on_get_version(self, src, op, key):
        self.send(src, "VERSION", op=op, key=key, version=self.stored(key)["version"])

    def on_put(self, src, op, key, value, version):
        self.store(key, value, version)
        self.send(src, "PUT-OK", op=op)

    def on_get(self, src, op, key):
        stored = self.stored(key)
        self.send(src, "GOT", op=op, key=key, value=stored["value"], version=stored["version"])

    def on_repair(self, src, op, key, value, version):
        self.store(key, value, version)
        self.send(src, "REPAIRED", op=op)


class QuorumClient:
    """A client's side of leaderless replication: it talks to every replica and counts
    answers. (Mixed into client.Client, whose `current` finds the operation an answer is
    for and whose `finish` records its response.)"""

    def quorum_begin(self, op):
        replicas = self.sim.node_ids("replica")
        if op["kind"] == "write":
            op["phase"] = "asking versions"
            self.broadcast(replicas, "GET-VERSION", op=op["id"], key=op["key"])
        else:
            op["phase"] = "reading"
            self.broadcast(replicas, "GET", op=op["id"], key=op["key"])

    # -- a write: learn the latest version from R, then write version + 1 to W ------------
    def on_version(self, src, op, key, version):
        op = self.current(op)
        if op is None or op["phase"] != "asking versions":
            return
        op["replies"][src] = version
        if len(op["replies"]) >= self.config["r"]:
            latest = max(op["replies"].values())
            op["version"] = [latest[0] + 1, self.id]
            op["phase"] = "writing"
            self.broadcast(self.sim.node_ids("replica"), "PUT", op=op["id"], key=key,
                           value=op["value"], version=op["version"])

    def on_put_ok(self, src, op):
        op = self.current(op)
        if op is None or op["phase"] != "writing" or src in op["acks"]:
            return
        op["acks"].append(src)
        if len(op["acks"]) >= self.config["w"]:
            self.finish("ok")

    # -- a read: the newest of R answers, repaired where the config says -------------------
    def on_got(self, src, op, key, value, version):
        op = self.current(op)
        if op is None or op["phase"] != "reading":
            return
        op["replies"][src] = {"value": value, "version": version}
        if len(op["replies"]) < self.config["r"]:
            return
        best = max(op["replies"].values(), key=lambda reply: reply["version"])
        op["best"] = best
        repair = self.config["read_repair"]
        have = [r for r, reply in op["replies"].items() if reply["version"] == best["version"]]
        if repair == "off" or best["version"] == NO_VERSION:
            self.finish("ok", best["value"])
            return
        if repair == "async":
            # Write the newest value back to the stale replicas that answered; don't wait.
            for r, reply in op["replies"].items():
                if reply["version"] < best["version"]:
                    self.send(r, "REPAIR", op=op["id"], key=key, **best)
            self.finish("ok", best["value"])
            return
        # Synchronous read repair: answer only once W replicas hold the value read.
        op["acks"] = have
        if len(have) >= self.config["w"]:
            self.finish("ok", best["value"])
            return
        op["phase"] = "repairing"
        for r in self.sim.node_ids("replica"):
            if r not in have:
                self.send(r, "REPAIR", op=op["id"], key=key, **best)

    def on_repaired(self, src, op):
        op = self.current(op)
        if op is None or op["phase"] != "repairing" or src in op["acks"]:
            return
        op["acks"].append(src)
        if len(op["acks"]) >= self.config["w"]:
            self.finish("ok", op["best"]["value"])
