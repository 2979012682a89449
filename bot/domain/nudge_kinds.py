"""What nudge planning works with: the kinds of nudge, what it needs to know about a contact and
a student, and what it produces. The rules live in :mod:`bot.domain.nudge_plan`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo


class NudgeKind(StrEnum):
    """One row of the product's nudge table (the value is what the nudges table stores)."""

    SECOND_CONTACT = "second_contact"
    """Request sent, no reply: +3 business days → contact a second person at the employer.
    Not planned once someone else there was added, or asked, after this request went out
    (:attr:`ContactState.second_person_added`); for a contact who is itself a second person
    there, the reminder suggests the next person there or the next employer instead."""
    FOLLOW_UP = "follow_up"
    """Still no reply: +7 business days → send one follow-up to the first contact."""
    CLOSE_NO_REPLY = "close_no_reply"
    """Follow-up sent, no reply: +7 business days more → close as no reply, move on."""
    PREPARE = "prepare"
    """Meeting scheduled, preparation checklist unfinished: 3 days before."""
    CONFIRM = "confirm"
    """Meeting scheduled: 1 day before → confirm the time and time zone."""
    TOP_QUESTIONS = "top_questions"
    """Meeting scheduled: 1 hour before → your top questions."""
    THANK_YOU = "thank_you"
    """Meeting logged, no thank-you: about 3 hours after the meeting ended (the next morning
    if that is in quiet hours), always inside the 24 hours."""
    THANK_YOU_AGAIN = "thank_you_again"
    """Meeting logged, still no thank-you: a last call about 20 hours after the meeting ended,
    before the 24 hours pass."""
    REFERRALS = "referrals"
    """Referrals listed and not yet contacted: +3 business days after the meeting."""
    SCHEDULE = "schedule"
    """Replied, no meeting scheduled: +1 business day after the reply → offer two or three
    times."""
    SCHEDULE_AGAIN = "schedule_again"
    """Replied, still no meeting: +3 business days after the reply; then stalled in the
    digest."""
    TELL_REFERRER = "tell_referrer"
    """A referral's request was logged, the referrer not told: +1 business day after the
    request → let them know you reached out."""
    REPORT_BACK = "report_back"
    """Meeting logged: +report_back_days (default 14) days → report back on what you did."""
    KEEP_WARM = "keep_warm"
    """Last touch with a booster: about every 120 days."""
    DIGEST = "digest"
    """Weekly on the student's digest day, 09:00 local: what is due and overdue."""


class NudgeStatus(StrEnum):
    """Where a nudge row is in its life (the value is what the nudges table stores).

    pending → sending → sent; or cancelled (no longer wanted), skipped (it made no sense any
    more by the time it could go out), undeliverable (the student's DMs are closed)."""

    PENDING = "pending"
    """Planned; goes out at ``due_at``."""
    SENDING = "sending"
    """Claimed by the dispatcher: the DM may be on its way."""
    SENT = "sent"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    UNDELIVERABLE = "undeliverable"


LIVE_STATUSES: frozenset[NudgeStatus] = frozenset({NudgeStatus.PENDING, NudgeStatus.SENDING})
"""At most one row per (contact, kind), or per student for the digest, is in these."""

ENDED_WITHOUT_SENDING: frozenset[NudgeStatus] = frozenset(
    {NudgeStatus.CANCELLED, NudgeStatus.SKIPPED, NudgeStatus.UNDELIVERABLE}
)
"""How the dispatcher may end a claimed nudge without sending it."""

NUDGE_LABELS: dict[NudgeKind, str] = {
    NudgeKind.SECOND_CONTACT: "contact a second person",
    NudgeKind.FOLLOW_UP: "send one follow-up",
    NudgeKind.CLOSE_NO_REPLY: "move on if still no reply",
    NudgeKind.PREPARE: "finish preparing",
    NudgeKind.CONFIRM: "confirm the meeting",
    NudgeKind.TOP_QUESTIONS: "your top questions",
    NudgeKind.THANK_YOU: "send the thank-you",
    NudgeKind.THANK_YOU_AGAIN: "last call for the thank-you",
    NudgeKind.REFERRALS: "contact the referrals",
    NudgeKind.SCHEDULE: "offer times to meet",
    NudgeKind.SCHEDULE_AGAIN: "offer times to meet",
    NudgeKind.TELL_REFERRER: "tell the person who referred you",
    NudgeKind.REPORT_BACK: "report back",
    NudgeKind.KEEP_WARM: "keep in touch",
    NudgeKind.DIGEST: "weekly digest",
}
"""A few words on what each kind of reminder is about (how /progress names the next one)."""


