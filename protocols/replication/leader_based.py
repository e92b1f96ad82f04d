"""What the two leader-based modes share (DDIA ch. 5, "Leaders and Followers" and
"Multi-Leader Replication").

Every replica keeps a copy of the data and a log of writes on disk, serves reads from its
own copy, and answers a duplicated request as it answered the first (without applying it
twice). A leader takes a client's write at once and judges a compare-and-set against its
own copy; how it then replicates the write, and when it answers, is its mode's own
(single_leader.py, multi_leader.py). Both ship their log the same way: LogShipping.
"""

from ..kernel import Node, shown

RESEND_INTERVAL = 200     # a leader resends what a replica has not acknowledged


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
        text = ", ".join(f"{k}={shown(self.value(k))}" for k in sorted(data)) or "empty"
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


def writes_text(entries):
    """What a batch of replicated writes carries, in a few words (its label: x=1 y=nil)."""
    return " ".join(f"{e['key']}={shown(e['value'])}" for e in entries)
