"""What a reminder's buttons do besides answering it: act on the contact it is about, right from
the direct message. Add the second person at the same employer, schedule the meeting, log
a referral contacted, read the checklist or the question list.

Each starts from the nudge row, like the answers in :mod:`bot.actions.nudge_responses`: the
presser must own it, and the server is the nudge's. Unlike an answer, an act may be repeated and
works on a reminder already answered (snoozed, say). When the act is what the reminder asked
for, it also counts as its Done (``nudge_done``), once: adding a person on a "contact a second
person" reminder, scheduling on an "offer times to meet" one, logging the last open referral on
a "contact the referrals" one. The act is the slash command's own use case with its own
transaction and event (``contact_added``, ``meeting_scheduled``, ``request_sent``); the Done is
noted in a second one (:func:`~bot.actions.nudge_responses.count_as_done`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, stage_guard, student_transaction
from bot.actions.contacts import (
    check_contact_room,
    owned_contact,
    refuse_duplicate,
    student_zone,
)
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import (
    EmployerExhausted,
    employer_for_organization,
    exhausted_by_close,
    five_before_close,
    link_payload,
    link_to_employer,
)
from bot.actions.interview import MeetingBrief, meeting_brief
from bot.actions.nudge_responses import count_as_done, nudge_contact, own_nudge
from bot.actions.prepare import MeetingScheduled, schedule_meeting
from bot.actions.request import RequestSent, log_request_sent
from bot.domain.contacts import MAX_NAME, Stage
from bot.domain.nudge_kinds import NudgeKind
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, add_contact, referrals_of
from bot.storage.employers import get_employer
from bot.storage.guild_settings import server_settings
from bot.storage.nudges import NudgeRow
from bot.validation import clean_optional_text, clean_text

__all__ = [
    "MAX_PICKS",
    "OpenReferrals",
    "ReferralReached",
    "ReminderSubject",
    "ScheduleForm",
    "ScheduledFromReminder",
    "SecondPersonAdded",
    "add_second_person",
    "employer_after_close",
    "log_referral_reached",
    "open_referrals",
    "reminder_questions",
    "reminder_subject",
    "schedule_form",
    "schedule_from_reminder",
]

MAX_PICKS = 24
"""Referrals offered at once (one more button goes back to the reminder)."""


@dataclass(frozen=True, slots=True)
class ReminderSubject:
    """A reminder its owner acts on, and the contact it is about."""

    nudge: NudgeRow
    who: StudentKey
    contact: ContactRecord

    @property
    def kind(self) -> NudgeKind:
        return NudgeKind(self.nudge.kind)

    @property
    def answered(self) -> bool:
        return self.nudge.action is not None


@dataclass(frozen=True, slots=True)
class SecondPersonAdded:
    subject: ReminderSubject
    added: ContactRecord
    answered: bool
    """The reminder is answered now (by this, or before)."""
    employer: str = ""
    """Where the person was added: the reminder's contact's employer."""
    covers_first: bool = False
    """The reminder's contact had no second person there until now: its 3B step is done."""
    follow_up_on: date | None = None
    """When to follow up with the reminder's contact if they still haven't replied."""


@dataclass(frozen=True, slots=True)
class ScheduleForm:
    """What the scheduling form shows before the student types."""

    subject: ReminderSubject
    usual_minutes: int
    """The meeting's length so far, else the server's usual length."""
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class ScheduledFromReminder:
    subject: ReminderSubject
    meeting: MeetingScheduled
    answered: bool


@dataclass(frozen=True, slots=True)
class OpenReferrals:
    """The referrals of the reminder's contact still only planned (not yet reached out to)."""

    subject: ReminderSubject
    referrals: tuple[ContactRecord, ...]
    more: int
    """How many more there are beyond :data:`MAX_PICKS`."""


@dataclass(frozen=True, slots=True)
class ReferralReached:
    subject: ReminderSubject
    sent: RequestSent
    remaining: tuple[ContactRecord, ...]
    """The referrals still only planned after this one."""
    answered: bool


async def reminder_subject(ctx: ActionContext, user_id: int, nudge_id: int) -> ReminderSubject:
    """The reminder (its owner's, answered or not) and the contact it is about."""
    row, who = await own_nudge(ctx, user_id, nudge_id, unanswered=False)
    return ReminderSubject(row, who, await nudge_contact(ctx, who, row))


async def _answer_if(subject: ReminderSubject, ctx: ActionContext, asked: bool) -> bool:
    """Note the act as the reminder's Done when it is what the reminder asked for; whether the
    reminder is answered now."""
    if subject.answered:
        return True
    if not asked:
        return False
    await count_as_done(ctx, subject.who, subject.nudge)  # False only if a press just did it
    return True


# --- a second person at the same employer -------------------------------------------------


