"""Two-phase commit (DDIA ch. 9, "Atomic Commit and Two-Phase Commit"): the protocol as a
whole — its variants, options, vocabulary, user actions, checks and stories. The nodes'
handlers are in nodes.py, the checks in checks.py, the stories in presets.py."""

from ..kernel import Message, Option, Protocol, UserAction
from . import checks
from .nodes import Client, Coordinator, Participant
from .presets import PRESETS


def _vote_tone(payload, message):
    return "ok" if payload.get("vote") == "yes" else "warning"


def _outcome_tone(payload, message):
    return "ok" if payload.get("outcome") == "commit" else "warning"


class TwoPhaseCommit(Protocol):
    name = "twopc"
    title = "Two-phase commit"
    summary = ("A coordinator makes several participants commit or abort together — and "
               "blocks them, in doubt, when it crashes after PREPARE.")
    variants = {
        "correct": "in-doubt participants wait for the coordinator, however long",
        "heuristic": "an in-doubt participant decides on its own after a timeout (XA heuristic "
                     "decision): atomicity can break",
    }
    options = {
        "participants": Option(3, "number of participants", minimum=2, maximum=5),
        "kinds": Option([], "participant kinds for the XA flavour, e.g. [\"database\", "
                        "\"message queue\"]", kind=list,
                        validate=lambda v, c: None if all(
                            isinstance(k, str) and 0 < len(k) <= 24 for k in v) and len(v) <= 5
                        else "each kind must be a short string (at most 24 characters)"),
        "vote_no": Option([], "participants that will vote no, e.g. [\"p2\"]", kind=list,
                          validate=lambda v, c: None if all(
                              isinstance(p, str) and p in [f"p{i + 1}" for i in range(
                                  c["participants"])] for p in v)
                          else "must list participant ids p1..pN"),
        "transactions": Option(1, "transactions the client runs on its own (auto-play)",
                               minimum=0, maximum=5),
        "heuristic_decision": Option("abort", "variant heuristic: which way an in-doubt "
                                     "participant decides", kind=str,
                                     choices=("abort", "commit")),
    }
    presets = PRESETS
    node_types = (Client, Coordinator, Participant)
    messages = {
        "BEGIN": Message("", help="the application asks the coordinator for a transaction id"),
        "BEGUN": Message("tx{tx}", help="the coordinator hands out a new transaction id"),
        "WRITE": Message("tx{tx} {key}={value}", help="the application writes at a "
                         "participant, which locks the key"),
        "WRITTEN": Message("tx{tx}", help="a participant has done the write"),
        "WRITE-FAILED": Message("tx{tx} {reason}", tone="warning",
                                help="a participant refuses a write (locked, or already ended)"),
        "ROLLBACK": Message("tx{tx}", help="the application gives up before asking to commit"),
        "COMMIT-REQUEST": Message("tx{tx}", help="the application asks the coordinator to "
                                  "commit"),
        "PREPARE": Message("tx{tx}", help="phase 1: can you promise to commit?"),
        "VOTE": Message("{vote} tx{tx}", tone=_vote_tone,
                        help="a participant's answer; yes is a promise (it is now in doubt)"),
        "COMMIT": Message("tx{tx}", tone="ok", help="phase 2: the logged decision is commit"),
        "ABORT": Message("tx{tx}", tone="warning", help="phase 2: the decision is abort"),
        "ACK": Message("tx{tx}", help="a participant has applied the decision"),
        "STATUS": Message("tx{tx}", help="an in-doubt participant asks what was decided"),
        "OUTCOME": Message("{outcome} tx{tx}", tone=_outcome_tone,
                           help="the coordinator tells the application the outcome"),
    }
    checks = (checks.atomicity, checks.commit_needs_all_yes, checks.in_doubt)
    user_actions = {
        "begin": UserAction(
            "Begin a transaction (the client writes x at every participant, then asks "
            "to commit)", role="client",
            only_as_listed="begin is enabled only on the client, while it is up and has no "
                           "transaction running"),
        "vote-no": UserAction(
            "Make this participant vote no when asked to prepare", role="participant",
            only_as_listed="vote-no is not enabled for {node!r}: it must be an up "
                           "participant that is not already voting no"),
    }

    def explore_defaults(self, variant=None):
        # The counterexample search: one transaction between two participants, begun by the
        # client on its own (votes as configured). No handler or check reads the clock --
        # times in the logs are labels -- so the search may stop it.
        return {"config": {"transactions": 1, "participants": 2}, "actions": [],
                "clock": "frozen"}

    def defaults(self, variant=None):
        config = super().defaults(variant)
        if variant == "heuristic":
            # The faults under which a heuristic decision breaks atomicity: a coordinator
            # (or its COMMITs) away for longer than the participants are willing to wait.
            config.update(transactions=5, fault_drop=0.08, fault_crash=0.02,
                          fault_downtime=[300, 1500])
        return config

    def build(self, sim):
        cfg = sim.config
        sim.add_node(Client, "client", "Client")
        sim.add_node(Coordinator, "coord", "Coordinator" if not cfg["kinds"]
                     else "Transaction manager")
        for i in range(cfg["participants"]):
            pid = f"p{i + 1}"
            kind = cfg["kinds"][i] if i < len(cfg["kinds"]) else "database"
            sim.add_node(Participant, pid, f"{pid} ({kind})", kind=kind,
                         vote_no=pid in cfg["vote_no"])

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        out = []
        client = sim.nodes["client"]
        if sim.status["client"] == "up" and client.volatile.phase == "idle":
            out.append({"type": "begin", "node": "client"})
        for pid in sim.node_ids("participant"):
            node = sim.nodes[pid]
            if sim.status[pid] == "up" and not node.volatile.vote_no:
                out.append({"type": "vote-no", "node": pid})
        return out

    def on_begin(self, sim, client, action):
        client.cancel_timer("next-transaction")
        client.begin()

    def on_vote_no(self, sim, participant, action):
        participant.volatile.vote_no = True
        participant.note("will vote no")

