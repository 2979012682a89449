"""``/staff settings``: checking what staff typed, and showing the server's settings."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserError
from bot.holiday_calendars import NO_HOLIDAYS, country_name, normalize_country
from bot.storage.guild_settings import RANGES, ServerSettings
from bot.text import escape_markdown

LABELS: dict[str, tuple[str, str, str]] = {
    # column: (option name, what it is, unit)
    "word_limit": ("word-limit", "The outreach-email word limit", "words"),
    "meeting_minutes": ("meeting-minutes", "The usual meeting length", "minutes"),
    "report_back_days": ("report-back-days", "The report-back reminder", "days"),
    "departure_grace_days": ("grace-days", "The grace period after a student leaves", "days"),
}
DEFAULTS = {
    "word_limit": 100,
    "meeting_minutes": 20,
    "report_back_days": 14,
    "departure_grace_days": 30,
}
RESCHEDULING = frozenset({"report_back_days", "holiday_country"})
"""Settings the students' reminders depend on: changing one re-plans the whole server."""


def check_number(column: str, value: int | None) -> int | None:
    """A numeric setting within its range (the client enforces it too, but a modified client
    need not)."""
    if value is None:
        return None
    low, high = RANGES[column]
    if not low <= value <= high:
        option, what, unit = LABELS[column]
        raise UserError(
            f"{what} (`{option}`) must be from {low} to {high} {unit} (default "
            f"{DEFAULTS[column]}); {value} is outside that range. Nothing was changed."
        )
    return value


def check_country(text: str | None) -> tuple[bool, str | None]:
    """(given, code): whether the option was used, and the code to store (None: no holidays)."""
    if text is None:
        return False, None
    try:
        return True, normalize_country(text)
    except ValueError:
        raise UserError(
            f"“{escape_markdown(text.strip()[:20])}” isn't a country code the "
            "holiday calendar knows. Use a two-letter code such as US, GB, DE or CA (pick from "
            f"the list as you type), or `{NO_HOLIDAYS}` for weekends only. Nothing was changed."
        ) from None


def check_role(role: discord.Role | None) -> None:
    if role is None:
        return
    if role.is_default():
        raise UserError(
            "@everyone can't be the staff role: every member would be staff. Pick a role only "
            "staff have. Nothing was changed."
        )
    if role.managed:
        raise UserError(
            f"{role.mention} is managed by an integration (a bot or a subscription), so it "
            "can't be the staff role. Nothing was changed."
        )


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
}


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
        value=f"{settings.report_back_days} days after the meeting (7–30, default 14)",
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
    embed.set_footer(
        text="Change any of these with /staff settings and the option; clear the role or the "
        "channel with the unset option. Every change is in /staff audit."
    )
    return embed
