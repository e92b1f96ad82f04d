"""The simulation kernel: see docs/kernel-api.md."""

from .errors import ConfigError, InvalidAction, PlaygroundError, UnknownProtocol
from .node import Node
from .protocol import Option, Protocol, UserAction
from .record import Record, deep_copy
from .simulation import CRASHED, PAUSED, UP, Simulation, canonical, replay

__all__ = [
    "ConfigError", "InvalidAction", "PlaygroundError", "UnknownProtocol", "Node", "Option",
    "Protocol", "UserAction", "Record", "deep_copy", "Simulation", "canonical", "replay", "UP",
    "CRASHED", "PAUSED",
]
