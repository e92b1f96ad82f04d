"""Leader election's checks: the properties of consensus (DDIA ch. 9, "Fault-Tolerant
Consensus") -- uniform agreement, integrity, validity, termination -- and one leader per
epoch. They read the members' durable records (what each accepted and decided), the client
history, the network, and the structured data of the leaders' notes (`leader_of`), never
the text of a note."""

from ..kernel import Holds, Violation, Warning, check, shared
from .nodes_leader import NO_OP

ONE_LEADER = "one leader per epoch"


@shared
def _members(sim):
    return [sim.nodes[n] for n in sim.node_ids("node")]


@shared
def _decisions(sim):
    """(node, slot, value) for every value each member decided, in order."""
    return [(m.id, d["slot"], d["value"]) for m in _members(sim) for d in m.durable.decided]


def _decision_events(sim, slot):
    """The notes that record a decision for `slot` (their data, not their text)."""
    return [e["i"] for e in sim.trace if e["type"] == "note"
            and e["data"].get("decided") and e["data"].get("slot") == slot]


@check("uniform agreement", holds="no two nodes decided different values for a slot")
def uniform_agreement(sim):
    decisions = _decisions(sim)
    first = {}
    for _, slot, value in decisions:
        if first.setdefault(slot, value) != value:
            where = {}
            for node, s, v in decisions:
                if s == slot:
                    where.setdefault(v, []).append(node)
            parts = [f"{v} at {', '.join(nodes)}" for v, nodes in where.items()]
            return Violation(f"slot {slot} decided differently: " + "; ".join(parts),
                             events=_decision_events(sim, slot))
    return None


@check("integrity", holds="no node decided a slot twice")
def integrity(sim):
    seen = {}
    for node, slot, value in _decisions(sim):
        if (node, slot) in seen:
            return Violation(f"{node} decided slot {slot} twice: {seen[node, slot]}, then "
                             f"{value}", events=_decision_events(sim, slot))
        seen[node, slot] = value
    return None


@check("validity",
       holds="every decided value was asked for by a client (or is a leader's no-op)")
def validity(sim):
    proposed = {h["args"]["value"] for h in sim.history}
    proposed.add(NO_OP)
    for node, slot, value in _decisions(sim):
        if value not in proposed:
            return Violation(f"{node} decided {value} for slot {slot}, which no client asked "
                             "for", events=_decision_events(sim, slot))
    return None


@check(ONE_LEADER, holds="no epoch had two leaders")
def one_leader_per_epoch(sim):
    """Who has led which epoch, from the `leader_of` data of the leaders' notes: a member
    forgets that it led once it steps down, the trace does not. The result of the previous
    step's check carries what was read so far (`leaders`, and `through`, the trace length),
    so each step reads only new events."""
    previous = next((c for c in sim.checks if c["name"] == ONE_LEADER), None)
    if previous is not None and previous["through"] <= len(sim.trace):
        leaders, start = previous["leaders"], previous["through"]
    else:
        leaders, start = {}, 0
    for event in sim.trace[start:]:
        if event["type"] == "note" and "leader_of" in event["data"]:
            epoch = str(event["data"]["leader_of"])
            # A new dict, never a changed one: the previous result may be shared by a clone.
            leaders = dict(leaders, **{epoch: leaders.get(epoch, []) + [event["node"]]})
    bookkeeping = {"leaders": leaders, "through": len(sim.trace)}
    for epoch in sorted(leaders, key=int):
        if len(leaders[epoch]) > 1:
            detail = f"epoch {epoch} has two leaders: " + " and ".join(leaders[epoch])
            return Violation(detail, events=[e["i"] for e in sim.trace if e["type"] == "note"
                                             and e["data"].get("leader_of") == int(epoch)],
                             **bookkeeping)
    detail = (f"{len(leaders)} epoch{'' if len(leaders) == 1 else 's'} led, each by one node"
              if leaders else "no leader elected yet")
    return Holds(detail, **bookkeeping)


@check("termination", warning=True,
       holds="every value a client asked for is decided, with a majority up and connected")
def termination(sim):
    """A progress report: slots accepted but undecided, clients waiting, and -- when fewer
    than a majority of members are up and can reach each other -- why nothing can be
    decided (consensus needs a strict majority)."""
    members = _members(sim)
    n = len(members)
    majority = n // 2 + 1
    up = [m.id for m in members if sim.status[m.id] == "up"]
    groups = sim.partition or [list(sim.nodes)]
    reachable = max(len([m for m in up if m in g]) for g in groups)
    decided = {slot for _, slot, _ in _decisions(sim)}
    accepted = {int(s) for m in members for s in m.durable.accepted}
    undecided = sorted(accepted - decided)
    parts = []
    if reachable < majority:
        parts.append(f"only {reachable} of {n} nodes are up and can reach each other; a "
                     f"majority of {majority} is needed to elect a leader or decide a value, "
                     "so nothing can be decided until more come back")
    if undecided:
        parts.append("undecided: " + ", ".join(f"slot {s}" for s in undecided))
    for client in sim.node_ids("client"):
        waiting = sim.nodes[client].durable.waiting
        if waiting is not None:
            op = sim.history[waiting["op"] - 1]
            parts.append(f"{client} waiting {sim.now - op['invoke_t']} ms for {waiting['value']}")
    if parts:
        return Warning("; ".join(parts))
    return Holds(f"{len(decided)} slot{'' if len(decided) == 1 else 's'} decided, none "
                 f"pending; {reachable} of {n} nodes up and connected")
