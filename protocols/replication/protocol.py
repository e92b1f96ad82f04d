"""Replication, and whether it behaves as if there were a single copy (DDIA ch. 9,
"Linearizability" and "Implementing Linearizable Systems"; the modes are those of ch. 5):
the protocol as a whole -- its variants, options, vocabulary, user actions, checks and
stories.

Replicas r1..rN hold a key-value store; clients c1..cK read, write and compare-and-set
keys and record every operation -- invocation and response, or none -- in the client
history. After each step the linearizability checker (protocols/checkers/linearizability.py)
asks of that history: is there one order of the operations, each placed between its
invocation and its response, in which every read sees the latest write? Three ways to
replicate (config option `mode`), each in its own module:

single-leader   single_leader.py: a leader and its synchronous or asynchronous followers.
multi-leader    multi_leader.py: every replica a leader, last writer wins.
leaderless      leaderless.py: quorums of W and R out of N, with optional read repair.

What the two leader-based modes share (a replica's copy and log, a leader's handling of
requests, log shipping) is in leader_based.py; the clients in client.py; the
image-resizer story's queue in image_resizer.py; the checks in checks.py, the stories in
presets.py.

Variants are named starting configurations (`defaults`): `correct` (single leader, reads
at the leader), `follower-reads`, `multi-leader` and `leaderless`; the options decide.
"""

from ..kernel import ConfigError, Message, Option, Protocol, UserAction, shown
from . import checks
from .view import view as panels
from .client import Client, offers_cas
from .image_resizer import Queue
from .leaderless import QuorumReplica
from .multi_leader import MultiLeader
from .presets import PRESETS
from .single_leader import Follower, Leader

MODES = ("single-leader", "multi-leader", "leaderless")


def _keys(value, config):
    if not value or len(value) > 4 or not all(
            isinstance(k, str) and 0 < len(k) <= 12 for k in value):
        return "must be 1 to 4 short key names, e.g. [\"x\"]"
    if len(set(value)) != len(value):
        return "must not repeat a key"
    return None


def _replica_list(value, config):
    if not all(isinstance(r, str) for r in value):
        return "must list replica ids like \"r2\""
    return None


def _offsets(value, config):
    if len(value) > 5 or not all(isinstance(o, int) and not isinstance(o, bool)
                                 and -10_000 <= o <= 10_000 for o in value):
        return "must list at most 5 clock offsets in ms (each within ±10000)"
    return None


def _scalar(value, nullable):
    if value is None:
        return nullable
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and 0 < len(value) <= 24)


# Field checks for the user actions (see UserAction): what is wrong with a field, or None.

def _key(sim, action, field):
    keys = sim.config["keys"]
    if action.get(field) not in keys:
        return f"{action['type']} needs '{field}', one of: {', '.join(keys)}"
    return None


def _scalar_field(sim, action, field):
    # Only a compare-and-set's 'from' may be null: it expects a key never written.
    nullable = field == "from"
    if not _scalar(action.get(field), nullable):
        return (f"'{field}' must be a number or a short string"
                + (" (or null)" if nullable else ""))
    return None


def _via(sim, action, field):
    via = action.get(field)
    if via is None:
        return None
    mode = sim.config["mode"]
    replicas = [n for n in sim.nodes if n.startswith("r")]
    if mode == "leaderless":
        return "leaderless requests go to every replica: no 'via'"
    if via not in replicas:
        return f"'via' must be a replica: {', '.join(replicas)}"
    if mode == "single-leader" and action["type"] != "read" and via != "r1":
        return "with a single leader, writes and compare-and-sets go to the leader r1"
    return None


VARIANTS = {
    "correct": "single leader; reads, writes and compare-and-set at the leader: linearizable "
               "(the options can change that -- the linearizable check tells)",
    "follower-reads": "single leader with asynchronous followers, reads from any replica: a "
                      "read can be stale",
    "multi-leader": "every replica a leader, asynchronous replication, last writer wins: "
                    "concurrent updates are lost",
    "leaderless": "N=3 replicas, quorums W=2 and R=2 (W + R > N), no read repair: still a "
                  "read can be stale while a write is in flight",
}


# -- labels: "WRITE x=1", "CAS x: 1→2", "VALUE x=nil", "VERSION x v2", "WRITTEN #3" ----------

def _versioned(payload, message):
    """key=value and the version's number: "x=1 v2" (a key never written: "x=nil v0")."""
    version = payload.get("version")
    number = f"v{shown(version[0])}" if isinstance(version, list) and version else ""
    if "value" not in payload:
        return f"{shown(payload.get('key'))} {number}"
    return f"{shown(payload.get('key'))}={shown(payload.get('value'))} {number}"


def _append(payload, message):
    if payload.get("writes"):
        return str(payload["writes"])
    return f"after {payload['prev']}" if payload.get("prev") is not None else ""


