"""Replication, and whether it behaves as if there were a single copy (DDIA ch. 9,
"Linearizability" and "Implementing Linearizable Systems"; the modes are those of ch. 5).

Replicas r1..rN hold a key-value store; clients c1..cK read, write and compare-and-set
keys and record every operation -- invocation and response, or none -- in the client
history. After each step the linearizability checker (protocols/linearizability.py) asks
of that history: is there one order of the operations, each placed between its invocation
and its response, in which every read sees the latest write? Three ways to replicate
(config option `mode`):

single-leader   Writes and compare-and-sets go to the leader r1, which appends them to its
                log and sends them to the followers: synchronously to those in
                `sync_followers` (the client is answered once they have it), asynchronously
                to the rest. Reads go to the leader, or to any replica (`read_from`). Reads
                at the leader are linearizable; a read at an asynchronous follower may be
                stale. There is no failover here: a crashed leader keeps its log on disk and
                carries on when it restarts (see the election protocol for the rest).
multi-leader    Every replica is a leader: it accepts writes from its clients at once and
                replicates them to the others asynchronously. Conflicting writes are resolved
                last-writer-wins by timestamp (the leader's clock, `clock_offsets` skews it),
                so one of two concurrent writes is silently discarded: a lost update, noted
                on the lifeline and reported by the check "no lost updates". A
                compare-and-set is judged by one leader alone, so two leaders can both grant
                the same username.
leaderless      A client sends each request to all N replicas and waits for W (write) or R
                (read) of them; values carry version numbers (a writer first asks R replicas
                for the latest version). W + R > N makes every read quorum meet every write
                quorum -- and still a read can be stale: while a write is in flight, one read
                meets the new value at one replica, a later read meets only old ones.
                Read repair (`read_repair`) writes the newest value back to stale replicas:
                "async" does not wait, "sync" waits until W replicas have it before
                answering, which makes reads and writes linearizable (the ABD algorithm).
                There is no compare-and-set: it needs consensus.

Variants are named starting configurations (`defaults`): `correct` (single leader, reads
at the leader), `follower-reads`, `multi-leader` and `leaderless`; the options decide.
"""

from .kernel import ConfigError, Node, Option, Protocol, UserAction
from .linearizability import live_check

MODES = ("single-leader", "multi-leader", "leaderless")
CLIENT_TIMEOUT = 400      # a client gives up waiting for an answer
RESEND_INTERVAL = 200     # a leader resends what a replica has not acknowledged
FIRST_OP_AT = 10
THINK_TIME = (20, 120)    # auto-play: a client's pause between operations
NO_VERSION = [0, ""]      # leaderless: the version of a key never written


def _label(value):
    return "nil" if value is None else str(value)


# ---------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------

class Client(Node):
    """Issues one operation at a time and records it in the client history. With the
    image-resizer story on, c1 is the web server (it uploads, then tells the resizer
    through the queue) and c2 the resizer (it fetches what it is told about)."""

    role = "client"

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
        what = {"read": f"read {op['key']}", "write": f"write {op['key']}={_label(op['value'])}",
                "cas": f"cas {op['key']}: {_label(op['expected'])}→{_label(op['value'])}"}
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
            self.fetch(key, value)

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

    def finish(self, status, result=None):
        op = self.volatile.op
        self.complete(op["id"], status, result)
        self.cancel_timer("timeout")
        self.volatile.op = None
        if op["kind"] == "read" and status == "ok":
            self.volatile.seen[op["key"]] = result
        elif op["kind"] == "write" and status == "ok":
            self.volatile.seen[op["key"]] = op["value"]
            if self.props.get("story") == "web":
                # The upload is stored: tell the resizer to fetch it, through the queue.
                self.send("queue", "ENQUEUE", key=op["key"], value=op["value"])
        elif op["kind"] == "cas" and status == "ok":
            self.volatile.seen[op["key"]] = op["value"]
        if op.get("fetching") is not None:
            self.resized(op, status, result)
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

    # -- leaderless: quorums ---------------------------------------------------------------
    def quorum_begin(self, op):
        replicas = self.sim.node_ids("replica")
        if op["kind"] == "write":
            op["phase"] = "asking versions"
            self.broadcast(replicas, "GET-VERSION", op=op["id"], key=op["key"])
        else:
            op["phase"] = "reading"
            self.broadcast(replicas, "GET", op=op["id"], key=op["key"])

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

    # -- the image-resizer story ----------------------------------------------------------
    def on_resize(self, src, key, value):
        """The queue says: a new image was uploaded; fetch it and resize it."""
        if self.volatile.op is None:
            self.fetch(key, value)
        else:
            self.volatile.todo.append([key, value])

    def fetch(self, key, value):
        self.begin("read", key)
        self.volatile.op["fetching"] = value

    def resized(self, op, status, result):
        told = op["fetching"]
        self.durable.setdefault("resized", []).append(
            {"told": told, "fetched": result if status == "ok" else None,
             "stale": status == "ok" and _older(result, told)})
        if status != "ok":
            self.note(f"could not fetch {op['key']}")
            return
        if not _older(result, told):
            self.note(f"resized {_label(result)}", resized=result, told=told)
        else:
            self.note(f"resized {_label(result)} — but was told about {_label(told)}!",
                      resized=result, told=told, stale=True)


