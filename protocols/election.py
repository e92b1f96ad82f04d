"""Leader election with epochs, leases and fencing (DDIA ch. 9, "Epoch numbering and quorums";
ch. 8, "The leader and the lock" and "Fencing tokens").

Nodes elect a *leader* for an *epoch*. A node that has heard nothing from a leader for an
election timeout (drawn from the seeded RNG) becomes a *candidate*: it increments the epoch,
votes for itself and asks the others for their votes. A node grants at most one vote per epoch
and writes (epoch, vote) to disk before answering, so a restart cannot make it vote twice.
A majority of votes makes the candidate leader of that epoch -- the first round of voting.

The leader proposes values (client requests) for numbered log slots. A node accepts a proposal
only if its epoch is at least the highest epoch it has seen, and a value is *decided* once a
majority has accepted it -- the second round of voting. The two majorities overlap: each vote
carries what the voter has accepted, and a new leader proposes again, in its own epoch, the
value accepted in the highest epoch for every slot, so a value that may have been decided is
never replaced. A node that hears of a higher epoch steps down.

A leader holds a *lease*, renewed by heartbeats that a majority acknowledges; a node that has
promised a lease supports no other candidate until it runs out. The leader serves clients only
while its lease is valid -- but it checks the lease *before* acting, and a process pause (GC,
VM migration) between the check and the act goes unnoticed. So the storage service the leader
writes decided values to checks a *fencing token*, the epoch, and refuses a write whose token
is lower than one it has already seen: the old leader, back from its pause, is refused.

Variants that break safety, each by dropping one rule:
  ``no-epochs``      epochs are not compared outside the vote: proposals and heartbeats are
                     accepted whatever their epoch, and an old leader is never told it was replaced;
  ``no-quorum``      a candidate or leader counts itself as enough (a quorum of one);
  ``volatile-votes`` (epoch, vote) is kept in memory only, so a restarted node can vote twice.
"""

from .kernel import Node, Option, Protocol, UserAction
from .kernel.protocol import _check_range_pair

APPLY_DELAY = 5           # ms between a leader's lease check and its write to storage
CLIENT_RETRY = 400        # the client tries another node when no answer comes
CLIENT_HOPS = 3           # leader hints the client follows before waiting for its retry
FIRST_REQUEST_AT = 50
NEXT_REQUEST_AFTER = 50
NO_OP = "no-op"           # what a new leader proposes for a slot left empty below a used one
VALUE_PREFIXES = ("v", "w", "x")  # client, client2, client3 ask for v1, v2.. / w1.. / x1..

CORRECT, NO_EPOCHS, NO_QUORUM = "correct", "no-epochs", "no-quorum"
VOLATILE_VOTES = "volatile-votes"


