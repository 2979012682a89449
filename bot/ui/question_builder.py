"""The question-list builder for one contact: pick TIARA bank questions by category, add your
own, remove some. Every piece is a persistent ``DynamicItem`` whose custom_id carries the owner,
the contact and the category on show, and each change edits the same private message in place."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.content import MAX_QUESTION_TEXT, TIARA, Content
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, get_contact, touch_contact
from bot.storage.events import append_event
from bot.storage.questions import (
    MAX_QUESTIONS,
    Question,
    add_question,
    count_questions,
    list_questions,
    take_question,
)
from bot.storage.students import ensure_student
from bot.text import escape_markdown
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, GuardedModal, bot_of, ensure_owner, guild_id_of
from bot.ui.modal_rescue import modal_custom_id, register_modal
from bot.validation import clean_text

OWN = "own"
EMBED_DESCRIPTION_LIMIT = 4096
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
    "insights": "What their work is really like",
    "advice": "What they would do in your place",
    "resources": "People, groups and reading; ask who else to talk to",
    "assignments": "A small task or next step they suggest",
}
_CATEGORY = "|".join(TIARA)
FULL = (
    f"You can have at most {MAX_QUESTIONS} questions per contact and your list is full. "
    "Remove one first."
)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_lines(questions: list[Question], *, cut: int | None = None) -> list[str]:
    """The list, numbered in order, each with its category; user text is escaped."""
    lines = []
    for number, question in enumerate(questions, start=1):
        text = question.text if cut is None else shorten(question.text, cut)
        label = CATEGORY_LABELS.get(question.category, question.category)
        lines.append(f"**{number}.** {escape_markdown(text)} · *{label}*")
    return lines


def builder_embed(contact: ContactRecord, questions: list[Question]) -> discord.Embed:
    if questions:
        # Escaping markdown can double user text: shorten questions if the list won't fit.
        for cut in (None, 200, 120, 60):
            description = "\n".join(question_lines(questions, cut=cut))
            if len(description) <= EMBED_DESCRIPTION_LIMIT:
                break
    else:
        description = (
            "No questions yet. Pick a TIARA category below, then the questions you like, "
            "or add your own. Move from easy (Trends, Insights) to Advice, Resources and "
            "Assignments."
        )
    embed = discord.Embed(
        title=shorten(f"Your questions for {contact.person} ({contact.organization})", 256),
        description=description,
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(
        text=f"{len(questions)}/{MAX_QUESTIONS} questions · asked in this order · "
        "Only you can see this."
    )
    return embed


def render_question_builder(
    content: Content, contact: ContactRecord, questions: list[Question], category: str
) -> tuple[discord.Embed, discord.ui.View]:
    owner, cid = contact.user_id, contact.id
    on_list = {q.bank_id for q in questions if q.bank_id}
    full = len(questions) >= MAX_QUESTIONS
    view = dynamic_view()
    view.add_item(CategorySelect(owner_id=owner, contact_id=cid, current=category))
    view.add_item(
        BankQuestionSelect(
            owner_id=owner,
            contact_id=cid,
            category=category,
            options=[
                discord.SelectOption(
                    label=shorten(q.text, 100),
                    value=q.id,
                    description="Already on your list" if q.id in on_list else None,
                )
                for q in content.questions_in(category)
            ],
            full=full,
        )
    )
    if questions:
        view.add_item(
            RemoveQuestionSelect(
                owner_id=owner,
                contact_id=cid,
                category=category,
                options=[
                    discord.SelectOption(label=shorten(f"{n}. {q.text}", 100), value=str(q.id))
                    for n, q in enumerate(questions, start=1)
                ],
            )
        )
    view.add_item(OwnQuestionButton(owner_id=owner, contact_id=cid, category=category, full=full))
    return builder_embed(contact, questions), view


async def _owned_contact(
    interaction: discord.Interaction, owner_id: int, contact_id: int
) -> ContactRecord:
    ensure_owner(interaction, owner_id)
    contact = await get_contact(
        bot_of(interaction).db, guild_id_of(interaction), owner_id, contact_id
    )
    if contact is None:
        raise UserError("That contact no longer exists.")
    return contact


async def show_builder(
    interaction: discord.Interaction, contact: ContactRecord, category: str, note: str | None
) -> None:
    """Re-render the builder in the message the component (or modal) belongs to."""
    bot = bot_of(interaction)
    questions = await list_questions(bot.db, contact.id)
    embed, view = render_question_builder(bot.content, contact, questions, category)
    await interaction.response.edit_message(content=note, embed=embed, view=view)


async def add_questions(
    interaction: discord.Interaction,
    contact: ContactRecord,
    picks: list[tuple[str, str | None, str]],
) -> None:
    """Append ``(category, bank_id, text)`` picks in order, all or nothing (at most
    ``MAX_QUESTIONS`` on the list)."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    now = bot.clock.now()
    async with bot.db.transaction() as tx:
        present = await count_questions(tx, contact.id)
        if present + len(picks) > MAX_QUESTIONS:
            room = MAX_QUESTIONS - present
            raise UserError(
                f"You can have at most {MAX_QUESTIONS} questions per contact; there's room for "
                f"{room} more, so pick fewer."
                if room > 0
                else FULL
            )
        await ensure_student(tx, guild_id, contact.user_id, now)
        for category, bank_id, text in picks:
            await add_question(tx, contact.id, category, text, bank_id)
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=contact.user_id,
                contact_id=contact.id,
                kind="question_added",
                payload={"category": category, "bank_id": bank_id},
                at=now,
            )
        await touch_contact(tx, contact.id, now)


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
        return cls(owner_id=int(match["owner"]), contact_id=int(match["contact"]))

    async def run(self, interaction: discord.Interaction) -> None:
        contact = await _owned_contact(interaction, self.owner_id, self.contact_id)
        category = self.item.values[0] if self.item.values else ""
        if category not in TIARA:
            raise UserError("Pick one of the five TIARA categories.")
        await show_builder(interaction, contact, category, None)


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
            owner_id=int(match["owner"]),
            contact_id=int(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        contact = await _owned_contact(interaction, self.owner_id, self.contact_id)
        bot = bot_of(interaction)
        bank = {q.id: q for q in bot.content.questions_in(self.category)}
        picked = list(dict.fromkeys(self.item.values))
        if not picked or any(value not in bank for value in picked):
            raise UserError(
                "That question is no longer in the bank. Run `/prepare questions` again."
            )
        on_list = {q.bank_id for q in await list_questions(bot.db, contact.id) if q.bank_id}
        new = [bank[value] for value in picked if value not in on_list]
        if new:
            await add_questions(interaction, contact, [(q.category, q.id, q.text) for q in new])
        skipped = len(picked) - len(new)
        parts = []
        if new:
            parts.append(f"Added {len(new)} question{'s' if len(new) != 1 else ''}.")
        if skipped:
            parts.append(f"{skipped} already on your list (skipped).")
        await show_builder(interaction, contact, self.category, " ".join(parts))


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
            owner_id=int(match["owner"]),
            contact_id=int(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        contact = await _owned_contact(interaction, self.owner_id, self.contact_id)
        values = list(dict.fromkeys(self.item.values))
        ids = [int(v) for v in values if v.isdigit() and len(v) <= 18]
        if not ids or len(ids) != len(values):
            raise UserError("Pick questions from the list to remove them.")
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        now = bot.clock.now()
        removed = 0
        async with bot.db.transaction() as tx:
            await ensure_student(tx, guild_id, contact.user_id, now)
            for question_id in ids:
                question = await take_question(tx, contact.id, question_id)
                if question is None:
                    continue
                removed += 1
                await append_event(
                    tx,
                    guild_id=guild_id,
                    user_id=contact.user_id,
                    contact_id=contact.id,
                    kind="question_removed",
                    payload={"category": question.category, "bank_id": question.bank_id},
                    at=now,
                )
            if removed:
                await touch_contact(tx, contact.id, now)
        note = (
            f"Removed {removed} question{'s' if removed != 1 else ''}."
            if removed
            else "Those questions were already gone."
        )
        await show_builder(interaction, contact, self.category, note)


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
                row=3,
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
            owner_id=int(match["owner"]),
            contact_id=int(match["contact"]),
            category=match["category"],
        )

    async def run(self, interaction: discord.Interaction) -> None:
        contact = await _owned_contact(interaction, self.owner_id, self.contact_id)
        if len(await list_questions(bot_of(interaction).db, contact.id)) >= MAX_QUESTIONS:
            raise UserError(FULL)
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
        contact = await _owned_contact(interaction, self.owner_id, self.contact_id)
        text = clean_text(
            " ".join(self.question.value.split()), "question", max_length=MAX_QUESTION_TEXT
        )
        await add_questions(interaction, contact, [(OWN, None, text)])
        await show_builder(interaction, contact, self.category, "Added your question.")


register_modal(
    r"ic:mf:qo:(?P<owner>\d+):(?P<contact>\d+):(?P<category>[a-z]+):[0-9a-f]{8}",
    lambda m: OwnQuestionModal(
        int(m["owner"]), int(m["contact"]), m["category"], custom_id=m.string
    ),
)

QUESTION_BUILDER_ITEMS = (
    CategorySelect,
    BankQuestionSelect,
    RemoveQuestionSelect,
    OwnQuestionButton,
)
