"""Total order broadcast's nodes (DDIA ch. 9, "Total Order Broadcast" and "Implementing
linearizable storage using total order broadcast").

Every node delivers the same messages in the same order. One node, the *sequencer*,
gives each message the next sequence number -- its slot in the log -- and every node
delivers slot 1, 2, 3, ... strictly in order, keeping a message that arrives before the
ones it follows in a *hold-back queue*.

If the sequencer crashes, another node takes over without forgetting a number already
handed out: DDIA's "epoch numbering and quorums". A sequencer leads one *epoch*
(the sequencer of epoch e is node e, counting round the nodes). A sequenced message is
delivered only once a majority of nodes have stored it. A node that suspects the
sequencer bids for the next epoch it would lead; every node that promises to follow it
sends what it has stored, and once a majority has answered, that majority includes a
node holding every message that may have been delivered anywhere. The new sequencer
re-sends those in its own epoch, in the same slots; slots nobody reported get a no-op.
Messages it never heard of were never sequenced: their senders send them again.

With that, the log is a linearizable compare-and-set. To claim a username a node appends
a claim to the log, waits until its own message is delivered back, and looks at the
delivered log: if the first claim for that name is its own, the name is yours; if
another came first, the claim fails.

This module is what every member does: claim, send to the sequencer, store and deliver
in order. The sequencer's part is in nodes_sequencer.py, the change of epoch in
nodes_epochs.py, and the unsafe variant ``lamport-early`` in nodes_lamport_early.py.
"""

from .claims import Claimant, claim_text, first_claims, invoke_claim
from .group import node_ids, sequencer_of
from .nodes_epochs import EpochChange
from .nodes_sequencer import Sequencing

RETRY_INTERVAL = 200      # a node re-sends its unsequenced messages to the sequencer
SUSPECT_AFTER = 2         # retries without a word from the sequencer before suspecting it


