"""The forgiving date and time grammar (bot.domain.typed_dates): every accepted form round-trips,
ambiguous and impossible input is refused with an example, nothing else escapes."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.typed_dates import DATE_EXAMPLES, UnreadableInput, read_date, read_time

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FRIDAY = date(2026, 12, 4)
ordinal = st.sampled_from(["", "st", "nd", "rd", "th"])


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    today=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    form=st.integers(0, 5),
    short=st.booleans(),
    suffix=ordinal,
    upper=st.booleans(),
)
def test_every_written_date_with_a_year_round_trips(
    day: date, today: date, form: int, short: bool, suffix: str, upper: bool
) -> None:
    month = MONTHS[day.month - 1][:3] if short else MONTHS[day.month - 1]
    text = [
        day.isoformat(),
        f"{month} {day.day}{suffix} {day.year}",
        f"{month} {day.day}{suffix}, {day.year}",
        f"{day.day}{suffix} {month} {day.year}",
        f"{day.day}{suffix} of {month}, {day.year}",
        f"  {month}.  {day.day}  {day.year} ",
    ][form]
    text = text.upper() if upper else text
    for direction in ("future", "past"):
        assert read_date(text, today, direction) == day


@settings(max_examples=300, deadline=None)
@given(
    today=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    target=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    day_first=st.booleans(),
)
@example(today=date(2026, 12, 4), target=date(2028, 2, 29), day_first=False)
def test_a_date_without_a_year_is_the_nearest_one_in_the_direction_asked(
    today: date, target: date, day_first: bool
) -> None:
    month = MONTHS[target.month - 1]
    text = f"{target.day} {month}" if day_first else f"{month} {target.day}"
    ahead = read_date(text, today, "future")
    behind = read_date(text, today, "past")
    assert (ahead.month, ahead.day) == (behind.month, behind.day) == (target.month, target.day)
    assert behind <= today <= ahead
    # nearest: no occurrence of that day between today and the answer
    assert ahead - today < timedelta(days=366 * 8 + 2)
    assert ahead.year - today.year <= (8 if (target.month, target.day) == (2, 29) else 1)


@settings(max_examples=200, deadline=None)
@given(
    today=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    weekday=st.integers(0, 6),
    short=st.booleans(),
)
def test_weekdays(today: date, weekday: int, short: bool) -> None:
    name = WEEKDAYS[weekday][:3] if short else WEEKDAYS[weekday]
    coming = read_date(name, today, "future")
    nxt = read_date(f"next {name}", today, "future")
    last = read_date(f"last {name}", today, "past")
    gone = read_date(name, today, "past")
    for found in (coming, nxt, last, gone):
        assert found.weekday() == weekday
    assert timedelta(0) <= coming - today < timedelta(days=7)
    assert timedelta(0) < nxt - today <= timedelta(days=7)
    assert timedelta(0) < today - last <= timedelta(days=7)
    assert timedelta(0) <= today - gone < timedelta(days=7)


def test_relative_words() -> None:
    assert read_date("Today", FRIDAY) == FRIDAY
    assert read_date("tomorrow", FRIDAY) == date(2026, 12, 5)
    assert read_date("yesterday", FRIDAY, "past") == date(2026, 12, 3)
    assert read_date("next Tuesday", FRIDAY) == date(2026, 12, 8)
    assert read_date("April 6", FRIDAY) == date(2027, 4, 6)
    assert read_date("6 Apr", FRIDAY, "past") == date(2026, 4, 6)
    assert read_date("Apr 6 2027", FRIDAY) == date(2027, 4, 6)


@pytest.mark.parametrize(
    "text", ["4/6", "04/06/2027", "6.4.2027", "4-6", "2027/4/6", "12/31", "31/12"]
)
def test_numeric_dates_are_ambiguous_and_refused_with_an_example(text: str) -> None:
    with pytest.raises(UnreadableInput, match="month/day in some countries") as refused:
        read_date(text, FRIDAY)
    assert DATE_EXAMPLES in str(refused.value)


@pytest.mark.parametrize(
    "text",
    ["April 31", "Feb 30 2027", "2027-02-29", "2026-13-01", "0 May", "32 May", "February 29 2027"],
)
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(UnreadableInput, match="real calendar date"):
        read_date(text, FRIDAY)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=30))
@example(text="２０２７-０４-０６")
@example(text="April ٦")
@example(text="next")
@example(text="Mayday")
def test_anything_else_is_refused_plainly(text: str) -> None:
    try:
        found: date | str = read_date(text, FRIDAY)
    except UnreadableInput as refused:
        found = str(refused)
    assert isinstance(found, date) or "e.g." in found


@settings(max_examples=300, deadline=None)
@given(at=st.times(), form=st.integers(0, 4), space=st.sampled_from(["", " "]))
def test_every_written_time_round_trips(at: time, form: int, space: str) -> None:
    at = at.replace(second=0, microsecond=0)
    hour12 = at.hour % 12 or 12
    half = "pm" if at.hour >= 12 else "am"
    text = [
        f"{at:%H:%M}",
        f"{at.hour}:{at.minute:02d}",
        f"{hour12}:{at.minute:02d}{space}{half.upper()}",
        f"{hour12}.{at.minute:02d}{space}{half}",
        f"{hour12}{space}{half}" if at.minute == 0 else f"{at:%H:%M}",
    ][form]
    assert read_time(text) == at


def test_named_and_twelve_oclock_times() -> None:
    assert read_time("noon") == time(12, 0)
    assert read_time("Midnight") == time(0, 0)
    assert read_time("12am") == time(0, 0)
    assert read_time("12 PM") == time(12, 0)
    assert read_time("3pm") == time(15, 0)
    assert read_time("3:00 PM") == time(15, 0)
    assert read_time("3 p.m.") == time(15, 0)


@pytest.mark.parametrize(
    "text", ["3", "13pm", "0am", "24:00", "9:60", "3:5", "tea time", "１５:００"]
)
def test_times_that_are_not_times_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(UnreadableInput, match=r"e\.g\."):
        read_time(text)