def _older(fetched, told):
    """Is the fetched image older than the one announced? (Uploads are v1, v2, ...)"""
    if fetched is None:
        return True
    try:
        return int(str(fetched).lstrip("v")) < int(str(told).lstrip("v"))
    except ValueError:
        return fetched != told


class Queue(Node):
    """A message queue between the web server and the resizer (a second channel)."""

    role = "queue"

    def on_enqueue(self, src, key, value):
        self.send("c2", "RESIZE", key=key, value=value)

    def summary(self):
        return "relays upload notices to the resizer"


# ---------------------------------------------------------------------------------------
# Leader-based replication: what the single-leader and multi-leader modes share
# ---------------------------------------------------------------------------------------

class Replica(Node):
    """What every replica does: serve reads from its own copy, answer duplicates alike."""

    def initial_durable(self):
        return {"data": {}, "log": [], "answered": {}}

    def on_read(self, src, op, key):
        self.send(src, "VALUE", op=op, key=key, value=self.value(key))

    def value(self, key):
        return self.durable.data.get(key)

    def summary(self):
        data = self.durable.data
        text = ", ".join(f"{k}={_label(self.value(k))}" for k in sorted(data)) or "empty"
        return f"{text} (log {len(self.durable.log)})"

    def answer(self, client, op, kind, **payload):
        """Remember the answer, so a duplicated request gets the same one and is not
        applied twice."""
        self.durable.answered[str(op)] = [kind, payload]
        self.send(client, kind, op=op, **payload)

    def answered_before(self, client, op):
        previous = self.durable.answered.get(str(op))
        if previous is not None:
            self.send(client, previous[0], op=op, **previous[1])
            return True
        return any(e["op"] == op for e in self.durable.log)


class LeaderReplica(Replica):
    """What every leader does with a client's request: a write is taken at once, a
    compare-and-set is judged against the leader's own copy. How a write is taken (and
    when the client is answered) is the mode's own: `take`."""

    def take(self, client, op, key, value, reply):
        """Take the write key=value of `op`; answer `client` with `reply` when it is done."""
        raise NotImplementedError

    def on_write(self, src, op, key, value):
        if not self.answered_before(src, op):
            self.take(src, op, key, value, "WRITTEN")

    def on_cas(self, src, op, key, expected, new):
        if self.answered_before(src, op):
            return
        current = self.value(key)
        if current != expected:
            self.answer(src, op, "CAS-FAILED", current=current)
            return
        self.take(src, op, key, new, "CAS-OK")


class LogShipping:
    """Log shipping, as a leader does it: send each receiver the part of the log it has
    not acknowledged, and resend it every RESEND_INTERVAL until every receiver has it.

    A node that ships its log says to whom (`receivers`), where it keeps how much of the
    log each has acknowledged (`acknowledged`, in volatile state) and in what message the
    entries travel (`ship`)."""

    def receivers(self):
        raise NotImplementedError

    def acknowledged(self):
        raise NotImplementedError

    def ship(self, receiver, start, entries):
        """Send `entries`, the log from index `start` + 1 on, to `receiver`."""
        raise NotImplementedError

    def on_start(self):
        # After a restart nothing is known of the receivers: send them the log again.
        if self.durable.log:
            self.replicate()

    def replicate(self):
        for receiver in self.receivers():
            self.send_log(receiver)
        self.resend_later()

    def send_log(self, receiver):
        start = self.acknowledged().get(receiver, 0)
        entries = self.durable.log[start:]
        if entries:
            self.ship(receiver, start, entries)

    def behind(self):
        return [r for r, n in self.acknowledged().items() if n < len(self.durable.log)]

    def on_resend(self):
        for receiver in self.behind():
            self.send_log(receiver)
        self.resend_later()

    def resend_later(self):
        # Messages may be lost: while anyone lacks part of the log, try again later.
        if self.behind():
            self.set_timer("resend", RESEND_INTERVAL)

    def acknowledge(self, receiver, length):
        """`receiver` has the log up to `length`; stop resending once all have it all."""
        acknowledged = self.acknowledged()
        acknowledged[receiver] = max(acknowledged.get(receiver, 0), length)
        if not self.behind():
            self.cancel_timer("resend")


