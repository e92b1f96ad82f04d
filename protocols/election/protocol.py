"""Leader election with epochs, leases and fencing (DDIA ch. 9, "Epoch numbering and
quorums"; ch. 8, "The leader and the lock" and "Fencing tokens"): the protocol as a whole —
its variants, options, vocabulary, user actions, checks and stories. The members' handlers are
in nodes.py (voting, following) and nodes_leader.py (leading), the storage service and the
clients in nodes_outside.py, the checks in checks.py, the stories in presets.py."""

from ..kernel import ConfigError, Message, Option, Protocol, UserAction, shown
from ..kernel.protocol import _check_range_pair
from . import checks
from .view import view as panels
from .nodes import CORRECT, NO_EPOCHS, NO_QUORUM, VOLATILE_VOTES, Member
from .nodes_outside import VALUE_PREFIXES, Client, Storage
from .presets import PRESETS


# -- how messages read: "VOTE e1 yes", "HEARTBEAT e1", "PROPOSE e1 #1=x" ---------------------
def _vote(payload, message):
    return f"e{shown(payload.get('epoch'))} {'yes' if payload.get('granted') else 'no'}"


def _vote_tone(payload, message):
    return "ok" if payload.get("granted") else "warning"


def _heartbeat_ack(payload, message):
    refused = " refused" if payload.get("ok") is False else ""
    return f"e{shown(payload.get('epoch'))}{refused}"


def _heartbeat_ack_tone(payload, message):
    return "warning" if payload.get("ok") is False else "info"


def _redirect(payload, message):
    value, leader = shown(payload.get("value")), payload.get("leader")
    return f"{value} → {leader}" if leader is not None else f"{value}, no leader"


def _labels(value, config):
    if len(value) > 7 or not all(isinstance(x, str) and 0 < len(x) <= 16 for x in value):
        return "must list at most 7 short names (at most 16 characters each)"
    return None


