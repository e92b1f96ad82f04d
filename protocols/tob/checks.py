"""Total order broadcast's checks: every node delivers the same sequence, each username goes
to at most one user, a claim is told "yours" exactly when it is first for the name, and the
claims -- compare-and-sets of the name, from nobody to the user -- are linearizable, which
is exactly what total order broadcast buys. They read the delivered logs, the claims seen
(lamport-early) and the client history."""

from ..checkers.linearizability import live_check
from ..kernel import Holds, Violation, check
from .claims import claim_text, claims_made, first_claims


def total_order(sim):
    """The order claims are judged by: the delivered log (the longest one), or in
    variant lamport-early every claim made, by Lamport timestamp."""
    if sim.variant == "lamport-early":
        made = [c for node in sim.nodes.values() for c in node.durable.seen
                if c["node"] == node.id]
        return sorted(made, key=lambda c: (c["ts"][0], c["ts"][1]))
    return max((node.durable.delivered for node in sim.nodes.values()), key=len)


def _delivery_notes(sim, slot):
    """The notes that record a delivery of `slot` (their data names the slot and the id)."""
    return [e["i"] for e in sim.trace if e["type"] == "note"
            and e["data"].get("slot") == slot and "id" in e["data"]]


def _outcome_events(sim, ops):
    ids = {op["id"] for op in ops}
    return [e["i"] for e in sim.trace if e["type"] == "complete" and e.get("opid") in ids]


@check("every node delivers the same sequence",
       holds="every node's delivered log is a prefix of the longest")
def prefix_agreement(sim):
    nodes = list(sim.nodes.values())
    if sim.variant == "lamport-early":
        return Holds("no total order broadcast in this variant: each node has only the claims "
                     "it has seen, in the order they arrived")
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            for x, y in zip(a.durable.delivered, b.durable.delivered):
                if x["id"] != y["id"]:
                    return Violation(f"#{x['slot']}: {a.id} delivered {x['id']} "
                                     f"({claim_text(x)}) but {b.id} delivered {y['id']} "
                                     f"({claim_text(y)})",
                                     events=_delivery_notes(sim, x["slot"]))
    longest = max(len(n.durable.delivered) for n in nodes)
    return Holds(f"every node's delivered log is a prefix of the longest "
                 f"({longest} message{'' if longest == 1 else 's'})")


@check("each username belongs to at most one user",
       holds="no two claims for one name were told “yours”")
def unique_names(sim):
    holders = {}
    for op in claims_made(sim):
        if op["status"] == "ok":
            holders.setdefault(op["args"]["key"], []).append(op)
    for key, ops in holders.items():
        if len(ops) > 1:
            who = " and ".join(f"{op['args']['to']} (via {op['client']})" for op in ops)
            return Violation(f"“{key}” was given to {who}", events=_outcome_events(sim, ops))
    return Holds(f"{len(holders)} name{'' if len(holders) == 1 else 's'} given, "
                 "each to one user")


@check("told “yours” iff the claim is first for the name",
       holds="every decided claim agrees with the total order")
def yours_iff_first(sim):
    first = first_claims(total_order(sim))
    for op in claims_made(sim):
        if op["status"] not in ("ok", "fail"):
            continue
        key, claim_id = op["args"]["key"], op["args"]["claim"]
        winner = first.get(key)
        is_first = winner is not None and winner["id"] == claim_id
        if (op["status"] == "ok") != is_first:
            told = "“yours”" if op["status"] == "ok" else f"“{op['result']}”"
            why = (f"{winner['user']}'s claim {winner['id']} comes first"
                   if winner is not None and not is_first else "its claim comes first")
            return Violation(f"{op['args']['to']} was told {told} for “{key}”, but {why}",
                             events=_outcome_events(sim, [op]))
    return None


@check("claims are linearizable",
       holds="the claims, read as compare-and-sets of the name, fit a single-copy order")
def claims_linearizable(sim):
    # The linearizability checker's live check, under this name; its verdict is cached on
    # the simulation. A violation carries the operations involved (`ops`, `contradicts`).
    result = live_check(sim, "claims are linearizable")
    extra = {k: v for k, v in result.items() if k not in ("name", "ok", "detail", "events")}
    verdict = Holds if result["ok"] else Violation
    return verdict(result["detail"], events=result.get("events", ()), **extra)