class Member(Node):
    """A node that votes, leads, and accepts proposals."""

    role = "node"

    def initial_durable(self):
        durable = {} if self.variant == VOLATILE_VOTES else {"epoch": 0, "voted_for": None}
        # accepted: slot -> {epoch, value}; decided: what this node has decided, in order.
        durable.update(accepted={}, decided=[])
        return durable

    def initial_volatile(self):
        state = {"epoch": 0, "voted_for": None} if self.variant == VOLATILE_VOTES else {}
        state.update(role="follower", leader=None, lease={"holder": None, "until": 0})
        return state

    def on_start(self):
        self.arm_election_timer()

    # -- where things are kept --------------------------------------------------------
    @property
    def vote_record(self):
        """(epoch, voted_for): on disk -- or, in variant volatile-votes, only in memory."""
        return self.volatile if self.variant == VOLATILE_VOTES else self.durable

    @property
    def epoch(self):
        return self.vote_record.epoch

    def peers(self):
        return [n for n in self.sim.node_ids("node") if n != self.id]

    def quorum(self):
        if self.variant == NO_QUORUM:
            return 1
        return len(self.sim.node_ids("node")) // 2 + 1

    def name(self, node_id):
        return self.sim.nodes[node_id].label

    def lease_valid(self):
        lease = self.volatile.lease
        return lease["holder"] == self.id and self.now < lease["until"]

    def decided_value(self, slot):
        for entry in self.durable.decided:
            if entry["slot"] == slot:
                return entry["value"]
        return None

    def summary(self):
        v = self.volatile
        decided = len({d["slot"] for d in self.durable.decided})
        tail = f"; {decided} slot{'' if decided == 1 else 's'} decided"
        if v.role == "leader":
            lease = f"lease until t={v.lease['until']}" if self.lease_valid() else "lease lapsed"
            return f"leader of epoch {self.epoch}, {lease}" + tail
        if v.role == "candidate":
            return f"candidate in epoch {self.epoch}: {len(v.votes)}/{self.quorum()} votes" + tail
        if v.leader:
            return f"follows {self.name(v.leader)} in epoch {self.epoch}" + tail
        return f"follower in epoch {self.epoch}, no leader known" + tail

    def become(self, role, **state):
        v = self.volatile
        for key in ("votes", "reports", "campaign_at", "proposals", "next_slot", "renewal"):
            v.pop(key, None)
        v.role = role
        v.update(state)

    # -- epochs -------------------------------------------------------------------------
    def hears_epoch(self, epoch):
        """Every message carries an epoch; a higher one than ours means we are out of date."""
        if epoch <= self.epoch:
            return
        if self.variant == NO_EPOCHS and self.volatile.role == "leader":
            return  # without epoch checks nothing tells an old leader it has been replaced
        self.enter_epoch(epoch)

    def enter_epoch(self, epoch):
        was = self.volatile.role
        self.vote_record.epoch, self.vote_record.voted_for = epoch, None
        self.volatile.leader = None
        if was != "follower":
            self.become("follower")
            self.volatile.lease = {"holder": None, "until": 0}
            self.cancel_timer("renew")
            self.arm_election_timer()
            self.note(f"steps down: epoch {epoch} has begun", epoch=epoch, stepped_down=True)

    def follow(self, leader):
        """Hearing from the leader: promise it a lease and put off any campaign."""
        v = self.volatile
        if v.role != "follower":
            self.become("follower")
        v.leader = leader
        v.lease = {"holder": leader, "until": self.now + self.config["lease"]}
        self.arm_election_timer()

    # -- round one: the election ----------------------------------------------------------
    def arm_election_timer(self):
        low, high = self.config["election_timeout"]
        self.set_timer("election", self.rng.randint(low, high))

    def on_election(self):
        if self.volatile.role == "leader":
            return
        epoch = self.epoch + 1
        self.vote_record.epoch, self.vote_record.voted_for = epoch, self.id
        self.become("candidate", votes=[self.id], reports={}, campaign_at=self.now)
        self.volatile.leader = None
        self.note(f"campaigns in epoch {epoch}", epoch=epoch)
        self.broadcast(self.peers(), "VOTE-REQUEST", epoch=epoch)
        self.arm_election_timer()  # no majority by then: campaign again, in a higher epoch
        self.count_votes()

    def on_vote_request(self, src, epoch):
        v, record = self.volatile, self.vote_record
        lease = v.lease
        if lease["holder"] not in (None, src) and self.now < lease["until"]:
            # Supporting anyone else while a lease runs could let two leaders act at once.
            self.send(src, "VOTE", epoch=self.epoch, granted=False,
                      reason=f"{self.name(lease['holder'])}'s lease runs until t={lease['until']}")
            return
        if self.variant == NO_EPOCHS and v.role == "leader":
            self.send(src, "VOTE", epoch=self.epoch, granted=False, reason="I am the leader")
            return
        if epoch < record.epoch:
            self.send(src, "VOTE", epoch=record.epoch, granted=False,
                      reason=f"epoch {epoch} is over; this is epoch {record.epoch}")
            return
        if epoch > record.epoch:
            self.enter_epoch(epoch)
        if record.voted_for not in (None, src):
            self.send(src, "VOTE", epoch=epoch, granted=False,
                      reason=f"already voted for {self.name(record.voted_for)} in epoch {epoch}")
            return
        record.voted_for = src  # on disk before the answer leaves
        v.lease = {"holder": src, "until": self.now + self.config["lease"]}
        self.arm_election_timer()
        self.send(src, "VOTE", epoch=epoch, granted=True, accepted=self.durable.accepted)

    def on_vote(self, src, epoch, granted, accepted=None, reason=None):
        self.hears_epoch(epoch)
        v = self.volatile
        if v.role != "candidate" or epoch != self.epoch or not granted or src in v.votes:
            return
        v.votes.append(src)
        # Keep, for every slot, the value accepted in the highest epoch.
        for slot, entry in accepted.items():
            known = v.reports.get(slot)
            if known is None or entry["epoch"] > known["epoch"]:
                v.reports[slot] = entry
        self.count_votes()

    def count_votes(self):
        if len(self.volatile.votes) >= self.quorum():
            self.become_leader()

    def become_leader(self):
        v = self.volatile
        epoch, campaign_at, reports = self.epoch, v.campaign_at, dict(v.reports)
        for slot, entry in self.durable.accepted.items():
            if slot not in reports or entry["epoch"] > reports[slot]["epoch"]:
                reports[slot] = entry
        decided = {d["slot"] for d in self.durable.decided}
        last = max([int(s) for s in reports] + list(decided) + [0])
        self.become("leader", proposals={}, next_slot=last + 1)
        v.leader = self.id
        # The voters promised their lease when they voted, which was after the campaign began.
        v.lease = {"holder": self.id, "until": campaign_at + self.config["lease"]}
        self.cancel_timer("election")
        self.note(f"leader of epoch {epoch}", leader_of=epoch, lease_until=v.lease["until"])
        # A value a majority may have accepted is proposed again; an empty slot below a used
        # one gets a no-op, so that no gap is left.
        for slot in range(1, last + 1):
            if slot not in decided:
                entry = reports.get(str(slot))
                self.propose(slot, entry["value"] if entry else NO_OP)
        self.on_renew()

    # -- the lease: heartbeats -------------------------------------------------------------
    def on_renew(self):
        v = self.volatile
        if v.role != "leader":
            return
        if not self.lease_valid() and not v.lease.get("lapsed"):
            # The leader learns that its lease ran out only when it looks, as it does here.
            v.lease["lapsed"] = True
            self.note(f"lease lapsed at t={v.lease['until']}: serves no client until renewed",
                      lease_lapsed=v.lease["until"])
        v.renewal = {"sent_at": self.now, "acks": [self.id]}
        self.count_renewal()
        self.broadcast(self.peers(), "HEARTBEAT", epoch=self.epoch, sent_at=self.now)
        for slot, p in v.proposals.items():
            if self.now - p["at"] >= self.config["heartbeat"]:  # still short of a majority
                p["at"] = self.now
                for peer in self.peers():
                    if peer not in p["accepted"]:
                        self.send(peer, "PROPOSE", value=p["value"], slot=int(slot),
                                  epoch=p["epoch"])
        self.set_timer("renew", self.config["heartbeat"])

    def on_heartbeat(self, src, epoch, sent_at):
        if epoch < self.epoch and self.variant != NO_EPOCHS:
            self.note(f"refuses {self.name(src)}'s heartbeat: epoch {epoch} < {self.epoch}",
                      refused=epoch)
            self.send(src, "HEARTBEAT-ACK", epoch=self.epoch, ok=False, sent_at=sent_at, decided=[])
            return
        self.hears_epoch(epoch)
        if self.volatile.role == "leader":
            self.send(src, "HEARTBEAT-ACK", epoch=self.epoch, ok=False, sent_at=sent_at, decided=[])
            return
        self.follow(src)
        self.send(src, "HEARTBEAT-ACK", epoch=epoch, ok=True, sent_at=sent_at,
                  decided=sorted({d["slot"] for d in self.durable.decided}))

    def on_heartbeat_ack(self, src, epoch, ok, sent_at, decided):
        self.hears_epoch(epoch)
        v = self.volatile
        if v.role != "leader" or not ok:
            return
        if v.renewal["sent_at"] == sent_at and src not in v.renewal["acks"]:
            v.renewal["acks"].append(src)
            self.count_renewal()
        for entry in self.durable.decided:  # a follower that missed a decision learns it now
            if entry["slot"] not in decided and entry["at"] <= sent_at:
                self.send(src, "DECIDE", value=entry["value"], slot=entry["slot"],
                          epoch=entry["epoch"])

    def count_renewal(self):
        v = self.volatile
        if len(v.renewal["acks"]) >= self.quorum():
            until = v.renewal["sent_at"] + self.config["lease"]
            if until > v.lease["until"]:
                regained = v.lease.get("lapsed", False)
                v.lease = {"holder": self.id, "until": until}
                # Quiet: for views that draw the lease, not a label on every heartbeat.
                self.note(f"lease renewed until t={until}", lease_until=until,
                          quiet=not regained)

    # -- round two: proposals -----------------------------------------------------------
    def on_request(self, src, value):
        v = self.volatile
        if v.role != "leader" or not self.lease_valid():
            hint = v.leader if v.leader != self.id else None
            self.send(src, "REDIRECT", value=value, leader=hint)
            return
        for entry in self.durable.decided:
            if entry["value"] == value:
                self.send(src, "DONE", value=value, slot=entry["slot"])
                return
        for p in v.proposals.values():
            if p["value"] == value:
                p["client"] = src
                return
        slot = v.next_slot
        v.next_slot += 1
        self.propose(slot, value, client=src)

    def propose(self, slot, value, client=None):
        epoch = self.epoch
        self.volatile.proposals[str(slot)] = {"value": value, "epoch": epoch, "at": self.now,
                                              "accepted": [self.id], "client": client}
        self.durable.accepted[str(slot)] = {"epoch": epoch, "value": value}  # its own vote
        self.broadcast(self.peers(), "PROPOSE", value=value, slot=slot, epoch=epoch)
        self.count_accepts(slot)

    def on_propose(self, src, epoch, slot, value):
        if epoch < self.epoch and self.variant != NO_EPOCHS:
            self.note(f"refuses {self.name(src)}'s proposal: epoch {epoch} < {self.epoch}",
                      refused=epoch, slot=slot)
            self.send(src, "REFUSED", epoch=self.epoch, slot=slot)
            return
        self.hears_epoch(epoch)
        if self.volatile.role != "leader":
            self.follow(src)
        self.durable.accepted[str(slot)] = {"epoch": epoch, "value": value}
        self.send(src, "ACCEPTED", epoch=epoch, slot=slot)

    def on_refused(self, src, epoch, slot):
        self.hears_epoch(epoch)

    def on_accepted(self, src, epoch, slot):
        v = self.volatile
        p = v.proposals.get(str(slot)) if v.role == "leader" else None
        if p is None or p["epoch"] != epoch or src in p["accepted"]:
            return
        p["accepted"].append(src)
        self.count_accepts(slot)

    def count_accepts(self, slot):
        v = self.volatile
        p = v.proposals[str(slot)]
        if len(p["accepted"]) < self.quorum():
            return
        del v.proposals[str(slot)]
        self.learn(slot, p["value"], p["epoch"])
        self.broadcast(self.peers(), "DECIDE", value=p["value"], slot=slot, epoch=p["epoch"])
        if p["client"] is not None:
            self.send(p["client"], "DONE", value=p["value"], slot=slot)
        if self.lease_valid() and p["value"] != NO_OP:
            # The lease is checked here; the write goes out a moment later. A pause in
            # between goes unnoticed -- only the storage's fencing check catches it.
            self.set_timer(f"apply {slot}", APPLY_DELAY, slot=slot, value=p["value"],
                           epoch=p["epoch"])

    def on_decide(self, src, slot, value, epoch):
        self.learn(slot, value, epoch)

    def learn(self, slot, value, epoch):
        before = [d["value"] for d in self.durable.decided if d["slot"] == slot]
        if value in before:
            return
        self.durable.decided.append({"slot": slot, "value": value, "epoch": epoch,
                                     "at": self.now})
        text = f"slot {slot} = {value}"
        if before:
            text += f" — decided again (was {before[0]})"
        self.note(text, slot=slot, value=value, epoch=epoch, decided=True)

    # -- acting on the outside world, with a fencing token ---------------------------------
    def on_apply(self, slot, value, epoch):
        if self.volatile.role != "leader":
            return
        self.send("storage", "WRITE", value=value, slot=slot, token=epoch)

    def on_fenced(self, src, token, slot):
        self.hears_epoch(token)


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
                      fenced=token, src=src)
            self.send(src, "FENCED", token=d.token, slot=slot)
            return
        d.token, d.file = token, value


