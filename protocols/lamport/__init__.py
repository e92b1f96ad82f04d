"""lamport: see protocol.py."""

from .nodes import concurrent, happened_before
from .protocol import Lamport

__all__ = ["Lamport", "concurrent", "happened_before"]
