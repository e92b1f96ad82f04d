"""election: see protocol.py."""

from .protocol import Election

__all__ = ["Election"]
