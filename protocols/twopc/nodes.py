"""Two-phase commit's nodes (DDIA ch. 9, "Atomic Commit and Two-Phase Commit").

An application (the *client*) asks the *coordinator* for a transaction id, writes at
each *participant* (which takes locks), then asks the coordinator to commit.

Phase 1: the coordinator sends PREPARE; each participant votes. A yes vote is a promise
to commit if asked, so the participant first makes its writes durable (a "prepared"
record) and from then on may not abort on its own: it is *in doubt*.

Phase 2: the coordinator writes its decision to its durable log -- the commit point --
then sends COMMIT or ABORT to every participant until each one acknowledges.

Failures behave as they really do: a participant that has not voted may abort on a
timeout (it then votes no); one that voted yes must wait, holding its locks, however
long the coordinator is away; a coordinator recovers its decisions from its log on
restart, and answers "abort" for a transaction it has no decision for (presumed abort).

Variant ``heuristic``: an in-doubt participant that waits too long decides on its own
(a "heuristic decision", as XA allows) -- and atomicity can break.
"""


from ..kernel import Node

PREPARE_TIMEOUT = 300     # a participant gives up on a transaction never prepared
VOTE_TIMEOUT = 250        # the coordinator gives up waiting for votes
RESEND_INTERVAL = 200     # the coordinator repeats its decision until acknowledged
IN_DOUBT_INTERVAL = 400   # an in-doubt participant asks the coordinator what happened
HEURISTIC_TIMEOUT = 150   # variant heuristic: an in-doubt participant gives up waiting
CLIENT_TIMEOUT = 600      # the application stops waiting for a reply
FIRST_TRANSACTION_AT = 5
NEXT_TRANSACTION_AFTER = 100

DECISIONS = ("committed", "aborted", "heuristic-commit", "heuristic-abort")
# How the diagram colours a note about a decision or an outcome.
OUTCOME_TONE = {"commit": "ok", "abort": "warning"}


def _outcome(record):
    """Which way a participant's decision record went: commit or abort."""
    return "commit" if record in ("committed", "heuristic-commit") else "abort"


class Client(Node):
    """The application: runs each transaction's writes, then asks for a commit."""

    role = "client"
    timers = ("next-transaction", "reply-timeout")

    def initial_volatile(self):
        return {"tx": None, "phase": "idle", "op": None, "written": [],
                "remaining": self.config["transactions"], "count": 0}

    def on_start(self):
        if self.volatile.remaining > 0:
            self.set_timer("next-transaction", FIRST_TRANSACTION_AT)

    def summary(self):
        v = self.volatile
        if v.phase == "idle":
            return "idle"
        if v.phase == "beginning":
            return "asking the coordinator for a transaction id"
        return f"tx{v.tx}: {v.phase}"

    def begin(self):
        v = self.volatile
        v.count += 1
        v.phase = "beginning"
        v.written = []
        v.op = self.invoke("transaction", writes={"x": v.count})
        self.send("coord", "BEGIN")
        self.set_timer("reply-timeout", CLIENT_TIMEOUT)

    def on_reply_timeout(self):
        v = self.volatile
        if v.phase == "beginning":
            self.send("coord", "BEGIN")  # nothing happened yet: simply ask again
            self.set_timer("reply-timeout", CLIENT_TIMEOUT)
        elif v.phase == "writing":
            self.give_up("fail", "timed out while writing")
        elif v.phase == "committing":
            # The coordinator may or may not have decided: the outcome is unknown.
            self.complete(v.op, "info", "no outcome heard: unknown")
            self.finish()

    def on_next_transaction(self):
        if self.volatile.phase == "idle" and self.volatile.remaining > 0:
            self.volatile.remaining -= 1
            self.begin()

    def on_begun(self, src, tx):
        v = self.volatile
        if v.phase != "beginning":
            return
        v.tx, v.phase = tx, "writing"
        self.set_timer("reply-timeout", CLIENT_TIMEOUT)
        for p in self.sim.node_ids("participant"):
            self.send(p, "WRITE", tx=tx, key="x", value=v.count)

    def on_written(self, src, tx):
        v = self.volatile
        if tx != v.tx or v.phase != "writing" or src in v.written:
            return
        v.written.append(src)
        if len(v.written) == len(self.sim.node_ids("participant")):
            v.phase = "committing"
            self.set_timer("reply-timeout", CLIENT_TIMEOUT)
            self.send("coord", "COMMIT-REQUEST", tx=tx,
                      participants=self.sim.node_ids("participant"))

    def on_write_failed(self, src, tx, reason):
        v = self.volatile
        if tx != v.tx or v.phase != "writing":
            return
        self.give_up("fail", f"write refused at {src}: {reason}")

    def give_up(self, status, why):
        # Roll back the local transactions already opened.
        v = self.volatile
        for p in v.written:
            self.send(p, "ROLLBACK", tx=v.tx)
        self.complete(v.op, status, why)
        self.finish()

    def on_outcome(self, src, tx, outcome):
        v = self.volatile
        if tx != v.tx or v.phase != "committing":
            return
        self.complete(v.op, "ok" if outcome == "commit" else "fail", outcome)
        self.finish()

    def finish(self):
        v = self.volatile
        v.phase, v.op = "idle", None
        self.cancel_timer("reply-timeout")
        if v.remaining > 0:
            self.set_timer("next-transaction", NEXT_TRANSACTION_AFTER)


