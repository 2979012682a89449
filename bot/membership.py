"""Who is still in the server. The bot asks for no privileged intent, so it receives no member
events: it looks students up through the REST member endpoint instead (paced with the nudges),
once a day each, and before DMing someone it hasn't checked for a day. A student gone from a
server stops getting nudges at once; their data there is deleted after the server's grace period
(30 days by default), unless they come back first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.storage.database import query_all, query_one
from bot.storage.privacy import delete_student_data
from bot.storage.timestamps import from_db, to_db

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(days=1)
DEFAULT_GRACE_DAYS = 30
SWEEP_BATCH = 500


async def check_membership(bot: InfoCoachBot, guild_id: int, user_id: int) -> bool | None:
    """Look the student up and record the answer. True: still a member; False: gone (their
    pending nudges are cancelled); None: unknown (the bot is not in that server, or Discord
    failed), nothing recorded."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return None
    await bot.dispatcher.bucket.acquire()
    try:
        await guild.fetch_member(user_id)
        present = True
    except discord.NotFound:
        present = False
    except discord.HTTPException as exc:
        log.warning("member lookup %s/%s failed: %s", guild_id, user_id, exc)
        return None
    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        if present:
            await tx.execute(
                "UPDATE students SET departed_at = NULL, membership_checked_at = ?"
                " WHERE guild_id = ? AND user_id = ?",
                (to_db(now), guild_id, user_id),
            )
        else:
            await tx.execute(
                "UPDATE students SET departed_at = coalesce(departed_at, ?),"
                " membership_checked_at = ? WHERE guild_id = ? AND user_id = ?",
                (to_db(now), to_db(now), guild_id, user_id),
            )
            await tx.execute(
                "UPDATE nudges SET status = 'cancelled', last_error = 'left the server',"
                " updated_at = ? WHERE guild_id = ? AND user_id = ? AND status = 'pending'",
                (to_db(now), guild_id, user_id),
            )
    return present


async def still_member(bot: InfoCoachBot, guild_id: int, user_id: int) -> bool:
    """Before DMing a student: False if they are known to have left, or a lookup (made when
    the last one is over a day old) finds them gone. An unanswerable lookup counts as present
    (a reminder is better late than lost)."""
    row = await query_one(
        bot.db,
        "SELECT departed_at, membership_checked_at FROM students"
        " WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    if row is None or row[0] is not None:
        return False
    checked = from_db(row[1])
    if checked is not None and bot.clock.now() - checked < CHECK_EVERY:
        return True
    return await check_membership(bot, guild_id, user_id) is not False


async def sweep_memberships(bot: InfoCoachBot, limit: int = SWEEP_BATCH) -> tuple[int, int]:
    """Check the students least recently checked (at most ``limit``, none checked within a
    day). Returns (checked, found gone)."""
    cutoff = to_db(bot.clock.now() - CHECK_EVERY)
    rows = await query_all(
        bot.db,
        "SELECT guild_id, user_id FROM students"
        " WHERE membership_checked_at IS NULL OR membership_checked_at < ?"
        " ORDER BY membership_checked_at IS NOT NULL, membership_checked_at LIMIT ?",
        (cutoff, limit),
    )
    gone = 0
    for guild_id, user_id in rows:
        if await check_membership(bot, guild_id, user_id) is False:
            gone += 1
    return len(rows), gone


async def purge_departed(bot: InfoCoachBot, now: datetime | None = None) -> int:
    """Delete the data of students gone longer than their server's grace period. Returns how
    many students' data was deleted."""
    now = now or bot.clock.now()
    rows = await query_all(
        bot.db,
        "SELECT s.guild_id, s.user_id, s.departed_at,"
        " coalesce(g.departure_grace_days, ?) AS grace"
        " FROM students s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
        " WHERE s.departed_at IS NOT NULL",
        (DEFAULT_GRACE_DAYS,),
    )
    purged = 0
    for guild_id, user_id, departed_at, grace in rows:
        departed = from_db(departed_at)
        if departed is None or now - departed < timedelta(days=grace):
            continue
        async with bot.db.transaction() as tx:
            still_gone = await query_one(
                tx,
                "SELECT 1 FROM students WHERE guild_id = ? AND user_id = ?"
                " AND departed_at IS NOT NULL",
                (guild_id, user_id),
            )
            if still_gone:
                await delete_student_data(tx, guild_id, user_id)
                purged += 1
        log.info("deleted the data of a student who left server %s", guild_id)
    return purged
