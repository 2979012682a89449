"""Discord's global REST rate limit, opt-in: ``DiscordEmulator(global_rate_limit=50)``.

A sliding one-second window over the bot's REST requests. Interaction endpoints (the callback
``POST /interactions/{id}/{token}/callback`` and the interaction webhook
``/webhooks/{application_id}/{token}...``: followups, ``@original``) are exempt, as on Discord.
A request that would make more than ``limit`` accepted requests within the last second gets a
429 with ``global: true``, ``retry_after`` (seconds until the oldest request in the window
leaves it), and the headers Discord sends (``Via``, ``Retry-After``, ``X-RateLimit-Global``,
``X-RateLimit-Scope: global``). Rejected requests do not count towards the window.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EXEMPT_PATHS = re.compile(r"^/(interactions/\d+/[^/]+/callback$|webhooks/\d+/[^/]+)")
WINDOW = 1.0


@dataclass(frozen=True, slots=True)
class RateLimited:
    """What the router answers instead of handling the request."""

    retry_after: float

    @property
    def body(self) -> dict[str, Any]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": True,
        }

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
        }


@dataclass(eq=False)
class GlobalRateLimit:
    """The sliding window and what it saw: ``accepted`` counted requests, ``rejected`` 429s,
    ``peak`` (the most accepted requests found in any one-second window)."""

    limit: int
    window: float = WINDOW
    clock: Callable[[], float] = time.monotonic
    accepted: int = 0
    rejected: int = 0
    peak: int = 0
    _times: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("global_rate_limit must be at least 1 request per window")

    @staticmethod
    def exempt(path: str) -> bool:
        return EXEMPT_PATHS.match(path) is not None

    def check(self, path: str) -> RateLimited | None:
        """Count a request to ``path``; returns a :class:`RateLimited` when it must get a 429."""
        if self.exempt(path):
            return None
        now = self.clock()
        times = self._times
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            self.rejected += 1
            wait = times[0] + self.window - now
            return RateLimited(retry_after=max(0.001, math.ceil(wait * 1000) / 1000))
        times.append(now)
        self.accepted += 1
        self.peak = max(self.peak, len(times))
        return None

    def reset_stats(self) -> None:
        """Zero the counters (the window itself keeps its recent requests)."""
        self.accepted = self.rejected = 0
        self.peak = len(self._times)
