"""tob: see protocol.py."""

from .protocol import TotalOrderBroadcast

__all__ = ["TotalOrderBroadcast"]
