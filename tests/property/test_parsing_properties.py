"""Property tests for dates, clock times, time zones and local instants (bot.validation,
bot.domain.local_time)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.local_time import NonexistentLocalTime, local_instant
from bot.errors import UserError
from bot.validation import (
    all_timezones,
    local_datetime,
    parse_clock_time,
    parse_date,
    parse_timezone,
)

_ASCII_HH_MM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_WHITESPACE = st.sampled_from(["", " ", "  ", "\t", "\n", "\u3000"])

# Text near the accepted shapes, so failures are not only the trivial "no digits at all".
date_like = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"),
    st.from_regex(r"\A[0-9]{1,5}[-/.][0-9]{1,3}[-/.][0-9]{1,3}\Z"),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
)
time_like = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"\A\d{1,2}:\d{2}\Z"),
    st.from_regex(r"\A[0-9]{1,3}[:.h][0-9]{1,3}\Z"),
    st.builds("{}:{:02d}".format, st.integers(-1, 30), st.integers(-1, 70)),
)


# --- parse_date -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(day=st.dates(), before=_WHITESPACE, after=_WHITESPACE)
def test_every_iso_date_is_accepted(day: date, before: str, after: str) -> None:
    assert parse_date(before + day.isoformat() + after) == day


@settings(max_examples=300, deadline=None)
@given(text=date_like)
@example(text="2026-02-29")
@example(text="2024-02-29")
@example(text="0000-01-01")
@example(text="٢٠٢٦-٠٣-١٤")  # Arabic-Indic digits
@example(text="２０２６-０３-１４")  # full-width digits
@example(text="2026-03-14\n2026-03-15")
def test_parse_date_accepts_exactly_iso_dates(text: str) -> None:
    try:
        parsed = parse_date(text)
    except UserError:
        return  # refused with a message for the student, never another exception
    assert parsed.isoformat() == text.strip()


# --- parse_clock_time -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(at=st.times(), padded=st.booleans(), before=_WHITESPACE, after=_WHITESPACE)
def test_every_clock_time_is_accepted(at: time, padded: bool, before: str, after: str) -> None:
    text = f"{at:%H:%M}" if padded else f"{at.hour}:{at.minute:02d}"
    assert parse_clock_time(before + text + after) == at.replace(second=0, microsecond=0)


@settings(max_examples=300, deadline=None)
@given(text=time_like)
@example(text="24:00")
@example(text="1٩:3٠")  # mixed Arabic-Indic digits
@example(text="０９:３０")
@example(text="9:5")
@example(text="09:05\n")
def test_parse_clock_time_accepts_hh_mm_and_refuses_the_rest_plainly(text: str) -> None:
    # The full grammar (3pm, 3:00 PM, noon) is tested in test_typed_dates.py; here: a 24-hour
    # HH:MM reads as itself, and anything refused is a UserError with an example.
    try:
        parsed: time | str = parse_clock_time(text)
    except UserError as refused:
        parsed = refused.message
    if isinstance(parsed, str):
        assert "e.g." in parsed
    elif _ASCII_HH_MM.fullmatch(text.strip()):
        assert f"{parsed:%H:%M}" == text.strip().zfill(5)


# --- parse_timezone ---------------------------------------------------------------------------


def test_every_listed_zone_is_accepted() -> None:
    names = all_timezones()
    assert len(names) > 300
    for name in names:
        assert parse_timezone(name).key == name
        assert parse_timezone(f" {name}\n").key == name


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=40)
    | st.sampled_from(all_timezones()).map(str.lower)
    | st.sampled_from(all_timezones()).map(lambda z: z + "/..")
    | st.sampled_from(["../../etc/passwd", "/etc/localtime", "Factory", "posixrules", "EST5EDT"])
    | st.from_regex(r"\A[A-Za-z_]+/[A-Za-z_]+\Z")
)
@example(text="")
@example(text="America/New_York\x00")
@example(text="America/../America/New_York")
@example(text="utc")
def test_parse_timezone_accepts_only_listed_names(text: str) -> None:
    try:
        zone = parse_timezone(text)
    except UserError:
        return
    assert text.strip() in all_timezones()
    assert zone.key == text.strip()


# --- local_instant ----------------------------------------------------------------------------

ZONES = all_timezones()
_EXTRA_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Apia")


@cache
def _transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """UTC instants in ``year`` at which ``zone_name``'s offset changes (to the minute)."""
    zone = ZoneInfo(zone_name)
    found: list[datetime] = []
    step = timedelta(hours=6)
    cursor = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while cursor < end:
        after = cursor + step
        if cursor.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = cursor, after
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        cursor = after
    return tuple(found)


