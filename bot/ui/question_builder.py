"""The question-list builder for one contact: pick TIARA bank questions by category, add your
own, remove some, star up to three (starred ones are listed first). Every piece is a persistent
``DynamicItem`` whose custom_id carries the owner, the contact and the category on show, and
each change edits the same private message in place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.actions.prepare import (
    MAX_QUESTIONS,
    MAX_STARS,
    OWN,
    PICK_TO_REMOVE,
    BankQuestion,
    Question,
    QuestionList,
    add_bank_questions,
    add_own_question,
    check_room_for_question,
    question_list,
    remove_questions,
    tiara_bank,
    toggle_star,
)
from bot.content import MAX_QUESTION_TEXT, TIARA
from bot.discord_limits import EMBED_LIMIT, EMBED_TITLE_LIMIT
from bot.errors import UserError
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import (
    GuardedCallback,
    GuardedModal,
    context_of,
    ensure_owner,
    parse_id,
    student_of,
)
from bot.ui.modal_rescue import modal_custom_id, register_modal

OPTION_LABEL_LIMIT = 100
"""Characters in a select option's label."""
CATEGORY_LABELS: dict[str, str] = {
    "trends": "Trends",
    "insights": "Insights",
    "advice": "Advice",
    "resources": "Resources",
    "assignments": "Assignments",
    OWN: "your own",
}
CATEGORY_HINTS: dict[str, str] = {
    "trends": "What is changing in their field",
    "insights": "What surprised them; what the work is really like",
    "advice": "What they would do in your place",
    "resources": "People, groups and reading; ask who else to talk to",
    "assignments": "The projects and tasks their role involves",
}
_CATEGORY = "|".join(TIARA)
STAR = "⭐"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_lines(questions: Sequence[Question], *, cut: int | None = None) -> list[str]:
    """The list, numbered in order (starred first, marked ⭐), each with its category; user
    text is escaped."""
    lines = []
    for number, question in enumerate(questions, start=1):
        text = question.text if cut is None else shorten(question.text, cut)
        label = CATEGORY_LABELS.get(question.category, question.category)
        star = f"{STAR} " if question.starred else ""
        lines.append(f"**{number}.** {star}{escape_markdown(text)} · *{label}*")
    return lines


def builder_embed(listing: QuestionList) -> discord.Embed:
    contact, questions = listing.contact, listing.questions
    if questions:
        # Escaping markdown can double user text: shorten questions if the list won't fit.
        for cut in (None, 200, 120, 60):
            description = "\n".join(question_lines(questions, cut=cut))
            if len(description) <= EMBED_LIMIT:
                break
    else:
        description = (
            "No questions yet. Pick a TIARA category below, then the questions you like, "
            "or add your own. Move from easy (Trends, Insights) to Advice, Resources and "
            "Assignments."
        )
    embed = discord.Embed(
        title=shorten(
            f"Your questions for {escape_markdown(contact.person)} "
            f"({escape_markdown(contact.organization)})",
            EMBED_TITLE_LIMIT,
        ),
        description=description,
        colour=discord.Colour.blurple(),
    )
    starred = len(listing.starred)
    embed.set_footer(
        text=f"{len(questions)}/{MAX_QUESTIONS} questions · {STAR} {starred}/{MAX_STARS} starred, "
        "shown first in your 1-hour reminder · asked in this order · Only you can see this."
    )
    return embed


