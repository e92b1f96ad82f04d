"""Counterexample search: "find me the schedule that breaks it".

Breadth first over the enabled actions, from a scenario's state (the initial state, or the
state after a given action prefix): every delivery order, every timeout firing early, and
within budgets crashes (with restarts), duplicates, drops, pauses and partitions. Because
the search is breadth first, the first violation it meets has the shortest action list; it
is replayed on the ordinary kernel (confirmed), minimised (actions the violation does not
need are removed, re-checking by replay) and turned into a playground link that opens at
the violating step.

What the search tries. The search never has to deliver a message, so a message left in
flight is already a lost message, a paused node one whose events it does not pick, and a
partition a set of messages it holds back. Drops, pauses and partitions therefore add no
new behaviour for checks that look at the nodes, and their budgets default to 0; crashes
(volatile state lost, recovery on restart) and duplicates do, and may be allowed.

Time. When a protocol declares `clock: "frozen"` (no handler or check depends on the
clock; 2PC), the search runs with the clock stopped: times stored in state ("prepared at
t=40") and timer deadlines then tell no states apart, and every order of events is tried.
Otherwise time is part of the state (the clock, message arrival times, timer deadlines:
firing a timer early jumps the clock to its deadline, and leases compare them), so states
rarely coincide and full breadth-first search drowns. The search then bounds *delays*
(delay-bounded scheduling, Emmi, Qadeer and Rakamaric, POPL 2011): from each state the
next event in time order -- what auto-play would do -- is free, and each other choice
(delivering a later message first, firing a timer before its time) spends one delay.

State hashing. Each state is explored once (or again only with more budget left). Its key
leaves out what cannot change what happens next:
  - message and timer ids: a message is its sender, receiver, kind and payload, a timer its
    node, name and data, so two orders of sending that leave the same messages in flight
    are one state (in-flight messages are a multiset);
  - the step count, the trace and its hash, and the positions of client operations in the
    trace (their order is kept, as ranks);
  - the RNG: every random draw (a latency, an election timeout) is the one the seeded RNG
    gives on that path; the search does not branch on random values;
  - with the clock frozen, time.
Dict keys are sorted (insertion order only decides the order of sends, whose ids are
ignored). What a check carries from one step to the next in its result (bookkeeping such as
"who led which epoch") is part of the state, as the protocol's `check_state` declares.
Node symmetry is not used: the protocols keep ordered lists of node ids (participants,
acknowledgements), so swapping two nodes does not in general give an equal state.

A protocol tunes the start with `Protocol.explore_defaults(variant)` (a small workload,
which protocol actions to try, the clock, budgets); the caller overrides any of it.
"""

import gc
import hashlib
import json
import time

from .. import registry
from ..links import share as scenario_link
from ..kernel import CRASHED, PAUSED, UP, PlaygroundError, Simulation, canonical, replay
from ..kernel.scheduler import next_event
from ..limits import MAX_SEED

DEFAULT_DEPTH = 100
DEFAULT_MAX_STATES = 100_000
DEFAULT_SECONDS = 60.0
BUDGETS = ("drops", "duplicates", "crashes", "pauses", "partitions", "delays", "requests")
# requests: protocol-specific actions (a client's read, a vote-no); None is unbounded.
DEFAULT_BUDGETS = {"drops": 0, "duplicates": 0, "crashes": 1, "pauses": 0, "partitions": 0,
                   "requests": None}
DEFAULT_DELAYS = 1          # with the clock running; unbounded when it is frozen
MAX_BUDGET = 20
UNBOUNDED = 10**9
# The search chooses every fault itself: auto-play's own fault injection is off.
QUIET = {"fault_drop": 0.0, "fault_duplicate": 0.0, "fault_crash": 0.0, "fault_pause": 0.0,
         "fault_partition": 0.0}
_DELAY, _REQUEST = 5, 6
_CHECK_META = ("name", "ok", "detail", "events", "warn")
STOPS = ("violation", "exhausted", "depth", "max-states", "time", "cancelled")


class ExploreError(PlaygroundError):
    """Bad input to the search: an unknown check, budget or protocol action."""

    code = "bad_explore"


class Cancelled(Exception):
    pass


def _not_json(value):
    raise TypeError(f"search state holds a {type(value).__name__}, which is not JSON")


