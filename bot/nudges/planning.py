"""Keeps a contact's (or a student's digest) nudge rows in step with the pure planner.

Called inside the same transaction as the action that changed the contact, so a crash can never
leave a logged action without its re-planned nudges (or the reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.content import Content
from bot.domain.nudge_plan import (
    ContactState,
    NudgeKind,
    PlannedNudge,
    StudentPrefs,
    plan_contact_nudges,
    plan_digest,
)
from bot.storage.contacts import ContactRecord, get_contact_by_id
from bot.storage.database import Database, Source, query_all, query_one
from bot.storage.nudges import Wanted, sync_nudges
from bot.storage.students import Student, get_student
from bot.storage.timestamps import from_db

CONTACT_KINDS = tuple(kind.value for kind in NudgeKind if kind is not NudgeKind.DIGEST)
DEFAULT_REPORT_BACK_DAYS = 14


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
        return _iso(contact.meeting_at)
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

    async def load_state(self, tx: Source, contact: ContactRecord) -> ContactState:
        ticked = await query_all(
            tx,
            "SELECT item_id FROM checklist_ticks WHERE contact_id = ? AND phase = 'prepare'",
            (contact.id,),
        )
        items = {item.id for item in self.content.checklists["prepare"].items}
        row = await query_one(
            tx,
            "SELECT count(*) FROM contacts WHERE referred_by = ? AND stage = 'planned'",
            (contact.id,),
        )
        return contact_state(
            contact,
            prepare_done=items <= {r[0] for r in ticked},
            open_referrals=int(row[0]) if row else 0,
        )

    async def replan_contact(
        self, tx: aiosqlite.Connection, contact_id: int, now: datetime, *, referrer: bool = True
    ) -> None:
        """Re-plan one contact, and the contact who referred it (whose "contact the referrals"
        nudge depends on how many of its referrals are still only planned)."""
        contact = await get_contact_by_id(tx, contact_id)
        if contact is None:
            return
        if referrer and contact.referred_by is not None:
            await self.replan_contact(tx, contact.referred_by, now, referrer=False)
        student = await get_student(tx, contact.guild_id, contact.user_id)
        prefs = student_prefs(student) if student else None
        planned: list[PlannedNudge] = []
        if prefs is not None:
            state = await self.load_state(tx, contact)
            planned = plan_contact_nudges(
                state, prefs, now, report_back_days=DEFAULT_REPORT_BACK_DAYS
            )
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
        )
        await self._wake_for(tx, "contact_id = ?", (contact.id,))

    async def replan_digest(
        self, tx: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime
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
        await self._wake_for(
            tx, "contact_id IS NULL AND guild_id = ? AND user_id = ?", (guild_id, user_id)
        )

    async def replan_student(
        self, tx: aiosqlite.Connection, guild_id: int, user_id: int, now: datetime
    ) -> None:
        """After a settings change: every contact of the student in this server, and the digest."""
        rows = await query_all(
            tx, "SELECT id FROM contacts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        for row in rows:
            await self.replan_contact(tx, row[0], now)
        await self.replan_digest(tx, guild_id, user_id, now)

    async def _wake_for(self, tx: aiosqlite.Connection, where: str, params: tuple) -> None:
        row = await query_one(
            tx,
            f"SELECT min(due_at) FROM nudges WHERE {where} AND status = 'pending'",
            params,
        )
        due = from_db(row[0]) if row and row[0] else None
        if due is not None:
            self.db.call_after_commit(lambda: self._on_due(due))
