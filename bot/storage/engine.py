"""Which database engine a read or write runs on, for the few statements whose text differs
between SQLite and PostgreSQL (each such module keeps both texts side by side), and the write
locks those modules take (:mod:`bot.storage.locks`)."""

from __future__ import annotations

from typing import Final

from bot.storage.connections import Engine
from bot.storage.locks import lock_guild, lock_student

SQLITE: Final = "sqlite"
POSTGRES: Final = "postgres"

__all__ = ["POSTGRES", "SQLITE", "engine_of", "is_postgres", "lock_guild", "lock_student"]


def engine_of(source: object) -> Engine:
    """``"sqlite"`` or ``"postgres"``: the engine ``source`` (a database or a transaction) runs
    on."""
    return POSTGRES if getattr(source, "engine", SQLITE) == POSTGRES else SQLITE


def is_postgres(source: object) -> bool:
    return engine_of(source) == POSTGRES