class Client(Node):
    """Asks the cluster to decide values, one at a time, retrying until one is decided."""

    role = "client"

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


def _deliver(first, last=None):
    return [{"type": "deliver", "msg": m} for m in range(first, (last or first) + 1)]


def _fire(*timers):
    return [{"type": "fire", "timer": t} for t in timers]


def _request(client="client"):
    return [{"type": "request", "node": client}]


_QUIET = {"fault_drop": 0.0, "fault_pause": 0.0, "fault_partition": 0.0, "fault_crash": 0.0}
_SPLIT = [{"type": "partition", "groups": [["n1", "client"], ["n2", "n3", "storage", "client2"]]}]

PRESETS = {
    "stale-leader": {
        "title": "The old leader comes back and is refused",
        "summary": "n1 leads, n2..n4 follow. n1 pauses just before a write; n2 is elected in "
                   "epoch 2. n1 comes back still believing it leads: the storage refuses its "
                   "fencing token, the followers its epoch.",
        "variant": "correct", "config": {"nodes": 4, "clients": 2, "requests": 0}, "seed": 1,
        "actions": _fire(1) + _deliver(1, 12) + _request() + _deliver(13, 19)
        + [{"type": "pause", "node": "n1"}] + _deliver(20, 23) + _fire(14) + _deliver(25, 28)
        + _deliver(30, 33) + _request("client2") + _deliver(34) + _deliver(36, 39) + _fire(27)
        + _deliver(44) + _deliver(41, 43) + [{"type": "resume", "node": "n1"}] + _fire(17)
        + _deliver(45) + _fire(9) + _deliver(48) + _deliver(46),
        "narration": {
            "1": "n1's election timeout runs out first: it campaigns in epoch 1, voting for "
                 "itself.",
            "6": "Round one: n2 and n3 vote for n1, each writing its vote to disk before "
                 "answering. Three of four votes: n1 is leader of epoch 1.",
            "8": "n1's heartbeats. Each follower promises it a lease (300 ms) and puts off its "
                 "own campaign.",
            "14": "A client asks for v1. n1's lease is valid, so it proposes v1 for slot 1.",
            "16": "Round two: the followers accept — epoch 1 is the highest they have seen.",
            "20": "A majority has accepted: v1 is decided. n1 checked its lease; its write to "
                  "the storage goes out in a moment…",
            "22": "…but n1 stops: a long garbage-collection pause. It keeps all its state and "
                  "still believes it is the leader.",
            "27": "No heartbeats: n2's election timeout runs out and it campaigns in epoch 2.",
            "31": "n3 and n4 vote for n2 (n1's lease has run out). Their votes carry what they "
                  "accepted, so n2 knows slot 1 is taken. n2 is leader of epoch 2.",
            "36": "A second client asks n2 for w1: proposed for slot 2, accepted, decided.",
            "43": "n2 writes w1 to the storage, with its epoch as fencing token: 2.",
            "47": "n1 resumes. It still believes it leads epoch 1: it checked its lease before "
                  "the pause, and nothing since has told it otherwise.",
            "49": "Its write of v1 arrives with token 1, lower than 2: the storage refuses it. "
                  "Without the check, v1 would have overwritten w1.",
            "50": "n1's heartbeat timer fires, and only now does n1 see that its lease ran "
                  "out long ago, during the pause — after its write had already gone out.",
            "51": "n1's heartbeat in epoch 1 is refused too: n3 has seen epoch 2.",
            "52": "Told of epoch 2, n1 steps down.",
        },
    },
    "lease-failover": {
        "title": "A lease holder crashes; another is promoted",
        "summary": "The coordination-service story: App1 holds a 10 s lease and renews it; it "
                   "crashes; once its lease has run out, App2 is promoted in a higher epoch.",
        "variant": "correct",
        "config": {"nodes": 3, "requests": 0, "labels": ["App1", "App2", "App3"],
                   "lease": 10000, "heartbeat": 3000, "election_timeout": [12000, 15000]},
        "seed": 1,
        "actions": _fire(1) + _deliver(1, 8) + _fire(7) + _deliver(9, 12) + _fire(10)
        + _deliver(13, 16) + [{"type": "crash", "node": "n1"}] + _fire(14) + _deliver(17, 22),
        "narration": {
            "1": "App1 campaigns for leadership in epoch 1.",
            "4": "App2 votes for it: with its own vote that is a majority of three. App1 holds "
                 "a lease of 10 s.",
            "10": "Every 3 s App1 renews its lease: once a majority acknowledges a heartbeat, "
                  "the lease runs 10 s from that heartbeat.",
            "15": "Renewed again.",
            "20": "App1 crashes. Its lease still runs for almost 10 s, and until it has run "
                  "out App2 and App3 will not support anyone else.",
            "21": "Long after the lease has run out, App2's election timeout fires: it "
                  "campaigns in epoch 2.",
            "24": "App3 votes for it: App2 is promoted, in a higher epoch, with a lease of its "
                  "own.",
        },
    },
    "no-epochs-split-brain": {
        "title": "Without epochs, two leaders both decide",
        "summary": "Variant no-epochs: n1 is cut off with a value in flight; n2 is elected and "
                   "decides w1 for slot 1. After the heal the nodes accept n1's stale proposal "
                   "too — slot 1 is decided twice, differently.",
        "variant": NO_EPOCHS, "config": dict(_QUIET, nodes=3, clients=2, requests=0),
        "seed": 1,
        "actions": _fire(1) + _deliver(1, 8) + _request() + _deliver(9) + _SPLIT + _fire(8)
        + _deliver(13, 14) + _deliver(16, 17) + _request("client2") + _deliver(18)
        + _deliver(20, 21) + _deliver(23, 24) + [{"type": "heal"}] + _deliver(10, 11)
        + _deliver(25, 28),
        "narration": {
            "4": "n1 is leader of epoch 1.",
            "11": "A client asks n1 for v1; n1 proposes it for slot 1…",
            "12": "…but a partition cuts n1 (and that client) off before anyone accepts.",
            "15": "On the majority side n2 is elected, in epoch 2. Nobody there has accepted "
                  "anything, so slot 1 is free.",
            "21": "Another client asks n2 for w1: slot 1 = w1, accepted by n3, decided.",
            "24": "The partition heals. n1 never heard of epoch 2 — and without epoch checks, "
                  "nothing will tell it.",
            "27": "n2 and n3 accept n1's stale proposal, since nobody compares epochs: n1 decides "
                  "v1 for slot 1. Uniform agreement is broken.",
            "29": "And the nodes that had decided w1 now decide v1 for the same slot: "
                  "integrity is broken too.",
        },
    },
    "no-quorum-split-brain": {
        "title": "Without a quorum, each side of a partition decides",
        "summary": "Variant no-quorum: a leader counts itself as enough. Split by a partition, "
                   "n1 and n2 each lead and each decide a different value for slot 1.",
        "variant": NO_QUORUM, "config": dict(_QUIET, nodes=3, clients=2, requests=0),
        "seed": 1,
        "actions": _fire(1) + _deliver(1, 2) + _deliver(5, 6) + _deliver(3, 4) + _deliver(7, 8)
        + _request() + _deliver(9) + _SPLIT + _deliver(14) + _fire(8) + _request("client2")
        + _deliver(19) + _deliver(23),
        "narration": {
            "1": "n1 campaigns — and, counting itself as enough, is leader at once.",
            "11": "A client asks n1 for v1: n1 decides it for slot 1 on its own vote.",
            "12": "A partition cuts n1 off.",
            "14": "On the other side n2's election timeout fires: it too leads at once, in "
                  "epoch 2.",
            "16": "Asked for w1, n2 decides it for slot 1 alone: uniform agreement is broken. "
                  "With majorities, the two sides could not both have decided.",
        },
    },
    "volatile-votes-double-vote": {
        "title": "A restart forgets a vote: two leaders in one epoch",
        "summary": "Variant volatile-votes: n3 votes for n1 in epoch 1, restarts, forgets, and "
                   "votes for n2 in the same epoch.",
        "variant": VOLATILE_VOTES,
        "config": dict(_QUIET, nodes=3, requests=0), "seed": 1,
        "actions": _fire(1, 2) + _deliver(2) + _deliver(5)
        + [{"type": "crash", "node": "n3"}, {"type": "restart", "node": "n3"}]
        + _deliver(4) + _deliver(8),
        "narration": {
            "2": "n1 and n2 both campaign in epoch 1; each votes for itself.",
            "4": "n3 votes for n1: with n1's own vote that is a majority. n1 leads epoch 1.",
            "6": "n3 crashes and restarts. Its vote was only in memory: it is gone.",
            "8": "n2's request reaches n3, which no longer knows it voted in epoch 1 and votes "
                 "again: n2 also leads epoch 1.",
        },
    },
}


