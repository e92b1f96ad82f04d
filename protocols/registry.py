"""The protocols the playground offers, by name, in display order.

The built-in protocols come first; then every protocol that an installed package registers
under the entry-point group `protocol_playground.protocols` (docs/writing-a-protocol.md):

    [project.entry-points."protocol_playground.protocols"]
    gossip = "my_gossip:Gossip"

An entry point names a `Protocol` subclass (or an instance). One that fails to load, or whose
name clashes with another, is left out and said so in `load_errors()`, so one broken package
cannot take the playground down.
"""

from importlib import metadata

from .kernel.errors import UnknownProtocol
from .kernel.protocol import Protocol

ENTRY_POINT_GROUP = "protocol_playground.protocols"

_PROTOCOLS = None
_LOAD_ERRORS = []


def _builtin():
    from .election import Election
    from .failure_detector import FailureDetector
    from .lamport import Lamport
    from .replication import Replication
    from .tob import TotalOrderBroadcast
    from .twopc import TwoPhaseCommit

    return [Replication(), Lamport(), TotalOrderBroadcast(), TwoPhaseCommit(), Election(),
            FailureDetector()]


def _from_entry_points(taken):
    found = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            loaded = entry.load()
            proto = loaded() if isinstance(loaded, type) else loaded
            if not isinstance(proto, Protocol):
                raise TypeError(f"{entry.value} is not a Protocol subclass")
            if not proto.name or proto.name in taken:
                raise ValueError(f"protocol name {proto.name!r} is empty or already taken")
        except Exception as exc:  # a broken plug-in must not break the others
            _LOAD_ERRORS.append(f"entry point {entry.name!r} ({entry.value}): {exc}")
            continue
        taken.add(proto.name)
        found.append(proto)
    return found


def _load():
    global _PROTOCOLS
    if _PROTOCOLS is None:
        builtin = _builtin()
        _LOAD_ERRORS.clear()
        extra = _from_entry_points({p.name for p in builtin})
        _PROTOCOLS = {p.name: p for p in builtin + extra}
    return _PROTOCOLS


def reload():
    """Look for installed protocols again (after installing a package, say)."""
    global _PROTOCOLS
    _PROTOCOLS = None
    return _load()


def load_errors():
    """Why each entry point that was left out could not be loaded."""
    _load()
    return list(_LOAD_ERRORS)


def names():
    return list(_load())


def get(name):
    protocols = _load()
    try:
        return protocols[name]
    except (KeyError, TypeError):
        raise UnknownProtocol(f"unknown protocol {name!r}; known: {', '.join(protocols)}") \
            from None


def all_protocols():
    return list(_load().values())