# ---------------------------------------------------------------------------------------
# Single-leader replication
# ---------------------------------------------------------------------------------------

class Leader(LogShipping, LeaderReplica):
    role = "leader"

    def initial_volatile(self):
        return {"matched": {f: 0 for f in self.followers()}, "waiting": {}}

    def followers(self):
        return self.sim.node_ids("follower")

    def sync_followers(self):
        return [f for f in self.followers() if f in self.config["sync_followers"]]

    def summary(self):
        behind = {f: len(self.durable.log) - m for f, m in self.volatile.matched.items()}
        lag = ", ".join(f"{f} −{n}" for f, n in behind.items() if n > 0)
        return super().summary() + (f"; behind: {lag}" if lag else "")

    def take(self, client, op, key, value, reply):
        """Append the write to the log; the client hears once the synchronous followers
        have it (see release)."""
        entry = {"index": len(self.durable.log) + 1, "key": key, "value": value, "op": op}
        self.durable.log.append(entry)
        self.durable.data[key] = value
        self.volatile.waiting[str(entry["index"])] = [client, op, reply, {}]
        self.release()
        self.replicate()

    # -- log shipping: APPEND to every follower ------------------------------------------
    def receivers(self):
        return self.followers()

    def acknowledged(self):
        return self.volatile.matched

    def ship(self, follower, start, entries):
        self.send(follower, "APPEND", writes=_writes(entries), prev=start, entries=entries,
                  ops=[e["op"] for e in entries])

    def on_appended(self, src, length):
        self.acknowledge(src, length)
        self.release()

    def release(self):
        """Answer the writes every synchronous follower now has (all, if there are none)."""
        done = min([self.volatile.matched.get(f, 0) for f in self.sync_followers()],
                   default=len(self.durable.log))
        for index in sorted(self.volatile.waiting, key=int):
            if int(index) <= done:
                client, op, reply, payload = self.volatile.waiting.pop(index)
                self.answer(client, op, reply, **payload)


class Follower(Replica):
    role = "follower"

    def summary(self):
        mode = "sync" if self.id in self.config["sync_followers"] else "async"
        return f"{super().summary()} [{mode}]"

    def on_append(self, src, writes, prev, entries, ops):
        log = self.durable.log
        if prev <= len(log):
            for entry in entries:
                if entry["index"] == len(log) + 1:
                    log.append(entry)
                    self.durable.data[entry["key"]] = entry["value"]
        self.send(src, "APPENDED", length=len(log))


# ---------------------------------------------------------------------------------------
# Multi-leader replication, last writer wins
# ---------------------------------------------------------------------------------------

class MultiLeader(LogShipping, LeaderReplica):
    """A leader in its own datacenter. `data[key]` is the winning write: value, timestamp
    [clock, origin, seq], and `deps` -- how much of each leader's log its origin had seen,
    which tells a write superseded (known to the winner) from a write lost (concurrent)."""

    role = "leader"

    def initial_durable(self):
        return {"data": {}, "log": [], "answered": {}, "seen": {}, "lost": []}

    def initial_volatile(self):
        return {"acked": {p: 0 for p in self.peers()}}

    def peers(self):
        return [p for p in self.sim.node_ids("leader") if p != self.id]

    def value(self, key):
        write = self.durable.data.get(key)
        return None if write is None else write["value"]

    def clock(self):
        offsets = self.config["clock_offsets"]
        index = int(self.id[1:]) - 1
        return self.now + (offsets[index] if index < len(offsets) else 0)

    def take(self, client, op, key, value, reply):
        # The client hears at once. A compare-and-set was judged by this leader alone:
        # another leader may be granting the same right now.
        self.accept(client, op, key, value)
        self.answer(client, op, reply)

    def accept(self, client, op, key, value):
        seq = len(self.durable.log) + 1
        deps = dict(self.durable.seen)
        deps[self.id] = seq - 1
        write = {"seq": seq, "origin": self.id, "key": key, "value": value, "op": op,
                 "client": client, "ts": [self.clock(), self.id, seq], "deps": deps}
        self.durable.log.append(write)
        self.durable.seen[self.id] = seq
        self.apply(write)
        self.replicate()

    def apply(self, write):
        """Last writer wins: keep whichever has the larger timestamp."""
        key = write["key"]
        current = self.durable.data.get(key)
        if current is None or write["ts"] > current["ts"]:
            if current is not None and not _knows(write, current):
                self.lose(current, write)
            self.durable.data[key] = write
        elif not _knows(current, write):
            self.lose(write, current)

    def lose(self, loser, winner):
        if any(lost["op"] == loser["op"] for lost in self.durable.lost):
            return
        self.durable.lost.append({"op": loser["op"], "client": loser["client"],
                                  "key": loser["key"], "value": loser["value"],
                                  "by_op": winner["op"], "by_value": winner["value"],
                                  "by_client": winner["client"]})
        self.note(f"LWW: {loser['client']}'s {loser['key']}={_label(loser['value'])} lost to "
                  f"concurrent {winner['key']}={_label(winner['value'])} "
                  f"({winner['client']})", lost=loser["op"], by=winner["op"])

    # -- log shipping: REPLICATE its own writes to every peer --------------------------------
    def receivers(self):
        return self.peers()

    def acknowledged(self):
        return self.volatile.acked

    def ship(self, peer, start, entries):
        self.send(peer, "REPLICATE", writes=_writes(entries), entries=entries,
                  ops=[e["op"] for e in entries])

    def on_replicate(self, src, writes, entries, ops):
        seen = self.durable.seen
        for write in entries:
            if write["seq"] == seen.get(src, 0) + 1:
                seen[src] = write["seq"]
                self.apply(write)
        self.send(src, "REPLICATED", upto=seen.get(src, 0))

    def on_replicated(self, src, upto):
        self.acknowledge(src, upto)


