"""A new epoch: failover without forgetting a number already handed out (DDIA's "epoch
numbering and quorums").

A node that suspects the sequencer bids for the next epoch it would lead (NEW-EPOCH).
Every node that has promised no later epoch promises this one -- durably -- and answers
with everything it has stored (EPOCH-OK); from then on it refuses the older epochs
(REJECT). With a majority of answers, the bidder holds every message that may have been
delivered anywhere: for each slot it keeps the one stored in the highest epoch, fills
slots nobody reported with a no-op, and sends them all again in its own epoch."""

from .group import sequencer_of

ELECTION_TIMEOUT = 300    # a bid for an epoch that gets no majority is tried again, higher


class EpochChange:
    """A member's part in a change of epoch, as bidder or as voter (mixed into
    nodes.Member)."""

    def enter_epoch(self, epoch):
        """Promise to follow `epoch` (durably: a promise must survive a crash)."""
        self.durable.epoch = epoch
        v = self.volatile
        if v.sequencer is not None:
            self.note(f"epoch {epoch} has begun: stop sequencing", tone="warning")
            self.cancel_timer("resend")
        v.sequencer = None
        v.election = None
        self.cancel_timer("election-timeout")
        v.commit = {"epoch": epoch, "upto": 0}
        v.silence = 0

    def start_election(self):
        epoch = self.durable.epoch + 1
        while sequencer_of(epoch, self.ids) != self.id:
            epoch += 1
        self.enter_epoch(epoch)
        self.volatile.election = {"epoch": epoch, "voters": [self.id], "recovered": []}
        self.recover(self.stored_entries())
        self.note(f"bid to sequence epoch {epoch}")
        for other in self.others:
            self.send(other, "NEW-EPOCH", epoch=epoch)
        self.cancel_timer("retry")
        self.set_timer("election-timeout", ELECTION_TIMEOUT + self.rng.randint(0, 100))

    def stored_entries(self):
        return [dict(entry, slot=slot) for slot, entry in enumerate(self.durable.log, 1)
                if entry is not None]

    def recover(self, entries):
        """Keep, for each slot, the message stored in the highest epoch."""
        recovered = self.volatile.election["recovered"]
        for entry in entries:
            while len(recovered) < entry["slot"]:
                recovered.append(None)
            mine = recovered[entry["slot"] - 1]
            if mine is None or entry["epoch"] > mine["epoch"]:
                recovered[entry["slot"] - 1] = {"epoch": entry["epoch"], "msg": entry["msg"]}

    def on_new_epoch(self, src, epoch):
        if epoch > self.durable.epoch:
            self.enter_epoch(epoch)
        elif not (epoch == self.durable.epoch and sequencer_of(epoch, self.ids) == src):
            self.send(src, "REJECT", epoch=self.durable.epoch)
            return
        self.send(src, "EPOCH-OK", epoch=epoch, stored=self.stored_entries())
        self.keep_waiting()

    def on_epoch_ok(self, src, epoch, stored):
        bid = self.volatile.election
        if bid is None or bid["epoch"] != epoch or src in bid["voters"]:
            return
        bid["voters"].append(src)
        self.recover(stored)
        if len(bid["voters"]) >= self.majority:
            self.become_sequencer()

    def on_reject(self, src, epoch):
        if epoch > self.durable.epoch:
            self.enter_epoch(epoch)
            self.keep_waiting()

    def on_election_timeout(self):
        if self.volatile.election is None:
            return
        if self.volatile.outbox or self.volatile.hold_back:
            self.start_election()
        else:
            self.volatile.election = None   # nothing waits on a sequencer: stop bidding

    def become_sequencer(self):
        epoch = self.durable.epoch
        recovered = self.volatile.election["recovered"]
        self.volatile.election = None
        self.cancel_timer("election-timeout")
        log = []
        for slot, entry in enumerate(recovered, 1):
            # A slot no one in the majority stored cannot have been delivered anywhere.
            msg = entry["msg"] if entry is not None else {"id": f"noop.{epoch}.{slot}",
                                                           "noop": True}
            log.append({"epoch": epoch, "msg": msg})
        self.durable.log = log
        self.durable.led = epoch
        self.lead()
        self.note(f"sequencer of epoch {epoch}: {len(log)} message"
                  f"{'' if len(log) == 1 else 's'} recovered", tone="ok")
        for slot in range(1, len(log) + 1):
            for other in self.others:
                self.send_order(other, slot)
        for msg in self.volatile.outbox:
            if not any(e["msg"]["id"] == msg["id"] for e in log):
                self.sequence(msg)
        self.keep_resending()
        self.deliver_ready()

