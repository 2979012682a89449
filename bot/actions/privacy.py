"""The student's data rights in one server: export, count, delete, and sharing with staff."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.actions.common import log_event, student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.storage.privacy import count_student_data, delete_student_data, export_student_data
from bot.storage.staff_audit import forget_student_in_audit
from bot.storage.students import write_settings


@dataclass(frozen=True, slots=True)
class DataExport:
    body: bytes  # the JSON file, UTF-8
    filename: str
    counts: dict[str, int]  # rows per student-keyed table (contacts, events, …), zeros included

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def export_filename(who: StudentKey) -> str:
    return f"infocoach-export-{who.guild_id}-{who.user_id}.json"


async def export_data(ctx: ActionContext, who: StudentKey) -> DataExport:
    """Everything stored about the student in this server, as a JSON file. A read: nothing is
    logged or created."""
    data = await export_student_data(ctx.db, who.guild_id, who.user_id, ctx.clock.now())
    body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    counts = {
        table: len(rows)
        for table, rows in data.items()
        if table != "export" and isinstance(rows, list)
    }
    return DataExport(body, export_filename(who), counts)


async def stored_data_counts(ctx: ActionContext, who: StudentKey) -> dict[str, int]:
    """How many rows each table holds about the student here (empty: nothing stored), for the
    delete confirmation."""
    return await count_student_data(ctx.db, who.guild_id, who.user_id)


async def delete_data(ctx: ActionContext, who: StudentKey) -> dict[str, int]:
    """Erase every row about the student in this server (rows deleted per table; empty when
    there was nothing). Nothing is logged, and the student row is not recreated: an event row
    would itself be data about them."""
    async with ctx.db.transaction() as tx:
        await forget_student_in_audit(tx, who.guild_id, who.user_id)
        return await delete_student_data(tx, who.guild_id, who.user_id)


@dataclass(frozen=True, slots=True)
class SharingSet:
    enabled: bool


async def set_sharing(ctx: ActionContext, who: StudentKey, enabled: bool) -> SharingSet:
    """Let this server's staff see the student's contacts' stages, or stop
    (``share_toggled``)."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await write_settings(tx, who.guild_id, who.user_id, share_with_staff=int(enabled))
        await log_event(tx, who, "share_toggled", now, payload={"enabled": enabled})
    return SharingSet(enabled)
