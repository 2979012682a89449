"""What a student should do next with one contact, and by when.

Pure rules from the method (no Discord, no SQL): the 3B7 routine while a request waits, offering
times once they replied, the meeting and its confirmation, a thank-you within 24 hours of the
meeting's end, a report back about two weeks after the meeting, then keeping in touch about
every 120 days (at most about three times a year).

The step's ``text`` is plain text (no markdown): the caller escapes it for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.business_days import HolidayCalendar, business_days_after
from bot.domain.contacts import Stage
from bot.domain.nudge_kinds import KEEP_WARM_DAYS, SCHEDULE_AFTER
from bot.domain.three_b_seven import FOLLOW_UP_AFTER

THANK_YOU_WITHIN = timedelta(hours=24)
REPORT_BACK_AFTER_DAYS = 14
"""Default days from the meeting to the report back (a server may change it later)."""
KEEP_IN_TOUCH_EVERY_DAYS = KEEP_WARM_DAYS
"""Days between keep-in-touch messages: about three a year (the keep-warm nudge's interval)."""
MIN_TOUCH_GAP_DAYS = 90
"""Touches closer together than this are more than "about three times a year"."""
DEFAULT_MEETING_MINUTES = 20


class ContactTimeline(Protocol):
    """What the rules read from a contact; :class:`bot.storage.contacts.ContactRecord` fits."""

    @property
    def person(self) -> str: ...
    @property
    def organization(self) -> str: ...
    @property
    def stage(self) -> Stage: ...
    @property
    def replied_at(self) -> datetime | None: ...
    @property
    def replied_on(self) -> date | None: ...
    @property
    def second_contact_on(self) -> date | None: ...
    @property
    def follow_up_on(self) -> date | None: ...
    @property
    def followed_up_at(self) -> datetime | None: ...
    @property
    def meeting_at(self) -> datetime | None: ...
    @property
    def meeting_minutes(self) -> int | None: ...
    @property
    def met_at(self) -> datetime | None: ...
    @property
    def thanked_at(self) -> datetime | None: ...
    @property
    def reported_back_at(self) -> datetime | None: ...
    @property
    def kept_in_touch_at(self) -> datetime | None: ...
    @property
    def second_person(self) -> str | None:
        """Someone at the same employer added, or asked, after this contact's request went
        out: the 3B step ("contact a second person there") is done."""

    @property
    def asked_before(self) -> str | None:
        """Someone at the same employer asked before this contact: this contact is itself a
        second (or later) person there."""


class Staged(Protocol):
    @property
    def stage(self) -> Stage: ...


S = TypeVar("S", bound=Staged)


def talking_colleague(colleagues: Iterable[S]) -> S | None:
    """The 3B rule for a second (or later) person at an employer: once someone else there has
    replied (and is not closed), no one else is needed there; the next employer is. Returns
    the first such colleague (``colleagues`` are the other contacts at the employer, oldest
    first), else None. The 3B reminder and the digest both follow it."""
    return next(
        (
            c
            for c in colleagues
            if c.stage is not Stage.CLOSED and c.stage.rank >= Stage.REPLIED.rank
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class NextStep:
    """The next thing to do. At most one of ``due_on`` (a local date in the student's zone)
    and ``due_at`` (an instant) is set; ``overdue`` says the due moment has passed."""

    text: str
    due_on: date | None = None
    due_at: datetime | None = None
    overdue: bool = False

    def due_instant(self, zone: ZoneInfo) -> datetime | None:
        """When it is due as an instant (a local date counts from its start), for sorting."""
        if self.due_at is not None:
            return self.due_at
        if self.due_on is not None:
            return datetime.combine(self.due_on, time.min, tzinfo=zone)
        return None


def meeting_end(
    meeting_at: datetime | None, meeting_minutes: int | None, met_at: datetime | None
) -> datetime | None:
    """When the meeting ended: its scheduled start plus its length (default
    :data:`DEFAULT_MEETING_MINUTES`) when the start is known and not after ``met_at`` (when the
    meeting was logged), else ``met_at`` itself (logged with no time scheduled, or before the
    scheduled time). None when neither is known."""
    if meeting_at is not None and (met_at is None or meeting_at <= met_at):
        return meeting_at + timedelta(minutes=meeting_minutes or DEFAULT_MEETING_MINUTES)
    return met_at


def thank_you_deadline(
    meeting_at: datetime | None, meeting_minutes: int | None, met_at: datetime | None
) -> datetime | None:
    """The end of the thank-you window: 24 hours after the meeting ended (None until the
    meeting is logged)."""
    if met_at is None:
        return None
    end = meeting_end(meeting_at, meeting_minutes, met_at)
    assert end is not None
    return end + THANK_YOU_WITHIN


def reply_day(replied_on: date | None, replied_at: datetime | None, zone: ZoneInfo) -> date | None:
    """The local date of the reply: as logged, else the reply's instant read in ``zone``."""
    if replied_on is not None:
        return replied_on
    if replied_at is not None:
        return replied_at.astimezone(zone).date()
    return None


def next_step(
    contact: ContactTimeline,
    now: datetime,
    zone: ZoneInfo,
    *,
    report_back_days: int = REPORT_BACK_AFTER_DAYS,
    holidays: HolidayCalendar = None,
    talking_with: str | None = None,
    questions_ready: bool | None = None,
) -> NextStep | None:
    """The next step for ``contact`` at ``now`` (aware) for a student in ``zone``; None when
    the contact is closed. ``holidays`` is the server's calendar for business-day counts.
    ``talking_with``: someone else at the contact's employer who replied
    (:func:`talking_colleague`), so a later person there needs no one else after them.
    ``questions_ready``: whether a scheduled meeting has questions on its list (None: not
    known), so the step asks only for what is still missing."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(zone).date()
    stage = contact.stage
    if stage is Stage.CLOSED:
        return None
    if stage is Stage.PLANNED:
        return NextStep("Write your request email and send it, then log it with /request sent")
    if stage is Stage.REQUESTED:
        return _while_waiting(contact, today, zone, holidays, talking_with)
    if stage is Stage.REPLIED:
        return _offer_times(contact, today, zone, holidays)
    if stage is Stage.SCHEDULED:
        return _around_the_meeting(contact, now, zone, questions_ready)
    if stage is Stage.MET:
        return _thank_you(contact, now)
    if stage is Stage.THANKED and contact.reported_back_at is None:
        return _report_back(contact, today, zone, report_back_days)
    return _keep_in_touch(contact, today, zone)


def _while_waiting(
    contact: ContactTimeline,
    today: date,
    zone: ZoneInfo,
    holidays: HolidayCalendar,
    talking_with: str | None = None,
) -> NextStep:
    if contact.followed_up_at is not None:
        # The one follow-up went out: 7 more business days, then close and move on.
        close_on = business_days_after(
            contact.followed_up_at.astimezone(zone).date(), FOLLOW_UP_AFTER, holidays
        )
        if today < close_on:
            return NextStep(
                "Wait for a reply to your follow-up; if none by then, close the contact "
                "(/followup close, no reply) and move on",
                due_on=close_on,
            )
        return NextStep(
            "No reply to your follow-up: close the contact (/followup close, no reply) and "
            "move on to the next employer",
            due_on=close_on,
            overdue=today > close_on,
        )
    day3, day7 = contact.second_contact_on, contact.follow_up_on
    if day3 is None or day7 is None:
        return NextStep("Wait for a reply, then log it with /request reply")
    org, person = contact.organization, contact.person
    if contact.second_person is not None:
        # The 3B step is done: someone else at the employer is on the list since.
        if today < day7:
            return NextStep(
                f"Wait for a reply (you have {contact.second_person} at {org} too); if none "
                f"by then, send {person} one short follow-up",
                due_on=day7,
            )
    elif contact.asked_before is not None and talking_with is not None:
        # Someone else there replied: no one else is needed there, the next employer is.
        talking = f"you're already talking with {talking_with} at {org}"
        if today < day3:
            return NextStep(
                f"Wait for a reply ({talking}); if none by then, move on to the next "
                "employer in your top five",
                due_on=day3,
            )
        if today < day7:
            return NextStep(
                f"No reply yet, but {talking}, so no one else is needed there: move on to "
                f"the next employer in your top five; if {person} still hasn't replied by "
                "then, send one short follow-up",
                due_on=day7,
            )
    elif contact.asked_before is not None:
        # Already a second (or later) person there: never "a second person" again.
        if today < day3:
            return NextStep(
                f"Wait for a reply; if none by then, try another person at {org} or the next "
                "employer in your top five",
                due_on=day3,
            )
        if today < day7:
            return NextStep(
                f"No reply yet: try another person at {org}, or move on to the next employer "
                f"in your top five; if {person} still hasn't replied by then, send one short "
                "follow-up",
                due_on=day7,
            )
    else:
        if today < day3:
            return NextStep(
                f"Wait for a reply; if none by then, contact a second person at {org}",
                due_on=day3,
            )
        if today < day7:
            return NextStep(
                f"No reply yet: contact a second person at {org} now; if {person} still hasn't "
                "replied by then, send one short follow-up",
                due_on=day7,
            )
    return NextStep(
        f"Send {contact.person} one short follow-up; if there is still no reply, close the "
        "contact (/followup close, no reply) and move on to the next employer",
        due_on=day7,
        overdue=today > day7,
    )


def _offer_times(
    contact: ContactTimeline, today: date, zone: ZoneInfo, holidays: HolidayCalendar
) -> NextStep:
    text = (
        f"Offer {contact.person} two or three times that suit you (in their time zone too); "
        "once you agree on one, schedule it with /prepare schedule"
    )
    replied = reply_day(contact.replied_on, contact.replied_at, zone)
    if replied is None:
        return NextStep(text)
    due = business_days_after(replied, SCHEDULE_AFTER, holidays)
    return NextStep(text, due_on=due, overdue=today > due)


def _around_the_meeting(
    contact: ContactTimeline, now: datetime, zone: ZoneInfo, questions_ready: bool | None = None
) -> NextStep:
    start = contact.meeting_at
    if start is None:
        return NextStep(f"Schedule the meeting with {contact.person} with /prepare schedule")
    minutes = contact.meeting_minutes or DEFAULT_MEETING_MINUTES
    end = start + timedelta(minutes=minutes)
    if now >= end:
        return NextStep(
            "Log how the meeting went, with your notes and takeaways, with /interview done",
            due_at=end,
            overdue=True,
        )
    if now >= start:
        return NextStep("Your meeting is on now: listen more than you talk", due_at=end)
    meeting_day = start.astimezone(zone).date()
    if now.astimezone(zone).date() >= meeting_day - timedelta(days=1):
        questions = (
            "your questions are ready"
            if questions_ready
            else "have your questions ready (/prepare questions)"
        )
        return NextStep(
            f"Confirm the time and time zone with {contact.person}; {questions}",
            due_at=start,
        )
    if questions_ready:
        return NextStep(
            f"Your questions are ready: finish /prepare checklist and confirm with "
            f"{contact.person} the day before, time zone included",
            due_at=start,
        )
    return NextStep(
        f"Prepare your questions (/prepare questions) and confirm with {contact.person} "
        "the day before, time zone included",
        due_at=start,
    )


def _thank_you(contact: ContactTimeline, now: datetime) -> NextStep:
    text = "Send your thank-you, naming one specific takeaway (/followup thank-you)"
    deadline = thank_you_deadline(contact.meeting_at, contact.meeting_minutes, contact.met_at)
    if deadline is None:
        return NextStep(text)
    if now > deadline:
        return NextStep(
            "Send your thank-you today anyway: a late one beats none (/followup thank-you)",
            due_at=deadline,
            overdue=True,
        )
    return NextStep(text, due_at=deadline)


def _report_back(
    contact: ContactTimeline, today: date, zone: ZoneInfo, report_back_days: int
) -> NextStep:
    text = f"Report back to {contact.person} on what you did with their advice"
    anchor = contact.met_at or contact.thanked_at
    if anchor is None:
        return NextStep(text)
    due = anchor.astimezone(zone).date() + timedelta(days=report_back_days)
    return NextStep(text, due_on=due, overdue=today > due)


def last_touch(contact: ContactTimeline) -> datetime | None:
    """The latest time the student was in touch after the meeting (report back or touch)."""
    touches = [t for t in (contact.kept_in_touch_at, contact.reported_back_at) if t is not None]
    return max(touches) if touches else None


def _keep_in_touch(contact: ContactTimeline, today: date, zone: ZoneInfo) -> NextStep:
    text = f"Keep in touch with {contact.person}: a short update or a useful link"
    anchor = last_touch(contact) or contact.thanked_at or contact.met_at
    if anchor is None:
        return NextStep(text)
    due = anchor.astimezone(zone).date() + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS)
    return NextStep(text, due_on=due, overdue=today > due)


def touch_too_soon(previous: datetime | None, touch: datetime) -> bool:
    """Whether a touch comes less than :data:`MIN_TOUCH_GAP_DAYS` from the previous one."""
    if previous is None:
        return False
    return abs(touch - previous) < timedelta(days=MIN_TOUCH_GAP_DAYS)
