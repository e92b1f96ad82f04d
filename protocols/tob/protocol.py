"""Total order broadcast, and a username claim built on it (DDIA ch. 9, "Total Order
Broadcast" and "Implementing linearizable storage using total order broadcast"): the
protocol as a whole — its variants, options, vocabulary, user actions, checks and
stories. The nodes are in nodes.py (every member), nodes_sequencer.py (the sequencer of an
epoch), nodes_epochs.py (failover to a new epoch) and nodes_lamport_early.py (the unsafe
variant); what a claim is in claims.py; the checks in checks.py; the stories in
presets.py."""

from ..kernel import ConfigError, Message, Option, Protocol, UserAction, shown
from ..kernel.usertext import text_field
from . import checks
from .view import view as panels
from .claims import MAX_NAME, check_planned_claims, claims_made
from .group import node_ids
from .nodes import Member
from .nodes_lamport_early import EarlyClaimer
from .presets import PRESETS, RACE

SUGGESTED_USERS = ("alice", "carol", "dave", "erin", "frank")

DEFAULT_CLAIMS = [
    {"node": "n2", "user": "alice", "name": "bob", "at": 10},
    {"node": "n3", "user": "carol", "name": "bob", "at": 12},
    {"node": "n1", "user": "erin", "name": "erin", "at": 60},
]


# -- labels: “bob” ← alice a claim, #3 a slot, e2 an epoch ---------------------------------

def _claim(msg):
    """A message in the log as a label shows it: “bob” ← alice, or no-op."""
    if not isinstance(msg, dict):
        return shown(msg)
    if msg.get("noop"):
        return "no-op"
    return f"“{shown(msg.get('name'))}” ← {shown(msg.get('user'))}"


def _order_detail(payload, message):
    return f"#{shown(payload.get('slot'))} {_claim(payload.get('msg'))}"


def _lamport_claim_detail(payload, message):
    claim = payload.get("claim")
    ts = claim.get("ts") if isinstance(claim, dict) else None
    stamp = f" ({shown(ts[0])},{shown(ts[1])})" if isinstance(ts, list) and len(ts) == 2 else ""
    return _claim(claim) + stamp


class TotalOrderBroadcast(Protocol):
    name = "tob"
    title = "Total order broadcast"
    summary = ("A sequencer puts every message in one order that all nodes deliver — enough "
               "to decide who claimed a username first, which Lamport timestamps alone cannot.")
    variants = {
        "correct": "claims go through total order broadcast (a sequencer, with epochs and "
                   "majorities for failover); a node decides when its own claim is delivered "
                   "back",
        "lamport-early": "claims carry Lamport timestamps; a node decides from the claims it "
                         "has seen after a short wait: two users can get the same name",
    }
    options = {
        "nodes": Option(3, "number of nodes", minimum=3, maximum=5),
        "claims": Option(DEFAULT_CLAIMS, "claims users make on their own (auto-play): "
                         "[{\"node\", \"user\", \"name\", \"at\" (ms)}]", kind=list,
                         validate=check_planned_claims),
        "decide_after": Option(30, "variant lamport-early: how long a node waits for rival "
                               "claims before deciding, in ms", minimum=0, maximum=10_000),
    }
    presets = PRESETS
    node_types = (Member, EarlyClaimer)
    messages = {
        "SUBMIT": Message(lambda p, m: _claim(p.get("msg")),
                          help="a node sends its message (a claim) to the sequencer of its "
                               "epoch, again and again until it is delivered back"),
        "ORDER": Message(_order_detail,
                         help="the sequencer gives a message its slot and sends it to every "
                              "node to store"),
        "ACK": Message("stored {stored}",
                       help="a node tells the sequencer how many slots of its epoch it has "
                            "stored, and how many it has delivered"),
        "COMMIT": Message("upto #{upto}", tone="ok",
                          help="the sequencer: slots up to #upto are stored at a majority, "
                               "deliver them"),
        "NEW-EPOCH": Message("e{epoch}", tone="warning",
                             help="a node that suspects the sequencer bids to sequence a new "
                                  "epoch"),
        "EPOCH-OK": Message("e{epoch}",
                            help="a promise to follow the new epoch, with everything the node "
                                 "has stored"),
        "REJECT": Message("e{epoch}", tone="warning",
                          help="refused: this node has promised a later epoch (named)"),
        "CLAIM": Message(_lamport_claim_detail,
                         help="variant lamport-early: a claim with its Lamport timestamp, "
                              "to every node"),
    }
    checks = (checks.prefix_agreement, checks.unique_names, checks.yours_iff_first,
              checks.claims_linearizable)
    user_actions = {
        "claim": UserAction("Claim a username: a user asks this node to register a name for "
                            "them", fields={"user": text_field(MAX_NAME),
                                            "name": text_field(MAX_NAME)}),
    }

    def defaults(self, variant=None):
        config = super().defaults(variant)
        if variant == "lamport-early":
            # Two users claim "bob" 2 ms apart; a claim can take up to 80 ms to arrive,
            # but nodes decide after 30: often neither has seen the other's claim.
            config.update(latency=[10, 80], claims=RACE)
        return config

    def validate_config(self, config):
        ids = node_ids(config)
        for claim in config["claims"]:
            if claim["node"] not in ids:
                raise ConfigError(f"config.claims: node {claim['node']!r} is not one of "
                                  + ", ".join(ids))

    def view(self, sim):
        """The protocol's panels, as data (view.py; docs/kernel-api.md, "Panels")."""
        return panels(sim)

    def build(self, sim):
        cls = EarlyClaimer if sim.variant == "lamport-early" else Member
        for nid in node_ids(sim.config):
            sim.add_node(cls, nid)

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        # Any user and name may be claimed; one suggestion per node that is up and not
        # already waiting on a claim keeps the list (and a search over it) finite.
        out = []
        for i, nid in enumerate(node_ids(sim.config)):
            node = sim.nodes[nid]
            if sim.status[nid] == "up" and not node.volatile.claims:
                out.append({"type": "claim", "node": nid,
                            "user": SUGGESTED_USERS[i % len(SUGGESTED_USERS)], "name": "bob"})
        return out

    def on_claim(self, sim, node, action):
        node.claim(action["user"], action["name"])

    # -- the picture ------------------------------------------------------------------------
    def claims(self, sim):
        """The claims in the client history: the rows of the view."""
        return claims_made(sim)