class Coordinator(Node):
    """The transaction manager. Its decision log is durable; the rest is memory."""

    role = "coordinator"
    timers = ("vote-timeout", "resend")

    def initial_durable(self):
        return {"next_tx": 1, "log": []}

    def initial_volatile(self):
        # tx -> {"participants", "client", "votes", "acks", "state"}
        return {"txs": {}}

    def on_start(self):
        # Recovery: every decision logged but not yet acknowledged by all is sent again.
        for tx, decision in self.pending_decisions().items():
            participants = self.logged(tx)["participants"]
            self.volatile.txs[str(tx)] = {"participants": participants, "client": None,
                                          "votes": {}, "acks": [], "state": decision}
            self.note(f"recovered tx{tx}: {decision.upper()}", tx=tx)
            self.send_decision(tx)

    def summary(self):
        txs = self.volatile.txs
        if not txs:
            return "no transaction in progress"
        return ", ".join(f"tx{tx}: {t['state']}" for tx, t in txs.items())

    # -- the durable log --------------------------------------------------------------
    def logged(self, tx):
        for record in self.durable.log:
            if record["tx"] == tx and record["decision"] in ("commit", "abort"):
                return record
        return None

    def pending_decisions(self):
        ended = {r["tx"] for r in self.durable.log if r["decision"] == "end"}
        return {r["tx"]: r["decision"] for r in self.durable.log
                if r["decision"] in ("commit", "abort") and r["tx"] not in ended}

    # -- handlers ------------------------------------------------------------------------
    def on_begin(self, src):
        tx = self.durable.next_tx
        self.durable.next_tx += 1  # durable, so a restarted coordinator never reuses an id
        self.send(src, "BEGUN", tx=tx)

    def on_commit_request(self, src, tx, participants):
        if str(tx) in self.volatile.txs or self.logged(tx):
            return
        self.volatile.txs[str(tx)] = {"participants": participants, "client": src,
                                      "votes": {}, "acks": [], "state": "preparing"}
        self.note(f"tx{tx}: PREPARE", tx=tx)
        self.broadcast(participants, "PREPARE", tx=tx)
        self.set_timer(f"vote-timeout {tx}", VOTE_TIMEOUT, tx=tx)

    def on_vote(self, src, tx, vote):
        t = self.volatile.txs.get(str(tx))
        if t is None or t["state"] != "preparing":
            return
        t["votes"][src] = vote
        if vote == "no":
            self.decide(tx, "abort")
        elif all(t["votes"].get(p) == "yes" for p in t["participants"]):
            self.decide(tx, "commit")

    def on_vote_timeout(self, tx):
        t = self.volatile.txs.get(str(tx))
        if t is not None and t["state"] == "preparing":
            self.decide(tx, "abort")

    def decide(self, tx, decision):
        t = self.volatile.txs[str(tx)]
        # The commit point: once this record is on disk the decision is irrevocable.
        self.durable.log.append({"tx": tx, "decision": decision, "participants": t["participants"],
                                 "at": self.now})
        t["state"] = decision
        self.cancel_timer(f"vote-timeout {tx}")
        self.note(f"tx{tx}: decide {decision.upper()} (logged)", tone=OUTCOME_TONE[decision],
                  tx=tx, decision=decision)
        self.send_decision(tx)
        if t["client"] is not None:
            self.send(t["client"], "OUTCOME", tx=tx, outcome=decision)

    def send_decision(self, tx):
        t = self.volatile.txs[str(tx)]
        kind = "COMMIT" if t["state"] == "commit" else "ABORT"
        for p in t["participants"]:
            if p not in t["acks"]:
                self.send(p, kind, tx=tx)
        self.set_timer(f"resend {tx}", RESEND_INTERVAL, tx=tx)

    def on_resend(self, tx):
        if str(tx) in self.volatile.txs:
            self.send_decision(tx)

    def on_ack(self, src, tx):
        t = self.volatile.txs.get(str(tx))
        if t is None or t["state"] not in ("commit", "abort") or src in t["acks"]:
            return
        t["acks"].append(src)
        if all(p in t["acks"] for p in t["participants"]):
            self.durable.log.append({"tx": tx, "decision": "end", "at": self.now})
            self.cancel_timer(f"resend {tx}")
            del self.volatile.txs[str(tx)]
            self.note(f"tx{tx}: done", tx=tx)

    def on_status(self, src, tx):
        record = self.logged(tx)
        if record is not None:
            self.send(src, "COMMIT" if record["decision"] == "commit" else "ABORT", tx=tx)
        elif str(tx) not in self.volatile.txs:
            # No decision on disk and none in progress: nobody can have committed.
            self.send(src, "ABORT", tx=tx)