try:  # the C encoder, called directly: state keys are much of the hashing time
    from json.encoder import c_make_encoder, encode_basestring

    _encode = c_make_encoder(None, _not_json, encode_basestring, None, ":", ",", True, False,
                             True)
except (ImportError, TypeError):  # pragma: no cover - a Python without the C accelerator
    _encode = None


def _dumps(value):
    """Canonical JSON (sorted keys, no spaces) of a part of a state."""
    if _encode is None:  # pragma: no cover
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "".join(_encode(value, 0))


def _whole(value, low=0, high=None):
    return (isinstance(value, int) and not isinstance(value, bool) and value >= low
            and (high is None or value <= high))


# -- settings ----------------------------------------------------------------------------------

def settings(protocol, variant=None, config=None, budgets=None, actions=None, clock=None):
    """Resolve what the search will do: the protocol's defaults, its explore_defaults, then
    the caller's choices (`budgets`: {drops, duplicates, crashes, pauses, partitions,
    delays, requests}, delays and requests None for unbounded). Returns a dict; raises
    ExploreError."""
    if isinstance(protocol, str):
        protocol = registry.get(protocol)
    variant = protocol.default_variant if variant is None else variant
    if not isinstance(variant, str) or variant not in protocol.variants:
        raise ExploreError(f"unknown variant {variant!r} for {protocol.name}; known: "
                           + ", ".join(protocol.variants))
    hook = protocol.explore_defaults(variant) or {}
    if config is not None and not isinstance(config, dict):
        raise ExploreError("config must be a JSON object")
    merged = dict(QUIET, **hook.get("config", {}))
    merged.update(config or {})

    clock = hook.get("clock", "running") if clock is None else clock
    if clock not in ("running", "frozen"):
        raise ExploreError("clock must be 'running' or 'frozen'")
    limits = dict(DEFAULT_BUDGETS, delays=None if clock == "frozen" else DEFAULT_DELAYS)
    limits.update(hook.get("faults", {}))
    if budgets is not None:
        if not isinstance(budgets, dict):
            raise ExploreError("budgets must be an object: " + ", ".join(BUDGETS))
        unknown = sorted(set(budgets) - set(BUDGETS))
        if unknown:
            raise ExploreError(f"unknown budget {unknown[0]!r}; known: " + ", ".join(BUDGETS))
        limits.update(budgets)
    for name in BUDGETS:
        value = limits[name]
        if name in ("delays", "requests") and value is None:
            continue
        if not _whole(value, 0, MAX_BUDGET):
            raise ExploreError(f"budget {name} must be a whole number from 0 to {MAX_BUDGET}"
                               + (" (or null: unbounded)"
                                  if name in ("delays", "requests") else ""))

    known_actions = list(protocol.action_help)
    tried = hook.get("actions", known_actions) if actions is None else actions
    if not isinstance(tried, list) or not all(isinstance(a, str) for a in tried):
        raise ExploreError("actions must be a list of protocol action types")
    unknown = [a for a in tried if a not in known_actions]
    if unknown:
        raise ExploreError(f"unknown protocol action {unknown[0]!r} for {protocol.name}; "
                           "known: " + (", ".join(known_actions) or "none"))
    return {"protocol": protocol, "variant": variant, "config": merged, "budgets": limits,
            "actions": list(tried), "clock": clock, "check_state": hook.get("check_state")}


# -- the state key -------------------------------------------------------------------------------

_MASK = (1 << 128) - 1


