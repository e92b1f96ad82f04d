"""Replication's stories, each a script of what happens: the client requests, and which
message reaches which node in what order."""

from ..kernel import Preset, act, deliver


def _cas(node, key, expected, new, remark=None):
    """A client's compare-and-set `key`: expected → new (`from` is a Python keyword)."""
    return act("cas", node, remark=remark, key=key, **{"from": expected, "to": new})


PRESETS = {
    "quorum-stale-read": Preset(
        title="Leaderless: a stale read although W + R > N",
        summary="N = 3, W = 3, R = 2 (DDIA figure 9-6). While a write is in flight, one "
                "reader meets the new value at one replica; a later reader meets two "
                "replicas that have not got it yet, and reads the old value.",
        variant="leaderless",
        config={"replicas": 3, "w": 3, "r": 2, "clients": 3, "operations": 0,
                "read_repair": "off", "fault_drop": 0.0},
        seed=1,
        script=[
            act("write", "c1", key="x", value=1,
                remark="c1 writes x = 1. First it asks the replicas for the current version "
                       "(so its write gets a higher one)."),
            deliver("GET-VERSION", to="r1"),
            deliver("GET-VERSION", to="r2"),
            deliver("VERSION", frm="r1"),
            deliver("VERSION", frm="r2",
                    remark="Two replicas answered (R = 2): c1 sends x = 1, version 1, to all "
                           "three and will wait for W = 3 acknowledgements."),
            deliver("PUT", to="r1", remark="Only r1 has the new value so far; the other two "
                                           "PUTs are still on their way."),
            act("read", "c2", key="x"),
            deliver("GET", frm="c2", to="r1"),
            deliver("GET", frm="c2", to="r2"),
            deliver("GOT", frm="r1", to="c2"),
            deliver("GOT", frm="r2", to="c2",
                    remark="c2 reads from r1 and r2: versions 1 and 0. It returns the "
                           "newest: 1."),
            act("read", "c3", key="x", remark="c2's read is over. Now c3 starts a read..."),
            deliver("GET", frm="c3", to="r2"),
            deliver("GET", frm="c2", to="r3"),
            deliver("GET", frm="c3", to="r3"),
            deliver("GOT", frm="r2", to="c3"),
            deliver("GOT", frm="r3", to="c3",
                    remark="...and meets r2 and r3, which both still hold the old value: c3 "
                           "reads nil. A read that began after another read had returned 1 "
                           "gets the older value: not linearizable, though W + R > N."),
            deliver("GET-VERSION", to="r3"),
            deliver("VERSION", frm="r3"),
            deliver("PUT", to="r2"),
            deliver("PUT", to="r3"),
            deliver("PUT-OK", frm="r1"),
            deliver("PUT-OK", frm="r2"),
            deliver("PUT-OK", frm="r3",
                    remark="The write completes at last. Synchronous read repair "
                           "(read_repair: sync) would have made c2 write 1 back to a quorum "
                           "before answering."),
            deliver("GET", frm="c3", to="r1"),
            deliver("GOT", frm="r3", to="c2"),
            deliver("GOT", frm="r1", to="c3"),
        ]),
    "async-follower-stale-read": Preset(
        title="Single leader: an asynchronous follower serves a stale read",
        summary="The leader acknowledges the write at once; r3 has not got it yet and "
                "answers a later read with the old value.",
        variant="follower-reads",
        config={"clients": 2, "operations": 0, "fault_drop": 0.0},
        seed=1,
        script=[
            act("write", "c1", key="x", value=1),
            deliver("WRITE", to="r1",
                    remark="The leader r1 appends x = 1 to its log and sends it to both "
                           "followers — asynchronously: it does not wait for them."),
            deliver("WRITTEN", to="c1", remark="c1 is told the write succeeded."),
            deliver("APPEND", to="r2"),
            deliver("APPENDED", frm="r2"),
            act("read", "c2", key="x", via="r2"),
            deliver("READ", to="r2"),
            deliver("VALUE", frm="r2", remark="c2 reads at r2, which has the write: 1."),
            act("read", "c2", key="x", via="r3"),
            deliver("READ", to="r3"),
            deliver("VALUE", frm="r3",
                    remark="c2 reads at r3, whose copy of the log is still in flight: nil. "
                           "The write had completed before this read began — a stale read."),
            deliver("APPEND", to="r3", remark="Only now does r3 receive x = 1 from the "
                                              "leader."),
            deliver("APPENDED", frm="r3"),
            act("read", "c2", key="x", via="r3"),
            deliver("READ", to="r3"),
            deliver("VALUE", frm="r3",
                    remark="Once r3 catches up it answers 1. Reads at the leader (variant "
                           "correct) never see this."),
        ]),
    "lost-update": Preset(
        title="Multi-leader: last writer wins discards a write",
        summary="c1 writes at r1 and c2 at r2 at the same time. Both are told OK; when the "
                "leaders exchange the writes, the one with the smaller timestamp is silently "
                "dropped everywhere.",
        variant="multi-leader",
        config={"operations": 0},
        seed=1,
        script=[
            act("write", "c1", key="x", value=11),
            act("write", "c2", key="x", value=12),
            deliver("WRITE", to="r1"),
            deliver("WRITE", to="r2", remark="Each leader accepts its client's write at once, "
                                             "stamped with its clock."),
            deliver("WRITTEN", to="c1"),
            deliver("WRITTEN", to="c2",
                    remark="Both clients have been told their write succeeded."),
            deliver("REPLICATE", frm="r1", to="r2",
                    remark="r2 receives c1's write: its own has the later timestamp, so c1's "
                           "is discarded — an update lost."),
            deliver("REPLICATE", frm="r2", to="r1",
                    remark="r1 receives c2's write, which wins there too: r1 overwrites the "
                           "11 it acknowledged to its own client."),
            deliver("REPLICATE", frm="r1", to="r3"),
            deliver("REPLICATE", frm="r2", to="r3"),
            deliver("REPLICATED", frm="r2", to="r1"),
            deliver("REPLICATED", frm="r1", to="r2"),
            deliver("REPLICATED", frm="r3", to="r1"),
            deliver("REPLICATED", frm="r3", to="r2"),
            act("read", "c1", key="x"),
            deliver("READ", to="r1"),
            deliver("VALUE", to="c1",
                    remark="c1 reads back 12, not its 11. Plain writes that are concurrent "
                           "may be ordered either way, so this history is still linearizable; "
                           "the next preset shows what a lost update does to a "
                           "compare-and-set."),
        ]),
    "username-race": Preset(
        title="Username registration race: two leaders both say yes",
        summary="alice (at r1) and bob (at r2) claim the username jim with compare-and-set "
                "nil → name. Each leader checks only its own copy: both succeed, then last "
                "writer wins keeps one.",
        variant="multi-leader",
        config={"operations": 0, "keys": ["jim"]},
        seed=1,
        script=[
            _cas("c1", "jim", None, "alice"),
            _cas("c2", "jim", None, "bob",
                 remark="Two people try to register the same username at the same moment."),
            deliver("CAS", to="r1"),
            deliver("CAS", to="r2"),
            deliver("CAS-OK", to="c1"),
            deliver("CAS-OK", to="c2",
                    remark="Both are told the name is theirs: two successful compare-and-sets "
                           "from nil cannot be put in one order. Not linearizable."),
            deliver("REPLICATE", frm="r1", to="r2",
                    remark="The leaders exchange the claims; last writer wins keeps bob's, and "
                           "alice has silently lost her username."),
            deliver("REPLICATE", frm="r1", to="r3"),
            deliver("REPLICATE", frm="r2", to="r1"),
            deliver("REPLICATE", frm="r2", to="r3"),
            deliver("REPLICATED", frm="r2", to="r1"),
            deliver("REPLICATED", frm="r3", to="r1"),
            deliver("REPLICATED", frm="r1", to="r2"),
            deliver("REPLICATED", frm="r3", to="r2"),
        ]),
    "username-at-the-leader": Preset(
        title="Username registration at a single leader: exactly one wins",
        summary="The same race, but both claims go to the one leader, which decides them in "
                "order: one succeeds, the other fails.",
        variant="correct",
        config={"operations": 0, "keys": ["jim"]},
        seed=1,
        script=[
            _cas("c1", "jim", None, "alice"),
            _cas("c2", "jim", None, "bob"),
            deliver("CAS", frm="c1",
                    remark="The leader takes alice's claim first: jim is free, so it is hers "
                           "(once the synchronous follower r2 has it)."),
            deliver("CAS", frm="c2", remark="bob's claim finds jim taken: it fails."),
            deliver("APPEND", to="r2"),
            deliver("APPEND", to="r3"),
            deliver("CAS-FAILED", to="c2", remark="bob is told: jim is alice's."),
            deliver("APPENDED", frm="r2",
                    remark="The synchronous follower r2 has alice's claim: only now does the "
                           "leader answer her."),
            deliver("APPENDED", frm="r3"),
            deliver("CAS-OK", to="c1",
                    remark="alice is told she won. One copy, one order: linearizable."),
        ]),
    "image-resizer": Preset(
        title="The image resizer fetches an old version",
        summary="A web server uploads v1, v2, v3 in quick succession and after each tells the "
                "resizer through a message queue; the resizer fetches from its nearest "
                "replica, an asynchronous follower, and processes an old image.",
        variant="follower-reads",
        config={"image_resizer": True, "clients": 2, "operations": 0, "keys": ["image"],
                "fault_drop": 0.0, "latency": [10, 40]},
        seed=1,
        script=[
            act("write", "c1", key="image", value="v1",
                remark="The web server stores the uploaded image, v1, at the leader."),
            deliver("WRITE", to="r1"),
            deliver("WRITTEN", to="c1"),
            deliver("APPEND", to="r3",
                    remark="r3, the replica nearest the resizer, receives v1."),
            act("write", "c1", key="image", value="v2"),
            deliver("WRITE", to="r1"),
            deliver("WRITTEN", to="c1"),
            act("write", "c1", key="image", value="v3"),
            deliver("WRITE", to="r1"),
            deliver("WRITTEN", to="c1",
                    remark="v2 and v3 follow quickly; r3 has not received them yet."),
            deliver("ENQUEUE", where={"value": "v1"}),
            deliver("ENQUEUE", where={"value": "v2"}),
            deliver("ENQUEUE", where={"value": "v3"},
                    remark="Each upload put a message on the queue: \"resize the image\"; the "
                           "queue passes them on to the resizer."),
            deliver("RESIZE", where={"value": "v1"}),
            deliver("READ", to="r3"),
            deliver("VALUE", frm="r3",
                    remark="The resizer fetches the image from r3 and gets v1 — although v2 "
                           "was stored before it asked. The two channels (queue and "
                           "replication) race."),
            deliver("RESIZE", where={"value": "v2"}),
            deliver("RESIZE", where={"value": "v3"}),
            deliver("READ", to="r3"),
            deliver("VALUE", frm="r3",
                    remark="Told about v2, it fetches again and still gets v1: it resizes an "
                           "old image."),
        ]),
}
