"""The append-only event log: one row per thing a student did (stats read it later)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.timestamps import to_db


async def append_event(
    tx: aiosqlite.Connection,
    *,
    guild_id: int,
    user_id: int,
    kind: str,
    at: datetime,
    contact_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, contact_id, kind, json.dumps(payload or {}, sort_keys=True), to_db(at)),
    )
