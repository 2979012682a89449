"""What the dispatcher reads to deliver one nudge: the student (settings, DM channel, whether
they are reachable and still in the server), the server settings the texts depend on, and the
contact the nudge is about with its questions, the person who referred it and the people it
referred (or, for the digest, all the student's contacts), in one query. Names are read here,
at delivery, so a reminder always says them as they are now."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.domain.business_days import HolidayCalendar
from bot.domain.contacts import Stage
from bot.holiday_calendars import holiday_calendar
from bot.storage.contacts import CONTACT_COLUMNS, ContactRecord, derived_columns
from bot.storage.contacts import contact_from_row as contact_record
from bot.storage.database import Source, Transaction, query_all
from bot.storage.engine import POSTGRES, SQLITE, engine_of
from bot.storage.guild_settings import DEFAULT_MEETING_MINUTES, DEFAULT_REPORT_BACK_DAYS
from bot.storage.membership import MembershipRecord
from bot.storage.students import Student, student_from_row
from bot.storage.timestamps import from_db


@dataclass(frozen=True, slots=True)
class ContactName:
    """Who another contact is (a referrer, a referral) and where they are in the method."""

    id: int
    person: str
    organization: str
    stage: Stage


@dataclass(frozen=True, slots=True)
class ReminderQuestion:
    """One of the contact's questions as a reminder shows it."""

    text: str
    starred: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    student: Student
    membership: MembershipRecord
    report_back_days: int
    """The server's report-back delay (the report-back nudge and the digest say it)."""
    contacts: tuple[ContactRecord, ...]
    """A contact nudge: its contact (none when it was deleted). The digest: every contact of
    the student in that server, most recently active first."""
    questions: tuple[ReminderQuestion, ...] = ()
    """The contact's questions, the starred ones first, then in the student's order (only
    when asked for)."""
    meeting_minutes: int = DEFAULT_MEETING_MINUTES
    """The server's usual meeting length (what to ask for when offering times)."""
    holiday_country: str | None = None
    """The server's public-holiday calendar (None: weekends only)."""
    referrer: ContactName | None = None
    """A contact nudge: who referred its contact, if anyone (and they still exist)."""
    referrals: tuple[ContactName, ...] = ()
    """A contact nudge: the people its contact suggested, oldest first (only when asked for)."""
    question_counts: Mapping[int, int] = field(default_factory=dict)
    """The digest: how many questions each contact has (contact id → count)."""

    @property
    def contact(self) -> ContactRecord | None:
        return self.contacts[0] if self.contacts else None

    @property
    def holidays(self) -> HolidayCalendar:
        return holiday_calendar(self.holiday_country)


_C = "c_"  # prefix of the contact's columns in the joined row
_CONTACT_SELECT = ", ".join(
    [f"c.{name} AS {_C}{name}" for name in CONTACT_COLUMNS.split(", ")] + [derived_columns("c", _C)]
)
_SELECT = (
    "SELECT s.timezone, s.quiet_start, s.quiet_end, s.nudges_enabled, s.digest_day,"
    " s.dm_channel_id, s.unreachable_at, s.unreachable_told_at, s.share_with_staff,"
    " s.departed_at, s.membership_checked_at,"
    " coalesce(g.report_back_days, :default_days) AS report_back_days,"
    " coalesce(g.meeting_minutes, :default_minutes) AS server_minutes,"
    " g.holiday_country,"
    f" {_CONTACT_SELECT}"
)
_FROM = " FROM students s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id"
_JSON_ROWS = {
    # A JSON array with one array per row (TEXT on both engines; no rows: '[]' or NULL).
    SQLITE: "json_group_array(json_array({}))",
    POSTGRES: "CAST(json_agg(json_build_array({})) AS text)",
}


def _for_contact(engine: str) -> str:
    rows = _JSON_ROWS[engine]
    questions = rows.format(
        "CASE WHEN q.starred_at IS NULL THEN 1 ELSE 0 END, q.position, q.id, q.text"
    )
    referrals = rows.format("x.id, x.person, x.organization, x.stage")
    return (
        f"{_SELECT},"
        f" CASE WHEN :with_questions = 1 AND c.id IS NOT NULL THEN (SELECT {questions}"
        " FROM contact_questions q WHERE q.contact_id = c.id) END AS questions,"
        " r.id AS r_id, r.person AS r_person, r.organization AS r_organization,"
        " r.stage AS r_stage,"
        f" CASE WHEN :with_referrals = 1 AND c.id IS NOT NULL THEN (SELECT {referrals}"
        " FROM contacts x"
        " WHERE x.referred_by = c.id AND x.guild_id = s.guild_id AND x.user_id = s.user_id)"
        " END AS referrals"
        f"{_FROM} LEFT JOIN contacts c ON c.id = :contact_id"
        " AND c.guild_id = s.guild_id AND c.user_id = s.user_id"
        " LEFT JOIN contacts r ON r.id = c.referred_by"
        " AND r.guild_id = s.guild_id AND r.user_id = s.user_id"
        " WHERE s.guild_id = :guild_id AND s.user_id = :user_id"
    )


