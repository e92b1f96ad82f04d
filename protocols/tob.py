"""Total order broadcast, and a username claim built on it (DDIA ch. 9, "Total Order
Broadcast" and "Implementing linearizable storage using total order broadcast").

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

Variant ``lamport-early``: no log. A node broadcasts its claim with a Lamport timestamp
and, after a short wait, decides by comparing the timestamps of the claims it has seen
so far: the smallest wins. But a claim with a smaller timestamp may still be on its way,
and then two users get the same name. To be sure, the node would have to check with all
nodes -- which is what total order broadcast does.
"""

from .kernel import ConfigError, Node, Option, Protocol, UserAction
from .linearizability import live_check
from .usertext import text_field, text_problem

RETRY_INTERVAL = 200      # a node re-sends its unsequenced messages to the sequencer
SUSPECT_AFTER = 2         # retries without a word from the sequencer before suspecting it
RESEND_INTERVAL = 150     # the sequencer re-sends to nodes that have not stored or delivered
ELECTION_TIMEOUT = 300    # a bid for an epoch that gets no majority is tried again, higher
MAX_NAME = 32
SUGGESTED_USERS = ("alice", "carol", "dave", "erin", "frank")


def node_ids(config):
    return [f"n{i + 1}" for i in range(config["nodes"])]


def sequencer_of(epoch, ids):
    """The sequencer of each epoch is fixed in advance, round the nodes: n1, n2, n3, n1..."""
    return ids[(epoch - 1) % len(ids)]


def claim_text(msg):
    if msg.get("noop"):
        return "no-op"
    return f"“{msg['name']}” for {msg['user']}"


def first_claims(messages):
    """name -> the first claim for it, in the given (delivered or timestamp) order."""
    first = {}
    for msg in messages:
        if not msg.get("noop") and not msg.get("duplicate"):
            first.setdefault(msg["name"], msg)
    return first


def invoke_claim(node, claim):
    """Record the claim in the client history as what it is: a compare-and-set of the
    register named `name`, from nobody to the user (so a linearizability checker can read it)."""
    return node.invoke("cas", **{"key": claim["name"], "from": None, "to": claim["user"],
                                 "claim": claim["id"]})


class Claimant(Node):
    """A node that users ask to claim names: some claims are planned in the config."""

    role = "node"

    def on_start(self):
        for index, planned in enumerate(self.config["claims"]):
            if planned["node"] == self.id and planned["at"] > self.now:
                self.set_timer(f"claim-at {index}", planned["at"] - self.now, index=index)

    def on_claim_at(self, index):
        planned = self.config["claims"][index]
        self.claim(planned["user"], planned["name"])


class Member(Claimant):
    """A node of the broadcast group: it claims names for its users, stores and delivers
    the log, and sequences it while it leads an epoch."""

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
            self.note(f"“{msg['name']}” is yours, {msg['user']}", claim=msg["id"], won=True)
        else:
            self.complete(op, "fail", f"taken by {first['user']}")
            self.note(f"“{msg['name']}” is taken (by {first['user']})", claim=msg["id"],
                      won=False)

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
            self.note(f"no word from sequencer {self.sequencer()}: suspect it")
            self.start_election()
            return
        for msg in v.outbox:
            self.submit(msg)
        self.keep_waiting()

    # -- the sequencer ----------------------------------------------------------------------
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
        self.note(f"deliver #{slot}: {claim_text(msg)}" + (" (duplicate, skipped)"
                                                           if record.get("duplicate") else ""),
                  slot=slot, id=msg["id"])
        v = self.volatile
        v.outbox = [m for m in v.outbox if m["id"] != msg["id"]]
        if msg["id"] in v.claims and not record.get("duplicate"):
            self.settle_claim(msg)

    # -- a new epoch -------------------------------------------------------------------------
    def enter_epoch(self, epoch):
        """Promise to follow `epoch` (durably: a promise must survive a crash)."""
        self.durable.epoch = epoch
        v = self.volatile
        if v.sequencer is not None:
            self.note(f"epoch {epoch} has begun: stop sequencing")
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

    def lead(self):
        """Sequence this epoch; what the others have stored is learnt from their acks."""
        self.volatile.sequencer = {"stored": {n: 0 for n in self.others},
                                   "delivered": {n: 0 for n in self.others}}
        self.keep_resending()

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
                  f"{'' if len(log) == 1 else 's'} recovered")
        for slot in range(1, len(log) + 1):
            for other in self.others:
                self.send_order(other, slot)
        for msg in self.volatile.outbox:
            if not any(e["msg"]["id"] == msg["id"] for e in log):
                self.sequence(msg)
        self.keep_resending()
        self.deliver_ready()


