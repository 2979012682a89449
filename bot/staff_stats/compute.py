"""Gather one server's rows (:mod:`bot.storage.staff_figures`) and turn them into
:class:`ServerCells`, then into what staff may see (:func:`compute_stats`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_DATA_DIR
from bot.content import PHASES, Checklist, load_checklist
from bot.domain.business_days import HolidayCalendar
from bot.domain.contacts import Stage
from bot.domain.disclosure import Period, midnight, period_starts
from bot.domain.stalls import StallKind, find_stalls
from bot.domain.three_b_seven import outreach_dates
from bot.staff_stats.figures import STAMPED, ContactFacts, SentNudge, ServerCells, build_cells
from bot.staff_stats.shown import StaffFigures, disclose
from bot.storage.contacts import ContactRecord
from bot.storage.database import Source
from bot.storage.employers import server_standings
from bot.storage.staff_figures import (
    ContactRow,
    latest_events,
    open_contacts,
    sent_nudges,
    server_contacts,
    server_students,
    undeliverable_nudges,
)

UTC_ZONE = ZoneInfo("UTC")


@cache
def default_checklists() -> dict[str, Checklist]:
    """The default checklists shipped in ``data/`` (callers with the bot's content, or a
    server's effective checklists, should pass those instead)."""
    return {
        phase: load_checklist(DEFAULT_DATA_DIR / "checklists" / f"{phase}.toml") for phase in PHASES
    }


def contact_facts(
    row: ContactRow, zone: ZoneInfo = UTC_ZONE, holidays: HolidayCalendar = None
) -> ContactFacts:
    """The contact as the statistics read it. A replied contact's 3B7 dates (for the steps
    that never fell due) are worked out from its request and reply times in the student's
    ``zone``, as they were when the reply was logged (the rows read here do not carry the
    stored dates); a booster needs none of them."""
    requested, replied = row.stamps.get(Stage.REQUESTED), row.stamps.get(Stage.REPLIED)
    dates = outreach_dates(requested, zone, holidays) if requested and replied else None
    return ContactFacts(
        user_id=row.user_id,
        stage=row.stage,
        stage_before_close=row.stage_before_close,
        updated_at=row.updated_at,
        stamps={stage: row.stamps.get(stage) for stage in STAMPED},
        closed_at=row.closed_at,
        reply_class=row.reply_class,
        ticks=row.ticks,
        done=row.done,
        replied_on=replied.astimezone(zone).date() if replied else None,
        second_contact_on=dates.second_contact_on if dates else None,
        follow_up_on=dates.follow_up_on if dates else None,
    )


def stalled_students(
    contacts: list[ContactRecord],
    zones: Mapping[int, ZoneInfo],
    now: datetime,
    holidays: HolidayCalendar = None,
) -> dict[StallKind, list[int]]:
    """kind → the student of each stalled contact (the students' own stall rules, each in the
    student's zone; UTC for a student who never set one)."""
    by_student: dict[int, list[ContactRecord]] = defaultdict(list)
    for contact in contacts:
        by_student[contact.user_id].append(contact)
    found: dict[StallKind, list[int]] = defaultdict(list)
    for user, theirs in by_student.items():
        for stall in find_stalls(theirs, now, zones.get(user, UTC_ZONE), holidays):
            found[stall.kind].append(user)
    return found


def server_period(since: date | None, zone: ZoneInfo, first: date, today: date) -> Period:
    """The period from ``since`` (a week or month start, local to ``zone``; None: all time),
    with every start staff could have picked instead."""
    starts = tuple(midnight(day, zone) for day in period_starts(first, today))
    return Period(None if since is None else midnight(since, zone), starts)


async def compute_cells(
    source: Source,
    guild_id: int,
    since: date | None,
    now: datetime,
    *,
    zone: ZoneInfo = UTC_ZONE,
    checklists: Mapping[str, Checklist] | None = None,
    holidays: HolidayCalendar = None,
) -> ServerCells:
    """The server's figures as cells for the period from ``since`` (local midnight in
    ``zone``; None = all time)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    students = await server_students(source, guild_id)
    zones = {s.user_id: ZoneInfo(s.timezone) for s in students if s.timezone}
    contacts = [
        contact_facts(row, zones.get(row.user_id, UTC_ZONE), holidays)
        for row in await server_contacts(source, guild_id)
    ]
    events = await latest_events(source, guild_id)
    sent = [
        SentNudge(row.user_id, row.kind, row.sent_at, row.action)
        for row in await sent_nudges(source, guild_id)
    ]
    undeliverable = await undeliverable_nudges(source, guild_id)
    moments = [*events.values(), *(c.updated_at for c in contacts), *(n.sent_at for n in sent)]
    today = now.astimezone(zone).date()
    first = min((at.astimezone(zone).date() for at in moments), default=today)
    return build_cells(
        period=server_period(since, zone, min(first, since or first), today),
        zone=zone,
        now=now,
        registered=len(students),
        sharing=sum(1 for s in students if s.sharing),
        latest_events=events,
        contacts=contacts,
        sent=sent,
        undeliverable=undeliverable,
        checklists=checklists if checklists is not None else default_checklists(),
        stalls=stalled_students(await open_contacts(source, guild_id), zones, now, holidays),
        employers=await server_standings(source, guild_id),
    )


async def compute_stats(
    source: Source,
    guild_id: int,
    since: date | None,
    now: datetime,
    *,
    zone: ZoneInfo = UTC_ZONE,
    checklists: Mapping[str, Checklist] | None = None,
    holidays: HolidayCalendar = None,
) -> StaffFigures:
    """What staff may see of the server's figures since ``since`` (see :func:`compute_cells`
    and :func:`bot.staff_stats.shown.disclose`)."""
    cells = await compute_cells(
        source, guild_id, since, now, zone=zone, checklists=checklists, holidays=holidays
    )
    return disclose(cells, since)
