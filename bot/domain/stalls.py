"""Stalled contacts, and what the weekly digest holds.

A contact is *stalled* when the method stops moving unless the student acts, and the reminders
for that step have already gone out. Pure: an explicit aware ``now``, the student's zone and
the server's holiday calendar; nothing here reads Discord or SQL.

==================  ===========================================================================
stall               from (``Z`` = the student's zone, business days skip the server's holidays)
==================  ===========================================================================
no_reply            stage ``requested`` and the 3B7 routine is over: 09:00 Z on the 7th business
                    day after the follow-up, or after day 7 when no follow-up was logged
not_scheduled       stage ``replied`` (no meeting) after both reminders: 09:00 Z on the 3rd
                    business day after the reply's local date (the ``schedule_again`` nudge)
no_thank_you        stage ``met`` with no thank-you, 24 hours after the meeting ended
referrals_waiting   a logged meeting whose referrals are not all contacted (some still only
                    planned): 09:00 Z on the 3rd business day after it (the ``referrals`` nudge)
referrer_not_told   a referral whose request went out, its referrer not told: 09:00 Z on the 1st
                    business day after the request (the ``tell_referrer`` nudge)
==================  ===========================================================================

Closed contacts and contacts the student pressed Stop for never stall. The digest
(:func:`digest_contents`) lists every stall with what to do, then what is overdue and what is
due in the coming week; a stall that *is* the contact's next step (no reply, not scheduled, no
thank-you) is not listed twice. A digest with none of these is empty and is not sent.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.business_days import HolidayCalendar, business_days_after
from bot.domain.contacts import Stage
from bot.domain.next_step import (
    REPORT_BACK_AFTER_DAYS,
    ContactTimeline,
    NextStep,
    next_step,
    reply_day,
    talking_colleague,
    thank_you_deadline,
)
from bot.domain.nudge_kinds import NUDGE_HOUR, SCHEDULE_AGAIN_AFTER, TELL_REFERRER_AFTER
from bot.domain.quiet_hours import wall_clock_instant
from bot.domain.three_b_seven import FOLLOW_UP_AFTER, SECOND_CONTACT_AFTER

STALE_AFTER = timedelta(days=14)
"""A stall this old gets the method's last word instead of the same advice every week: one
short check-in, or close it and move on."""

DIGEST_AHEAD = timedelta(days=7)
"""How far ahead the digest looks for what is due ("this week")."""

REFERRALS_STALL_AFTER = SECOND_CONTACT_AFTER
"""Business days after the meeting before referrals not yet contacted count as stalled (when
the ``referrals`` reminder goes out)."""

NO_REPLY_AFTER = FOLLOW_UP_AFTER
"""Business days after the follow-up (or after day 7, without one) before a request with no
reply counts as stalled."""


class StallKind(StrEnum):
    NO_REPLY = "no_reply"
    NOT_SCHEDULED = "not_scheduled"
    NO_THANK_YOU = "no_thank_you"
    REFERRALS_WAITING = "referrals_waiting"
    REFERRER_NOT_TOLD = "referrer_not_told"


STEP_STALLS: frozenset[StallKind] = frozenset(
    {StallKind.NO_REPLY, StallKind.NOT_SCHEDULED, StallKind.NO_THANK_YOU}
)
"""Stalls that are the contact's own next step: the digest lists them once, as stalled."""


class StallContact(ContactTimeline, Protocol):
    """What the stall rules read of a contact; :class:`bot.storage.contacts.ContactRecord`
    fits."""

    @property
    def id(self) -> int: ...
    @property
    def referred_by(self) -> int | None: ...
    @property
    def nudges_stopped(self) -> bool: ...
    @property
    def requested_at(self) -> datetime | None: ...
    @property
    def referrer_told_at(self) -> datetime | None: ...
    @property
    def employer_id(self) -> int | None: ...


C = TypeVar("C", bound=StallContact)


@dataclass(frozen=True, slots=True)
class Stall(Generic[C]):
    """One stalled contact: what stalled, since when (aware), and who else it is about: the
    referrals still to contact (``referrals_waiting``, oldest first) or the referrer
    (``referrer_not_told``, absent if they are not among the contacts). ``stale``: stalled
    for :data:`STALE_AFTER` or more."""

    kind: StallKind
    contact: C
    since: datetime
    others: tuple[C, ...] = ()
    stale: bool = False


