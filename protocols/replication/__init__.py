"""replication: see protocol.py."""

from .protocol import Replication

__all__ = ["Replication"]
