"""Keeps a contact's (or a student's digest) nudge rows in step with the pure planner.

Called inside the same transaction as the action that changed the contact, so a crash can never
leave a logged action without its re-planned nudges (or the reverse). A change that moves many
contacts' reminders at once (a student's settings, a server's holidays) commits first and then
re-plans in transactions of :data:`REPLAN_BATCH` contacts, so the single writer is never held
for long; a student's pass is marked in the database until done (see
:meth:`NudgePlanner.replan_student_in_batches`), so a crash in between is finished later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions.checklist_ticks import preparation_finished
from bot.content import Content
from bot.domain.nudge_kinds import meeting_occurrence
from bot.domain.nudge_plan import (
    ContactState,
    NudgeKind,
    PlannedNudge,
    StudentPrefs,
    plan_contact_nudges,
    plan_digest,
)
from bot.storage.checklist_items import effective_checklist
from bot.storage.checklists import ticked_items
from bot.storage.contacts import (
    ContactRecord,
    colleague_ids,
    count_unrequested_referrals,
    get_contact_by_id,
    replannable_contacts,
)
from bot.storage.database import Database, Source, StorageError, Transaction
from bot.storage.guild_settings import DEFAULT_REPORT_BACK_DAYS as DEFAULT_REPORT_BACK_DAYS
from bot.storage.guild_settings import ServerSettings, server_settings
from bot.storage.locks import lock_student
from bot.storage.nudges import (
    NudgeRow,
    Wanted,
    earliest_pending_digest,
    earliest_pending_for_contact,
    earliest_pending_for_student,
    earliest_pending_in_guild,
    live_rows_of_contacts,
    sync_nudges,
)
from bot.storage.replan_reads import (
    contacts_by_ids,
    replannable_contact_ids,
    ticked_by_contact,
    unrequested_referrals_by_contact,
)
from bot.storage.students import (
    Student,
    clear_replan_pending,
    get_student,
    mark_replan_pending,
    pending_replans,
)

log = logging.getLogger(__name__)

CONTACT_KINDS = tuple(kind.value for kind in NudgeKind if kind is not NudgeKind.DIGEST)
REPLAN_BATCH = 50
"""Contacts re-planned per transaction when a whole server or a student's every contact is
re-planned (each batch holds the writer for a few milliseconds)."""
REPLAN_PAUSE = 1.0
"""After each batch of a student's pass, pause this many times as long as the batch took."""


def student_prefs(student: Student) -> StudentPrefs | None:
    """The planner's view of a student; None until they set a time zone (nothing is planned in
    an assumed zone)."""
    if not student.timezone:
        return None
    return StudentPrefs(
        zone=ZoneInfo(student.timezone),
        quiet_start=student.quiet_start,
        quiet_end=student.quiet_end,
        nudges_enabled=student.nudges_enabled,
        digest_day=student.digest_day,
    )


def contact_state(
    contact: ContactRecord, *, prepare_done: bool, open_referrals: int
) -> ContactState:
    return ContactState(
        stage=contact.stage.value,
        requested_at=contact.requested_at,
        second_contact_on=contact.second_contact_on,
        follow_up_on=contact.follow_up_on,
        followed_up_at=contact.followed_up_at,
        meeting_at=contact.meeting_at,
        met_at=contact.met_at,
        thanked_at=contact.thanked_at,
        reported_back_at=contact.reported_back_at,
        kept_in_touch_at=contact.kept_in_touch_at,
        reply_class=contact.reply_class,
        prepare_done=prepare_done,
        open_referrals=open_referrals,
        nudges_stopped=contact.nudges_stopped,
        replied_at=contact.replied_at,
        replied_on=contact.replied_on,
        meeting_minutes=contact.meeting_minutes,
        referred=contact.referred_by is not None,
        referrer_told_at=contact.referrer_told_at,
        second_person_added=contact.second_person is not None,
    )


def _iso(value: object) -> str:
    return value.isoformat() if value is not None else "-"  # type: ignore[attr-defined]


