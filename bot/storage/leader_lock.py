"""The leader's lock (PostgreSQL): one process at a time runs delivery and the timed jobs.

Several bot processes may share one PostgreSQL database (shards). The one that holds a
*session* advisory lock (:data:`LEADER_KEY`) leads; the lock lives exactly as long as the
database session that took it, so the connection holding it is a dedicated one, opened here
outside the pool (a pooled connection is shared, replaced and closed at will). When the leader
dies its session ends, PostgreSQL drops the lock at once, and a follower's next try wins.

A leader also holds a second session lock, its *term* lock, keyed by the claimer identity it
writes on the nudges it claims (``nudges.claimed_by``). Both live and die with the one session,
so "the term lock of X is held" means "X is the leader now": :func:`live_claimers` reads that
from ``pg_locks``, and start-up repair leaves a live leader's rows in flight alone.

:mod:`bot.leadership` runs the loop (try, retry, watch); this module is its SQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from bot.storage.database import Source, query_all
from bot.storage.engine import is_postgres
from bot.storage.locks import lock_key

log = logging.getLogger(__name__)

LEADER_KEY = lock_key(b"infocoach-leader")
"""The advisory lock whose holder leads (the same in every process)."""
CONNECT_TIMEOUT = 10.0
KEEPALIVE = {
    # The server notices a leader whose machine vanished (no FIN, no RST) within about
    # idle + interval * count seconds instead of the OS default of two hours, and frees the lock.
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}
_MASK32 = 0xFFFFFFFF


def term_key(claimer: str) -> int:
    """The advisory lock a leader holds for the term ``claimer`` names."""
    digest = hashlib.blake2b(b"infocoach-term:" + claimer.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_columns(key: int) -> tuple[int, int]:
    """How ``pg_locks`` shows a bigint advisory key: (classid, objid) = (high, low) halves,
    with objsubid 1."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & _MASK32


_HELD_ADVISORY = (
    "SELECT CAST(classid AS bigint) AS high, CAST(objid AS bigint) AS low FROM pg_locks"
    " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_STILL_MINE = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND pid = pg_backend_pid() AND CAST(classid AS bigint) = $1 AND CAST(objid AS bigint) = $2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def live_claimers(source: Source, claimers: Iterable[str]) -> set[str]:
    """Which of ``claimers`` lead right now (their term lock is held). On SQLite none: one
    process owns the file, so at start-up nothing claimed earlier is in flight."""
    wanted = {_lock_columns(term_key(c)): c for c in set(claimers)}
    if not wanted or not is_postgres(source):
        return set()
    rows = await query_all(source, _HELD_ADVISORY)
    return {wanted[key] for row in rows if (key := (row["high"], row["low"])) in wanted}


class LeaderLock:
    """The dedicated connection that holds the leader's lock (PostgreSQL only).

    ``try_acquire(claimer)`` connects if needed and tries the lock without waiting; once won,
    ``wait_lost()`` returns when the session is gone (the server closed it, the network failed,
    a check timed out) and ``release()`` gives the lock up by closing the session."""

    def __init__(self, url: str, *, application_name: str = "infocoach") -> None:
        self._url = url
        self._application_name = application_name[:63]
        self._conn: Any = None  # asyncpg.Connection (asyncpg has no type hints)
        self._lost: asyncio.Future[None] | None = None
        self.claimer: str | None = None
        """The term this lock was won for (None: not held)."""

    @property
    def backend_pid(self) -> int | None:
        """The server process of the session holding the lock (None: not connected)."""
        conn = self._conn
        return None if conn is None or conn.is_closed() else int(conn.get_server_pid())

    async def _connect(self) -> Any:
        import asyncpg

        conn = await asyncpg.connect(
            self._url,
            timeout=CONNECT_TIMEOUT,
            statement_cache_size=0,
            server_settings={"application_name": self._application_name, **KEEPALIVE},
        )
        lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def closed(_: object) -> None:
            if not lost.done():
                lost.set_result(None)

        conn.add_termination_listener(closed)
        self._conn, self._lost = conn, lost
        return conn

    async def try_acquire(self, claimer: str) -> bool:
        """Take the leader's lock for the term ``claimer`` if nobody holds it. False when
        another session holds it or the server can't be reached (try again later)."""
        if self.claimer is not None:
            raise RuntimeError("the leader's lock is held already")
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                conn = self._conn
                if conn is None or conn.is_closed():
                    conn = await self._connect()
                if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_KEY):
                    return False
                # Nobody else can hold a fresh term's key; this never waits.
                await conn.execute("SELECT pg_advisory_lock($1)", term_key(claimer))
        except (OSError, TimeoutError, ValueError) as exc:
            log.warning("cannot try the leader's lock: %s", exc)
            await self._drop()
            return False
        except Exception as exc:  # asyncpg's errors (a restarting server, a closed session)
            if not _is_database_error(exc):
                raise
            log.warning("cannot try the leader's lock: %s", exc)
            await self._drop()
            return False
        self.claimer = claimer
        return True

    async def wait_lost(self, check_every: float) -> None:
        """Return once the lock is gone: at once when the session closes, or when a check
        (every ``check_every`` seconds, each given as long to answer) fails or finds the lock
        no longer held. The session is then closed, and ``claimer`` is None."""
        conn, lost = self._conn, self._lost
        if conn is None or lost is None or self.claimer is None:
            return
        high, low = _lock_columns(LEADER_KEY)
        try:
            while not lost.done():
                try:
                    await asyncio.wait_for(asyncio.shield(lost), timeout=check_every)
                    break
                except TimeoutError:
                    pass
                try:
                    held = await asyncio.wait_for(
                        conn.fetchval(_STILL_MINE, high, low), timeout=check_every
                    )
                except (OSError, TimeoutError) as exc:
                    log.warning("the leader's session does not answer (%s)", exc)
                    break
                except Exception as exc:
                    if not _is_database_error(exc):
                        raise
                    log.warning("the leader's session failed (%s)", exc)
                    break
                if not held:
                    log.warning("the leader's lock is no longer held")
                    break
        finally:
            await self._drop()

    async def release(self) -> None:
        """Give the lock up (close the session; the server frees both locks)."""
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn, self._lost, self.claimer = self._conn, None, None, None
        if conn is None or conn.is_closed():
            return
        try:
            await asyncio.wait_for(conn.close(), timeout=2)
        except Exception:
            conn.terminate()


def _is_database_error(exc: BaseException) -> bool:
    import asyncpg

    return isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError)
