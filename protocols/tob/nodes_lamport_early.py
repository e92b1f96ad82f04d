"""Variant ``lamport-early``: no log. A node broadcasts its claim with a Lamport timestamp
and, after a short wait, decides by comparing the timestamps of the claims it has seen
so far: the smallest wins. But a claim with a smaller timestamp may still be on its way,
and then two users get the same name. To be sure, the node would have to check with all
nodes -- which is what total order broadcast does."""

from .claims import Claimant, invoke_claim
from .group import node_ids


class EarlyClaimer(Claimant):
    """Variant lamport-early: claims carry Lamport timestamps; a node decides after a short
    wait from the claims it has seen, without hearing from every node."""

    timers = ("claim-at", "decide")

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
                      "so far)", tone="ok", claim=claim, won=True)
        else:
            self.complete(op, "fail", f"taken by {first['user']}")
            self.note(f"“{mine['name']}” is taken (by {first['user']})", tone="warning",
                      claim=claim, won=False)