def occurrence_of(kind: NudgeKind, contact: ContactRecord) -> str:
    """What a contact nudge is about, independent of time zone and quiet hours: the same
    occurrence is never delivered twice, whatever is re-planned later."""
    if kind is NudgeKind.SECOND_CONTACT:
        return _iso(contact.second_contact_on)
    if kind is NudgeKind.FOLLOW_UP:
        return _iso(contact.follow_up_on)
    if kind is NudgeKind.CLOSE_NO_REPLY:
        return _iso(contact.followed_up_at)
    if kind in (NudgeKind.PREPARE, NudgeKind.CONFIRM, NudgeKind.TOP_QUESTIONS):
        return meeting_occurrence(contact.meeting_at)
    if kind in (NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN):
        return _iso(contact.replied_at)
    if kind is NudgeKind.TELL_REFERRER:
        return _iso(contact.requested_at)
    if kind is NudgeKind.KEEP_WARM:
        touches = [
            t
            for t in (
                contact.kept_in_touch_at,
                contact.reported_back_at,
                contact.thanked_at,
                contact.met_at,
            )
            if t is not None
        ]
        return _iso(max(touches) if touches else None)
    return _iso(contact.met_at)  # thank-you (both), referrals, report back


def digest_occurrence(due_at: datetime, zone: ZoneInfo) -> str:
    year, week, _ = due_at.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