@st.composite
def wall_times_near_transitions(draw: st.DrawFn) -> tuple[str, date, time]:
    """A local wall time within two hours of a UTC-offset change (DST gaps and folds)."""
    zone_name = draw(st.sampled_from(_EXTRA_ZONES) | st.sampled_from(ZONES))
    year = draw(st.integers(1970, 2100))
    transitions = _transitions(zone_name, year)
    if not transitions:
        transitions = _transitions("America/New_York", year)
        zone_name = "America/New_York"
    instant = draw(st.sampled_from(transitions))
    zone = ZoneInfo(zone_name)
    before = (instant - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None)
    wall = before + timedelta(minutes=draw(st.integers(-120, 120)))
    return zone_name, wall.date(), wall.time()


def _in_gap(day: date, at: time, zone: ZoneInfo) -> bool:
    """PEP 495: in a gap, fold=0 reads the time with the earlier (smaller) offset."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).utcoffset()
    second = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert first is not None
    assert second is not None
    return first < second


def _check_local_instant(zone_name: str, day: date, at: time) -> None:
    zone = ZoneInfo(zone_name)
    gap = _in_gap(day, at, zone)
    try:
        instant = local_instant(day, at, zone)
    except NonexistentLocalTime:
        assert gap, f"{day} {at} in {zone_name} exists but was refused"
        with pytest.raises(UserError, match="doesn't exist"):
            local_datetime(day, at, zone)
        return
    assert not gap, f"{day} {at} in {zone_name} is skipped but was accepted"
    assert instant.utcoffset() is not None
    back = instant.astimezone(UTC).astimezone(zone)
    assert (back.date(), back.time()) == (day, at)
    # A repeated time means its first occurrence.
    assert instant.astimezone(UTC) <= instant.replace(fold=1).astimezone(UTC)
    assert local_datetime(day, at, zone) == instant


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    day=st.dates(date(1970, 1, 1), date(2100, 12, 31)),
    at=st.times(),
)
@example(zone_name="America/New_York", day=date(2026, 3, 8), at=time(2, 30))
@example(zone_name="America/New_York", day=date(2026, 11, 1), at=time(1, 30))
@example(zone_name="Australia/Lord_Howe", day=date(2026, 10, 4), at=time(2, 15))
@example(zone_name="Pacific/Apia", day=date(2011, 12, 30), at=time(12, 0))
@example(zone_name="Europe/London", day=date(2026, 3, 29), at=time(1, 0))
def test_local_instant_has_the_wall_time_or_is_refused_in_a_gap(
    zone_name: str, day: date, at: time
) -> None:
    _check_local_instant(zone_name, day, at)


@settings(max_examples=300, deadline=None)
@given(wall=wall_times_near_transitions())
def test_local_instant_near_offset_changes(wall: tuple[str, date, time]) -> None:
    _check_local_instant(*wall)


@pytest.mark.parametrize("text", ["٢٠٢٦-٠٣-١٤", "２０２６-０３-１４", "2026-0٣-14"])
def test_non_ascii_digits_are_not_a_readable_date(text: str) -> None:
    # Was "isn't a real calendar date. Check the month and day." (the regex took any digit).
    with pytest.raises(UserError, match="isn't a date I can read"):
        parse_date(text)


@pytest.mark.parametrize("text", ["1٩:3٠", "٩:0٥", "０９:３０"])
def test_non_ascii_digits_are_not_a_readable_time(text: str) -> None:
    with pytest.raises(UserError, match="isn't a time I can read"):
        parse_clock_time(text)
