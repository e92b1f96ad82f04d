"""Offline checkers of histories (linearizability)."""