MEETING_KINDS: frozenset[NudgeKind] = frozenset(
    {NudgeKind.PREPARE, NudgeKind.CONFIRM, NudgeKind.TOP_QUESTIONS}
)
"""Meeting reminders: stale once the meeting has started (or was moved or removed)."""

CONTACT_KINDS: frozenset[NudgeKind] = frozenset(set(NudgeKind) - {NudgeKind.DIGEST})
"""Every kind planned per contact (all but the digest), for syncing a contact's rows."""

NUDGE_HOUR = time(9, 0)
"""Day-based nudges (business days, report back, keep warm, digest) fire at 09:00 local."""

KEEP_WARM_DAYS = 120
"""Calendar days from the last touch with a booster to the keep-warm nudge (~3 times a year)."""

SCHEDULE_AFTER = 1
"""Business days after the reply's local date: offer times to meet (the ``schedule`` nudge)."""
SCHEDULE_AGAIN_AFTER = 3
"""Business days after the reply's local date: still no meeting (``schedule_again``); past
it, a replied contact is stalled."""
TELL_REFERRER_AFTER = 1
"""Business days after a referral's request went out: tell the referrer (``tell_referrer``)."""


@dataclass(frozen=True)
class ContactState:
    """What planning needs about one contact; the caller maps the database row to it.

    Instants are aware (any zone; UTC from storage). ``second_contact_on`` and
    ``follow_up_on`` are the local 3B7 dates computed when the request was logged
    (:func:`bot.domain.three_b_seven.outreach_dates`); planning uses them as they are.
    """

    stage: str
    """A :class:`bot.domain.contacts.Stage` value."""
    requested_at: datetime | None
    second_contact_on: date | None
    follow_up_on: date | None
    followed_up_at: datetime | None
    """When the student logged the one follow-up."""
    meeting_at: datetime | None
    met_at: datetime | None
    thanked_at: datetime | None
    reported_back_at: datetime | None
    kept_in_touch_at: datetime | None
    reply_class: str | None
    """``"booster"``, ``"obligate"``, ``"curmudgeon"`` or None."""
    prepare_done: bool
    """Every item of the preparation checklist is ticked."""
    open_referrals: int
    """Referrals of this contact still at stage ``planned``."""
    nudges_stopped: bool
    """The student pressed Stop for this contact."""
    replied_at: datetime | None = None
    replied_on: date | None = None
    """The local date of the reply in the student's zone when it was logged."""
    meeting_minutes: int | None = None
    """The meeting's length as scheduled (None: the default length)."""
    referred: bool = False
    """Someone the student met suggested this contact (it has a referrer to tell)."""
    referrer_told_at: datetime | None = None
    """When the student told the referrer that they reached out to this contact."""
    second_person_added: bool = False
    """Another contact at the same employer was added after this contact's request went out,
    or asked at the same time or later (closed ones too): the 3B step is done, so no
    ``second_contact`` nudge (see :func:`bot.storage.contacts.derived_columns`)."""


@dataclass(frozen=True)
class StudentPrefs:
    """The student's nudge settings. Quiet hours are local wall-clock ``[quiet_start,
    quiet_end)``, possibly crossing midnight; equal times mean no quiet hours."""

    zone: ZoneInfo
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    nudges_enabled: bool = True
    digest_day: int | None = 0
    """0 = Monday … 6 = Sunday; None = no digest."""


@dataclass(frozen=True)
class PlannedNudge:
    """One nudge occurrence the planner wants.

    ``planned_for`` (aware UTC) identifies the occurrence: the rule's own time before quiet
    hours or lateness are applied (e.g. 09:00 local on the 3rd business day, the meeting minus
    one local day). It depends only on the contact's data and the student's zone, never on
    ``now``, so re-planning the same occurrence gives the same value, and the nudges table can
    refuse to send an occurrence twice.

    ``due_at`` (aware UTC) is when it may go out: ``planned_for`` moved past quiet hours, and
    for meeting reminders possibly pulled earlier or brought forward to ``now``:

    * non-meeting kinds: ``due_at`` may be **before** ``now``. Planning never drops a nudge
      because its time has passed (downtime, a date logged late); the dispatcher delivers an
      overdue one as soon as it can and says it is late.
    * meeting reminders (:data:`MEETING_KINDS`): ``due_at`` is never before ``now``. One whose
      time has passed but whose meeting is still far enough away is due ``now``; one that would
      no longer be useful is not planned at all.
    """

    kind: NudgeKind
    due_at: datetime
    planned_for: datetime


def meeting_occurrence(meeting_at: datetime | None) -> str:
    """What the meeting reminders (prepare, confirm, top questions) are about: the meeting's
    time, so a rescheduled meeting gets reminders of its own. The nudges table stores it, and
    the "confirm the day before" tick looks for a Confirmed press on this occurrence."""
    return meeting_at.isoformat() if meeting_at is not None else "-"
