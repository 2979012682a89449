"""Per-student and per-server write locks, for the read-then-write paths.

SQLite has one writer: a transaction that reads and then writes from what it read cannot be
interleaved with another. PostgreSQL runs transactions concurrently at READ COMMITTED, where two
of them can read the same "next position" and both write it. Every student action takes
:func:`lock_student` first (``bot.actions.common.student_transaction``), and every staff write
:func:`lock_guild`: a transaction-scoped advisory lock (``pg_advisory_xact_lock``), released by
its COMMIT or ROLLBACK, so the same student's (or server's) writes run one after another while
everyone else's run in parallel. On SQLite both are no-ops.
"""

from __future__ import annotations

import hashlib
from typing import Protocol, cast

from bot.storage.connections import Transaction


class _AdvisoryLocking(Protocol):
    """PostgreSQL's transaction (:class:`bot.storage.postgres.PgTransaction`), which sends a
    first-statement lock together with its ``BEGIN``."""

    async def advisory_lock(self, key: int) -> None: ...


_STUDENT = b"student"
_GUILD = b"guild"


def lock_key(kind: bytes, *ids: int) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock`` (the same in every process)."""
    text = kind + b":" + b":".join(str(i).encode() for i in ids)
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


async def lock_student(tx: Transaction, guild_id: int, user_id: int) -> None:
    """Wait until no other transaction holds this student's lock, and hold it until this one
    ends (PostgreSQL; nothing to do on SQLite)."""
    if tx.engine == "postgres":
        await cast(_AdvisoryLocking, tx).advisory_lock(lock_key(_STUDENT, guild_id, user_id))


async def lock_guild(tx: Transaction, guild_id: int) -> None:
    """The same for a server's staff settings and staff-made rows."""
    if tx.engine == "postgres":
        await cast(_AdvisoryLocking, tx).advisory_lock(lock_key(_GUILD, guild_id))
