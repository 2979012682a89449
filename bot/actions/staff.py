"""Staff use cases: server settings, one student's shared progress and the audit log (checklist
edits are in :mod:`bot.actions.staff_checklists`, statistics in :mod:`bot.actions.staff_figures`).

Whether someone is staff is decided from the interaction's member data before any of these run
(:mod:`bot.ui.staff_access`); each takes the :class:`StaffKey` that check vouched for and writes
its audit entry (``staff_audit``) itself, in the same transaction as the change it records.
Looks at students' data write an audit entry too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.actions.context import ActionContext
from bot.errors import UserError
from bot.holiday_calendars import NO_HOLIDAYS, normalize_country
from bot.storage.checklist_items import server_checklist
from bot.storage.contacts import ContactRecord, list_contacts
from bot.storage.database import Transaction
from bot.storage.guild_settings import (
    DEFAULT_DEPARTURE_GRACE_DAYS,
    DEFAULT_MEETING_MINUTES,
    DEFAULT_REPORT_BACK_DAYS,
    DEFAULT_WORD_LIMIT,
    RANGES,
    ServerSettings,
    server_settings,
    update_server_settings,
)
from bot.storage.locks import lock_guild
from bot.storage.staff_audit import (
    AuditEntry,
    count_staff_actions,
    recent_staff_actions,
    record_staff_action,
)
from bot.storage.students import get_student
from bot.text import escape_markdown
from bot.validation import parse_timezone


@dataclass(frozen=True, slots=True)
class StaffKey:
    """Who is acting: a member the staff check let through, in one server."""

    guild_id: int
    user_id: int
    manages_server: bool = False  # Manage Server (or Administrator), not only the staff role


async def record_audit(
    tx: Transaction, staff: StaffKey, action: str, now: datetime, detail: dict[str, Any]
) -> None:
    """Append the staff action to the server's audit log (inside the action's transaction)."""
    await record_staff_action(
        tx,
        guild_id=staff.guild_id,
        staff_user_id=staff.user_id,
        action=action,
        detail=detail,
        at=now,
    )


async def record_look(
    ctx: ActionContext, staff: StaffKey, action: str, detail: dict[str, Any]
) -> None:
    """Audit a look at students' data (the only thing such an action writes)."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        await record_audit(tx, staff, action, now, detail)


# -- settings ------------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str, str]] = {
    # column: (option name, what it is, unit)
    "word_limit": ("word-limit", "The outreach-email word limit", "words"),
    "meeting_minutes": ("meeting-minutes", "The usual meeting length", "minutes"),
    "report_back_days": ("report-back-days", "The report-back reminder", "days"),
    "departure_grace_days": ("grace-days", "The grace period after a student leaves", "days"),
}
DEFAULTS = {
    "word_limit": DEFAULT_WORD_LIMIT,
    "meeting_minutes": DEFAULT_MEETING_MINUTES,
    "report_back_days": DEFAULT_REPORT_BACK_DAYS,
    "departure_grace_days": DEFAULT_DEPARTURE_GRACE_DAYS,
}
UNSETTABLE = {
    "staff_role_id": "staff role",
    "digest_channel_id": "digest channel",
    "zone": "time zone",
}
"""The settings staff can clear (column: its name in messages)."""
RESCHEDULING = frozenset({"report_back_days", "holiday_country"})
"""Settings the students' reminders depend on: changing one re-plans the whole server."""


@dataclass(frozen=True, slots=True)
class StaffRole:
    """A role offered as the staff role, with what decides whether it may be. How many members
    hold it is not known: the bot asks for neither the members intent nor Manage Roles (which
    Discord's role member counts need), so whoever has Manage Server decides that."""

    id: int
    everyone: bool  # the server's @everyone role
    managed: bool  # managed by an integration (a bot, a subscription, server boosts)


