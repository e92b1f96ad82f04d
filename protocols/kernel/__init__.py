"""The simulation kernel: see docs/kernel-api.md."""

from .checks import Check, Holds, Violation, Warning, check, shared
from .errors import ConfigError, InvalidAction, PlaygroundError, UnknownProtocol
from .node import Node
from .protocol import Option, Protocol, UserAction
from .record import Record, deep_copy
from .script import (Preset, PresetError, act, crash, deliver, drop, duplicate, fire, heal,
                     partition, pause, restart, resume)
from .simulation import CRASHED, PAUSED, UP, Simulation, canonical, replay
from .vocabulary import Message, shown

__all__ = [
    "ConfigError", "InvalidAction", "PlaygroundError", "UnknownProtocol", "Node", "Option",
    "Protocol", "UserAction", "Record", "deep_copy", "Simulation", "canonical", "replay", "UP",
    "CRASHED", "PAUSED", "Check", "Holds", "Violation", "Warning", "check", "shared", "Message",
    "shown",
    "Preset", "PresetError", "act", "crash", "deliver", "drop", "duplicate", "fire", "heal",
    "partition", "pause", "restart", "resume",
]
