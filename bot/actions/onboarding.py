"""Onboarding: what ``/start`` shows about the student and this server, the one-time pointer
to ``/start`` after a student's first command, and the ``/help`` glossary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from bot.actions.common import student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.content import GlossaryEntry
from bot.errors import UserError
from bot.storage.guild_settings import server_settings
from bot.storage.students import created_in_this_task, get_student, student_exists
from bot.text import escape_markdown


@dataclass(frozen=True, slots=True)
class Welcome:
    """What ``/start`` needs: the student's settings that decide when reminders arrive
    (time zone None: not set yet) and this server's outreach-email word limit."""

    timezone: str | None
    quiet_start: time
    quiet_end: time
    digest_day: int | None
    nudges_enabled: bool
    word_limit: int
    report_back_days: int
    """This server's report-back delay (staff may set 7 to 30 days)."""


async def open_start(ctx: ActionContext, who: StudentKey) -> Welcome:
    """The student opened ``/start``: store them (their first step here, so no pointer to
    ``/start`` follows a later command) and return what the welcome shows."""
    now = ctx.clock.now()
    settings = await server_settings(ctx.db, who.guild_id)
    async with student_transaction(ctx, who, now) as tx:
        student = await get_student(tx, who.guild_id, who.user_id)
    assert student is not None  # the transaction made sure of the row
    return Welcome(
        timezone=student.timezone,
        quiet_start=student.quiet_start,
        quiet_end=student.quiet_end,
        digest_day=student.digest_day,
        nudges_enabled=student.nudges_enabled,
        word_limit=settings.email_word_limit(ctx.content.email_rules.word_limit),
        report_back_days=settings.report_back_days,
    )


async def start_pointer_due(ctx: ActionContext, who: StudentKey) -> bool:
    """After a command: True if the student should be pointed to ``/start``, which is once per
    server, after their first stored command (this one created their row; the row notes it,
    written in the command's own transaction, so nothing is written afterwards). A student the
    command did not store (a read-only first command) is pointed each time until one does."""
    if created_in_this_task(who.guild_id, who.user_id):
        return True
    return not await student_exists(ctx.db, who.guild_id, who.user_id)


def glossary_topic(ctx: ActionContext, topic: str) -> GlossaryEntry:
    """The glossary entry named by ``topic`` (its id, term or another word for it)."""
    entry = ctx.content.topic(topic)
    if entry is not None:
        return entry
    close = [e for e in ctx.content.glossary if e.matches(topic)]
    if len(close) == 1:
        return close[0]
    known = ", ".join(e.term for e in (close or ctx.content.glossary))
    raise UserError(
        f"I have no help topic called “{escape_markdown(' '.join(topic.split())[:60])}”. "
        f"{'Did you mean' if close else 'Topics'}: {known}. Try `/help topic:TIARA`, or `/help` "
        "for the list."
    )


def glossary_matches(ctx: ActionContext, query: str) -> list[GlossaryEntry]:
    """Topics for autocomplete: all of them for an empty query, else those whose id, term or
    other words contain it."""
    if not query.strip():
        return list(ctx.content.glossary)
    return [e for e in ctx.content.glossary if e.matches(query)]
