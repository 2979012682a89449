"""``/staff settings``: the server's settings as staff see them, the confirmation of a change,
and the holiday calendars offered as staff type."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.actions.staff import UNSETTABLE, ServerSettingsView, StaffRole
from bot.discord_limits import MAX_CHOICES
from bot.domain.next_step import REPORT_BACK_AFTER_DAYS
from bot.domain.zone_search import ZoneMatch
from bot.errors import UserError
from bot.holiday_calendars import NO_HOLIDAYS, country_name, supported_countries
from bot.storage.guild_settings import ServerSettings
from bot.ui import timezone_picker

UNSET_CHOICES = [
    app_commands.Choice(name=name, value=column) for column, name in UNSETTABLE.items()
]
CHOICE_NAME_LIMIT = 100


def holidays_text(code: str | None) -> str:
    if code is None:
        return "none: only weekends are skipped"
    return f"{code} ({country_name(code)}) public holidays and weekends are skipped"


OPTION_NAMES = {
    "staff_role_id": "role",
    "word_limit": "word-limit",
    "meeting_minutes": "meeting-minutes",
    "report_back_days": "report-back-days",
    "holiday_country": "holidays",
    "digest_channel_id": "digest-channel",
    "departure_grace_days": "grace-days",
    "zone": "timezone",
}


def staff_role(role: discord.Role) -> StaffRole:
    """The role as the settings action checks it: @everyone and integration-managed roles are
    refused. Who holds it can't be checked (see :class:`StaffRole`)."""
    return StaffRole(role.id, role.is_default(), role.managed)


ROLE_SET_NOTE = (
    "-# Everyone with {role} can now use the staff tools: the server figures, the progress of "
    "students who share it, the checklists and the settings (all but the staff role). "
    "InfoCoach can't see who holds a role, so make sure only staff have it."
)


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete of ``timezone``: the students' city search (cities, abbreviations and zone
    names; the popular zones before anything is typed)."""
    return [
        app_commands.Choice(name=label, value=zone)
        for label, zone in timezone_picker.zone_choices(current)
    ]


def staff_zone(typed: str) -> ZoneMatch:
    """The zone staff typed or picked: a zone's name, or a city or abbreviation the students'
    search knows (its most common meaning)."""
    try:
        return timezone_picker.resolve_zone(typed)
    except UserError as error:
        raise UserError(f"{error.message} Nothing was changed.") from None


def zone_label_line(match: ZoneMatch, typed: str) -> str | None:
    """ "Boston, United States → America/New_York (US Eastern)" when staff typed a city or an
    abbreviation rather than the zone's name, so they see what was understood."""
    if match.label != match.zone and match.zone.casefold() != typed.strip().casefold():
        return match.label
    return None


def saved_text(saved: ServerSettingsView) -> str:
    """What changed, and how many contacts' reminders were re-planned for it."""
    count = len(saved.changes)
    lines = [
        f"Saved. {count} setting{'s' if count != 1 else ''} changed:",
        *(change_line(column, old, new) for column, (old, new) in saved.changes.items()),
    ]
    role = saved.changes.get("staff_role_id")
    if role is not None and role[1]:
        lines.append(ROLE_SET_NOTE.format(role=f"<@&{role[1]}>"))
    if saved.replanned is not None:
        lines.append(
            f"-# Reminders re-planned for {saved.replanned} contact"
            f"{'s' if saved.replanned != 1 else ''} in this server."
        )
    return "\n".join(lines)


def holiday_choices(current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete of ``holidays``: "none", then the two-letter country codes whose code or
    name matches what was typed."""
    needle = current.strip().lower()
    choices = [app_commands.Choice(name="none (weekends only)", value=NO_HOLIDAYS)]
    for code in sorted(code for code in supported_countries() if len(code) == 2):
        name = country_name(code)
        if not needle or code.lower().startswith(needle) or needle in name.lower():
            name = f"{code} — {name}"[:CHOICE_NAME_LIMIT]
            choices.append(app_commands.Choice(name=name, value=code))
    if needle:
        choices = choices[1:] if needle not in NO_HOLIDAYS else choices
    return choices[:MAX_CHOICES]


def change_line(column: str, old: Any, new: Any) -> str:
    """ "• `word-limit`: 100 → 150" for the confirmation."""
    option = OPTION_NAMES.get(column, column)
    return f"• `{option}`: {value_text(column, old)} → {value_text(column, new)}"


def value_text(column: str, value: Any) -> str:
    """One setting's value as shown to staff (for the confirmation and the audit view)."""
    if column == "staff_role_id":
        return f"<@&{value}>" if value else "none"
    if column == "digest_channel_id":
        return f"<#{value}>" if value else "none"
    if column == "holiday_country":
        return value or "none"
    if column == "zone":
        return value or "UTC"
    return str(value)


def settings_embed(settings: ServerSettings, word_limit: int) -> discord.Embed:
    """The server's settings; ``word_limit`` is the one in force (see
    :meth:`ServerSettings.email_word_limit`)."""
    embed = discord.Embed(title="InfoCoach settings for this server", colour=discord.Colour.teal())
    role = settings.staff_role_id
    embed.add_field(
        name="Staff role (`role`)",
        value=f"<@&{role}>, and everyone with Manage Server"
        if role
        else "not set: only members with Manage Server",
        inline=False,
    )
    embed.add_field(
        name="Outreach-email word limit (`word-limit`)",
        value=f"{word_limit} words (50–200, default 100)",
        inline=False,
    )
    embed.add_field(
        name="Usual meeting length (`meeting-minutes`)",
        value=f"{settings.meeting_minutes} minutes (10–60, default 20): the default of "
        "`/prepare schedule`",
        inline=False,
    )
    embed.add_field(
        name="Report-back reminder (`report-back-days`)",
        value=(
            f"{settings.report_back_days} days after the meeting "
            f"(7–30, default {REPORT_BACK_AFTER_DAYS})"
        ),
        inline=False,
    )
    embed.add_field(
        name="Holiday calendar (`holidays`)",
        value=holidays_text(settings.holiday_country) + " when counting business days",
        inline=False,
    )
    embed.add_field(
        name="After a student leaves (`grace-days`)",
        value=f"their data here is deleted {settings.departure_grace_days} days later unless "
        "they come back (1–365, default 30); their reminders stop at once",
        inline=False,
    )
    channel = settings.digest_channel_id
    embed.add_field(
        name="Staff summary channel (`digest-channel`)",
        value=f"<#{channel}>: the weekly staff summary goes there"
        if channel
        else "not set: no weekly staff summary",
        inline=False,
    )
    embed.add_field(
        name="Time zone for staff (`timezone`)",
        value=f"{settings.zone or 'UTC'}: dates in staff views, the periods of `/staff stats`, "
        "and the weekly summary at 09:00 on Mondays",
        inline=False,
    )
    embed.set_footer(
        text="Change any of these with /staff settings and the option; clear the role, the "
        "channel or the zone with the unset option. Every change is in /staff audit."
    )
    return embed
