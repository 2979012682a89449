"""The student's own settings in this server:
``/settings timezone | quiet-hours | nudges | digest | show``."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.context import ActionContext
from bot.actions.settings import (
    WEEKDAYS,
    StudentSettings,
    set_digest_day,
    set_nudges,
    set_quiet_hours,
    set_timezone,
    show_settings,
)
from bot.nudges.unreachable import RetryDirectMessages, notify_if_unreachable
from bot.ui.guarded import student_of
from bot.ui.start_buttons import point_to_start_once
from bot.ui.timezone_picker import (
    TimezoneSelect,
    local_time_line,
    resolve_zone,
    zone_choices,
)
from bot.zone_table import zone_index

if TYPE_CHECKING:
    from bot.app import InfoCoachBot

DIGEST_OFF = "off"
DIGEST_CHOICES = [
    *(app_commands.Choice(name=day, value=day.lower()) for day in WEEKDAYS),
    app_commands.Choice(name="Off (no weekly digest)", value=DIGEST_OFF),
]
NO_ZONE_HINT = "Set your time zone with `/settings timezone` so I know when that is for you."


@app_commands.guild_only()
class SettingsCog(
    commands.GroupCog,
    group_name="settings",
    group_description="Your InfoCoach settings in this server",
):
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        super().__init__()

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        """After any command: a student whose DMs turned out closed is told once, privately,
        with a button to try again; a student's first command in a server (other than /start,
        /help and /staff) is followed, once, by a private pointer to /start."""
        await notify_if_unreachable(interaction)
        await point_to_start_once(interaction, command)

    @app_commands.command(
        name="timezone", description="Set your time zone (used for dates and reminders)"
    )
    @app_commands.describe(
        name="Start typing your city (Boston, Lagos), an abbreviation (EST, IST) or a zone"
    )
    async def timezone(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]
    ) -> None:
        who = student_of(interaction)
        match = resolve_zone(name)
        result = await set_timezone(self.ctx, who, match.zone)
        line = local_time_line(result.zone, result.now)
        if match.label != match.zone and match.zone.casefold() != name.strip().casefold():
            line = f"{match.label}\n{line}"  # our own table: no markup in it
        await interaction.response.send_message(line, ephemeral=True)

    @timezone.autocomplete("name")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=zone) for label, zone in zone_choices(current)
        ]

    @app_commands.command(
        name="quiet-hours",
        description="When reminders must wait (your local time, e.g. 9pm to 7:30am)",
    )
    @app_commands.describe(
        start="When quiet hours begin: 21:00 or 9pm (default 21:00)",
        end="When they end: 08:00 or 8am (default 08:00); may be the next morning",
    )
    async def quiet_hours(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 16],
        end: app_commands.Range[str, 1, 16],
    ) -> None:
        saved = await set_quiet_hours(self.ctx, student_of(interaction), start, end)
        begin, finish = saved.quiet_start, saved.quiet_end
        lines = [
            f"Quiet hours set to **{quiet_hours_text(begin, finish)}**, your local time. "
            f"Reminders due then wait until {finish:%H:%M}."
        ]
        if not saved.timezone:
            lines.append(NO_ZONE_HINT)
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="nudges", description="Turn your reminders in this server on or off")
    @app_commands.describe(enabled="True: send me reminders; False: no reminders")
    async def nudges(self, interaction: discord.Interaction, enabled: bool) -> None:
        await set_nudges(self.ctx, student_of(interaction), enabled)
        message = (
            "Reminders are **on** for all your contacts: I'll nudge you by direct message when "
            "a step is due (never during your quiet hours)."
            if enabled
            else "Reminders are **off** in this server: I won't send you nudges or the weekly "
            "digest. Turn them back on with `/settings nudges enabled:True`."
        )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name="digest", description="The day of your weekly summary, or off")
    @app_commands.describe(day="Which day to get what is due and overdue, or Off")
    @app_commands.choices(day=DIGEST_CHOICES)
    async def digest(self, interaction: discord.Interaction, day: app_commands.Choice[str]) -> None:
        # discord.py refuses values outside the choices before this runs.
        number = None if day.value == DIGEST_OFF else [d.lower() for d in WEEKDAYS].index(day.value)
        saved = await set_digest_day(self.ctx, student_of(interaction), number)
        if number is None:
            message = "Weekly digest **off**. Turn it back on with `/settings digest`."
        else:
            message = f"You'll get your weekly digest on **{WEEKDAYS[number]}s**."
            if not saved.nudges_enabled:
                message += " Reminders are off, though: turn them on with `/settings nudges`."
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name="show", description="All your InfoCoach settings in this server")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await show_settings(self.ctx, student_of(interaction))
        await interaction.response.send_message(embed=settings_embed(settings), ephemeral=True)


def quiet_hours_text(start: time, end: time) -> str:
    span = f"{start:%H:%M}–{end:%H:%M}"
    return f"{span} (overnight)" if end < start else span


def digest_text(day: int | None) -> str:
    return "off" if day is None else f"{WEEKDAYS[day]}s"


def settings_embed(settings: StudentSettings) -> discord.Embed:
    if settings.timezone:
        local = settings.now.astimezone(ZoneInfo(settings.timezone))
        zone = f"{settings.timezone} (it's {local:%H:%M} on {local:%A} there now)"
    else:
        zone = "not set — use `/settings timezone`"
    embed = discord.Embed(title="Your InfoCoach settings in this server")
    embed.add_field(name="Time zone", value=zone, inline=False)
    embed.add_field(
        name="Quiet hours",
        value=f"{quiet_hours_text(settings.quiet_start, settings.quiet_end)}, your local time: "
        "reminders due then wait until they end. Change with `/settings quiet-hours`.",
        inline=False,
    )
    embed.add_field(
        name="Reminders (nudges)",
        value=("on" if settings.nudges_enabled else "off") + " — change with `/settings nudges`.",
        inline=False,
    )
    embed.add_field(
        name="Weekly digest",
        value=f"{digest_text(settings.digest_day)} — change with `/settings digest`.",
        inline=False,
    )
    embed.add_field(
        name="Shared with staff",
        value=(
            "yes: staff can see your contacts' organizations and stages (never your notes)"
            if settings.share_with_staff
            else "no: staff see only anonymous totals"
        )
        + " — change with `/privacy share`.",
        inline=False,
    )
    embed.set_footer(text="Only you can see this. Other servers have their own settings.")
    return embed


async def setup(bot: InfoCoachBot) -> None:
    # the persistent components this cog renders (they work after a restart)
    bot.add_dynamic_items(TimezoneSelect, RetryDirectMessages)
    zone_index()  # read the city table now, not on a student's first keystroke
    await bot.add_cog(SettingsCog(bot.actions))
