"""A small per-key rate limiter (a sliding window in memory, one per process): anonymous submissions
per client address, and whatever else the portal needs to slow down (``hit("login:" + ip)``).

Per process: behind several worker processes each one counts on its own, so the effective limit is
the configured one times the number of processes — still a bound. Behind a reverse proxy, configure
Werkzeug's ProxyFix so ``request.remote_addr`` is the client's address, not the proxy's.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque

WINDOWS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse(rule: str) -> tuple[int, float]:
    """'20/hour' -> (20, 3600.0)."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*", rule or "")
    if not found:
        raise ValueError(f"rate limit {rule!r} is not like 20/hour")
    return int(found.group(1)), float(WINDOWS[found.group(2)])


class RateLimiter:
    def __init__(self, rule: str = "20/hour", clock=time.monotonic) -> None:
        self.limit, self.window = parse(rule)
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one request for ``key``: None when allowed, else the seconds until the next one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 1.0)
            hits.append(now)
            if len(self._hits) > 100_000:  # bounded memory: forget keys whose window has passed
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]
            return None