def render_question_builder(
    listing: QuestionList, category: str, bank: Sequence[BankQuestion]
) -> tuple[discord.Embed, discord.ui.View]:
    """The builder showing ``category``, whose bank questions are ``bank``."""
    owner, cid = listing.contact.user_id, listing.contact.id
    on_list = listing.bank_ids
    view = dynamic_view()
    view.add_item(CategorySelect(owner_id=owner, contact_id=cid, current=category))
    view.add_item(
        BankQuestionSelect(
            owner_id=owner,
            contact_id=cid,
            category=category,
            options=[
                discord.SelectOption(
                    label=shorten(q.text, OPTION_LABEL_LIMIT),
                    value=q.id,
                    description="Already on your list" if q.id in on_list else None,
                )
                for q in bank
            ],
            full=listing.full,
        )
    )
    if listing.questions:
        view.add_item(
            RemoveQuestionSelect(
                owner_id=owner,
                contact_id=cid,
                category=category,
                options=[
                    discord.SelectOption(
                        label=shorten(f"{n}. {q.text}", OPTION_LABEL_LIMIT), value=str(q.id)
                    )
                    for n, q in enumerate(listing.questions, start=1)
                ],
            )
        )
        view.add_item(
            StarQuestionSelect(
                owner_id=owner,
                contact_id=cid,
                category=category,
                options=[
                    discord.SelectOption(
                        label=shorten(f"{n}. {q.text}", OPTION_LABEL_LIMIT),
                        value=f"q{q.id}",
                        emoji=STAR if q.starred else None,
                        description="Starred: pick to unstar" if q.starred else None,
                    )
                    for n, q in enumerate(listing.questions, start=1)
                ],
            )
        )
    view.add_item(
        OwnQuestionButton(owner_id=owner, contact_id=cid, category=category, full=listing.full)
    )
    return builder_embed(listing), view


async def show_builder(
    interaction: discord.Interaction,
    listing: QuestionList,
    category: str,
    bank: Sequence[BankQuestion],
    note: str | None,
) -> None:
    """Re-render the builder in the message the component (or modal) belongs to."""
    embed, view = render_question_builder(listing, category, bank)
    await interaction.response.edit_message(content=note, embed=embed, view=view)


class CategorySelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"ic:qc:(?P<owner>\d+):(?P<contact>\d+)",
):
    def __init__(self, *, owner_id: int, contact_id: int, current: str | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:qc:{owner_id}:{contact_id}",
                placeholder="TIARA category",
                options=[
                    discord.SelectOption(
                        label=CATEGORY_LABELS[category],
                        value=category,
                        description=CATEGORY_HINTS[category],
                        default=category == current,
                    )
                    for category in TIARA
                ],
                row=0,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CategorySelect:
        return cls(owner_id=parse_id(match["owner"]), contact_id=parse_id(match["contact"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        ctx = context_of(interaction)
        listing = await question_list(ctx, student_of(interaction), self.contact_id)
        category = self.item.values[0] if self.item.values else ""
        await show_builder(interaction, listing, category, tiara_bank(ctx, category), None)


class BankQuestionSelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"ic:qb:(?P<owner>\d+):(?P<contact>\d+):(?P<category>{_CATEGORY})",
):
    def __init__(
        self,
        *,
        owner_id: int,
        contact_id: int,
        category: str,
        options: list[discord.SelectOption] | None = None,
        full: bool = False,
    ) -> None:
        label = CATEGORY_LABELS[category]
        if full:
            placeholder = f"Your list is full ({MAX_QUESTIONS}): remove one to add more"
        elif options:
            placeholder = f"Add {label} questions (pick one or more)"
        else:
            placeholder = f"No {label} questions in the bank: add your own"
        disabled = full or not options
        options = options or [discord.SelectOption(label="…", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:qb:{owner_id}:{contact_id}:{category}",
                placeholder=placeholder,
                options=options,
                min_values=1,
                max_values=len(options),
                disabled=disabled,
                row=1,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.category = category

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BankQuestionSelect:
        return cls(
            owner_id=parse_id(match["owner"]),
            contact_id=parse_id(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        ctx = context_of(interaction)
        result = await add_bank_questions(
            ctx, student_of(interaction), self.contact_id, self.category, self.item.values
        )
        parts = []
        if result.added:
            parts.append(f"Added {result.added} question{'s' if result.added != 1 else ''}.")
        if result.skipped:
            parts.append(f"{result.skipped} already on your list (skipped).")
        bank = tiara_bank(ctx, self.category)
        await show_builder(interaction, result.listing, self.category, bank, " ".join(parts))


class RemoveQuestionSelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"ic:qr:(?P<owner>\d+):(?P<contact>\d+):(?P<category>{_CATEGORY})",
):
    def __init__(
        self,
        *,
        owner_id: int,
        contact_id: int,
        category: str,
        options: list[discord.SelectOption] | None = None,
    ) -> None:
        options = options or [discord.SelectOption(label="…", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:qr:{owner_id}:{contact_id}:{category}",
                placeholder="Remove…",
                options=options,
                min_values=1,
                max_values=len(options),
                row=2,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.category = category

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RemoveQuestionSelect:
        return cls(
            owner_id=parse_id(match["owner"]),
            contact_id=parse_id(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        values = self.item.values
        ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18]
        if len(ids) != len(values):
            raise UserError(PICK_TO_REMOVE)
        ctx = context_of(interaction)
        result = await remove_questions(ctx, student_of(interaction), self.contact_id, ids)
        removed = result.removed
        note = (
            f"Removed {removed} question{'s' if removed != 1 else ''}."
            if removed
            else "Those questions were already gone."
        )
        bank = tiara_bank(ctx, self.category)
        await show_builder(interaction, result.listing, self.category, bank, note)


class StarQuestionSelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"ic:qs:(?P<owner>\d+):(?P<contact>\d+):(?P<category>{_CATEGORY})",
):
    """Star a question, or unstar a starred one: one pick at a time."""

    def __init__(
        self,
        *,
        owner_id: int,
        contact_id: int,
        category: str,
        options: list[discord.SelectOption] | None = None,
    ) -> None:
        options = options or [discord.SelectOption(label="…", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:qs:{owner_id}:{contact_id}:{category}",
                placeholder=f"{STAR} Star (up to {MAX_STARS}) or unstar…",
                options=options,
                min_values=1,
                max_values=1,
                row=3,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.category = category

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StarQuestionSelect:
        return cls(
            owner_id=parse_id(match["owner"]),
            contact_id=parse_id(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        ctx = context_of(interaction)
        value = self.item.values[0] if self.item.values else ""
        result = await toggle_star(ctx, student_of(interaction), self.contact_id, value)
        number = result.number
        if not result.changed:
            note = None
        elif result.question.starred:
            note = f"Starred question {number}: your 1-hour reminder shows it first."
        else:
            note = f"Took the star off question {number}."
        bank = tiara_bank(ctx, self.category)
        await show_builder(interaction, result.listing, self.category, bank, note)


class OwnQuestionButton(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ic:qo:(?P<owner>\d+):(?P<contact>\d+):(?P<category>{_CATEGORY})",
):
    def __init__(self, *, owner_id: int, contact_id: int, category: str, full: bool = False):
        super().__init__(
            discord.ui.Button(
                label="Add your own",
                style=discord.ButtonStyle.primary,
                custom_id=f"ic:qo:{owner_id}:{contact_id}:{category}",
                disabled=full,
                row=4,
            )
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.category = category

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OwnQuestionButton:
        return cls(
            owner_id=parse_id(match["owner"]),
            contact_id=parse_id(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        contact = await check_room_for_question(
            context_of(interaction), student_of(interaction), self.contact_id
        )
        await interaction.response.send_modal(
            OwnQuestionModal(contact.user_id, contact.id, self.category)
        )


class OwnQuestionModal(GuardedModal, title="Add your own question"):
    question: discord.ui.TextInput[OwnQuestionModal] = discord.ui.TextInput(
        label="Your question",
        custom_id="question",
        style=discord.TextStyle.paragraph,
        placeholder="What do you wish you had known before joining your team?",
        min_length=1,
        max_length=MAX_QUESTION_TEXT,
    )

    def __init__(
        self, owner_id: int, contact_id: int, category: str, custom_id: str | None = None
    ) -> None:
        super().__init__(
            timeout=900,
            custom_id=custom_id or modal_custom_id("qo", owner_id, contact_id, category),
        )
        self.owner_id = owner_id
        self.contact_id = contact_id
        self.category = category

    async def on_submit(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        ctx = context_of(interaction)
        bank = tiara_bank(ctx, self.category)  # the category on show, from the custom_id
        listing = await add_own_question(
            ctx, student_of(interaction), self.contact_id, self.question.value
        )
        await show_builder(interaction, listing, self.category, bank, "Added your question.")


register_modal(
    rf"ic:mf:qo:(?P<owner>\d+):(?P<contact>\d+):(?P<category>{_CATEGORY}):[0-9a-f]{{8}}",
    lambda m: OwnQuestionModal(
        parse_id(m["owner"]), parse_id(m["contact"]), m["category"], custom_id=m.string
    ),
)

QUESTION_BUILDER_ITEMS = (
    CategorySelect,
    BankQuestionSelect,
    RemoveQuestionSelect,
    StarQuestionSelect,
    OwnQuestionButton,
)