def _h(text):
    """128 bits of a part of a state. A state's key is the sum of its parts' (mod 2^128),
    so a child recomputes only the parts its action changed, and in-flight messages, a
    multiset, need no sorting."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "little")


class _Keys:
    """Canonical keys for the parts of a search state."""

    def __init__(self, timed, check_state, carries=True):
        self.timed = timed
        self.check_state = check_state
        # Whether the checks carry anything from step to step: known from the first state
        # (or the protocol's declaration), so the others need not be searched for it.
        self.carries = carries

    def node(self, sim, node_id):
        node = sim.nodes[node_id]
        if self.timed:
            timers = sorted([t["name"], t["data"], t["at"]] for t in sim.timers.values()
                            if t["node"] == node_id)
        else:
            timers = sorted([t["name"], t["data"]] for t in sim.timers.values()
                            if t["node"] == node_id)
        return _h(node_id + "\x1f" + _dumps([sim.status[node_id], node.durable, node.volatile,
                                             timers]))

    def message(self, msg):
        if self.timed:
            return _h("\x1emsg" + _dumps([msg["src"], msg["dst"], msg["kind"], msg["payload"],
                                          msg["arrives_at"]]))
        return _h("\x1emsg" + _dumps([msg["src"], msg["dst"], msg["kind"], msg["payload"]]))

    def history(self, history):
        """Client operations with their order (as ranks of steps), not their positions."""
        if not history:
            return 0
        steps = sorted({s for h in history for s in (h["invoke_step"], h["complete_step"])
                        if s is not None})
        rank = {s: i for i, s in enumerate(steps)}
        rows = []
        for h in history:
            row = [h["id"], h["client"], h["op"], h["args"], h["status"], h["result"],
                   rank[h["invoke_step"]], rank.get(h["complete_step"])]
            if self.timed:
                row += [h["invoke_t"], h["complete_t"]]
            rows.append(row)
        return _h("\x1ehistory" + _dumps(rows))

    def carried(self, checks):
        """What the checks carry from one step to the next, as declared (default: every
        field of a check's result but its name, status and explanation)."""
        parts = []
        declared = self.check_state
        for check in checks:
            if declared is not None:
                extra = {k: check[k] for k in declared.get(check["name"], ()) if k in check}
            else:
                extra = {k: v for k, v in check.items() if k not in _CHECK_META}
            if extra:
                parts.append([check["name"], extra])
        return parts

    def rest(self, sim):
        """The parts of a state that are usually absent: partition, planned fault ends,
        the clock (when time counts) and what the checks carry."""
        extra = []
        if sim.partition is not None:
            extra.append(sim.partition)
        if sim.plan:
            extra.append(sim.plan)
        if self.timed:
            extra.append(sim.now)
        if self.carries:
            carried = self.carried(sim.checks)
            if carried:
                extra.append(carried)
        return _h("\x1erest" + _dumps(extra)) if extra else 0


class _State:
    """A state in the search: the simulation, the hashes of its parts, the budget spent."""

    __slots__ = ("sim", "nodes", "msgs", "history", "history_key", "used")

    def __init__(self, sim, nodes, msgs, history_key, used):
        self.sim = sim
        self.nodes = nodes              # node id -> hash of its status, state and timers
        self.msgs = msgs                # message id -> hash of its content
        self.history = sim.history
        self.history_key = history_key
        self.used = used                # budget spent, in BUDGETS order

    @classmethod
    def root(cls, keys, sim):
        return cls(sim, {n: keys.node(sim, n) for n in sim.nodes},
                   {i: keys.message(m) for i, m in sim.messages.items()},
                   keys.history(sim.history), (0,) * len(BUDGETS))

    def child(self, keys, sim, touched, used):
        if touched is None:
            nodes = {n: keys.node(sim, n) for n in sim.nodes}
        else:
            nodes = dict(self.nodes)
            for node_id in touched:
                nodes[node_id] = keys.node(sim, node_id)
        old = self.msgs
        msgs = {}
        for msg_id, msg in sim.messages.items():
            key = old.get(msg_id)
            msgs[msg_id] = keys.message(msg) if key is None else key
        history = sim.history
        before = self.history
        if len(history) == len(before) and all(a is b for a, b in zip(history, before)):
            history_key = self.history_key
        else:
            history_key = keys.history(history)
        return _State(sim, nodes, msgs, history_key, used)

    def digest(self, keys):
        """The state's key (the budget spent is left out: see _Seen)."""
        return (sum(self.nodes.values()) + sum(self.msgs.values()) + self.history_key
                + keys.rest(self.sim)) & _MASK


class _Seen:
    """States already reached, each with the budgets spent on the ways it was reached: a
    state is explored again only if reached having spent less of some budget."""

    def __init__(self):
        self.spent = {}
        self.count = 0

    def add(self, digest, used):
        known = self.spent.get(digest)
        if known is None:
            self.spent[digest] = used
            self.count += 1
            return True
        if known == used:
            return False
        if type(known) is tuple:
            known = [known]
        for other in known:
            if all(a <= b for a, b in zip(other, used)):
                return False
        known = [o for o in known if not all(a <= b for a, b in zip(used, o))]
        known.append(used)
        self.spent[digest] = known[0] if len(known) == 1 else known
        self.count += 1
        return True


# -- the actions tried ----------------------------------------------------------------------------

def _partitions(node_ids):
    """Every split of the nodes into two groups, once each."""
    first, rest = node_ids[0], node_ids[1:]
    out = []
    for mask in range(0, 2 ** len(rest) - 1):
        side = [first] + [n for i, n in enumerate(rest) if mask >> i & 1]
        out.append({"type": "partition",
                    "groups": [side, [n for n in node_ids if n not in side]]})
    return out


def _successors(sim, used, limits, protocol_actions, timed):
    """(action, budget spent after it) for each action the search tries from `sim`, in
    this order: deliveries, timers, protocol actions, then faults within their budgets and
    recoveries. With the clock running, any delivery or timer but the next event in time
    order spends a delay. (The same actions as sim.enabled(), made directly: this runs
    once per state.)"""
    out = []
    free = None
    if timed:
        event = next_event(sim)
        free = None if event is None else event[1]
    delay = used[:_DELAY] + (used[_DELAY] + 1,) + used[_DELAY + 1:]
    if timed and used[_DELAY] >= limits[_DELAY]:
        if free is not None and free["type"] in ("deliver", "fire"):
            out.append((free, used))
    else:
        status = sim.status
        for msg in sim.messages.values():
            if status[msg["dst"]] != PAUSED and sim.connected(msg["src"], msg["dst"]):
                action = {"type": "deliver", "msg": msg["id"]}
                out.append((action, used if not timed or action == free else delay))
        for timer in sim.timers.values():
            if status[timer["node"]] == UP:
                action = {"type": "fire", "timer": timer["id"]}
                out.append((action, used if not timed or action == free else delay))
    if protocol_actions and used[_REQUEST] < limits[_REQUEST]:
        spent = used[:_REQUEST] + (used[_REQUEST] + 1,) + used[_REQUEST + 1:]
        for action in sim.protocol.enabled_actions(sim):
            if action["type"] in protocol_actions:
                out.append((action, spent))
    for kind, index in (("drop", 0), ("duplicate", 1)):
        if used[index] < limits[index]:
            spent = used[:index] + (used[index] + 1,) + used[index + 1:]
            for msg_id in sim.messages:
                out.append(({"type": kind, "msg": msg_id}, spent))
    crash = used[:2] + (used[2] + 1,) + used[3:] if used[2] < limits[2] else None
    pause = used[:3] + (used[3] + 1,) + used[4:] if used[3] < limits[3] else None
    for node_id, state in sim.status.items():
        if state == CRASHED:
            out.append(({"type": "restart", "node": node_id}, used))
        elif crash is not None:
            out.append(({"type": "crash", "node": node_id}, crash))
    for node_id, state in sim.status.items():
        if state == PAUSED:
            out.append(({"type": "resume", "node": node_id}, used))
        elif state == UP and pause is not None:
            out.append(({"type": "pause", "node": node_id}, pause))
    if sim.partition is not None:
        out.append(({"type": "heal"}, used))
    elif used[4] < limits[4] and len(sim.nodes) > 1:
        spent = used[:4] + (used[4] + 1,) + used[5:]
        for action in _partitions(list(sim.nodes)):
            out.append((action, spent))
    return out


# -- replay: confirming and minimising ------------------------------------------------------------

def _violated(sim, name):
    for check in sim.checks:
        if check["name"] == name and not check["ok"]:
            return check
    return None


def _fresh(setup, prefix):
    return replay(setup["protocol"], setup["variant"], setup["config"], setup["seed"],
                  list(prefix))


def _confirm(setup, prefix, path, check_name):
    """Replay on the ordinary kernel (clock running, trace hashed): does the check fail?"""
    try:
        sim = _fresh(setup, list(prefix) + list(path))
    except PlaygroundError:
        return False
    return _violated(sim, check_name) is not None


def _describe(sim, action):
    """An action in terms that survive renumbering: a message by its content, a timer by its
    node, name and data; anything else as it is."""
    kind = action["type"]
    if kind in ("deliver", "drop", "duplicate"):
        m = sim.messages[action["msg"]]
        return (kind, "msg", canonical([m["src"], m["dst"], m["kind"], m["payload"]]))
    if kind == "fire":
        t = sim.timers[action["timer"]]
        return (kind, "timer", canonical([t["node"], t["name"], t["data"]]))
    return (kind, "as-is", canonical(action))


def _resolve(sim, description):
    kind, how, what = description
    if how == "msg":
        for m in sim.messages.values():
            if canonical([m["src"], m["dst"], m["kind"], m["payload"]]) == what:
                return {"type": kind, "msg": m["id"]}
        return None
    if how == "timer":
        for t in sim.timers.values():
            if canonical([t["node"], t["name"], t["data"]]) == what:
                return {"type": kind, "timer": t["id"]}
        return None
    return json.loads(what)


def _replay_to_violation(setup, prefix, descriptions, check_name):
    """Replay the prefix, then the described actions, stopping at the first step where the
    check fails. Returns (actions, descriptions used), or None when it never fails or an
    action is not possible."""
    sim = _fresh(setup, prefix)
    done = []
    for index, description in enumerate(descriptions):
        action = _resolve(sim, description)
        if action is None or not sim.is_enabled(action):
            return None
        sim.apply(action)
        done.append(action)
        if _violated(sim, check_name):
            return done, descriptions[:index + 1]
    return None


_RECOVERY = {"crash": "restart", "pause": "resume", "partition": "heal"}


def _removals(descriptions, index):
    """What to try removing at `index`: the action alone, and a fault with the recovery
    that ends it (a restart needs its crash, so neither can go alone)."""
    yield (index,)
    kind = descriptions[index][0]
    if kind in _RECOVERY:
        node = json.loads(descriptions[index][2]).get("node")
        for later in range(index + 1, len(descriptions)):
            other = descriptions[later]
            if other[0] == _RECOVERY[kind] and json.loads(other[2]).get("node") == node:
                yield (index, later)
                break


def minimise(setup, prefix, path, check_name, deadline=None):
    """Remove actions of `path` (played after `prefix`) that the violation of `check_name`
    does not need -- one at a time, or a fault with its recovery -- until none can go,
    re-checking each candidate by replay. Messages and timers are matched by content, so
    removing an action does not break later ones when ids shift. Returns the shorter path
    (or the path itself)."""
    sim = _fresh(setup, prefix)
    descriptions = []
    for action in path:
        descriptions.append(_describe(sim, action))
        sim.apply(action)
    best = _replay_to_violation(setup, prefix, descriptions, check_name)
    if best is None:
        return list(path)
    actions, descriptions = best
    changed = True
    while changed:
        changed = False
        index = len(descriptions) - 1
        while index >= 0:
            for removal in _removals(descriptions, index):
                if deadline is not None and time.monotonic() > deadline:  # wall-clock: the search's time budget
                    return actions
                shorter = [d for i, d in enumerate(descriptions) if i not in removal]
                found = _replay_to_violation(setup, prefix, shorter, check_name)
                if found is not None:
                    actions, descriptions = found
                    changed = True
                    break
            index = min(index, len(descriptions)) - 1
    return actions


# -- the search -----------------------------------------------------------------------------------

def _is_cancelled(cancel):
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel())