def _writes(entries):
    """What a batch of replicated writes carries, in a few words (the diagram's label)."""
    return " ".join(f"{e['key']}={_label(e['value'])}" for e in entries)


def _knows(a, b):
    """Had write a's leader seen write b when it accepted a? Then b is superseded, not lost."""
    return a["deps"].get(b["origin"], 0) >= b["seq"]


# ---------------------------------------------------------------------------------------
# Leaderless (Dynamo-style) replication
# ---------------------------------------------------------------------------------------

class QuorumReplica(Node):
    """Stores the value with the highest version it has been sent; answers everyone."""

    role = "replica"

    def initial_durable(self):
        return {"data": {}}

    def stored(self, key):
        return self.durable.data.get(key, {"value": None, "version": list(NO_VERSION)})

    def summary(self):
        data = self.durable.data
        return ", ".join(f"{k}={_label(d['value'])} (v{d['version'][0]})"
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


# ---------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------

def offers_cas(config):
    return config["mode"] != "leaderless"


def _keys(value, config):
    if not value or len(value) > 4 or not all(
            isinstance(k, str) and 0 < len(k) <= 12 for k in value):
        return "must be 1 to 4 short key names, e.g. [\"x\"]"
    if len(set(value)) != len(value):
        return "must not repeat a key"
    return None


def _replica_list(value, config):
    if not all(isinstance(r, str) for r in value):
        return "must list replica ids like \"r2\""
    return None


def _offsets(value, config):
    if len(value) > 5 or not all(isinstance(o, int) and not isinstance(o, bool)
                                 and -10_000 <= o <= 10_000 for o in value):
        return "must list at most 5 clock offsets in ms (each within ±10000)"
    return None


def _scalar(value, nullable):
    if value is None:
        return nullable
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and 0 < len(value) <= 24)


# Field checks for the user actions (see UserAction): what is wrong with a field, or None.

def _key(sim, action, field):
    keys = sim.config["keys"]
    if action.get(field) not in keys:
        return f"{action['type']} needs '{field}', one of: {', '.join(keys)}"
    return None


def _scalar_field(sim, action, field):
    # Only a compare-and-set's 'from' may be null: it expects a key never written.
    nullable = field == "from"
    if not _scalar(action.get(field), nullable):
        return (f"'{field}' must be a number or a short string"
                + (" (or null)" if nullable else ""))
    return None


def _via(sim, action, field):
    via = action.get(field)
    if via is None:
        return None
    mode = sim.config["mode"]
    replicas = [n for n in sim.nodes if n.startswith("r")]
    if mode == "leaderless":
        return "leaderless requests go to every replica: no 'via'"
    if via not in replicas:
        return f"'via' must be a replica: {', '.join(replicas)}"
    if mode == "single-leader" and action["type"] != "read" and via != "r1":
        return "with a single leader, writes and compare-and-sets go to the leader r1"
    return None


