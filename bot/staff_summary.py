"""The server's aggregates for staff, and the weekly summary posted to the staff's chosen
channel (Mondays from 09:00 UTC, once per ISO week, remembered in ``app_meta``)."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import discord

from bot.content import PHASES
from bot.staff_stats import (
    CHART_FILENAME,
    ServerStats,
    compute_stats,
    funnel_chart_png,
    stats_embed,
)
from bot.storage.app_meta import get_meta, set_meta
from bot.storage.checklist_items import effective_checklist
from bot.storage.database import query_all

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

log = logging.getLogger(__name__)

SUMMARY_WEEKDAY = 0  # Monday
SUMMARY_TIME = time(9, 0)  # UTC
CHART_LOCK = asyncio.Lock()  # drawing is CPU work: off the event loop, one chart at a time


async def server_figures(bot: InfoCoachBot, guild_id: int, since: date | None) -> ServerStats:
    """The server's aggregates; checklist completion counts this server's visible items."""
    checklists = {
        phase: await effective_checklist(bot.db, bot.content, guild_id, phase) for phase in PHASES
    }
    return await compute_stats(bot.db, guild_id, since, bot.clock.now(), checklists=checklists)


async def chart_png(figures: ServerStats) -> bytes:
    async with CHART_LOCK:
        return await asyncio.to_thread(funnel_chart_png, figures)


def summary_week(now: datetime) -> str | None:
    """The ISO week whose summary is due at ``now`` (None before Monday 09:00 UTC)."""
    if now.weekday() == SUMMARY_WEEKDAY and now.time() < SUMMARY_TIME:
        return None
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


async def send_weekly_staff_summaries(bot: InfoCoachBot) -> int:
    """Post this week's summary to every server that set a digest channel and hasn't had it
    yet. Returns how many were posted."""
    now = bot.clock.now()
    week = summary_week(now)
    if week is None:
        return 0
    rows = await query_all(
        bot.db,
        "SELECT guild_id, digest_channel_id FROM guild_settings"
        " WHERE digest_channel_id IS NOT NULL",
    )
    posted = 0
    for guild_id, channel_id in rows:
        key = f"staff_summary:{guild_id}"
        if await get_meta(bot.db, key) == week:
            continue
        # Recorded before sending: a failed post is logged and not retried in a loop (a
        # missing permission would fail the same way every hour).
        await set_meta(bot.db, key, week)
        since = (now - timedelta(days=7)).date()
        figures = await server_figures(bot, guild_id, since)
        embed = stats_embed(figures)
        embed.title = f"Weekly InfoCoach summary (the last 7 days, week {week})"
        png = await chart_png(figures)
        channel = bot.get_partial_messageable(channel_id, guild_id=guild_id)
        await bot.dispatcher.bucket.acquire()
        try:
            await channel.send(embed=embed, file=discord.File(io.BytesIO(png), CHART_FILENAME))
            posted += 1
        except discord.HTTPException as exc:
            log.warning("weekly staff summary for server %s not posted: %s", guild_id, exc)
    return posted
