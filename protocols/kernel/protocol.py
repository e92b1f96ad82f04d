"""What a protocol declares: its nodes, variants, options, checks and own actions.

Options and user actions are validated here once, so protocol code can trust its config
and a handler can trust its action.
"""

from .checks import Check
from .errors import ConfigError, InvalidAction
from .node import handler_name
from .script import Preset
from .simulation import UP
from .vocabulary import Vocabulary


class Option:
    """One configuration option with a default and a validator."""

    def __init__(self, default, help, kind=int, minimum=None, maximum=None, choices=None,
                 validate=None):
        self.default = default
        self.help = help
        self.kind = kind
        self.minimum = minimum
        self.maximum = maximum
        self.choices = choices
        self.validate = validate

    def check(self, name, value, config):
        if self.kind is int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"config.{name} must be a whole number")
        elif self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"config.{name} must be a number")
            value = float(value)
        elif self.kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"config.{name} must be true or false")
        elif self.kind is str:
            if not isinstance(value, str):
                raise ConfigError(f"config.{name} must be a string")
        elif self.kind is list:
            if not isinstance(value, list):
                raise ConfigError(f"config.{name} must be a list")
        elif self.kind is dict:
            if not isinstance(value, dict):
                raise ConfigError(f"config.{name} must be an object")
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(f"config.{name} must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ConfigError(f"config.{name} must be at most {self.maximum}")
        if self.choices is not None and value not in self.choices:
            raise ConfigError(f"config.{name} must be one of {', '.join(map(str, self.choices))}")
        if self.validate is not None:
            message = self.validate(value, config)
            if message:
                raise ConfigError(f"config.{name}: {message}")
        return value

    def describe(self):
        out = {"default": self.default, "help": self.help, "type": self.kind.__name__}
        if self.minimum is not None:
            out["min"] = self.minimum
        if self.maximum is not None:
            out["max"] = self.maximum
        if self.choices is not None:
            out["choices"] = list(self.choices)
        return out


def _check_range_pair(value, config):
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return "must be [min, max] in whole milliseconds"
    if not 0 <= value[0] <= value[1] <= 3_600_000:
        return "must satisfy 0 <= min <= max <= 3600000"
    return None


def _probability(value, config):
    return None if 0.0 <= value <= 1.0 else "must be a probability between 0 and 1"


# Options every protocol has: the latency model and auto-play fault injection.
KERNEL_OPTIONS = {
    "latency": Option([10, 40], "message latency range [min, max] in simulated ms", kind=list,
                      validate=_check_range_pair),
    "fault_drop": Option(0.0, "auto-play: probability a delivery is dropped instead", kind=float,
                         validate=_probability),
    "fault_duplicate": Option(0.0, "auto-play: probability a delivery is duplicated", kind=float,
                              validate=_probability),
    "fault_crash": Option(0.0, "auto-play: probability per step that a node crashes", kind=float,
                          validate=_probability),
    "fault_pause": Option(0.0, "auto-play: probability per step that a node pauses", kind=float,
                          validate=_probability),
    "fault_partition": Option(0.0, "auto-play: probability per step of a network partition",
                              kind=float, validate=_probability),
    "fault_downtime": Option([100, 600], "auto-play: how long a crash, pause or partition lasts, "
                             "[min, max] ms", kind=list, validate=_check_range_pair),
}


class UserAction:
    """One kind of protocol-specific user action, as the protocol declares it in
    `Protocol.user_actions`; the kernel checks an action against it before the protocol's
    handler sees it (see Protocol.perform).

    help: one line for the UI. role: the role of the node it is taken at (None: any node).
    fields: the fields it may carry besides 'type' and 'node', in the order they are
    checked, each mapped to None (any value, or absent) or to a function
    (sim, action, field) -> a sentence saying what is wrong with it, or None
    (protocols.kernel.usertext.text_field makes one for text typed by users).
    only_as_listed: for an action that is enabled exactly when `enabled_actions` lists it,
    the sentence a user reads when it does not ("{node}" stands for the node's id).
    """

    def __init__(self, help, role=None, fields=None, only_as_listed=None):
        self.help = help
        self.role = role
        self.fields = dict(fields or {})
        self.only_as_listed = only_as_listed


class Protocol:
    """Subclass per protocol. Class attributes describe it; methods build and judge it."""

    name = ""
    title = ""
    summary = ""
    variants = {"correct": "the protocol as specified"}
    default_variant = "correct"
    options = {}
    # Protocol-specific user actions: {"begin": UserAction("Begin a transaction", ...), ...};
    # each is handled by a method on_<type>(sim, node, action), e.g. on_vote_no.
    user_actions = {}
    presets = {}
    # The vocabulary (protocols/kernel/vocabulary.py): {"PREPARE": Message("tx{tx}"), ...},
    # and the node classes that build() adds, whose handlers are checked against it.
    messages = {}
    node_types = ()
    vocabulary = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.messages:
            cls.vocabulary = Vocabulary(cls.name or cls.__name__, cls.messages)
            for node_type in cls.node_types:
                cls.vocabulary.check_node_class(node_type)
        if not callable(cls.checks):
            for declared in cls.checks:
                if not isinstance(declared, Check):
                    raise TypeError(f"{cls.__name__}.checks must list checks declared with "
                                    f"@check(name, holds=...), not {declared!r}")
        # A missing handler would otherwise show only when a user first takes the action.
        for kind in cls.user_actions:
            if not callable(getattr(cls, handler_name(kind), None)):
                raise TypeError(f"{cls.__name__} declares user action {kind!r} but has no "
                                f"{handler_name(kind)}(sim, node, action)")

    @property
    def action_help(self):
        """{type: one line of help} for each user action."""
        return {kind: spec.help for kind, spec in self.user_actions.items()}

    def __init__(self):
        # Presets written as scripts are resolved to concrete actions once, when loaded.
        self.presets = {key: preset.resolve(self, key) if isinstance(preset, Preset) else preset
                        for key, preset in type(self).presets.items()}

    # -- configuration ------------------------------------------------------------------
    def all_options(self):
        merged = dict(self.options)
        merged.update(KERNEL_OPTIONS)
        return merged

    def defaults(self, variant=None):
        """Default config for a variant (unsafe variants may pick faults that break them)."""
        return {k: opt.default for k, opt in self.all_options().items()}

    def resolve_config(self, variant, config):
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise ConfigError("config must be a JSON object")
        options = self.all_options()
        unknown = sorted(k for k in config if k not in options)
        if unknown:
            raise ConfigError(f"unknown config option {unknown[0]!r}; known: "
                              + ", ".join(sorted(options)))
        resolved = self.defaults(variant)
        resolved.update(config)
        for name, opt in options.items():
            resolved[name] = opt.check(name, resolved[name], resolved)
        self.validate_config(resolved)
        return resolved

    def validate_config(self, config):
        """Cross-option checks; raise ConfigError."""

    # -- the model ----------------------------------------------------------------------
    def build(self, sim):
        """Create the nodes with sim.add_node(...)."""
        raise NotImplementedError

    # The checks (protocols/kernel/checks.py): a list of functions declared with @check.
    checks = ()

    def evaluate_checks(self, sim):
        """Run the declared checks: a list of {name, ok, detail, events?, warn?}."""
        if callable(self.checks):   # a checks(sim) method of the older shape
            return self.checks(sim)
        sim.checks_cache = {}       # what @shared helpers compute, once for this round
        try:
            return [declared(sim) for declared in self.checks
                    if declared.applies is None or declared.applies(sim.config)]
        finally:
            sim.checks_cache = None

    def enabled_actions(self, sim):
        """Protocol-specific user actions possible now (JSON dicts)."""
        return []

    def view(self, sim):
        """The protocol's own panels, as data in the vocabulary of protocols/kernel/panels.py
        (tables, lists, forms, and eras and bands for the diagram: docs/kernel-api.md,
        "Panels: what view() returns"); None for none. Shown in the snapshot as `view`,
        drawn by the browser's one generic renderer."""
        return None

    def explore_defaults(self, variant=None):
        """Where the counterexample search (protocols/search/explore.py) starts for this variant,
        and which of its abstractions are sound here. Keys, all optional:
        `config` (a small workload; auto-play faults are off anyway), `faults` (budgets:
        drops, duplicates, crashes, pauses, partitions), `actions` (protocol-specific
        action types to try; default all), `clock` ("frozen" when no handler or check
        depends on the clock, so the search may ignore time), `check_state` ({check name:
        [fields of its result that carry state to the next step]}; default all fields)."""
        return {}

    def perform(self, sim, action):
        """Validate a protocol-specific action and return a zero-argument function applying
        it; raise InvalidAction if it is unknown or not enabled. Must not change state.

        Checks, in order, what `user_actions` declares: the type (code unknown_action),
        no unexpected fields, a 'node' of the declared role, each field's own check (code
        bad_action); then that the node is up and `why_not_enabled` (code not_enabled).
        The function records a `request` event and calls on_<type>(sim, node, action)."""
        kind = action.get("type")
        spec = self.user_actions.get(kind)
        if spec is None:
            # Naming the protocol helps only where it has actions of its own.
            where = f" for {self.name}" if self.user_actions else ""
            raise InvalidAction(f"unknown action type {kind!r}{where}", code="unknown_action")
        extra = sorted(set(action) - {"type", "node"} - set(spec.fields))
        if extra:
            raise InvalidAction(f"unexpected field {extra[0]!r} in {kind} action",
                                code="bad_action")
        node_id = sim._node(action, spec.role)
        for field, check in spec.fields.items():
            problem = None if check is None else check(sim, action, field)
            if problem:
                raise InvalidAction(problem, code="bad_action")
        status = sim.status[node_id]
        if status != UP:
            raise InvalidAction(f"{node_id} is {status}: only a node that is up can act")
        node = sim.nodes[node_id]
        problem = self.why_not_enabled(sim, node, action)
        if problem:
            raise InvalidAction(problem)
        handler = getattr(self, handler_name(kind))

        def perform():
            sim.record_event("request", node=node_id, action=dict(action))
            handler(sim, node, action)
        return perform

    def why_not_enabled(self, sim, node, action):
        """Why `action`, well formed and taken at `node` (which is up), is not enabled now:
        a sentence, or None when it is. Must not change state. By default an action
        declared `only_as_listed` must be one that `enabled_actions` lists."""
        spec = self.user_actions[action["type"]]
        if spec.only_as_listed is not None and action not in self.enabled_actions(sim):
            return spec.only_as_listed.format(node=node.id)
        return None

    def describe(self):
        return {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "variants": dict(self.variants),
            "default_variant": self.default_variant,
            "options": {k: o.describe() for k, o in self.all_options().items()},
            "actions": dict(self.action_help),
            "messages": self.vocabulary.describe() if self.vocabulary else {},
            "checks": [c.describe() for c in self.checks] if not callable(self.checks) else [],
            "presets": {k: self.describe_preset(p) for k, p in self.presets.items()},
        }

    @staticmethod
    def describe_preset(preset):
        return {key: preset[key] for key in ("title", "summary", "variant", "config", "seed",
                                             "actions", "narration", "script")
                if key in preset}
