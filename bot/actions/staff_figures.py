"""The server's aggregate figures for staff: ``/staff stats`` and ``/staff export`` (each
audited), and the weekly summary posted to the staff's channel (Mondays from 09:00 in the
server's zone, once per ISO week, remembered in ``app_meta``).

Periods start at a week or month start (a Monday or the 1st) at midnight in the server's zone,
so that two periods never differ by a few days chosen to single out one student (the
disclosure rule checks the difference between any two such periods: :mod:`bot.domain.disclosure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.actions.context import ActionContext
from bot.actions.staff import StaffKey, record_look
from bot.content import PHASES
from bot.domain.disclosure import is_period_start
from bot.errors import UserError
from bot.staff_stats.compute import compute_stats
from bot.staff_stats.csv_export import stats_csv_files
from bot.staff_stats.shown import StaffFigures
from bot.storage.app_meta import get_meta, set_meta
from bot.storage.checklist_items import effective_checklist
from bot.storage.guild_settings import digest_channels, server_settings
from bot.validation import parse_date

SUMMARY_WEEKDAY = 0  # Monday
SUMMARY_TIME = time(9, 0)  # in the server's zone


async def server_figures(ctx: ActionContext, guild_id: int, since: date | None) -> StaffFigures:
    """What staff may see of the server's figures; checklist completion counts this server's
    visible items, dates and periods are in the server's zone."""
    settings = await server_settings(ctx.db, guild_id)
    checklists = {
        phase: await effective_checklist(ctx.db, ctx.content, guild_id, phase) for phase in PHASES
    }
    return await compute_stats(
        ctx.db,
        guild_id,
        since,
        ctx.clock.now(),
        zone=settings.tz,
        checklists=checklists,
        holidays=settings.holidays,
    )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def check_since(since: str | None, today: date) -> date | None:
    """The first day of the period staff asked for: a Monday or the 1st of a month, not in the
    future (``today`` is the server's); None: all time."""
    if since is None:
        return None
    day = parse_date(since, "since", today=today, direction="past")
    if day > today:
        raise UserError(f"{day.isoformat()} is in the future (today is {today.isoformat()}).")
    if not is_period_start(day):
        week, month = _week_start(day), _month_start(day)
        raise UserError(
            f"Periods start on a Monday or on the 1st of a month, so that two periods can't "
            f"be set a few days apart to single out one student. {day.isoformat()} is neither: "
            f"try {week.isoformat()} (that week's Monday) or {month.isoformat()} (that month's "
            "1st). Nothing was shown."
        )
    return day


async def _since(ctx: ActionContext, staff: StaffKey, since: str | None) -> date | None:
    zone = (await server_settings(ctx.db, staff.guild_id)).tz
    return check_since(since, ctx.clock.now().astimezone(zone).date())


def _since_text(day: date | None) -> str | None:
    return day.isoformat() if day else None


async def view_stats(ctx: ActionContext, staff: StaffKey, since: str | None) -> StaffFigures:
    """The server's figures since ``since`` (a Monday or a 1st, or None for all time); audited
    as ``stats_viewed``."""
    day = await _since(ctx, staff, since)
    figures = await server_figures(ctx, staff.guild_id, day)
    await record_look(ctx, staff, "stats_viewed", {"since": _since_text(day)})
    return figures


async def export_stats(
    ctx: ActionContext, staff: StaffKey, since: str | None
) -> list[tuple[str, bytes]]:
    """The server's figures as CSV files (``(name, UTF-8 bytes)``, one per table); audited as
    ``stats_exported`` with the files' names."""
    day = await _since(ctx, staff, since)
    files = stats_csv_files(await server_figures(ctx, staff.guild_id, day))
    await record_look(
        ctx,
        staff,
        "stats_exported",
        {"since": _since_text(day), "files": [name for name, _ in files]},
    )
    return files


# -- the weekly summary --------------------------------------------------------------------------


def summary_week(now: datetime, zone: ZoneInfo) -> str | None:
    """The ISO week (in ``zone``) whose summary is due at ``now``: none before Monday 09:00
    there."""
    local = now.astimezone(zone)
    if local.weekday() == SUMMARY_WEEKDAY and local.time() < SUMMARY_TIME:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def summary_since(now: datetime, zone: ZoneInfo) -> date:
    """The summary's period: from the Monday before this week's (local), so the whole last
    week and this week so far."""
    return _week_start(now.astimezone(zone).date()) - timedelta(days=7)


def _summary_key(guild_id: int) -> str:
    return f"staff_summary:{guild_id}"


@dataclass(frozen=True, slots=True)
class SummaryDue:
    guild_id: int
    channel_id: int
    week: str  # the ISO week, e.g. 2026-W49


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    due: SummaryDue
    figures: StaffFigures  # since the Monday of last week


async def summaries_due(ctx: ActionContext) -> list[SummaryDue]:
    """Every server with a digest channel that hasn't had this week's summary yet (none before
    Monday 09:00 in the server's zone). Call it hourly."""
    now = ctx.clock.now()
    due: list[SummaryDue] = []
    for guild_id, channel_id, zone in await digest_channels(ctx.db):
        week = summary_week(now, ZoneInfo(zone or "UTC"))
        if week is not None and await get_meta(ctx.db, _summary_key(guild_id)) != week:
            due.append(SummaryDue(guild_id, channel_id, week))
    return due


async def claim_summary(ctx: ActionContext, due: SummaryDue) -> WeeklySummary | None:
    """Record that the server has this week's summary and return its figures (None if it was
    recorded since). Recorded before it is posted: a failed post is not retried in a loop (a
    missing permission would fail the same way every hour)."""
    key = _summary_key(due.guild_id)
    if await get_meta(ctx.db, key) == due.week:
        return None
    await set_meta(ctx.db, key, due.week)
    zone = (await server_settings(ctx.db, due.guild_id)).tz
    since = summary_since(ctx.clock.now(), zone)
    return WeeklySummary(due, await server_figures(ctx, due.guild_id, since))