def explore(protocol, variant=None, config=None, seed=0, prefix=(), depth=DEFAULT_DEPTH,
            max_states=DEFAULT_MAX_STATES, seconds=DEFAULT_SECONDS, budgets=None,
            actions=None, checks=None, clock=None, minimise_trace=True, progress=None,
            cancel=None, progress_interval=0.25, pause_gc=True):
    """Search breadth first for the shortest action list (after `prefix`) that makes one of
    `checks` (default: every check) fail.

    Bounds: `depth` actions after the prefix, `max_states` distinct states, `seconds` of
    search; `budgets` {drops, duplicates, crashes, pauses, partitions, delays, requests};
    `actions` the protocol-specific action types tried; `clock` "frozen" or "running" (see
    the module notes; by default what the protocol declares). `progress(report)` is called about every
    `progress_interval` seconds and after each level with states, distinct, depth,
    frontier, seconds, rate and eta; `cancel` (an Event, or a callable returning True)
    stops the search soon after it is set. `pause_gc` turns Python's cyclic garbage
    collector off while searching (process-wide: a server runs searches in a worker
    process).

    Returns a JSON-able dict: protocol, variant, config (what differs from the variant's
    defaults), seed, prefix, bounds, states (successors generated), distinct (states
    kept), depth (levels fully explored), seconds, stopped (one of STOPS), complete (every
    state reachable within the budgets was explored), and violation: None or {check,
    detail, trace, shortest, depth, cursor, link, trace_hash}. Raises ExploreError,
    ConfigError or InvalidAction on bad input."""
    started = time.monotonic()  # wall-clock: the search's time budget
    setup = settings(protocol, variant, config, budgets, actions, clock)
    protocol = setup["protocol"]
    if not _whole(seed, 0, MAX_SEED):  # a counterexample's share link carries the seed
        raise ExploreError(f"seed must be a whole number between 0 and {MAX_SEED} (2^53-1)")
    setup["seed"] = seed
    if not _whole(depth, 0):
        raise ExploreError("depth must be a whole number")
    if not _whole(max_states, 1):
        raise ExploreError("max_states must be a whole number of at least 1")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ExploreError("seconds must be a positive number")
    if not isinstance(prefix, (list, tuple)):
        raise ExploreError("prefix must be a list of actions")
    prefix = list(prefix)

    root = Simulation(protocol, setup["variant"], setup["config"], seed)
    for index, action in enumerate(prefix):
        try:
            root.apply(action)
        except PlaygroundError as exc:
            raise type(exc)(f"prefix action {index + 1}: {exc.message}", code=exc.code) from None
    setup["config"] = root.config
    known = [c["name"] for c in root.checks]
    if checks is None:
        targets = set(known)
    else:
        if not isinstance(checks, (list, tuple)) or not all(isinstance(c, str) for c in checks):
            raise ExploreError("checks must be a list of check names")
        unknown = [c for c in checks if c not in known]
        if unknown:
            raise ExploreError(f"unknown check {unknown[0]!r} for {protocol.name}; known: "
                               + ", ".join(known))
        targets = set(checks)

    limits = tuple(UNBOUNDED if setup["budgets"][name] is None else setup["budgets"][name]
                   for name in BUDGETS)
    protocol_actions = set(setup["actions"])
    timed = setup["clock"] != "frozen"
    keys = _Keys(timed, setup["check_state"])
    result = {
        "protocol": protocol.name, "variant": setup["variant"],
        "config": _config_overrides(protocol, setup["variant"], root.config), "seed": seed,
        "prefix": prefix,
        "bounds": {"depth": depth, "max_states": max_states, "seconds": seconds,
                   "budgets": dict(setup["budgets"]), "actions": sorted(protocol_actions),
                   "checks": [c for c in known if c in targets], "clock": setup["clock"]},
        "states": 0, "distinct": 1, "depth": 0, "seconds": 0.0, "stopped": None,
        "complete": False, "violation": None,
    }

    def finish(stopped, found=None):
        result["stopped"] = stopped
        result["complete"] = stopped == "exhausted"
        result["covered"] = None if found is not None else _covered(result)
        if found is not None:
            result["violation"] = _report(setup, prefix, found, minimise_trace,
                                          started + seconds, result)
        result["seconds"] = round(time.monotonic() - started, 3)  # wall-clock: the search's time budget
        return result

    for check in root.checks:
        if check["name"] in targets and not check["ok"]:
            return finish("violation", (check["name"], []))

    root.enter_search(freeze_clock=not timed)
    # Checks are functions of the state, so a state already seen need not be checked again
    # -- unless the checks carry something from step to step, which is part of the key.
    check_first = keys.carries = bool(keys.carried(root.checks))
    first = _State.root(keys, root)
    seen = _Seen()
    seen.add(first.digest(keys), first.used)
    frontier = [first]
    states = level = 0
    deadline = started + seconds
    next_report = time.monotonic() + progress_interval  # wall-clock: the search's time budget

    def report(frontier_size):
        elapsed = time.monotonic() - started  # wall-clock: the search's time budget
        rate = states / elapsed if elapsed > 0 else 0.0
        left = max(0.0, seconds - elapsed)
        if seen.count and states:
            # States still allowed, at the rate at which they have been kept so far.
            kept_rate = seen.count / elapsed if elapsed > 0 else 0.0
            if kept_rate > 0:
                left = min(left, (max_states - seen.count) / kept_rate)
        progress({"states": states, "distinct": seen.count, "depth": level,
                  "max_depth": depth, "frontier": frontier_size, "seconds": round(elapsed, 2),
                  "rate": round(rate), "max_states": max_states, "max_seconds": seconds,
                  "eta": round(left, 1)})

    def stop(reason, found=None):
        result.update(states=states, distinct=seen.count, depth=level)
        return finish(reason, found)

    if progress is not None:
        report(1)
    gc_was_on = gc.isenabled()
    if pause_gc:
        # The search makes and drops objects by the million; the collector's passes over a
        # growing frontier would take a third of the time. Cycles (a simulation and its
        # nodes) are broken by hand instead, below.
        gc.disable()
    try:
        while frontier:
            if level >= depth:
                return stop("depth")
            following = []
            for state in frontier:
                sim = state.sim
                for action, used in _successors(sim, state.used, limits, protocol_actions,
                                                timed):
                    touched = sim.touches(action)
                    child = sim.fork(touched)
                    child.apply(action, check=check_first)
                    states += 1
                    if not states & 63:
                        now = time.monotonic()  # wall-clock: the search's time budget
                        if _is_cancelled(cancel):
                            raise Cancelled
                        if now > deadline:
                            return stop("time")
                        if progress is not None and now >= next_report:
                            report(len(following))
                            next_report = now + progress_interval
                    node = state.child(keys, child, touched, used)
                    if not seen.add(node.digest(keys), used):
                        child.nodes.clear()  # break the simulation <-> nodes cycle
                        continue
                    if not check_first:
                        child.run_checks()
                    broken = None
                    for check in child.checks:
                        if not check["ok"] and check["name"] in targets:
                            broken = check["name"]
                            break
                    if broken is not None:
                        path = child.actions[len(prefix):]
                        if _confirm(setup, prefix, path, broken):
                            return stop("violation", (broken, path))
                        # Not reproduced with the clock running: the protocol's "frozen"
                        # declaration was wrong. Say so, and keep looking.
                        result["unconfirmed"] = result.get("unconfirmed", 0) + 1
                        continue
                    # Kept for the next step's checks: their status, and what they carry.
                    child.checks = [{k: v for k, v in c.items() if k != "detail" and k != "events"}
                                    for c in child.checks]
                    following.append(node)
                    if seen.count >= max_states:
                        return stop("max-states")
                sim.nodes.clear()
            frontier = following
            level += 1
            result.update(states=states, distinct=seen.count, depth=level)
            if progress is not None:
                report(len(frontier))
        return stop("exhausted")
    except Cancelled:
        return stop("cancelled")
    finally:
        if pause_gc and gc_was_on:
            gc.enable()


