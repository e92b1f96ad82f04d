"""Two-phase commit's checks: atomicity, no commit without every yes vote, and who is
blocked in doubt. They read the durable logs of the coordinator and the participants."""

from ..kernel import Violation, Warning, check, shared
from .nodes import DECISIONS, _outcome


@shared
def _participants(sim):
    return [sim.nodes[p] for p in sim.node_ids("participant")]


@shared
def _outcomes(sim):
    """{tx: {participant: its decision record}} and {tx: the coordinator's decision}."""
    outcomes = {}
    for p in _participants(sim):
        for r in p.durable.log:
            if r["record"] in DECISIONS:
                outcomes.setdefault(r["tx"], {})[p.id] = r["record"]
    decisions = {r["tx"]: r["decision"] for r in sim.nodes["coord"].durable.log
                 if r["decision"] in ("commit", "abort")}
    return outcomes, decisions


def _decision_events(sim, tx):
    """The notes that record tx's decision and outcomes (structured data, not their text)."""
    return [e["i"] for e in sim.trace
            if e["type"] == "note" and e.get("data", {}).get("tx") == tx
            and ("outcome" in e["data"] or "decision" in e["data"])]


@check("atomicity", holds="no transaction is committed at one place and aborted at another")
def atomicity(sim):
    outcomes, decisions = _outcomes(sim)
    for tx in sorted(set(outcomes) | set(decisions)):
        seen = outcomes.get(tx, {})
        commits = sorted(n for n, r in seen.items() if _outcome(r) == "commit")
        aborts = sorted(n for n, r in seen.items() if _outcome(r) == "abort")
        decided = decisions.get(tx)
        if decided == "commit":
            commits = ["coord"] + commits
        elif decided == "abort":
            aborts = ["coord"] + aborts
        if commits and aborts:
            detail = f"tx{tx} committed at {', '.join(commits)} but aborted at {', '.join(aborts)}"
            heuristic = sorted(n for n, r in seen.items() if r.startswith("heuristic"))
            if heuristic:
                detail += f" (heuristic decision at {', '.join(heuristic)})"
            return Violation(detail, events=_decision_events(sim, tx))
    return None


@check("commit only if all voted yes",
       holds="every committed transaction had a yes vote from every participant")
def commit_needs_all_yes(sim):
    outcomes, decisions = _outcomes(sim)
    for tx in sorted(set(outcomes) | set(decisions)):
        committed = decisions.get(tx) == "commit" or "committed" in outcomes.get(tx, {}).values()
        if not committed:
            continue
        missing = [p.id for p in _participants(sim) if p.prepared_record(tx) is None]
        if missing:
            return Violation(f"tx{tx} committed although {', '.join(missing)} never voted yes",
                             events=_decision_events(sim, tx))
    return None


@check("in-doubt participants", holds="no participant is blocked in doubt", warning=True)
def in_doubt(sim):
    blocked = []
    for p in _participants(sim):
        for tx in p.in_doubt():
            record = p.prepared_record(tx)
            keys = ", ".join(sorted(record["writes"]))
            state = "" if sim.status[p.id] == "up" else f" ({sim.status[p.id]})"
            blocked.append(f"{p.id}{state} in doubt on tx{tx} for {sim.now - record['at']} ms, "
                           f"holding lock on {keys}")
    return Warning("; ".join(blocked)) if blocked else None
