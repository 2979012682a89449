"""Gather one server's rows (:mod:`bot.storage.staff_figures`) and turn them into
:class:`ServerStats`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache

from bot.config import DEFAULT_DATA_DIR
from bot.content import PHASES, Checklist, load_checklist
from bot.staff_stats.figures import (
    STAMPED,
    ContactFacts,
    Figure,
    ServerStats,
    build_stats,
    start_of,
)
from bot.storage.database import Source
from bot.storage.employers import server_standings
from bot.storage.staff_figures import (
    ContactRow,
    nudge_outcomes,
    server_contacts,
    students_with_events,
)


@cache
def default_checklists() -> dict[str, Checklist]:
    """The default checklists shipped in ``data/`` (callers with the bot's content, or a
    server's effective checklists, should pass those instead)."""
    return {
        phase: load_checklist(DEFAULT_DATA_DIR / "checklists" / f"{phase}.toml") for phase in PHASES
    }


def contact_facts(row: ContactRow) -> ContactFacts:
    return ContactFacts(
        user_id=row.user_id,
        stage=row.stage,
        stage_before_close=row.stage_before_close,
        updated_at=row.updated_at,
        stamps={stage: row.stamps.get(stage) for stage in STAMPED},
        closed_at=row.closed_at,
        reply_class=row.reply_class,
        ticks=row.ticks,
        done=row.done,
    )


async def compute_stats(
    source: Source,
    guild_id: int,
    since: date | None,
    now: datetime,
    checklists: Mapping[str, Checklist] | None = None,
) -> ServerStats:
    """The server's aggregate figures since ``since`` (a UTC date; None = all time).

    ``checklists`` are the visible items per phase used for checklist completion; by default the
    shipped default checklists.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    start = start_of(since)
    students = await students_with_events(source, guild_id, start)
    nudges = await nudge_outcomes(source, guild_id, start)
    return build_stats(
        since=since,
        now=now,
        students_active=Figure(students, students),
        contacts=[contact_facts(row) for row in await server_contacts(source, guild_id)],
        nudges={outcome: Figure(tally.rows, tally.students) for outcome, tally in nudges.items()},
        checklists=checklists if checklists is not None else default_checklists(),
        employers=await server_standings(source, guild_id),
    )
