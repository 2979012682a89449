"""The student's own settings in one server: time zone, quiet hours, reminders on/off and the
digest day. Each change is saved with its event, the student's digest and a "re-plan pending"
mark in one transaction; then their contacts' reminders are re-planned in short transactions
of a batch of contacts each (so a student at the contact limit never holds up everyone else's
commands), whoever asks (``/settings`` or the time-zone picker). The action returns once the
re-planning is done; if the process stops before, start-up finishes it (the mark)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.actions.common import log_event, student_transaction
from bot.actions.context import ActionContext, StudentKey
from bot.errors import UserError
from bot.storage.contacts import resume_stopped_contacts
from bot.storage.students import WEEKDAYS as WEEKDAYS
from bot.storage.students import Student, get_student, write_settings
from bot.validation import parse_clock_time, parse_timezone


@dataclass(frozen=True, slots=True)
class StudentSettings:
    """What the student has chosen in this server (the defaults until they choose)."""

    timezone: str | None
    quiet_start: time
    quiet_end: time
    nudges_enabled: bool
    digest_day: int | None  # 0 = Monday … 6 = Sunday; None = off
    share_with_staff: bool
    now: datetime  # when this was read, for "it's 14:05 there now"


@dataclass(frozen=True, slots=True)
class TimezoneSet:
    zone: ZoneInfo
    now: datetime


def _settings_of(student: Student, now: datetime) -> StudentSettings:
    return StudentSettings(
        timezone=student.timezone,
        quiet_start=student.quiet_start,
        quiet_end=student.quiet_end,
        nudges_enabled=student.nudges_enabled,
        digest_day=student.digest_day,
        share_with_staff=student.share_with_staff,
        now=now,
    )


async def show_settings(ctx: ActionContext, who: StudentKey) -> StudentSettings:
    """The student's settings; the defaults if nothing is stored (nothing is created)."""
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    if student is None:
        student = Student(guild_id=who.guild_id, user_id=who.user_id, timezone=None)
    return _settings_of(student, ctx.clock.now())


async def known_zone(ctx: ActionContext, who: StudentKey) -> ZoneInfo | None:
    """The student's zone if they set one (read-only views show UTC rather than ask)."""
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    return ZoneInfo(student.timezone) if student is not None and student.timezone else None


async def set_timezone(ctx: ActionContext, who: StudentKey, name: str) -> TimezoneSet:
    """Store the student's IANA zone (``timezone_set``) and re-plan their contacts and digest
    in it."""
    zone = parse_timezone(name)
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await write_settings(tx, who.guild_id, who.user_id, timezone=zone.key)
        await log_event(tx, who, "timezone_set", now, payload={"timezone": zone.key})
        mark = await ctx.planner.mark_student(tx, who.guild_id, who.user_id, now)
    await ctx.planner.replan_student_in_batches(who.guild_id, who.user_id, mark, now)
    return TimezoneSet(zone, now)


async def set_quiet_hours(
    ctx: ActionContext, who: StudentKey, start: str, end: str
) -> StudentSettings:
    """When reminders must wait, in the student's local time (``quiet_hours_set``)."""
    begin, finish = parse_clock_time(start), parse_clock_time(end)
    if begin == finish:
        raise UserError(
            f"Quiet hours can't start and end at the same time ({begin:%H:%M}). "
            "To turn reminders off, use `/settings nudges`."
        )
    return await _save(
        ctx,
        who,
        "quiet_hours_set",
        {"start": f"{begin:%H:%M}", "end": f"{finish:%H:%M}"},
        quiet_start=begin,
        quiet_end=finish,
    )


async def set_nudges(ctx: ActionContext, who: StudentKey, enabled: bool) -> StudentSettings:
    """Reminders on or off in this server (``nudges_toggled``). "On" also undoes Stop pressed
    on single contacts."""
    return await _save(
        ctx,
        who,
        "nudges_toggled",
        {"enabled": enabled},
        resume_stopped=enabled,
        nudges_enabled=int(enabled),
    )


async def set_digest_day(ctx: ActionContext, who: StudentKey, day: int | None) -> StudentSettings:
    """The weekday of the weekly digest, 0 = Monday … 6 = Sunday, or None for off
    (``digest_day_set``)."""
    if day is not None and not 0 <= day < len(WEEKDAYS):
        raise UserError("Pick a day of the week for your digest, or Off.")
    return await _save(ctx, who, "digest_day_set", {"day": day}, digest_day=day)


async def _save(
    ctx: ActionContext,
    who: StudentKey,
    kind: str,
    payload: dict[str, object],
    *,
    resume_stopped: bool = False,
    **values: object,
) -> StudentSettings:
    """Write some settings and their event in one transaction, then re-plan the student's
    reminders in batches (see the module docstring); returns the settings after."""
    now = ctx.clock.now()
    async with student_transaction(ctx, who, now) as tx:
        await write_settings(tx, who.guild_id, who.user_id, **values)
        if resume_stopped:
            await resume_stopped_contacts(tx, who.guild_id, who.user_id, now)
        await log_event(tx, who, kind, now, payload=payload)
        # Quiet hours, nudges on/off and the digest day change when reminders go out.
        mark = await ctx.planner.mark_student(tx, who.guild_id, who.user_id, now)
    await ctx.planner.replan_student_in_batches(who.guild_id, who.user_id, mark, now)
    student = await get_student(ctx.db, who.guild_id, who.user_id)
    assert student is not None
    return _settings_of(student, now)
