"""Lamport timestamps' stories, written by what happens (kernel/script.py): each line is
resolved to a message id when the protocol loads, and each remark is shown at the step its
line makes."""

from ..kernel import Preset, act, deliver

PRESETS = {
    "image-versions": Preset(
        title="Two versions of one image, and another image elsewhere",
        summary="Alice uploads image 1 v1, then v2; Bob uploads image 2 at the same time. "
                "v1 → v2 is ordered; image 2 is concurrent with both — yet Lamport "
                "timestamps put it between them.",
        config={"events": 0, "vector_clocks": True,
                "labels": ["Alice's phone", "storage", "Bob's laptop"]},
        seed=1,
        script=[
            act("send", "n1", to="n2", label="image 1 v1",
                remark="Alice uploads image 1 v1: her phone's counter goes to 1, timestamp "
                       "(1,n1)."),
            act("send", "n3", to="n2", label="image 2 v1",
                remark="Meanwhile Bob uploads image 2 v1 from his laptop: timestamp (1,n3). "
                       "Neither knows of the other."),
            deliver("MESSAGE", frm="n1", where={"about": "image 1 v1"},
                    remark="Storage receives image 1 v1: max(0, 1) + 1 = 2, timestamp "
                           "(2,n2)."),
            act("send", "n1", to="n2", label="image 1 v2",
                remark="Alice uploads v2 — after v1 on the same phone, so v1 → v2: (2,n1) "
                       "[2,0,0] is after (1,n1) [1,0,0] by both clocks."),
            deliver("MESSAGE", frm="n3", where={"about": "image 2 v1"},
                    remark="Storage receives image 2: (3,n2). Lamport order puts image 2 "
                           "(1,n3) between v1 (1,n1) and v2 (2,n1), but its vector [0,0,1] "
                           "is incomparable with both [1,0,0] and [2,0,0]: it is concurrent "
                           "with both, and the order between them is arbitrary."),
            deliver("MESSAGE", frm="n1", where={"about": "image 1 v2"},
                    remark="Storage receives v2: (4,n2). Every receive is later than its "
                           "send. Click an event to see its causal past and future; the "
                           "concurrent ones grey out."),
        ]),
    "receive-before-send": Preset(
        title="Without the max rule, a receive looks older than its send",
        summary="n1 counts to 4 before sending; n2 ignores the counter on the message and "
                "timestamps the receive 1.",
        variant="no-max",
        config={"events": 0, "vector_clocks": True},
        seed=1,
        script=[
            act("local", "n1"),
            act("local", "n1"),
            act("local", "n1"),
            act("send", "n1", to="n2",
                remark="n1 has counted three local events; its send is (4,n1)."),
            deliver("MESSAGE", frm="n1", to="n2",
                    remark="n2 just counts up from 0: the receive gets (1,n2), smaller than "
                           "its send. The check fails — the Lamport order now contradicts "
                           "causality."),
        ]),
    "workload": Preset(
        title="Three nodes chatting, with vector clocks",
        summary="Auto-play: each node does four events, local or sends; compare the total "
                "order with the vectors to spot the concurrent pairs.",
        config={"events": 4, "vector_clocks": True},
        seed=3,
        intro="Each node does four events of its own, chosen at random: a local step or a "
              "message to another node. Press ▶ Play (or →) to watch them happen, then "
              "compare the Lamport order with the vectors: two events whose vectors are "
              "incomparable are concurrent, whichever one their timestamps put first."),
}
