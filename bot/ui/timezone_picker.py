"""Asking a student for their time zone: one click for common zones, or /settings timezone."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot.actions.settings import known_zone, set_timezone
from bot.discord_limits import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.domain.zone_search import POPULAR_ZONES, ZoneMatch
from bot.errors import UserError
from bot.text import escape_markdown, long_date
from bot.ui.dynamic_view import dynamic_view
from bot.ui.guarded import GuardedCallback, context_of, ensure_owner, parse_id, student_of
from bot.zone_table import zone_index

COMMON_ZONES = POPULAR_ZONES
"""The zones of the one-click menus (the search offers them before anything is typed)."""

NEEDS_ZONE = (
    "Before I record dates I need your time zone, so “today” and business days match yours. "
    "Pick it below, or use `/settings timezone` and start typing your city. Nothing was "
    "recorded yet: "
    "run your command again afterwards."
)


ZONE_EXAMPLE = "e.g. Boston, Lagos, IST or Europe/Berlin"


def zone_choices(query: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
    """``(label, zone)`` pairs for the autocomplete of a time-zone option: the popular zones
    before anything is typed, then cities, abbreviations and zone names that match."""
    if not query.strip():
        return [(f"{label} ({zone})"[:CHOICE_NAME_LIMIT], zone) for zone, label in COMMON_ZONES][
            :limit
        ]
    return [(m.label[:CHOICE_NAME_LIMIT], m.zone) for m in zone_index().search(query, limit)]


def resolve_zone(typed: str) -> ZoneMatch:
    """The zone a student typed and sent without picking from the list: a zone's name (any
    case), or exactly a city's or an abbreviation's (its most common meaning)."""
    match = zone_index().resolve(typed)
    if match is None:
        raise UserError(
            f"“{escape_markdown(typed.strip()[:60])}” isn't a time zone or city I know. Start "
            f"typing a city and pick it from the list ({ZONE_EXAMPLE})."
        )
    return match


def local_time_line(zone: ZoneInfo, now: datetime) -> str:
    local = now.astimezone(zone)
    return (
        f"Your time zone is now **{zone.key}** (it's {local:%H:%M} on "
        f"{long_date(local.date())} there)."
    )


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
        return cls(owner_id=parse_id(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        ensure_owner(interaction, self.owner_id)
        result = await set_timezone(
            context_of(interaction), student_of(interaction), self.item.values[0]
        )
        await interaction.response.edit_message(
            content=f"{local_time_line(result.zone, result.now)} Now run your command again.",
            view=None,
        )
