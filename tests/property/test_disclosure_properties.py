"""The disclosure rule's promises, on random servers (hypothesis): funnels never grow and
show percentages only between shown steps; tables add up as shown and never leave a hidden
group of fewer than 10 students; no two shown periods differ by 1-9 students; medians and
counts need 10 students; the same data always gives the same answer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import disclosure
from bot.domain.disclosure import MIN_STUDENTS, Period, Record, inside, nested, students, table

BASE = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
STARTS = tuple(BASE + timedelta(days=7 * n) for n in range(10))

records = st.builds(
    Record,
    student=st.integers(0, 30),
    at=st.integers(0, 69).map(lambda d: BASE + timedelta(days=d)),
    item=st.integers(0, 10**6),
)
cells = st.lists(records, max_size=120, unique_by=lambda r: r.item).map(tuple)
periods = st.sampled_from([None, *STARTS]).map(lambda start: Period(start, STARTS))


@st.composite
def funnels(draw: st.DrawFn) -> list[tuple[Record, ...]]:
    """Four nested cells: each step keeps a random subset of the one before."""
    steps = [draw(cells)]
    for _ in range(3):
        keep = draw(st.lists(st.booleans(), min_size=len(steps[-1]), max_size=len(steps[-1])))
        steps.append(tuple(r for r, k in zip(steps[-1], keep, strict=True) if k))
    return steps


@settings(max_examples=150, deadline=None)
@given(funnels(), periods)
def test_a_funnel_never_grows_and_hidden_gaps_stay_hidden(steps, period):
    shown = nested(steps, period)
    values = [v for v in shown if v is not None]
    assert values == sorted(values, reverse=True)
    assert all(v % disclosure.ROUND_TO == 0 for v in values)
    # Between two consecutive shown steps, the records that stopped are 0 or >= 10 students.
    indices = [i for i, v in enumerate(shown) if v is not None]
    for i, j in itertools.pairwise(indices):
        gap = set(inside(steps[i], period)) - set(inside(steps[j], period))
        assert students(gap) == 0 or students(gap) >= MIN_STUDENTS
    # A percentage only between two shown steps.
    for before, after in itertools.pairwise(shown):
        rate = disclosure.share(after, before)
        assert rate is None or (before is not None and after is not None)
    assert nested(steps, period) == shown  # the same data, the same answer


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=6), periods)
def test_a_table_adds_up_as_shown_and_its_hidden_rest_is_ten_students(parts, period):
    keyed = {str(n): cell for n, cell in enumerate(parts)}
    result = table(keyed, period)
    if result.total is None:
        assert all(v is None for v in result.parts.values())
        return
    shown = [v for v in result.parts.values() if v is not None]
    assert result.total == sum(shown) + (result.rest or 0)
    hidden = [key for key, v in result.parts.items() if v is None]
    rest = [r for key in hidden for r in inside(keyed[key], period)]
    assert not rest or students(rest) >= MIN_STUDENTS
    for key, value in result.parts.items():
        if value is not None:
            assert students(inside(keyed[key], period)) >= MIN_STUDENTS


@settings(max_examples=150, deadline=None)
@given(cells, st.sampled_from([None, *STARTS]), st.sampled_from([None, *STARTS]))
def test_two_shown_periods_never_differ_by_a_few_students(cell, first, second):
    a, b = Period(first, STARTS), Period(second, STARTS)
    if disclosure.count(cell, a) is None or disclosure.count(cell, b) is None:
        return
    difference = set(inside(cell, a)) ^ set(inside(cell, b))
    assert students(difference) == 0 or students(difference) >= MIN_STUDENTS


@settings(max_examples=100, deadline=None)
@given(cells, periods)
def test_counts_and_medians_need_ten_students(cell, period):
    within = inside(cell, period)
    if students(within) < MIN_STUDENTS:
        assert disclosure.count(cell, period) is None
        assert disclosure.median(cell, period) is None
    count = disclosure.count(cell, period)
    if count is not None:
        assert abs(count - len(within)) <= disclosure.ROUND_TO / 2
