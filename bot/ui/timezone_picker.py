"""Asking a student for their time zone: one click for common zones, or /settings timezone."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot.actions.settings import known_zone, set_timezone
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, student_of

COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "US Eastern"),
    ("America/Chicago", "US Central"),
    ("America/Denver", "US Mountain"),
    ("America/Los_Angeles", "US Pacific"),
    ("America/Toronto", "Toronto"),
    ("America/Vancouver", "Vancouver"),
    ("America/Sao_Paulo", "São Paulo"),
    ("Europe/London", "UK and Ireland"),
    ("Europe/Paris", "Central Europe (Paris)"),
    ("Europe/Berlin", "Central Europe (Berlin)"),
    ("Africa/Lagos", "West Africa"),
    ("Africa/Johannesburg", "South Africa"),
    ("Asia/Dubai", "Gulf"),
    ("Asia/Kolkata", "India"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Shanghai", "China"),
    ("Asia/Tokyo", "Japan"),
    ("Australia/Sydney", "Sydney"),
    ("Pacific/Auckland", "New Zealand"),
    ("UTC", "UTC"),
)

NEEDS_ZONE = (
    "Before I record dates I need your time zone, so “today” and business days match yours. "
    "Pick it below, or use `/settings timezone` for any other zone. Nothing was recorded yet: "
    "run your command again afterwards."
)


def local_time_line(zone: ZoneInfo, now: datetime) -> str:
    local = now.astimezone(zone)
    return f"Your time zone is now **{zone.key}** (it's {local:%H:%M} on {local:%A %d %B} there)."


async def student_zone(interaction: discord.Interaction) -> ZoneInfo | None:
    """The student's zone, or None after privately asking them to pick one."""
    zone = await known_zone(context_of(interaction), student_of(interaction))
    if zone is not None:
        return zone
    view = dynamic_view()
    view.add_item(TimezoneSelect(owner_id=interaction.user.id))
    await interaction.response.send_message(NEEDS_ZONE, view=view, ephemeral=True)
    return None


class TimezoneSelect(
    GuardedCallback,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"ic:tz:(?P<owner>\d+)",
):
    def __init__(self, *, owner_id: int) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"ic:tz:{owner_id}",
                placeholder="Choose your time zone",
                options=[
                    discord.SelectOption(label=label, value=zone, description=zone)
                    for zone, label in COMMON_ZONES
                ],
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TimezoneSelect:
        return cls(owner_id=int(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        result = await set_timezone(
            context_of(interaction), student_of(interaction), self.item.values[0]
        )
        await interaction.response.edit_message(
            content=f"{local_time_line(result.zone, result.now)} Now run your command again.",
            view=None,
        )
