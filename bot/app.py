"""The bot. ``create_bot(settings)`` returns it unstarted; ``python -m bot`` and tests use it.

With ``INFOCOACH_SHARD_COUNT`` it is an ``AutoShardedBot`` holding the shards
``INFOCOACH_SHARD_IDS`` names (all when unset), and several such processes may share one
PostgreSQL database: one of them leads (:mod:`bot.leadership`) and runs nudge delivery, the
membership sweep, the weekly staff summaries, the nightly jobs and command registration; the
others serve interactions only."""

from __future__ import annotations

import asyncio
import gc
import logging
import pkgutil
from datetime import datetime, timedelta
from typing import Any

import discord
from discord.ext import commands

import cogs
from bot.actions.context import ActionContext
from bot.actions.planner import NudgePlanner
from bot.clock import Clock, SystemClock
from bot.command_sync import sync_if_changed
from bot.config import Settings
from bot.content import Content, load_content
from bot.leadership import Leadership
from bot.membership import MembershipChecker
from bot.nudges.alarm import NudgeAlarm
from bot.nudges.dispatcher import (
    NUDGE_BURST,
    NUDGES_PER_SECOND,
    DispatchReport,
    NudgeDispatcher,
)
from bot.pacing import TokenBucket
from bot.staff_summary import send_weekly_staff_summaries
from bot.storage.backup import nightly_backup
from bot.storage.database import Database, open_database
from bot.storage.deletion_log import reapply_deletions
from bot.storage.leader_lock import LeaderLock
from bot.storage.membership import record_left_guild_name
from bot.storage.nudges import next_due_at
from bot.storage.wakeups import WakeupChannel
from bot.ui.error_handler import InfoCoachTree
from bot.ui.modal_rescue import rescue_orphaned_modal

log = logging.getLogger(__name__)


def cog_extensions() -> list[str]:
    """Every module in the ``cogs`` package is an extension (each ends with ``setup(bot)``)."""
    return [f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.ispkg]


class InfoCoachBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        content: Content,
        clock: Clock,
        *,
        deliver_nudges: bool = True,
        **client_options: Any,
    ) -> None:
        # No voice here: skip discord.py's warnings about its optional voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # server list and channels; no privileged intents are needed
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=InfoCoachTree,
            **client_options,
        )
        self.settings = settings
        self.content = content
        self.clock = clock
        self._db: Database | None = None
        self._planner: NudgePlanner | None = None
        self._actions: ActionContext | None = None
        self._membership: MembershipChecker | None = None
        self._dispatcher: NudgeDispatcher | None = None
        self._leadership: Leadership | None = None
        self._wakeups: WakeupChannel | None = None  # PostgreSQL: wake-ups between processes
        # Every request the bot makes on its own (DMs, DM channels, member lookups, staff
        # summaries) waits for a token, to stay under Discord's global limit.
        self.pacer = TokenBucket(NUDGES_PER_SECOND, NUDGE_BURST)
        self.alarm = NudgeAlarm(self._dispatch_due, self._next_due, clock)
        self.deliver_nudges = deliver_nudges  # False: plan nudges but never send on a timer
        # Set once start-up is done: delivery running (the leader) or not to run here (tests
        # wait on it).
        self.nudges_started = asyncio.Event()
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._db

    @property
    def planner(self) -> NudgePlanner:
        if self._planner is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._planner

    @property
    def actions(self) -> ActionContext:
        """What every action receives (:mod:`bot.actions`); cogs get it in their constructor,
        components through :func:`bot.ui.guarded.context_of`."""
        if self._actions is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._actions

    @property
    def membership(self) -> MembershipChecker:
        if self._membership is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._membership

    @property
    def dispatcher(self) -> NudgeDispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._dispatcher

    @property
    def wakeups(self) -> WakeupChannel | None:
        """PostgreSQL: the wake-ups between processes (the leader listens, followers announce);
        None on SQLite."""
        return self._wakeups

    @property
    def leadership(self) -> Leadership:
        """Whether this process leads (always on SQLite; on PostgreSQL the holder of the
        leader's lock)."""
        if self._leadership is None:
            raise RuntimeError("the database is not open yet (call open_storage first)")
        return self._leadership

    async def open_storage(self) -> Database:
        """Open and migrate the database, and build what works on it; safe to call more than
        once."""
        if self._db is None:
            self._db = await open_database(self.settings.database_location)
            self._planner = NudgePlanner(self._db, self.content, self._nudge_planned)
            self._actions = ActionContext(self._db, self.clock, self.content, self._planner)
            self._membership = MembershipChecker(
                self._db,
                self.clock,
                self.pacer,
                self,
                self._planner,
                guild_grace_days=self.settings.guild_grace_days,
            )
            # A backup restored over the database brings back what was deleted after it was
            # taken: delete it again (bot/storage/deletion_log.py).
            await reapply_deletions(self._db, self.clock.now())
            url = self.settings.database_url
            if url and self._db.engine == "postgres":
                self._wakeups = WakeupChannel(self._db, url)
            self._leadership = Leadership(
                LeaderLock(url) if url and self._db.engine == "postgres" else None,
                on_gained=self._start_leading,
                on_lost=self._stop_leading,
            )
            self._dispatcher = NudgeDispatcher(
                db=self._db,
                clock=self.clock,
                planner=self._planner,
                client=self,
                membership=self._membership,
                pacer=self.pacer,
                wake_at=self.alarm.wake_at,
                claimer=self._leadership.claimer,
            )
        return self._db

    async def _dispatch_due(self) -> DispatchReport:
        return await self.dispatcher.dispatch_due()

    async def _next_due(self) -> datetime | None:
        return await next_due_at(self.db)

    async def on_ready(self) -> None:
        """Once connected, and only once (on_ready repeats after reconnects): try to lead
        (:meth:`_start_leading` runs now if this process leads; a follower keeps trying in
        the background)."""
        if self.nudges_started.is_set():
            return
        await self.leadership.start()
        self.nudges_started.set()
        # Everything loaded so far (modules, content, discord.py's caches) lives as long as the
        # process: keep it out of the garbage collector's full passes (measured 70–150 ms
        # pauses under load without this).
        gc.freeze()

    async def _start_leading(self) -> None:
        """Leadership gained: register the commands if they changed, settle what a crash left
        half-sent, then arm the alarm and the timed jobs."""
        await self.sync_commands()
        await self.reconcile_guilds()
        recovered = await self.dispatcher.recover_sending()
        if recovered:
            log.info("settled %s nudges left in flight by the last run", recovered)
        if self.deliver_nudges:
            self.alarm.start()
            if self._wakeups is not None:  # nudges the followers plan wake this alarm at once
                self._wakeups.listen(self._woken)
            self.alarm.every("membership", timedelta(hours=1), self.membership_housekeeping)
            self.alarm.every("staff-summary", timedelta(hours=1), self.staff_summaries)
            if self.settings.backup_dir is not None:
                self.alarm.every("backup", timedelta(days=1), self.nightly_backup)

    async def _stop_leading(self) -> None:
        """Leadership lost: stop delivery and the timed jobs at once (those running are
        cancelled; rows left in "sending" are settled by the next leader's repair)."""
        self.alarm.shutdown()
        if self._wakeups is not None:
            await self._wakeups.stop_listening()

    def _nudge_planned(self, due: datetime) -> None:
        """A committed plan has a nudge due at ``due``: make sure the alarm rings by then. A
        follower's alarm is not running: it tells the leader instead (after the commit, so the
        leader finds the row)."""
        self.alarm.wake_at(due)
        leading = self._leadership is None or self._leadership.is_leader
        if self._wakeups is not None and not leading:
            self._wakeups.announce(due)

    def _woken(self, due: datetime | None) -> None:
        """The leader heard a wake-up: a follower's nudge due at ``due``, or (None, after the
        listener reconnected) anything: look at the database."""
        if due is not None:
            self.alarm.wake_at(due)
        else:
            task = asyncio.get_running_loop().create_task(self._rearm_logged())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _rearm_logged(self) -> None:
        try:
            await self.alarm.rearm()
        except Exception:  # the one-minute sweep rearms it anyway
            log.exception("could not rearm the nudge alarm after a wake-up")

    async def sync_commands(self) -> None:
        """Register the slash commands with Discord if they changed since the last time (the
        leader does it, once per term)."""
        assert self.application_id is not None
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        try:
            await sync_if_changed(self.tree, self.db, self.application_id, guild)
        except discord.HTTPException as exc:
            log.warning("could not register the slash commands (%s); the next term retries", exc)

    async def membership_housekeeping(self) -> None:
        """Hourly: delete the data of students gone past their server's grace period, and of
        servers the bot left longer than INFOCOACH_GUILD_GRACE_DAYS ago, then check up to a
        batch of students not checked for a day (so each is checked about daily)."""
        # The purges first: the sweep's lookups give way to any backlog of reminders, and a
        # deletion due must not wait for it.
        purged = await self.membership.purge_departed()
        servers = await self.membership.purge_departed_guilds()
        checked, gone = await self.membership.sweep()
        if checked or purged or servers:
            log.info(
                "membership: checked %s, %s gone, %s deleted, %s servers deleted",
                checked,
                gone,
                purged,
                servers,
            )

    async def reconcile_guilds(self) -> None:
        """At start-up: ask Discord which servers the bot is in (``GET /users/@me/guilds``, not
        the gateway's list, which leaves out servers in an outage): a server with data that is
        missing was left while the bot was offline, one recorded as left is back."""
        try:
            present = {guild.id async for guild in self.fetch_guilds(limit=None)}
        except discord.HTTPException as exc:
            log.warning("could not list the bot's servers (%s); trying again next start", exc)
            return
        left, back = await self.membership.reconcile_guilds(present)
        if left or back:
            log.info("servers: %s left while offline, %s added back", left, back)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # discord.py sends this only for a real removal: a GUILD_DELETE with "unavailable"
        # (an outage) becomes on_guild_unavailable instead.
        await self.membership.guild_left(guild.id)
        async with self.db.transaction() as tx:  # its students then read its name, not its id
            await record_left_guild_name(tx, guild.id, guild.name)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.membership.guild_joined(guild.id)

    def _note_seen(self, interaction: discord.Interaction) -> None:
        """A student acting inside a server is a member: one recorded as gone is back."""
        if interaction.guild_id is None or self._membership is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._seen(self._membership, interaction.guild_id, interaction.user.id)
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _seen(membership: MembershipChecker, guild_id: int, user_id: int) -> None:
        try:
            await membership.seen_in_server(guild_id, user_id)
        except Exception:  # e.g. shutting down: the next lookup will notice the return
            log.warning("could not record that a student is back", exc_info=True)

    async def staff_summaries(self) -> None:
        posted = await send_weekly_staff_summaries(self.actions, self, self.pacer)
        if posted:
            log.info("posted %s weekly staff summaries", posted)

    async def nightly_backup(self) -> None:
        """SQLite's nightly copy; on PostgreSQL the operator runs pg_dump (README)."""
        folder = self.settings.backup_dir
        assert folder is not None
        if self.db.engine != "sqlite":
            log.warning("INFOCOACH_BACKUP_DIR is for SQLite; back PostgreSQL up with pg_dump")
            return
        made = await asyncio.to_thread(
            nightly_backup,
            self.settings.db_path,
            folder,
            self.clock.now(),
            self.settings.backup_keep,
        )
        log.info("nightly backup written to %s", made)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Synchronous, right after discord.py filed the interaction: a form submitted after a
        # restart is rebuilt here (bot/ui/modal_rescue.py) instead of failing.
        if event_name == "interaction" and args:
            rescue_orphaned_modal(self, args[0])
            self._note_seen(args[0])
        super().dispatch(event_name, *args, **kwargs)

    async def setup_hook(self) -> None:
        await self.open_storage()
        # Each cog registers the persistent components it renders; the dispatcher's DM buttons
        # are registered here, with the dispatcher.
        self.add_dynamic_items(*NudgeDispatcher.BUTTONS)
        for extension in cog_extensions():
            await self.load_extension(extension)
        if self.settings.dev_guild_id:
            # Every process answers the dev server's commands; the leader registers them.
            self.tree.copy_global_to(guild=discord.Object(self.settings.dev_guild_id))

    async def close(self) -> None:
        self.alarm.shutdown()
        try:
            if self._leadership is not None:
                await self._leadership.close()  # a follower can take over at once
            if self._wakeups is not None:
                await self._wakeups.close()
            await super().close()
        finally:
            if self._db is not None:
                await self._db.close()
                self._db = None


class ShardedInfoCoachBot(InfoCoachBot, commands.AutoShardedBot):
    """The same bot on discord.py's ``AutoShardedClient`` (``INFOCOACH_SHARD_COUNT`` set):
    the shards ``INFOCOACH_SHARD_IDS`` names, or all of them."""


def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: Content | None = None,
    deliver_nudges: bool = True,
    **client_options: Any,
) -> InfoCoachBot:
    """An unstarted bot. Loads and validates ``data/`` now so bad content fails before login.

    ``deliver_nudges=False`` keeps planning nudges but never sends them on a timer (tests that
    drive delivery by hand); ``client_options`` go to :class:`discord.Client`.
    """
    bot_class: type[InfoCoachBot] = InfoCoachBot
    if settings.shard_count is not None:
        bot_class = ShardedInfoCoachBot
        client_options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids is not None:
            client_options.setdefault("shard_ids", list(settings.shard_ids))
    return bot_class(
        settings,
        content if content is not None else load_content(settings.data_dir),
        clock or SystemClock(),
        deliver_nudges=deliver_nudges,
        **client_options,
    )
