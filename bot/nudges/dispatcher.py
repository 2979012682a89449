"""Delivers due nudges exactly once: claim (pending → sending, one statement), send the DM with
a nonce, mark sent with the message id. A crash between send and mark is repaired at start-up by
looking for the nudge's buttons in the DM channel before sending again."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.actions.planner import student_prefs
from bot.domain.local_time import in_quiet_hours
from bot.domain.nudge_plan import NudgeKind, defer_past_quiet_hours, is_stale
from bot.membership import still_member
from bot.nudges.buttons import nudge_view
from bot.nudges.pacing import TokenBucket
from bot.nudges.render import contact_nudge_text, digest_text, with_frame
from bot.storage.contacts import get_contact_by_id, list_contacts
from bot.storage.guild_settings import server_settings
from bot.storage.nudges import (
    NudgeRow,
    claim_due,
    finish,
    hold_for_unreachable,
    mark_sent,
    release,
    sending_rows,
)
from bot.storage.questions import list_questions
from bot.storage.students import Student, get_student, set_dm_channel

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

log = logging.getLogger(__name__)

NUDGES_PER_SECOND = 40.0  # below Discord's global 50 requests/second
BATCH = 50
IN_FLIGHT = 16
MAX_BACKOFF = timedelta(hours=1)
RECOVERY_LOOKBACK = 50  # recent DM messages searched for a nudge left in "sending"
UNCERTAIN = "uncertain:"  # last_error prefix: the previous try may have been delivered
_MARKER = re.compile(r"^ic:nd:[a-z]+:(\d+)$")


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=15 * 2 ** max(0, attempts - 1)))


def nonce_for(nudge_id: int) -> str:
    return f"nudge-{nudge_id}"


@dataclass
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    undeliverable: int = 0
    retried: int = 0
    deferred: int = 0


class _Outcome(Exception):
    """Ends one delivery early with a status (internal control flow)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class NudgeDispatcher:
    def __init__(self, bot: InfoCoachBot, *, rate: float = NUDGES_PER_SECOND) -> None:
        self.bot = bot
        self.bucket = TokenBucket(rate)
        self._run_lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)

    # -- the cycle ------------------------------------------------------------------------------
    async def dispatch_due(self) -> DispatchReport:
        """Deliver every nudge due now. Concurrent calls run one after the other, so when a
        call returns, everything that was due when it started has been handled."""
        async with self._run_lock:
            report = DispatchReport()
            # No delivery is in flight while the lock is held, so any row still in "sending"
            # was orphaned (a crash, or a failed mark): settle it before claiming more.
            await self._recover()
            while True:
                now = self.bot.clock.now()
                async with self.bot.db.transaction() as tx:
                    rows = await claim_due(tx, now, BATCH)
                if not rows:
                    return report
                # One user's nudges go out one after another (in order, and a closed DM costs
                # a single failed request); different users' go out concurrently.
                by_user: dict[int, list[NudgeRow]] = {}
                for row in rows:
                    by_user.setdefault(row.user_id, []).append(row)
                await asyncio.gather(
                    *(self._deliver_in_order(batch, now, report) for batch in by_user.values())
                )

    async def _deliver_in_order(
        self, rows: list[NudgeRow], now: datetime, report: DispatchReport
    ) -> None:
        for row in rows:
            await self._deliver_one(row, now, report)

    async def _deliver_one(self, row: NudgeRow, now: datetime, report: DispatchReport) -> None:
        async with self._in_flight:
            try:
                await self._deliver(row, now, report)
            except _Outcome as outcome:
                async with self.bot.db.transaction() as tx:
                    await finish(tx, row.id, outcome.status, outcome.reason, self.bot.clock.now())
                setattr(report, outcome.status, getattr(report, outcome.status) + 1)
            except Exception as exc:  # anything unexpected: keep the nudge, try later
                log.exception("nudge %s failed; will retry", row.id)
                await self._retry(row, backoff(row.attempts), f"{type(exc).__name__}: {exc}")
                report.retried += 1

    async def _deliver(self, row: NudgeRow, now: datetime, report: DispatchReport) -> None:
        db = self.bot.db
        student = await get_student(db, row.guild_id, row.user_id)
        if student is None:
            raise _Outcome("cancelled", "the student's data was deleted")
        if student.unreachable_at is not None:
            raise _Outcome("undeliverable", "the student's DMs are closed")
        if not await still_member(self.bot, row.guild_id, row.user_id):
            raise _Outcome("cancelled", "the student left the server")
        prefs = student_prefs(student)
        if prefs is None or not prefs.nudges_enabled:
            raise _Outcome("cancelled", "nudges are off")
        local = now.astimezone(prefs.zone).time()
        if in_quiet_hours(local, prefs.quiet_start, prefs.quiet_end):
            await self._retry(row, defer_past_quiet_hours(now, prefs) - now, "quiet hours")
            report.deferred += 1
            return
        if row.last_error and row.last_error.startswith(UNCERTAIN):
            # The last try may have reached Discord (a 5xx or a lost connection after the
            # request left): look for it before sending again, or it could arrive twice.
            try:
                message_id = await self._find_sent(row)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                reason = f"{UNCERTAIN} history check failed: {exc}"
                await self._retry(row, backoff(row.attempts), reason)
                report.retried += 1
                return
            if message_id is not None:
                async with db.transaction() as tx:
                    await mark_sent(tx, row.id, message_id, self.bot.clock.now())
                report.sent += 1
                return
        text = await self._render(row, student, now)
        try:
            message = await self._send(row, student, text)
        except discord.Forbidden as exc:
            async with db.transaction() as tx:
                held = await hold_for_unreachable(tx, row.user_id, f"403 {exc.code}", now)
            log.info("user %s has closed DMs; held %s nudges", row.user_id, held)
            report.undeliverable += 1
            return
        except discord.NotFound:
            async with db.transaction() as tx:
                await tx.execute(
                    "UPDATE students SET dm_channel_id = NULL WHERE user_id = ?", (row.user_id,)
                )
            await self._retry(row, timedelta(seconds=5), "the DM channel no longer exists")
            report.retried += 1
            return
        except discord.HTTPException as exc:
            wait = backoff(row.attempts)
            if exc.status == 429:  # refused before anything was created
                wait = max(timedelta(seconds=1), timedelta(seconds=_retry_after(exc)))
                reason = f"HTTP 429 {exc.code}"
            else:
                reason = f"{UNCERTAIN} HTTP {exc.status} {exc.code}"
            await self._retry(row, wait, reason)
            report.retried += 1
            return
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            reason = f"{UNCERTAIN} {type(exc).__name__}: {exc}"
            await self._retry(row, backoff(row.attempts), reason)
            report.retried += 1
            return
        report.sent += 1
        try:
            async with db.transaction() as tx:
                await mark_sent(tx, row.id, message.id, self.bot.clock.now())
                if row.kind == NudgeKind.DIGEST.value:
                    await self.bot.planner.replan_digest(tx, row.guild_id, row.user_id, now)
        except Exception:
            # The DM went out; never release the row (that would send it twice). It stays in
            # "sending" and the next run settles it from the DM history.
            log.exception("nudge %s was sent as message %s but not marked", row.id, message.id)

    async def _retry(self, row: NudgeRow, wait: timedelta, reason: str) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await release(tx, row.id, now + wait, reason, now)
        self.bot.alarm.wake_at(now + wait)

    # -- rendering and sending ------------------------------------------------------------------
    async def _render(self, row: NudgeRow, student: Student, now: datetime) -> str:
        db = self.bot.db
        prefs = student_prefs(student)
        assert prefs is not None
        guild = self.bot.get_guild(row.guild_id)
        kind = NudgeKind(row.kind)
        if kind is NudgeKind.DIGEST:
            contacts = await list_contacts(db, row.guild_id, row.user_id)
            days = (await server_settings(db, row.guild_id)).report_back_days
            text = digest_text(contacts, now, prefs.zone, report_back_days=days)
        else:
            contact = await get_contact_by_id(db, row.contact_id or 0)
            if contact is None or contact.nudges_stopped or contact.stage.value == "closed":
                raise _Outcome("cancelled", "the contact is gone, closed or stopped")
            state = await self.bot.planner.load_state(db, contact)
            if is_stale(kind, state, now):
                raise _Outcome("skipped", "it no longer makes sense (the meeting has started)")
            questions = None
            if kind is NudgeKind.TOP_QUESTIONS:
                questions = [q.text for q in await list_questions(db, contact.id)]
            text = contact_nudge_text(kind, contact, questions=questions)
        return with_frame(
            text, guild_name=guild.name if guild else None, due_at=row.planned_at, now=now
        )

    async def _send(self, row: NudgeRow, student: Student, text: str) -> discord.Message:
        channel_id = student.dm_channel_id
        if channel_id is None:
            await self.bucket.acquire()
            channel = await self.bot.create_dm(discord.Object(row.user_id))
            channel_id = channel.id
            async with self.bot.db.transaction() as tx:
                await set_dm_channel(tx, row.user_id, channel_id)
        await self.bucket.acquire()
        target = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        return await target.send(text, view=nudge_view(row), nonce=nonce_for(row.id))

    # -- start-up repair ------------------------------------------------------------------------
    async def recover_sending(self) -> int:
        """Settle rows a crash left in *sending*: if the DM went out (its buttons carry the
        nudge id), mark it sent; otherwise put it back to pending. Returns rows settled.

        Never raises: at start-up a failure here must not keep delivery from starting (every
        dispatch run tries again before claiming more)."""
        async with self._run_lock:
            try:
                return await self._recover()
            except Exception:
                log.exception("could not settle nudges left in flight; the next run retries")
                return 0

    async def _recover(self) -> int:
        rows = await sending_rows(self.bot.db)
        settled = 0
        for row in rows:
            try:
                message_id = await self._find_sent(row)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                # Discord can't tell whether it went out: leave the row in "sending" (never
                # send blindly, that could send it twice) and look again on the next run.
                log.warning("nudge %s: cannot check the DM history yet (%s)", row.id, exc)
                continue
            now = self.bot.clock.now()
            async with self.bot.db.transaction() as tx:
                if message_id is not None:
                    await mark_sent(tx, row.id, message_id, now)
                else:
                    await release(tx, row.id, row.due_at, "recovered after a restart", now)
            settled += 1
        return settled

    async def _find_sent(self, row: NudgeRow) -> int | None:
        student = await get_student(self.bot.db, row.guild_id, row.user_id)
        if student is None or student.dm_channel_id is None:
            return None  # no DM channel was ever opened, so nothing was sent
        channel = self.bot.get_partial_messageable(
            student.dm_channel_id, type=discord.ChannelType.private
        )
        await self.bucket.acquire()
        async for message in channel.history(limit=RECOVERY_LOOKBACK):
            if row.id in _nudge_ids(message):
                return message.id
        return None


def _nudge_ids(message: discord.Message) -> set[int]:
    ids: set[int] = set()
    for row in message.components:
        for child in getattr(row, "children", []):
            match = _MARKER.match(getattr(child, "custom_id", None) or "")
            if match:
                ids.add(int(match.group(1)))
    return ids


def _retry_after(exc: discord.HTTPException) -> float:
    try:
        return float(exc.response.headers.get("Retry-After", 1))
    except (TypeError, ValueError):
        return 1.0
