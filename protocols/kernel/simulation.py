"""The simulation: nodes, the network of in-flight messages, timers, a simulated clock,
one seeded RNG, the action list, the trace and the checks.

Every change of state goes through `apply(action)`: an action is plain JSON, validated
against the current state before anything changes. The same (protocol, variant, config,
seed, actions) always produces a byte-identical trace.
"""

import hashlib
import json
import random

from .errors import ConfigError, InvalidAction
from .record import deep_copy

UP, CRASHED, PAUSED = "up", "crashed", "paused"
NETWORK_ACTIONS = ("deliver", "drop", "duplicate")
KERNEL_ACTIONS = NETWORK_ACTIONS + ("fire", "crash", "restart", "pause", "resume", "partition",
                                    "heal")
# Extra fields the kernel accepts on an action: when an injected fault ends.
_ACTION_FIELDS = {
    "deliver": {"msg"}, "drop": {"msg"}, "duplicate": {"msg"}, "fire": {"timer"},
    "crash": {"node", "restart_after"}, "restart": {"node"},
    "pause": {"node", "resume_after"}, "resume": {"node"},
    "partition": {"groups", "heal_after"}, "heal": set(),
}
MAX_SEED = 2**63 - 1


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Simulation:
    def __init__(self, protocol, variant=None, config=None, seed=0):
        variant = protocol.default_variant if variant is None else variant
        if not isinstance(variant, str) or variant not in protocol.variants:
            raise ConfigError(f"unknown variant {variant!r} for {protocol.name}; known: "
                              + ", ".join(protocol.variants))
        if not _whole(seed) or not 0 <= seed <= MAX_SEED:
            raise ConfigError("seed must be a whole number between 0 and 2^63-1")
        self.protocol = protocol
        self.variant = variant
        self.config = protocol.resolve_config(variant, config)
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0
        self.step = 0
        self.actions = []
        self.trace = []
        self._hasher = hashlib.sha256()
        self.messages = {}          # id -> message dict, in send order
        self.timers = {}            # id -> timer dict, in arming order
        self.next_msg_id = 1
        self.next_timer_id = 1
        self.partition = None       # None or list of groups (lists of node ids)
        self.plan = []              # injected faults that end later: [{"at", "action"}]
        self.history = []           # client operations (invocations and completions)
        self.nodes = {}             # id -> Node, in display order
        self._ids_by_role = {}      # node_ids() by role: the nodes never change after build
        self._shown = {}            # message id -> its label and tone, while it is in flight
        self.status = {}            # id -> up | crashed | paused
        self.checks = []
        self.checks_cache = None    # during a round of checks: what @shared helpers computed
        self.searching = False      # see enter_search()
        self.clock_frozen = False
        protocol.build(self)
        for node in self.nodes.values():
            node.boot()
        self._run_checks()

    # -- building -----------------------------------------------------------------------
    def add_node(self, cls, node_id, label=None, **props):
        node = cls(self, node_id, label, **props)
        self.nodes[node_id] = node
        self._ids_by_role = {}      # node_ids() answers again from the new set
        self.status[node_id] = UP
        return node

    def node_ids(self, role=None):
        """The ids of the nodes (of `role`), in display order (a new list each call)."""
        ids = self._ids_by_role.get(role)
        if ids is None:
            ids = self._ids_by_role[role] = [n.id for n in self.nodes.values()
                                             if role is None or n.role == role]
        return list(ids)

    # -- trace --------------------------------------------------------------------------
    def record_event(self, event_type, shown=None, **fields):
        """Append an event to the trace. `shown` holds presentation fields (label, tone):
        they travel with the event but are not part of the trace hash."""
        event = {"i": len(self.trace), "step": self.step, "t": self.now, "type": event_type}
        event.update(fields)
        self.trace.append(event)
        if not self.searching:
            self._hasher.update(canonical(event).encode())
            self._hasher.update(b"\n")
            if shown:
                event.update(shown)
        return event

    def _event_shown(self, msg):
        """A message's label and tone for a trace event (none in search mode: no one reads
        them there, and the search forks millions of states)."""
        return {} if self.searching else self.message_shown(msg)

    def message_shown(self, msg):
        """{label, tone} of a message, as its protocol declares them (worked out once per
        message in flight: its send, delivery and snapshots show the same words)."""
        shown = self._shown.get(msg["id"])
        if shown is None:
            vocabulary = self.protocol.vocabulary
            if vocabulary is None:
                return {}
            spec = vocabulary.message(msg["kind"])
            shown = {"label": spec.label(msg["kind"], msg["payload"], msg),
                     "tone": spec.tone_of(msg["payload"], msg)}
            if not self.searching:
                self._shown[msg["id"]] = shown
        return shown

    @property
    def trace_hash(self):
        return self._hasher.hexdigest()

    # -- network (called by nodes) ----------------------------------------------------
    def network_send(self, src, dst, kind, payload):
        if dst not in self.nodes:
            raise ValueError(f"{src} sent {kind} to unknown node {dst!r}")
        if self.protocol.vocabulary is not None:
            self.protocol.vocabulary.check_send(src, kind)
        low, high = self.config["latency"]
        msg = {"id": self.next_msg_id, "src": src, "dst": dst, "kind": kind,
               "payload": deep_copy(payload), "sent_at": self.now,
               "arrives_at": self.now + self.rng.randint(low, high)}
        self.next_msg_id += 1
        self.messages[msg["id"]] = msg
        self.record_event("send", shown=self._event_shown(msg), msg=msg["id"], src=src,
                          dst=dst, kind=kind, payload=msg["payload"])
        return msg["id"]

    def connected(self, a, b):
        if self.partition is None:
            return True
        for group in self.partition:
            if a in group:
                return b in group
        return False

    def deliverable(self, msg):
        return (self.status[msg["dst"]] != PAUSED) and self.connected(msg["src"], msg["dst"])

    # -- timers (called by nodes) ------------------------------------------------------
    def timer_find(self, node_id, name):
        for timer in self.timers.values():
            if timer["node"] == node_id and timer["name"] == name:
                return timer
        return None

    def timer_set(self, node_id, name, delay, data):
        self.timer_cancel(node_id, name)
        timer = {"id": self.next_timer_id, "node": node_id, "name": name,
                 "at": self.now + max(0, int(delay)), "data": deep_copy(data)}
        self.next_timer_id += 1
        self.timers[timer["id"]] = timer
        return timer["id"]

    def timer_cancel(self, node_id, name):
        timer = self.timer_find(node_id, name)
        if timer is not None:
            del self.timers[timer["id"]]

    def fireable(self, timer):
        return self.status[timer["node"]] == UP

    # -- client histories ------------------------------------------------------------
    def history_invoke(self, client, op, args):
        entry = {"id": len(self.history) + 1, "client": client, "op": op, "args": deep_copy(args),
                 "invoke_t": self.now, "invoke_step": self.step, "complete_t": None,
                 "complete_step": None, "status": "pending", "result": None}
        self.history.append(entry)
        self.record_event("invoke", node=client, op=op, opid=entry["id"], args=entry["args"])
        return entry["id"]

    def history_complete(self, op_id, status, result=None, returned=False):
        """A client's operation completes. `returned`: the result is a value the operation
        returned (so None is shown as nil), not an absence of one."""
        if status not in ("ok", "fail", "info"):
            raise ValueError(f"bad completion status {status!r}")
        entry = self.history[op_id - 1]
        if entry["status"] != "pending":
            return
        # A new record rather than an update, so forks can share the old one (see fork).
        entry = self.history[op_id - 1] = dict(
            entry, status=status, result=deep_copy(result), complete_t=self.now,
            complete_step=self.step)
        if returned:
            entry["returned"] = True
        self.record_event("complete", shown={"returned": True} if returned else None,
                          node=entry["client"], op=entry["op"], opid=op_id, status=status,
                          result=entry["result"])

    # -- actions --------------------------------------------------------------------------
    def enabled(self):
        """Every action possible now, as JSON dicts (partitions are parametric: see docs)."""
        out = []
        for msg in self.messages.values():
            if self.deliverable(msg):
                out.append({"type": "deliver", "msg": msg["id"]})
        for msg in self.messages.values():
            out.append({"type": "drop", "msg": msg["id"]})
        for msg in self.messages.values():
            out.append({"type": "duplicate", "msg": msg["id"]})
        for timer in self.timers.values():
            if self.fireable(timer):
                out.append({"type": "fire", "timer": timer["id"]})
        for node_id, status in self.status.items():
            if status == UP:
                out.append({"type": "crash", "node": node_id})
                out.append({"type": "pause", "node": node_id})
            elif status == PAUSED:
                out.append({"type": "resume", "node": node_id})
                out.append({"type": "crash", "node": node_id})
            else:
                out.append({"type": "restart", "node": node_id})
        if self.partition is not None:
            out.append({"type": "heal"})
        out.extend(self.protocol.enabled_actions(self))
        return out

    def is_enabled(self, action):
        try:
            self._prepare(action)
        except InvalidAction:
            return False
        return True

    def apply(self, action, check=True):
        """Apply one action; return the trace events it produced.

        Raises InvalidAction (and changes nothing) when the action is malformed or not
        enabled now. With check=False the checks are left to the caller (run_checks): the
        search skips them for states it has already seen."""
        perform = self._prepare(action)
        self.step += 1
        self.actions.append(deep_copy(action))
        start = len(self.trace)
        perform()
        if check:
            self._run_checks()
        return self.trace[start:]

    def _prepare(self, action):
        if not isinstance(action, dict):
            raise InvalidAction("an action must be a JSON object", code="bad_action")
        kind = action.get("type")
        if not isinstance(kind, str):
            raise InvalidAction("an action needs a string field 'type'", code="bad_action")
        if kind not in KERNEL_ACTIONS:
            return self.protocol.perform(self, action)
        extra = set(action) - _ACTION_FIELDS[kind] - {"type"}
        if extra:
            raise InvalidAction(f"unexpected field {sorted(extra)[0]!r} in {kind} action",
                                code="bad_action")
        return getattr(self, "_prepare_" + kind)(action)

    def _message(self, action):
        msg_id = action.get("msg")
        if not _whole(msg_id):
            raise InvalidAction(f"{action['type']} needs a whole-number 'msg'", code="bad_action")
        msg = self.messages.get(msg_id)
        if msg is None:
            raise InvalidAction(f"message {msg_id} is not in flight")
        return msg

    def _node(self, action, role=None):
        """The action's 'node', which must name a node (of `role`, if given)."""
        node_id = action.get("node")
        ids = self.nodes if role is None else self.node_ids(role)
        if not isinstance(node_id, str) or node_id not in ids:
            raise InvalidAction(f"{action['type']} needs 'node', one of: " + ", ".join(ids),
                                code="bad_action")
        return node_id

    def _after(self, action, field):
        value = action.get(field)
        if value is not None and (not _whole(value) or not 0 < value <= 3_600_000):
            raise InvalidAction(f"'{field}' must be a whole number of ms between 1 and 3600000",
                                code="bad_action")
        return value

    def _prepare_deliver(self, action):
        msg = self._message(action)
        if self.status[msg["dst"]] == PAUSED:
            raise InvalidAction(f"message {msg['id']} cannot be delivered: {msg['dst']} is paused")
        if not self.connected(msg["src"], msg["dst"]):
            raise InvalidAction(f"message {msg['id']} cannot be delivered: {msg['src']} and "
                                f"{msg['dst']} are partitioned")
        return lambda: self._deliver(msg)

    def _deliver(self, msg):
        del self.messages[msg["id"]]
        self._advance_clock(msg["arrives_at"])
        fields = dict(msg=msg["id"], src=msg["src"], dst=msg["dst"], kind=msg["kind"])
        shown = self._event_shown(msg)
        self._shown.pop(msg["id"], None)
        if self.status[msg["dst"]] == CRASHED:
            self.record_event("drop", shown=shown, reason="receiver-down", **fields)
            return
        self.record_event("deliver", shown=shown, **fields)
        args = deep_copy(msg["payload"])  # the handler's own copy: forks share the message
        args["src"] = msg["src"]
        self.nodes[msg["dst"]].dispatch(msg["kind"], args)

    def _advance_clock(self, t):
        if t > self.now and not self.clock_frozen:
            self.now = t

    def _prepare_drop(self, action):
        msg = self._message(action)

        def drop():
            del self.messages[msg["id"]]
            self.record_event("drop", shown=self._event_shown(msg), msg=msg["id"],
                              src=msg["src"], dst=msg["dst"], kind=msg["kind"], reason="user")
            self._shown.pop(msg["id"], None)
        return drop

    def _prepare_duplicate(self, action):
        msg = self._message(action)

        def duplicate():
            low, high = self.config["latency"]
            copy = dict(msg, id=self.next_msg_id, payload=deep_copy(msg["payload"]),
                        arrives_at=self.now + self.rng.randint(low, high))
            self.next_msg_id += 1
            self.messages[copy["id"]] = copy
            self.record_event("duplicate", shown=self._event_shown(msg), msg=msg["id"],
                              copy=copy["id"], src=msg["src"], dst=msg["dst"], kind=msg["kind"])
        return duplicate

    def _prepare_fire(self, action):
        timer_id = action.get("timer")
        if not _whole(timer_id):
            raise InvalidAction("fire needs a whole-number 'timer'", code="bad_action")
        timer = self.timers.get(timer_id)
        if timer is None:
            raise InvalidAction(f"timer {timer_id} is not armed")
        if not self.fireable(timer):
            raise InvalidAction(f"timer {timer_id} cannot fire: {timer['node']} is "
                                f"{self.status[timer['node']]}")

        def fire():
            del self.timers[timer_id]
            self._advance_clock(timer["at"])
            self.record_event("timer", node=timer["node"], name=timer["name"], timer=timer_id)
            self.nodes[timer["node"]].dispatch(timer["name"], deep_copy(timer["data"]))
        return fire

    def _prepare_crash(self, action):
        node_id = self._node(action)
        if self.status[node_id] == CRASHED:
            raise InvalidAction(f"{node_id} has already crashed")
        restart_after = self._after(action, "restart_after")

        def crash():
            node = self.nodes[node_id]
            self.status[node_id] = CRASHED
            node.volatile = None
            for timer_id in [t["id"] for t in self.timers.values() if t["node"] == node_id]:
                del self.timers[timer_id]
            self._unplan(lambda a: a.get("node") == node_id)
            self.record_event("crash", node=node_id)
            if restart_after:
                self.plan.append({"at": self.now + restart_after,
                                  "action": {"type": "restart", "node": node_id}})
        return crash

    def _prepare_restart(self, action):
        node_id = self._node(action)
        if self.status[node_id] != CRASHED:
            raise InvalidAction(f"{node_id} is not crashed")

        def restart():
            self.status[node_id] = UP
            self._unplan(lambda a: a == {"type": "restart", "node": node_id})
            self.record_event("restart", node=node_id)
            self.nodes[node_id].boot()
        return restart

    def _prepare_pause(self, action):
        node_id = self._node(action)
        if self.status[node_id] != UP:
            raise InvalidAction(f"{node_id} is {self.status[node_id]}, not up")
        resume_after = self._after(action, "resume_after")

        def pause():
            self.status[node_id] = PAUSED
            self.record_event("pause", node=node_id)
            if resume_after:
                self.plan.append({"at": self.now + resume_after,
                                  "action": {"type": "resume", "node": node_id}})
        return pause

    def _prepare_resume(self, action):
        node_id = self._node(action)
        if self.status[node_id] != PAUSED:
            raise InvalidAction(f"{node_id} is not paused")

        def resume():
            self.status[node_id] = UP
            self._unplan(lambda a: a == {"type": "resume", "node": node_id})
            self.record_event("resume", node=node_id)
        return resume

    def _prepare_partition(self, action):
        groups = action.get("groups")
        if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
            raise InvalidAction("partition needs 'groups': a list of lists of node ids",
                                code="bad_action")
        seen = []
        for group in groups:
            for node_id in group:
                if not isinstance(node_id, str) or node_id not in self.nodes:
                    raise InvalidAction(f"partition names unknown node {node_id!r}",
                                        code="bad_action")
                if node_id in seen:
                    raise InvalidAction(f"partition lists {node_id} twice", code="bad_action")
                seen.append(node_id)
        order = list(self.nodes)
        normal = [sorted(g, key=order.index) for g in groups if g]
        rest = [n for n in order if n not in seen]
        if rest:
            normal.append(rest)
        if len(normal) < 2:
            raise InvalidAction("a partition needs at least two non-empty groups",
                                code="bad_action")
        normal.sort(key=lambda g: order.index(g[0]))
        heal_after = self._after(action, "heal_after")

        def partition():
            self.partition = normal
            self._unplan(lambda a: a["type"] == "heal")
            self.record_event("partition", groups=normal)
            if heal_after:
                self.plan.append({"at": self.now + heal_after, "action": {"type": "heal"}})
        return partition

    def _prepare_heal(self, action):
        if self.partition is None:
            raise InvalidAction("the network is not partitioned")

        def heal():
            self.partition = None
            self._unplan(lambda a: a["type"] == "heal")
            self.record_event("heal")
        return heal

    def _unplan(self, matches):
        self.plan = [p for p in self.plan if not matches(p["action"])]

    # -- checks -------------------------------------------------------------------------
    def run_checks(self):
        """Run the protocol's checks on the current state (apply does this after each
        action); a change of a check's status is recorded as a `check` event."""
        self._run_checks()

    def _run_checks(self):
        before = {c["name"]: c["ok"] for c in self.checks}
        self.checks = self.protocol.evaluate_checks(self)
        for check in self.checks:
            if before.get(check["name"], True) != check["ok"]:
                self.record_event("check", name=check["name"], ok=check["ok"],
                                  detail=check["detail"])

    @property
    def violations(self):
        return [c for c in self.checks if not c["ok"]]

    # -- auto-play ------------------------------------------------------------------
    def auto_step(self):
        """Let the seeded scheduler choose and apply the next action.

        Returns (action, events), or None when nothing is left to happen."""
        from .scheduler import next_action

        action = next_action(self)
        if action is None:
            return None
        return action, self.apply(action)

    def run(self, steps):
        """Auto-play up to `steps` steps; returns how many were taken."""
        taken = 0
        while taken < steps and self.auto_step() is not None:
            taken += 1
        return taken

    # -- views ----------------------------------------------------------------------------
    def snapshot(self):
        snap = {
            "protocol": self.protocol.name,
            "variant": self.variant,
            "seed": self.seed,
            "config": self.config,
            "step": self.step,
            "time": self.now,
            "nodes": [n.view(self.status[n.id]) for n in self.nodes.values()],
            "messages": [dict(m, deliverable=self.deliverable(m), **self.message_shown(m))
                         for m in self.messages.values()],
            "timers": [t for t in self.timers.values()],
            "partition": self.partition,
            "plan": self.plan,
            "history": self.history,
            "checks": self.checks,
            "trace_hash": self.trace_hash,
        }
        view = self.protocol.view(self)
        if view is not None:
            snap["view"] = view
        return deep_copy(snap)

    def clone(self):
        """An independent copy of this simulation (for time travel and search)."""
        other = object.__new__(Simulation)
        other.__dict__.update(self.__dict__)
        other.rng = self._copy_rng()
        other._hasher = self._hasher.copy()
        other.actions = list(self.actions)
        other.trace = list(self.trace)
        other.messages = deep_copy(self.messages)
        other._shown = dict(self._shown)
        other.timers = deep_copy(self.timers)
        other.partition = deep_copy(self.partition)
        other.plan = deep_copy(self.plan)
        other.history = deep_copy(self.history)
        other.status = dict(self.status)
        other.checks = list(self.checks)
        other.nodes = {}
        for node_id, node in self.nodes.items():
            twin = object.__new__(type(node))
            twin.__dict__.update(node.__dict__)
            twin.sim = other
            twin.durable = deep_copy(node.durable)
            twin.volatile = deep_copy(node.volatile)
            twin.props = dict(node.props)
            other.nodes[node_id] = twin
        return other

    def enter_search(self, freeze_clock=False):
        """Switch to search mode, for protocols/search/explore.py, which forks millions of these:
        the trace is no longer hashed (trace_hash stops changing) and keeps only the
        latest step's events (see RecentEvents); the RNG becomes a StreamRandom, which
        forks in O(1) and draws the same numbers; with freeze_clock, the clock stops (for
        protocols whose behaviour does not depend on it)."""
        from .rngstream import StreamRandom

        self.searching = True
        self.clock_frozen = freeze_clock
        self.rng = StreamRandom(self.rng)
        self.trace = RecentEvents(len(self.trace))

    def fork(self, touched=None):
        """A copy for the counterexample search, cheaper than clone(): messages, timers,
        history records and the state of every node not in `touched` are shared with this
        simulation (the kernel never changes them in place), so the fork must only be used
        to apply an action whose `touches()` is within `touched` (None: copy every node)."""
        other = object.__new__(Simulation)
        other.__dict__.update(self.__dict__)
        other.rng = self._copy_rng()
        if self.searching:
            other.trace = RecentEvents(len(self.trace))
        else:
            other._hasher = self._hasher.copy()
            other.trace = list(self.trace)
        other.actions = list(self.actions)
        other.messages = dict(self.messages)
        other._shown = dict(self._shown)
        other.timers = dict(self.timers)
        other.plan = list(self.plan)
        other.history = list(self.history)
        other.status = dict(self.status)
        other.nodes = nodes = {}
        for node_id, node in self.nodes.items():
            twin = object.__new__(type(node))
            state = node.__dict__.copy()
            state["sim"] = other
            if touched is None or node_id in touched:
                state["durable"] = deep_copy(node.durable)
                state["volatile"] = deep_copy(node.volatile)
                state["props"] = dict(node.props)
            twin.__dict__ = state
            nodes[node_id] = twin
        return other

    def _copy_rng(self):
        if hasattr(self.rng, "fork"):  # a StreamRandom (rngstream.py): a position, O(1)
            return self.rng.fork()
        rng = random.Random()
        rng.setstate(self.rng.getstate())
        return rng

    def touches(self, action):
        """The ids of the nodes whose state applying `action` may change, or None when it
        may change any (a protocol-specific action). For an enabled kernel action only."""
        kind = action["type"]
        if kind == "deliver":
            return (self.messages[action["msg"]]["dst"],)
        if kind == "fire":
            return (self.timers[action["timer"]]["node"],)
        if kind in ("crash", "restart", "pause", "resume"):
            return (action["node"],)
        if kind in ("drop", "duplicate", "partition", "heal"):
            return ()
        return None