_FOR_CONTACT = {engine: _for_contact(engine) for engine in _JSON_ROWS}
_FOR_DIGEST = (
    f"{_SELECT}, (SELECT count(*) FROM contact_questions q WHERE q.contact_id = c.id)"
    f" AS question_count{_FROM}"
    " LEFT JOIN contacts c ON c.guild_id = s.guild_id AND c.user_id = s.user_id"
    " WHERE s.guild_id = :guild_id AND s.user_id = :user_id"
    " ORDER BY c.updated_at DESC, c.id DESC"
)


class _ContactColumns:
    """The contact's columns of a joined row under their own names (all that
    :func:`bot.storage.contacts.contact_from_row` asks of a row)."""

    def __init__(self, row: aiosqlite.Row) -> None:
        self._row = row

    def __getitem__(self, key: str) -> Any:
        return self._row[_C + key]


def _questions(value: str | None) -> tuple[ReminderQuestion, ...]:
    """Starred first (``starred_at IS NULL`` is 0 for them), then by position."""
    if not value:
        return ()
    return tuple(
        ReminderQuestion(text, starred=not unstarred)
        for unstarred, _, _, text in sorted(json.loads(value))
    )


def _referrals(value: str | None) -> tuple[ContactName, ...]:
    if not value:
        return ()
    return tuple(
        ContactName(id_, person, organization, Stage(stage))
        for id_, person, organization, stage in sorted(json.loads(value))
    )


def _referrer(row: aiosqlite.Row) -> ContactName | None:
    if row["r_id"] is None:
        return None
    return ContactName(row["r_id"], row["r_person"], row["r_organization"], Stage(row["r_stage"]))


async def delivery_context(
    source: Source,
    guild_id: int,
    user_id: int,
    contact_id: int | None,
    *,
    with_questions: bool = False,
    with_referrals: bool = False,
) -> DeliveryContext | None:
    """Everything needed to deliver a nudge to the student, in one query: about the contact
    ``contact_id`` (only if it is theirs) with who referred it, or, when None, the digest
    (all their contacts). ``with_questions`` adds the contact's questions, ``with_referrals``
    the people it suggested. None when the student has no row (their data was deleted)."""
    params = {
        "guild_id": guild_id,
        "user_id": user_id,
        "contact_id": contact_id,
        "default_days": DEFAULT_REPORT_BACK_DAYS,
        "default_minutes": DEFAULT_MEETING_MINUTES,
        "with_questions": int(with_questions),
        "with_referrals": int(with_referrals),
    }
    digest = contact_id is None
    if digest:
        del params["contact_id"], params["with_questions"], params["with_referrals"]
    sql = _FOR_DIGEST if digest else _FOR_CONTACT[engine_of(source)]
    rows = await query_all(source, sql, params)
    if not rows:
        return None
    first = rows[0]
    return DeliveryContext(
        student=student_from_row(first, guild_id=guild_id, user_id=user_id),
        membership=MembershipRecord(
            from_db(first["departed_at"]), from_db(first["membership_checked_at"])
        ),
        report_back_days=first["report_back_days"],
        contacts=tuple(
            contact_record(_ContactColumns(row))  # type: ignore[arg-type]
            for row in rows
            if row[f"{_C}id"] is not None
        ),
        questions=() if digest else _questions(first["questions"]),
        meeting_minutes=first["server_minutes"],
        holiday_country=first["holiday_country"],
        referrer=None if digest else _referrer(first),
        referrals=() if digest else _referrals(first["referrals"]),
        question_counts={
            row[f"{_C}id"]: int(row["question_count"])
            for row in rows
            if digest and row[f"{_C}id"] is not None
        },
    )


async def forget_dm_channel(tx: Transaction, user_id: int) -> None:
    """Discord says the stored DM channel no longer exists: open a new one next time."""
    await tx.execute("UPDATE students SET dm_channel_id = NULL WHERE user_id = ?", (user_id,))
