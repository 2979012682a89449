"""How a meeting and a question list look in messages: Discord timestamps show every reader
their own local time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.discord_limits import MESSAGE_LIMIT
from bot.storage.contacts import ContactRecord
from bot.storage.questions import Question
from bot.text import escape_markdown


def when(instant: datetime) -> str:
    """``<t:UNIX:F> (<t:UNIX:R>)``: full date and time plus "in 3 days", in the reader's zone."""
    return f"{discord.utils.format_dt(instant, 'F')} ({discord.utils.format_dt(instant, 'R')})"


def minutes_text(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _numbered(questions: Sequence[Question], cut: int | None) -> list[str]:
    lines = []
    for number, question in enumerate(questions, start=1):
        text = question.text
        if cut is not None and len(text) > cut:
            text = text[: cut - 1] + "…"
        star = "⭐ " if question.starred else ""
        lines.append(f"**{number}.** {star}{escape_markdown(text)}")
    return lines


def interview_brief(contact: ContactRecord, questions: Sequence[Question], minutes: int) -> str:
    """The text above the interview checklist: meeting length (and time), the chosen questions.

    Fits one message (2,000 characters): long questions are shortened before anything is cut.
    """
    name = escape_markdown(contact.display_name)
    head = f"**Meeting with {name}** · {minutes_text(minutes)}"
    if contact.meeting_at is not None:
        head += f" · {when(contact.meeting_at)}"
    head += "\n-# Keep to the time you asked for; offer to wrap up when it's up."
    if not questions:
        return head + "\nNo questions on your list yet: build it with `/prepare questions`."
    for cut in (None, 160, 100, 60):
        body = "\n".join([head, "**Your questions, in order:**", *_numbered(questions, cut)])
        if len(body) <= MESSAGE_LIMIT:
            return body
    return body[: MESSAGE_LIMIT - 1] + "…"