class RecentEvents(list):
    """The trace of a simulation in search mode: it holds only the events recorded since
    the last fork, but len(), indexes and slices count every event since the start, so a
    check that reads the trace incrementally (from the length it saw last) works
    unchanged. Earlier events read as absent."""

    __slots__ = ("dropped",)

    def __init__(self, dropped=0):
        super().__init__()
        self.dropped = dropped

    def __len__(self):
        return self.dropped + list.__len__(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            dropped = self.dropped
            return list.__getitem__(self, slice(max(0, start - dropped), max(0, stop - dropped)))
        if index < 0:
            index += len(self)
        if index < self.dropped:
            raise IndexError("trace event dropped in search mode")
        return list.__getitem__(self, index - self.dropped)


def replay(protocol, variant, config, seed, actions, after_each=None):
    """Rebuild a run from its five inputs. Raises InvalidAction naming the first step that
    is not enabled. `protocol` is a Protocol (protocols.registry.get(name) finds one by
    name); `after_each(sim)`, if
    given, is called after every step (to keep checkpoints on the way, say)."""
    sim = Simulation(protocol, variant, config, seed)
    if not isinstance(actions, list):
        raise InvalidAction("actions must be a list", code="bad_action")
    for index, action in enumerate(actions):
        try:
            sim.apply(action)
        except InvalidAction as exc:
            raise InvalidAction(f"action {index + 1} of {len(actions)}: {exc.message}",
                                code=exc.code) from None
        if after_each is not None:
            after_each(sim)
    return sim
