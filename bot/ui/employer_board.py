"""The employer board (``/employers list``): the student's LAMP list, ten a page, the active five
first and marked, each employer's scores, contacts, furthest stage and 3B7 state in words; ◀ ▶
page buttons that only their owner can use and that keep working after a restart. Also the
sentences that tell a student how their top five moved."""

from __future__ import annotations

from datetime import date

import discord

from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import Board, BoardRow, Moves, employer_board
from bot.discord_limits import EMBED_FIELD_LIMIT, EMBED_TITLE_LIMIT, EMBED_TOTAL_LIMIT
from bot.domain.employers import (
    ACTIVE_SIZE,
    IMPORT_EXAMPLE,
    Outreach,
    OutreachState,
    Scores,
    scores_text,
)
from bot.storage.employers import EmployerRecord
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import context_of, student_of
from bot.ui.page_buttons import PageButton

PAGE_SIZE = 10
SAFE_TOTAL = EMBED_TOTAL_LIMIT - 200
FIELD_NAME = EMBED_TITLE_LIMIT
SHORT_NAME = 60  # employer names on the board
SHORT_PERSON = 40
SHORT_NOTE = 120
ACTIVE_MARK = "⭐"
PIN_MARK = "📌"
SCORE_HELP = (
    "**A**lumni/Advocacy: yes or no (a connection there) · **M**otivation: 0–3 (how much you "
    "want to work there) · **P**osting: 1–3 (3 = a relevant posting now)"
)
EMPTY_BOARD = (
    "The 2-Hour Job Search starts with a list of about 40 employers you would like to work "
    "for, scored and sorted; then you work the top five.\n"
    "• Add one: `/employers add name:Contoso Energy alumni:yes motivation:3 posting:2`\n"
    f"• Or paste your list: `/employers import`, one employer per line, e.g. `{IMPORT_EXAMPLE}`\n"
    "• Adding a contact with `/request new` puts their organization on the list too.\n\n"
    + SCORE_HELP
)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def esc_name(name: str, limit: int = SHORT_NAME) -> str:
    return escape_markdown(clip(name, limit))


def short_date(day: date, today: date) -> str:
    if day == today:
        return "today"
    return f"{day:%a} {day.day} {day:%b}" + ("" if day.year == today.year else f" {day.year}")


def outreach_text(state: OutreachState, today: date) -> str:
    """The employer's 3B7 state in words (names escaped)."""
    person = esc_name(state.person or "", SHORT_PERSON)
    on = short_date(state.on, today) if state.on else ""
    match state.step:
        case Outreach.NO_CONTACT:
            return "No contact yet: add someone there with `/request new`."
        case Outreach.NOT_ASKED:
            return f"No request sent yet: write to {person}, then log it with `/request sent`."
        case Outreach.WAITING:
            return f"Waiting for {person}'s reply; no reply by {on} → contact a second person here."
        case Outreach.SECOND_PERSON:
            return f"3B: no reply from {person} by {on}: contact a second person here now."
        case Outreach.SECOND_ADDED:
            second = esc_name(state.second or "", SHORT_PERSON)
            return (
                f"3B done ({second} is your second contact here); still no reply from {person} "
                f"by {on} → send one follow-up."
            )
        case Outreach.FOLLOW_UP:
            return f"No reply after 7 business days: send {person} one short follow-up now."
        case Outreach.FOLLOWED_UP:
            return f"Followed up with {person}; if they stay silent, close them and move on."
        case Outreach.TALKING:
            stage = state.stage.label if state.stage else "replied"
            return f"In conversation: {person} ({stage})."
        case Outreach.EXHAUSTED:
            return "Every contact here is closed: this employer is done."
        case Outreach.DONE:
            return "Marked done (`/employers reopen` to work it again)."
    return ""


def scores_line(scores: Scores) -> str:
    if scores.empty:
        return "Not scored yet: `/employers score`"
    return scores_text(scores)


