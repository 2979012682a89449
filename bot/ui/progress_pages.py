"""The /progress overview: every contact with its stage and next step, grouped under its
employer (⭐ the active five first, then the other employers, contacts without one last), the
student's funnel, and ◀ ▶ page buttons that only their owner can use and that keep working
after a restart (the page is in the button's custom_id; the grouping is read again)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord

from bot.actions.context import ActionContext, StudentKey
from bot.actions.progress import EmployerGroup, progress_overview
from bot.content import SearchGuide
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT, EMBED_TOTAL_LIMIT
from bot.domain.business_days import HolidayCalendar
from bot.domain.funnel import funnel
from bot.domain.next_step import REPORT_BACK_AFTER_DAYS, NextStep, next_step
from bot.domain.nudge_kinds import NUDGE_LABELS, NudgeKind
from bot.domain.stalls import talking_colleagues
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.employer_board import ACTIVE_MARK, PIN_MARK, esc_name, scores_line
from bot.ui.guarded import context_of, student_of
from bot.ui.page_buttons import PageButton

if TYPE_CHECKING:
    from bot.storage.contacts import ContactRecord

PAGE_SIZE = 10
"""Entries a page: contacts, and top-five employers with no contact yet (with their headings,
at most 20 fields: Discord allows 25)."""
SAFE_TOTAL = EMBED_TOTAL_LIMIT - 200  # headroom under the 6,000 characters of a message's embeds
FIELD_NAME = EMBED_TITLE_LIMIT  # a field's name has the same limit as a title
FIELD_VALUE = EMBED_FIELD_LIMIT
SHORT_NAME = 40  # names in the overview are cut so ten contacts always fit
NO_ZONE_HINT = "Dates in UTC: set your time zone with /settings timezone."
NO_EMPLOYER = "Not on your employer list"
GROUPED = (
    f"Grouped by employer: {ACTIVE_MARK} your top five first, then your other employers, then "
    "contacts on no list. What is due first comes first."
)


def next_nudge_line(kind: str, due_at: datetime) -> str:
    """How /progress shows a contact's next reminder."""
    return f"next reminder {discord.utils.format_dt(due_at, 'R')}: {NUDGE_LABELS[NudgeKind(kind)]}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when shortened."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def esc(text: str) -> str:
    return escape_markdown(text)


def short_date(day: date, today: date) -> str:
    return f"{day:%a} {day.day} {day:%b}" + ("" if day.year == today.year else f" {day.year}")


def stamp(instant: datetime, style: str) -> str:
    return discord.utils.format_dt(instant, style)  # type: ignore[arg-type]


def due_text(step: NextStep, today: date) -> str | None:
    """When the step is due: a local date, or a Discord timestamp each viewer sees locally."""
    if step.due_at is not None:
        if step.overdue:
            return f"⚠️ overdue: was due {stamp(step.due_at, 'R')}"
        return f"due {stamp(step.due_at, 'f')} ({stamp(step.due_at, 'R')})"
    if step.due_on is not None:
        if step.overdue:
            return f"⚠️ overdue since {short_date(step.due_on, today)}"
        if step.due_on == today:
            return "due today"
        if (step.due_on - today).days == 1:
            return "due tomorrow"
        return f"due {short_date(step.due_on, today)}"
    return None


def step_text(step: NextStep | None, today: date) -> str:
    if step is None:
        return "Closed: nothing to do (reopen it with /followup reopen)."
    when = due_text(step, today)
    return f"➡️ {esc(step.text)}" + (f"\n{when}" if when else "")


@dataclass(frozen=True, slots=True)
class ProgressRow:
    contact: ContactRecord
    step: NextStep | None
    next_nudge: str | None = None  # the soonest pending reminder, as shown


def progress_rows(
    contacts: list[ContactRecord],
    now: datetime,
    zone: ZoneInfo,
    next_nudges: dict[int, str] | None = None,
    report_back_days: int = REPORT_BACK_AFTER_DAYS,
    holidays: HolidayCalendar = None,
) -> list[ProgressRow]:
    """Every contact with its next step (and next reminder); what is due first comes first,
    closed ones last."""
    next_nudges = next_nudges or {}
    talking_at = talking_colleagues(contacts)  # the digest's and the 3B reminder's rule
    rows = []
    for contact in contacts:
        shown = dataclasses.replace(
            contact,
            person=clip(contact.person, SHORT_NAME),
            organization=clip(contact.organization, SHORT_NAME),
        )
        talking = talking_at.get(contact.id)
        step = next_step(
            shown,
            now,
            zone,
            report_back_days=report_back_days,
            holidays=holidays,
            talking_with=clip(talking.person, SHORT_NAME) if talking is not None else None,
        )
        rows.append(ProgressRow(shown, step, next_nudges.get(contact.id)))

    def order(row: ProgressRow) -> tuple[int, float, int]:
        due = row.step.due_instant(zone) if row.step else None
        rank = 2 if row.step is None else (0 if due is not None else 1)
        return rank, due.timestamp() if due else 0.0, row.contact.id

    return sorted(rows, key=order)