class Election(Protocol):
    name = "election"
    title = "Leader election with epochs and fencing"
    summary = ("Nodes elect a leader per epoch by majority vote, then vote again on each of its "
               "proposals; a paused old leader is refused by its epoch, its fencing token.")
    variants = {
        CORRECT: "one vote per epoch, kept on disk; majorities for leaders and for values; "
                 "stale epochs refused",
        NO_EPOCHS: "proposals and heartbeats are accepted whatever their epoch: an old leader "
                   "and a new one both get values decided",
        NO_QUORUM: "a leader counts itself as enough: two sides of a partition each elect a "
                   "leader and decide",
        VOLATILE_VOTES: "(epoch, vote) is kept only in memory: a restarted node can vote twice "
                        "in one epoch",
    }
    options = {
        "nodes": Option(5, "nodes taking part in elections and votes (n1..nN)", minimum=3,
                        maximum=7),
        "labels": Option([], "names shown for the nodes, e.g. [\"App1\", \"App2\", \"App3\"]",
                         kind=list, validate=_labels),
        "clients": Option(1, "clients asking for values (client, client2, client3: values "
                          "v1, v2, ... / w1, ... / x1, ...)", minimum=1, maximum=3),
        "requests": Option(3, "values each client asks to have decided, one after another "
                           "(auto-play)", minimum=0, maximum=30),
        "heartbeat": Option(100, "ms between a leader's heartbeats; each renews its lease",
                            minimum=1, maximum=600_000),
        "lease": Option(300, "ms a lease lasts, from the heartbeat a majority acknowledged",
                        minimum=1, maximum=600_000),
        "election_timeout": Option([400, 700], "[min, max] ms a node waits without hearing "
                                   "from a leader before it campaigns (drawn from the seeded "
                                   "RNG)", kind=list, validate=_check_range_pair),
    }
    user_actions = {
        "request": UserAction(
            "This client asks the cluster to decide one more value", role="client",
            only_as_listed="request is enabled only on a client, while it is up and not "
                           "waiting for another value"),
    }
    presets = PRESETS
    node_types = (Member, Storage, Client)
    messages = {
        "VOTE-REQUEST": Message("e{epoch}", help="round one: a candidate asks for a vote in its "
                                "new epoch"),
        "VOTE": Message(_vote, tone=_vote_tone,
                        help="a vote, granted (yes, with what the voter has accepted) or not "
                             "(no, with the reason: another vote, another's lease, an old "
                             "epoch)"),
        "HEARTBEAT": Message("e{epoch}", help="the leader renews its lease; a follower promises "
                             "it a lease and puts off its own campaign"),
        "HEARTBEAT-ACK": Message(_heartbeat_ack, tone=_heartbeat_ack_tone,
                                 help="a follower acknowledges a heartbeat (refused: it has "
                                      "seen a higher epoch) and lists the slots it has decided"),
        "REQUEST": Message("{value}", help="a client asks the node it believes leads to decide "
                           "a value"),
        "REDIRECT": Message(_redirect, help="not the leader (or its lease has lapsed): the "
                            "node points the client at the leader it knows, if any"),
        "PROPOSE": Message("e{epoch} #{slot}={value}",
                           help="round two: the leader proposes a value for a slot in its epoch"),
        "ACCEPTED": Message("e{epoch} #{slot}", help="a node accepts a proposal: its epoch is "
                            "at least the highest the node has seen"),
        "REFUSED": Message("e{epoch} #{slot}", tone="warning",
                           help="a node refuses a proposal from an older epoch, naming its own"),
        "DECIDE": Message("#{slot}={value}", tone="ok",
                          help="a majority accepted: the value is decided for the slot"),
        "DONE": Message("#{slot}={value}", tone="ok",
                        help="the leader tells the client its value is decided"),
        "WRITE": Message("#{slot}={value} token {token}",
                         help="the leader writes a decided value to the storage, with its "
                              "epoch as fencing token"),
        "FENCED": Message("#{slot} token {token}", tone="warning",
                          help="the storage refuses a write whose token is lower than one it "
                               "has seen, and names the highest"),
    }
    checks = (checks.uniform_agreement, checks.integrity, checks.validity,
              checks.one_leader_per_epoch, checks.termination)

    def validate_config(self, config):
        if len(config["labels"]) > config["nodes"]:
            raise ConfigError("config.labels: more names than nodes")
        if not config["heartbeat"] < config["lease"] <= config["election_timeout"][0]:
            raise ConfigError("config: need heartbeat < lease <= election_timeout[0], so a "
                              "leader renews its lease in time and nobody campaigns under it")

    def explore_defaults(self, variant=None):
        # The counterexample search (protocols/search/explore.py). Leases and timeouts compare the
        # clock, so time counts, and schedules go in time order but for the faults each
        # variant is about: a partition (and its heal) for split brains; a crash, a restart
        # and one event out of order for votes kept in memory. Two clients with a value
        # each; a heartbeat close to the lease, so fewer renewals stand between the
        # interesting events. The leaders seen so far are what "one leader per epoch"
        # carries from step to step.
        faults = {"partitions": 1, "crashes": 1 if variant == CORRECT else 0, "delays": 0}
        if variant == VOLATILE_VOTES:
            faults = {"partitions": 0, "crashes": 1, "delays": 1}
        return {"config": {"nodes": 3, "clients": 2, "requests": 1, "heartbeat": 250,
                           "lease": 300, "election_timeout": [300, 450]},
                "actions": [], "faults": faults,
                "check_state": {checks.ONE_LEADER: ["leaders"]}}

    def defaults(self, variant=None):
        config = super().defaults(variant)
        # The faults under which each unsafe variant breaks. Two clients, so that two leaders
        # can each be asked for a different value.
        if variant == NO_EPOCHS:  # an old leader cut off or paused, then back
            config.update(clients=2, requests=8, fault_drop=0.05, fault_pause=0.02,
                          fault_partition=0.02, fault_downtime=[300, 1500])
        elif variant == NO_QUORUM:  # a partition: each side elects and decides
            config.update(clients=2, requests=8, fault_drop=0.03, fault_partition=0.03,
                          fault_downtime=[300, 1500])
        elif variant == VOLATILE_VOTES:  # quick restarts in the middle of elections
            config.update(requests=8, fault_crash=0.05, fault_drop=0.05,
                          fault_downtime=[10, 200])
        return config

    def view(self, sim):
        """The protocol's panels, as data (view.py; docs/kernel-api.md, "Panels")."""
        return panels(sim)

    def build(self, sim):
        cfg = sim.config
        for i in range(cfg["nodes"]):
            node_id = f"n{i + 1}"
            label = cfg["labels"][i] if i < len(cfg["labels"]) else node_id
            sim.add_node(Member, node_id, label)
        sim.add_node(Storage, "storage", "Storage service")
        for i in range(cfg["clients"]):
            client_id = "client" if i == 0 else f"client{i + 1}"
            sim.add_node(Client, client_id, "Client" if i == 0 else f"Client {i + 1}",
                         index=i, prefix=VALUE_PREFIXES[i])

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        return [{"type": "request", "node": c} for c in sim.node_ids("client")
                if sim.status[c] == "up" and sim.nodes[c].durable.waiting is None]

    def on_request(self, sim, client, action):
        client.cancel_timer("next-request")
        client.request()