def _field(row: BoardRow, number: int, today: date) -> tuple[str, str]:
    employer = row.employer
    marks = f"{ACTIVE_MARK} " if row.active else ""
    name = f"{number}. {marks}{esc_name(employer.name)}"
    if employer.pinned:
        name += f" {PIN_MARK}"
    if row.exhausted:
        name += " · done"
    if row.contacts:
        people = f"{row.contacts} contact{'s' if row.contacts != 1 else ''}"
        if row.furthest is not None:
            people += f", furthest: {row.furthest.label}"
    else:
        people = "no contacts"
    lines = [f"{scores_line(employer.scores)} · {people}", outreach_text(row.outreach, today)]
    if employer.note:
        lines.append(f"📝 {esc_name(employer.note, SHORT_NOTE)}")
    return name, "\n".join(lines)


def render_board(
    board: Board, page: int, *, owner_id: int
) -> tuple[discord.Embed, discord.ui.View | None, int]:
    """The embed for one page (clamped to the pages that exist), its buttons (None when one
    page is enough) and the page shown."""
    rows = board.rows
    if not rows:
        embed = discord.Embed(
            title="Your employer list (LAMP) is empty",
            description=EMPTY_BOARD,
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text="Only you can see this.")
        return embed, None, 0
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    active = sum(1 for row in rows if row.active)
    description = (
        f"{ACTIVE_MARK} = your top five: work these now. {PIN_MARK} = pinned. Sorted by "
        "Motivation, then Posting, then Alumni.\n"
    )
    if active < ACTIVE_SIZE:
        description += (
            f"Only {active} employer{'s' if active != 1 else ''} to work: add more with "
            "`/employers add` or `/employers import` (aim for about 40).\n"
        )
    if any(row.active and row.employer.scores.empty for row in rows):
        description += (
            "Score the unscored ones with `/employers score` so the order means something.\n"
        )
    description += SCORE_HELP
    embed = discord.Embed(
        title=f"Your employers (LAMP list): {len(rows)}",
        description=description,
        colour=discord.Colour.blurple(),
    )
    footer = f"Page {page + 1} of {pages} · Only you can see this."
    if board.zone is None:
        footer += " Dates in UTC: set your time zone with /settings timezone."
    embed.set_footer(text=footer)
    fields = [_field(row, page * PAGE_SIZE + i, board.today) for i, row in enumerate(shown, 1)]
    budget = SAFE_TOTAL - len(embed.title or "") - len(description) - len(footer)
    per_field = min(EMBED_FIELD_LIMIT, budget // max(len(fields), 1) - FIELD_NAME // 2)
    for name, value in fields:
        embed.add_field(
            name=clip(name, FIELD_NAME // 2), value=clip(value, per_field), inline=False
        )
    if pages == 1:
        return embed, None, page
    view = dynamic_view()
    view.add_item(
        EmployerPageButton(owner_id=owner_id, page=page - 1, forward=False, off=page == 0)
    )
    view.add_item(
        EmployerPageButton(owner_id=owner_id, page=page + 1, forward=True, off=page == pages - 1)
    )
    return embed, view, page


async def board_page(
    ctx: ActionContext, who: StudentKey, page: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    embed, view, _ = render_board(await employer_board(ctx, who), page, owner_id=who.user_id)
    return embed, view


class EmployerPageButton(
    PageButton, template=r"ic:lamp:(?P<owner>\d+):(?P<page>\d+):(?P<dir>[pn])"
):
    """◀ or ▶: page ``page`` of the owner's employer board, editing the message in place."""

    PREFIX = "lamp"

    async def show(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        return await board_page(context_of(interaction), student_of(interaction), page)


# --- how the top five moved, in words ---------------------------------------------------------


def names(employers: tuple[EmployerRecord, ...]) -> str:
    shown = [f"**{esc_name(e.name)}**" for e in employers]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def moves_phrase(moves: Moves) -> str:
    """“**Fabrikam** moves into your top five; **Northwind** moves out (still on your list)”
    (empty when nothing moved)."""
    parts = []
    if moves.entered:
        verb = "moves" if len(moves.entered) == 1 else "move"
        parts.append(f"{names(moves.entered)} {verb} into your top five")
    if moves.left:
        verb = "moves" if len(moves.left) == 1 else "move"
        where = "" if moves.entered else " of your top five"
        parts.append(f"{names(moves.left)} {verb} out{where} (still on your list)")
    return "; ".join(parts)


def moves_text(moves: Moves) -> str:
    """:func:`moves_phrase` as a sentence (empty when nothing moved)."""
    phrase = moves_phrase(moves)
    return phrase + "." if phrase else ""
