"""The student's own settings in this server:
``/settings timezone | quiet-hours | nudges | digest | show``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.errors import UserError
from bot.storage.contacts import resume_stopped_contacts
from bot.storage.events import append_event
from bot.storage.students import WEEKDAYS, Student, get_student, update_settings
from bot.ui.guarded import guild_id_of
from bot.ui.timezone_picker import local_time_line, save_timezone
from bot.validation import all_timezones, parse_clock_time, parse_timezone

MAX_CHOICES = 25
DIGEST_OFF = "off"
DIGEST_CHOICES = [
    *(app_commands.Choice(name=day, value=day.lower()) for day in WEEKDAYS),
    app_commands.Choice(name="Off (no weekly digest)", value=DIGEST_OFF),
]
NO_ZONE_HINT = "Set your time zone with `/settings timezone` so I know when that is for you."


def matching_zones(query: str, limit: int = MAX_CHOICES) -> list[str]:
    """Zones containing ``query`` (case-insensitive, spaces as underscores); prefix and
    city-name matches first."""
    needle = query.strip().lower().replace(" ", "_")
    if not needle:
        return [z for z in all_timezones() if z.startswith(("America/", "Europe/"))][:limit]
    starts: list[str] = []
    contains: list[str] = []
    for zone in all_timezones():
        lowered = zone.lower()
        if lowered.startswith(needle) or lowered.rsplit("/", 1)[-1].startswith(needle):
            starts.append(zone)
        elif needle in lowered:
            contains.append(zone)
    return (starts + contains)[:limit]


@app_commands.guild_only()
class SettingsCog(
    commands.GroupCog,
    group_name="settings",
    group_description="Your InfoCoach settings in this server",
):
    def __init__(self, bot: InfoCoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="timezone", description="Set your time zone (used for dates and reminders)"
    )
    @app_commands.describe(name="An IANA time zone such as America/New_York; start typing a city")
    async def timezone(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]
    ) -> None:
        guild_id_of(interaction)
        zone = parse_timezone(name)
        await save_timezone(interaction, zone)
        await interaction.response.send_message(
            local_time_line(zone, self.bot.clock.now()), ephemeral=True
        )

    @timezone.autocomplete("name")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in matching_zones(current)]

    async def _save(
        self, interaction: discord.Interaction, kind: str, payload: dict[str, Any], **values: Any
    ) -> Student:
        """Write some settings, their event and the re-planned nudges in one transaction;
        returns the settings after."""
        guild_id = guild_id_of(interaction)
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            await update_settings(tx, guild_id, interaction.user.id, now, **values)
            if values.get("nudges_enabled"):  # "on" also undoes Stop pressed on single contacts
                await resume_stopped_contacts(tx, guild_id, interaction.user.id, now)
            await append_event(
                tx,
                guild_id=guild_id,
                user_id=interaction.user.id,
                kind=kind,
                payload=payload,
                at=now,
            )
            # Quiet hours, nudges on/off and the digest day change when reminders go out.
            await self.bot.planner.replan_student(tx, guild_id, interaction.user.id, now)
        student = await get_student(self.bot.db, guild_id, interaction.user.id)
        assert student is not None
        return student

    @app_commands.command(
        name="quiet-hours", description="When reminders must wait (your local time, HH:MM)"
    )
    @app_commands.describe(
        start="When quiet hours begin, HH:MM on the 24-hour clock (default 21:00)",
        end="When they end, HH:MM (default 08:00); may be the next morning",
    )
    async def quiet_hours(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 16],
        end: app_commands.Range[str, 1, 16],
    ) -> None:
        guild_id_of(interaction)
        begin, finish = parse_clock_time(start), parse_clock_time(end)
        if begin == finish:
            raise UserError(
                f"Quiet hours can't start and end at the same time ({begin:%H:%M}). "
                "To turn reminders off, use `/settings nudges`."
            )
        student = await self._save(
            interaction,
            "quiet_hours_set",
            {"start": f"{begin:%H:%M}", "end": f"{finish:%H:%M}"},
            quiet_start=begin,
            quiet_end=finish,
        )
        lines = [
            f"Quiet hours set to **{quiet_hours_text(begin, finish)}**, your local time. "
            f"Reminders due then wait until {finish:%H:%M}."
        ]
        if not student.timezone:
            lines.append(NO_ZONE_HINT)
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="nudges", description="Turn your reminders in this server on or off")
    @app_commands.describe(enabled="True: send me reminders; False: no reminders")
    async def nudges(self, interaction: discord.Interaction, enabled: bool) -> None:
        guild_id_of(interaction)
        await self._save(
            interaction, "nudges_toggled", {"enabled": enabled}, nudges_enabled=int(enabled)
        )
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
        guild_id_of(interaction)
        # discord.py refuses values outside the choices before this runs.
        number = None if day.value == DIGEST_OFF else [d.lower() for d in WEEKDAYS].index(day.value)
        student = await self._save(
            interaction, "digest_day_set", {"day": number}, digest_day=number
        )
        if number is None:
            message = "Weekly digest **off**. Turn it back on with `/settings digest`."
        else:
            message = f"You'll get your weekly digest on **{WEEKDAYS[number]}s**."
            if not student.nudges_enabled:
                message += " Reminders are off, though: turn them on with `/settings nudges`."
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name="show", description="All your InfoCoach settings in this server")
    async def show(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        student = await get_student(self.bot.db, guild_id, interaction.user.id)
        if student is None:  # nothing stored yet: show the defaults, create nothing
            student = Student(guild_id=guild_id, user_id=interaction.user.id, timezone=None)
        await interaction.response.send_message(
            embed=settings_embed(student, self.bot.clock.now()), ephemeral=True
        )


def quiet_hours_text(start: time, end: time) -> str:
    span = f"{start:%H:%M}–{end:%H:%M}"
    return f"{span} (overnight)" if end < start else span


def digest_text(day: int | None) -> str:
    return "off" if day is None else f"{WEEKDAYS[day]}s"


def settings_embed(student: Student, now: datetime) -> discord.Embed:
    if student.timezone:
        local = now.astimezone(ZoneInfo(student.timezone))
        zone = f"{student.timezone} (it's {local:%H:%M} on {local:%A} there now)"
    else:
        zone = "not set — use `/settings timezone`"
    embed = discord.Embed(title="Your InfoCoach settings in this server")
    embed.add_field(name="Time zone", value=zone, inline=False)
    embed.add_field(
        name="Quiet hours",
        value=f"{quiet_hours_text(student.quiet_start, student.quiet_end)}, your local time: "
        "reminders due then wait until they end. Change with `/settings quiet-hours`.",
        inline=False,
    )
    embed.add_field(
        name="Reminders (nudges)",
        value=("on" if student.nudges_enabled else "off") + " — change with `/settings nudges`.",
        inline=False,
    )
    embed.add_field(
        name="Weekly digest",
        value=f"{digest_text(student.digest_day)} — change with `/settings digest`.",
        inline=False,
    )
    embed.add_field(
        name="Shared with staff",
        value=(
            "yes: staff can see your contacts' organizations and stages (never your notes)"
            if student.share_with_staff
            else "no: staff see only anonymous totals"
        )
        + " — change with `/privacy share`.",
        inline=False,
    )
    embed.set_footer(text="Only you can see this. Other servers have their own settings.")
    return embed


async def setup(bot: InfoCoachBot) -> None:
    await bot.add_cog(SettingsCog(bot))
