"""Contacts: add one, find one that belongs to the student, fall back to the latest."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import (
    EmployerLink,
    employer_for_organization,
    link_payload,
    link_to_employer,
)
from bot.domain.contacts import MAX_NAME, Connection, Stage
from bot.domain.limits import too_many_contacts
from bot.errors import EmptyState, UserError
from bot.storage.contact_names import contacts_named
from bot.storage.contacts import ContactRecord, add_contact, get_contact, most_recent_contact
from bot.storage.database import Source
from bot.storage.students import count_open_contacts, get_student
from bot.text import escape_markdown
from bot.validation import clean_optional_text, clean_text

NO_CONTACTS = (
    "You have no contacts yet, and that's normal on day one. Start with your list of target "
    "employers (`/employers import` or `/employers add`), or if you already know someone, "
    "`/request new person:<name> organization:<employer>`. New here? `/start`."
)
CONTACT_GONE = "That contact no longer exists (it may have been deleted)."
NEEDS_ZONE = (
    "I need your time zone before I record dates, so “today” and business days match yours. "
    "Set it with `/settings timezone`, then try again. Nothing was recorded."
)


@dataclass(frozen=True, slots=True)
class NewContact:
    person: str
    organization: str
    role: str | None = None
    connection: Connection | None = None


async def owned_contact(ctx: ActionContext, who: StudentKey, contact_id: int) -> ContactRecord:
    """The contact, if it belongs to ``who``; otherwise a private error."""
    contact = await get_contact(ctx.db, who.guild_id, who.user_id, contact_id)
    if contact is None:
        raise UserError(CONTACT_GONE)
    return contact


async def contact_or_latest(
    ctx: ActionContext, who: StudentKey, contact_id: int | None
) -> ContactRecord:
    """The chosen contact, else the one the student worked on last."""
    if contact_id is not None:
        return await owned_contact(ctx, who, contact_id)
    latest = await most_recent_contact(ctx.db, who.guild_id, who.user_id)
    if latest is None:
        raise EmptyState(NO_CONTACTS)
    return latest


async def student_zone(ctx: ActionContext, who: StudentKey) -> ZoneInfo:
    """The student's time zone; a private error if they have not set one (commands ask with a
    picker first, see ``bot/ui/timezone_picker.py``)."""
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    if student is None or not student.timezone:
        raise UserError(NEEDS_ZONE)
    return ZoneInfo(student.timezone)


async def check_contact_room(source: Source, who: StudentKey, adding: int = 1) -> None:
    """Refuse (a :class:`UserError` naming the limit and what to do) when ``adding`` more
    contacts would pass the open-contacts limit (:data:`bot.domain.limits.MAX_OPEN_CONTACTS`).
    Call it inside the transaction that adds them, so two concurrent adds can't both pass."""
    open_now = await count_open_contacts(source, who.guild_id, who.user_id)
    refusal = too_many_contacts(open_now, adding)
    if refusal is not None:
        raise UserError(refusal)


async def refuse_duplicate(source: Source, who: StudentKey, person: str, organization: str) -> None:
    """Refuse (a :class:`UserError` naming the contact they have and its stage) when the
    student already has ``person`` at ``organization``, case and spaces aside: a second card
    for the same person splits their history, reminders and referral. A closed one points to
    ``/followup reopen``. Call it before writing and again inside the transaction that adds."""
    same = await contacts_named(source, who.guild_id, who.user_id, person, organization)
    if not same:
        return
    open_ones = [c for c in same if c.stage is not Stage.CLOSED]
    existing = open_ones[0] if open_ones else same[-1]
    referrer = (
        await get_contact(source, who.guild_id, who.user_id, existing.referred_by)
        if existing.referred_by is not None
        else None
    )
    raise UserError(duplicate_text(existing, referrer))


def duplicate_text(existing: ContactRecord, referrer: ContactRecord | None) -> str:
    """Why a contact was not added: the student has this person there already."""
    name = f"**{escape_markdown(existing.person)}** at {escape_markdown(existing.organization)}"
    suggested = f"suggested by {escape_markdown(referrer.person)}" if referrer else None
    if existing.stage is Stage.CLOSED:
        reason = (existing.close_reason or "closed").replace("_", " ")
        closed = ", ".join(part for part in (f"closed: {reason}", suggested) if part)
        return (
            f"You already have {name} ({closed}), so I didn't add them again. To pick up "
            "with them, reopen them with `/followup reopen`: their history and checklists "
            "come back with them. Nothing was added."
        )
    details = ", ".join(part for part in (existing.stage.label, suggested) if part)
    if existing.stage is Stage.PLANNED:
        next_step = (
            "When your email to them is out, pick them from the list as you type in "
            "`/request sent`."
        )
    else:
        next_step = (
            "Pick them from the list as you type in any command; `/progress` shows their next step."
        )
    return (
        f"You already have {name} ({details}), so I didn't add them again. {next_step} "
        "If this is a different person with the same name, add them with something that "
        "tells them apart, e.g. their team after the name. Nothing was added."
    )


@dataclass(frozen=True, slots=True)
class ContactAdded:
    contact: ContactRecord
    employer: EmployerLink  # the employer it belongs to (created or opened again if need be)


async def add_new_contact(ctx: ActionContext, who: StudentKey, new: NewContact) -> ContactRecord:
    """``/request new``: see :func:`add_contact_at_employer`; the contact only."""
    return (await add_contact_at_employer(ctx, who, new)).contact


async def add_contact_at_employer(
    ctx: ActionContext, who: StudentKey, new: NewContact
) -> ContactAdded:
    """``/request new``: validate the names, find the student's employer of that organization
    (case and spaces aside) or create it unscored, store the contact there (stage planned, the
    organization written as the employer's name), log ``contact_added`` (its payload says
    whether the employer was added or opened again). Refused when the student already has
    :data:`~bot.domain.limits.MAX_OPEN_CONTACTS` open contacts in this server, or already has
    this person at this organization (:func:`refuse_duplicate`)."""
    person = clean_text(new.person, "person's name", max_length=MAX_NAME)
    organization = clean_text(new.organization, "organization", max_length=MAX_NAME)
    role = clean_optional_text(new.role, "role", max_length=MAX_NAME)
    now = ctx.clock.now()
    # Refusals before any write (and checked again below, inside the transaction).
    await refuse_duplicate(ctx.db, who, person, organization)
    await check_contact_room(ctx.db, who)
    async with student_transaction(ctx, who, now) as tx:
        await refuse_duplicate(tx, who, person, organization)
        await check_contact_room(tx, who)
        link = await employer_for_organization(tx, who, organization, now)
        contact_id = await add_contact(
            tx,
            guild_id=who.guild_id,
            user_id=who.user_id,
            person=person,
            organization=link.employer.name,
            role=role,
            connection=new.connection,
            now=now,
        )
        link = await link_to_employer(tx, who, contact_id, link)
        # a second person at that employer may finish a colleague's 3B step
        await ctx.planner.replan_colleagues(tx, contact_id, now)
        await log_event(
            tx,
            who,
            "contact_added",
            now,
            contact_id=contact_id,
            payload={
                "connection": new.connection.value if new.connection else None,
                **link_payload(link),
            },
        )
    return ContactAdded(await owned_contact(ctx, who, contact_id), link)
