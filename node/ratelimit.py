"""Token buckets in memory, bounded in size: cheap limits checked before expensive work.

Each key (a client address, a sender) has a bucket of ``burst`` tokens refilled at
``per_minute`` tokens a minute; a request takes one token or is refused with the whole
seconds until one is back. Only the ``max_keys`` most recently seen keys are kept (least
recently seen forgotten first), so a flood of new keys cannot grow memory: a forgotten
key starts again with a full bucket, which is what a quiet key would have anyway.
Nothing here is signed, tallied or booked, so a float of tokens is fine.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from node.errors import RateLimited

__all__ = ["DEFAULT_MAX_KEYS", "TokenBuckets"]

DEFAULT_MAX_KEYS = 10_000


class TokenBuckets:
    """One token bucket per key; ``per_minute == 0`` turns the limit off."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        # key -> [tokens, when they were counted]
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> int:
        """Take a token for ``key``: 0 if allowed, else the seconds until one is back (>= 1)."""
        if self.per_second <= 0:
            return 0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [self.burst, now]
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.per_second)
            bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket[0]) / self.per_second))

    def check(self, key: str, reason: str) -> None:
        """Take a token for ``key`` or raise :class:`RateLimited` (429) with ``reason``."""
        wait = self.take(key)
        if wait:
            raise RateLimited(f"{reason}; retry after {wait} s", retry_after=wait)
