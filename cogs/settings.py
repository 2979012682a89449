"""The student's own settings: ``/settings timezone``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import InfoCoachBot
from bot.ui.guarded import guild_id_of
from bot.ui.timezone_picker import local_time_line, save_timezone
from bot.validation import all_timezones, parse_timezone

MAX_CHOICES = 25


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


async def setup(bot: InfoCoachBot) -> None:
    await bot.add_cog(SettingsCog(bot))
