from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.domain.three_b_seven import OutreachDates, ReplyClass, classify_reply, outreach_dates

NEW_YORK = ZoneInfo("America/New_York")
US = holidays.country_holidays("US")


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_friday_afternoon_counts_from_monday() -> None:
    dates = outreach_dates(_at(2026, 11, 27, 14, 0), NEW_YORK)
    assert dates == OutreachDates(
        count_from=date(2026, 11, 30),  # Monday
        second_contact_on=date(2026, 12, 3),  # Thursday
        follow_up_on=date(2026, 12, 9),  # Wednesday
        sent_on=date(2026, 11, 27),
    )


def test_monday_morning_counts_from_that_monday() -> None:
    dates = outreach_dates(_at(2026, 11, 30, 10, 0), NEW_YORK)
    assert dates.count_from == date(2026, 11, 30)
    assert dates.second_contact_on == date(2026, 12, 3)
    assert dates.follow_up_on == date(2026, 12, 9)


def test_noon_sharp_counts_from_the_next_day() -> None:
    dates = outreach_dates(_at(2026, 11, 30, 12, 0), NEW_YORK)
    assert dates.count_from == date(2026, 12, 1)
    assert dates.second_contact_on == date(2026, 12, 4)
    assert dates.follow_up_on == date(2026, 12, 10)


def test_saturday_counts_from_monday() -> None:
    dates = outreach_dates(_at(2026, 11, 28, 9, 0), NEW_YORK)
    assert dates.count_from == date(2026, 11, 30)
    assert dates.sent_on == date(2026, 11, 28)


def test_thanksgiving_week_with_us_holidays() -> None:
    # Wednesday afternoon before Thanksgiving (Thu 2026-11-26).
    with_holidays = outreach_dates(_at(2026, 11, 25, 15, 0), NEW_YORK, US)
    assert with_holidays.count_from == date(2026, 11, 27)
    assert with_holidays.second_contact_on == date(2026, 12, 2)
    assert with_holidays.follow_up_on == date(2026, 12, 8)
    weekends_only = outreach_dates(_at(2026, 11, 25, 15, 0), NEW_YORK)
    assert weekends_only.count_from == date(2026, 11, 26)
    assert weekends_only.second_contact_on == date(2026, 12, 1)


def test_christmas_and_new_year_cross_the_year_boundary() -> None:
    dates = outreach_dates(_at(2026, 12, 24, 15, 0), NEW_YORK, US)
    assert dates.count_from == date(2026, 12, 28)  # Christmas is Friday
    assert dates.second_contact_on == date(2026, 12, 31)
    assert dates.follow_up_on == date(2027, 1, 7)  # skips New Year's Day (Friday)


def test_year_boundary_without_holidays() -> None:
    dates = outreach_dates(_at(2026, 12, 30, 9, 0), NEW_YORK)
    assert dates.count_from == date(2026, 12, 30)
    assert dates.second_contact_on == date(2027, 1, 4)
    assert dates.follow_up_on == date(2027, 1, 8)


def test_dst_week_uses_local_noon() -> None:
    # Monday after fall back: 16:30 UTC is 11:30 EST, so the count starts that Monday.
    dates = outreach_dates(datetime(2026, 11, 2, 16, 30, tzinfo=UTC), NEW_YORK)
    assert dates.count_from == date(2026, 11, 2)
    assert dates.second_contact_on == date(2026, 11, 5)
    # Monday before it: the same UTC time is 12:30 EDT, so it starts Tuesday.
    before = outreach_dates(datetime(2026, 10, 26, 16, 30, tzinfo=UTC), NEW_YORK)
    assert before.count_from == date(2026, 10, 27)
    assert before.second_contact_on == date(2026, 10, 30)


def test_unknown_time_counts_the_send_day() -> None:
    dates = outreach_dates(_at(2026, 11, 30, 18, 0), NEW_YORK, time_known=False)
    assert dates.count_from == date(2026, 11, 30)


def test_naive_datetime_is_rejected() -> None:
    naive = _at(2026, 11, 30, 10, 0).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        outreach_dates(naive, NEW_YORK)


@pytest.mark.parametrize(
    ("replied_on", "expected"),
    [
        (date(2026, 11, 27), ReplyClass.BOOSTER),  # same Friday evening, before day 0
        (date(2026, 11, 29), ReplyClass.BOOSTER),  # Sunday
        (date(2026, 11, 30), ReplyClass.BOOSTER),  # day 0
        (date(2026, 12, 3), ReplyClass.BOOSTER),  # day 3: still a booster
        (date(2026, 12, 4), ReplyClass.OBLIGATE),  # day 4
        (date(2026, 12, 9), ReplyClass.OBLIGATE),  # day 7
        (date(2027, 2, 1), ReplyClass.OBLIGATE),  # much later
    ],
)
def test_classify_reply(replied_on: date, expected: ReplyClass) -> None:
    dates = outreach_dates(_at(2026, 11, 27, 14, 0), NEW_YORK)
    assert classify_reply(dates, replied_on) is expected


def test_classify_reply_before_the_send_is_an_error() -> None:
    dates = outreach_dates(_at(2026, 11, 27, 14, 0), NEW_YORK)
    with pytest.raises(ValueError, match="before the request was sent"):
        classify_reply(dates, date(2026, 11, 26))


def test_reply_classes_are_plain_strings() -> None:
    assert ReplyClass("curmudgeon") is ReplyClass.CURMUDGEON
    assert str(ReplyClass.BOOSTER) == "booster"
