"""The protocols the playground offers, by name, in display order."""

from .kernel.errors import UnknownProtocol
from .lamport import Lamport
from .tob import TotalOrderBroadcast
from .election import Election
from .replication import Replication
from .twopc import TwoPhaseCommit

_PROTOCOLS = {p.name: p for p in (Replication(), Lamport(), TotalOrderBroadcast(), TwoPhaseCommit(),
                                   Election())}


def names():
    return list(_PROTOCOLS)


def get(name):
    try:
        return _PROTOCOLS[name]
    except (KeyError, TypeError):
        raise UnknownProtocol(f"unknown protocol {name!r}; known: {', '.join(_PROTOCOLS)}") from None


def all_protocols():
    return list(_PROTOCOLS.values())