class Replication(Protocol):
    name = "replication"
    title = "Replication and linearizability"
    summary = ("Single-leader, multi-leader and leaderless replication, with a checker that "
               "shows when the client history stops looking like a single copy.")
    variants = VARIANTS
    options = {
        "mode": Option("single-leader", "how the replicas are organised", kind=str,
                       choices=MODES),
        "replicas": Option(3, "number of replicas N", minimum=2, maximum=5),
        "clients": Option(2, "number of clients", minimum=1, maximum=4),
        "keys": Option(["x"], "the keys clients use", kind=list, validate=_keys),
        "operations": Option(3, "operations each client runs on its own (auto-play)",
                             minimum=0, maximum=9),
        "cas": Option(True, "auto-play includes compare-and-set where the mode offers it",
                      kind=bool),
        "read_from": Option("leader", "single-leader: where reads go", kind=str,
                            choices=("leader", "any")),
        "sync_followers": Option(["r2"], "single-leader: followers replicated synchronously "
                                 "(the rest asynchronously)", kind=list,
                                 validate=_replica_list),
        "clock_offsets": Option([], "multi-leader: each leader's clock skew in ms, "
                                "e.g. [0, -50]", kind=list, validate=_offsets),
        "w": Option(2, "leaderless: write quorum W", minimum=1, maximum=5),
        "r": Option(2, "leaderless: read quorum R", minimum=1, maximum=5),
        "read_repair": Option("off", "leaderless: write the newest value back to stale "
                              "replicas after a read: off, async, or sync (wait for W)",
                              kind=str, choices=("off", "async", "sync")),
        "image_resizer": Option(False, "the image-resizer story: c1 is a web server that "
                                "uploads images and notifies c2, the resizer, through a "
                                "message queue", kind=bool),
    }
    presets = PRESETS
    node_types = (Client, Leader, Follower, MultiLeader, QuorumReplica, Queue)
    messages = {
        # A client's requests in the leader-based modes, and their answers.
        "READ": Message("{key}", help="a client reads a key at one replica"),
        "VALUE": Message("{key}={value}", help="a replica answers a read from its own copy "
                         "(nil: it has no value for the key)"),
        "WRITE": Message("{key}={value}", help="a client writes a key at a leader"),
        "WRITTEN": Message("#{op}", help="the leader answers a write: it is taken (in "
                           "single-leader mode, once the synchronous followers have it)"),
        "CAS": Message("{key}: {expected}→{new}", help="a client's compare-and-set: set the "
                       "key to new if it is expected (nil: never written)"),
        "CAS-OK": Message("#{op}", tone="ok", help="the leader granted the compare-and-set"),
        "CAS-FAILED": Message("#{op} is {current}", tone="warning",
                              help="the compare-and-set failed: the key holds another value"),
        # Single-leader log shipping.
        "APPEND": Message(_append, help="the leader sends a follower the part of its log it "
                          "has not acknowledged"),
        "APPENDED": Message("log {length}", help="a follower has the leader's log up to here"),
        # Multi-leader replication.
        "REPLICATE": Message("{writes}", help="a leader sends its own writes to another "
                             "leader, which keeps the later by timestamp (last writer wins)"),
        "REPLICATED": Message("upto {upto}", help="a leader has another's writes up to here"),
        # Leaderless quorums.
        "GET-VERSION": Message("{key}", help="a writer asks every replica for the key's "
                               "version, to write a higher one"),
        "VERSION": Message(_versioned, help="a replica's version of the key"),
        "PUT": Message(_versioned, help="a writer sends the value with its new version to "
                       "every replica; it waits for W"),
        "PUT-OK": Message("#{op}", help="a replica stored the write (or already had a newer "
                          "one)"),
        "GET": Message("{key}", help="a reader asks every replica; it waits for R"),
        "GOT": Message(_versioned, help="a replica's value and version (nil v0: never "
                       "written)"),
        "REPAIR": Message(_versioned, help="read repair: a reader writes the newest value "
                          "back to a stale replica"),
        "REPAIRED": Message("#{op}", help="a replica took the read repair"),
        # The image-resizer story.
        "ENQUEUE": Message("{key}={value}", help="the web server tells the queue an upload "
                           "is stored"),
        "RESIZE": Message("{key}={value}", help="the queue tells the resizer to fetch and "
                          "resize that upload"),
    }
    checks = (checks.linearizable, checks.replication_lag, checks.no_lost_updates,
              checks.quorums_overlap, checks.resizer_fetched_the_uploaded_image)
    user_actions = {
        "read": UserAction("A client reads a key (optionally \"via\" a chosen replica)",
                           role="client", fields={"key": _key, "via": _via}),
        "write": UserAction("A client writes a value to a key", role="client",
                            fields={"key": _key, "value": _scalar_field, "via": _via}),
        "cas": UserAction("A client compare-and-sets a key: from → to (not in leaderless mode)",
                          role="client", fields={"key": _key, "from": _scalar_field,
                                                 "to": _scalar_field, "via": _via}),
    }

    def explore_defaults(self, variant=None):
        # The counterexample search (protocols/search/explore.py): two clients and two operations in
        # all, each a read, write or compare-and-set the search picks. Replicas keep their
        # data on disk, so a crash is no more than messages not delivered for a while, which
        # the search tries anyway. Only multi-leader's last-writer-wins timestamps read the
        # clock; the linearizable check orders operations by their steps.
        return {"config": {"clients": 2, "operations": 0},
                "clock": "running" if variant == "multi-leader" else "frozen",
                "faults": {"crashes": 0, "requests": 2}}

    def defaults(self, variant=None):
        config = super().defaults(variant)
        # The unsafe forms start with the conditions that expose them: more clients, a
        # wider latency spread and some lost messages (a replica that missed a write).
        if variant == "follower-reads":
            config.update(read_from="any", sync_followers=[], clients=3, operations=6,
                          latency=[10, 150], fault_drop=0.1)
        elif variant == "multi-leader":
            config.update(mode="multi-leader", operations=4)
        elif variant == "leaderless":
            config.update(mode="leaderless", clients=3, operations=6, latency=[10, 60],
                          fault_drop=0.1)
        return config

    def validate_config(self, config):
        n = config["replicas"]
        ids = [f"r{i + 1}" for i in range(n)]
        for f in config["sync_followers"]:
            if f not in ids[1:]:
                raise ConfigError(f"config.sync_followers: {f!r} is not a follower "
                                  f"(followers: {', '.join(ids[1:])})")
        for quorum in ("w", "r"):
            if config[quorum] > n:
                raise ConfigError(f"config.{quorum} must be at most replicas ({n})")
        if config["image_resizer"] and config["clients"] < 2:
            raise ConfigError("config.image_resizer needs at least 2 clients")

    def view(self, sim):
        """The protocol's panels, as data (view.py; docs/kernel-api.md, "Panels")."""
        return panels(sim)

    def build(self, sim):
        cfg = sim.config
        mode = cfg["mode"]
        for i in range(cfg["replicas"]):
            rid = f"r{i + 1}"
            if mode == "single-leader":
                if i == 0:
                    sim.add_node(Leader, rid, f"{rid} (leader)")
                else:
                    sync = "sync" if rid in cfg["sync_followers"] else "async"
                    sim.add_node(Follower, rid, f"{rid} (follower, {sync})")
            elif mode == "multi-leader":
                sim.add_node(MultiLeader, rid, f"{rid} (leader)")
            else:
                sim.add_node(QuorumReplica, rid, f"{rid} (replica)")
        for i in range(cfg["clients"]):
            cid = f"c{i + 1}"
            props = {"index": i + 1, "operations": cfg["operations"]}
            label = cid
            if cfg["image_resizer"] and i == 0:
                props["story"], label = "web", "c1 (web server)"
            elif cfg["image_resizer"] and i == 1:
                props.update(story="resizer", operations=0)
                label = "c2 (image resizer)"
            elif mode == "multi-leader":
                home = f"r{i % cfg['replicas'] + 1}"
                label = f"{cid} (at {home})"
            sim.add_node(Client, cid, label, **props)
        if cfg["image_resizer"]:
            sim.add_node(Queue, "queue", "message queue")

    # -- protocol actions -----------------------------------------------------------------
    def enabled_actions(self, sim):
        out = []
        cfg = sim.config
        for cid in sim.node_ids("client"):
            client = sim.nodes[cid]
            if sim.status[cid] != "up" or client.volatile.op is not None:
                continue
            for key in cfg["keys"]:
                if cfg["mode"] == "single-leader" and cfg["read_from"] == "any":
                    out.extend({"type": "read", "node": cid, "key": key, "via": r}
                               for r in sim.node_ids("leader") + sim.node_ids("follower"))
                else:
                    out.append({"type": "read", "node": cid, "key": key})
                out.append({"type": "write", "node": cid, "key": key,
                            "value": client.next_value()})
                if offers_cas(cfg):
                    out.append({"type": "cas", "node": cid, "key": key,
                                "from": client.volatile.seen.get(key),
                                "to": client.next_value()})
        return out

    def why_not_enabled(self, sim, client, action):
        if action["type"] == "cas" and not offers_cas(sim.config):
            return "leaderless replication offers no compare-and-set: it needs consensus"
        if client.volatile.op is not None:
            return (f"{client.id} is still waiting for its {client.volatile.op['kind']}: "
                    "a client runs one operation at a time")
        return None

    def on_read(self, sim, client, action):
        client.begin("read", action["key"], via=action.get("via"))

    def on_write(self, sim, client, action):
        client.begin("write", action["key"], value=action["value"], via=action.get("via"))

    def on_cas(self, sim, client, action):
        client.begin("cas", action["key"], value=action["to"], expected=action.get("from"),
                     via=action.get("via"))
