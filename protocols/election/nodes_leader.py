"""The leader's part of an election member (see nodes.py for the protocol as a whole).

Elected by a majority, the leader first proposes again, in its own epoch, every value its
voters may have seen decided; then it holds its lease by heartbeats that a majority
acknowledges, proposes client values for numbered slots (the second round of voting),
decides a value once a majority has accepted it, and writes decided values to the storage
service with its epoch as fencing token.
"""

APPLY_DELAY = 5           # ms between a leader's lease check and its write to storage
NO_OP = "no-op"           # what a new leader proposes for a slot left empty below a used one


class Leading:
    """What a member does while it leads: a mixin of Member, which has the rest (its epoch,
    its quorum, its lease, learning a decided value)."""

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
        self.note(f"leader of epoch {epoch}", tone="ok", leader_of=epoch,
                  lease_until=v.lease["until"])
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
                      tone="warning", lease_lapsed=v.lease["until"])
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
                self.note(f"lease renewed until t={until}", tone="ok" if regained else None,
                          lease_until=until, quiet=not regained)

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

    def on_accepted(self, src, epoch, slot):
        v = self.volatile
        p = v.proposals.get(str(slot)) if v.role == "leader" else None
        if p is None or p["epoch"] != epoch or src in p["accepted"]:
            return
        p["accepted"].append(src)
        self.count_accepts(slot)

    def on_refused(self, src, epoch, slot):
        self.hears_epoch(epoch)

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

    # -- acting on the outside world, with a fencing token ---------------------------------
    def on_apply(self, slot, value, epoch):
        if self.volatile.role != "leader":
            return
        self.send("storage", "WRITE", value=value, slot=slot, token=epoch)

    def on_fenced(self, src, token, slot):
        self.hears_epoch(token)