def _labels(value, config):
    if len(value) > 7 or not all(isinstance(x, str) and 0 < len(x) <= 16 for x in value):
        return "must list at most 7 short names (at most 16 characters each)"
    return None


class Election(Protocol):
    name = "election"
    title = "Leader election with epochs and fencing"
    summary = ("Nodes elect a leader per epoch by majority vote, then vote again on each of its "
               "proposals; a paused old leader is refused by its epoch, its fencing token.")
    variants = {
        CORRECT: "one vote per epoch, kept on disk; majorities for leaders and for values; "
                 "stale epochs refused",
        NO_EPOCHS: "proposals and heartbeats are accepted whatever their epoch: an old leader "
                   "and a new one both get values decided",
        NO_QUORUM: "a leader counts itself as enough: two sides of a partition each elect a "
                   "leader and decide",
        VOLATILE_VOTES: "(epoch, vote) is kept only in memory: a restarted node can vote twice "
                        "in one epoch",
    }
    options = {
        "nodes": Option(5, "nodes taking part in elections and votes (n1..nN)", minimum=3,
                        maximum=7),
        "labels": Option([], "names shown for the nodes, e.g. [\"App1\", \"App2\", \"App3\"]",
                         kind=list, validate=_labels),
        "clients": Option(1, "clients asking for values (client, client2, client3: values "
                          "v1, v2, ... / w1, ... / x1, ...)", minimum=1, maximum=3),
        "requests": Option(3, "values each client asks to have decided, one after another "
                           "(auto-play)", minimum=0, maximum=30),
        "heartbeat": Option(100, "ms between a leader's heartbeats; each renews its lease",
                            minimum=1, maximum=600_000),
        "lease": Option(300, "ms a lease lasts, from the heartbeat a majority acknowledged",
                        minimum=1, maximum=600_000),
        "election_timeout": Option([400, 700], "[min, max] ms a node waits without hearing "
                                   "from a leader before it campaigns (drawn from the seeded "
                                   "RNG)", kind=list, validate=_check_range_pair),
    }
    user_actions = {
        "request": UserAction(
            "This client asks the cluster to decide one more value", role="client",
            only_as_listed="request is enabled only on a client, while it is up and not "
                           "waiting for another value"),
    }
    presets = PRESETS

    def validate_config(self, config):
        from .kernel import ConfigError

        if len(config["labels"]) > config["nodes"]:
            raise ConfigError("config.labels: more names than nodes")
        if not config["heartbeat"] < config["lease"] <= config["election_timeout"][0]:
            raise ConfigError("config: need heartbeat < lease <= election_timeout[0], so a "
                              "leader renews its lease in time and nobody campaigns under it")

    def explore_defaults(self, variant=None):
        # The counterexample search (protocols/explore.py). Leases and timeouts compare the
        # clock, so time counts, and schedules go in time order but for the faults each
        # variant is about: a partition (and its heal) for split brains; a crash, a restart
        # and one event out of order for votes kept in memory. Two clients with a value
        # each; a heartbeat close to the lease, so fewer renewals stand between the
        # interesting events. The leaders seen so far are what "one leader per epoch"
        # carries from step to step.
        faults = {"partitions": 1, "crashes": 1 if variant == CORRECT else 0, "delays": 0}
        if variant == VOLATILE_VOTES:
            faults = {"partitions": 0, "crashes": 1, "delays": 1}
        return {"config": {"nodes": 3, "clients": 2, "requests": 1, "heartbeat": 250,
                           "lease": 300, "election_timeout": [300, 450]},
                "actions": [], "faults": faults, "check_state": {ONE_LEADER: ["leaders"]}}

    def defaults(self, variant=None):
        config = super().defaults(variant)
        # The faults under which each unsafe variant breaks. Two clients, so that two leaders
        # can each be asked for a different value.
        if variant == NO_EPOCHS:  # an old leader cut off or paused, then back
            config.update(clients=2, requests=8, fault_drop=0.05, fault_pause=0.02,
                          fault_partition=0.02, fault_downtime=[300, 1500])
        elif variant == NO_QUORUM:  # a partition: each side elects and decides
            config.update(clients=2, requests=8, fault_drop=0.03, fault_partition=0.03,
                          fault_downtime=[300, 1500])
        elif variant == VOLATILE_VOTES:  # quick restarts in the middle of elections
            config.update(requests=8, fault_crash=0.05, fault_drop=0.05,
                          fault_downtime=[10, 200])
        return config

    def build(self, sim):
        cfg = sim.config
        for i in range(cfg["nodes"]):
            node_id = f"n{i + 1}"
            label = cfg["labels"][i] if i < len(cfg["labels"]) else node_id
            sim.add_node(Member, node_id, label)
        sim.add_node(Storage, "storage", "Storage service")
        for i in range(cfg["clients"]):
            client_id = "client" if i == 0 else f"client{i + 1}"
            sim.add_node(Client, client_id, "Client" if i == 0 else f"Client {i + 1}",
                         index=i, prefix=VALUE_PREFIXES[i])

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        return [{"type": "request", "node": c} for c in sim.node_ids("client")
                if sim.status[c] == "up" and sim.nodes[c].durable.waiting is None]

    def on_request(self, sim, client, action):
        client.cancel_timer("next-request")
        client.request()

    # -- checks --------------------------------------------------------------------------
    def checks(self, sim):
        members = [sim.nodes[n] for n in sim.node_ids("node")]
        decisions = [(m.id, d["slot"], d["value"]) for m in members for d in m.durable.decided]
        return [_uniform_agreement(sim, decisions), _integrity(sim, decisions),
                _validity(sim, decisions), _one_leader_per_epoch(sim),
                _termination(sim, members, decisions)]

    def view(self, sim):
        from protocols.panels.election import view  # its panels, as data
        return view(sim)


