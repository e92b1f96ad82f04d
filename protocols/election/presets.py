"""Leader election's stories, written by what happens (kernel/script.py): each line is
resolved to a message or timer id when the protocol loads, and each remark is shown at the
step its line makes."""

from ..kernel import (Preset, act, crash, deliver, fire, heal, partition, pause, restart,
                      resume)
from .nodes import NO_EPOCHS, NO_QUORUM, VOLATILE_VOTES

_QUIET = {"fault_drop": 0.0, "fault_pause": 0.0, "fault_partition": 0.0, "fault_crash": 0.0}
# n1 and the first client on one side; the rest of the cluster, the storage and client2 on
# the other.
_SPLIT = (["n1", "client"], ["n2", "n3", "storage", "client2"])


PRESETS = {
    "stale-leader": Preset(
        title="The old leader comes back and is refused",
        summary="n1 leads, n2..n4 follow. n1 pauses just before a write; n2 is elected in "
                "epoch 2. n1 comes back still believing it leads: the storage refuses its "
                "fencing token, the followers its epoch.",
        config={"nodes": 4, "clients": 2, "requests": 0}, seed=1,
        script=[
            fire("n1", "election", remark="n1's election timeout runs out first: it campaigns "
                                          "in epoch 1, voting for itself."),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE-REQUEST", to="n4"),
            deliver("VOTE", frm="n2"),
            deliver("VOTE", frm="n3",
                    remark="Round one: n2 and n3 vote for n1, each writing its vote to disk "
                           "before answering. Three of four votes: n1 is leader of epoch 1."),
            deliver("VOTE", frm="n4"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT", to="n4",
                    remark="n1's heartbeats. Each follower promises it a lease (300 ms) and "
                           "puts off its own campaign."),
            deliver("HEARTBEAT-ACK", frm="n2"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            deliver("HEARTBEAT-ACK", frm="n4"),
            act("request", "client"),
            deliver("REQUEST", frm="client",
                    remark="A client asks for v1. n1's lease is valid, so it proposes v1 for "
                           "slot 1."),
            deliver("PROPOSE", to="n2"),
            deliver("PROPOSE", to="n3"),
            deliver("PROPOSE", to="n4",
                    remark="Round two: the followers accept — epoch 1 is the highest they "
                           "have seen."),
            deliver("ACCEPTED", frm="n2"),
            deliver("ACCEPTED", frm="n3",
                    remark="A majority has accepted: v1 is decided. n1 checked its lease; its "
                           "write to the storage goes out in a moment…"),
            deliver("ACCEPTED", frm="n4"),
            pause("n1", remark="…but n1 stops: a long garbage-collection pause. It keeps all "
                               "its state and still believes it is the leader."),
            deliver("DECIDE", to="n2"),
            deliver("DECIDE", to="n3"),
            deliver("DECIDE", to="n4"),
            deliver("DONE", to="client"),
            fire("n2", "election", remark="No heartbeats: n2's election timeout runs out and "
                                          "it campaigns in epoch 2."),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE-REQUEST", to="n4"),
            deliver("VOTE", frm="n3"),
            deliver("VOTE", frm="n4",
                    remark="n3 and n4 vote for n2 (n1's lease has run out). Their votes carry "
                           "what they accepted, so n2 knows slot 1 is taken. n2 is leader of "
                           "epoch 2."),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT", to="n4"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            deliver("HEARTBEAT-ACK", frm="n4"),
            act("request", "client2"),
            deliver("REQUEST", frm="client2"),
            deliver("PROPOSE", to="n3"),
            deliver("PROPOSE", to="n4"),
            deliver("ACCEPTED", frm="n3"),
            deliver("ACCEPTED", frm="n4",
                    remark="A second client asks n2 for w1: proposed for slot 2, accepted, "
                           "decided."),
            fire("n2", "apply"),
            deliver("WRITE", frm="n2", remark="n2 writes w1 to the storage, with its epoch as "
                                              "fencing token: 2."),
            deliver("DECIDE", to="n3"),
            deliver("DECIDE", to="n4"),
            deliver("DONE", to="client2"),
            resume("n1", remark="n1 resumes. It still believes it leads epoch 1: it checked "
                                "its lease before the pause, and nothing since has told it "
                                "otherwise."),
            fire("n1", "apply"),
            deliver("WRITE", frm="n1",
                    remark="Its write of v1 arrives with token 1, lower than 2: the storage "
                           "refuses it. Without the check, v1 would have overwritten w1."),
            fire("n1", "renew",
                 remark="n1's heartbeat timer fires, and only now does n1 see that its lease "
                        "ran out long ago, during the pause — after its write had already "
                        "gone out."),
            deliver("HEARTBEAT", to="n3", remark="n1's heartbeat in epoch 1 is refused too: "
                                                 "n3 has seen epoch 2."),
            deliver("FENCED", to="n1", remark="Told of epoch 2, n1 steps down."),
        ]),
    "lease-failover": Preset(
        title="A lease holder crashes; another is promoted",
        summary="The coordination-service story: App1 holds a 10 s lease and renews it; it "
                "crashes; once its lease has run out, App2 is promoted in a higher epoch.",
        config={"nodes": 3, "requests": 0, "labels": ["App1", "App2", "App3"],
                "lease": 10000, "heartbeat": 3000, "election_timeout": [12000, 15000]},
        seed=1,
        script=[
            fire("n1", "election", remark="App1 campaigns for leadership in epoch 1."),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE", frm="n2",
                    remark="App2 votes for it: with its own vote that is a majority of three. "
                           "App1 holds a lease of 10 s."),
            deliver("VOTE", frm="n3"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n2"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            fire("n1", "renew"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n2",
                    remark="Every 3 s App1 renews its lease: once a majority acknowledges a "
                           "heartbeat, the lease runs 10 s from that heartbeat."),
            deliver("HEARTBEAT-ACK", frm="n3"),
            fire("n1", "renew"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n2", remark="Renewed again."),
            deliver("HEARTBEAT-ACK", frm="n3"),
            crash("n1", remark="App1 crashes. Its lease still runs for almost 10 s, and until "
                               "it has run out App2 and App3 will not support anyone else."),
            fire("n2", "election", remark="Long after the lease has run out, App2's election "
                                          "timeout fires: it campaigns in epoch 2."),
            deliver("VOTE-REQUEST", to="n1"),    # lost: App1 is down
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE", frm="n3", remark="App3 votes for it: App2 is promoted, in a higher "
                                             "epoch, with a lease of its own."),
            deliver("HEARTBEAT", to="n1"),       # lost too
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n3"),
        ]),
    "minority-up": Preset(
        title="Only a minority is up: nothing is ever decided",
        summary="Three of five nodes crash. n1 and n2 campaign, and campaign again, each time "
                "with two votes of the three a leader needs: no leader is elected and the "
                "client's value is never decided.",
        config={"nodes": 5, "requests": 0}, seed=1,
        script=[
            crash("n3"),
            crash("n4"),
            crash("n5", remark="n3, n4 and n5 crash, and stay down. Two of five nodes are left: "
                               "a minority. Electing a leader and deciding a value each take a "
                               "strict majority — three votes."),
            act("request", "client", remark="A client asks for v1."),
            deliver("REQUEST", to="n1",
                    remark="n1 knows no leader and is none, so it turns the client away "
                           "(REDIRECT, no leader). The client will try again later."),
            fire("n1", "election", remark="n1's election timeout runs out: it campaigns in "
                                          "epoch 1, voting for itself, and asks the four "
                                          "others."),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE-REQUEST", to="n4"),
            deliver("VOTE-REQUEST", to="n5", remark="Its requests to n3, n4 and n5 are lost: "
                                                    "they are down."),
            deliver("VOTE", frm="n2",
                    remark="n2 votes for n1: two votes of five. A leader needs three, so n1 "
                           "stays a candidate."),
            fire("n1", "election",
                 remark="No majority by its next timeout: n1 campaigns again, in epoch 2."),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE", frm="n2", remark="n2 votes for it again: still two of five."),
            fire("n2", "election",
                 remark="Now n2's timeout runs out: it campaigns in epoch 3."),
            deliver("VOTE-REQUEST", frm="n2", to="n1",
                    remark="n1 hears of epoch 3: it stops campaigning and votes for n2…"),
            deliver("VOTE", frm="n1",
                    remark="…which gets two votes of five, like n1 before it. So it goes on: "
                           "campaign after campaign, never three votes, no leader, and v1 is "
                           "never decided. The termination check says why. Press ▶ Play: "
                           "however long it runs, nothing changes until a majority is back "
                           "(restart a node by clicking its header)."),
        ]),
    "no-epochs-split-brain": Preset(
        title="Without epochs, two leaders both decide",
        summary="Variant no-epochs: n1 is cut off with a value in flight; n2 is elected and "
                "decides w1 for slot 1. After the heal the nodes accept n1's stale proposal "
                "too — slot 1 is decided twice, differently.",
        variant=NO_EPOCHS, config=dict(_QUIET, nodes=3, clients=2, requests=0), seed=1,
        script=[
            fire("n1", "election"),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE", frm="n2", remark="n1 is leader of epoch 1."),
            deliver("VOTE", frm="n3"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n2"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            act("request", "client"),
            deliver("REQUEST", frm="client",
                    remark="A client asks n1 for v1; n1 proposes it for slot 1…"),
            partition(*_SPLIT, remark="…but a partition cuts n1 (and that client) off before "
                                      "anyone accepts."),
            fire("n2", "election"),
            deliver("VOTE-REQUEST", frm="n2", to="n3"),
            deliver("VOTE", frm="n3",
                    remark="On the majority side n2 is elected, in epoch 2. Nobody there has "
                           "accepted anything, so slot 1 is free."),
            deliver("HEARTBEAT", frm="n2", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            act("request", "client2"),
            deliver("REQUEST", frm="client2"),
            deliver("PROPOSE", frm="n2", to="n3"),
            deliver("ACCEPTED", frm="n3",
                    remark="Another client asks n2 for w1: slot 1 = w1, accepted by n3, "
                           "decided."),
            deliver("DECIDE", frm="n2", to="n3"),
            deliver("DONE", to="client2"),
            heal(remark="The partition heals. n1 never heard of epoch 2 — and without epoch "
                        "checks, nothing will tell it."),
            deliver("PROPOSE", frm="n1", to="n2"),
            deliver("PROPOSE", frm="n1", to="n3"),
            deliver("ACCEPTED", frm="n2", to="n1",
                    remark="n2 and n3 accept n1's stale proposal, since nobody compares "
                           "epochs: n1 decides v1 for slot 1. Uniform agreement is broken."),
            deliver("ACCEPTED", frm="n3", to="n1"),
            deliver("DECIDE", frm="n1", to="n2",
                    remark="And n2, which had decided w1, now decides v1 for the same slot: "
                           "integrity is broken too."),
            deliver("DECIDE", frm="n1", to="n3", remark="So does n3."),
        ]),
    "no-quorum-split-brain": Preset(
        title="Without a quorum, each side of a partition decides",
        summary="Variant no-quorum: a leader counts itself as enough. Split by a partition, "
                "n1 and n2 each lead and each decide a different value for slot 1.",
        variant=NO_QUORUM, config=dict(_QUIET, nodes=3, clients=2, requests=0), seed=1,
        script=[
            fire("n1", "election", remark="n1 campaigns — and, counting itself as enough, is "
                                          "leader at once."),
            deliver("VOTE-REQUEST", to="n2"),
            deliver("VOTE-REQUEST", to="n3"),
            deliver("VOTE", frm="n2"),
            deliver("VOTE", frm="n3"),
            deliver("HEARTBEAT", to="n2"),
            deliver("HEARTBEAT", to="n3"),
            deliver("HEARTBEAT-ACK", frm="n2"),
            deliver("HEARTBEAT-ACK", frm="n3"),
            act("request", "client"),
            deliver("REQUEST", frm="client",
                    remark="A client asks n1 for v1: n1 decides it for slot 1 on its own vote."),
            partition(*_SPLIT, remark="A partition cuts n1 off."),
            deliver("DONE", to="client"),
            fire("n2", "election", remark="On the other side n2's election timeout fires: it "
                                          "too leads at once, in epoch 2."),
            act("request", "client2"),
            deliver("REQUEST", frm="client2",
                    remark="Asked for w1, n2 decides it for slot 1 alone: uniform agreement is "
                           "broken. With majorities, the two sides could not both have "
                           "decided."),
            deliver("DECIDE", frm="n2", to="n3"),
        ]),
    "volatile-votes-double-vote": Preset(
        title="A restart forgets a vote: two leaders in one epoch",
        summary="Variant volatile-votes: n3 votes for n1 in epoch 1, restarts, forgets, and "
                "votes for n2 in the same epoch.",
        variant=VOLATILE_VOTES, config=dict(_QUIET, nodes=3, requests=0), seed=1,
        script=[
            fire("n1", "election"),
            fire("n2", "election", remark="n1 and n2 both campaign in epoch 1; each votes for "
                                          "itself."),
            deliver("VOTE-REQUEST", frm="n1", to="n3"),
            deliver("VOTE", frm="n3", to="n1",
                    remark="n3 votes for n1: with n1's own vote that is a majority. n1 leads "
                           "epoch 1."),
            crash("n3"),
            restart("n3", remark="n3 crashes and restarts. Its vote was only in memory: it is "
                                 "gone."),
            deliver("VOTE-REQUEST", frm="n2", to="n3"),
            deliver("VOTE", frm="n3", to="n2",
                    remark="n2's request reaches n3, which no longer knows it voted in epoch 1 "
                           "and votes again: n2 also leads epoch 1."),
        ]),
}
