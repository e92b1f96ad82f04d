"""What a protocol declares: its nodes, variants, options, checks and own actions.

Options are validated here once, so protocol code can trust its config.
"""

from .errors import ConfigError, InvalidAction


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


class Protocol:
    """Subclass per protocol. Class attributes describe it; methods build and judge it."""

    name = ""
    title = ""
    summary = ""
    variants = {"correct": "the protocol as specified"}
    default_variant = "correct"
    options = {}
    # help for protocol-specific actions: {"begin": "Begin a transaction", ...}
    action_help = {}
    presets = {}

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

    def checks(self, sim):
        """Return a list of {name, ok, detail, events?, warn?}."""
        return []

    def enabled_actions(self, sim):
        """Protocol-specific user actions possible now (JSON dicts)."""
        return []

    def view(self, sim):
        """A protocol-level picture that belongs to no single node (a total order of events,
        a table of who holds which name), JSON-able; None for none. Shown in the snapshot
        as `view`."""
        return None

    def explore_defaults(self, variant=None):
        """Where the counterexample search (protocols/explore.py) starts for this variant,
        and which of its abstractions are sound here. Keys, all optional:
        `config` (a small workload; auto-play faults are off anyway), `faults` (budgets:
        drops, duplicates, crashes, pauses, partitions), `actions` (protocol-specific
        action types to try; default all), `clock` ("frozen" when no handler or check
        depends on the clock, so the search may ignore time), `check_state` ({check name:
        [fields of its result that carry state to the next step]}; default all fields)."""
        return {}

    def perform(self, sim, action):
        """Validate a protocol-specific action and return a zero-argument function applying
        it; raise InvalidAction if it is unknown or not enabled. Must not change state."""
        raise InvalidAction(f"unknown action type {action.get('type')!r}", code="unknown_action")

    def describe(self):
        return {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "variants": dict(self.variants),
            "default_variant": self.default_variant,
            "options": {k: o.describe() for k, o in self.all_options().items()},
            "actions": dict(self.action_help),
            "presets": {k: {"title": p["title"], "summary": p.get("summary", "")}
                        for k, p in self.presets.items()},
        }
