"""``/followup draft`` (and ``/followup thank-you``): a draft the student copies, edits lightly
and sends themselves: the thank-you, the 7B follow-up, the referral introduction, the
report-back or the keep-in-touch note.

Showing a draft changes nothing but the event log: ``thank_you_outlined`` for the thank-you (as
before), ``draft_shown`` with the kind for the others.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, student_transaction
from bot.actions.contacts import owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import CLOSED
from bot.domain.contacts import Stage
from bot.domain.drafts import DraftFacts, DraftKind, compose, meeting_day_for
from bot.domain.email_check import RuleVerdict, check_email, count_words
from bot.domain.next_step import KEEP_IN_TOUCH_EVERY_DAYS, last_touch, thank_you_deadline
from bot.domain.thank_you import first_takeaway
from bot.errors import UserError
from bot.storage import contacts as contact_rows
from bot.storage.contacts import ContactRecord
from bot.storage.guild_settings import server_settings
from bot.storage.interview_notes import get_notes
from bot.storage.students import get_student

REFERRER_GONE = "The contact who referred them no longer exists, so I can't name them."


@dataclass(frozen=True, slots=True)
class DraftShown:
    contact: ContactRecord
    kind: DraftKind
    text: str
    notes: str | None
    """The student's takeaway notes as written (thank-you and report-back), to show beside the
    draft; never pasted into it."""
    with_takeaway: bool
    """The draft quotes a takeaway in its [in your own words: …] prompt."""
    referrer: ContactRecord | None
    """Who suggested this contact, if someone did."""
    send_on: date | None
    """When to send it: the 7B follow-up's day, around when to report back, or the next
    keep-in-touch; None when there is no such day (thank-you: see ``deadline``)."""
    deadline: datetime | None
    """The thank-you's: 24 hours after the meeting ended."""
    deadline_passed: bool
    today: date
    """The student's today (their zone, else the meeting's, else UTC)."""
    done_on: date | None
    """The day this step was already logged (thanked, followed up, request sent to the
    referral, reported back, last kept in touch), if it was."""
    words: int | None = None
    """How many words an outreach draft has, as the email checker counts them."""
    word_limit: int | None = None
    """The server's email word limit the outreach drafts were checked against."""
    verdicts: tuple[RuleVerdict, ...] = ()
    """The email checker's verdicts for an outreach draft (the 7B follow-up, the referral
    introduction); empty for the others."""


def _was_met(contact: ContactRecord) -> bool:
    return contact.met_at is not None or contact.stage.rank >= Stage.MET.rank


def check_draft(contact: ContactRecord, kind: DraftKind) -> None:
    """Whether this kind of draft fits the contact now; a refusal names what to do first."""
    if contact.stage is Stage.CLOSED:
        raise UserError(CLOSED)
    person = contact.person
    if kind in (DraftKind.THANK_YOU, DraftKind.REPORT_BACK, DraftKind.KEEP_IN_TOUCH):
        if not _was_met(contact):
            raise UserError(
                f"The {kind.label} is for after you meet, and no meeting with {person} is "
                "logged yet. Once you have talked, log it with `/interview done`, then ask "
                "for the draft again."
            )
    elif kind is DraftKind.FOLLOW_UP_7B:
        if contact.stage.rank > Stage.REQUESTED.rank:
            raise UserError(
                f"{person} already replied (this contact is at “{contact.stage.label}”): no "
                "follow-up needed. See what's next with `/progress`."
            )
        if contact.followed_up_at is not None:
            raise UserError(
                f"You already logged your follow-up to {person}: the method sends just one. "
                "If they answer, log it with `/request reply`; if 7 more business days pass "
                "without a reply, close it with `/followup close` and move on."
            )
        if contact.requested_at is None:
            raise UserError(
                f"The 7B follow-up goes out 7 business days after your first email to {person} "
                "if they haven't replied. Send your request and log it with `/request sent` "
                "first."
            )
    elif contact.referred_by is None:
        raise UserError(
            f"Nobody referred you to {person} (as far as I know), so there is no one to name in "
            "an introduction. Referrals are the people you list when you log a meeting with "
            "`/interview done`; for a first email of your own, check it with "
            "`/request check-email`."
        )


