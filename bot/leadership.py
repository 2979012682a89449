"""Who leads: with several bot processes on one PostgreSQL database, exactly one runs nudge
delivery and the timed jobs (membership sweep, weekly staff summaries, nightly jobs, command
registration); the others serve interactions only.

The leader is the process holding the leader's lock (:mod:`bot.storage.leader_lock`, a session
advisory lock on a connection of its own). :meth:`Leadership.start` tries once (``on_gained``
runs before it returns when it wins), then a background task keeps going: a follower tries
again every ``retry_every`` seconds; a leader watches its lock and, the moment it is gone (its
connection dropped), calls ``on_lost`` to stop everything it started, then tries again as a
follower. On SQLite there is one process and no lock: it always leads.

Each term has its own claimer identity (a random token of this process and the term's
number), written on the nudges claimed during that term; see :func:`claimer`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

from bot.storage.leader_lock import LeaderLock

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
"""How often a follower tries to take over (a dead leader is replaced within this)."""
CHECK_SECONDS = 5.0
"""How often a leader checks its lock besides being told at once when its connection closes
(the check catches a connection that hangs without closing)."""


class Leadership:
    """Leadership of this process (see the module docstring). ``lock`` None: always the leader
    (SQLite)."""

    def __init__(
        self,
        lock: LeaderLock | None,
        *,
        on_gained: Callable[[], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
        retry_every: float = RETRY_SECONDS,
        check_every: float = CHECK_SECONDS,
        token: str | None = None,
    ) -> None:
        self._lock = lock
        self._on_gained = on_gained
        self._on_lost = on_lost
        self.retry_every = retry_every
        self.check_every = check_every
        self.token = token or secrets.token_hex(8)
        """This process's identity (random, never reused)."""
        self._term = 0
        self._claimer: str | None = None
        self._started = False  # on_gained has finished for this term
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.changed = asyncio.Condition()
        """Notified once leadership is gained (after ``on_gained``) or lost (after
        ``on_lost``); tests wait on it."""

    @property
    def is_leader(self) -> bool:
        return self._claimer is not None

    def claimer(self) -> str | None:
        """The identity written on the nudges claimed now: this term's, or None when this
        process does not lead (it must not claim any)."""
        return self._claimer

    async def start(self) -> bool:
        """Try to lead now (running ``on_gained`` if won), then keep trying or watching in the
        background. Returns whether this process leads."""
        if self._task is not None:
            return self.is_leader
        won = await self._try()
        if self._lock is not None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run(won))
        return won

    async def wait_until(self, leading: bool) -> None:
        """Wait until this process leads with its work started (``True``), or follows with
        it stopped (``False``)."""
        async with self.changed:
            await self.changed.wait_for(
                lambda: (self.is_leader and self._started) if leading else not self.is_leader
            )

    async def close(self) -> None:
        """Stop trying; a leader stops leading (``on_lost``) and gives its lock up."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self.is_leader:
            await self._lose(closing=True)
        if self._lock is not None:
            await self._lock.release()

    async def _try(self) -> bool:
        self._term += 1
        claimer = f"{self.token}:{self._term}"
        if self._lock is not None and not await self._lock.try_acquire(claimer):
            return False
        log.info("leading (term %s)", claimer)
        self._claimer, self._started = claimer, False
        try:
            await self._on_gained()
        except Exception:  # keep leading: what failed is logged, the timed jobs retry
            log.exception("starting the leader's work failed")
        self._started = True
        await self._notify()
        return True

    async def _lose(self, *, closing: bool = False) -> None:
        if closing:
            log.info("stepping down (term %s)", self._claimer)
        else:
            log.warning("lost the leader's lock (term %s); following", self._claimer)
        self._claimer, self._started = None, False  # claims stop at once
        try:
            await self._on_lost()
        except Exception:
            log.exception("stopping the leader's work failed")
        await self._notify()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _run(self, leading: bool) -> None:
        assert self._lock is not None
        while not self._closed:
            if leading:
                await self._lock.wait_lost(self.check_every)
                await self._lose()
            await asyncio.sleep(self.retry_every)
            try:
                leading = await self._try()
            except Exception:  # a bug or an unexpected failure: keep following, try again
                log.exception("trying to lead failed")
                leading = False