def _covered(result):
    """What a search that found nothing has shown, in words."""
    stopped, depth = result["stopped"], result["depth"]
    if stopped == "exhausted":
        return "every state reachable within the budgets"
    if stopped == "depth":
        return f"every schedule of up to {depth} actions within the budgets"
    why = {"max-states": "the state budget", "time": "the time budget",
           "cancelled": "cancelling"}.get(stopped, stopped)
    return (f"every schedule of up to {depth} actions within the budgets (and part of "
            f"those of {depth + 1}, until {why} stopped it)")


def _config_overrides(protocol, variant, config):
    """The part of a resolved config that differs from the variant's defaults: what a link
    needs to carry."""
    defaults = protocol.defaults(variant)
    return {k: v for k, v in config.items() if defaults.get(k) != v}


def _report(setup, prefix, found, minimise_trace, deadline, result):
    check_name, path = found
    shortest = list(prefix) + list(path)
    if minimise_trace and path:
        # Minimising gets what is left of the time budget, and at least a few seconds.
        path = minimise(setup, prefix, path, check_name,
                        max(deadline, time.monotonic() + 5.0))  # wall-clock: the search's time budget
    trace = list(prefix) + list(path)
    sim = _fresh(setup, trace)
    check = _violated(sim, check_name)
    link = scenario_link.share_path(scenario_link.scenario(
        result["protocol"], result["variant"], result["config"], result["seed"], trace))
    return {"check": check_name, "detail": check["detail"], "depth": len(path),
            "trace": trace, "shortest": shortest, "cursor": len(trace), "link": link,
            "trace_hash": sim.trace_hash}