class EarlyClaimer(Claimant):
    """Variant lamport-early: claims carry Lamport timestamps; a node decides after a short
    wait from the claims it has seen, without hearing from every node."""

    def initial_durable(self):
        return {"clock": 0, "seen": [], "next_id": 1}

    def initial_volatile(self):
        return {"claims": {}}

    def summary(self):
        return f"clock {self.durable.clock}, {len(self.durable.seen)} claims seen"

    def claim(self, user, name):
        d = self.durable
        d.clock += 1
        claim = {"id": f"{self.id}.{d.next_id}", "node": self.id, "user": user, "name": name,
                 "ts": [d.clock, self.id]}
        d.next_id += 1
        d.seen.append(claim)
        self.volatile.claims[claim["id"]] = invoke_claim(self, claim)
        self.note(f"({d.clock},{self.id}) claim “{name}” for {user}", claim=claim["id"])
        for other in node_ids(self.config):
            if other != self.id:
                self.send(other, "CLAIM", claim=claim)
        self.set_timer(f"decide {claim['id']}", self.config["decide_after"], claim=claim["id"])

    def on_claim(self, src, claim):
        d = self.durable
        d.clock = max(d.clock, claim["ts"][0]) + 1
        d.seen.append(claim)

    def on_decide(self, claim):
        mine = next(c for c in self.durable.seen if c["id"] == claim)
        rivals = [c for c in self.durable.seen if c["name"] == mine["name"]]
        first = min(rivals, key=lambda c: (c["ts"][0], c["ts"][1]))
        op = self.volatile.claims.pop(claim)
        if first["id"] == claim:
            self.complete(op, "ok", "yours")
            self.note(f"“{mine['name']}” is yours, {mine['user']} (smallest timestamp seen "
                      "so far)", claim=claim, won=True)
        else:
            self.complete(op, "fail", f"taken by {first['user']}")
            self.note(f"“{mine['name']}” is taken (by {first['user']})", claim=claim, won=False)


def _check_claims(value, config):
    if len(value) > 20:
        return "at most 20 planned claims"
    for claim in value:
        if not isinstance(claim, dict) or set(claim) != {"node", "user", "name", "at"}:
            return "each claim must be {\"node\", \"user\", \"name\", \"at\"}"
        for field in ("user", "name"):
            problem = text_problem(claim[field], field, MAX_NAME)
            if problem:
                return problem
        at = claim["at"]
        if not isinstance(at, int) or isinstance(at, bool) or not 1 <= at <= 3_600_000:
            return "'at' must be a whole number of ms between 1 and 3600000"
    return None


def _claim(node, user, name):
    return {"type": "claim", "node": node, "user": user, "name": name}


def _deliver(*ids):
    return [{"type": "deliver", "msg": m} for m in ids]


def _fire(timer):
    return [{"type": "fire", "timer": timer}]


_RACE = [
    {"node": "n2", "user": "alice", "name": "bob", "at": 10},
    {"node": "n3", "user": "carol", "name": "bob", "at": 12},
]

