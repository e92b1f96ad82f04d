"""failure_detector: see protocol.py."""

from .protocol import FailureDetector

__all__ = ["FailureDetector"]