@dataclass(frozen=True, slots=True)
class DigestLine(Generic[C]):
    """A contact's next step that is overdue or due soon, and its due moment."""

    contact: C
    step: NextStep
    due: datetime


@dataclass(frozen=True, slots=True)
class DigestContents(Generic[C]):
    stalled: tuple[Stall[C], ...]
    """Oldest stall first."""
    overdue: tuple[DigestLine[C], ...]
    """Soonest due first."""
    upcoming: tuple[DigestLine[C], ...]
    """Due within :data:`DIGEST_AHEAD`, soonest first."""

    @property
    def empty(self) -> bool:
        """Nothing stalled, overdue or due: the digest is not sent."""
        return not (self.stalled or self.overdue or self.upcoming)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _at_nine(day: date, zone: ZoneInfo) -> datetime:
    return wall_clock_instant(day, NUDGE_HOUR, zone)


def _local(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def no_reply_since(
    contact: StallContact, zone: ZoneInfo, holidays: HolidayCalendar = None
) -> datetime | None:
    """When a request still waiting for a reply counts as stalled (the 3B7 routine is over);
    None when it cannot (not requested, no 3B7 dates)."""
    if contact.stage is not Stage.REQUESTED:
        return None
    if contact.followed_up_at is not None:
        start = _local(contact.followed_up_at, zone)
    elif contact.follow_up_on is not None:
        start = contact.follow_up_on
    else:
        return None
    return _at_nine(business_days_after(start, NO_REPLY_AFTER, holidays), zone)


def not_scheduled_since(
    contact: StallContact, zone: ZoneInfo, holidays: HolidayCalendar = None
) -> datetime | None:
    """When a contact who replied, with no meeting set, counts as stalled (after the second
    reminder to offer times); None unless it is at ``replied``."""
    if contact.stage is not Stage.REPLIED:
        return None
    replied = reply_day(contact.replied_on, contact.replied_at, zone)
    if replied is None:
        return None
    return _at_nine(business_days_after(replied, SCHEDULE_AGAIN_AFTER, holidays), zone)


def no_thank_you_since(contact: StallContact) -> datetime | None:
    """When a meeting with no thank-you counts as stalled: the 24 hours after it ended have
    passed. None unless it is at ``met``."""
    if contact.stage is not Stage.MET or contact.thanked_at is not None:
        return None
    return thank_you_deadline(contact.meeting_at, contact.meeting_minutes, contact.met_at)


def referrals_since(
    contact: StallContact, zone: ZoneInfo, holidays: HolidayCalendar = None
) -> datetime | None:
    """When referrals from this meeting that are not yet contacted count as stalled; None
    until the meeting is logged."""
    if contact.met_at is None:
        return None
    met_on = _local(contact.met_at, zone)
    return _at_nine(business_days_after(met_on, REFERRALS_STALL_AFTER, holidays), zone)


def referrer_not_told_since(
    contact: StallContact, zone: ZoneInfo, holidays: HolidayCalendar = None
) -> datetime | None:
    """When a referral whose request went out, with its referrer not told, counts as
    stalled; None when it is not a referral, was not requested, or the referrer was told."""
    if (
        contact.referred_by is None
        or contact.requested_at is None
        or contact.referrer_told_at is not None
        or contact.stage is Stage.PLANNED
    ):
        return None
    sent_on = _local(contact.requested_at, zone)
    return _at_nine(business_days_after(sent_on, TELL_REFERRER_AFTER, holidays), zone)


def find_stalls(
    contacts: Sequence[C],
    now: datetime,
    zone: ZoneInfo,
    holidays: HolidayCalendar = None,
) -> list[Stall[C]]:
    """Every stall among one student's ``contacts`` at ``now`` (see the module docstring),
    oldest first (ties in the order of ``contacts``). Referrals and referrers are looked up
    among ``contacts``."""
    _require_aware(now)
    by_id = {contact.id: contact for contact in contacts}
    waiting: dict[int, list[C]] = {}
    for contact in contacts:
        if contact.referred_by is not None and contact.stage is Stage.PLANNED:
            waiting.setdefault(contact.referred_by, []).append(contact)
    found: list[Stall[C]] = []

    def add(
        kind: StallKind, contact: C, since: datetime | None, others: tuple[C, ...] = ()
    ) -> None:
        if since is not None and now >= since:
            found.append(Stall(kind, contact, since, others, stale=now - since >= STALE_AFTER))

    for contact in contacts:
        if contact.stage is Stage.CLOSED or contact.nudges_stopped:
            continue
        add(StallKind.NO_REPLY, contact, no_reply_since(contact, zone, holidays))
        add(StallKind.NOT_SCHEDULED, contact, not_scheduled_since(contact, zone, holidays))
        add(StallKind.NO_THANK_YOU, contact, no_thank_you_since(contact))
        referrals = sorted(waiting.get(contact.id, ()), key=lambda c: c.id)
        if referrals:
            since = referrals_since(contact, zone, holidays)
            add(StallKind.REFERRALS_WAITING, contact, since, tuple(referrals))
        referrer = by_id.get(contact.referred_by) if contact.referred_by is not None else None
        add(
            StallKind.REFERRER_NOT_TOLD,
            contact,
            referrer_not_told_since(contact, zone, holidays),
            (referrer,) if referrer is not None else (),
        )
    return sorted(found, key=lambda stall: stall.since)  # stable: ties keep their order


def talking_colleagues(contacts: Sequence[C]) -> dict[int, C]:
    """For each later person at an employer (``asked_before``), the colleague there who has
    replied (:func:`talking_colleague`, colleagues read oldest first), by contact id: the 3B
    rule the digest and ``/progress`` word their step by, as the 3B reminder does."""
    at_employer: dict[int, list[C]] = {}
    for contact in sorted(contacts, key=lambda c: c.id):
        if contact.employer_id is not None:
            at_employer.setdefault(contact.employer_id, []).append(contact)
    found: dict[int, C] = {}
    for contact in contacts:
        if contact.asked_before is None or contact.employer_id is None:
            continue
        others = (c for c in at_employer[contact.employer_id] if c.id != contact.id)
        talking = talking_colleague(others)
        if talking is not None:
            found[contact.id] = talking
    return found


def digest_contents(
    contacts: Sequence[C],
    now: datetime,
    zone: ZoneInfo,
    *,
    holidays: HolidayCalendar = None,
    report_back_days: int = REPORT_BACK_AFTER_DAYS,
    reminded: Container[int] = (),
    question_counts: Mapping[int, int] | None = None,
) -> DigestContents[C]:
    """What the weekly digest says at ``now``: every stall, then each other contact's next
    step if it is overdue or due within :data:`DIGEST_AHEAD`. Contacts the student pressed
    Stop for are left out, and so are those in ``reminded`` (ids of contacts whose own
    reminder goes out with this digest: it says the same, or more). A later person at an
    employer where someone else replied is told to move on (:func:`talking_colleague`), as
    their 3B reminder says. ``question_counts`` (contact id → questions on its list) lets a
    coming meeting's line leave out what is done."""
    _require_aware(now)
    stalled = [
        s for s in find_stalls(contacts, now, zone, holidays) if s.contact.id not in reminded
    ]
    listed = {id(stall.contact) for stall in stalled if stall.kind in STEP_STALLS}
    talking_at = talking_colleagues(contacts)
    horizon = now + DIGEST_AHEAD
    overdue: list[tuple[datetime, int, DigestLine[C]]] = []
    upcoming: list[tuple[datetime, int, DigestLine[C]]] = []
    for n, contact in enumerate(contacts):
        if contact.nudges_stopped or id(contact) in listed or contact.id in reminded:
            continue
        talking = talking_at.get(contact.id)
        step = next_step(
            contact,
            now,
            zone,
            report_back_days=report_back_days,
            holidays=holidays,
            talking_with=talking.person if talking is not None else None,
            questions_ready=(
                None if question_counts is None else question_counts.get(contact.id, 0) > 0
            ),
        )
        due = step.due_instant(zone) if step is not None else None
        if step is None or due is None:
            continue
        line = DigestLine(contact, step, due)
        if step.overdue:
            overdue.append((due, n, line))
        elif due <= horizon:
            upcoming.append((due, n, line))
    return DigestContents(
        stalled=tuple(stalled),
        overdue=tuple(line for _, _, line in sorted(overdue, key=lambda t: t[:2])),
        upcoming=tuple(line for _, _, line in sorted(upcoming, key=lambda t: t[:2])),
    )
