"""Which database engine a source runs on (temporary stand-in).

``bot.storage.database.engine_of`` is being added with the PostgreSQL adapter; until the two
branches meet, storage modules ask this one. It reads the ``engine`` attribute the adapter
gives databases and transactions (``"sqlite"`` or ``"postgres"``); anything without one is
SQLite."""

from __future__ import annotations

import hashlib

from bot.storage.connections import Transaction

SQLITE = "sqlite"
POSTGRES = "postgres"


def engine_of(source: object) -> str:
    """``"sqlite"`` or ``"postgres"``: the engine ``source`` (a database or a transaction)
    runs on."""
    engine = getattr(source, "engine", SQLITE)
    return engine if isinstance(engine, str) else SQLITE


def is_postgres(source: object) -> bool:
    return engine_of(source) == POSTGRES


# Stand-ins for bot.storage.locks (the PostgreSQL adapter's branch adds it, with the same
# keys); the integrator points these names at that module.


def _lock_key(kind: bytes, *ids: int) -> int:
    text = kind + b":" + b":".join(str(i).encode() for i in ids)
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


async def lock_student(tx: Transaction, guild_id: int, user_id: int) -> None:
    """Hold this student's write lock until the transaction ends (PostgreSQL; SQLite has one
    writer, nothing to do)."""
    if is_postgres(tx):
        key = _lock_key(b"student", guild_id, user_id)
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (key,))


async def lock_guild(tx: Transaction, guild_id: int) -> None:
    """The same for a server's staff-made rows."""
    if is_postgres(tx):
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (_lock_key(b"guild", guild_id),))
