"""The student's data rights in one server: export, count, delete, and sharing with staff."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.actions.common import log_event, student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.storage.deletion_log import record_deletions
from bot.storage.membership import guilds_of_student, left_guild_name
from bot.storage.privacy import count_student_data, delete_student_data, export_student_data
from bot.storage.students import write_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DataExport:
    body: bytes  # the JSON file, UTF-8
    filename: str
    counts: dict[str, int]  # rows per student-keyed table (contacts, events, …), zeros included

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


_UNSAFE = re.compile(r"[^a-z0-9]+")
FILENAME_NAME_LIMIT = 40


def safe_file_part(name: str) -> str:
    """``Career Club 🎓 (2026)`` → ``career-club-2026``: lowercase ASCII letters, digits and
    single dashes only, at most :data:`FILENAME_NAME_LIMIT` characters (empty if nothing is
    left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", ascii_name.lower()).strip("-")
    return slug[:FILENAME_NAME_LIMIT].rstrip("-")


def export_filename(who: StudentKey, server_name: str | None, on: date) -> str:
    """``infocoach-export-career-club-2026-11-25.json``: the server's name (its id when the
    name is unknown or has nothing usable in a file name) and the day."""
    server = safe_file_part(server_name or "") or f"server-{who.guild_id}"
    return f"infocoach-export-{server}-{on.isoformat()}.json"


async def export_data(
    ctx: ActionContext, who: StudentKey, server_name: str | None = None
) -> DataExport:
    """Everything stored about the student in this server, as a JSON file named after the
    server (``server_name``; for a server InfoCoach has left, the name it had when it left)
    and today's date. A read: nothing is logged or created."""
    now = ctx.clock.now()
    if server_name is None:
        server_name = await left_guild_name(ctx.db, who.guild_id)
    data = await export_student_data(ctx.db, who.guild_id, who.user_id, now)
    body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    counts = {
        table: len(rows)
        for table, rows in data.items()
        if table != "export" and isinstance(rows, list)
    }
    return DataExport(body, export_filename(who, server_name, now.date()), counts)


async def stored_data_counts(ctx: ActionContext, who: StudentKey) -> dict[str, int]:
    """How many rows each table holds about the student here (empty: nothing stored), for the
    delete confirmation."""
    return await count_student_data(ctx.db, who.guild_id, who.user_id)


async def delete_data(ctx: ActionContext, who: StudentKey) -> dict[str, int]:
    """Erase every row about the student in this server (rows deleted per table; empty when
    there was nothing). No event is written, and the student row is not recreated: an event
    row would itself be data about them.

    Then the deletion reaches the disk: the WAL is checkpointed and truncated (with
    ``secure_delete`` on, the freed pages are zeroed), and a hash of (server, user) goes to the
    deletion log so that a restored older backup has it deleted again at start-up. On
    PostgreSQL, which has neither, the operator's log names the deletion (server and user
    id) so that it can be re-run after restoring an older dump."""
    async with ctx.db.transaction() as tx:
        counts = await delete_student_data(tx, who.guild_id, who.user_id)
    if counts:
        await record_deletions(ctx.db, [(who.guild_id, who.user_id)], ctx.clock.now())
        if ctx.db.engine == "postgres":
            log.info("privacy delete: user %s in server %s", who.user_id, who.guild_id)
        elif not await ctx.db.scrub_wal():
            log.warning(
                "privacy delete: the WAL could not be truncated now (a reader held it); the "
                "deleted rows leave it at the next checkpoint"
            )
    return counts


async def servers_with_data(ctx: ActionContext, user_id: int) -> list[int]:
    """The servers where the user has data, for the privacy commands used in a DM."""
    return await guilds_of_student(ctx.db, user_id)


async def left_server_name(ctx: ActionContext, guild_id: int) -> str | None:
    """The name a server InfoCoach has left had when it left (None: never seen), so that its
    students read a name rather than an id."""
    return await left_guild_name(ctx.db, guild_id)


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
