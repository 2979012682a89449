from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.domain.business_days import (
    business_days_after,
    business_days_between,
    counting_start,
    is_business_day,
    next_business_day,
)

NEW_YORK = ZoneInfo("America/New_York")
US = holidays.country_holidays("US")


def test_weekdays_are_business_days_and_weekends_are_not() -> None:
    # 2026-11-30 is a Monday.
    week = [date(2026, 11, 30) + timedelta(days=i) for i in range(7)]
    assert [is_business_day(day) for day in week] == [True] * 5 + [False] * 2


def test_holidays_accept_any_container_of_dates() -> None:
    thanksgiving = date(2026, 11, 26)
    assert is_business_day(thanksgiving)
    assert not is_business_day(thanksgiving, US)
    assert not is_business_day(thanksgiving, {thanksgiving})
    assert is_business_day(thanksgiving, frozenset())


def test_next_business_day_is_strictly_after() -> None:
    assert next_business_day(date(2026, 11, 30)) == date(2026, 12, 1)
    assert next_business_day(date(2026, 12, 4)) == date(2026, 12, 7)  # Fri -> Mon
    assert next_business_day(date(2026, 12, 5)) == date(2026, 12, 7)  # Sat -> Mon
    assert next_business_day(date(2026, 11, 25), US) == date(2026, 11, 27)  # skips Thanksgiving


def test_business_days_after_zero_rolls_forward_to_a_business_day() -> None:
    assert business_days_after(date(2026, 11, 30), 0) == date(2026, 11, 30)
    assert business_days_after(date(2026, 11, 28), 0) == date(2026, 11, 30)  # Sat -> Mon


def test_business_days_after_counts_strictly_after_start() -> None:
    monday = date(2026, 11, 30)
    assert business_days_after(monday, 1) == date(2026, 12, 1)
    assert business_days_after(monday, 3) == date(2026, 12, 3)
    assert business_days_after(monday, 5) == date(2026, 12, 7)
    assert business_days_after(monday, 7) == date(2026, 12, 9)
    # From a Saturday, n=0 and n=1 are both the Monday.
    assert business_days_after(date(2026, 11, 28), 1) == date(2026, 11, 30)


def test_business_days_after_skips_holidays_and_crosses_the_year() -> None:
    # Christmas (Fri) and New Year's Day 2027 (Fri) are holidays.
    assert business_days_after(date(2026, 12, 24), 1, US) == date(2026, 12, 28)
    assert business_days_after(date(2026, 12, 30), 2, US) == date(2027, 1, 4)
    assert business_days_after(date(2026, 12, 30), 2) == date(2027, 1, 1)


def test_business_days_after_rejects_negative_n() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        business_days_after(date(2026, 11, 30), -1)


def test_business_days_between_counts_half_open_interval() -> None:
    monday = date(2026, 11, 30)
    assert business_days_between(monday, monday) == 0
    assert business_days_between(monday, date(2026, 12, 1)) == 1
    assert business_days_between(monday, date(2026, 12, 7)) == 5
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 6)) == 0  # Fri -> Sun
    assert business_days_between(date(2026, 12, 7), monday) == 0  # reversed: empty
    assert business_days_between(date(2026, 11, 25), date(2026, 11, 30), US) == 2


@pytest.mark.parametrize("n", [1, 3, 7, 20])
def test_between_and_after_agree(n: int) -> None:
    for offset in range(14):
        start = date(2026, 12, 20) + timedelta(days=offset)
        end = business_days_after(start, n, US)
        assert business_days_between(start, end, US) == n
        assert is_business_day(end, US)


def test_counting_start_morning_counts_the_same_day() -> None:
    sent = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)  # Monday
    assert counting_start(sent, NEW_YORK) == date(2026, 11, 30)


def test_counting_start_noon_sharp_counts_from_the_next_business_day() -> None:
    assert counting_start(datetime(2026, 11, 30, 12, 0, tzinfo=NEW_YORK), NEW_YORK) == date(
        2026, 12, 1
    )
    just_before = datetime(2026, 11, 30, 11, 59, 59, 999999, tzinfo=NEW_YORK)
    assert counting_start(just_before, NEW_YORK) == date(2026, 11, 30)


def test_counting_start_weekend_and_friday_afternoon_go_to_monday() -> None:
    monday = date(2026, 11, 30)
    assert counting_start(datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK), NEW_YORK) == monday
    assert counting_start(datetime(2026, 11, 27, 14, 0, tzinfo=NEW_YORK), NEW_YORK) == monday


def test_counting_start_holiday_morning_goes_to_the_next_business_day() -> None:
    thanksgiving_morning = datetime(2026, 11, 26, 9, 0, tzinfo=NEW_YORK)
    assert counting_start(thanksgiving_morning, NEW_YORK, US) == date(2026, 11, 27)
    assert counting_start(thanksgiving_morning, NEW_YORK) == date(2026, 11, 26)


def test_counting_start_uses_the_local_date_not_utc() -> None:
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo.
    sent = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert counting_start(sent, ZoneInfo("Asia/Tokyo")) == date(2026, 11, 30)
    # ...and Sunday 18:30 in New York.
    assert counting_start(sent, NEW_YORK) == date(2026, 11, 30)
    # Monday 03:00 UTC is still Sunday evening in New York.
    assert counting_start(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), NEW_YORK) == date(2026, 11, 30)


def test_counting_start_accepts_any_aware_datetime() -> None:
    sent = datetime(2026, 11, 30, 11, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert counting_start(sent, NEW_YORK) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("sent_utc", "expected"),
    [
        # Fall back on Sun 2026-11-01: 16:30 UTC is 12:30 EDT before, 11:30 EST after.
        (datetime(2026, 10, 26, 16, 30, tzinfo=UTC), date(2026, 10, 27)),
        (datetime(2026, 11, 2, 16, 30, tzinfo=UTC), date(2026, 11, 2)),
        # Spring forward on Sun 2026-03-08: 16:30 UTC is 11:30 EST before, 12:30 EDT after.
        (datetime(2026, 3, 2, 16, 30, tzinfo=UTC), date(2026, 3, 2)),
        (datetime(2026, 3, 9, 16, 30, tzinfo=UTC), date(2026, 3, 10)),
    ],
)
def test_counting_start_follows_daylight_saving_time(sent_utc: datetime, expected: date) -> None:
    assert counting_start(sent_utc, NEW_YORK) == expected


def test_counting_start_with_unknown_time_counts_any_business_day() -> None:
    evening = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    assert counting_start(evening, NEW_YORK, time_known=False) == date(2026, 11, 30)
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK)
    assert counting_start(saturday, NEW_YORK, time_known=False) == date(2026, 11, 30)


def test_counting_start_rejects_naive_datetimes() -> None:
    naive = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        counting_start(naive, NEW_YORK)