def _decision_events(sim, slot):
    return [e["i"] for e in sim.trace if e["type"] == "note"
            and e["data"].get("decided") and e["data"].get("slot") == slot]


def _uniform_agreement(sim, decisions):
    first = {}
    for _, slot, value in decisions:
        if first.setdefault(slot, value) != value:
            where = {}
            for node, s, v in decisions:
                if s == slot:
                    where.setdefault(v, []).append(node)
            parts = [f"{v} at {', '.join(nodes)}" for v, nodes in where.items()]
            return {"name": "uniform agreement", "ok": False,
                    "detail": f"slot {slot} decided differently: " + "; ".join(parts),
                    "events": _decision_events(sim, slot)}
    return {"name": "uniform agreement", "ok": True,
            "detail": "no two nodes decided different values for a slot"}


def _integrity(sim, decisions):
    seen = {}
    for node, slot, value in decisions:
        if (node, slot) in seen:
            return {"name": "integrity", "ok": False,
                    "detail": f"{node} decided slot {slot} twice: {seen[node, slot]}, then "
                              f"{value}", "events": _decision_events(sim, slot)}
        seen[node, slot] = value
    return {"name": "integrity", "ok": True, "detail": "no node decided a slot twice"}


def _validity(sim, decisions):
    proposed = {h["args"]["value"] for h in sim.history}
    proposed.add(NO_OP)
    for node, slot, value in decisions:
        if value not in proposed:
            return {"name": "validity", "ok": False,
                    "detail": f"{node} decided {value} for slot {slot}, which no client asked "
                              "for", "events": _decision_events(sim, slot)}
    return {"name": "validity", "ok": True,
            "detail": "every decided value was asked for by a client (or is a leader's no-op)"}


