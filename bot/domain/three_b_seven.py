"""The 3B7 routine: when to contact a second person, when to follow up, and how to
classify a reply.

Counting is in business days from day 0, the counting start
(:func:`bot.domain.business_days.counting_start`): no reply after 3 business days →
contact a second person at the same employer; still no reply after 7 → send one
follow-up. A reply by day 3 marks a booster, a later one an obligate; a contact who
never replies is a curmudgeon (decided by the caller when it closes the contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.business_days import HolidayCalendar, business_days_after, counting_start

SECOND_CONTACT_AFTER = 3
"""Business days without a reply before contacting a second person."""

FOLLOW_UP_AFTER = 7
"""Business days without a reply before sending the one follow-up."""


class ReplyClass(StrEnum):
    """How a contact responded to a request."""

    BOOSTER = "booster"
    OBLIGATE = "obligate"
    CURMUDGEON = "curmudgeon"


@dataclass(frozen=True)
class OutreachDates:
    """The local dates of one request's 3B7 schedule.

    ``count_from`` is day 0; ``second_contact_on`` is day 3 and ``follow_up_on`` day 7
    (business days). ``sent_on`` is the local calendar date of the send, which may be
    earlier than ``count_from`` (sent after noon, on a weekend or a holiday).
    """

    count_from: date
    second_contact_on: date
    follow_up_on: date
    sent_on: date


def outreach_dates(
    sent_at: datetime,
    zone: ZoneInfo,
    holidays: HolidayCalendar = None,
    *,
    time_known: bool = True,
) -> OutreachDates:
    """Compute the 3B7 dates for a request sent at ``sent_at`` (aware) in ``zone``.

    Raises ``ValueError`` if ``sent_at`` is naive.
    """
    day0 = counting_start(sent_at, zone, holidays, time_known=time_known)
    return OutreachDates(
        count_from=day0,
        second_contact_on=business_days_after(day0, SECOND_CONTACT_AFTER, holidays),
        follow_up_on=business_days_after(day0, FOLLOW_UP_AFTER, holidays),
        sent_on=sent_at.astimezone(zone).date(),
    )


def classify_reply(dates: OutreachDates, replied_on: date) -> ReplyClass:
    """Classify a reply received on the local date ``replied_on``.

    A reply on or before ``second_contact_on`` is a booster, including a reply that
    arrives before ``count_from`` but on or after the send date (e.g. the same
    Friday evening). Anything later is an obligate. ``replied_on`` must be in the
    same time zone as the send; a date before ``sent_on`` raises ``ValueError``.
    """
    if replied_on < dates.sent_on:
        raise ValueError(f"reply on {replied_on} is before the request was sent ({dates.sent_on})")
    if replied_on <= dates.second_contact_on:
        return ReplyClass.BOOSTER
    return ReplyClass.OBLIGATE
