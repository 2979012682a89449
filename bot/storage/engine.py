"""Which database engine a source runs on (temporary stand-in).

``bot.storage.database.engine_of`` is being added with the PostgreSQL adapter; until the two
branches meet, storage modules ask this one. It reads the ``engine`` attribute the adapter
gives databases and transactions (``"sqlite"`` or ``"postgres"``); anything without one is
SQLite."""

from __future__ import annotations

SQLITE = "sqlite"
POSTGRES = "postgres"


def engine_of(source: object) -> str:
    """``"sqlite"`` or ``"postgres"``: the engine ``source`` (a database or a transaction)
    runs on."""
    engine = getattr(source, "engine", SQLITE)
    return engine if isinstance(engine, str) else SQLITE


def is_postgres(source: object) -> bool:
    return engine_of(source) == POSTGRES