def funnel_block(contacts: list[ContactRecord]) -> str:
    lines = [f"{'stage':<17}{'now':>4}{'reached':>9}"]
    for row in funnel((c.stage, c.stage_before_close) for c in contacts):
        reached = "" if row.reached is None else f"{row.reached:>9}"
        lines.append(f"{row.stage.label:<17}{row.current:>4}{reached}")
    return "```\n" + "\n".join(lines) + "\n```"


def search_block(search: SearchGuide) -> str:
    """ "Your search": the steps about the whole search, one line each."""
    lines = [f"**{esc(search.title)}**"]
    lines += [f"• {esc(item.text)}" for item in search.items]
    return "\n".join(lines)


def lamp_line(employers: Sequence[EmployerGroup]) -> str:
    """Where the student's LAMP list stands, and where the board is."""
    if not employers:
        return (
            "📋 No employers on your list yet: add them with `/employers add`, or paste your "
            "list with `/employers import`."
        )
    scored = sum(1 for group in employers if group.employer.scores.complete)
    active = sum(1 for group in employers if group.active)
    plural = "s" if len(employers) != 1 else ""
    return (
        f"📋 Your LAMP list: {len(employers)} employer{plural}, {scored} fully scored, "
        f"{active} in your top five ({ACTIVE_MARK} below). The board: `/employers list`."
    )


@dataclass(frozen=True, slots=True)
class Section:
    """Contacts under one heading: an employer, or (``group`` None) no employer."""

    group: EmployerGroup | None
    rows: list[ProgressRow]


def sections(rows: list[ProgressRow], employers: Sequence[EmployerGroup]) -> list[Section]:
    """The rows under their employers, in board order: every employer of the active five (with
    contacts or not), the others that have contacts, then the contacts without an employer.
    Each section keeps the rows' order (what is due first comes first)."""
    known = {group.employer.id for group in employers}
    by_employer: dict[int, list[ProgressRow]] = {}
    loose: list[ProgressRow] = []
    for row in rows:
        employer_id = row.contact.employer_id
        if employer_id is not None and employer_id in known:
            by_employer.setdefault(employer_id, []).append(row)
        else:
            loose.append(row)
    found = [
        Section(group, by_employer.get(group.employer.id, []))
        for group in employers
        if group.active or group.employer.id in by_employer
    ]
    return found + ([Section(None, loose)] if loose else [])


Entry = tuple[int, ProgressRow | None]
"""A section's index and one of its contacts (None: a top-five employer with no contact)."""


def entries(found: list[Section]) -> list[Entry]:
    listed: list[Entry] = []
    for index, section in enumerate(found):
        listed += [(index, row) for row in section.rows] or [(index, None)]
    return listed


def _heading(section: Section, continued: bool) -> tuple[str, str]:
    more = " (continued)" if continued else ""
    count = len(section.rows)
    people = f"{count} contact{'s' if count != 1 else ''}"
    group = section.group
    if group is None:
        return f"{NO_EMPLOYER}{more}", f"{people} without an employer"
    employer = group.employer
    name = (f"{ACTIVE_MARK} " if group.active else "") + esc_name(employer.name)
    if employer.pinned:
        name += f" {PIN_MARK}"
    if group.exhausted:
        name += " · done"
    if not section.rows:
        return name + more, (
            f"{scores_line(employer.scores)}\nNo contact here yet: find someone there (an alum "
            "if you can) and add them with `/request new`."
        )
    return name + more, f"{scores_line(employer.scores)} · {people}"


def _field(row: ProgressRow, number: int, today: date, grouped: bool) -> tuple[str, str]:
    contact = row.contact
    tag = contact.stage.label + (f" · {contact.reply_class}" if contact.reply_class else "")
    where = "" if grouped else f" ({esc(contact.organization)})"
    name = f"{number}. {esc(contact.person)}{where} · {tag}"
    value = step_text(row.step, today)
    if row.next_nudge:
        value += f"\n🔔 {row.next_nudge}"
    return name, value


