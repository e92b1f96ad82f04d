"""Total order broadcast's stories, written by what happens (kernel/script.py): each line is
resolved to a message or timer id when the protocol loads, and each remark is shown at the
step its line makes."""

from ..kernel import Preset, act, crash, deliver, drop, fire, restart
def _claim(node, user, remark=None):
    return act("claim", node, user=user, name="bob", remark=remark)


# Alice (via n2) and Carol (via n3) claim "bob" 2 ms apart: lamport-early's race.
RACE = [
    {"node": "n2", "user": "alice", "name": "bob", "at": 10},
    {"node": "n3", "user": "carol", "name": "bob", "at": 12},
]

PRESETS = {
    "first-claim-wins": Preset(
        title="Two users claim one name",
        summary="Alice (via n2) and Carol (via n3) both claim “bob”. Whichever claim the "
                "sequencer orders first wins — on every node.",
        config={"claims": []}, seed=1,
        script=[
            _claim("n2", "alice", "Alice asks n2 to claim “bob”: n2 appends a claim to the "
                                  "log — it sends it to the sequencer, n1 — and waits for it "
                                  "to be delivered back."),
            _claim("n3", "carol", "Carol asks n3 to claim “bob” too."),
            deliver("SUBMIT", frm="n3",
                    remark="Carol's claim reaches the sequencer first: slot #1. What counts "
                           "is the order the sequencer gives, not who clicked first."),
            deliver("SUBMIT", frm="n2", remark="Alice's claim gets #2."),
            deliver("ORDER", to="n2", where={"slot": 1}),
            deliver("ORDER", to="n3", where={"slot": 2},
                    remark="#2 reaches n3 before #1: n3 holds it back (see its hold-back "
                           "queue) — it delivers strictly in order."),
            deliver("ORDER", to="n3", where={"slot": 1}),
            deliver("ORDER", to="n2", where={"slot": 2}),
            deliver("ACK", frm="n2", where={"stored": 1},
                    remark="n2 has stored #1: with n1 that is a majority, so #1 is committed. "
                           "n1 delivers it and tells the others."),
            deliver("ACK", frm="n3", where={"stored": 0}),
            deliver("ACK", frm="n3", where={"stored": 2},
                    remark="n3 has stored #1 and #2: #2 is at a majority too, and n1 "
                           "delivers it."),
            deliver("ACK", frm="n2", where={"stored": 2}),
            deliver("COMMIT", to="n2", where={"upto": 1}),
            deliver("COMMIT", to="n3", where={"upto": 1},
                    remark="n3 delivers #1: its own claim, the first for “bob”. Carol is told "
                           "“yours”."),
            deliver("COMMIT", to="n2", where={"upto": 2},
                    remark="n2 delivers #2, Alice's claim — but the first claim for “bob” in "
                           "its log is Carol's. Alice is told the name is taken."),
            deliver("COMMIT", to="n3", where={"upto": 2},
                    remark="n3 delivers #2 as well: every node has delivered the same log in "
                           "the same order, so every node agrees who holds “bob”."),
            deliver("ACK", frm="n2"),
            deliver("ACK", frm="n3"),
            deliver("ACK", frm="n2"),
            deliver("ACK", frm="n3"),
        ]),
    "sequencer-crash": Preset(
        title="The sequencer crashes; a new one takes over in epoch 2",
        summary="n1 sequences Alice's claim and crashes before anyone delivers it. n2 "
                "bids for epoch 2, recovers the claim from a majority, and goes on — "
                "nothing delivered is lost or reordered.",
        config={"claims": []}, seed=1,
        script=[
            _claim("n2", "alice", "Alice asks n2 to claim “bob”; the claim goes to the "
                                  "sequencer, n1."),
            deliver("SUBMIT", frm="n2", remark="n1 gives it slot #1 and sends it to n2 and n3."),
            deliver("ORDER", to="n2", remark="n2 stores #1 and acknowledges. Nobody delivers "
                                             "it yet: only a majority holding it makes it "
                                             "safe."),
            crash("n1", remark="The sequencer crashes before it hears the acknowledgement."),
            _claim("n3", "carol", "Carol asks n3 to claim “bob”; her claim goes to the dead "
                                  "sequencer."),
            drop("ORDER", to="n3", remark="The ORDER of #1 to n3 is lost: only n2 has it now."),
            fire("n2", "retry", remark="n2's claim has not come back: it sends it to n1 "
                                       "again."),
            deliver("ACK", frm="n2", to="n1",
                    remark="Whatever reaches the crashed n1 is lost: n2's acknowledgement, "
                           "and the claims sent to it."),
            deliver("SUBMIT", frm="n3", to="n1"),
            deliver("SUBMIT", frm="n2", to="n1"),
            fire("n2", "retry"),
            deliver("SUBMIT", frm="n2", to="n1"),
            fire("n2", "retry",
                 remark="n2 has heard nothing from n1 through three retries: it suspects it, "
                        "and bids to sequence epoch 2 (n2 is epoch 2's sequencer)."),
            deliver("NEW-EPOCH", to="n1"),
            deliver("NEW-EPOCH", to="n3",
                    remark="n3 promises to follow epoch 2 — it will refuse anything from "
                           "epoch 1 now — and sends what it has stored: nothing."),
            deliver("EPOCH-OK", frm="n3",
                    remark="n2 and n3 are a majority. Any message delivered anywhere must be "
                           "stored at one of them: n2 recovers #1 and re-sends it in epoch 2."),
            fire("n3", "retry", remark="n3 re-sends Carol's claim — now to epoch 2's "
                                       "sequencer, n2."),
            deliver("ORDER", to="n3", where={"slot": 1}),
            deliver("ORDER", to="n1", where={"slot": 1}),
            deliver("SUBMIT", frm="n3", to="n2",
                    remark="Carol's claim, re-sent by n3 to the new sequencer, gets #2."),
            deliver("ORDER", to="n3", where={"slot": 2}),
            deliver("ACK", frm="n3", where={"stored": 1},
                    remark="#1 is stored at a majority in epoch 2: n2 delivers it. Alice: "
                           "“bob” is yours."),
            deliver("ORDER", to="n1", where={"slot": 2}),
            deliver("ACK", frm="n3", where={"stored": 2}),
            deliver("COMMIT", to="n1", where={"upto": 1}),
            deliver("COMMIT", to="n3", where={"upto": 2},
                    remark="n3 delivers #1 and #2: Carol's claim came second, so it fails."),
            restart("n1", remark="n1 restarts, still believing it sequences epoch 1."),
            deliver("COMMIT", to="n3", where={"upto": 1}),
            deliver("COMMIT", to="n1", where={"upto": 2},
                    remark="The first word from epoch 2 tells it otherwise: it stops "
                           "sequencing and follows n2."),
            deliver("ACK", frm="n3", newest=True),
            deliver("ACK", frm="n3"),
            deliver("ACK", frm="n1"),
            fire("n2", "resend", remark="n1 has stored nothing of epoch 2: n2 sends it #1 "
                                        "and #2."),
            deliver("ORDER", to="n1", where={"slot": 1}),
            deliver("ORDER", to="n1", where={"slot": 2},
                    remark="n1 catches up: the same two claims in the same order."),
            deliver("ACK", frm="n1"),
            deliver("ACK", frm="n1"),
        ]),
    "same-race-with-tob": Preset(
        title="The lamport-early race, through total order broadcast",
        summary="The schedule that gives “bob” to two users when nodes decide early by "
                "Lamport timestamp: here each waits for its claim to come back, and only "
                "one user gets the name.",
        config={"claims": RACE, "latency": [10, 80]}, seed=0,
        intro="Alice (via n2) and Carol (via n3) claim “bob” 2 ms apart, with the latencies "
              "under which deciding early gives the name to both. Here each node waits until "
              "its own claim is delivered back through the log. Press ▶ Play (or →) to "
              "watch: the sequencer orders one claim first, and only that user gets “bob”."),
    "two-users-one-name": Preset(
        title="Deciding early by Lamport timestamp gives one name to two users",
        summary="Alice and Carol claim “bob” 2 ms apart. Each node waits 30 ms, sees only "
                "its own claim, and says “yours”. The smaller timestamp arrives too late.",
        variant="lamport-early",
        config={"claims": RACE, "latency": [10, 80], "decide_after": 30}, seed=0,
        script=[
            fire("n2", "claim-at", remark="Alice asks n2 for “bob”: its claim carries Lamport "
                                          "timestamp (1,n2) and goes to every node."),
            fire("n3", "claim-at", remark="Carol asks n3 for “bob”: timestamp (1,n3)."),
            deliver("CLAIM", frm="n3", to="n1"),
            fire("n2", "decide", remark="n2 has waited 30 ms and seen only its own claim — the "
                                        "smallest timestamp it knows. Alice is told “yours”."),
            fire("n3", "decide", remark="n3 has also seen only its own claim: Carol is told "
                                        "“yours”. Two users now hold “bob”."),
            deliver("CLAIM", frm="n3", to="n2",
                    remark="Carol's claim (1,n3) reaches n2, after n2 has decided."),
            deliver("CLAIM", frm="n2", to="n1"),
            deliver("CLAIM", frm="n2", to="n3",
                    remark="Alice's claim (1,n2) reaches n3: smaller than Carol's (1,n3), so "
                           "Alice should have won — but Carol has already been told. Deciding "
                           "needs every node's claims: total order broadcast."),
        ]),
}
