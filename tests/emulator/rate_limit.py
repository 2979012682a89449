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


MESSAGE_ROUTE = re.compile(r"^/channels/(\d+)/messages$")
CHANNEL_BUCKET = "emulated-channel-messages"  # X-RateLimit-Bucket of the route (one hash)


@dataclass(frozen=True, slots=True)
class ChannelLimited:
    """A message refused by the per-channel limit: 429 ``global: false``, scope ``user``."""

    retry_after: float
    headers: dict[str, str]

    @property
    def body(self) -> dict[str, Any]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": False,
        }


@dataclass(eq=False)
class _Window:
    started: float
    count: int = 0


@dataclass(eq=False)
class ChannelRateLimit:
    """Discord's per-channel limit on ``POST /channels/{id}/messages``: ``limit`` messages per
    ``window`` seconds in each channel (a DM channel: 5 per 5 s). As on Discord the window is
    fixed: it opens with the first message and resets ``window`` seconds later. Every answer of
    that route carries the bucket headers (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``,
    ``-Reset-After``, ``-Bucket``), which discord.py uses to wait before the next message; a
    message over the limit gets a 429 with ``retry_after``, ``global: false``,
    ``X-RateLimit-Scope: user`` and ``Retry-After``. Refused messages don't count.
    ``rejected_by_channel`` counts the 429s per channel id."""

    limit: int = 5
    window: float = 5.0
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    accepted: int = 0
    rejected: int = 0
    rejected_by_channel: dict[int, int] = field(default_factory=dict)
    _windows: dict[int, _Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError("a channel rate limit needs at least 1 message per positive window")

    def check(self, method: str, path: str) -> ChannelLimited | dict[str, str] | None:
        """Count a request: None if the route is not limited, the headers to add to the
        handler's answer if accepted, a :class:`ChannelLimited` if it must get a 429."""
        match = MESSAGE_ROUTE.match(path)
        if method != "POST" or match is None:
            return None
        channel_id = int(match.group(1))
        now = self.clock()
        current = self._windows.get(channel_id)
        if current is None or now >= current.started + self.window:
            current = self._windows[channel_id] = _Window(now)
        reset_after = max(0.001, current.started + self.window - now)
        if current.count >= self.limit:
            self.rejected += 1
            self.rejected_by_channel[channel_id] = self.rejected_by_channel.get(channel_id, 0) + 1
            retry = math.ceil(reset_after * 1000) / 1000
            headers = self._headers(0, reset_after)
            headers.update(
                {
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Scope": "user",
                }
            )
            return ChannelLimited(retry, headers)
        current.count += 1
        self.accepted += 1
        return self._headers(self.limit - current.count, reset_after)

    def _headers(self, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": CHANNEL_BUCKET,
        }
