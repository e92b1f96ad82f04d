"""Per-connection rate limit for inbound WebSocket messages."""

import time


class TokenBucket:
    """A token bucket: `rate` tokens per second refill it, up to `burst` tokens.

    Each message takes one token; a message that finds the bucket empty is refused. A client
    may therefore send `burst` messages at once and `rate` per second for as long as it likes.
    """

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def _refill(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self):
        """Take one token if there is one; return whether the message may proceed."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def charge(self, tokens):
        """Take extra tokens for expensive work already done; the bucket may go into debt,
        and messages are refused until the refill has paid it back."""
        if tokens > 0:
            self._refill()
            self.tokens -= tokens
