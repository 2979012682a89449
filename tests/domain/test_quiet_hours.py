from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.nudge_kinds import StudentPrefs
from bot.domain.quiet_hours import (
    before_quiet_hours,
    defer_past_quiet_hours,
    is_quiet,
    occurrences,
    wall_clock_instant,
)

NY = ZoneInfo("America/New_York")
NIGHT = StudentPrefs(zone=NY)  # 21:00–08:00
SPRING_FORWARD = date(2027, 3, 14)  # 02:00 EST → 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # 02:00 EDT → 01:00 EST


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def test_outside_quiet_hours_is_unchanged_and_utc() -> None:
    result = defer_past_quiet_hours(_ny(2026, 12, 3, 9, 0), NIGHT)
    assert result == _utc(2026, 12, 3, 14, 0)
    assert result.tzinfo is UTC


def test_two_in_the_morning_waits_until_eight() -> None:
    assert defer_past_quiet_hours(_ny(2026, 12, 3, 2, 0), NIGHT) == _utc(2026, 12, 3, 13, 0)


def test_late_evening_waits_until_the_next_morning() -> None:
    assert defer_past_quiet_hours(_ny(2026, 12, 3, 22, 30), NIGHT) == _utc(2026, 12, 4, 13, 0)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (_ny(2026, 12, 3, 8, 0), _utc(2026, 12, 3, 13, 0)),  # the end itself is not quiet
        (_ny(2026, 12, 3, 7, 59), _utc(2026, 12, 3, 13, 0)),
        (_ny(2026, 12, 3, 20, 59), _utc(2026, 12, 4, 1, 59)),
        (_ny(2026, 12, 3, 21, 0), _utc(2026, 12, 4, 13, 0)),  # the start is quiet
    ],
)
def test_quiet_hours_are_half_open(local: datetime, expected: datetime) -> None:
    assert defer_past_quiet_hours(local, NIGHT) == expected


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(0, 0), quiet_end=time(0, 0))
    instant = _ny(2026, 12, 3, 3, 0)
    assert not is_quiet(instant, prefs)
    assert defer_past_quiet_hours(instant, prefs) == instant


def test_daytime_quiet_hours_end_the_same_day() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(13, 0), quiet_end=time(15, 0))
    assert defer_past_quiet_hours(_ny(2026, 12, 3, 14, 0), prefs) == _ny(2026, 12, 3, 15, 0)
    assert defer_past_quiet_hours(_ny(2026, 12, 3, 16, 0), prefs) == _ny(2026, 12, 3, 16, 0)


def test_quiet_is_judged_in_the_students_zone() -> None:
    tokyo = StudentPrefs(zone=ZoneInfo("Asia/Tokyo"))
    # 14:00 UTC is 23:00 in Tokyo: quiet until 08:00 Tokyo = 23:00 UTC.
    assert defer_past_quiet_hours(_utc(2026, 12, 3, 14, 0), tokyo) == _utc(2026, 12, 3, 23, 0)


def test_quiet_end_on_a_spring_forward_morning() -> None:
    # 23:00 EST on the 13th → 08:00 EDT on the 14th (12:00 UTC, not 13:00).
    assert defer_past_quiet_hours(_ny(2027, 3, 13, 23, 0), NIGHT) == _utc(2027, 3, 14, 12, 0)


def test_quiet_end_inside_the_spring_forward_gap_is_the_first_instant_after() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(2, 30))
    # 02:30 does not exist on 2027-03-14: the clock jumps from 02:00 EST to 03:00 EDT.
    result = defer_past_quiet_hours(_ny(2027, 3, 14, 1, 30), prefs)
    assert result == _utc(2027, 3, 14, 7, 0)
    assert result.astimezone(NY).time() == time(3, 0)


def test_quiet_end_on_a_fall_back_morning() -> None:
    # 23:00 EDT on Oct 31 → 08:00 EST on Nov 1 (13:00 UTC).
    assert defer_past_quiet_hours(_ny(2026, 10, 31, 23, 0), NIGHT) == _utc(2026, 11, 1, 13, 0)


def test_quiet_end_in_the_repeated_hour_is_the_earlier_occurrence() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(1, 30))
    # 00:30 EDT → 01:30 EDT (05:30 UTC), the first of the two 01:30s.
    assert defer_past_quiet_hours(_ny(2026, 11, 1, 0, 30), prefs) == _utc(2026, 11, 1, 5, 30)


def test_second_pass_of_the_repeated_hour_waits_for_the_later_occurrence() -> None:
    prefs = StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(1, 30))
    second_pass = _ny(2026, 11, 1, 1, 10, fold=1)  # 01:10 EST = 06:10 UTC
    assert second_pass.astimezone(UTC) == _utc(2026, 11, 1, 6, 10)
    assert defer_past_quiet_hours(second_pass, prefs) == _utc(2026, 11, 1, 6, 30)


def test_before_quiet_hours_is_fifteen_minutes_before_they_began() -> None:
    # 07:00 is in the period that began at 21:00 the evening before.
    assert before_quiet_hours(_ny(2026, 12, 10, 7, 0), NIGHT) == _ny(2026, 12, 9, 20, 45)
    assert before_quiet_hours(_ny(2026, 12, 9, 22, 0), NIGHT) == _ny(2026, 12, 9, 20, 45)
    assert before_quiet_hours(_ny(2026, 12, 9, 12, 0), NIGHT) == _ny(2026, 12, 9, 12, 0)


def test_wall_clock_instant_never_refuses() -> None:
    assert wall_clock_instant(SPRING_FORWARD, time(2, 30), NY) == _utc(2027, 3, 14, 7, 0)
    assert wall_clock_instant(FALL_BACK, time(1, 30), NY) == _utc(2026, 11, 1, 5, 30)
    assert wall_clock_instant(FALL_BACK, time(9, 0), NY) == _utc(2026, 11, 1, 14, 0)


def test_wall_clock_instant_in_a_half_hour_gap() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 02:00 → 02:30 on 2026-10-04
    assert wall_clock_instant(date(2026, 10, 4), time(2, 15), lord_howe) == _utc(
        2026, 10, 3, 15, 30
    )


def test_occurrences() -> None:
    assert occurrences(SPRING_FORWARD, time(2, 30), NY) == []
    assert occurrences(FALL_BACK, time(1, 30), NY) == [
        _utc(2026, 11, 1, 5, 30),
        _utc(2026, 11, 1, 6, 30),
    ]
    assert occurrences(FALL_BACK, time(3, 0), NY) == [_utc(2026, 11, 1, 8, 0)]


def test_naive_instants_are_refused() -> None:
    naive = datetime(2026, 12, 3, 2, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        defer_past_quiet_hours(naive, NIGHT)
    with pytest.raises(ValueError, match="aware"):
        before_quiet_hours(naive, NIGHT)
