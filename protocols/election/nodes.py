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

The code is split by what a node does: this file has a member as voter, candidate
and follower; nodes_leader.py what it does while it leads; nodes_outside.py the storage
service and the clients.
"""

from ..kernel import Node
from .nodes_leader import Leading

CORRECT, NO_EPOCHS, NO_QUORUM = "correct", "no-epochs", "no-quorum"
VOLATILE_VOTES = "volatile-votes"


class Member(Leading, Node):
    """A node that votes, leads, and accepts proposals."""

    role = "node"
    timers = ("election", "renew", "apply")

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
            self.note(f"steps down: epoch {epoch} has begun", tone="warning", epoch=epoch,
                      stepped_down=True)

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
            self.become_leader()   # nodes_leader.py

    # -- following: the lease a follower promises, the proposals it accepts ------------------
    def on_heartbeat(self, src, epoch, sent_at):
        if epoch < self.epoch and self.variant != NO_EPOCHS:
            self.note(f"refuses {self.name(src)}'s heartbeat: epoch {epoch} < {self.epoch}",
                      tone="warning", refused=epoch)
            self.send(src, "HEARTBEAT-ACK", epoch=self.epoch, ok=False, sent_at=sent_at, decided=[])
            return
        self.hears_epoch(epoch)
        if self.volatile.role == "leader":
            self.send(src, "HEARTBEAT-ACK", epoch=self.epoch, ok=False, sent_at=sent_at, decided=[])
            return
        self.follow(src)
        self.send(src, "HEARTBEAT-ACK", epoch=epoch, ok=True, sent_at=sent_at,
                  decided=sorted({d["slot"] for d in self.durable.decided}))

    def on_propose(self, src, epoch, slot, value):
        if epoch < self.epoch and self.variant != NO_EPOCHS:
            self.note(f"refuses {self.name(src)}'s proposal: epoch {epoch} < {self.epoch}",
                      tone="warning", refused=epoch, slot=slot)
            self.send(src, "REFUSED", epoch=self.epoch, slot=slot)
            return
        self.hears_epoch(epoch)
        if self.volatile.role != "leader":
            self.follow(src)
        self.durable.accepted[str(slot)] = {"epoch": epoch, "value": value}
        self.send(src, "ACCEPTED", epoch=epoch, slot=slot)

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
        self.note(text, tone="violation" if before else "ok", slot=slot, value=value,
                  epoch=epoch, decided=True)
