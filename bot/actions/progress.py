"""What ``/progress`` shows: the overview of every contact, or one contact's whole story.
Reads only: nothing is written, logged or created."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions.contacts import NO_CONTACTS, owned_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import read_lamp
from bot.actions.settings import known_zone
from bot.content import SearchGuide
from bot.domain.business_days import HolidayCalendar
from bot.domain.employers import board_order
from bot.errors import EmptyState
from bot.storage.contacts import ContactRecord, list_contacts
from bot.storage.employers import EmployerRecord
from bot.storage.guild_settings import server_settings
from bot.storage.history import (
    ContactEvent,
    contact_events,
    count_contact_events,
    referrals_from,
    referrer_of,
)
from bot.storage.interview_notes import InterviewNotes, get_notes
from bot.storage.nudges import next_nudge_per_contact
from bot.storage.questions import Question, list_questions


@dataclass(frozen=True, slots=True)
class NextNudge:
    """A contact's soonest pending reminder."""

    kind: str  # a ``NudgeKind`` value
    due_at: datetime


@dataclass(frozen=True, slots=True)
class EmployerGroup:
    """One of the student's employers, as the overview groups contacts under it."""

    employer: EmployerRecord
    active: bool  # in the active five
    exhausted: bool  # every contact there closed, or marked done


@dataclass(frozen=True, slots=True)
class Overview:
    """Every contact of the student in this server (most recently active first) and what the
    overview needs to order and date them."""

    contacts: list[ContactRecord]
    next_nudges: dict[int, NextNudge]  # by contact id; contacts without one are left out
    report_back_days: int  # the server's setting
    zone: ZoneInfo | None  # None until the student sets one (shown in UTC)
    now: datetime
    search: SearchGuide  # the search-wide steps ("Your search": the LAMP list, the top five)
    holidays: HolidayCalendar = None  # the server's calendar, for business-day due dates
    employers: list[EmployerGroup] = field(default_factory=list)
    """Every employer on the student's list in board order: the active five first, then the
    others by rank, the exhausted last (contacts name theirs by ``employer_id``)."""


@dataclass(frozen=True, slots=True)
class ContactStory:
    """One contact's whole history, for ``/progress contact``."""

    contact: ContactRecord
    referrer: ContactRecord | None
    referrals: list[ContactRecord]
    events: list[ContactEvent]  # the newest ones, oldest first, without the noisy kinds
    total_events: int
    notes: InterviewNotes | None
    questions: list[Question]
    report_back_days: int  # the server's setting
    zone: ZoneInfo | None
    now: datetime
    holidays: HolidayCalendar = None  # the server's calendar, for business-day due dates


async def progress_overview(ctx: ActionContext, who: StudentKey) -> Overview:
    """The student's contacts with their next reminders; a private error when they have none."""
    contacts = await list_contacts(ctx.db, who.guild_id, who.user_id)
    if not contacts:
        raise EmptyState(NO_CONTACTS)
    zone = await known_zone(ctx, who)
    upcoming = await next_nudge_per_contact(ctx.db, who.guild_id, who.user_id)
    settings = await server_settings(ctx.db, who.guild_id)
    lamp = await read_lamp(ctx.db, who)
    five = set(lamp.five)
    return Overview(
        contacts=contacts,
        next_nudges={cid: NextNudge(kind, due) for cid, (kind, due) in upcoming.items()},
        report_back_days=settings.report_back_days,
        zone=zone,
        now=ctx.clock.now(),
        search=ctx.content.search,
        holidays=settings.holidays,
        employers=[
            EmployerGroup(lamp.employers[standing.id], standing.id in five, standing.exhausted)
            for standing in board_order(lamp.standings)
        ],
    )


async def contact_story(ctx: ActionContext, who: StudentKey, contact_id: int) -> ContactStory:
    """One of the student's contacts with its events, notes, questions and referrals."""
    contact = await owned_contact(ctx, who, contact_id)
    db = ctx.db
    settings = await server_settings(db, who.guild_id)
    return ContactStory(
        contact=contact,
        referrer=await referrer_of(db, contact),
        referrals=await referrals_from(db, contact),
        events=await contact_events(db, who.guild_id, who.user_id, contact.id),
        total_events=await count_contact_events(db, who.guild_id, who.user_id, contact.id),
        notes=await get_notes(db, contact.id),
        questions=await list_questions(db, contact.id),
        report_back_days=settings.report_back_days,
        zone=await known_zone(ctx, who),
        now=ctx.clock.now(),
        holidays=settings.holidays,
    )
