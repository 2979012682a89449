"""The server's aggregate statistics for staff: ``/staff stats`` and ``/staff export`` (each
audited), and the weekly summary posted to the staff's channel (Mondays from 09:00 UTC, once per
ISO week, remembered in ``app_meta``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.actions.context import ActionContext
from bot.actions.staff import StaffKey, record_look
from bot.content import PHASES
from bot.errors import UserError
from bot.staff_stats.compute import compute_stats
from bot.staff_stats.csv_export import stats_csv_files
from bot.staff_stats.figures import ServerStats
from bot.storage.app_meta import get_meta, set_meta
from bot.storage.checklist_items import effective_checklist
from bot.storage.guild_settings import digest_channels
from bot.validation import parse_date

SUMMARY_WEEKDAY = 0  # Monday
SUMMARY_TIME = time(9, 0)  # UTC
SUMMARY_PERIOD = timedelta(days=7)


async def server_figures(ctx: ActionContext, guild_id: int, since: date | None) -> ServerStats:
    """The server's aggregates; checklist completion counts this server's visible items."""
    checklists = {
        phase: await effective_checklist(ctx.db, ctx.content, guild_id, phase) for phase in PHASES
    }
    return await compute_stats(ctx.db, guild_id, since, ctx.clock.now(), checklists=checklists)


def check_since(ctx: ActionContext, since: str | None) -> date | None:
    """The first day (UTC) of the period staff asked for; None: all time."""
    if since is None:
        return None
    day = parse_date(since, "since")
    today = ctx.clock.now().date()
    if day > today:
        raise UserError(f"{day.isoformat()} is in the future (today is {today.isoformat()}).")
    return day


def _since_text(day: date | None) -> str | None:
    return day.isoformat() if day else None


async def view_stats(ctx: ActionContext, staff: StaffKey, since: str | None) -> ServerStats:
    """The server's figures since ``since`` (YYYY-MM-DD, or None for all time); audited as
    ``stats_viewed``."""
    day = check_since(ctx, since)
    figures = await server_figures(ctx, staff.guild_id, day)
    await record_look(ctx, staff, "stats_viewed", {"since": _since_text(day)})
    return figures


async def export_stats(
    ctx: ActionContext, staff: StaffKey, since: str | None
) -> list[tuple[str, bytes]]:
    """The server's figures as CSV files (``(name, UTF-8 bytes)``, one per table); audited as
    ``stats_exported`` with the files' names."""
    day = check_since(ctx, since)
    files = stats_csv_files(await server_figures(ctx, staff.guild_id, day))
    await record_look(
        ctx,
        staff,
        "stats_exported",
        {"since": _since_text(day), "files": [name for name, _ in files]},
    )
    return files


# -- the weekly summary --------------------------------------------------------------------------


def summary_week(now: datetime) -> str | None:
    """The ISO week whose summary is due at ``now`` (None before Monday 09:00 UTC)."""
    if now.weekday() == SUMMARY_WEEKDAY and now.time() < SUMMARY_TIME:
        return None
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


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
    figures: ServerStats  # the last 7 days


async def summaries_due(ctx: ActionContext) -> list[SummaryDue]:
    """Every server with a digest channel that hasn't had this week's summary yet (none before
    Monday 09:00 UTC)."""
    week = summary_week(ctx.clock.now())
    if week is None:
        return []
    due: list[SummaryDue] = []
    for guild_id, channel_id in await digest_channels(ctx.db):
        if await get_meta(ctx.db, _summary_key(guild_id)) != week:
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
    since = (ctx.clock.now() - SUMMARY_PERIOD).date()
    return WeeklySummary(due, await server_figures(ctx, due.guild_id, since))
