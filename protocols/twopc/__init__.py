"""twopc: see protocol.py."""

from .protocol import TwoPhaseCommit

__all__ = ["TwoPhaseCommit"]