VARIANTS = {
    "correct": "single leader; reads, writes and compare-and-set at the leader: linearizable "
               "(the options can change that -- the linearizable check tells)",
    "follower-reads": "single leader with asynchronous followers, reads from any replica: a "
                      "read can be stale",
    "multi-leader": "every replica a leader, asynchronous replication, last writer wins: "
                    "concurrent updates are lost",
    "leaderless": "N=3 replicas, quorums W=2 and R=2 (W + R > N), no read repair: still a "
                  "read can be stale while a write is in flight",
}



# ---------------------------------------------------------------------------------------
# Presets: the stories, as scripted runs
# ---------------------------------------------------------------------------------------

def _deliver(*ids):
    return [{"type": "deliver", "msg": m} for m in ids]


def _op(kind, node, key, **fields):
    return [dict({"type": kind, "node": node, "key": key}, **fields)]


PRESETS = {
    "quorum-stale-read": {
        "title": "Leaderless: a stale read although W + R > N",
        "summary": "N = 3, W = 3, R = 2 (DDIA figure 9-6). While a write is in flight, one "
                   "reader meets the new value at one replica; a later reader meets two "
                   "replicas that have not got it yet, and reads the old value.",
        "variant": "leaderless",
        "config": {"replicas": 3, "w": 3, "r": 2, "clients": 3, "operations": 0,
                   "read_repair": "off", "fault_drop": 0.0},
        "seed": 1,
        "actions": _op("write", "c1", "x", value=1) + _deliver(1, 2, 4, 5, 6)
        + _op("read", "c2", "x") + _deliver(10, 11, 13, 14)
        + _op("read", "c3", "x") + _deliver(16, 12, 17, 18, 20)
        + _deliver(3, 21, 7, 8, 9, 22, 23, 15, 19, 24),
        "narration": {
            "1": "c1 writes x = 1. First it asks the replicas for the current version "
                 "(so its write gets a higher one).",
            "5": "Two replicas answered (R = 2): c1 sends x = 1, version 1, to all three and "
                 "will wait for W = 3 acknowledgements.",
            "6": "Only r1 has the new value so far; the other two PUTs are still on their way.",
            "11": "c2 reads from r1 and r2: versions 1 and 0. It returns the newest: 1.",
            "12": "c2's read is over. Now c3 starts a read...",
            "17": "...and meets r2 and r3, which both still hold the old value: c3 reads nil. "
                  "A read that began after another read had returned 1 gets the older value: "
                  "not linearizable, though W + R > N.",
            "24": "The write completes at last. Synchronous read repair (read_repair: sync) "
                  "would have made c2 write 1 back to a quorum before answering.",
        },
    },
    "async-follower-stale-read": {
        "title": "Single leader: an asynchronous follower serves a stale read",
        "summary": "The leader acknowledges the write at once; r3 has not got it yet and "
                   "answers a later read with the old value.",
        "variant": "follower-reads",
        "config": {"clients": 2, "operations": 0, "fault_drop": 0.0},
        "seed": 1,
        "actions": _op("write", "c1", "x", value=1) + _deliver(1, 2, 3, 5)
        + _op("read", "c2", "x", via="r2") + _deliver(6, 7)
        + _op("read", "c2", "x", via="r3") + _deliver(8, 9, 4, 10)
        + _op("read", "c2", "x", via="r3") + _deliver(11, 12),
        "narration": {
            "2": "The leader r1 appends x = 1 to its log and sends it to both followers — "
                 "asynchronously: it does not wait for them.",
            "3": "c1 is told the write succeeded.",
            "8": "c2 reads at r2, which has the write: 1.",
            "11": "c2 reads at r3, whose copy of the log is still in flight: nil. The write "
                  "had completed before this read began — a stale read.",
            "16": "Once r3 catches up it answers 1. Reads at the leader (variant correct) "
                  "never see this.",
        },
    },
    "lost-update": {
        "title": "Multi-leader: last writer wins discards a write",
        "summary": "c1 writes at r1 and c2 at r2 at the same time. Both are told OK; when the "
                   "leaders exchange the writes, the one with the smaller timestamp is "
                   "silently dropped everywhere.",
        "variant": "multi-leader",
        "config": {"operations": 0},
        "seed": 1,
        "actions": _op("write", "c1", "x", value=11) + _op("write", "c2", "x", value=12)
        + _deliver(1, 2, 5, 8, 3, 6, 4, 7, 9, 10, 11, 12)
        + _op("read", "c1", "x") + _deliver(13, 14),
        "narration": {
            "4": "Each leader accepts its client's write at once, stamped with its clock.",
            "6": "Both clients have been told their write succeeded.",
            "7": "r2 receives c1's write: its own has the later timestamp, so c1's is "
                 "discarded — an update lost.",
            "17": "c1 reads back 12, not its 11. Plain writes that are concurrent may be "
                  "ordered either way, so this history is still linearizable; the next "
                  "preset shows what a lost update does to a compare-and-set.",
        },
    },
    "username-race": {
        "title": "Username registration race: two leaders both say yes",
        "summary": "alice (at r1) and bob (at r2) claim the username jim with "
                   "compare-and-set nil → name. Each leader checks only its own copy: both "
                   "succeed, then last writer wins keeps one.",
        "variant": "multi-leader",
        "config": {"operations": 0, "keys": ["jim"]},
        "seed": 1,
        "actions": _op("cas", "c1", "jim", **{"from": None, "to": "alice"})
        + _op("cas", "c2", "jim", **{"from": None, "to": "bob"})
        + _deliver(1, 2, 5, 8, 3, 4, 6, 7, 9, 10, 11, 12),
        "narration": {
            "2": "Two people try to register the same username at the same moment.",
            "6": "Both are told the name is theirs: two successful compare-and-sets from nil "
                 "cannot be put in one order. Not linearizable.",
            "7": "The leaders exchange the claims; last writer wins keeps bob's, and alice "
                 "has silently lost her username.",
        },
    },
    "username-at-the-leader": {
        "title": "Username registration at a single leader: exactly one wins",
        "summary": "The same race, but both claims go to the one leader, which decides them "
                   "in order: one succeeds, the other fails.",
        "variant": "correct",
        "config": {"operations": 0, "keys": ["jim"]},
        "seed": 1,
        "actions": _op("cas", "c1", "jim", **{"from": None, "to": "alice"})
        + _op("cas", "c2", "jim", **{"from": None, "to": "bob"})
        + _deliver(1, 2, 3, 4, 5, 6, 7, 8),
        "narration": {
            "3": "The leader takes alice's claim first: jim is free, so it is hers (once the "
                 "synchronous follower r2 has it).",
            "4": "bob's claim finds jim taken: it fails.",
            "10": "alice is told she won. One copy, one order: linearizable.",
        },
    },
    "image-resizer": {
        "title": "The image resizer fetches an old version",
        "summary": "A web server uploads v1, v2, v3 in quick succession and after each tells "
                   "the resizer through a message queue; the resizer fetches from its nearest "
                   "replica, an asynchronous follower, and processes an old image.",
        "variant": "follower-reads",
        "config": {"image_resizer": True, "clients": 2, "operations": 0, "keys": ["image"],
                   "fault_drop": 0.0, "latency": [10, 40]},
        "seed": 1,
        "actions": _op("write", "c1", "image", value="v1") + _deliver(1, 2, 4)
        + _op("write", "c1", "image", value="v2") + _deliver(7, 8)
        + _op("write", "c1", "image", value="v3") + _deliver(12, 13)
        + _deliver(5, 11, 16, 17, 20, 21, 18, 19, 22, 23),
        "narration": {
            "1": "The web server stores the uploaded image, v1, at the leader.",
            "4": "r3, the replica nearest the resizer, receives v1.",
            "10": "v2 and v3 follow quickly; r3 has not received them yet.",
            "13": "Each upload put a message on the queue: \"resize the image\".",
            "16": "The resizer fetches the image from r3 and gets v1 — although v2 was "
                  "stored before it asked. The two channels (queue and replication) race.",
            "20": "Told about v2, it fetches again and still gets v1: it resizes an old image.",
        },
    },
}


