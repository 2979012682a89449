"""Who is still in the server. The bot asks for no privileged intent, so it receives no member
events: it looks students up through the REST member endpoint instead (paced with the nudges),
once a day each, and before DMing someone it hasn't checked for a day. A student gone from a
server stops getting nudges at once; their data there is deleted after the server's grace period
(30 days by default), unless they come back first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord

from bot.clock import Clock
from bot.pacing import TokenBucket
from bot.storage.database import Database
from bot.storage.guild_settings import DEFAULT_DEPARTURE_GRACE_DAYS
from bot.storage.membership import (
    MembershipRecord,
    departed_students,
    is_departed,
    membership_of,
    record_departed,
    record_present,
    students_to_check,
)
from bot.storage.nudges import cancel_student_nudges
from bot.storage.privacy import delete_student_data

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(days=1)
DEFAULT_GRACE_DAYS = DEFAULT_DEPARTURE_GRACE_DAYS
SWEEP_BATCH = 500
LEFT_THE_SERVER = "left the server"


class MembershipChecker:
    """Looks students up in their server and records the answer. Built once in ``bot/app.py``
    with what it uses: the database, the clock, the request pacer shared with nudge delivery,
    and the Discord client (for its servers and the member endpoint)."""

    def __init__(
        self, db: Database, clock: Clock, pacer: TokenBucket, client: discord.Client
    ) -> None:
        self._db = db
        self._clock = clock
        self._pacer = pacer
        self._client = client

    async def check(self, guild_id: int, user_id: int) -> bool | None:
        """Look the student up and record the answer. True: still a member; False: gone (their
        pending nudges are cancelled); None: unknown (the bot is not in that server, or Discord
        failed), nothing recorded."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return None
        await self._pacer.acquire()
        try:
            await guild.fetch_member(user_id)
            present = True
        except discord.NotFound:
            present = False
        except discord.HTTPException as exc:
            log.warning("member lookup %s/%s failed: %s", guild_id, user_id, exc)
            return None
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if present:
                await record_present(tx, guild_id, user_id, now)
            else:
                await record_departed(tx, guild_id, user_id, now)
                await cancel_student_nudges(tx, guild_id, user_id, LEFT_THE_SERVER, now)
        return present

    async def still_member(
        self, guild_id: int, user_id: int, known: MembershipRecord | None = None
    ) -> bool:
        """Before DMing a student: False if they are known to have left (or have no row), or a
        lookup (made when the last one is over a day old) finds them gone. An unanswerable
        lookup counts as present (a reminder is better late than lost). ``known`` is what the
        caller already read about them (saves a read)."""
        record = known or await membership_of(self._db, guild_id, user_id)
        if record is None or record.departed_at is not None:
            return False
        checked = record.checked_at
        if checked is not None and self._clock.now() - checked < CHECK_EVERY:
            return True
        return await self.check(guild_id, user_id) is not False

    async def sweep(self, limit: int = SWEEP_BATCH) -> tuple[int, int]:
        """Check the students least recently checked (at most ``limit``, none checked within a
        day). Returns (checked, found gone)."""
        due = await students_to_check(self._db, self._clock.now() - CHECK_EVERY, limit)
        gone = 0
        for guild_id, user_id in due:
            if await self.check(guild_id, user_id) is False:
                gone += 1
        return len(due), gone

    async def purge_departed(self, now: datetime | None = None) -> int:
        """Erase the data of students gone longer than their server's grace period. Returns how
        many students' data was deleted."""
        now = now or self._clock.now()
        purged = 0
        for gone in await departed_students(self._db):
            if now - gone.departed_at < timedelta(days=gone.grace_days):
                continue
            async with self._db.transaction() as tx:
                # They may have come back since the list was read.
                deleted = await is_departed(tx, gone.guild_id, gone.user_id)
                if deleted:
                    await delete_student_data(tx, gone.guild_id, gone.user_id)
            if deleted:
                purged += 1
                log.info("deleted the data of a student who left server %s", gone.guild_id)
        return purged