class NudgePlanner:
    def __init__(self, db: Database, content: Content, on_due: Callable[[datetime], None]) -> None:
        self.db = db
        self.content = content
        self._on_due = on_due
        self._replanning: dict[tuple[int, int], int] = {}  # students' passes running now

    async def prepare_items(self, tx: Source, guild_id: int) -> frozenset[str]:
        """The ids of the server's visible preparation items (what "prepared" means there)."""
        checklist = await effective_checklist(tx, self.content, guild_id, "prepare")
        return frozenset(item.id for item in checklist.items)

    async def load_state(
        self, tx: Source, contact: ContactRecord, *, prepare_items: frozenset[str] | None = None
    ) -> ContactState:
        if prepare_items is None:
            prepare_items = await self.prepare_items(tx, contact.guild_id)
        ticked = await ticked_items(tx, contact.id, "prepare")
        return contact_state(
            contact,
            prepare_done=prepare_items <= ticked
            or await preparation_finished(tx, self.content, contact, ticked),
            open_referrals=await count_unrequested_referrals(tx, contact.id),
        )

    async def replan_contact(
        self,
        tx: Transaction,
        contact_id: int,
        now: datetime,
        *,
        referrer: bool = True,
        colleagues: bool = True,
    ) -> None:
        """Re-plan one contact, the contact who referred it (whose "contact the referrals"
        nudge depends on how many of its referrals are still only planned), and the other
        contacts at its employer (whose "contact a second person" nudge depends on who else
        is there and when they were added or asked)."""
        contact = await get_contact_by_id(tx, contact_id)
        if contact is None:
            return
        if referrer and contact.referred_by is not None:
            await self.replan_contact(
                tx, contact.referred_by, now, referrer=False, colleagues=False
            )
        if colleagues:
            await self.replan_colleagues(tx, contact.id, now)
        student = await get_student(tx, contact.guild_id, contact.user_id)
        settings = await server_settings(tx, contact.guild_id)
        await self._replan(tx, contact, student, settings, None, now)

    async def replan_colleagues(self, tx: Transaction, contact_id: int, now: datetime) -> None:
        """Re-plan the other contacts at this contact's employer (after it was added there,
        asked, or moved): whether their 3B step is done depends on it."""
        for other in await colleague_ids(tx, contact_id):
            await self.replan_contact(tx, other, now, referrer=False, colleagues=False)

    async def replan_guild(self, guild_id: int, now: datetime) -> int:
        """Re-plan a whole server after staff changed something its plans depend on (holidays,
        report-back days, the preparation checklist). Returns the contacts re-planned.

        Call it after the change has committed. Only contacts that can have reminders are
        re-planned: not planned or closed ones (nothing is planned for those stages), not
        stopped ones, and only of students with a time zone and reminders on. They go in
        batches of :data:`REPLAN_BATCH` a transaction, so students' own actions (which re-plan
        with the new settings already) are never held up for long; each batch reads the
        server's settings afresh."""
        rows = await replannable_contacts(self.db, guild_id)
        count = 0
        for start in range(0, len(rows), REPLAN_BATCH):
            batch = rows[start : start + REPLAN_BATCH]
            async with self.db.transaction() as tx:
                # PostgreSQL: the batch's students' own writes wait for it (in one order, so
                # two batches can't deadlock); SQLite's single writer needs nothing.
                for user_id in sorted({user_id for _, user_id in batch}):
                    await lock_student(tx, guild_id, user_id)
                settings = await server_settings(tx, guild_id)
                prepare_items = await self.prepare_items(tx, guild_id)
                students: dict[int, Student | None] = {}
                for contact_id, user_id in batch:
                    contact = await get_contact_by_id(tx, contact_id)
                    if contact is None:  # deleted since
                        continue
                    if user_id not in students:
                        students[user_id] = await get_student(tx, guild_id, user_id)
                    await self._replan(
                        tx, contact, students[user_id], settings, prepare_items, now, wake=False
                    )
                    count += 1
                self._wake(await earliest_pending_in_guild(tx, guild_id))
        return count

    async def _replan(
        self,
        tx: Transaction,
        contact: ContactRecord,
        student: Student | None,
        settings: ServerSettings,
        prepare_items: frozenset[str] | None,
        now: datetime,
        *,
        wake: bool = True,
    ) -> None:
        prefs = student_prefs(student) if student else None
        planned: list[PlannedNudge] = []
        if prefs is not None:
            state = await self.load_state(tx, contact, prepare_items=prepare_items)
            planned = plan_contact_nudges(
                state,
                prefs,
                now,
                holidays=settings.holidays,
                report_back_days=settings.report_back_days,
            )
        await self._sync(tx, contact, planned, now)
        if wake:
            self._wake(await earliest_pending_for_contact(tx, contact.id))

    async def _sync(
        self,
        tx: Transaction,
        contact: ContactRecord,
        planned: list[PlannedNudge],
        now: datetime,
        *,
        live_rows: list[NudgeRow] | None = None,
    ) -> None:
        await sync_nudges(
            tx,
            guild_id=contact.guild_id,
            user_id=contact.user_id,
            contact_id=contact.id,
            wanted=[
                Wanted(p.kind.value, occurrence_of(p.kind, contact), p.due_at) for p in planned
            ],
            kinds=CONTACT_KINDS,
            now=now,
            live_rows=live_rows,
        )

    async def replan_digest(
        self, tx: Transaction, guild_id: int, user_id: int, now: datetime
    ) -> None:
        student = await get_student(tx, guild_id, user_id)
        prefs = student_prefs(student) if student else None
        wanted: list[Wanted] = []
        if prefs is not None:
            planned = plan_digest(prefs, now)
            if planned is not None:
                occurrence = digest_occurrence(planned.due_at, prefs.zone)
                wanted.append(Wanted(planned.kind.value, occurrence, planned.due_at))
        await sync_nudges(
            tx,
            guild_id=guild_id,
            user_id=user_id,
            contact_id=None,
            wanted=wanted,
            kinds=(NudgeKind.DIGEST.value,),
            now=now,
        )
        self._wake(await earliest_pending_digest(tx, guild_id, user_id))

    async def replan_student(
        self, tx: Transaction, guild_id: int, user_id: int, now: datetime
    ) -> None:
        """Every contact of the student in this server that a settings change can move, and the
        digest, inside ``tx`` (bounded by the open-contacts limit; settings changes use
        :meth:`replan_student_in_batches` instead, to keep each transaction short)."""
        ids = await replannable_contact_ids(tx, guild_id, user_id)
        for start in range(0, len(ids), REPLAN_BATCH):
            await self._replan_batch(tx, guild_id, user_id, ids[start : start + REPLAN_BATCH], now)
        await self.replan_digest(tx, guild_id, user_id, now)

    async def mark_student(
        self, tx: Transaction, guild_id: int, user_id: int, now: datetime
    ) -> int:
        """In the transaction that changes the student's settings: re-plan their digest there
        and then, and note that their contacts need re-planning (returns the mark to hand to
        :meth:`replan_student_in_batches` once the transaction has committed)."""
        await self.replan_digest(tx, guild_id, user_id, now)
        return await mark_replan_pending(tx, guild_id, user_id)

    async def replan_student_in_batches(
        self, guild_id: int, user_id: int, mark: int, now: datetime
    ) -> bool:
        """After a settings change committed: re-plan the student's contacts (those
        :func:`~bot.storage.replan_reads.replannable_contact_ids` names) and digest in
        transactions of :data:`REPLAN_BATCH` contacts, each reading the settings afresh, then
        clear the mark (unless a newer change set it again). Other students' writes go in
        between. Planning is idempotent (an occurrence already delivered is never planned
        again; a moved one is moved, not added), so if the process stops half-way the pass
        is simply run again from the start (:meth:`finish_pending_replans`); until then the
        dispatcher checks quiet hours and "reminders off" itself before each send.

        Returns False (and logs) if a batch could not be saved: the mark stays, and the next
        :meth:`finish_pending_replans` finishes the pass."""
        key = (guild_id, user_id)
        self._replanning[key] = self._replanning.get(key, 0) + 1
        try:
            ids = await replannable_contact_ids(self.db, guild_id, user_id)
            for start in range(0, len(ids), REPLAN_BATCH):
                batch = ids[start : start + REPLAN_BATCH]
                began = time.perf_counter()
                async with self.db.transaction() as tx:
                    await lock_student(tx, guild_id, user_id)
                    await self._replan_batch(tx, guild_id, user_id, batch, now)
                # Leave the event loop to everyone else for as long again: one student's
                # pass never takes more than about half of the bot's time.
                await asyncio.sleep((time.perf_counter() - began) * REPLAN_PAUSE)
            async with self.db.transaction() as tx:
                await lock_student(tx, guild_id, user_id)
                await self.replan_digest(tx, guild_id, user_id, now)
                await clear_replan_pending(tx, guild_id, user_id, mark)
        except StorageError:
            log.warning(
                "re-planning user %s in server %s stopped half-way; it is finished later",
                user_id,
                guild_id,
                exc_info=True,
            )
            return False
        finally:
            self._replanning[key] -= 1
            if not self._replanning[key]:
                del self._replanning[key]
        return True

    async def finish_pending_replans(self, now: datetime) -> int:
        """Run again every student's re-planning pass that was not finished (the process
        stopped, or a batch failed), except those running now. Call at start-up and from the
        dispatcher's sweep. Returns the passes finished."""
        finished = 0
        for guild_id, user_id, mark in await pending_replans(self.db):
            if (guild_id, user_id) in self._replanning:
                continue
            if await self.replan_student_in_batches(guild_id, user_id, mark, now):
                finished += 1
        return finished

    async def _replan_batch(
        self,
        tx: Transaction,
        guild_id: int,
        user_id: int,
        contact_ids: Sequence[int],
        now: datetime,
    ) -> None:
        """Re-plan some of one student's contacts with their settings as ``tx`` sees them, with
        one query per kind of fact for the whole batch."""
        student = await get_student(tx, guild_id, user_id)
        prefs = student_prefs(student) if student else None
        settings = await server_settings(tx, guild_id)
        contacts = [
            c
            for c in await contacts_by_ids(tx, contact_ids)
            if c.guild_id == guild_id and c.user_id == user_id
        ]
        ids = [c.id for c in contacts]
        states: dict[int, ContactState] = {}
        if prefs is not None and prefs.nudges_enabled:
            checklist = await effective_checklist(tx, self.content, guild_id, "prepare")
            prepare_items = frozenset(item.id for item in checklist.items)
            ticked = await ticked_by_contact(tx, ids, "prepare")
            referrals = await unrequested_referrals_by_contact(tx, ids)
            for contact in contacts:
                done = ticked.get(contact.id, set())
                # Whether preparation is finished only matters before a meeting to come.
                prepare_done = (
                    contact.meeting_at is None
                    or contact.meeting_at <= now
                    or prepare_items <= done
                    or await preparation_finished(
                        tx, self.content, contact, done, checklist=checklist
                    )
                )
                states[contact.id] = contact_state(
                    contact, prepare_done=prepare_done, open_referrals=referrals.get(contact.id, 0)
                )
        live = await live_rows_of_contacts(tx, ids, CONTACT_KINDS)
        for contact in contacts:
            state = states.get(contact.id)
            planned: list[PlannedNudge] = []
            if state is not None and prefs is not None:
                planned = plan_contact_nudges(
                    state,
                    prefs,
                    now,
                    holidays=settings.holidays,
                    report_back_days=settings.report_back_days,
                )
            await self._sync(tx, contact, planned, now, live_rows=live[contact.id])
        self._wake(await earliest_pending_for_student(tx, guild_id, user_id))

    def _wake(self, due: datetime | None) -> None:
        """Once the transaction commits, make sure the alarm rings by ``due``."""
        if due is not None:
            self.db.call_after_commit(lambda: self._on_due(due))