class Member(Sequencing, EpochChange, Claimant):
    """A node of the broadcast group: it claims names for its users, stores and delivers
    the log, and sequences it while it leads an epoch."""

    timers = ("claim-at", "retry", "resend", "election-timeout")

    def initial_durable(self):
        # epoch: the highest epoch this node has promised to follow.
        # log: what it has stored, by slot: {"epoch" that sequenced it, "msg"}, or None
        #      for a slot not heard of yet.
        # delivered: what it has delivered, in order; once written, never changed.
        # led: the epoch this node won as sequencer. Epoch 1 needs no bid: nothing has
        #      been stored yet, so there is nothing to recover.
        led = 1 if self.id == sequencer_of(1, self.ids) else 0
        return {"epoch": 1, "led": led, "log": [], "delivered": [], "next_id": 1}

    def initial_volatile(self):
        # commit: slots up to `upto` are stored at a majority in `epoch`, so deliverable.
        # sequencer: set while this node leads an epoch (what each node has acknowledged).
        # outbox: own messages sent but not yet delivered back; claims: message -> operation.
        return {"commit": {"epoch": self.durable.epoch, "upto": 0}, "hold_back": [],
                "sequencer": None, "election": None, "outbox": [], "claims": {},
                "silence": 0}

    def on_start(self):
        super().on_start()
        if self.durable.led == self.durable.epoch:
            # A sequencer that restarts carries on from its log on disk, which holds every
            # number it gave out; if a later epoch has begun, the first reply says so.
            self.lead()
        self.deliver_ready()

    def summary(self):
        v, d = self.volatile, self.durable
        if v.sequencer is not None:
            role = f"sequencer of epoch {d.epoch}"
        elif v.election is not None:
            role = f"bidding to sequence epoch {v.election['epoch']}"
        else:
            role = f"epoch {d.epoch}, sequencer {self.sequencer()}"
        text = f"{role}; delivered {len(d.delivered)}"
        if v.hold_back:
            text += f", holding back #{', #'.join(str(h['slot']) for h in v.hold_back)}"
        return text

    # -- small facts ---------------------------------------------------------------------
    @property
    def ids(self):
        return node_ids(self.config)

    @property
    def others(self):
        return [n for n in self.ids if n != self.id]

    @property
    def majority(self):
        return len(self.ids) // 2 + 1

    def sequencer(self):
        return sequencer_of(self.durable.epoch, self.ids)

    def stored(self, slot):
        log = self.durable.log
        return log[slot - 1] if slot <= len(log) else None

    def store(self, slot, epoch, msg):
        log = self.durable.log
        while len(log) < slot:
            log.append(None)
        log[slot - 1] = {"epoch": epoch, "msg": msg}

    def matched(self):
        """How many slots, from the first, this node has stored in its current epoch."""
        count = 0
        while True:
            entry = self.stored(count + 1)
            if entry is None or entry["epoch"] != self.durable.epoch:
                return count
            count += 1

    # -- a user claims a name ---------------------------------------------------------------
    def claim(self, user, name):
        d = self.durable
        msg = {"id": f"{self.id}.{d.next_id}", "node": self.id, "user": user, "name": name}
        d.next_id += 1
        self.volatile.claims[msg["id"]] = invoke_claim(self, msg)
        self.note(f"claim {claim_text(msg)}", claim=msg["id"])
        self.volatile.outbox.append(msg)
        self.submit(msg)
        self.keep_waiting()

    def settle_claim(self, msg):
        """Our own claim came back: the first claim for the name in the delivered log wins."""
        op = self.volatile.claims.pop(msg["id"])
        first = first_claims(self.durable.delivered)[msg["name"]]
        if first["id"] == msg["id"]:
            self.complete(op, "ok", "yours")
            self.note(f"“{msg['name']}” is yours, {msg['user']}", tone="ok", claim=msg["id"],
                      won=True)
        else:
            self.complete(op, "fail", f"taken by {first['user']}")
            self.note(f"“{msg['name']}” is taken (by {first['user']})", tone="warning",
                      claim=msg["id"], won=False)

    # -- broadcasting: to the sequencer ------------------------------------------------------
    def submit(self, msg):
        if self.volatile.sequencer is not None:
            self.sequence(msg)
        elif self.volatile.election is not None:
            pass   # bidding: once sequencer, it sequences its outbox
        elif self.sequencer() == self.id:
            # This node should be sequencing but is not (it restarted): bid anew.
            self.start_election()
        else:
            self.send(self.sequencer(), "SUBMIT", epoch=self.durable.epoch, msg=msg)

    def on_submit(self, src, epoch, msg):
        if self.volatile.sequencer is None:
            if self.sequencer() == self.id and self.volatile.election is None:
                self.start_election()
            return   # not sequencing now: the sender will try again
        if not any(e is not None and e["msg"]["id"] == msg["id"] for e in self.durable.log):
            self.sequence(msg)

    def keep_waiting(self):
        """While something of ours is unsequenced or undelivered, retry now and then --
        and notice if the sequencer has gone quiet."""
        v = self.volatile
        waiting = v.outbox or any(h["epoch"] == self.durable.epoch for h in v.hold_back)
        if waiting and v.sequencer is None and v.election is None:
            if not self.has_timer("retry"):
                self.set_timer("retry", RETRY_INTERVAL + self.rng.randint(0, 50))
        else:
            self.cancel_timer("retry")

    def on_retry(self):
        v = self.volatile
        v.silence += 1
        if v.silence > SUSPECT_AFTER:
            self.note(f"no word from sequencer {self.sequencer()}: suspect it", tone="warning")
            self.start_election()
            return
        for msg in v.outbox:
            self.submit(msg)
        self.keep_waiting()

    # -- every node: store, then deliver in order ----------------------------------------------
    def follow(self, src, epoch):
        """Accept a message from the sequencer of `epoch` -- unless we promised a later one."""
        if epoch < self.durable.epoch:
            self.send(src, "REJECT", epoch=self.durable.epoch)
            return False
        if epoch > self.durable.epoch:
            self.enter_epoch(epoch)
        self.volatile.silence = 0
        return True

    def on_order(self, src, epoch, slot, msg, commit):
        if not self.follow(src, epoch):
            return
        self.store(slot, epoch, msg)
        self.volatile.commit["upto"] = max(self.volatile.commit["upto"], commit)
        self.deliver_ready()
        self.acknowledge()

    def on_commit(self, src, epoch, upto, length):
        if not self.follow(src, epoch):
            return
        # Beyond the sequencer's log, anything stored from an earlier epoch was never
        # committed (the sequencer recovered all that was) and will be overwritten.
        log = self.durable.log
        while len(log) > length and (log[-1] is None or log[-1]["epoch"] < epoch):
            log.pop()
        self.volatile.commit["upto"] = max(self.volatile.commit["upto"], upto)
        self.deliver_ready()
        self.acknowledge()

    def acknowledge(self):
        """Tell the sequencer how far this node has stored and delivered."""
        if self.sequencer() != self.id:
            self.send(self.sequencer(), "ACK", epoch=self.durable.epoch,
                      stored=self.matched(), delivered=len(self.durable.delivered))

    def deliver_ready(self):
        """Deliver the next slots while they are stored and committed; hold back the rest."""
        d, v = self.durable, self.volatile
        while True:
            slot = len(d.delivered) + 1
            entry = self.stored(slot)
            if (entry is None or slot > v.commit["upto"]
                    or entry["epoch"] != v.commit["epoch"]):
                break
            self.deliver(slot, entry["msg"])
        v.hold_back = [self.held(slot, entry) for slot, entry in enumerate(d.log, 1)
                       if entry is not None and slot > len(d.delivered)]
        self.keep_waiting()

    def held(self, slot, entry):
        first_gap = len(self.durable.delivered) + 1
        while self.stored(first_gap) is not None and first_gap < slot:
            first_gap += 1
        if first_gap < slot:
            why = f"waiting for #{first_gap}"
        elif entry["epoch"] < self.durable.epoch:
            why = f"stored in epoch {entry['epoch']}: waiting for the new sequencer"
        else:
            why = "waiting until a majority has it"
        return {"slot": slot, "id": entry["msg"]["id"], "epoch": entry["epoch"], "why": why}

    def deliver(self, slot, msg):
        d = self.durable
        record = dict(msg, slot=slot)
        if any(m["id"] == msg["id"] for m in d.delivered):
            # Sequenced twice (re-sent around a failover): deliver it once only.
            record["duplicate"] = True
        d.delivered.append(record)
        duplicate = record.get("duplicate")
        self.note(f"deliver #{slot}: {claim_text(msg)}"
                  + (" (duplicate, skipped)" if duplicate else ""),
                  tone="warning" if duplicate else None, slot=slot, id=msg["id"])
        v = self.volatile
        v.outbox = [m for m in v.outbox if m["id"] != msg["id"]]
        if msg["id"] in v.claims and not record.get("duplicate"):
            self.settle_claim(msg)