@dataclass(frozen=True, slots=True)
class SettingsInput:
    """What staff asked to change (None: leave as is). ``holidays`` is the country code as
    typed (or ``none``); ``unset`` a column of :data:`UNSETTABLE` to clear."""

    role: StaffRole | None = None
    word_limit: int | None = None
    meeting_minutes: int | None = None
    report_back_days: int | None = None
    holidays: str | None = None
    digest_channel_id: int | None = None
    grace_days: int | None = None
    zone: str | None = None  # an IANA name as typed
    unset: str | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, field.name) is None for field in fields(self))

    @property
    def may_replan(self) -> bool:
        """Whether saving this may re-plan every reminder of the server (which takes a moment)."""
        return self.report_back_days is not None or self.holidays is not None


@dataclass(frozen=True, slots=True)
class ServerSettingsView:
    """The server's settings (after the change, if any) and the word limit in force."""

    settings: ServerSettings
    word_limit: int
    changes: Mapping[str, tuple[Any, Any]]  # column → (old, new); empty: nothing changed
    replanned: int | None = None  # contacts re-planned; None: no setting they depend on changed


def _view(ctx: ActionContext, settings: ServerSettings) -> ServerSettingsView:
    return ServerSettingsView(settings, _word_limit(ctx, settings), {})


def _word_limit(ctx: ActionContext, settings: ServerSettings) -> int:
    return settings.email_word_limit(ctx.content.email_rules.word_limit)


async def staff_settings(ctx: ActionContext, guild_id: int) -> ServerSettings:
    """The server's settings, for deciding who is staff (its staff role)."""
    return await server_settings(ctx.db, guild_id)


async def show_settings(ctx: ActionContext, staff: StaffKey) -> ServerSettingsView:
    return _view(ctx, await server_settings(ctx.db, staff.guild_id))


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


def check_role(role: StaffRole | None) -> None:
    if role is None:
        return
    if role.everyone:
        raise UserError(
            "@everyone can't be the staff role: every member would be staff. Pick a role only "
            "staff have (InfoCoach can't see who holds a role, so that is up to you). Nothing "
            "was changed."
        )
    if role.managed:
        raise UserError(
            f"<@&{role.id}> is managed by an integration (a bot, a subscription or server "
            "boosts): anyone could get it that way, so it can't be the staff role. Pick a role "
            "only staff have. Nothing was changed."
        )


ROLE_NEEDS_MANAGE_SERVER = (
    "Only members with Manage Server can change the staff role: a staff role could otherwise "
    "hand itself on to any role. Nothing was changed."
)


def requested_values(change: SettingsInput, manages_server: bool = True) -> dict[str, Any]:
    """The columns to store, checked; a UserError names the first thing wrong."""
    values: dict[str, Any] = {}
    if (change.role is not None or change.unset == "staff_role_id") and not manages_server:
        raise UserError(ROLE_NEEDS_MANAGE_SERVER)
    for column, value in (
        ("word_limit", change.word_limit),
        ("meeting_minutes", change.meeting_minutes),
        ("report_back_days", change.report_back_days),
        ("departure_grace_days", change.grace_days),
    ):
        if check_number(column, value) is not None:
            values[column] = value
    holidays_given, country = check_country(change.holidays)
    if holidays_given:
        values["holiday_country"] = country
    check_role(change.role)
    if change.role is not None:
        values["staff_role_id"] = change.role.id
    if change.digest_channel_id is not None:
        values["digest_channel_id"] = change.digest_channel_id
    if change.zone is not None:
        try:
            values["zone"] = parse_timezone(change.zone).key
        except UserError as error:
            raise UserError(f"{error.message} Nothing was changed.") from None
    if change.unset is not None:
        name = UNSETTABLE.get(change.unset)
        if name is None:
            raise UserError(
                "Only the staff role, the digest channel or the time zone can be unset. Nothing "
                "was changed."
            )
        if change.unset in values:
            raise UserError(
                f"You both set and unset the {name} in one go; pick one. Nothing was changed."
            )
        values[change.unset] = None
    return values


