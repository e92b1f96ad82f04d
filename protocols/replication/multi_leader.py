"""Multi-leader replication with last writer wins (DDIA ch. 5, "Multi-Leader Replication"
and "Handling Write Conflicts"; ch. 9 on why it is not linearizable).

Every replica is a leader, say one per datacenter: it accepts its clients' writes at once
(the client hears WRITTEN straight away) and replicates them to the other leaders
asynchronously (REPLICATE). Conflicting writes are resolved last-writer-wins by timestamp
[clock, leader, seq] -- the leader's clock, which `clock_offsets` skews -- so of two
concurrent writes one is silently discarded: a lost update, noted on the lifeline and
reported by the check "no lost updates". A compare-and-set is judged by one leader alone,
so two leaders can both grant the same username.
"""

from ..kernel import shown
from .leader_based import LeaderReplica, LogShipping, writes_text


class MultiLeader(LogShipping, LeaderReplica):
    """A leader in its own datacenter. `data[key]` is the winning write: value, timestamp
    [clock, origin, seq], and `deps` -- how much of each leader's log its origin had seen,
    which tells a write superseded (known to the winner) from a write lost (concurrent)."""

    role = "leader"
    timers = ("resend",)

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
            if current is not None and not knows(write, current):
                self.lose(current, write)
            self.durable.data[key] = write
        elif not knows(current, write):
            self.lose(write, current)

    def lose(self, loser, winner):
        if any(lost["op"] == loser["op"] for lost in self.durable.lost):
            return
        self.durable.lost.append({"op": loser["op"], "client": loser["client"],
                                  "key": loser["key"], "value": loser["value"],
                                  "by_op": winner["op"], "by_value": winner["value"],
                                  "by_client": winner["client"]})
        self.note(f"LWW: {loser['client']}'s {loser['key']}={shown(loser['value'])} lost to "
                  f"concurrent {winner['key']}={shown(winner['value'])} "
                  f"({winner['client']})", tone="violation", lost=loser["op"], by=winner["op"])

    # -- log shipping: REPLICATE its own writes to every peer --------------------------------
    def receivers(self):
        return self.peers()

    def acknowledged(self):
        return self.volatile.acked

    def ship(self, peer, start, entries):
        self.send(peer, "REPLICATE", writes=writes_text(entries), entries=entries,
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


def knows(a, b):
    """Had write a's leader seen write b when it accepted a? Then b is superseded, not lost."""
    return a["deps"].get(b["origin"], 0) >= b["seq"]
