"""A way in: ``/start`` (the method in five steps, what the bot will DM and when, privacy, and
buttons for the first three actions) and ``/help [topic]`` (the glossary in
``data/glossary.toml`` and the main commands by phase)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.onboarding import Welcome, glossary_matches, glossary_topic, open_start
from bot.actions.settings import WEEKDAYS
from bot.content import Content, GlossaryEntry
from bot.discord_limits import CHOICE_NAME_LIMIT, EMBED_FIELD_LIMIT, MAX_CHOICES
from bot.errors import UserError
from bot.glossary_links import GlossaryLinker
from bot.text import escape_markdown
from bot.ui.guarded import student_of
from bot.ui.start_buttons import (
    CheckEmailButton,
    FirstEmployerButton,
    StartTimezoneSelect,
    start_view,
)

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

WELCOME_TITLE = "Welcome to InfoCoach 👋"
METHOD_STEPS = (
    "I help you learn about careers through **informational interviews**: short conversations "
    "with people who work where you would like to work. You ask for advice, never for a job. "
    "The method has five steps:\n"
    "**1. Make your LAMP list** of about 40 employers you would like to work for, scored so "
    "you know where to start: your top five. → `/employers`\n"
    "**2. Send a short 5-Point Email** (under {limit} words, no job talk, your connection "
    "first) asking for a 20-minute conversation. → `/request new`, `/request check-email`\n"
    "**3. Follow the 3B7 routine**: no reply after 3 business days → write to a second person "
    "at the same employer; after 7 → one short follow-up to the first. → `/request sent`\n"
    "**4. Have a 15–30 minute conversation** with TIARA questions (Trends, Insights, Advice, "
    "Resources, Assignments). → `/prepare`, `/interview`\n"
    "**5. Send a thank-you within 24 hours**, then report back on what you did with their "
    "advice and keep in touch. → `/followup`"
)
PRIVACY_LINE = (
    "Only you see my replies. Staff see only anonymous totals unless you opt in with "
    "`/privacy share`. `/privacy export` downloads your data; `/privacy delete` erases it."
)
WELCOME_FOOTER = "New words (LAMP, 5-Point Email, 3B7, TIARA, booster…) are explained in /help."

PHASE_COMMANDS: tuple[tuple[str, str], ...] = (
    ("Getting started", "`/start` · `/settings timezone` · `/help`"),
    (
        "Your employers (LAMP list)",
        "`/employers add` · `/employers import` · `/employers list` · `/employers score` · "
        "`/employers done`",
    ),
    (
        "1. Making a request",
        "`/request new` · `/request check-email` · `/request sent` · `/request reply` · "
        "`/request followed-up`",
    ),
    (
        "2. Preparing",
        "`/prepare schedule` · `/prepare questions` · `/prepare star` · `/prepare unstar` · "
        "`/prepare checklist`",
    ),
    ("3. The conversation", "`/interview checklist` · `/interview done`"),
    (
        "4. Following up",
        "`/followup draft` · `/followup thank-you` · `/followup thanked` · "
        "`/followup told-referrer` · `/followup reported-back` · `/followup kept-in-touch` · "
        "`/followup close`",
    ),
    (
        "Any time",
        "`/progress` · `/settings show` · `/privacy share` · `/privacy export` · `/privacy delete`",
    ),
)


def clip(text: str, limit: int) -> str:
    """A whole line less rather than a pointer cut in half."""
    while len(text) > limit and "\n" in text:
        text = text.rsplit("\n", 1)[0]
    return text[:limit]


def _hours(welcome: Welcome) -> str:
    span = f"{welcome.quiet_start:%H:%M}–{welcome.quiet_end:%H:%M}"
    return f"{span} your time" if welcome.timezone else f"{span} once your time zone is set"


def reminders_text(welcome: Welcome) -> str:
    """One line per main reminder, with this student's digest day and quiet hours."""
    digest = (
        f"every **{WEEKDAYS[welcome.digest_day]}**"
        if welcome.digest_day is not None
        else "off for you"
    )
    lines = [
        "• **3 and 7 business days** after a request with no reply: the next 3B7 step.",
        "• **Before a meeting**: finish preparing (3 days before), confirm the time (1 day), "
        "your questions (1 hour).",
        "• **After a meeting**: the thank-you (a few hours after, a last call before 24 hours "
        "are up), your referrals (3 business days), report back "
        f"({welcome.report_back_days} days).",
        "• **Every 4 months or so**: keep in touch with the people who helped.",
        f"• **Weekly digest** of what is due: {digest} (`/settings digest`).",
        f"Never during your quiet hours ({_hours(welcome)}; `/settings quiet-hours`).",
    ]
    if not welcome.nudges_enabled:
        lines.append("Your reminders are **off** here: turn them on with `/settings nudges`.")
    return "\n".join(lines)


