from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.local_time import (
    NonexistentLocalTime,
    in_quiet_hours,
    local_instant,
)

NY = ZoneInfo("America/New_York")


def test_spring_forward_gap_is_refused():
    with pytest.raises(NonexistentLocalTime):
        local_instant(date(2026, 3, 8), time(2, 30), NY)
    assert local_instant(date(2026, 3, 8), time(3, 0), NY).astimezone(UTC) == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )


def test_fall_back_repeated_hour_means_the_first():
    instant = local_instant(date(2026, 11, 1), time(1, 30), NY)
    assert instant.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # still EDT


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(2, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
    ],
)
def test_quiet_hours_across_midnight(local: time, quiet: bool):
    assert in_quiet_hours(local, time(21, 0), time(8, 0)) is quiet


def test_quiet_hours_same_day_and_disabled():
    assert in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(15, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(3, 0), time(8, 0), time(8, 0))
