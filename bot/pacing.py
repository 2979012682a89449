"""Pacing requests to Discord: a token bucket shared by every nudge request, so delivery stays
under Discord's global limit of 50 requests per second (interaction responses don't count; DMs
and DM-channel opens do), and a per-channel pace for messages (:class:`ChannelPacer`)."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class TokenBucket:
    def __init__(self, rate: float, capacity: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate / 10)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self._waiting = 0  # foreground callers waiting for a token
        self._idle = asyncio.Event()  # set while none is
        self._idle.set()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self, *, background: bool = False) -> None:
        """Wait for one token. Waiters are served in order (the lock is FIFO). A
        ``background`` caller (the membership sweep's lookups) first waits until nobody else
        is waiting, so work that can wait never slows a backlog of reminders."""
        if background:
            while self._waiting:
                await self._idle.wait()
        else:
            self._waiting += 1
            self._idle.clear()
        try:
            async with self._lock:
                self._refill()
                if self._tokens < 1:
                    await asyncio.sleep((1 - self._tokens) / self.rate)
                    self._refill()
                self._tokens -= 1
        finally:
            if not background:
                self._waiting -= 1
                if not self._waiting:
                    self._idle.set()


class ChannelPacer:
    """At most ``messages`` sends per ``window`` seconds to each channel (a sliding window over
    the last sends, so it holds for Discord's fixed windows too, whenever they start).

    Discord limits messages per channel as well as globally: for a DM channel about 5 per 5
    seconds (``X-RateLimit-Limit: 5``, ``X-RateLimit-Reset-After: 5``). One student's backlog
    of reminders goes out at that pace while other students' reminders proceed. ``slack`` is
    added to the window against the request's travel time."""

    def __init__(self, messages: int = 5, window: float = 5.0, *, slack: float = 0.1) -> None:
        if messages < 1 or window <= 0:
            raise ValueError("a channel pace needs at least one message per positive window")
        self.messages = messages
        self.window = window + slack
        self._sent: dict[int, deque[float]] = {}

    def _recent(self, key: int, now: float) -> deque[float]:
        sent = self._sent.get(key)
        if sent is None:
            sent = self._sent[key] = deque()
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        return sent

    def wait_for(self, key: int) -> float:
        """Seconds until a message may go to channel ``key`` (0: now)."""
        now = time.monotonic()
        sent = self._recent(key, now)
        if len(sent) < self.messages:
            return 0.0
        return max(0.0, sent[0] + self.window - now)

    def busy(self) -> list[int]:
        """The channels that must wait before their next message (and forget idle ones)."""
        waiting: list[int] = []
        for key in list(self._sent):
            if self.wait_for(key) > 0:
                waiting.append(key)
            elif not self._sent[key]:
                del self._sent[key]
        return waiting

    async def acquire(self, key: int) -> None:
        """Wait until a message may go to channel ``key``, and count it as sent."""
        for _ in range(self.messages + 1):  # sends by others meanwhile can only delay it
            wait = self.wait_for(key)
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        now = time.monotonic()
        self._recent(key, now).append(now)