async def add_second_person(
    ctx: ActionContext, user_id: int, nudge_id: int, person: str, role: str | None
) -> SecondPersonAdded:
    """Add a contact at the reminder's contact's employer (as ``/request new`` does: stage
    planned, ``contact_added``; the employer opened again if it was marked done), and in the
    same transaction re-plan the other contacts there: for the reminder's contact this is the
    second person, so its "contact a second person" reminder is no longer planned. On a
    "contact a second person" reminder this is its Done."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    first = subject.contact
    who = subject.who
    name = clean_text(person, "person's name", max_length=MAX_NAME)
    kept_role = clean_optional_text(role, "role", max_length=MAX_NAME)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await check_contact_room(tx, who)
        employer = (
            await get_employer(tx, who.guild_id, who.user_id, first.employer_id)
            if first.employer_id is not None
            else None
        )
        organization = employer.name if employer is not None else first.organization
        await refuse_duplicate(tx, who, name, organization)
        link = await employer_for_organization(tx, who, organization, now)
        contact_id = await add_contact(
            tx,
            guild_id=who.guild_id,
            user_id=who.user_id,
            person=name,
            organization=link.employer.name,
            role=kept_role,
            connection=None,
            now=now,
        )
        link = await link_to_employer(tx, who, contact_id, link)
        await log_event(
            tx,
            who,
            "contact_added",
            now,
            contact_id=contact_id,
            payload={"connection": None, "after": first.id, **link_payload(link)},
        )
        await ctx.planner.replan_colleagues(tx, contact_id, now)
    added = await owned_contact(ctx, who, contact_id)
    first_now = await owned_contact(ctx, who, first.id)
    answered = await _answer_if(subject, ctx, subject.kind is NudgeKind.SECOND_CONTACT)
    return SecondPersonAdded(
        subject,
        added,
        answered,
        employer=link.employer.name,
        covers_first=first.second_person is None and first_now.second_person is not None,
        follow_up_on=first_now.follow_up_on if first_now.stage is Stage.REQUESTED else None,
    )


# --- scheduling -------------------------------------------------------------------------------


async def schedule_form(ctx: ActionContext, user_id: int, nudge_id: int) -> ScheduleForm:
    """Before the scheduling form opens: the contact can be scheduled (or moved), and the
    student has a time zone to type the time in."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    contact = subject.contact
    if contact.stage is not Stage.SCHEDULED:
        stage_guard(contact, Stage.SCHEDULED)
    zone = await student_zone(ctx, subject.who)
    usual = (
        contact.meeting_minutes
        or (await server_settings(ctx.db, subject.who.guild_id)).meeting_minutes
    )
    return ScheduleForm(subject, usual, zone)


async def schedule_from_reminder(
    ctx: ActionContext,
    user_id: int,
    nudge_id: int,
    day: str,
    at: str,
    minutes: int | None,
) -> ScheduledFromReminder:
    """Schedule (or move) the meeting as ``/prepare schedule`` does (``meeting_scheduled``,
    the meeting reminders planned). On an "offer times to meet" reminder this is its Done."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    meeting = await schedule_meeting(ctx, subject.who, subject.contact.id, day, at, minutes)
    asked = subject.kind in (NudgeKind.SCHEDULE, NudgeKind.SCHEDULE_AGAIN)
    return ScheduledFromReminder(subject, meeting, await _answer_if(subject, ctx, asked))


# --- referrals --------------------------------------------------------------------------------


async def _planned_referrals(ctx: ActionContext, referrer: ContactRecord) -> list[ContactRecord]:
    return [r for r in await referrals_of(ctx.db, referrer.id) if r.stage is Stage.PLANNED]


async def open_referrals(ctx: ActionContext, user_id: int, nudge_id: int) -> OpenReferrals:
    """Who the student may say they reached out to: the contact's referrals still planned."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    planned = await _planned_referrals(ctx, subject.contact)
    if not planned:
        raise UserError(
            f"Every person {subject.contact.person} suggested is already logged as contacted. "
            f"Let {subject.contact.person} know you reached out: people like to hear their "
            "introductions helped."
        )
    return OpenReferrals(subject, tuple(planned[:MAX_PICKS]), max(0, len(planned) - MAX_PICKS))


async def log_referral_reached(
    ctx: ActionContext, user_id: int, nudge_id: int, referral_id: int
) -> ReferralReached:
    """The student reached out to one of the contact's referrals: log that request as
    ``/request sent`` does (today; ``request_sent``, its 3B7 reminders planned). Logging the
    last open referral on a "contact the referrals" reminder is its Done."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    referral = await owned_contact(ctx, subject.who, referral_id)
    if referral.referred_by != subject.contact.id:
        raise UserError(
            f"{referral.person} isn't one of the people {subject.contact.person} suggested."
        )
    if referral.stage is not Stage.PLANNED:
        raise UserError(
            f"Your request to {referral.person} is already logged (they're at "
            f"“{referral.stage.label}”)."
        )
    sent = await log_request_sent(ctx, subject.who, referral.id)
    remaining = tuple(await _planned_referrals(ctx, subject.contact))
    asked = subject.kind is NudgeKind.REFERRALS and not remaining
    return ReferralReached(subject, sent, remaining, await _answer_if(subject, ctx, asked))


# --- closing the last contact at an employer ---------------------------------------------


async def employer_after_close(
    ctx: ActionContext, who: StudentKey, contact: ContactRecord
) -> EmployerExhausted | None:
    """After "Close as no reply" closed ``contact`` (its Done, in
    :func:`~bot.actions.nudge_responses.respond_done`): its employer and who moved into the top
    five, if every contact there is closed now. Reads only: the five before the close is the
    same list with this contact counted open again."""
    before = await five_before_close(ctx.db, who, contact.employer_id)
    return await exhausted_by_close(ctx.db, who, contact.employer_id, before)


# --- reading ----------------------------------------------------------------------------------


async def reminder_questions(ctx: ActionContext, user_id: int, nudge_id: int) -> MeetingBrief:
    """The contact's questions in order and the meeting's length (what ``/interview
    checklist`` shows above the checklist); reads only."""
    subject = await reminder_subject(ctx, user_id, nudge_id)
    return await meeting_brief(ctx, subject.who, subject.contact.id)