PRESETS = {
    "first-claim-wins": {
        "title": "Two users claim one name",
        "summary": "Alice (via n2) and Carol (via n3) both claim “bob”. Whichever claim the "
                   "sequencer orders first wins — on every node.",
        "variant": "correct", "config": {"claims": []}, "seed": 1,
        "actions": [_claim("n2", "alice", "bob"), _claim("n3", "carol", "bob")]
        + _deliver(2, 1, 3, 6, 4, 5, *range(7, 19)),
        "narration": {
            "1": "Alice asks n2 to claim “bob”: n2 appends a claim to the log — it sends it "
                 "to the sequencer, n1 — and waits for it to be delivered back.",
            "2": "Carol asks n3 to claim “bob” too.",
            "3": "Carol's claim reaches the sequencer first: slot #1. What counts is the "
                 "order the sequencer gives, not who clicked first.",
            "4": "Alice's claim gets #2.",
            "6": "#2 reaches n3 before #1: n3 holds it back (see its hold-back queue) — it "
                 "delivers strictly in order.",
            "9": "n2 has stored #1: with n1 that is a majority, so #1 is committed. n1 "
                 "delivers it and tells the others.",
            "14": "n3 delivers #1: its own claim, the first for “bob”. Carol is told “yours”.",
            "15": "n2 delivers #2, Alice's claim — but the first claim for “bob” in its log is "
                  "Carol's. Alice is told the name is taken.",
            "20": "Every node delivered the same log in the same order, so every node agrees "
                  "who holds “bob”.",
        },
    },
    "sequencer-crash": {
        "title": "The sequencer crashes; a new one takes over in epoch 2",
        "summary": "n1 sequences Alice's claim and crashes before anyone delivers it. n2 "
                   "bids for epoch 2, recovers the claim from a majority, and goes on — "
                   "nothing delivered is lost or reordered.",
        "variant": "correct", "config": {"claims": []}, "seed": 1,
        "actions": [_claim("n2", "alice", "bob")] + _deliver(1, 2)
        + [{"type": "crash", "node": "n1"}, _claim("n3", "carol", "bob"),
           {"type": "drop", "msg": 3}] + _fire(1) + _deliver(4, 5, 6) + _fire(4) + _deliver(7)
        + _fire(5) + _deliver(8, 9, 10) + _fire(3) + _deliver(12, 11, 13, 16, 14, 15, 17, 18, 21)
        + [{"type": "restart", "node": "n1"}] + _deliver(19, 20, 23, 22, 24) + _fire(7)
        + _deliver(25, 26, 27, 28),
        "narration": {
            "1": "Alice asks n2 to claim “bob”; the claim goes to the sequencer, n1.",
            "2": "n1 gives it slot #1 and sends it to n2 and n3.",
            "3": "n2 stores #1 and acknowledges. Nobody delivers it yet: only a majority "
                 "holding it makes it safe.",
            "4": "The sequencer crashes before it hears the acknowledgement.",
            "5": "Carol asks n3 to claim “bob”; her claim goes to the dead sequencer.",
            "6": "The ORDER of #1 to n3 is lost: only n2 has it now.",
            "13": "n2 has heard nothing from n1 through three retries: it suspects it, and "
                  "bids to sequence epoch 2 (n2 is epoch 2's sequencer).",
            "15": "n3 promises to follow epoch 2 — it will refuse anything from epoch 1 now — "
                  "and sends what it has stored: nothing.",
            "16": "n2 and n3 are a majority. Any message delivered anywhere must be stored at "
                  "one of them: n2 recovers #1 and re-sends it in epoch 2.",
            "20": "Carol's claim, re-sent by n3 to the new sequencer, gets #2.",
            "22": "#1 is stored at a majority in epoch 2: n2 delivers it. Alice: “bob” is yours.",
            "26": "n3 delivers #1 and #2: Carol's claim came second, so it fails.",
            "27": "n1 restarts, still believing it sequences epoch 1.",
            "29": "The first word from epoch 2 tells it otherwise: it stops sequencing and "
                  "follows n2.",
            "35": "n1 catches up: the same two claims in the same order.",
        },
    },
    "same-race-with-tob": {
        "title": "The lamport-early race, through total order broadcast",
        "summary": "The schedule that gives “bob” to two users when nodes decide early by "
                   "Lamport timestamp: here each waits for its claim to come back, and only "
                   "one user gets the name.",
        "variant": "correct", "config": {"claims": _RACE, "latency": [10, 80]}, "seed": 0,
        "actions": [], "narration": {},
    },
    "two-users-one-name": {
        "title": "Deciding early by Lamport timestamp gives one name to two users",
        "summary": "Alice and Carol claim “bob” 2 ms apart. Each node waits 30 ms, sees only "
                   "its own claim, and says “yours”. The smaller timestamp arrives too late.",
        "variant": "lamport-early",
        "config": {"claims": _RACE, "latency": [10, 80], "decide_after": 30}, "seed": 0,
        "actions": _fire(1) + _fire(2) + _deliver(3) + _fire(3) + _fire(4) + _deliver(4, 1, 2),
        "narration": {
            "1": "Alice asks n2 for “bob”: its claim carries Lamport timestamp (1,n2) and goes "
                 "to every node.",
            "2": "Carol asks n3 for “bob”: timestamp (1,n3).",
            "4": "n2 has waited 30 ms and seen only its own claim — the smallest timestamp it "
                 "knows. Alice is told “yours”.",
            "5": "n3 has also seen only its own claim: Carol is told “yours”. Two users now "
                 "hold “bob”.",
            "6": "Carol's claim (1,n3) reaches n2, after n2 has decided.",
            "8": "Alice's claim (1,n2) reaches n3: smaller than Carol's (1,n3), so Alice should "
                 "have won — but Carol has already been told. Deciding needs every node's "
                 "claims: total order broadcast.",
        },
    },
}


