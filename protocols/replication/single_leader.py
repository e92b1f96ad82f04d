"""Single-leader replication (DDIA ch. 5, "Leaders and Followers"; ch. 9 on which reads
are linearizable).

Writes and compare-and-sets go to the leader r1, which appends them to its log and sends
the log on to the followers (APPEND): synchronously to those in `sync_followers` -- the
client hears WRITTEN only once they have acknowledged (APPENDED) -- and asynchronously to
the rest. Reads go to the leader, or to any replica (`read_from`). Reads at the leader are
linearizable; a read at an asynchronous follower may be stale: the write was acknowledged
before that follower had it.

There is no failover here: a crashed leader keeps its log on disk and carries on when it
restarts (leader election is the election protocol).
"""

from .leader_based import LeaderReplica, LogShipping, Replica, writes_text


class Leader(LogShipping, LeaderReplica):
    role = "leader"
    timers = ("resend",)

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
        self.send(follower, "APPEND", writes=writes_text(entries), prev=start, entries=entries,
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
    """Applies the leader's log in order and says how much of it it has."""

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
