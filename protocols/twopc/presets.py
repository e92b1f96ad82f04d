"""Two-phase commit's stories, written by what happens (kernel/script.py): each line is
resolved to a message or timer id when the protocol loads, and each remark is shown at the
step its line makes."""

from ..kernel import Preset, act, crash, deliver, drop, fire, restart

# The client begins; the coordinator hands out tx1; the client writes x at every participant.
_WRITES = [
    deliver("BEGIN", to="coord"),
    deliver("BEGUN", to="client"),
    deliver("WRITE", to="p1", remark="It writes x at every participant; each takes a lock on x."),
    deliver("WRITE", to="p2"),
    deliver("WRITE", to="p3"),
    deliver("WRITTEN", frm="p1"),
    deliver("WRITTEN", frm="p2"),
    deliver("WRITTEN", frm="p3"),
]

# Phase 1 up to the votes: the commit request and a PREPARE delivered to each participant.
_PREPARES = [
    deliver("COMMIT-REQUEST", remark="Writes done: the application asks the coordinator to "
                                     "commit."),
    deliver("PREPARE", to="p1"),
    deliver("PREPARE", to="p2"),
]


def _begin(remark=None):
    return act("begin", "client", remark=remark)


PRESETS = {
    "commit": Preset(
        title="A transaction commits",
        summary="Every participant votes yes; the coordinator logs COMMIT, then tells them.",
        config={"transactions": 0}, seed=1,
        script=[
            _begin("The application begins a transaction: it asks the coordinator for an id."),
            *_WRITES, *_PREPARES,
            deliver("PREPARE", to="p3",
                    remark="Phase 1: every participant writes a prepared record and votes yes — "
                           "it is now in doubt and may no longer abort on its own."),
            deliver("VOTE", frm="p1"),
            deliver("VOTE", frm="p2"),
            deliver("VOTE", frm="p3",
                    remark="The last yes vote: the coordinator writes COMMIT to its log. That is "
                           "the commit point."),
            deliver("COMMIT", to="p1"),
            deliver("COMMIT", to="p2"),
            deliver("COMMIT", to="p3",
                    remark="Phase 2: participants commit, release their locks and acknowledge."),
            deliver("OUTCOME", to="client"),
            deliver("ACK", frm="p1"),
            deliver("ACK", frm="p2"),
            deliver("ACK", frm="p3", remark="Every participant has acknowledged: the "
                                            "coordinator logs the end of tx1."),
        ]),
    "vote-no": Preset(
        title="One participant votes no",
        summary="p2 refuses to prepare, so the whole transaction aborts everywhere.",
        config={"transactions": 0, "vote_no": ["p2"]}, seed=1,
        script=[
            _begin(), *_WRITES, *_PREPARES[:2],
            deliver("PREPARE", to="p2", remark="p2 votes no (a constraint failed, say) and "
                                               "aborts its part at once: a no binds nobody."),
            deliver("PREPARE", to="p3"),
            deliver("VOTE", frm="p1"),
            deliver("VOTE", frm="p2", remark="One no is enough: the coordinator logs ABORT and "
                                             "tells every participant."),
            deliver("VOTE", frm="p3"),
            deliver("ABORT", to="p1"),
            deliver("ABORT", to="p2"),
            deliver("ABORT", to="p3", remark="The participants that voted yes were in doubt "
                                             "until now; they abort and release their locks."),
            deliver("OUTCOME", to="client"),
            deliver("ACK", frm="p1"),
            deliver("ACK", frm="p2"),
            deliver("ACK", frm="p3", remark="Everyone aborted: nothing of tx1 is left anywhere."),
        ]),
    "coordinator-crash": Preset(
        title="The coordinator crashes after PREPARE",
        summary="Participants that voted yes are stuck in doubt, holding their locks, until the "
                "coordinator recovers from its log.",
        config={"transactions": 0}, seed=1,
        script=[
            _begin(), *_WRITES, *_PREPARES,
            deliver("PREPARE", to="p3", remark="Every participant has voted yes: all three are "
                                               "in doubt."),
            crash("coord", remark="The coordinator crashes before it has decided."),
            deliver("VOTE", frm="p1"),
            deliver("VOTE", frm="p2"),
            deliver("VOTE", frm="p3", remark="The votes reach a dead coordinator and are lost."),
            fire("p1", "in-doubt"),
            fire("p2", "in-doubt"),
            fire("p3", "in-doubt",
                 remark="The participants ask what happened. Nobody answers: they must wait, "
                        "holding their locks. A participant cannot abort — another might have "
                        "committed."),
            deliver("STATUS", frm="p1"),
            deliver("STATUS", frm="p2"),
            deliver("STATUS", frm="p3"),
            restart("coord", remark="The coordinator restarts. Its log holds no decision for "
                                    "tx1."),
            fire("p1", "in-doubt"),
            fire("p2", "in-doubt"),
            fire("p3", "in-doubt"),
            deliver("STATUS", frm="p1"),
            deliver("STATUS", frm="p2"),
            deliver("STATUS", frm="p3",
                    remark="Asked again, it answers ABORT: with no commit record, nobody can "
                           "have committed (presumed abort). The participants are released."),
            deliver("ABORT", to="p1"),
            deliver("ABORT", to="p2"),
            deliver("ABORT", to="p3"),
        ]),
    "crash-after-commit": Preset(
        title="The coordinator crashes after logging COMMIT",
        summary="The decision is on the coordinator's disk but no participant has heard it: "
                "all wait in doubt until it recovers, then all commit.",
        config={"transactions": 0}, seed=1,
        script=[
            _begin(), *_WRITES, *_PREPARES,
            deliver("PREPARE", to="p3"),
            deliver("VOTE", frm="p1"),
            deliver("VOTE", frm="p2"),
            deliver("VOTE", frm="p3", remark="The last yes vote: the coordinator logs COMMIT. "
                                             "The decision is made — and durable."),
            crash("coord", remark="The coordinator crashes at once."),
            drop("COMMIT", to="p1"),
            drop("COMMIT", to="p2"),
            drop("COMMIT", to="p3", remark="Its COMMIT messages are lost with it: no "
                                           "participant knows the outcome."),
            fire("p1", "in-doubt"),
            fire("p2", "in-doubt"),
            fire("p3", "in-doubt", remark="The participants ask, and nobody answers. They "
                                          "may not abort: the coordinator may have committed "
                                          "(it has). They wait, holding their locks."),
            deliver("STATUS", frm="p1"),
            deliver("STATUS", frm="p2"),
            deliver("STATUS", frm="p3"),
            restart("coord", remark="The coordinator recovers: its log says COMMIT, so it sends "
                                    "COMMIT again to everyone that has not acknowledged."),
            deliver("COMMIT", to="p1"),
            deliver("COMMIT", to="p2"),
            deliver("COMMIT", to="p3", remark="All three commit: the decision outlived the "
                                              "crash because it was logged before it was "
                                              "sent."),
            deliver("ACK", frm="p1"),
            deliver("ACK", frm="p2"),
            deliver("ACK", frm="p3"),
        ]),
    "xa": Preset(
        title="XA: a database and a message queue",
        summary="Heterogeneous participants — a database and a message broker — commit "
                "atomically under one transaction manager.",
        config={"transactions": 1, "participants": 2, "kinds": ["database", "message queue"]},
        seed=3,
        intro="The same protocol across different technologies: XA. Press ▶ Play (or →) to "
              "watch the transaction manager commit across both."),
    "heuristic": Preset(
        title="A heuristic decision breaks atomicity",
        summary="The COMMIT to p3 is lost; p3 gives up waiting and aborts on its own, while p1 "
                "and p2 commit.",
        variant="heuristic", config={"transactions": 0, "fault_drop": 0.0, "fault_crash": 0.0},
        seed=1,
        script=[
            _begin(), *_WRITES, *_PREPARES,
            deliver("PREPARE", to="p3"),
            deliver("VOTE", frm="p1"),
            deliver("VOTE", frm="p2"),
            deliver("VOTE", frm="p3", remark="The coordinator has logged COMMIT."),
            drop("COMMIT", to="p3", remark="The COMMIT to p3 is lost."),
            deliver("COMMIT", to="p1"),
            deliver("COMMIT", to="p2"),
            fire("p3", "heuristic", remark="p3 stops waiting and makes a heuristic decision: "
                                           "abort. Atomicity is broken."),
        ]),
}