class Replication(Protocol):
    name = "replication"
    title = "Replication and linearizability"
    summary = ("Single-leader, multi-leader and leaderless replication, with a checker that "
               "shows when the client history stops looking like a single copy.")
    variants = VARIANTS
    options = {
        "mode": Option("single-leader", "how the replicas are organised", kind=str,
                       choices=MODES),
        "replicas": Option(3, "number of replicas N", minimum=2, maximum=5),
        "clients": Option(2, "number of clients", minimum=1, maximum=4),
        "keys": Option(["x"], "the keys clients use", kind=list, validate=_keys),
        "operations": Option(3, "operations each client runs on its own (auto-play)",
                             minimum=0, maximum=9),
        "cas": Option(True, "auto-play includes compare-and-set where the mode offers it",
                      kind=bool),
        "read_from": Option("leader", "single-leader: where reads go", kind=str,
                            choices=("leader", "any")),
        "sync_followers": Option(["r2"], "single-leader: followers replicated synchronously "
                                 "(the rest asynchronously)", kind=list,
                                 validate=_replica_list),
        "clock_offsets": Option([], "multi-leader: each leader's clock skew in ms, "
                                "e.g. [0, -50]", kind=list, validate=_offsets),
        "w": Option(2, "leaderless: write quorum W", minimum=1, maximum=5),
        "r": Option(2, "leaderless: read quorum R", minimum=1, maximum=5),
        "read_repair": Option("off", "leaderless: write the newest value back to stale "
                              "replicas after a read: off, async, or sync (wait for W)",
                              kind=str, choices=("off", "async", "sync")),
        "image_resizer": Option(False, "the image-resizer story: c1 is a web server that "
                                "uploads images and notifies c2, the resizer, through a "
                                "message queue", kind=bool),
    }
    presets = PRESETS
    user_actions = {
        "read": UserAction("A client reads a key (optionally \"via\" a chosen replica)",
                           role="client", fields={"key": _key, "via": _via}),
        "write": UserAction("A client writes a value to a key", role="client",
                            fields={"key": _key, "value": _scalar_field, "via": _via}),
        "cas": UserAction("A client compare-and-sets a key: from → to (not in leaderless mode)",
                          role="client", fields={"key": _key, "from": _scalar_field,
                                                 "to": _scalar_field, "via": _via}),
    }

    def explore_defaults(self, variant=None):
        # The counterexample search (protocols/explore.py): two clients and two operations in
        # all, each a read, write or compare-and-set the search picks. Replicas keep their
        # data on disk, so a crash is no more than messages not delivered for a while, which
        # the search tries anyway. Only multi-leader's last-writer-wins timestamps read the
        # clock; the linearizable check orders operations by their steps.
        return {"config": {"clients": 2, "operations": 0},
                "clock": "running" if variant == "multi-leader" else "frozen",
                "faults": {"crashes": 0, "requests": 2}}

    def defaults(self, variant=None):
        config = super().defaults(variant)
        # The unsafe forms start with the conditions that expose them: more clients, a
        # wider latency spread and some lost messages (a replica that missed a write).
        if variant == "follower-reads":
            config.update(read_from="any", sync_followers=[], clients=3, operations=6,
                          latency=[10, 150], fault_drop=0.1)
        elif variant == "multi-leader":
            config.update(mode="multi-leader", operations=4)
        elif variant == "leaderless":
            config.update(mode="leaderless", clients=3, operations=6, latency=[10, 60],
                          fault_drop=0.1)
        return config

    def validate_config(self, config):
        n = config["replicas"]
        ids = [f"r{i + 1}" for i in range(n)]
        for f in config["sync_followers"]:
            if f not in ids[1:]:
                raise ConfigError(f"config.sync_followers: {f!r} is not a follower "
                                  f"(followers: {', '.join(ids[1:])})")
        for quorum in ("w", "r"):
            if config[quorum] > n:
                raise ConfigError(f"config.{quorum} must be at most replicas ({n})")
        if config["image_resizer"] and config["clients"] < 2:
            raise ConfigError("config.image_resizer needs at least 2 clients")

    def build(self, sim):
        cfg = sim.config
        mode = cfg["mode"]
        for i in range(cfg["replicas"]):
            rid = f"r{i + 1}"
            if mode == "single-leader":
                if i == 0:
                    sim.add_node(Leader, rid, f"{rid} (leader)")
                else:
                    sync = "sync" if rid in cfg["sync_followers"] else "async"
                    sim.add_node(Follower, rid, f"{rid} (follower, {sync})")
            elif mode == "multi-leader":
                sim.add_node(MultiLeader, rid, f"{rid} (leader)")
            else:
                sim.add_node(QuorumReplica, rid, f"{rid} (replica)")
        for i in range(cfg["clients"]):
            cid = f"c{i + 1}"
            props = {"index": i + 1, "operations": cfg["operations"]}
            label = cid
            if cfg["image_resizer"] and i == 0:
                props["story"], label = "web", "c1 (web server)"
            elif cfg["image_resizer"] and i == 1:
                props.update(story="resizer", operations=0)
                label = "c2 (image resizer)"
            elif mode == "multi-leader":
                home = f"r{i % cfg['replicas'] + 1}"
                label = f"{cid} (at {home})"
            sim.add_node(Client, cid, label, **props)
        if cfg["image_resizer"]:
            sim.add_node(Queue, "queue", "message queue")

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        out = []
        cfg = sim.config
        for cid in sim.node_ids("client"):
            client = sim.nodes[cid]
            if sim.status[cid] != "up" or client.volatile.op is not None:
                continue
            for key in cfg["keys"]:
                if cfg["mode"] == "single-leader" and cfg["read_from"] == "any":
                    out.extend({"type": "read", "node": cid, "key": key, "via": r}
                               for r in sim.node_ids("leader") + sim.node_ids("follower"))
                else:
                    out.append({"type": "read", "node": cid, "key": key})
                out.append({"type": "write", "node": cid, "key": key,
                            "value": client.next_value()})
                if offers_cas(cfg):
                    out.append({"type": "cas", "node": cid, "key": key,
                                "from": client.volatile.seen.get(key),
                                "to": client.next_value()})
        return out

    def why_not_enabled(self, sim, client, action):
        if action["type"] == "cas" and not offers_cas(sim.config):
            return "leaderless replication offers no compare-and-set: it needs consensus"
        if client.volatile.op is not None:
            return (f"{client.id} is still waiting for its {client.volatile.op['kind']}: "
                    "a client runs one operation at a time")
        return None

    def on_read(self, sim, client, action):
        client.begin("read", action["key"], via=action.get("via"))

    def on_write(self, sim, client, action):
        client.begin("write", action["key"], value=action["value"], via=action.get("via"))

    def on_cas(self, sim, client, action):
        client.begin("cas", action["key"], value=action["to"], expected=action.get("from"),
                     via=action.get("via"))

    # -- checks --------------------------------------------------------------------------
    def checks(self, sim):
        out = [live_check(sim, "linearizable")]
        mode = sim.config["mode"]
        if mode == "single-leader":
            out.append(_lag(sim))
        elif mode == "multi-leader":
            out.append(_lost_updates(sim))
        else:
            out.append(_quorums(sim))
        if sim.config["image_resizer"]:
            out.append(_resizer(sim))
        return out

    def view(self, sim):
        from protocols.panels.replication import view  # its panels, as data
        return view(sim)