class Participant(Node):
    """A resource manager (a database, a message queue) taking part in the transaction."""

    role = "participant"
    timers = ("prepare-timeout", "in-doubt", "heuristic")

    def initial_durable(self):
        # log: prepared / committed / aborted / heuristic-* records; data: committed values.
        return {"log": [], "data": {}}

    def initial_volatile(self):
        return {"txs": {}, "locks": {}, "vote_no": self.props.get("vote_no", False)}

    def on_start(self):
        # Recovery: a transaction prepared but not decided is still in doubt after a
        # restart, and its locks are taken again before anything else runs.
        for tx in self.in_doubt():
            writes = self.prepared_record(tx)["writes"]
            self.volatile.txs[str(tx)] = {"writes": writes, "state": "prepared"}
            for key in writes:
                self.volatile.locks[key] = tx
            self.note(f"tx{tx}: in doubt (recovered)", tone="warning", tx=tx)
            self.wait_in_doubt(tx)

    def summary(self):
        doubt = self.in_doubt()
        if doubt:
            return "IN DOUBT on " + ", ".join(f"tx{tx}" for tx in doubt) + " (holding locks)"
        if self.volatile.locks:
            return "locks: " + ", ".join(f"{k} by tx{tx}" for k, tx in self.volatile.locks.items())
        return "idle"

    # -- the durable log --------------------------------------------------------------
    def records(self, tx):
        return [r["record"] for r in self.durable.log if r["tx"] == tx]

    def prepared_record(self, tx):
        for r in self.durable.log:
            if r["tx"] == tx and r["record"] == "prepared":
                return r
        return None

    def in_doubt(self):
        """Transactions voted yes on, with no decision yet: the locks stay held."""
        out = []
        for r in self.durable.log:
            if r["record"] == "prepared" and not any(d in DECISIONS for d in self.records(r["tx"])):
                out.append(r["tx"])
        return out

    def write_log(self, tx, record, **extra):
        self.durable.log.append(dict({"tx": tx, "record": record, "at": self.now}, **extra))

    def release(self, tx):
        self.volatile.txs.pop(str(tx), None)
        for key in [k for k, owner in self.volatile.locks.items() if owner == tx]:
            del self.volatile.locks[key]

    # -- phase 0: the transaction's own work ---------------------------------------------
    def on_write(self, src, tx, key, value):
        owner = self.volatile.locks.get(key)
        if owner is not None and owner != tx:
            self.send(src, "WRITE-FAILED", tx=tx, reason=f"{key} is locked by tx{owner}")
            return
        if any(d in DECISIONS for d in self.records(tx)):
            self.send(src, "WRITE-FAILED", tx=tx, reason=f"tx{tx} already ended")
            return
        t = self.volatile.txs.setdefault(str(tx), {"writes": {}, "state": "active"})
        t["writes"][key] = value
        self.volatile.locks[key] = tx
        self.set_timer(f"prepare-timeout {tx}", PREPARE_TIMEOUT, tx=tx)
        self.send(src, "WRITTEN", tx=tx)

    def on_rollback(self, src, tx):
        t = self.volatile.txs.get(str(tx))
        if t is not None and t["state"] == "active":
            self.abort_locally(tx, "rolled back by the application")

    def on_prepare_timeout(self, tx):
        # Not yet voted: still free to abort unilaterally.
        t = self.volatile.txs.get(str(tx))
        if t is not None and t["state"] == "active":
            self.abort_locally(tx, "no PREPARE in time")

    def abort_locally(self, tx, why):
        self.cancel_timer(f"prepare-timeout {tx}")
        self.release(tx)
        self.write_log(tx, "aborted")
        self.note(f"tx{tx}: abort ({why})", tone="warning", tx=tx, outcome="abort")

    # -- phase 1 -----------------------------------------------------------------------
    def on_prepare(self, src, tx):
        t = self.volatile.txs.get(str(tx))
        if t is not None and t["state"] == "prepared":
            self.send(src, "VOTE", tx=tx, vote="yes")  # a repeated PREPARE gets the same answer
            return
        if t is None or self.volatile.vote_no:
            # Unknown (aborted on timeout, or lost in a crash) or refused: vote no.
            if t is not None:
                self.abort_locally(tx, "voted no")
            self.send(src, "VOTE", tx=tx, vote="no")
            return
        # Voting yes is a promise: make the writes durable first.
        self.write_log(tx, "prepared", writes=t["writes"])
        t["state"] = "prepared"
        self.cancel_timer(f"prepare-timeout {tx}")
        self.note(f"tx{tx}: prepared, vote yes — in doubt", tone="warning", tx=tx)
        self.send(src, "VOTE", tx=tx, vote="yes")
        self.wait_in_doubt(tx)

    def wait_in_doubt(self, tx):
        if self.variant == "heuristic":
            self.set_timer(f"heuristic {tx}", HEURISTIC_TIMEOUT, tx=tx)
        self.set_timer(f"in-doubt {tx}", IN_DOUBT_INTERVAL, tx=tx)

    def on_in_doubt(self, tx):
        if tx in self.in_doubt():
            self.send("coord", "STATUS", tx=tx)
            self.set_timer(f"in-doubt {tx}", IN_DOUBT_INTERVAL, tx=tx)

    def on_heuristic(self, tx):
        if tx not in self.in_doubt():
            return
        decision = self.config["heuristic_decision"]
        self.cancel_timer(f"in-doubt {tx}")
        self.apply_decision(tx, f"heuristic-{decision}")
        self.note(f"tx{tx}: HEURISTIC {decision.upper()} (gave up waiting)", tone="violation",
                  tx=tx, outcome=decision)

    # -- phase 2 ----------------------------------------------------------------------
    def on_commit(self, src, tx):
        self.decided(src, tx, "committed")

    def on_abort(self, src, tx):
        self.decided(src, tx, "aborted")

    def decided(self, src, tx, record):
        if tx in self.in_doubt():
            self.cancel_timer(f"in-doubt {tx}")
            self.cancel_timer(f"heuristic {tx}")
            self.apply_decision(tx, record)
            self.note(f"tx{tx}: {record}", tone=OUTCOME_TONE[_outcome(record)], tx=tx,
                      outcome=_outcome(record))
        elif str(tx) in self.volatile.txs and record == "aborted":
            self.abort_locally(tx, "coordinator aborted")
        self.send(src, "ACK", tx=tx)

    def apply_decision(self, tx, record):
        if _outcome(record) == "commit":
            self.durable.data.update(self.prepared_record(tx)["writes"])
        self.write_log(tx, record)
        self.release(tx)