def fair_share(texts: list[str], budget: int, cap: int) -> list[int]:
    """Limits for texts sharing ``budget``: short ones keep their length, long ones split the
    rest evenly (each at most ``cap``)."""
    limits = [0] * len(texts)
    remaining = budget
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for position, index in enumerate(order):
        share = remaining // (len(texts) - position)
        limits[index] = max(1, min(len(texts[index]), share, cap))
        remaining -= limits[index]
    return limits


def render_overview(
    contacts: list[ContactRecord],
    page: int,
    *,
    owner_id: int,
    now: datetime,
    zone: ZoneInfo | None,
    next_nudges: dict[int, str] | None = None,
    report_back_days: int = REPORT_BACK_AFTER_DAYS,
    search: SearchGuide | None = None,
    holidays: HolidayCalendar = None,
    employers: Sequence[EmployerGroup] = (),
) -> tuple[discord.Embed, discord.ui.View | None, int]:
    """The embed for one page (clamped to the pages that exist), its buttons (None when one
    page is enough) and the page actually shown. Contacts are grouped under ``employers``
    (board order); the first page also shows ``search``, the steps about the whole search,
    and where the LAMP list stands."""
    rows = progress_rows(
        contacts, now, zone or ZoneInfo("UTC"), next_nudges, report_back_days, holidays
    )
    today = now.astimezone(zone or ZoneInfo("UTC")).date()
    found = sections(rows, employers)
    listed = entries(found)
    pages = max(1, -(-len(listed) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    description = "**Your funnel**\n" + funnel_block(contacts)
    if page == 0:
        if search is not None and search.items:
            description += "\n" + search_block(search) + "\n"
        description += "\n" + lamp_line(employers) + "\n"
    description += "\n" + GROUPED
    embed = discord.Embed(
        title=f"Your progress: {len(rows)} contact{'s' if len(rows) != 1 else ''}",
        description=description,
        colour=discord.Colour.blurple(),
    )
    footer = f"Page {page + 1} of {pages} · Only you can see this."
    if zone is None:
        footer += " " + NO_ZONE_HINT
    embed.set_footer(text=footer)
    # Contacts are numbered across pages in the order shown.
    numbers: dict[int, int] = {}
    for _, row in listed:
        if row is not None:
            numbers[row.contact.id] = len(numbers) + 1
    fields: list[tuple[str, str]] = []
    shown_section: int | None = None
    for position, (index, row) in enumerate(listed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]):
        if index != shown_section:
            continued = position == 0 and page > 0 and listed[page * PAGE_SIZE - 1][0] == index
            fields.append(_heading(found[index], continued))
            shown_section = index
        if row is not None:
            fields.append(
                _field(row, numbers[row.contact.id], today, found[index].group is not None)
            )
    names = [clip(name, FIELD_NAME // 2) for name, _ in fields]
    budget = SAFE_TOTAL - len(embed.title or "") - len(embed.description or "") - len(footer)
    budget -= sum(len(name) for name in names)
    limits = fair_share([value for _, value in fields], budget, FIELD_VALUE)
    for name, (_, value), limit in zip(names, fields, limits, strict=True):
        embed.add_field(name=name, value=clip(value, limit), inline=False)
    if pages == 1:
        return embed, None, page
    view = dynamic_view()
    view.add_item(
        ProgressPageButton(owner_id=owner_id, page=page - 1, forward=False, off=page == 0)
    )
    view.add_item(
        ProgressPageButton(owner_id=owner_id, page=page + 1, forward=True, off=page == pages - 1)
    )
    return embed, view, page


async def overview_page(
    ctx: ActionContext, who: StudentKey, page: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Read the student's contacts and render one page; UserError when they have none."""
    overview = await progress_overview(ctx, who)
    embed, view, _ = render_overview(
        overview.contacts,
        page,
        owner_id=who.user_id,
        now=overview.now,
        zone=overview.zone,
        next_nudges={
            cid: next_nudge_line(nudge.kind, nudge.due_at)
            for cid, nudge in overview.next_nudges.items()
        },
        report_back_days=overview.report_back_days,
        search=overview.search,
        holidays=overview.holidays,
        employers=overview.employers,
    )
    return embed, view


class ProgressPageButton(PageButton, template=r"ic:pg:(?P<owner>\d+):(?P<page>\d+):(?P<dir>[pn])"):
    """◀ or ▶: shows page ``page`` of the owner's overview, editing the message in place."""

    PREFIX = "pg"

    async def show(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        return await overview_page(context_of(interaction), student_of(interaction), page)
