"""The weekly summary posted to the staff's chosen channel on Mondays at 09:00 in the server's
zone: which servers are due and their figures come from :mod:`bot.actions.staff_figures`;
this renders and posts them. Call :func:`send_weekly_staff_summaries` hourly (the app does)."""

from __future__ import annotations

import io
import logging

import discord

from bot.actions.context import ActionContext
from bot.actions.staff_figures import claim_summary, summaries_due
from bot.pacing import TokenBucket
from bot.staff_stats import CHART_FILENAME, chart_png, stats_embed

log = logging.getLogger(__name__)


async def send_weekly_staff_summaries(
    ctx: ActionContext, client: discord.Client, bucket: TokenBucket
) -> int:
    """Post this week's summary to every server that set a digest channel and hasn't had it
    yet, each post paced by ``bucket`` (shared with the nudges, under Discord's global limit).
    Returns how many were posted."""
    posted = 0
    for due in await summaries_due(ctx):
        summary = await claim_summary(ctx, due)
        if summary is None:
            continue
        embed = stats_embed(summary.figures)
        embed.title = f"Weekly InfoCoach summary (week {due.week})"
        files = []
        if embed.image.url is not None:
            png = await chart_png(summary.figures)
            files.append(discord.File(io.BytesIO(png), CHART_FILENAME))
        channel = client.get_partial_messageable(due.channel_id, guild_id=due.guild_id)
        await bucket.acquire()
        try:
            await channel.send(
                embed=embed, files=files, allowed_mentions=discord.AllowedMentions.none()
            )
            posted += 1
        except discord.HTTPException as exc:
            log.warning("weekly staff summary for server %s not posted: %s", due.guild_id, exc)
    return posted
