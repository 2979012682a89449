"""``/staff student``: one student's stages, shown only when that student opted in.

Shown per contact: the organization, the stage and the dates the stages were reached. Never
the person's name or role, notes, questions, takeaways or checklist ticks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.discord_limits import EMBED_LIMIT, EMBED_TITLE_LIMIT
from bot.domain.contacts import Stage
from bot.storage.contacts import ContactRecord
from bot.text import escape_markdown

DATED_STAGES: tuple[tuple[str, str], ...] = (
    ("requested", "requested_at"),
    ("replied", "replied_at"),
    ("scheduled", "scheduled_at"),
    ("met", "met_at"),
    ("thanked", "thanked_at"),
    ("reported back", "reported_back_at"),
    ("kept in touch", "kept_in_touch_at"),
    ("closed", "closed_at"),
)


def not_shared_text(member: discord.abc.User) -> str:
    """The same words whether or not the member ever used the bot."""
    return (
        f"{member.mention} hasn't chosen to share their progress with this server's staff, so "
        "I can't show anything about them. Students can opt in with "
        "`/privacy share enabled:True`; server-wide totals are in `/staff stats`."
    )


def _day(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "d")


def contact_line(contact: ContactRecord) -> str:
    organization = escape_markdown(contact.organization)
    dates = [
        f"{label} {_day(value)}"
        for label, column in DATED_STAGES
        if isinstance(value := getattr(contact, column), datetime)
    ]
    line = f"• **{organization}** — {contact.stage.label}"
    return f"{line} ({', '.join(dates)})" if dates else line


def student_embed(member: discord.abc.User, contacts: Sequence[ContactRecord]) -> discord.Embed:
    """The shared view: totals by stage, then one line per contact (most recently active
    first), as many as fit."""
    counts = Counter(contact.stage for contact in contacts)
    totals = ", ".join(f"{stage.label}: {counts[stage]}" for stage in Stage if counts[stage])
    head = [
        f"{member.mention} shares their stages with staff.",
        f"**{len(contacts)} contact{'s' if len(contacts) != 1 else ''}**"
        + (f" — {totals}" if totals else ""),
        "",
    ]
    lines = [contact_line(contact) for contact in contacts] or ["No contacts yet."]
    shown = list(head)
    for number, line in enumerate(lines):
        rest = len(lines) - number
        more = f"… and {rest} more"
        if len("\n".join([*shown, line, more])) > EMBED_LIMIT:
            shown.append(more)
            break
        shown.append(line)
    embed = discord.Embed(
        title=f"Progress of {escape_markdown(member.display_name)}"[:EMBED_TITLE_LIMIT],
        description="\n".join(shown),
        colour=discord.Colour.teal(),
    )
    embed.set_footer(
        text="Organizations, stages and dates only: names, notes, questions and takeaways stay "
        "private. The student can stop sharing at any time."
    )
    return embed
