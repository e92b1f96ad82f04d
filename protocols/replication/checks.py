"""Replication's checks: is the client history linearizable (the live checker), and what
each mode risks -- followers behind the leader, updates lost to last writer wins, quorums
that do not overlap -- and, in the image-resizer story, an old image resized.

They read the client history, the replicas' logs and records (the `lost` writes a leader
recorded, the resizer's `resized` records) and structured note data, never note text.

Each check concerns some configurations only (`applies`): a run reports the linearizable
check, the check of its mode, and the resizer's in that story.
"""

from ..checkers.linearizability import live_check
from ..kernel import Holds, Violation, Warning, check, shown


@check("linearizable", holds="the client history fits a single copy of the data")
def linearizable(sim):
    # The checker's verdict as it gives it: `ops` (the operations involved, the culprit
    # first) and `contradicts` are part of the result, and the search carries them.
    verdict = live_check(sim)
    extra = {k: v for k, v in verdict.items() if k not in ("name", "ok", "detail", "events")}
    if verdict["ok"]:
        return Holds(verdict["detail"], **extra)
    return Violation(verdict["detail"], events=verdict.get("events", ()), **extra)


@check("replication lag", holds="every follower has the leader's whole log", warning=True,
       applies=lambda config: config["mode"] == "single-leader")
def replication_lag(sim):
    length = len(sim.nodes["r1"].durable.log)
    behind = []
    for f in sim.node_ids("follower"):
        missing = length - len(sim.nodes[f].durable.log)
        if missing > 0:
            mode = "sync" if f in sim.config["sync_followers"] else "async"
            behind.append(f"{f} ({mode}) is {missing} write{'s' if missing > 1 else ''} behind")
    if behind:
        return Warning("; ".join(behind) + ": a read there returns an older value")
    return None


@check("no lost updates", holds="no acknowledged write was discarded by last-writer-wins",
       applies=lambda config: config["mode"] == "multi-leader")
def no_lost_updates(sim):
    lost, seen = [], set()
    for r in sim.node_ids("leader"):
        for entry in sim.nodes[r].durable.lost:
            if entry["op"] not in seen:
                seen.add(entry["op"])
                lost.append(entry)
    if not lost:
        return None
    text = "; ".join(f"{e['client']}'s {e['key']}={shown(e['value'])} (op {e['op']}) lost to "
                     f"{e['by_client']}'s {shown(e['by_value'])} (op {e['by_op']})"
                     for e in lost)
    events = [e["i"] for e in sim.trace if e["type"] == "note" and "lost" in e.get("data", {})]
    return Violation("last writer wins: " + text, events=events, ops=[e["op"] for e in lost])


@check("quorums overlap", holds="every read quorum meets every write quorum (W + R > N)",
       warning=True,
       applies=lambda config: config["mode"] == "leaderless")
def quorums_overlap(sim):
    cfg = sim.config
    n, w, r = cfg["replicas"], cfg["w"], cfg["r"]
    if w + r > n:
        return Holds(f"W + R = {w} + {r} > N = {n}: every read quorum meets every write quorum"
                     + ("" if cfg["read_repair"] == "sync" else
                        " — yet without synchronous read repair a read can be stale while a "
                        "write is in flight"))
    return Warning(f"W + R = {w} + {r} ≤ N = {n}: a read can miss a completed write")


@check("resizer fetched the uploaded image",
       holds="every image the resizer processed was the version it was told about",
       applies=lambda config: config["image_resizer"])
def resizer_fetched_the_uploaded_image(sim):
    stale = [r for r in sim.nodes["c2"].durable.get("resized", []) if r["stale"]]
    if not stale:
        return None
    d = stale[0]
    return Violation(f"the resizer was told about {shown(d['told'])} but fetched "
                     f"{shown(d['fetched'])}, an older version, from a replica that did not "
                     "have the new one yet",
                     events=[e["i"] for e in sim.trace if e["type"] == "note"
                             and e.get("data", {}).get("stale")])