ONE_LEADER = "one leader per epoch"


def _one_leader_per_epoch(sim):
    """Who has led which epoch, read from the leaders' notes in the trace. The result of the
    previous step's check carries what was read so far, so each step reads only new events."""
    previous = next((c for c in sim.checks if c["name"] == ONE_LEADER), None)
    if previous is not None and previous["through"] <= len(sim.trace):
        leaders, start = previous["leaders"], previous["through"]
    else:
        leaders, start = {}, 0
    for event in sim.trace[start:]:
        if event["type"] == "note" and "leader_of" in event["data"]:
            epoch = str(event["data"]["leader_of"])
            # A new dict, never a changed one: the previous result may be shared by a clone.
            leaders = dict(leaders, **{epoch: leaders.get(epoch, []) + [event["node"]]})
    bookkeeping = {"leaders": leaders, "through": len(sim.trace)}
    for epoch in sorted(leaders, key=int):
        if len(leaders[epoch]) > 1:
            detail = f"epoch {epoch} has two leaders: " + " and ".join(leaders[epoch])
            return dict({"name": ONE_LEADER, "ok": False, "detail": detail,
                         "events": [e["i"] for e in sim.trace if e["type"] == "note"
                                    and e["data"].get("leader_of") == int(epoch)]}, **bookkeeping)
    detail = (f"{len(leaders)} epoch{'' if len(leaders) == 1 else 's'} led, each by one node"
              if leaders else "no leader elected yet")
    return dict({"name": ONE_LEADER, "ok": True, "detail": detail}, **bookkeeping)