def _local(when: datetime | None, zone: tzinfo) -> date | None:
    return when.astimezone(zone).date() if when is not None else None


async def show_draft(
    ctx: ActionContext, who: StudentKey, contact_id: int, kind: DraftKind
) -> DraftShown:
    """The ``kind`` draft for one of the student's contacts, signed "[Your full name]"; outreach
    drafts come with the email checker's verdicts at the server's word limit. Logs
    ``thank_you_outlined`` (thank-you) or ``draft_shown``; nothing else changes."""
    contact = await owned_contact(ctx, who, contact_id)
    check_draft(contact, kind)
    referrer: ContactRecord | None = None
    if contact.referred_by is not None:
        referrer = await contact_rows.get_contact(
            ctx.db, who.guild_id, who.user_id, contact.referred_by
        )
        if referrer is None and kind is DraftKind.REFERRAL_INTRO:
            raise UserError(REFERRER_GONE)
    now = ctx.clock.now()
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    zone = ZoneInfo(student.timezone) if student is not None and student.timezone else None
    if zone is None and contact.meeting_tz:
        zone = ZoneInfo(contact.meeting_tz)
    notes = await get_notes(ctx.db, contact.id) if kind.uses_notes else None
    takeaways = notes.takeaways if notes is not None else None
    settings = await server_settings(ctx.db, who.guild_id)
    text = compose(
        kind,
        ctx.content.templates,
        DraftFacts(
            person=contact.person,
            organization=contact.organization,
            connection=contact.connection,
            referrer=referrer.person if referrer is not None else None,
            takeaways=takeaways,
            meeting_day=meeting_day_for(kind, contact.met_at or contact.meeting_at, zone, now),
        ),
    )
    with_takeaway = kind.uses_notes and first_takeaway(takeaways) is not None
    word_limit: int | None = None
    verdicts: tuple[RuleVerdict, ...] = ()
    if kind.outreach:
        rules = dataclasses.replace(
            ctx.content.email_rules,
            word_limit=settings.email_word_limit(ctx.content.email_rules.word_limit),
        )
        word_limit = rules.word_limit
        verdicts = tuple(check_email(text, rules))
    async with student_transaction(ctx, who, now) as tx:
        if kind is DraftKind.THANK_YOU:
            await log_event(
                tx,
                who,
                "thank_you_outlined",
                now,
                contact_id=contact.id,
                payload={"with_takeaway": with_takeaway},
            )
        else:
            await log_event(
                tx, who, "draft_shown", now, contact_id=contact.id, payload={"kind": kind.value}
            )
    local: tzinfo = zone or UTC
    deadline = (
        thank_you_deadline(contact.meeting_at, contact.meeting_minutes, contact.met_at)
        if kind is DraftKind.THANK_YOU
        else None
    )
    send_on: date | None = None
    done_on: date | None = None
    if kind is DraftKind.THANK_YOU:
        done_on = _local(contact.thanked_at, local)
    elif kind is DraftKind.FOLLOW_UP_7B:
        send_on = contact.follow_up_on
        done_on = _local(contact.followed_up_at, local)
    elif kind is DraftKind.REFERRAL_INTRO:
        done_on = _local(contact.requested_at, local)
    elif kind is DraftKind.REPORT_BACK:
        met_on = _local(contact.met_at, local)
        send_on = met_on + timedelta(days=settings.report_back_days) if met_on else None
        done_on = _local(contact.reported_back_at, local)
    else:
        anchor = _local(last_touch(contact) or contact.thanked_at or contact.met_at, local)
        send_on = anchor + timedelta(days=KEEP_IN_TOUCH_EVERY_DAYS) if anchor else None
        done_on = _local(contact.kept_in_touch_at, local)
    return DraftShown(
        contact=contact,
        kind=kind,
        text=text,
        notes=takeaways if takeaways and takeaways.strip() else None,
        with_takeaway=with_takeaway,
        referrer=referrer,
        send_on=send_on,
        deadline=deadline,
        deadline_passed=deadline is not None and now >= deadline,
        today=now.astimezone(local).date(),
        done_on=done_on,
        words=count_words(text) if kind.outreach else None,
        word_limit=word_limit,
        verdicts=verdicts,
    )