def _lag(sim):
    leader = sim.nodes["r1"]
    length = len(leader.durable.log)
    behind = []
    for f in sim.node_ids("follower"):
        missing = length - len(sim.nodes[f].durable.log)
        if missing > 0:
            mode = "sync" if f in sim.config["sync_followers"] else "async"
            behind.append(f"{f} ({mode}) is {missing} write{'s' if missing > 1 else ''} behind")
    if behind:
        return {"name": "replication lag", "ok": True, "warn": True,
                "detail": "; ".join(behind) + ": a read there returns an older value"}
    return {"name": "replication lag", "ok": True, "warn": False,
            "detail": "every follower has the leader's whole log"}


def _lost_updates(sim):
    lost, seen = [], set()
    for r in sim.node_ids("leader"):
        for entry in sim.nodes[r].durable.lost:
            if entry["op"] not in seen:
                seen.add(entry["op"])
                lost.append(entry)
    if not lost:
        return {"name": "no lost updates", "ok": True,
                "detail": "no acknowledged write was discarded by last-writer-wins"}
    text = "; ".join(f"{e['client']}'s {e['key']}={_label(e['value'])} (op {e['op']}) lost to "
                     f"{e['by_client']}'s {_label(e['by_value'])} (op {e['by_op']})"
                     for e in lost)
    events = [e["i"] for e in sim.trace if e["type"] == "note" and "lost" in e.get("data", {})]
    return {"name": "no lost updates", "ok": False, "detail": "last writer wins: " + text,
            "events": events, "ops": [e["op"] for e in lost]}


