"""Qdrant's read and write rate limits: a token bucket refilled per minute, and the
`RateLimited` (429) error it answers with the seconds to wait.

The rate limiter is this small token bucket rather than `limits` or `pyrate-limiter`:
Qdrant's answer needs the fractional tokens left and the wait until enough have
refilled, which those libraries' window and leaky-bucket models do not give.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vectorizer.errors import RateLimited

Clock = Callable[[], float]


@dataclass(frozen=True)
class Denied:
    """Why a token bucket refused: the tokens it had, and the wait until it has enough
    (None: the cost is over the bucket's capacity, waiting never helps)."""

    available: float
    retry_after: float | None


class TokenBucket:
    """Qdrant's RateLimiter: `per_minute` tokens at most, starting full, refilled
    continuously at `per_minute / 60` a second."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def take(self, cost: float) -> Denied | None:
        """Consume `cost` tokens, or leave the bucket as it is and say why not."""
        with self._lock:
            if cost > self.capacity:
                return Denied(self.tokens, None)
            now = self._clock()
            self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
            self._last = now
            if self.tokens >= cost:
                self.tokens -= cost
                return None
            return Denied(self.tokens, (cost - self.tokens) / self.rate)


def rate_limited(kind: str, cost: int, denied: Denied) -> RateLimited:
    if denied.retry_after is None:
        detail = (
            f"{kind} rate limit exceeded, request larger than rate limiter capacity, "
            "please try to split your request"
        )
        return RateLimited(f"Rate limiting exceeded: {detail}", None)
    wait = math.ceil(denied.retry_after)
    detail = (
        f"{kind} rate limit exceeded: Operation requires {cost} tokens but only "
        f"{denied.available:.1f} were available. Retry after {wait}s"
    )
    return RateLimited(f"Rate limiting exceeded: {detail}", wait)
