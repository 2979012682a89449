"""Installation facts kept in ``app_meta`` (e.g. the hash of the last registered commands)."""

from __future__ import annotations

from bot.storage.database import Database


async def get_meta(db: Database, key: str) -> str | None:
    value: str | None = await db.fetch_value("SELECT value FROM app_meta WHERE key = ?", (key,))
    return value


async def set_meta(db: Database, key: str, value: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO app_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