def _termination(sim, members, decisions):
    n = len(members)
    majority = n // 2 + 1
    up = [m.id for m in members if sim.status[m.id] == "up"]
    groups = sim.partition or [list(sim.nodes)]
    reachable = max(len([m for m in up if m in g]) for g in groups)
    decided = {slot for _, slot, _ in decisions}
    accepted = {int(s) for m in members for s in m.durable.accepted}
    undecided = sorted(accepted - decided)
    parts = []
    if reachable < majority:
        why = (f"only {reachable} of {n} nodes are up and can reach each other; a majority of "
               f"{majority} is needed to elect a leader or decide a value, so nothing can be "
               "decided until more come back")
        parts.append(why)
    if undecided:
        parts.append("undecided: " + ", ".join(f"slot {s}" for s in undecided))
    for client in sim.node_ids("client"):
        waiting = sim.nodes[client].durable.waiting
        if waiting is not None:
            op = sim.history[waiting["op"] - 1]
            parts.append(f"{client} waiting {sim.now - op['invoke_t']} ms for {waiting['value']}")
    if parts:
        return {"name": "termination", "ok": True, "warn": True, "detail": "; ".join(parts)}
    return {"name": "termination", "ok": True, "warn": False,
            "detail": f"{len(decided)} slot{'' if len(decided) == 1 else 's'} decided, none "
                      f"pending; {reachable} of {n} nodes up and connected"}
