"""The /progress overview: every contact with its stage and next step, the student's funnel,
and ◀ ▶ page buttons that only their owner can use and that keep working after a restart."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord

from bot.actions.context import ActionContext, StudentKey
from bot.actions.progress import progress_overview
from bot.content import SearchGuide
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT, EMBED_TOTAL_LIMIT
from bot.domain.business_days import HolidayCalendar
from bot.domain.funnel import funnel
from bot.domain.next_step import REPORT_BACK_AFTER_DAYS, NextStep, next_step
from bot.domain.nudge_kinds import NUDGE_LABELS, NudgeKind
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, student_of

if TYPE_CHECKING:
    from bot.storage.contacts import ContactRecord

PAGE_SIZE = 10
SAFE_TOTAL = EMBED_TOTAL_LIMIT - 200  # headroom under the 6,000 characters of a message's embeds
FIELD_NAME = EMBED_TITLE_LIMIT  # a field's name has the same limit as a title
FIELD_VALUE = EMBED_FIELD_LIMIT
SHORT_NAME = 40  # names in the overview are cut so ten contacts always fit
NO_ZONE_HINT = "Dates in UTC: set your time zone with /settings timezone."


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
    rows = []
    for contact in contacts:
        shown = dataclasses.replace(
            contact,
            person=clip(contact.person, SHORT_NAME),
            organization=clip(contact.organization, SHORT_NAME),
        )
        step = next_step(shown, now, zone, report_back_days=report_back_days, holidays=holidays)
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


def _field(row: ProgressRow, number: int, today: date) -> tuple[str, str]:
    contact = row.contact
    tag = contact.stage.label + (f" · {contact.reply_class}" if contact.reply_class else "")
    name = f"{number}. {esc(contact.person)} ({esc(contact.organization)}) · {tag}"
    value = step_text(row.step, today)
    if row.next_nudge:
        value += f"\n🔔 {row.next_nudge}"
    return name, value


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
) -> tuple[discord.Embed, discord.ui.View | None, int]:
    """The embed for one page (clamped to the pages that exist), its buttons (None when one
    page is enough) and the page actually shown. The first page also shows ``search``, the
    steps about the whole search."""
    rows = progress_rows(
        contacts, now, zone or ZoneInfo("UTC"), next_nudges, report_back_days, holidays
    )
    today = now.astimezone(zone or ZoneInfo("UTC")).date()
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    description = "**Your funnel**\n" + funnel_block(contacts)
    if search is not None and search.items and page == 0:
        description += "\n" + search_block(search) + "\n"
    description += "\nWhat is due first comes first."
    embed = discord.Embed(
        title=f"Your progress: {len(rows)} contact{'s' if len(rows) != 1 else ''}",
        description=description,
        colour=discord.Colour.blurple(),
    )
    footer = f"Page {page + 1} of {pages} · Only you can see this."
    if zone is None:
        footer += " " + NO_ZONE_HINT
    embed.set_footer(text=footer)
    fields = [_field(row, page * PAGE_SIZE + i, today) for i, row in enumerate(shown, start=1)]
    budget = SAFE_TOTAL - len(embed.title or "") - len(embed.description or "") - len(footer)
    per_field = min(FIELD_VALUE, budget // max(len(fields), 1) - FIELD_NAME // 2)
    for name, value in fields:
        embed.add_field(
            name=clip(name, FIELD_NAME // 2), value=clip(value, per_field), inline=False
        )
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
    )
    return embed, view


class ProgressPageButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"ic:pg:(?P<owner>\d+):(?P<page>\d+):(?P<dir>[pn])",
):
    """◀ or ▶: shows page ``page`` of the owner's overview, editing the message in place."""

    def __init__(self, *, owner_id: int, page: int, forward: bool, off: bool = False) -> None:
        page = max(page, 0)
        super().__init__(
            discord.ui.Button(
                label="▶" if forward else "◀",
                style=discord.ButtonStyle.secondary,
                custom_id=f"ic:pg:{owner_id}:{page}:{'n' if forward else 'p'}",
                disabled=off,
            )
        )
        self.owner_id = owner_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ProgressPageButton:
        return cls(
            owner_id=int(match["owner"]),
            page=min(int(match["page"]), 10_000),
            forward=match["dir"] == "n",
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        embed, view = await overview_page(
            context_of(interaction), student_of(interaction), self.page
        )
        await interaction.response.edit_message(embed=embed, view=view)
