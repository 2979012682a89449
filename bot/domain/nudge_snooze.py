"""Snoozing a nudge: when the same reminder comes back.

Pure: an explicit aware ``now`` in, an aware UTC instant out. A reminder about a business-day
deadline (the 3B7 steps, the referrals) comes back at 09:00 on the student's next business day;
any other comes back a day later, moved past quiet hours if that lands in them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.business_days import HolidayCalendar, next_business_day
from bot.domain.nudge_kinds import NudgeKind, StudentPrefs
from bot.domain.nudge_plan import nudge_time_on
from bot.domain.quiet_hours import defer_past_quiet_hours

BUSINESS_DAY_KINDS = frozenset(
    {
        NudgeKind.SECOND_CONTACT,
        NudgeKind.FOLLOW_UP,
        NudgeKind.CLOSE_NO_REPLY,
        NudgeKind.REFERRALS,
    }
)
"""Kinds that count business days: snoozing them skips weekends and the server's holidays."""

SNOOZE_FOR = timedelta(days=1)


def snooze_until(
    kind: NudgeKind,
    now: datetime,
    prefs: StudentPrefs | None,
    holidays: HolidayCalendar = None,
) -> datetime:
    """When a reminder snoozed at ``now`` comes back. Without the student's preferences (no
    time zone yet) it is simply a day later."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if prefs is None:
        return now + SNOOZE_FOR
    if kind in BUSINESS_DAY_KINDS:
        today = now.astimezone(prefs.zone).date()
        return nudge_time_on(next_business_day(today, holidays), prefs)
    return defer_past_quiet_hours(now + SNOOZE_FOR, prefs)
