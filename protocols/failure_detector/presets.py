"""The failure detector's stories, written by what happens (kernel/script.py): each line is
resolved to a message or timer id when the protocol loads, and each remark is shown at the step
its line makes. Every script follows simulated time: it delivers what arrives next."""

from ..kernel import Preset, crash, deliver, fire, pause, restart, resume


def _beat(*nodes):
    """The beat timers of `nodes` fire: each sends its next HEARTBEAT."""
    return [fire(n, "beat") for n in nodes]


def _hear(*nodes):
    """The monitor receives the heartbeats of `nodes`, in this order."""
    return [deliver("HEARTBEAT", frm=n) for n in nodes]


# A network whose delays vary from 10 to 100 ms (the default is 10 to 40), and a seed on which
# n2's fifth heartbeat takes 93 ms right after its fourth took 28: a gap of 165 ms between two
# heartbeats of a node that never stopped.
_JITTERY = {"latency": [10, 100]}
_JITTERY_SEED = 104


def _jittery_network(late_remark):
    """Four rounds of heartbeats on the jittery network, then the fifth, in which n2's is late
    (the line that sends it carries `late_remark`)."""
    return [
        *_beat("n1", "n2", "n3"), *_hear("n1", "n2", "n3"),
        *_beat("n1", "n2", "n3"), *_hear("n3", "n2", "n1"),
        *_beat("n1", "n2", "n3"), *_hear("n2", "n1", "n3"),
        *_beat("n1", "n2", "n3"), *_hear("n1", "n3", "n2"),
        fire("n1", "beat"),
        fire("n2", "beat", remark=late_remark),
        fire("n3", "beat"),
        *_hear("n1", "n3"),
    ]


PRESETS = {
    "crash-detected": Preset(
        title="A crashed node is suspected",
        summary="n2 crashes and falls silent; 300 ms after its last heartbeat the monitor "
                "suspects it. When n2 restarts, its first heartbeat clears the suspicion.",
        seed=1,
        intro="A monitor and three nodes. Every 100 ms each node sends the monitor a "
              "HEARTBEAT; the monitor suspects a node it has not heard from for 300 ms. "
              "Press → to step.",
        script=[
            fire("n1", "beat", remark="n1's beat timer fires: it sends HEARTBEAT #1 to the "
                                      "monitor, and will send the next one in 100 ms."),
            *_beat("n2", "n3"),
            deliver("HEARTBEAT", frm="n1",
                    remark="The monitor notes when it heard from n1 and starts n1's timeout "
                           "again: 300 ms from now."),
            *_hear("n2", "n3"),
            *_beat("n1", "n2", "n3"), *_hear("n3", "n2", "n1"),
            crash("n2", remark="n2 crashes. Nothing tells the monitor: a crashed node simply "
                               "falls silent. Completeness turns amber — n2 is down and not "
                               "suspected yet."),
            *_beat("n1", "n3"), *_hear("n3", "n1"),
            *_beat("n1", "n3"), *_hear("n1", "n3"),
            *_beat("n1", "n3"), *_hear("n1", "n3"),
            fire("monitor", "timeout n2",
                 remark="300 ms after n2's last heartbeat its timeout runs out: the monitor "
                        "suspects n2. Completeness holds; detecting the crash took 300 ms of "
                        "silence — the price of a generous timeout."),
            restart("n2", remark="n2 restarts. Its incarnation, kept on disk, becomes 2; its "
                                 "heartbeat count, kept in memory, starts again."),
            *_beat("n1", "n3"), *_hear("n3", "n1"),
            fire("n2", "beat"),
            deliver("HEARTBEAT", frm="n2",
                    remark="HEARTBEAT n2 #1 incarnation 2: the monitor sees that n2 came back "
                           "and trusts it again."),
        ]),
    "late-heartbeat": Preset(
        title="A late heartbeat fools a short timeout",
        summary="On a network whose delays vary from 10 to 100 ms, one heartbeat of n2 is slow; "
                "a 150 ms timeout suspects n2, which never stopped.",
        variant="aggressive-timeout", config=_JITTERY, seed=_JITTERY_SEED,
        intro="The aggressive variant: the monitor waits only 150 ms for a node's next "
              "heartbeat. The network here is jittery — a message takes anywhere from 10 to "
              "100 ms. Press → to step.",
        script=[
            *_jittery_network(
                "n2 sends HEARTBEAT #5 on time — but this one will take 93 ms to arrive, after "
                "28 ms for #4."),
            fire("monitor", "timeout n2",
                 remark="150 ms since the monitor last heard from n2: it suspects n2. But n2 "
                        "is alive and its heartbeat is on the way — accuracy is broken."),
            deliver("HEARTBEAT", frm="n2",
                    remark="15 ms later the heartbeat arrives and the monitor trusts n2 again. "
                           "Anything that acted on the suspicion (a new leader, a failover) "
                           "acted on a live node."),
        ]),
    "adaptive-absorbs": Preset(
        title="The adaptive timeout waits out the same late heartbeat",
        summary="The same network, the same heartbeats: a monitor whose timeout follows the gaps "
                "it has observed waits long enough for n2's slow heartbeat.",
        variant="adaptive", config=_JITTERY, seed=_JITTERY_SEED,
        intro="The adaptive variant on the jittery network of the story before (same seed, "
              "same heartbeats). The monitor's timeout for each node is the mean gap between "
              "its heartbeats plus five deviations; until it has seen three gaps it waits "
              "300 ms. Watch the timeouts on the monitor's card. Press → to step.",
        script=[
            *_jittery_network(
                "n2 sends HEARTBEAT #5, which will take 93 ms. Having seen gaps from 60 to "
                "135 ms between n2's heartbeats, the monitor now waits 247 ms for it."),
            deliver("HEARTBEAT", frm="n2",
                    remark="It arrives 165 ms after the last one: well within the adaptive "
                           "timeout, so n2 was never suspected. The monitor adds the gap to "
                           "what it knows and waits longer from now on: 288 ms."),
        ]),
    "gc-pause": Preset(
        title="A paused node is suspected by any timeout",
        summary="n2 stops for 300 ms (a garbage-collection pause, say) and is suspected although "
                "it never crashed; it resumes as if nothing had happened.",
        seed=1,
        intro="The correct variant, with its generous 300 ms timeout. A paused process "
              "(garbage collection, a VM migrated, a laptop lid closed) sends nothing, exactly "
              "like a crashed one. Press → to step.",
        script=[
            *_beat("n1", "n2", "n3"), *_hear("n1", "n2", "n3"),
            pause("n2", remark="n2 pauses: it keeps all its state but does nothing — its beat "
                               "timer cannot fire."),
            *_beat("n1", "n3"), *_hear("n3", "n1"),
            *_beat("n1", "n3"), *_hear("n1", "n3"),
            *_beat("n1", "n3"), *_hear("n1", "n3"),
            fire("monitor", "timeout n2",
                 remark="300 ms of silence: the monitor suspects n2, which is paused, not "
                        "crashed. No timeout tells a slow node from a dead one."),
            resume("n2", remark="n2 resumes, unaware that any time has passed."),
            fire("n2", "beat", remark="Its overdue beat timer fires at once: HEARTBEAT #2 — "
                                      "the count goes on, it is the same incarnation."),
            deliver("HEARTBEAT", frm="n2", remark="The monitor trusts n2 again."),
        ]),
}
