"""Delivers due nudges exactly once: claim (pending → sending, one statement), send the DM with
a nonce, mark sent with the message id. A crash between send and mark is repaired at start-up by
looking for the nudge's buttons in the DM channel before sending again.

Fair between students: rows are claimed round robin (every student's earliest due reminder
before anyone's second, at most :data:`CLAIM_PER_USER` of one student at a time), each
student's go out in order on their own task, and a student's DM channel is paced to Discord's
per-channel limit (:class:`~bot.pacing.ChannelPacer`) while the others' reminders proceed. A
run keeps claiming as deliveries finish, and looks for newly due reminders at least every
:data:`POLL_SECONDS` (or at once when ``dispatch_due`` is called again), so one student's
backlog never holds up another student's reminder.

Several processes (shards on one PostgreSQL database): only the leader delivers
(:mod:`bot.leadership`). Each claim records the leader's term (``claimer``), and repair settles
only rows whose claimer no longer leads, so a live leader's sends in flight are never taken for
a crash's."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import discord

from bot.actions.context import StudentKey
from bot.actions.employers import EmployerOutlook, employer_outlook
from bot.actions.planner import NudgePlanner, contact_state, occurrence_of, student_prefs
from bot.clock import Clock
from bot.domain.contacts import Stage
from bot.domain.local_time import in_quiet_hours
from bot.domain.nudge_kinds import NudgeStatus
from bot.domain.nudge_plan import NudgeKind, defer_past_quiet_hours, is_stale
from bot.domain.stalls import digest_contents
from bot.membership import MembershipChecker
from bot.nudges.buttons import NudgeAction, nudge_view, referral_labels
from bot.nudges.render import (
    LATE_AFTER,
    add_label,
    contact_nudge_text,
    digest_text,
    nobody_else_needed,
    tiara_starters,
    with_frame,
)
from bot.pacing import ChannelPacer, TokenBucket
from bot.storage.contacts import get_contact_by_id
from bot.storage.database import Database, Transaction
from bot.storage.delivery import DeliveryContext, delivery_context, forget_dm_channel
from bot.storage.nudge_timing import planned_after_its_time
from bot.storage.nudges import (
    NudgeRow,
    claim_due_fair,
    finish,
    hold_for_unreachable,
    mark_sent,
    release,
    sending_rows,
)
from bot.storage.students import Student, get_student, set_dm_channel

log = logging.getLogger(__name__)

# The bot's own requests (DMs, DM channels, member lookups, staff summaries) go out at most at
# this pace, with a burst of one: never over 45 in a second, under Discord's global limit of 50
# per second (interaction responses don't count), leaving 5 for other processes' start-up.
NUDGES_PER_SECOND = 44.0
NUDGE_BURST = 1.0
BATCH = 50  # rows claimed and not yet settled, at most
IN_FLIGHT = 16
PER_CHANNEL_MESSAGES = 5  # Discord's bucket for a DM channel: 5 messages …
PER_CHANNEL_WINDOW = 5.0  # … per 5 seconds
CLAIM_PER_USER = PER_CHANNEL_MESSAGES  # one student's rows claimed at a time
POLL_SECONDS = 0.25  # while delivering, look for newly due rows this often
MAX_BACKOFF = timedelta(hours=1)
RECOVERY_LOOKBACK = 50  # recent DM messages searched for a nudge left in "sending"
CANNOT_DM = 50007  # 403 "Cannot send messages to this user": DMs closed, or no shared server
UNCERTAIN = "uncertain:"  # last_error prefix: the previous try may have been delivered
QUIET_HOURS = "quiet hours"  # last_error: held at its time until quiet hours end (not late)
QUIET_HOURS_LATE = "quiet hours, already late"  # … held past them after the bot was offline
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

    def ended(self, status: NudgeStatus) -> None:
        """Count a nudge ended without sending (skipped, cancelled or undeliverable)."""
        if status is NudgeStatus.SKIPPED:
            self.skipped += 1
        elif status is NudgeStatus.CANCELLED:
            self.cancelled += 1
        elif status is NudgeStatus.UNDELIVERABLE:
            self.undeliverable += 1
        else:
            raise ValueError(f"not an end without sending: {status!r}")


class _Outcome(Exception):
    """Ends one delivery early with a status (internal control flow)."""

    def __init__(self, status: NudgeStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class NudgeDispatcher:
    """Built once in ``bot/app.py`` with what it uses: the database and clock, the planner (to
    plan what follows a nudge), the Discord client (DM channels and the server's name), the
    membership checker, the request pacer it shares with member lookups, ``wake_at`` to
    make the alarm ring for a retry, and ``claimer``: who it claims as now (the leader's term,
    :meth:`bot.leadership.Leadership.claimer`; None while this process does not lead, and then
    it neither claims nor repairs). Without one it always claims as one identity of its own."""

    BUTTONS = (NudgeAction,)
    """The persistent buttons its DMs carry (registered with the client at start-up)."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        planner: NudgePlanner,
        client: discord.Client,
        membership: MembershipChecker,
        pacer: TokenBucket,
        wake_at: Callable[[datetime], None],
        channel_pacer: ChannelPacer | None = None,
        claimer: Callable[[], str | None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._planner = planner
        self._client = client
        self._membership = membership
        self.bucket = pacer  # every request to Discord waits for a token
        self._wake_at = wake_at
        own = f"{secrets.token_hex(8)}:1"
        self._claimer = claimer or (lambda: own)
        # Messages to one user's DM channel (keyed by user: one DM channel each).
        self.channel_pacer = channel_pacer or ChannelPacer(PER_CHANNEL_MESSAGES, PER_CHANNEL_WINDOW)
        self._run_lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        self._poke = asyncio.Event()  # set: a run in progress claims again now
        self._rows_in_flight = 0

    # -- the cycle ------------------------------------------------------------------------------
    async def dispatch_due(self) -> DispatchReport:
        """Deliver every nudge due now. Concurrent calls run one after the other, so when a
        call returns, everything that was due when it started has been handled; a call made
        while a run is in progress also makes that run look for newly due rows at once."""
        self._poke.set()
        async with self._run_lock:
            report = DispatchReport()
            # None of this process's deliveries is in flight while the lock is held, so any
            # row it claimed still in "sending" was orphaned (a failed mark), as is one whose
            # claimer no longer leads (a crash): settle them before claiming more.
            await self._recover()
            busy: dict[int, asyncio.Task[None]] = {}  # user id → their deliveries in order
            try:
                while True:
                    self._poke.clear()
                    await self._claim_more(busy, report)
                    if not busy:
                        return report
                    poke = asyncio.ensure_future(self._poke.wait())
                    await asyncio.wait(
                        {*busy.values(), poke},
                        timeout=POLL_SECONDS,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    poke.cancel()
                    for user_id, task in list(busy.items()):
                        if task.done():
                            del busy[user_id]
                            task.result()  # a bug surfaces (deliveries catch the expected)
            finally:
                for task in busy.values():
                    task.cancel()
                await asyncio.gather(*busy.values(), return_exceptions=True)

    async def _claim_more(
        self, busy: dict[int, asyncio.Task[None]], report: DispatchReport
    ) -> None:
        """Claim due rows round robin (none of users whose deliveries are under way, at most
        :data:`BATCH` unsettled in all) and start each user's on a task of its own."""
        room = BATCH - self._rows_in_flight
        claimer = self._claimer()
        if room <= 0 or claimer is None:  # None: not the leader (any more)
            return
        now = self._clock.now()
        async with self._db.transaction() as tx:
            rows = await claim_due_fair(
                tx, now, room, per_user=CLAIM_PER_USER, skip_users=busy.keys(), claimer=claimer
            )
        by_user: dict[int, list[NudgeRow]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        for user_id, user_rows in by_user.items():
            self._rows_in_flight += len(user_rows)
            busy[user_id] = asyncio.create_task(self._deliver_in_order(user_rows, now, report))

    async def _deliver_in_order(
        self, rows: list[NudgeRow], now: datetime, report: DispatchReport
    ) -> None:
        """One user's claimed rows, one after another: a closed DM costs a single failed
        request, and their DM channel's pace is waited for here, holding no delivery slot."""
        remaining = len(rows)
        # The digest last: it leaves out the contacts whose own reminder just went out.
        rows = sorted(rows, key=lambda r: r.contact_id is None)
        reminded: set[int] = set()
        try:
            for row in rows:
                wait = self.channel_pacer.wait_for(row.user_id)
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._deliver_one(row, now, report, reminded)
                remaining -= 1
                self._rows_in_flight -= 1
        finally:
            self._rows_in_flight -= remaining  # cancelled: those rows stay in "sending"

    async def _deliver_one(
        self, row: NudgeRow, now: datetime, report: DispatchReport, reminded: set[int]
    ) -> None:
        async with self._in_flight:
            try:
                await self._deliver(row, now, report, reminded)
            except _Outcome as outcome:
                async with self._db.transaction() as tx:
                    await finish(tx, row.id, outcome.status, outcome.reason, self._clock.now())
                    if row.contact_id is None and outcome.status is NudgeStatus.SKIPPED:
                        # An empty digest: next week's is still wanted.
                        await self._planner.replan_digest(tx, row.guild_id, row.user_id, now)
                    else:
                        await self._replan_if_moved(tx, row, now)
                report.ended(outcome.status)
            except Exception as exc:  # anything unexpected: keep the nudge, try later
                log.exception("nudge %s failed; will retry", row.id)
                await self._retry(row, backoff(row.attempts), f"{type(exc).__name__}: {exc}")
                report.retried += 1

    async def _deliver(
        self, row: NudgeRow, now: datetime, report: DispatchReport, reminded: set[int]
    ) -> None:
        """Deliver one claimed row. ``reminded``: the contacts whose reminder went out in this
        run just before (the digest leaves them out); one sent now is added."""
        kind = NudgeKind(row.kind)
        context = await delivery_context(
            self._db,
            row.guild_id,
            row.user_id,
            None if kind is NudgeKind.DIGEST else row.contact_id or 0,
            with_questions=kind is NudgeKind.TOP_QUESTIONS,
            with_referrals=kind is NudgeKind.REFERRALS,
        )
        if context is None:
            raise _Outcome(NudgeStatus.CANCELLED, "the student's data was deleted")
        student = context.student
        if student.unreachable_at is not None:
            raise _Outcome(NudgeStatus.UNDELIVERABLE, "the student's DMs are closed")
        if not await self._membership.not_known_gone(row.guild_id, row.user_id, context.membership):
            raise _Outcome(NudgeStatus.CANCELLED, "the student left the server")
        prefs = student_prefs(student)
        if prefs is None or not prefs.nudges_enabled:
            raise _Outcome(NudgeStatus.CANCELLED, "nudges are off")
        local = now.astimezone(prefs.zone).time()
        if in_quiet_hours(local, prefs.quiet_start, prefs.quiet_end):
            on_time = now - row.planned_at <= LATE_AFTER or row.last_error == QUIET_HOURS
            reason = QUIET_HOURS if on_time else QUIET_HOURS_LATE
            await self._retry(row, defer_past_quiet_hours(now, prefs) - now, reason)
            report.deferred += 1
            return
        if row.last_error and row.last_error.startswith(UNCERTAIN):
            # The last try may have reached Discord (a 5xx or a lost connection after the
            # request left): look for it before sending again, or it could arrive twice.
            try:
                message_id = await self._find_sent(row, student.dm_channel_id)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                reason = f"{UNCERTAIN} history check failed: {exc}"
                await self._retry(row, backoff(row.attempts), reason)
                report.retried += 1
                return
            if message_id is not None:
                async with self._db.transaction() as tx:
                    await mark_sent(tx, row.id, message_id, self._clock.now())
                    await self._replan_if_moved(tx, row, now)
                report.sent += 1
                return
        outlook: EmployerOutlook | None = None
        contact = context.contact
        if kind is NudgeKind.SECOND_CONTACT and contact is not None:
            who = StudentKey(row.guild_id, row.user_id)
            outlook = await employer_outlook(self._db, who, contact)
        guild = await self._membership.guilds.guild(row.guild_id)  # maybe another shard's
        offline = await self._was_offline(row, now)
        text = self._render(
            row, kind, context, now, outlook, guild, offline=offline, reminded=reminded
        )
        labels = {"add": add_label(contact)} if outlook is not None and contact else {}
        if kind is NudgeKind.REFERRALS:  # one left to reach: their name, one click
            labels.update(referral_labels(r for r in context.referrals if r.stage is Stage.PLANNED))
        # The 3B text that says no one else is needed there offers no button to add one.
        omit = ("add",) if contact is not None and nobody_else_needed(contact, outlook) else ()
        try:
            message = await self._send(row, student, text, labels, omit)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM and await self._membership.refused_dm(
                row.guild_id, row.user_id
            ):
                raise _Outcome(NudgeStatus.CANCELLED, "the student left the server") from exc
            async with self._db.transaction() as tx:
                held = await hold_for_unreachable(tx, row.user_id, f"403 {exc.code}", now)
            log.info("user %s has closed DMs; held %s nudges", row.user_id, held)
            report.undeliverable += 1
            return
        except discord.NotFound:
            async with self._db.transaction() as tx:
                await forget_dm_channel(tx, row.user_id)
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
        if row.contact_id is not None and kind is not NudgeKind.TELL_REFERRER:
            # (Telling the referrer is a side step: the contact's own next step, which the
            # digest lists, is still to come.)
            reminded.add(row.contact_id)
        try:
            async with self._db.transaction() as tx:
                await mark_sent(tx, row.id, message.id, self._clock.now())
                if kind is NudgeKind.DIGEST:
                    await self._planner.replan_digest(tx, row.guild_id, row.user_id, now)
                else:
                    await self._replan_if_moved(tx, row, now)
        except Exception:
            # The DM went out; never release the row (that would send it twice). It stays in
            # "sending" and the next run settles it from the DM history.
            log.exception("nudge %s was sent as message %s but not marked", row.id, message.id)

    async def _was_offline(self, row: NudgeRow, now: datetime) -> bool:
        """Whether a reminder going out more than :data:`LATE_AFTER` after its time is late
        because the bot was offline then. Not when it waited for quiet hours to end at its
        time, nor when it was planned only after its time had passed (reminders turned back
        on, Stop undone, DMs reopened, a step logged with a past date): the student then had
        it held, and the bot was not at fault. Read only for a late one."""
        if now - row.planned_at <= LATE_AFTER or row.last_error == QUIET_HOURS:
            return False
        return not await planned_after_its_time(self._db, row.id)

    async def _retry(self, row: NudgeRow, wait: timedelta, reason: str) -> None:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await release(tx, row.id, now + wait, reason, now)
            await self._replan_if_moved(tx, row, now)
        self._wake_at(now + wait)

    async def _replan_if_moved(self, tx: Transaction, row: NudgeRow, now: datetime) -> None:
        """Call in the transaction that settles ``row``. While a row is *sending*, re-planning
        leaves its kind alone (one live row per kind); if what the contact's nudge of that kind
        is about changed meanwhile (the meeting moved, say), plan it now."""
        if row.contact_id is None:
            return
        contact = await get_contact_by_id(tx, row.contact_id)
        if contact is not None and occurrence_of(NudgeKind(row.kind), contact) != row.occurrence:
            await self._planner.replan_contact(tx, contact.id, now)

    # -- rendering and sending ------------------------------------------------------------------
    def _render(
        self,
        row: NudgeRow,
        kind: NudgeKind,
        context: DeliveryContext,
        now: datetime,
        outlook: EmployerOutlook | None = None,
        guild: discord.Guild | None = None,
        *,
        offline: bool = True,
        reminded: frozenset[int] | set[int] = frozenset(),
    ) -> str:
        prefs = student_prefs(context.student)
        assert prefs is not None
        if kind is NudgeKind.DIGEST:
            contents = digest_contents(
                context.contacts,
                now,
                prefs.zone,
                holidays=context.holidays,
                report_back_days=context.report_back_days,
                reminded=reminded,
                question_counts=context.question_counts,
            )
            if contents.empty:
                raise _Outcome(NudgeStatus.SKIPPED, "nothing due and nothing stalled")
            text = digest_text(contents)
        else:
            contact = context.contact
            if contact is None or contact.nudges_stopped or contact.stage is Stage.CLOSED:
                raise _Outcome(NudgeStatus.CANCELLED, "the contact is gone, closed or stopped")
            # Only the stage and the meeting time decide whether a reminder went stale; the
            # preparation checklist and the referrals play no part, so they are not read.
            state = contact_state(contact, prepare_done=False, open_referrals=0)
            if is_stale(kind, state, now):
                raise _Outcome(
                    NudgeStatus.SKIPPED, "it no longer makes sense (the meeting has started)"
                )
            _check_still_wanted(kind, context)
            starters = (
                tiara_starters(self._planner.content.questions)
                if kind is NudgeKind.TOP_QUESTIONS and not context.questions
                else ()
            )
            text = contact_nudge_text(
                kind,
                contact,
                questions=context.questions,
                report_back_days=context.report_back_days,
                meeting_minutes=context.meeting_minutes,
                referrer=context.referrer,
                referrals=context.referrals,
                now=now,
                zone=prefs.zone,
                outlook=outlook,
                starters=starters,
            )
        return with_frame(
            text,
            guild_name=guild.name if guild else None,
            due_at=row.planned_at,
            now=now,
            offline=offline,
        )

    async def _send(
        self,
        row: NudgeRow,
        student: Student,
        text: str,
        labels: dict[str, str],
        omit: tuple[str, ...] = (),
    ) -> discord.Message:
        channel_id = student.dm_channel_id
        if channel_id is None:
            await self.bucket.acquire()
            channel = await self._client.create_dm(discord.Object(row.user_id))
            channel_id = channel.id
            async with self._db.transaction() as tx:
                await set_dm_channel(tx, row.user_id, channel_id)
        await self.channel_pacer.acquire(row.user_id)
        await self.bucket.acquire()
        target = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        view = nudge_view(row, labels=labels, omit=omit)
        return await target.send(text, view=view, nonce=nonce_for(row.id))

    # -- start-up repair ------------------------------------------------------------------------
    async def recover_sending(self) -> int:
        """Settle rows a crash left in *sending* (claimed by this process, or by a leader that
        no longer holds its lock; see :func:`bot.storage.nudges.sending_rows`): if the DM went
        out (its buttons carry the nudge id), mark it sent; otherwise put it back to pending.
        Returns rows settled. Also finishes re-planning a crash left pending (see
        ``NudgePlanner.finish_pending_replans``). Does nothing while this process does not lead.

        Never raises: at start-up a failure here must not keep delivery from starting (every
        dispatch run tries again before claiming more)."""
        async with self._run_lock:
            try:
                return await self._recover()
            except Exception:
                log.exception("could not settle nudges left in flight; the next run retries")
                return 0

    async def _finish_replans(self) -> None:
        """Finish students' re-planning passes a crash (or a failed batch) left half-done, so
        nothing is claimed on a stale plan. Never raises: the next run tries again."""
        try:
            finished = await self._planner.finish_pending_replans(self._clock.now())
        except Exception:
            log.exception("could not finish pending re-planning; the next run retries")
            return
        if finished:
            log.info("finished %s students' re-planning left pending", finished)

    async def _recover(self) -> int:
        own = self._claimer()
        if own is None:
            return 0  # the leader repairs
        await self._finish_replans()
        rows = await sending_rows(self._db, own_claimer=own)
        settled = 0
        for row in rows:
            try:
                student = await get_student(self._db, row.guild_id, row.user_id)
                channel_id = student.dm_channel_id if student is not None else None
                message_id = await self._find_sent(row, channel_id)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                # Discord can't tell whether it went out: leave the row in "sending" (never
                # send blindly, that could send it twice) and look again on the next run.
                log.warning("nudge %s: cannot check the DM history yet (%s)", row.id, exc)
                continue
            now = self._clock.now()
            async with self._db.transaction() as tx:
                if message_id is not None:
                    await mark_sent(tx, row.id, message_id, now)
                else:
                    await release(tx, row.id, row.due_at, "recovered after a restart", now)
                await self._replan_if_moved(tx, row, now)
            settled += 1
        return settled

    async def _find_sent(self, row: NudgeRow, dm_channel_id: int | None) -> int | None:
        """The id of the DM that carries this nudge's buttons, if it went out."""
        if dm_channel_id is None:
            return None  # no DM channel was ever opened, so nothing was sent
        channel = self._client.get_partial_messageable(
            dm_channel_id, type=discord.ChannelType.private
        )
        await self.bucket.acquire()
        async for message in channel.history(limit=RECOVERY_LOOKBACK):
            if row.id in _nudge_ids(message):
                return message.id
        return None


def _check_still_wanted(kind: NudgeKind, context: DeliveryContext) -> None:
    """The dispatcher's last look at what a reminder asks, read with its names: re-planning
    normally cancels it first, this catches what changed while it was on its way."""
    contact = context.contact
    assert contact is not None
    if (
        kind in (NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN)
        and contact.stage is not Stage.REPLIED
    ):
        raise _Outcome(NudgeStatus.SKIPPED, "the meeting is scheduled already")
    if kind is NudgeKind.SECOND_CONTACT and contact.second_person is not None:
        raise _Outcome(NudgeStatus.SKIPPED, "a second person at that employer is on the list")
    if kind is NudgeKind.REFERRALS and not any(
        referral.stage is Stage.PLANNED for referral in context.referrals
    ):
        raise _Outcome(NudgeStatus.SKIPPED, "every referral has been contacted")
    if kind is NudgeKind.TELL_REFERRER:
        if context.referrer is None:
            raise _Outcome(NudgeStatus.CANCELLED, "the referrer is gone")
        if contact.referrer_told_at is not None:
            raise _Outcome(NudgeStatus.SKIPPED, "the referrer was told already")


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
