"""Phase 3, the interview: what to have at hand during the meeting, and logging it afterwards
(notes, takeaways, and the people they suggested, each of whom becomes a contact)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.common import log_event, stage_guard, student_transaction
from bot.actions.contacts import contact_or_latest, owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import attach_to_employer
from bot.domain.contacts import MAX_NAME, Connection, Stage
from bot.domain.employers import name_key
from bot.domain.limits import MAX_OPEN_CONTACTS, MAX_REFERRALS
from bot.domain.referrals import Referral, ReferralLine, read_referral_lines
from bot.errors import UserError
from bot.storage.contact_names import contacts_named
from bot.storage.contacts import ContactRecord, add_contact, link_referrer, set_stage
from bot.storage.database import Source
from bot.storage.guild_settings import server_settings
from bot.storage.interview_notes import MAX_NOTE, save_notes
from bot.storage.questions import Question, list_questions
from bot.storage.students import count_open_contacts
from bot.text import escape_markdown
from bot.validation import clean_optional_text, clean_text

__all__ = [
    "MAX_NOTE",
    "MeetingBrief",
    "MeetingLogged",
    "SkippedReferral",
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
class SkippedReferral:
    """A line of the referrals box that did not become a contact (the meeting, notes and the
    other referrals are logged anyway), and why; the caller shows it back so nothing typed is
    lost."""

    line: str
    """The line as typed (trimmed)."""
    reason: str
    person: str | None = None
    """The name, when the line has a usable one (to suggest ``/request new``)."""
    organization: str | None = None
    already: bool = False
    """The student has that person at that organization already: nothing to add later."""


@dataclass(frozen=True, slots=True)
class MeetingLogged:
    contact: ContactRecord
    """The contact as it was before the meeting was logged."""
    notes: str | None
    takeaways: str
    referrals: tuple[Referral, ...]
    referral_ids: tuple[int, ...]
    """The new contacts, in the order the referrals were typed."""
    skipped: tuple[SkippedReferral, ...] = ()
    """The referral lines not added, in the order typed."""
    linked: tuple[ContactRecord, ...] = ()
    """Referrals already among the student's contacts, now marked as suggested by this one."""


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


def _checked_referral(line: ReferralLine) -> Referral | SkippedReferral:
    """A parsed line passes the same checks as `/request new` (an invisible or
    control-character name would otherwise be stored), else it is skipped with the reason."""
    if line.referral is None:
        return SkippedReferral(line.text, line.problem or "it can't be read", line.person)
    try:
        return Referral(
            clean_text(line.referral.person, "name", max_length=MAX_NAME),
            clean_text(line.referral.organization, "organization", max_length=MAX_NAME),
        )
    except UserError as exc:
        return SkippedReferral(line.text, exc.message.rstrip("."))


def _checked_referrals(text: str) -> tuple[list[tuple[str, Referral]], list[SkippedReferral]]:
    """The usable referrals (with their lines, at most :data:`MAX_REFERRALS`) and the lines
    skipped, each with why."""
    usable: list[tuple[str, Referral]] = []
    skipped: list[SkippedReferral] = []
    for line in read_referral_lines(text, max_name=MAX_NAME):
        checked = _checked_referral(line)
        if isinstance(checked, SkippedReferral):
            skipped.append(checked)
        elif len(usable) >= MAX_REFERRALS:
            skipped.append(
                SkippedReferral(
                    line.text,
                    f"one meeting adds at most {MAX_REFERRALS} referrals",
                    checked.person,
                    checked.organization,
                )
            )
        else:
            usable.append((line.text, checked))
    return usable, skipped


async def _not_known(
    source: Source, who: StudentKey, usable: list[tuple[str, Referral]], met: ContactRecord
) -> tuple[list[tuple[str, Referral]], list[ContactRecord], list[SkippedReferral]]:
    """The referrals the student doesn't have yet; someone already among their contacts, not
    contacted yet and with nobody recorded as suggesting them, is returned to be linked to
    ``met`` instead of added twice; anyone else already known (the contact met, one contacted
    already or suggested by someone else, a closed one) or typed twice is skipped. Names
    match case and spaces aside."""
    fresh: list[tuple[str, Referral]] = []
    link: list[ContactRecord] = []
    known: list[SkippedReferral] = []
    seen: set[tuple[str, str]] = set()
    for line, referral in usable:
        key = (name_key(referral.person), name_key(referral.organization))
        if key in seen:
            known.append(SkippedReferral(line, "it is listed twice", already=True))
            continue
        seen.add(key)
        existing = await contacts_named(
            source, who.guild_id, who.user_id, referral.person, referral.organization
        )
        if not existing:
            fresh.append((line, referral))
            continue
        found = existing[0]
        if found.id != met.id and found.stage is Stage.PLANNED and found.referred_by is None:
            # Not contacted yet: the request can name who suggested them. (One already
            # contacted stays as it is: a late "tell the referrer" would make no sense.)
            link.append(found)
            continue
        name = f"{escape_markdown(found.person)} at {escape_markdown(found.organization)}"
        reason = f"{name} is already in your contacts ({found.stage.label})"
        if found.id == met.id:
            reason = f"{name} is the person you met"
        known.append(SkippedReferral(line, reason, already=True))
    return fresh, link, known


async def _within_room(
    source: Source, who: StudentKey, usable: list[tuple[str, Referral]]
) -> tuple[list[Referral], list[SkippedReferral]]:
    """The referrals the open-contacts limit leaves room for; the rest are skipped."""
    open_now = await count_open_contacts(source, who.guild_id, who.user_id)
    room = max(0, MAX_OPEN_CONTACTS - open_now)
    reason = (
        f"you have {open_now} open contacts, the most one student can keep open here "
        f"({MAX_OPEN_CONTACTS}); close the ones you are done with (`/followup close`) first"
    )
    kept = [referral for _, referral in usable[:room]]
    over = [SkippedReferral(line, reason, r.person, r.organization) for line, r in usable[room:]]
    return kept, over


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
    report-back reminders, and re-plans whoever referred this contact.

    The referrals never fail the form: a line that can't be used (no organization, a bad
    name, past :data:`MAX_REFERRALS` or the open-contacts limit) is skipped and returned in
    ``skipped`` with why, and everything else is logged."""
    for value, field in ((notes, "notes"), (takeaways, "takeaways"), (referrals, "referrals")):
        _check_length(value, field)
    kept_notes = clean_optional_text(notes, "notes", max_length=MAX_NOTE)
    kept_takeaways = clean_text(takeaways, "takeaways", max_length=MAX_NOTE)
    usable, skipped = _checked_referrals(referrals)
    # Read again: the contact may have moved on while the form was open.
    contact = await meeting_to_log(ctx, who, contact_id)
    now = ctx.clock.now()
    referral_ids: list[int] = []
    async with student_transaction(ctx, who, now) as tx:
        # Counted inside the transaction, so a concurrent add can't pass the limit.
        usable, link, known = await _not_known(tx, who, usable, contact)
        people, over = await _within_room(tx, who, usable)
        skipped += known + over
        linked = [found for found in link if await link_referrer(tx, found.id, contact.id, now)]
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
        for found in linked:  # now a referral: "tell the referrer" once it is requested
            await ctx.planner.replan_contact(tx, found.id, now)
        # Thank-you, referrals and report-back nudges (after the referrals exist); this also
        # re-plans the contact who referred this one.
        await ctx.planner.replan_contact(tx, contact.id, now)
    return MeetingLogged(
        contact,
        kept_notes,
        kept_takeaways,
        tuple(people),
        tuple(referral_ids),
        tuple(skipped),
        tuple(linked),
    )
