"""Phase 3, the interview: what to have at hand during the meeting, and logging it afterwards
(notes, takeaways, and the people they suggested, each of whom becomes a contact)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.common import log_event, stage_guard, student_transaction
from bot.actions.contacts import check_contact_room, contact_or_latest, owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import attach_to_employer
from bot.domain.contacts import MAX_NAME, Connection, Stage
from bot.domain.referrals import Referral, ReferralError, parse_referrals
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, add_contact, set_stage
from bot.storage.guild_settings import server_settings
from bot.storage.interview_notes import MAX_NOTE, save_notes
from bot.storage.questions import Question, list_questions
from bot.validation import clean_optional_text, clean_text

__all__ = [
    "MAX_NOTE",
    "MeetingBrief",
    "MeetingLogged",
    "log_meeting",
    "meeting_brief",
    "meeting_to_log",
]


@dataclass(frozen=True, slots=True)
class MeetingBrief:
    """What ``/interview checklist`` shows above the checklist."""

    contact: ContactRecord
    questions: tuple[Question, ...]
    minutes: int
    """The meeting's length: as scheduled, else the server's usual length."""


@dataclass(frozen=True, slots=True)
class MeetingLogged:
    contact: ContactRecord
    """The contact as it was before the meeting was logged."""
    notes: str | None
    takeaways: str
    referrals: tuple[Referral, ...]
    referral_ids: tuple[int, ...]
    """The new contacts, in the order the referrals were typed."""


async def meeting_brief(
    ctx: ActionContext, who: StudentKey, contact_id: int | None
) -> MeetingBrief:
    """The chosen contact (else the latest), its questions and the meeting's length."""
    contact = await contact_or_latest(ctx, who, contact_id)
    questions = await list_questions(ctx.db, contact.id)
    minutes = (
        contact.meeting_minutes or (await server_settings(ctx.db, who.guild_id)).meeting_minutes
    )
    return MeetingBrief(contact, tuple(questions), minutes)


async def meeting_to_log(ctx: ActionContext, who: StudentKey, contact_id: int) -> ContactRecord:
    """Before the meeting-log form opens: the contact can move on to *met*."""
    contact = await owned_contact(ctx, who, contact_id)
    stage_guard(contact, Stage.MET)
    return contact


def _check_length(value: str, field: str) -> None:
    """The form's inputs say 1,000 characters, but a modified client can send more."""
    if len(value) > MAX_NOTE:
        raise UserError(
            f"The {field} are {len(value)} characters long; the most is {MAX_NOTE}. "
            "Please shorten them. Nothing was saved."
        )


def _checked_referrals(text: str) -> tuple[Referral, ...]:
    try:
        referrals = parse_referrals(text, max_name=MAX_NAME)
    except ReferralError as exc:
        raise UserError(f"{exc} Nothing was saved: run `/interview done` again.") from None
    # Each referral becomes a contact: the same checks as `/request new` (an invisible or
    # control-character name would otherwise be stored).
    return tuple(
        Referral(
            clean_text(r.person, f"name in referral {n}", max_length=MAX_NAME),
            clean_text(r.organization, f"organization in referral {n}", max_length=MAX_NAME),
        )
        for n, r in enumerate(referrals, start=1)
    )


async def log_meeting(
    ctx: ActionContext,
    who: StudentKey,
    contact_id: int,
    *,
    notes: str,
    takeaways: str,
    referrals: str,
) -> MeetingLogged:
    """The meeting happened: the contact moves to *met*, the notes and takeaways are saved
    (``meeting_logged``), and each referral (one per line, "Name — Organization") becomes a
    contact linked to this one (``contact_added`` each) and to its employer (found or created
    unscored, ``employer_added`` then). Plans the thank-you, referrals and
    report-back reminders, and re-plans whoever referred this contact."""
    for value, field in ((notes, "notes"), (takeaways, "takeaways"), (referrals, "referrals")):
        _check_length(value, field)
    kept_notes = clean_optional_text(notes, "notes", max_length=MAX_NOTE)
    kept_takeaways = clean_text(takeaways, "takeaways", max_length=MAX_NOTE)
    people = _checked_referrals(referrals)
    # Read again: the contact may have moved on while the form was open.
    contact = await meeting_to_log(ctx, who, contact_id)
    if people:
        await check_contact_room(ctx.db, who, len(people))
    now = ctx.clock.now()
    referral_ids: list[int] = []
    async with student_transaction(ctx, who, now) as tx:
        if people:
            await check_contact_room(tx, who, len(people))  # again: a concurrent add
        await set_stage(tx, contact.id, Stage.MET, at=now, now=now)
        await save_notes(tx, contact.id, kept_notes, kept_takeaways, now)
        await log_event(
            tx,
            who,
            "meeting_logged",
            now,
            contact_id=contact.id,
            payload={
                "notes": int(kept_notes is not None),
                "takeaways": 1,
                "referrals": len(people),
            },
        )
        for person in people:
            referral_id = await add_contact(
                tx,
                guild_id=who.guild_id,
                user_id=who.user_id,
                person=person.person,
                organization=person.organization,
                role=None,
                connection=Connection.MUTUAL,
                now=now,
                referred_by=contact.id,
            )
            referral_ids.append(referral_id)
            await log_event(
                tx,
                who,
                "contact_added",
                now,
                contact_id=referral_id,
                payload={"referred_by": contact.id},
            )
            # Its employer (created unscored if new on the list); someone new there may be
            # another contact's second person, so those are re-planned too.
            await attach_to_employer(tx, who, referral_id, person.organization, now)
            await ctx.planner.replan_colleagues(tx, referral_id, now)
        # Thank-you, referrals and report-back nudges (after the referrals exist); this also
        # re-plans the contact who referred this one.
        await ctx.planner.replan_contact(tx, contact.id, now)
    return MeetingLogged(contact, kept_notes, kept_takeaways, people, tuple(referral_ids))
