"""The sequencer of an epoch: it gives each message the next slot, sends it to every
node to store, counts their acknowledgements, and tells them how far the log is stored
at a majority -- so deliverable -- sending again to whoever lags behind."""

from .claims import claim_text

RESEND_INTERVAL = 150     # the sequencer re-sends to nodes that have not stored or delivered


class Sequencing:
    """A member's part while it leads an epoch (mixed into nodes.Member)."""

    def lead(self):
        """Sequence this epoch; what the others have stored is learnt from their acks."""
        self.volatile.sequencer = {"stored": {n: 0 for n in self.others},
                                   "delivered": {n: 0 for n in self.others}}
        self.keep_resending()

    def sequence(self, msg):
        """Give the message the next slot and send it to everyone."""
        slot = len(self.durable.log) + 1
        self.store(slot, self.durable.epoch, msg)
        self.note(f"#{slot} ← {claim_text(msg)}", slot=slot)
        for other in self.others:
            self.send_order(other, slot)
        self.keep_resending()
        self.deliver_ready()   # not yet: it waits in the hold-back queue for a majority

    def send_order(self, dst, slot):
        entry = self.stored(slot)
        self.send(dst, "ORDER", epoch=self.durable.epoch, slot=slot, msg=entry["msg"],
                  commit=self.volatile.commit["upto"])

    def on_ack(self, src, epoch, stored, delivered):
        lead = self.volatile.sequencer
        if lead is None or epoch != self.durable.epoch:
            return
        lead["stored"][src] = max(lead["stored"][src], stored)
        lead["delivered"][src] = max(lead["delivered"][src], delivered)
        self.advance_commit()

    def advance_commit(self):
        """A slot is committed once a majority (this node included) has stored it."""
        lead = self.volatile.sequencer
        counts = sorted([len(self.durable.log)] + list(lead["stored"].values()), reverse=True)
        upto = counts[self.majority - 1]
        commit = self.volatile.commit
        if upto > commit["upto"]:
            commit["upto"] = upto
            self.deliver_ready()
            for other in self.others:
                self.send(other, "COMMIT", epoch=self.durable.epoch, upto=upto,
                          length=len(self.durable.log))
            self.keep_resending()

    def keep_resending(self):
        if not self.has_timer("resend") and self.laggards():
            self.set_timer("resend", RESEND_INTERVAL)

    def laggards(self):
        lead = self.volatile.sequencer
        last, upto = len(self.durable.log), self.volatile.commit["upto"]
        return [n for n in self.others if lead["stored"][n] < last or lead["delivered"][n] < upto]

    def on_resend(self):
        lead = self.volatile.sequencer
        if lead is None:
            return
        for other in self.laggards():
            if lead["stored"][other] < len(self.durable.log):
                for slot in range(lead["stored"][other] + 1, len(self.durable.log) + 1):
                    self.send_order(other, slot)
            else:
                self.send(other, "COMMIT", epoch=self.durable.epoch,
                          upto=self.volatile.commit["upto"], length=len(self.durable.log))
        self.keep_resending()

