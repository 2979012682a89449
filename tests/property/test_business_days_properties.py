"""Property tests for business-day arithmetic and the 3B7 dates (bot.domain.business_days,
bot.domain.three_b_seven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.business_days import (
    NOON,
    business_days_after,
    business_days_between,
    counting_start,
    is_business_day,
)
from bot.domain.three_b_seven import (
    FOLLOW_UP_AFTER,
    SECOND_CONTACT_AFTER,
    ReplyClass,
    classify_reply,
    outreach_dates,
)
from bot.validation import all_timezones

DAY = timedelta(days=1)
US_HOLIDAYS = frozenset(holiday_calendars.country_holidays("US", years=range(2020, 2032)))

starts = st.dates(date(2020, 1, 1), date(2030, 12, 31))
counts = st.integers(0, 40)


@st.composite
def holiday_sets(draw: st.DrawFn, near: date | None = None) -> frozenset[date] | None:
    """None (weekends only), the US calendar, or a random set of dates around 2020–2031."""
    kind = draw(st.sampled_from(["none", "us", "random"]))
    if kind == "none":
        return None
    if kind == "us":
        return US_HOLIDAYS
    spread = draw(st.lists(st.dates(date(2019, 12, 1), date(2031, 6, 30)), max_size=60))
    # Runs of holidays right after ``near`` (e.g. a two-week closure) matter most.
    offsets = draw(st.lists(st.integers(0, 60), max_size=20)) if near is not None else []
    return frozenset(spread + [near + timedelta(days=n) for n in offsets if near is not None])


@st.composite
def start_and_holidays(draw: st.DrawFn) -> tuple[date, frozenset[date] | None]:
    start = draw(starts)
    return start, draw(holiday_sets(near=start))


zones = st.sampled_from(all_timezones()).map(ZoneInfo)


def _naive(year: int, month: int, day: int) -> datetime:
    """A bound for ``st.datetimes`` (which wants naive bounds)."""
    return datetime.combine(date(year, month, day), time(0, 0))


def _is_free(day: date, cal: frozenset[date] | None) -> bool:
    return day.weekday() < 5 and (cal is None or day not in cal)


@settings(max_examples=200, deadline=None)
@given(case=start_and_holidays(), n=counts)
@example(case=(date(2026, 12, 24), US_HOLIDAYS), n=1)
@example(case=(date(2026, 1, 3), None), n=0)
def test_business_days_after_lands_on_a_business_day(
    case: tuple[date, frozenset[date] | None], n: int
) -> None:
    start, cal = case
    landed = business_days_after(start, n, cal)
    assert landed.weekday() < 5
    assert cal is None or landed not in cal
    assert is_business_day(landed, cal)
    assert landed >= start
    assert (landed > start) or n == 0


@settings(max_examples=200, deadline=None)
@given(case=start_and_holidays(), n=counts)
def test_business_days_after_is_monotonic_in_n(
    case: tuple[date, frozenset[date] | None], n: int
) -> None:
    start, cal = case
    assert business_days_after(start, n, cal) <= business_days_after(start, n + 1, cal)
    if n >= 1:
        assert business_days_after(start, n, cal) < business_days_after(start, n + 1, cal)


@settings(max_examples=200, deadline=None)
@given(case=start_and_holidays(), shift=st.integers(0, 30), n=counts)
def test_business_days_after_is_monotonic_in_start(
    case: tuple[date, frozenset[date] | None], shift: int, n: int
) -> None:
    start, cal = case
    later = start + timedelta(days=shift)
    assert business_days_after(start, n, cal) <= business_days_after(later, n, cal)


@settings(max_examples=200, deadline=None)
@given(case=start_and_holidays(), n=counts)
def test_business_days_between_inverts_business_days_after(
    case: tuple[date, frozenset[date] | None], n: int
) -> None:
    start, cal = case
    landed = business_days_after(start, n, cal)
    if n >= 1 or is_business_day(start, cal):
        assert business_days_between(start, landed, cal) == n
    if n >= 1:
        # The earliest such day: the day before has one business day fewer.
        assert business_days_between(start, landed - DAY, cal) == n - 1
    # The count by brute force over (start, landed].
    expected = sum(
        _is_free(start + timedelta(days=k), cal) for k in range(1, (landed - start).days + 1)
    )
    assert business_days_between(start, landed, cal) == expected


@settings(max_examples=100, deadline=None)
@given(case=start_and_holidays(), n=st.integers(-10, -1))
def test_negative_counts_are_refused(case: tuple[date, frozenset[date] | None], n: int) -> None:
    with pytest.raises(ValueError, match="n must be"):
        business_days_after(case[0], n, case[1])


sent_instants = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(_naive(2020, 1, 1), _naive(2030, 12, 31)),
    zones | st.just(UTC),
)


@settings(max_examples=200, deadline=None)
@given(sent_at=sent_instants, zone=zones, cal=holiday_sets(), time_known=st.booleans())
@example(
    sent_at=datetime(2026, 3, 13, 12, 0, tzinfo=ZoneInfo("America/New_York")),
    zone=ZoneInfo("America/New_York"),
    cal=None,
    time_known=True,
)
def test_counting_start_is_the_first_business_day_not_before_the_local_send_date(
    sent_at: datetime, zone: ZoneInfo, cal: frozenset[date] | None, time_known: bool
) -> None:
    local = sent_at.astimezone(zone)
    day0 = counting_start(sent_at, zone, cal, time_known=time_known)
    assert is_business_day(day0, cal)
    assert day0 >= local.date()
    same_day = is_business_day(local.date(), cal) and (not time_known or local.time() < NOON)
    assert (day0 == local.date()) == same_day
    # Nothing in between was a business day: day 0 is the first possible one.
    first_candidate = local.date() if same_day else local.date() + DAY
    assert all(
        not is_business_day(first_candidate + timedelta(days=k), cal)
        for k in range((day0 - first_candidate).days)
    )


@settings(max_examples=200, deadline=None)
@given(
    sent_at=sent_instants,
    zone=zones,
    cal=holiday_sets(),
    time_known=st.booleans(),
    reply_after=st.integers(0, 30),
)
def test_outreach_dates_are_ordered_and_classify_replies(
    sent_at: datetime,
    zone: ZoneInfo,
    cal: frozenset[date] | None,
    time_known: bool,
    reply_after: int,
) -> None:
    dates = outreach_dates(sent_at, zone, cal, time_known=time_known)
    assert dates.sent_on == sent_at.astimezone(zone).date()
    assert dates.sent_on <= dates.count_from < dates.second_contact_on < dates.follow_up_on
    assert business_days_between(dates.count_from, dates.second_contact_on, cal) == (
        SECOND_CONTACT_AFTER
    )
    assert business_days_between(dates.count_from, dates.follow_up_on, cal) == FOLLOW_UP_AFTER
    replied_on = dates.sent_on + timedelta(days=reply_after)
    expected = ReplyClass.BOOSTER if replied_on <= dates.second_contact_on else ReplyClass.OBLIGATE
    assert classify_reply(dates, replied_on) is expected
    with pytest.raises(ValueError, match="before the request was sent"):
        classify_reply(dates, dates.sent_on - DAY)


@settings(max_examples=50, deadline=None)
@given(sent_at=st.datetimes(_naive(2020, 1, 1), _naive(2030, 12, 31)), zone=zones)
def test_naive_send_times_are_refused(sent_at: datetime, zone: ZoneInfo) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        counting_start(sent_at, zone)
