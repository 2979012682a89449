"""Phase 3, performing during the interview: ``/interview checklist | done``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.interview import (
    MAX_NOTE,
    MeetingLogged,
    SkippedReferral,
    log_meeting,
    meeting_brief,
    meeting_to_log,
)
from bot.discord_limits import MESSAGE_LIMIT, MODAL_TITLE_LIMIT
from bot.domain.referrals import MAX_REFERRALS
from bot.text import escape_markdown
from bot.ui.checklist import ChecklistTick, show_checklist
from bot.ui.contact_option import ContactOption
from bot.ui.contact_reminders import reminders_off_line
from bot.ui.guarded import GuardedModal, context_of, parse_id, student_of
from bot.ui.meeting import interview_brief
from bot.ui.modal_rescue import modal_custom_id, register_modal

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

MODAL_TITLE = "Log your meeting"
MODAL_TIMEOUT = 3600  # seconds the form may stay open; long enough to write notes


def modal_title(person: str) -> str:
    title = f"{MODAL_TITLE}: {person}"
    return title if len(title) <= MODAL_TITLE_LIMIT else title[: MODAL_TITLE_LIMIT - 1] + "…"


class MeetingLogModal(GuardedModal, title=MODAL_TITLE):
    notes: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label="Notes",
        custom_id="notes",
        style=discord.TextStyle.paragraph,
        placeholder="What you talked about, in your own words",
        required=False,
        max_length=MAX_NOTE,
    )
    takeaways: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label="Takeaways",
        custom_id="takeaways",
        style=discord.TextStyle.paragraph,
        placeholder="The advice you'll act on; name one in your thank-you note",
        required=True,
        max_length=MAX_NOTE,
    )
    referrals: discord.ui.TextInput[MeetingLogModal] = discord.ui.TextInput(
        label=f"Who else to talk to (up to {MAX_REFERRALS})",
        custom_id="referrals",
        style=discord.TextStyle.paragraph,
        placeholder="One per line: Name — Organization",
        required=False,
        max_length=MAX_NOTE,
    )

    def __init__(
        self, contact_id: int, title: str = MODAL_TITLE, custom_id: str | None = None
    ) -> None:
        super().__init__(
            title=title,
            timeout=MODAL_TIMEOUT,
            custom_id=custom_id or modal_custom_id("done", contact_id),
        )
        self.contact_id = contact_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        result = await log_meeting(
            context_of(interaction),
            student_of(interaction),
            self.contact_id,
            notes=self.notes.value,
            takeaways=self.takeaways.value,
            referrals=self.referrals.value,
        )
        await interaction.response.send_message(meeting_summary(result), ephemeral=True)


def meeting_summary(result: MeetingLogged) -> str:
    contact, takeaways, referrals = result.contact, result.takeaways, result.referrals
    escape = escape_markdown
    name = escape(contact.display_name)
    lines = [
        f"Logged: you met **{name}**. Your notes and takeaways are saved.",
        *takeaway_quote(takeaways),
    ]
    if referrals:
        lines.append(
            f"Added {len(referrals)} new contact{'s' if len(referrals) != 1 else ''}, "
            f"referred by {escape(contact.person)}:"
        )
        lines += [f"• {escape(r.person)} ({escape(r.organization)})" for r in referrals]
        lines.append("-# Contact them soon, mention who referred you, and tell the referrer.")
    if result.linked:
        lines.append(
            f"Already in your contacts, now marked as suggested by {escape(contact.person)} "
            "(name them in your first line):"
        )
        lines += [f"• {escape(c.person)} ({escape(c.organization)})" for c in result.linked]
    next_step = (
        "Next: send a thank-you **within 24 hours** that names one specific takeaway "
        "(`/followup thank-you` drafts it; log it with `/followup thanked`)."
    )
    off = reminders_off_line(contact, "thank-you, referrals or report-back")
    tail = [next_step] if off is None else [next_step, off]
    if result.skipped:
        used = sum(len(line) + 1 for line in (*lines, *tail))
        lines += skipped_lines(result.skipped, MESSAGE_LIMIT - used)
    lines += tail
    return "\n".join(lines)


def takeaway_quote(takeaways: str, limit: int = 300, max_lines: int = 8) -> list[str]:
    """The takeaways as typed, one "> " quote line per non-blank line (shortened to about
    ``limit`` characters and ``max_lines`` lines in all)."""
    quoted: list[str] = []
    room = limit
    for raw in takeaways.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if len(quoted) == max_lines:
            quoted[-1] += " …"
            break
        if len(line) > room:
            quoted.append(f"> {escape_markdown(line[: max(room - 1, 0)].rstrip())}…")
            break
        quoted.append(f"> {escape_markdown(line)}")
        room -= len(line)
    return quoted


def _code(text: str) -> str:
    """Text safe inside a one-line `code` span (a backtick would end it)."""
    return " ".join(text.replace("`", "'").split())


def _add_later(skipped: SkippedReferral) -> str:
    person = _code(skipped.person) if skipped.person else "<name>"
    organization = _code(skipped.organization) if skipped.organization else "<where they work>"
    return f"`/request new person:{person} organization:{organization}`"


def skipped_lines(skipped: tuple[SkippedReferral, ...], room: int) -> list[str]:
    """The referral lines not added, as typed, each with why and how to add it later."""
    count = len(skipped)
    lines = [
        f"⚠️ {'This referral was' if count == 1 else f'These {count} referrals were'} not "
        "added (the meeting, your notes and the other referrals are saved):"
    ]
    room -= len(lines[0]) + 100  # the header and the "…and N more" line
    for number, item in enumerate(skipped):
        shown = item.line if len(item.line) <= 120 else item.line[:119] + "…"
        line = f"• “{escape_markdown(shown)}”: {item.reason}."
        if not item.already:
            line = line[:-1] + f". Add it later with {_add_later(item)}."
        if len(line) > room:
            lines.append(
                f"…and {count - number} more line{'s' if count - number != 1 else ''} not "
                "added: add them with `/request new`."
            )
            break
        lines.append(line)
        room -= len(line) + 1
    return lines


register_modal(
    r"ic:mf:done:(?P<contact>\d+):[0-9a-f]{8}",
    lambda m: MeetingLogModal(parse_id(m["contact"]), custom_id=m.string),
)


@app_commands.guild_only()
class InterviewCog(
    commands.GroupCog,
    group_name="interview",
    group_description="Phase 3: during the meeting, and logging it",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @app_commands.command(
        name="checklist", description="Your during-the-meeting checklist and your questions"
    )
    @app_commands.describe(contact="Which contact (default: the one you worked on last)")
    async def checklist(
        self, interaction: discord.Interaction, contact: ContactOption | None = None
    ) -> None:
        brief = await meeting_brief(
            self.ctx, student_of(interaction), contact.id if contact else None
        )
        embed, view = await show_checklist(self.ctx, brief.contact, "interview")
        # The brief goes in the content: ticking re-renders only the embed and keeps it.
        await interaction.response.send_message(
            interview_brief(brief.contact, brief.questions, brief.minutes),
            embed=embed,
            view=view,
            ephemeral=True,
        )

    @app_commands.command(
        name="done", description="Log that the meeting happened: notes, takeaways, referrals"
    )
    @app_commands.describe(contact="Which contact you met")
    async def done(self, interaction: discord.Interaction, contact: ContactOption) -> None:
        chosen = await meeting_to_log(self.ctx, student_of(interaction), contact.id)
        modal = MeetingLogModal(chosen.id, modal_title(chosen.person))
        await interaction.response.send_modal(modal)


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(ChecklistTick)
    await bot.add_cog(InterviewCog(bot.actions))