DEFAULT_CLAIMS = [
    {"node": "n2", "user": "alice", "name": "bob", "at": 10},
    {"node": "n3", "user": "carol", "name": "bob", "at": 12},
    {"node": "n1", "user": "erin", "name": "erin", "at": 60},
]


class TotalOrderBroadcast(Protocol):
    name = "tob"
    title = "Total order broadcast"
    summary = ("A sequencer puts every message in one order that all nodes deliver — enough "
               "to decide who claimed a username first, which Lamport timestamps alone cannot.")
    variants = {
        "correct": "claims go through total order broadcast (a sequencer, with epochs and "
                   "majorities for failover); a node decides when its own claim is delivered "
                   "back",
        "lamport-early": "claims carry Lamport timestamps; a node decides from the claims it "
                         "has seen after a short wait: two users can get the same name",
    }
    options = {
        "nodes": Option(3, "number of nodes", minimum=3, maximum=5),
        "claims": Option(DEFAULT_CLAIMS, "claims users make on their own (auto-play): "
                         "[{\"node\", \"user\", \"name\", \"at\" (ms)}]", kind=list,
                         validate=_check_claims),
        "decide_after": Option(30, "variant lamport-early: how long a node waits for rival "
                               "claims before deciding, in ms", minimum=0, maximum=10_000),
    }
    presets = PRESETS
    user_actions = {
        "claim": UserAction("Claim a username: a user asks this node to register a name for "
                            "them", fields={"user": text_field(MAX_NAME),
                                            "name": text_field(MAX_NAME)}),
    }

    def defaults(self, variant=None):
        config = super().defaults(variant)
        if variant == "lamport-early":
            # Two users claim "bob" 2 ms apart; a claim can take up to 80 ms to arrive,
            # but nodes decide after 30: often neither has seen the other's claim.
            config.update(latency=[10, 80], claims=_RACE)
        return config

    def validate_config(self, config):
        ids = node_ids(config)
        for claim in config["claims"]:
            if claim["node"] not in ids:
                raise ConfigError(f"config.claims: node {claim['node']!r} is not one of "
                                  + ", ".join(ids))

    def build(self, sim):
        cls = EarlyClaimer if sim.variant == "lamport-early" else Member
        for nid in node_ids(sim.config):
            sim.add_node(cls, nid)

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        # Any user and name may be claimed; one suggestion per node that is up and not
        # already waiting on a claim keeps the list (and a search over it) finite.
        out = []
        for i, nid in enumerate(node_ids(sim.config)):
            node = sim.nodes[nid]
            if sim.status[nid] == "up" and not node.volatile.claims:
                out.append(_claim(nid, SUGGESTED_USERS[i % len(SUGGESTED_USERS)], "bob"))
        return out

    def on_claim(self, sim, node, action):
        node.claim(action["user"], action["name"])

    # -- checks -----------------------------------------------------------------------------
    def total_order(self, sim):
        """The order claims are judged by: the delivered log (the longest one), or in
        variant lamport-early every claim made, by Lamport timestamp."""
        if sim.variant == "lamport-early":
            made = [c for node in sim.nodes.values() for c in node.durable.seen
                    if c["node"] == node.id]
            return sorted(made, key=lambda c: (c["ts"][0], c["ts"][1]))
        return max((node.durable.delivered for node in sim.nodes.values()), key=len)

    def claims(self, sim):
        return [op for op in sim.history if op["op"] == "cas"]

    def checks(self, sim):
        # Claims are compare-and-sets on the name (from: null): the client history must be
        # linearizable, which is exactly what total order broadcast buys.
        return [self._prefix_agreement(sim), self._unique_names(sim),
                self._yours_iff_first(sim), live_check(sim, "claims are linearizable")]

    def _prefix_agreement(self, sim):
        name = "every node delivers the same sequence"
        nodes = list(sim.nodes.values())
        if sim.variant == "lamport-early":
            return {"name": name, "ok": True,
                    "detail": "no total order broadcast in this variant: each node has only "
                              "the claims it has seen, in the order they arrived"}
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                for x, y in zip(a.durable.delivered, b.durable.delivered):
                    if x["id"] != y["id"]:
                        return {"name": name, "ok": False,
                                "detail": f"#{x['slot']}: {a.id} delivered {x['id']} "
                                          f"({claim_text(x)}) but {b.id} delivered {y['id']} "
                                          f"({claim_text(y)})",
                                "events": _delivery_notes(sim, x["slot"])}
        longest = max(len(n.durable.delivered) for n in nodes)
        return {"name": name, "ok": True,
                "detail": f"every node's delivered log is a prefix of the longest "
                          f"({longest} message{'' if longest == 1 else 's'})"}

    def _unique_names(self, sim):
        name = "each username belongs to at most one user"
        holders = {}
        for op in self.claims(sim):
            if op["status"] == "ok":
                holders.setdefault(op["args"]["key"], []).append(op)
        for key, ops in holders.items():
            if len(ops) > 1:
                who = " and ".join(f"{op['args']['to']} (via {op['client']})" for op in ops)
                return {"name": name, "ok": False,
                        "detail": f"“{key}” was given to {who}",
                        "events": _outcome_events(sim, ops)}
        return {"name": name, "ok": True,
                "detail": f"{len(holders)} name{'' if len(holders) == 1 else 's'} given, "
                          "each to one user"}

    def _yours_iff_first(self, sim):
        name = "told “yours” iff the claim is first for the name"
        first = first_claims(self.total_order(sim))
        for op in self.claims(sim):
            if op["status"] not in ("ok", "fail"):
                continue
            key, claim_id = op["args"]["key"], op["args"]["claim"]
            winner = first.get(key)
            is_first = winner is not None and winner["id"] == claim_id
            if (op["status"] == "ok") != is_first:
                told = "“yours”" if op["status"] == "ok" else f"“{op['result']}”"
                why = (f"{winner['user']}'s claim {winner['id']} comes first"
                       if winner is not None and not is_first else "its claim comes first")
                return {"name": name, "ok": False,
                        "detail": f"{op['args']['to']} was told {told} for “{key}”, but "
                                  f"{why}", "events": _outcome_events(sim, [op])}
        return {"name": name, "ok": True,
                "detail": "every decided claim agrees with the total order"}

    def view(self, sim):
        from protocols.panels.tob import view  # its panels, as data
        return view(sim)


def _delivery_notes(sim, slot):
    return [e["i"] for e in sim.trace if e["type"] == "note"
            and e.get("data", {}).get("slot") == slot and e["text"].startswith("deliver")]


def _outcome_events(sim, ops):
    ids = {op["id"] for op in ops}
    return [e["i"] for e in sim.trace if e["type"] == "complete" and e.get("opid") in ids]
