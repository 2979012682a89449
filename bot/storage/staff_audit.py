"""The staff audit log: who did what, when (append-only). Details are small JSON objects about
the action (settings changed, checklist item, which student was looked up), never a student's
notes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Source, Transaction, query_all, query_one
from bot.storage.engine import POSTGRES, SQLITE, engine_of
from bot.storage.timestamps import from_db, to_db

MAX_DETAIL = 1000  # characters of JSON; a detail is a summary, not a payload


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    staff_user_id: int
    action: str
    detail: dict[str, Any]
    at: datetime


async def record_staff_action(
    tx: Transaction,
    *,
    guild_id: int,
    staff_user_id: int,
    action: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    text = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_DETAIL:
        text = json.dumps({"summary": text[: MAX_DETAIL - 40] + "…"}, ensure_ascii=False)
    await tx.execute(
        "INSERT INTO staff_audit (guild_id, staff_user_id, action, detail, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (guild_id, staff_user_id, action, text, to_db(at)),
    )


async def recent_staff_actions(
    source: Source, guild_id: int, *, limit: int = 20, offset: int = 0
) -> list[AuditEntry]:
    """The server's latest entries, newest first."""
    rows = await query_all(
        source,
        "SELECT id, staff_user_id, action, detail, at FROM staff_audit WHERE guild_id = ?"
        " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )
    return [
        AuditEntry(
            id=row["id"],
            staff_user_id=row["staff_user_id"],
            action=row["action"],
            detail=json.loads(row["detail"]),
            at=from_db(row["at"]),  # type: ignore[arg-type]
        )
        for row in rows
    ]


async def count_staff_actions(source: Source, guild_id: int) -> int:
    row = await query_one(
        source, "SELECT count(*) FROM staff_audit WHERE guild_id = ?", (guild_id,)
    )
    return int(row[0]) if row else 0


async def forget_student_in_audit(tx: Transaction, guild_id: int, user_id: int) -> int:
    """After the student deleted their data: entries about them keep the staff action but no
    longer say which student (``student`` becomes null, ``forgotten`` true). Returns how many
    entries changed."""
    cursor = await tx.execute(_FORGET[engine_of(tx)], (guild_id, user_id))
    return cursor.rowcount


_FORGET = {
    SQLITE: "UPDATE staff_audit"
    " SET detail = json_set(detail, '$.student', NULL, '$.forgotten', json('true'))"
    " WHERE guild_id = ? AND json_extract(detail, '$.student') = ?",
    # The detail is TEXT holding JSON on both engines; ``student`` is a JSON number.
    POSTGRES: "UPDATE staff_audit"
    ' SET detail = (detail::jsonb || \'{"student": null, "forgotten": true}\'::jsonb)::text'
    " WHERE guild_id = ? AND detail::jsonb -> 'student' = to_jsonb(CAST(? AS bigint))",
}
