"""Who is still in the server. The bot asks for no privileged intent, so it receives no member
events: it looks students up through the REST member endpoint instead, in an hourly sweep
that checks each student about once a day (those with the soonest reminder first, and only
while no reminder waits to go out: a lookup never slows delivery), and opens the DM channel of
a student whose first reminder is coming. A reminder is sent without a lookup of its own; a
DM Discord refuses (403, code 50007: no shared server, or DMs closed) is looked up then, to
tell a student who left from one who closed their DMs. A student found gone from a server
stops getting nudges from it at once (until then, one who still shares another server with
the bot can get one); their data there is deleted after the server's grace period (30 days
by default), unless they come back first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord

from bot.actions.planner import NudgePlanner
from bot.clock import Clock
from bot.guild_directory import GuildDirectory
from bot.pacing import TokenBucket
from bot.storage.database import Database, Transaction
from bot.storage.deletion_log import record_deletions
from bot.storage.guild_settings import DEFAULT_DEPARTURE_GRACE_DAYS
from bot.storage.locks import lock_student
from bot.storage.membership import (
    MembershipRecord,
    cancel_guild_nudges,
    delete_guild_rows,
    departed_guilds,
    departed_students,
    guild_left_at,
    guilds_with_data,
    is_departed,
    membership_of,
    record_departed,
    record_guild_left,
    record_guild_present,
    record_present,
    students_of_guild,
    students_to_check,
)
from bot.storage.nudges import cancel_student_nudges
from bot.storage.privacy import delete_student_data
from bot.storage.students import set_dm_channel

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(days=1)
DEFAULT_GRACE_DAYS = DEFAULT_DEPARTURE_GRACE_DAYS
SWEEP_BATCH = 500
LEFT_THE_SERVER = "left the server"
BOT_LEFT_THE_SERVER = "InfoCoach left the server"


class MembershipChecker:
    """Looks students up in their server and records the answer. Built once in ``bot/app.py``
    with what it uses: the database, the clock, the request pacer shared with nudge delivery,
    and the Discord client (for its servers and the member endpoint)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        pacer: TokenBucket,
        client: discord.Client,
        planner: NudgePlanner | None = None,
        guild_grace_days: int = DEFAULT_GRACE_DAYS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._pacer = pacer
        self._client = client
        # Servers on another process's shard are fetched (bot/guild_directory.py).
        self.guilds = GuildDirectory(client, pacer)
        self._planner = planner
        self.guild_grace_days = guild_grace_days

    async def check(self, guild_id: int, user_id: int, *, background: bool = False) -> bool | None:
        """Look the student up and record the answer. True: still a member; False: gone (their
        pending nudges are cancelled), or the bot has left that server; None: unknown (the
        server is not in the cache for another reason, e.g. an outage, or Discord failed),
        nothing recorded. A student found back after leaving gets their reminders re-planned.
        ``background``: the request waits until no reminder is waiting to go out."""
        guild = await self.guilds.guild(guild_id)
        if guild is None:
            if await guild_left_at(self._db, guild_id) is not None:
                return False  # its nudges were cancelled when the bot left
            return None
        await self._pacer.acquire(background=background)
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
                if await is_departed(tx, guild_id, user_id):
                    await self._came_back(tx, guild_id, user_id, now)
                await record_present(tx, guild_id, user_id, now)
            else:
                await record_departed(tx, guild_id, user_id, now)
                await cancel_student_nudges(tx, guild_id, user_id, LEFT_THE_SERVER, now)
        return present

    async def _came_back(self, tx: Transaction, guild_id: int, user_id: int, now: datetime) -> None:
        """A student who had left is back: their reminders (cancelled when they left) are
        planned again, inside the caller's transaction."""
        await lock_student(tx, guild_id, user_id)  # PostgreSQL: their own writes wait
        await record_present(tx, guild_id, user_id, now)
        if self._planner is not None:
            await self._planner.replan_student(tx, guild_id, user_id, now)
        log.info("a student came back to server %s; their reminders are planned again", guild_id)

    async def seen_in_server(self, guild_id: int, user_id: int) -> bool:
        """The student used the bot inside the server, so they are a member: if they were
        recorded as gone, they are back (reminders re-planned). True if they were gone. One
        primary-key read when nothing changed."""
        record = await membership_of(self._db, guild_id, user_id)
        if record is None or record.departed_at is None:
            return False
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not await is_departed(tx, guild_id, user_id):
                return False  # someone else recorded the return meanwhile
            await self._came_back(tx, guild_id, user_id, now)
        return True

    # --- the bot's own servers --------------------------------------------------------------

    async def guild_left(self, guild_id: int) -> bool:
        """The bot was removed from the server (GUILD_DELETE without ``unavailable``, or
        missing from its server list): the grace period starts and the server's pending
        reminders are cancelled. True if this is news."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            news = await record_guild_left(tx, guild_id, now)
            if news:
                await cancel_guild_nudges(tx, guild_id, BOT_LEFT_THE_SERVER, now)
        if news:
            log.info(
                "left server %s: its data is kept %s days unless InfoCoach is added back",
                guild_id,
                self.guild_grace_days,
            )
        return news

    async def guild_joined(self, guild_id: int) -> bool:
        """The bot is in the server (again): within the grace period everything was kept, and
        the students' reminders are planned again. True if it had left."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            back = await record_guild_present(tx, guild_id)
        if back and self._planner is not None:
            for user_id in await students_of_guild(self._db, guild_id):
                async with self._db.transaction() as tx:
                    await lock_student(tx, guild_id, user_id)
                    if await is_departed(tx, guild_id, user_id):
                        continue  # the student had left the server themselves
                    await self._planner.replan_student(tx, guild_id, user_id, now)
        if back:
            log.info("added back to server %s within its grace period: its data is kept", guild_id)
        return back

    async def reconcile_guilds(self, present: set[int]) -> tuple[int, int]:
        """At start-up, with the servers the bot is in (``GET /users/@me/guilds``): servers
        with data that are missing left while the bot was offline; recorded ones that are there
        again were re-added. Returns (left, back)."""
        left = back = 0
        recorded = {guild_id for guild_id, _ in await departed_guilds(self._db)}
        for guild_id in sorted(await guilds_with_data(self._db) - present - recorded):
            left += await self.guild_left(guild_id)
        for guild_id in sorted(recorded & present):
            back += await self.guild_joined(guild_id)
        return left, back

    async def purge_departed_guilds(self, now: datetime | None = None) -> int:
        """Erase everything stored about servers the bot left longer than the grace period ago
        (each student in a transaction of their own, then the server's own rows). Returns how
        many servers were erased."""
        now = now or self._clock.now()
        purged = 0
        for guild_id, left_at in await departed_guilds(self._db):
            if now - left_at < timedelta(days=self.guild_grace_days):
                continue
            users = await students_of_guild(self._db, guild_id)
            for user_id in users:
                async with self._db.transaction() as tx:
                    if await guild_left_at(tx, guild_id) is None:
                        break  # added back meanwhile
                    await delete_student_data(tx, guild_id, user_id)
            async with self._db.transaction() as tx:
                if await guild_left_at(tx, guild_id) is None:
                    continue
                await delete_guild_rows(tx, guild_id)
            subjects: list[tuple[int, int | None]] = [(guild_id, u) for u in users]
            await record_deletions(self._db, [*subjects, (guild_id, None)], now)
            purged += 1
            log.info("deleted the data of server %s, left over its grace period ago", guild_id)
        if purged:
            await self._db.scrub_wal()
        return purged

    async def not_known_gone(
        self, guild_id: int, user_id: int, known: MembershipRecord | None = None
    ) -> bool:
        """Before DMing a student: False if they are recorded as gone (or have no row). No
        lookup: the sweep looks students up ahead of their reminders, and a refused DM is
        looked up then (:meth:`refused_dm`). ``known`` is what the caller already read about
        them (saves a read)."""
        record = known or await membership_of(self._db, guild_id, user_id)
        return record is not None and record.departed_at is None

    async def refused_dm(self, guild_id: int, user_id: int) -> bool:
        """Discord refused a DM to the student with "cannot send messages to this user": they
        closed their DMs, or share no server with the bot any more. True if a lookup finds them
        gone from the server (recorded, their reminders cancelled); False if they are there or
        the lookup can't tell (then their DMs count as closed)."""
        return await self.check(guild_id, user_id) is False

    async def sweep(self, limit: int = SWEEP_BATCH) -> tuple[int, int]:
        """Check the students not checked for a day (at most ``limit``): those with the
        soonest pending reminder first, then the never checked, then the longest unchecked.
        A student found present with a reminder waiting and no DM channel yet gets one opened,
        so their first reminder costs one request when it is due, not two. Every request gives
        way to reminders waiting to go out. Returns (checked, found gone)."""
        due = await students_to_check(self._db, self._clock.now() - CHECK_EVERY, limit)
        gone = 0
        for student in due:
            present = await self.check(student.guild_id, student.user_id, background=True)
            if present is False:
                gone += 1
            elif present and student.reminder_pending and student.dm_channel_id is None:
                await self._open_dm(student.user_id)
        return len(due), gone

    async def _open_dm(self, user_id: int) -> None:
        """Open the bot's DM channel with the student ahead of their first reminder (Discord
        opens it silently: the student sees nothing until a message comes)."""
        await self._pacer.acquire(background=True)
        try:
            channel = await self._client.create_dm(discord.Object(user_id))
        except discord.HTTPException as exc:
            log.warning("could not open a DM channel ahead of a reminder: %s", exc)
            return
        async with self._db.transaction() as tx:
            await set_dm_channel(tx, user_id, channel.id)

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
                await record_deletions(self._db, [(gone.guild_id, gone.user_id)], now)
                log.info("deleted the data of a student who left server %s", gone.guild_id)
        if purged:
            await self._db.scrub_wal()
        return purged
