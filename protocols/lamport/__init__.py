"""lamport: see protocol.py."""

from .protocol import Lamport

__all__ = ["Lamport"]