async def change_settings(
    ctx: ActionContext, staff: StaffKey, change: SettingsInput
) -> ServerSettingsView:
    """Save the settings staff changed (audited as ``settings_changed`` with each change's old
    and new value). A change to a setting reminders depend on re-plans the whole server after
    the commit, in batches. Nothing given, or nothing different: nothing is written."""
    values = requested_values(change, staff.manages_server)
    before = await server_settings(ctx.db, staff.guild_id)
    if not values:
        return _view(ctx, before)
    current = {
        "word_limit": _word_limit(ctx, before),
        "meeting_minutes": before.meeting_minutes,
        "report_back_days": before.report_back_days,
        "holiday_country": before.holiday_country,
        "staff_role_id": before.staff_role_id,
        "digest_channel_id": before.digest_channel_id,
        "departure_grace_days": before.departure_grace_days,
        "zone": before.zone,
    }
    changes = {k: (current[k], v) for k, v in values.items() if current[k] != v}
    if not changes:
        return _view(ctx, before)
    now = ctx.clock.now()
    installation_limit = ctx.content.email_rules.word_limit
    initial = {"word_limit": installation_limit} if not before.stored else None
    async with ctx.db.transaction() as tx:
        await lock_guild(tx, staff.guild_id)
        await update_server_settings(tx, staff.guild_id, now, initial=initial, **values)
        await record_audit(
            tx, staff, "settings_changed", now, {k: list(pair) for k, pair in changes.items()}
        )
    # After the commit, in batches: students' own actions already use the new settings.
    replanned = None
    if RESCHEDULING & changes.keys():
        replanned = await ctx.planner.replan_guild(staff.guild_id, now)
    after = await server_settings(ctx.db, staff.guild_id)
    return ServerSettingsView(after, _word_limit(ctx, after), changes, replanned)


# -- one student, the audit log ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedProgress:
    """What staff may see of one student: their contacts' stages, only if they opted in."""

    shared: bool
    contacts: tuple[ContactRecord, ...]  # empty unless shared; most recently active first


async def student_progress(
    ctx: ActionContext, staff: StaffKey, student_user_id: int
) -> SharedProgress:
    """A student's contacts if they chose to share them with staff; audited
    (``student_viewed``) either way."""
    student = await get_student(ctx.db, staff.guild_id, student_user_id)
    shared = student is not None and student.share_with_staff
    await record_look(ctx, staff, "student_viewed", {"student": student_user_id, "shared": shared})
    if not shared:
        return SharedProgress(False, ())
    contacts = await list_contacts(ctx.db, staff.guild_id, student_user_id)
    return SharedProgress(True, tuple(contacts))


AUDIT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]  # newest first
    page: int  # from 0
    pages: int
    total: int
    item_texts: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(phase, item id) → the item's text now, for checklist entries that did not record it
    (older ones), so the log never shows an internal item id."""


async def _item_texts(
    ctx: ActionContext, guild_id: int, entries: list[AuditEntry]
) -> dict[tuple[str, str], str]:
    wanted = {
        (str(entry.detail["phase"]), str(entry.detail["item"]))
        for entry in entries
        if entry.action.startswith("checklist_item_")
        and "text" not in entry.detail
        and entry.detail.get("phase") in ctx.content.checklists
        and "item" in entry.detail
    }
    texts: dict[tuple[str, str], str] = {}
    for phase in sorted({phase for phase, _ in wanted}):
        checklist = await server_checklist(ctx.db, ctx.content, guild_id, phase)
        for entry in checklist.items:
            if (phase, entry.item.id) in wanted:
                texts[(phase, entry.item.id)] = entry.item.text
    return texts


async def audit_log(ctx: ActionContext, staff: StaffKey, page: int) -> AuditPage:
    """One page of the server's staff actions, newest first (a page out of range shows the
    nearest one)."""
    total = await count_staff_actions(ctx.db, staff.guild_id)
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    page = max(0, min(page, pages - 1))
    entries = await recent_staff_actions(
        ctx.db, staff.guild_id, limit=AUDIT_PAGE_SIZE, offset=page * AUDIT_PAGE_SIZE
    )
    texts = await _item_texts(ctx, staff.guild_id, entries)
    return AuditPage(tuple(entries), page, pages, total, texts)
