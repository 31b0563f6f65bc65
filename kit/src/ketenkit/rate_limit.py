"""A sliding-window limit per client address, in this process's memory.

Per process: the registry runs as one instance (README, "Scaling out"); behind several
instances each keeps its own window, so the limit is per instance.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

#: Addresses remembered at most; the least recently seen are forgotten first (bounded memory).
MAX_CLIENTS = 100_000


class RateLimiter:
    """At most ``per_minute`` hits per key in any 60 seconds; 0 means no limit."""

    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, window: float = 60.0
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> float | None:
        """Count a hit; None when allowed, else the seconds until the next one would be."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        self._hits[key] = hits
        if len(self._hits) > MAX_CLIENTS:
            self._hits.popitem(last=False)
        if len(hits) >= self.per_minute:
            return max(0.0, hits[0] + self.window - now)
        hits.append(now)
        return None


def retry_after(seconds: float) -> str:
    """An HTTP ``Retry-After`` value: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))
