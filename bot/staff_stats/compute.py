"""Gather one server's rows and turn them into :class:`ServerStats`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache

from bot.config import DEFAULT_DATA_DIR
from bot.content import PHASES, Checklist, load_checklist
from bot.staff_stats import queries
from bot.staff_stats.figures import ServerStats, build_stats, start_of
from bot.storage.database import Database


@cache
def default_checklists() -> dict[str, Checklist]:
    """The default checklists shipped in ``data/`` (callers with the bot's content, or a
    server's effective checklists, should pass those instead)."""
    return {
        phase: load_checklist(DEFAULT_DATA_DIR / "checklists" / f"{phase}.toml") for phase in PHASES
    }


async def compute_stats(
    db: Database,
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
    return build_stats(
        since=since,
        now=now,
        students_active=await queries.students_active(db, guild_id, start),
        contacts=await queries.contact_facts(db, guild_id),
        nudges=await queries.nudge_outcomes(db, guild_id, start),
        checklists=checklists if checklists is not None else default_checklists(),
    )