def _quorums(sim):
    cfg = sim.config
    n, w, r = cfg["replicas"], cfg["w"], cfg["r"]
    if w + r > n:
        detail = (f"W + R = {w} + {r} > N = {n}: every read quorum meets every write quorum"
                  + ("" if cfg["read_repair"] == "sync" else
                     " — yet without synchronous read repair a read can be stale while a "
                     "write is in flight"))
        return {"name": "quorums overlap", "ok": True, "warn": False, "detail": detail}
    return {"name": "quorums overlap", "ok": True, "warn": True,
            "detail": f"W + R = {w} + {r} ≤ N = {n}: a read can miss a completed write"}


def _resizer(sim):
    stale = [r for r in sim.nodes["c2"].durable.get("resized", []) if r["stale"]]
    if stale:
        d = stale[0]
        return {"name": "resizer fetched the uploaded image", "ok": False,
                "detail": f"the resizer was told about {_label(d['told'])} but fetched "
                          f"{_label(d['fetched'])}, an older version, from a replica that did "
                          "not have the new one yet",
                "events": [e["i"] for e in sim.trace if e["type"] == "note"
                           and e.get("data", {}).get("stale")]}
    return {"name": "resizer fetched the uploaded image", "ok": True,
            "detail": "every image the resizer processed was the version it was told about"}