def first_steps_text(welcome: Welcome) -> str:
    zone = (
        f"1. Your time zone is **{welcome.timezone}**; change it in the menu below if it's wrong."
        if welcome.timezone
        else "1. Choose your time zone in the menu below (or `/settings timezone` and type your "
        "city), so reminders come at sensible times."
    )
    return (
        f"{zone}\n2. Add your first employer or contact.\n"
        "3. Check an outreach email before you send it."
    )


def welcome_embed(welcome: Welcome, glossary: Sequence[GlossaryEntry] = ()) -> discord.Embed:
    """The welcome; with ``glossary``, the method's words in the five steps point to their
    /help topics (one pointer each, and none in the rest of the welcome)."""
    linker = GlossaryLinker(glossary, limit=None)
    embed = discord.Embed(
        title=WELCOME_TITLE,
        description=linker.link(METHOD_STEPS.format(limit=welcome.word_limit)),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="What I'll send you by direct message",
        value=clip(reminders_text(welcome), EMBED_FIELD_LIMIT),
    )
    embed.add_field(name="Privacy", value=PRIVACY_LINE, inline=False)
    embed.add_field(
        name="Your first three steps",
        value=clip(first_steps_text(welcome), EMBED_FIELD_LIMIT),
        inline=False,
    )
    embed.set_footer(text=WELCOME_FOOTER)
    return embed


def help_overview_embed(topics: tuple[GlossaryEntry, ...]) -> discord.Embed:
    embed = discord.Embed(
        title="InfoCoach help",
        description="Pick a topic with `/help topic:` and start typing, e.g. `/help topic:3B7`. "
        "New here? `/start` shows the method in five steps.",
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="Topics", value=" · ".join(entry.term for entry in topics)[:1024], inline=False
    )
    for phase, commands_line in PHASE_COMMANDS:
        embed.add_field(name=phase, value=commands_line, inline=False)
    embed.set_footer(text="Only you can see this.")
    return embed


def unknown_topic_text(content: Content, topic: str) -> str:
    """No topic by that name: the nearest one for a typo ("tiarra" → TIARA questions), else
    the topics that contain it, else all of them; topics are separated by " · "."""
    typed = escape_markdown(" ".join(topic.split())[:60])
    nearest = content.closest_topic(topic)
    if nearest is not None:
        return (
            f"I have no help topic called “{typed}”. Did you mean **{nearest.term}**? "
            f"`/help topic:{nearest.id}`"
        )
    close = [e for e in content.glossary if e.matches(topic)]
    listed = " · ".join(e.term for e in (close or content.glossary))
    return (
        f"I have no help topic called “{typed}”. {'Did you mean' if close else 'Topics'}: "
        f"{listed}. Try `/help topic:TIARA`, or `/help` for the list."
    )


def topic_embed(entry: GlossaryEntry) -> discord.Embed:
    embed = discord.Embed(title=entry.term, description=entry.text, colour=discord.Colour.blurple())
    if entry.see:
        embed.add_field(name="Try it", value=f"`{entry.see}`", inline=False)
    embed.set_footer(text="All topics: /help")
    return embed


class StartCog(commands.Cog):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx

    @app_commands.command(
        name="start", description="New here? How InfoCoach works, and your first three steps"
    )
    @app_commands.guild_only()
    async def start(self, interaction: discord.Interaction) -> None:
        welcome = await open_start(self.ctx, student_of(interaction))
        await interaction.response.send_message(
            embed=welcome_embed(welcome, self.ctx.content.glossary),
            view=start_view(interaction.user.id, welcome.timezone),
            ephemeral=True,
        )

    @app_commands.command(
        name="help", description="What LAMP, 3B7, TIARA and the other words mean; the commands"
    )
    @app_commands.describe(topic="A word to explain, e.g. 3B7 or TIARA (start typing)")
    @app_commands.guild_only()
    async def help(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, CHOICE_NAME_LIMIT] | None = None,
    ) -> None:
        if topic is None:
            embed = help_overview_embed(self.ctx.content.glossary)
        else:
            try:
                entry = glossary_topic(self.ctx, topic)
            except UserError:
                raise UserError(unknown_topic_text(self.ctx.content, topic)) from None
            embed = topic_embed(entry)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @help.autocomplete("topic")
    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=entry.term[:CHOICE_NAME_LIMIT], value=entry.id)
            for entry in glossary_matches(self.ctx, current)[:MAX_CHOICES]
        ]


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(StartTimezoneSelect, FirstEmployerButton, CheckEmailButton)
    await bot.add_cog(StartCog(bot.actions))
