"""Cross-process wake-ups for the nudge alarm: PostgreSQL ``LISTEN``/``NOTIFY``.

With several bot processes on one database only the leader dispatches nudges (issue 16). A
nudge planned by a follower must still go out at its time, not at the leader's next sweep: the
follower announces "a nudge is due at T" on :data:`CHANNEL` once its transaction has committed
(:meth:`WakeupChannel.announce`), and the leader, listening on a connection of its own, moves
its alarm earlier (``on_wake(T)``).

A notification is a hint, never the record: the nudge row is already committed when it is
sent, so a lost one (a follower crashing between its commit and the ``NOTIFY``, the listener's
connection dropping) only delays that nudge to the leader's one-minute sweep. When the listener
connects again it calls ``on_wake(None)``: "look at the database", since something may have been
announced while it was away.

SQLite has one process and its planner wakes the alarm directly; nothing here is used there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import asyncpg

from bot.storage.base import Database
from bot.storage.timestamps import from_db, to_db

log = logging.getLogger(__name__)

CHANNEL = "infocoach_nudges"
"""The notification channel (one per database: every process of one deployment shares it)."""

APPLICATION_NAME = "infocoach-wakeups"
"""How the listening connection names itself to the server (``pg_stat_activity``)."""

RECONNECT_SECONDS = 2.0
"""How long the listener waits before connecting again after losing its connection."""

WakeHandler = Callable[[datetime | None], None]
"""Called with the announced due instant, or None after a reconnect (look at the database)."""


class WakeupChannel:
    """Announce (any process) and listen (the leader) on :data:`CHANNEL`."""

    def __init__(
        self, db: Database, url: str, *, reconnect_seconds: float = RECONNECT_SECONDS
    ) -> None:
        self.db = db
        self.url = url
        self.reconnect_seconds = reconnect_seconds
        self._pending: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self.connects = 0
        """How often the listener has connected (for tests and logs)."""

    # -- announcing ----------------------------------------------------------------------------
    async def publish(self, due: datetime) -> None:
        """Tell every listening process that a nudge is due at ``due`` (delivered at once: the
        statement runs outside any transaction)."""
        await self.db.fetch_value("SELECT pg_notify(?, ?)", (CHANNEL, to_db(due)))

    def announce(self, due: datetime) -> None:
        """:meth:`publish` from synchronous code (an after-commit callback) without waiting
        for it; a failure is logged, the leader's sweep still finds the nudge."""
        task = asyncio.get_running_loop().create_task(self._publish_logged(due))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish_logged(self, due: datetime) -> None:
        try:
            await self.publish(due)
        except Exception as exc:
            log.warning(
                "could not announce a nudge due at %s (%s); the sweep will find it", due, exc
            )

    # -- listening -----------------------------------------------------------------------------
    def listen(self, on_wake: WakeHandler) -> None:
        """Start listening (again): ``on_wake`` gets each announced instant, and None after
        each (re)connect."""
        if self._listener is not None and not self._listener.done():
            return
        self._listener = asyncio.get_running_loop().create_task(self._listen_forever(on_wake))

    async def stop_listening(self) -> None:
        task, self._listener = self._listener, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def listening(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def _listen_forever(self, on_wake: WakeHandler) -> None:
        def received(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            try:
                due = from_db(payload)
            except ValueError:
                log.warning("ignored a malformed wake-up %r", payload[:40])
                due = None
            on_wake(due)

        while True:
            lost = asyncio.Event()
            try:
                conn: asyncpg.Connection = await asyncpg.connect(
                    self.url, timeout=10, server_settings={"application_name": APPLICATION_NAME}
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("nudge wake-ups: cannot connect (%s); trying again", exc)
                await asyncio.sleep(self.reconnect_seconds)
                continue
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, received)
                self._connection = conn
                self.connects += 1
                on_wake(None)  # announcements made while not listening: look at the database
                await lost.wait()
                log.warning("nudge wake-ups: the listening connection was lost; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("nudge wake-ups: listening failed (%s); reconnecting", exc)
            finally:
                self._connection = None
                if not conn.is_closed():
                    try:
                        await asyncio.wait_for(conn.close(), timeout=2)
                    except Exception:
                        conn.terminate()
            await asyncio.sleep(self.reconnect_seconds)

    async def close(self) -> None:
        await self.stop_listening()
        for task in list(self._pending):
            with contextlib.suppress(Exception):
                await task
