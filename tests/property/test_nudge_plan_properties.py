"""Property tests for nudge planning and quiet hours (bot.domain.nudge_plan,
bot.domain.quiet_hours)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.contacts import Stage
from bot.domain.next_step import THANK_YOU_WITHIN, meeting_end
from bot.domain.nudge_kinds import MEETING_KINDS, ContactState, NudgeKind, StudentPrefs
from bot.domain.nudge_plan import (
    MEETING_LEAD,
    THANK_YOU_KINDS,
    THANK_YOU_LEAD,
    is_stale,
    plan_contact_nudges,
    plan_digest,
)
from bot.domain.quiet_hours import (
    before_quiet_hours,
    defer_past_quiet_hours,
    is_quiet,
    occurrences,
    wall_clock_instant,
)
from bot.domain.three_b_seven import ReplyClass, outreach_dates
from bot.validation import all_timezones

NY = ZoneInfo("America/New_York")
APIA = ZoneInfo("Pacific/Apia")
# Zones with daylight saving, a 30-minute change (Lord Howe), the southern hemisphere, a
# skipped calendar day (Apia, 2011-12-30) and one that moved its offset without DST (Kiritimati).
DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Auckland",
    "Pacific/Apia",
    "Asia/Tehran",
    "America/Havana",
)
zones = (st.sampled_from(DST_ZONES) | st.sampled_from(all_timezones())).map(ZoneInfo)

_DAY = 24 * 60
clock_times = st.one_of(
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    st.sampled_from([time(0, 0), time(2, 30), time(8, 0), time(9, 0), time(21, 0), time(23, 59)]),
    st.builds(time, st.integers(0, 3), st.sampled_from([0, 15, 30, 45])),  # near DST changes
)


_QUIET_END_KIND = st.sampled_from(["any", "equal", "just before start"])
_MINUTES_BEFORE = st.integers(1, 30)
_DIGEST_DAYS = st.none() | st.integers(0, 6)


@st.composite
def prefs_strategy(draw: st.DrawFn, enabled: bool | None = True) -> StudentPrefs:
    start = draw(clock_times)
    # Equal start and end (no quiet hours) and near-24-hour quiet hours are both worth trying.
    kind = draw(_QUIET_END_KIND)
    if kind == "any":
        end = draw(clock_times)
    elif kind == "equal":
        end = start
    else:
        end = _minus_minutes(start, draw(_MINUTES_BEFORE))
    return StudentPrefs(
        zone=draw(zones),
        quiet_start=start,
        quiet_end=end,
        nudges_enabled=draw(st.booleans()) if enabled is None else enabled,
        digest_day=draw(_DIGEST_DAYS),
    )


def _minus_minutes(at: time, minutes: int) -> time:
    total = (at.hour * 60 + at.minute - minutes) % _DAY
    return time(total // 60, total % 60)


@cache
def _transitions(zone_key: str, year: int) -> tuple[datetime, ...]:
    """UTC instants in ``year`` (to the minute) at which the zone's offset changes."""
    zone = ZoneInfo(zone_key)
    found: list[datetime] = []
    step = timedelta(hours=6)
    cursor = datetime(year, 1, 1, tzinfo=UTC)
    while cursor.year == year:
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


def _naive(day: date) -> datetime:
    return datetime.combine(day, time(0, 0))


_PLAIN_INSTANTS = st.datetimes(_naive(date(2020, 1, 1)), _naive(date(2035, 12, 31))).map(
    lambda naive: naive.replace(tzinfo=UTC)
)
_YEARS = st.integers(2020, 2035)
_INDEXES = st.integers(0, 10)
_NEAR_CHANGE = st.integers(-4 * _DAY, 4 * _DAY)


@st.composite
def instants_for(draw: st.DrawFn, zone: ZoneInfo) -> datetime:
    """An aware UTC instant in 2020–2035, often within a few days of one of the zone's
    daylight-saving changes."""
    changes = _transitions(zone.key, draw(_YEARS))
    if not changes or draw(st.booleans()):
        return draw(_PLAIN_INSTANTS)
    change = changes[draw(_INDEXES) % len(changes)]
    return change + timedelta(minutes=draw(_NEAR_CHANGE))


@st.composite
def prefs_and_now(draw: st.DrawFn, enabled: bool | None = True) -> tuple[StudentPrefs, datetime]:
    prefs = draw(prefs_strategy(enabled))
    return prefs, draw(instants_for(prefs.zone))


def _offset(minutes_range: int) -> st.SearchStrategy[timedelta]:
    return st.integers(-minutes_range, minutes_range).map(lambda m: timedelta(minutes=m))


_MAYBE_MINUTES = {n: st.none() | st.integers(-n, n) for n in (20 * _DAY, 30 * _DAY, 200 * _DAY)}
_MEETING_KIND = st.sampled_from(["none", "days", "hours", "near quiet"])
_MEETING_DAYS = st.integers(-2 * _DAY, 10 * _DAY)
_MEETING_HOURS = st.integers(-120, 180)
_DAYS_AHEAD = st.integers(0, 4)
_NEAR_EDGE = st.integers(-90, 90)
_FOLLOW_UP_LAG = st.none() | st.integers(0, 10)
_STAGES = st.sampled_from([stage.value for stage in Stage])
_REPLY_CLASSES = st.none() | st.sampled_from([c.value for c in ReplyClass])
_REFERRALS = st.integers(0, 3)
_MINUTES = st.none() | st.integers(10, 60)


@st.composite
def contact_states(draw: st.DrawFn, now: datetime, prefs: StudentPrefs) -> ContactState:
    """A contact in any stage with any mix of recorded dates around ``now``."""
    zone = prefs.zone

    def maybe(minutes: int) -> datetime | None:
        offset = draw(_MAYBE_MINUTES[minutes])
        return None if offset is None else now + timedelta(minutes=offset)

    requested_at = maybe(30 * _DAY)
    second = follow = None
    if requested_at is not None and draw(st.booleans()):
        dates = outreach_dates(requested_at, zone)
        second, follow = dates.second_contact_on, dates.follow_up_on
    elif draw(st.booleans()):
        second = (now + timedelta(minutes=draw(_MAYBE_MINUTES[20 * _DAY]) or 0)).date()
        lag = draw(_FOLLOW_UP_LAG)
        follow = None if lag is None else second + timedelta(days=lag)
    meeting: datetime | None = None
    kind = draw(_MEETING_KIND)
    if kind == "days":
        meeting = now + timedelta(minutes=draw(_MEETING_DAYS))
    elif kind == "hours":
        meeting = now + timedelta(minutes=draw(_MEETING_HOURS))
    elif kind == "near quiet":
        # A meeting just after quiet hours end or before they begin pulls reminders earlier.
        day = now.astimezone(zone).date() + timedelta(days=draw(_DAYS_AHEAD))
        edge = prefs.quiet_start if draw(st.booleans()) else prefs.quiet_end
        meeting = wall_clock_instant(day, edge, zone) + timedelta(minutes=draw(_NEAR_EDGE))
    return ContactState(
        stage=draw(_STAGES),
        requested_at=requested_at,
        second_contact_on=second,
        follow_up_on=follow,
        followed_up_at=maybe(20 * _DAY),
        meeting_at=meeting,
        met_at=maybe(200 * _DAY),
        thanked_at=maybe(200 * _DAY),
        reported_back_at=maybe(200 * _DAY),
        kept_in_touch_at=maybe(200 * _DAY),
        reply_class=draw(_REPLY_CLASSES),
        prepare_done=draw(st.booleans()),
        open_referrals=draw(_REFERRALS),
        nudges_stopped=False,
        replied_at=(replied_at := maybe(30 * _DAY)),
        replied_on=replied_at.astimezone(zone).date()
        if replied_at is not None and draw(st.booleans())
        else None,
        meeting_minutes=draw(_MINUTES),
        referred=draw(st.booleans()),
        referrer_told_at=maybe(30 * _DAY),
    )


@st.composite
def planning_cases(draw: st.DrawFn) -> tuple[ContactState, StudentPrefs, datetime]:
    prefs, now = draw(prefs_and_now())
    return draw(contact_states(now, prefs)), prefs, now


holiday_sets = st.none() | st.frozensets(
    st.dates(date(2019, 12, 1), date(2036, 6, 30)), max_size=40
)


def _offset_changed_in_day_before(instant: datetime, zone: ZoneInfo) -> bool:
    day_before = instant - timedelta(hours=26)
    return instant.astimezone(zone).utcoffset() != day_before.astimezone(zone).utcoffset()


# --- quiet hours ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(case=prefs_and_now())
@example(  # 2011-12-30 does not exist in Apia: the 08:00 end of quiet hours is skipped
    case=(StudentPrefs(zone=APIA), datetime(2011, 12, 29, 23, 0, tzinfo=APIA).astimezone(UTC))
)
@example(  # the whole free window 02:30–02:50 is skipped by New York's spring-forward change
    case=(
        StudentPrefs(zone=NY, quiet_start=time(2, 50), quiet_end=time(2, 30)),
        datetime(2026, 3, 8, 1, 0, tzinfo=NY).astimezone(UTC),
    )
)
def test_defer_past_quiet_hours_leaves_quiet_hours_and_is_idempotent(
    case: tuple[StudentPrefs, datetime],
) -> None:
    prefs, instant = case
    deferred = defer_past_quiet_hours(instant, prefs)
    assert deferred.tzinfo is UTC
    assert deferred >= instant
    assert not is_quiet(deferred, prefs)
    assert defer_past_quiet_hours(deferred, prefs) == deferred
    if not is_quiet(instant, prefs):
        assert deferred == instant
    # Deferred no further than needed: quiet all the way from the instant to the result.
    for fraction in range(1, 8):
        between = instant + (deferred - instant) * fraction / 8
        assert is_quiet(between, prefs) or between == deferred
    # Well within a day and a bit (a skipped day as in Apia is the worst case).
    assert deferred - instant <= timedelta(hours=48)


@settings(max_examples=200, deadline=None)
@given(zone=zones, data=st.data())
@example(zone=APIA, data=None)
def test_wall_clock_instant_in_a_gap_is_the_moment_of_the_change(
    zone: ZoneInfo, data: st.DataObject | None
) -> None:
    if data is None:  # Apia skipped 2011-12-30: its 08:00 is midnight on the 31st, exactly
        day, at = date(2011, 12, 30), time(8, 0)  # (was 00:00:00.439452)
    else:
        moment = data.draw(instants_for(zone)).astimezone(zone)
        day, at = moment.date(), moment.time()
    instant = wall_clock_instant(day, at, zone)
    assert instant.tzinfo is UTC
    wall = datetime.combine(day, at)
    local = instant.astimezone(zone).replace(tzinfo=None)
    found = occurrences(day, at, zone)
    if found:
        assert instant == found[0]
        assert local == wall
    else:
        assert local >= wall
        earlier = (instant - timedelta(microseconds=1)).astimezone(zone).replace(tzinfo=None)
        assert earlier < wall
    if data is None:
        assert local == _naive(date(2011, 12, 31))


@settings(max_examples=300, deadline=None)
@given(case=prefs_and_now())
@example(  # only 10 free minutes a day: 15 minutes before 21:00 is still quiet
    case=(
        StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(20, 50)),
        datetime(2026, 12, 10, 7, 0, tzinfo=NY).astimezone(UTC),
    )
)
@example(  # London 2020-03-29: the only free minute, 01:00–01:01 GMT, is skipped
    case=(
        StudentPrefs(zone=ZoneInfo("Europe/London"), quiet_start=time(1, 1), quiet_end=time(1, 0)),
        datetime(2020, 3, 29, 1, 0, 28, tzinfo=UTC),
    )
)
def test_before_quiet_hours_is_never_later(case: tuple[StudentPrefs, datetime]) -> None:
    prefs, instant = case
    earlier = before_quiet_hours(instant, prefs)
    assert earlier.tzinfo is UTC
    assert earlier <= instant
    if not is_quiet(instant, prefs):
        assert earlier == instant
    elif is_quiet(earlier, prefs):
        # Only when a daylight-saving change skipped the free time just before this quiet
        # period (01:01–01:00 in London on 2020-03-29): then the instant itself.
        assert earlier == instant
        assert _offset_changed_in_day_before(instant, prefs.zone)


@settings(max_examples=100, deadline=None)
@given(zone=zones, at=st.times(), day=st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_equal_start_and_end_means_never_quiet(zone: ZoneInfo, at: time, day: date) -> None:
    prefs = StudentPrefs(zone=zone, quiet_start=at, quiet_end=at)
    instant = datetime.combine(day, at, tzinfo=UTC)
    assert not is_quiet(instant, prefs)
    assert defer_past_quiet_hours(instant, prefs) == instant


# --- contact nudges ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(case=planning_cases(), holidays=holiday_sets)
def test_planned_nudges_are_sorted_aware_and_outside_quiet_hours(
    case: tuple[ContactState, StudentPrefs, datetime], holidays: frozenset[date] | None
) -> None:
    state, prefs, now = case
    planned = plan_contact_nudges(state, prefs, now, holidays=holidays)
    assert planned == sorted(planned, key=lambda n: (n.due_at, n.kind.value))
    assert len({n.kind for n in planned}) == len(planned)
    for nudge in planned:
        assert nudge.due_at.tzinfo is UTC
        assert nudge.planned_for.tzinfo is UTC
        if nudge.kind in MEETING_KINDS | THANK_YOU_KINDS:
            continue
        assert not is_quiet(nudge.due_at, prefs), nudge
        assert nudge.due_at == defer_past_quiet_hours(nudge.planned_for, prefs)


@st.composite
def scheduled_cases(draw: st.DrawFn) -> tuple[ContactState, StudentPrefs, datetime]:
    state, prefs, now = draw(planning_cases())
    return dataclasses.replace(state, stage=Stage.SCHEDULED.value), prefs, now


def _scheduled(meeting_at: datetime) -> ContactState:
    return ContactState(
        stage="scheduled",
        requested_at=None,
        second_contact_on=None,
        follow_up_on=None,
        followed_up_at=None,
        meeting_at=meeting_at,
        met_at=None,
        thanked_at=None,
        reported_back_at=None,
        kept_in_touch_at=None,
        reply_class=None,
        prepare_done=False,
        open_referrals=0,
        nudges_stopped=False,
    )


@settings(max_examples=300, deadline=None)
@given(case=scheduled_cases())
@example(  # only 10 free minutes a day: top questions was pulled to 20:45, inside quiet hours
    case=(
        _scheduled(datetime(2026, 12, 10, 8, 0, tzinfo=NY)),
        StudentPrefs(zone=NY, quiet_start=time(21, 0), quiet_end=time(20, 50)),
        datetime(2026, 12, 1, 12, 0, tzinfo=NY).astimezone(UTC),
    )
)
@example(  # Tehran 2020-03-21 skips 00:00–01:00, the only free minute of 00:01–00:00
    case=(
        _scheduled(datetime(2020, 3, 20, 21, 31, 28, tzinfo=UTC)),
        StudentPrefs(zone=ZoneInfo("Asia/Tehran"), quiet_start=time(0, 1), quiet_end=time(0, 0)),
        datetime(2020, 3, 20, 20, 30, 28, tzinfo=UTC),
    )
)
@example(  # scheduled late at night in quiet hours, for early the next morning
    case=(
        _scheduled(datetime(2026, 12, 10, 8, 0, tzinfo=NY)),
        StudentPrefs(zone=NY),
        datetime(2026, 12, 9, 22, 0, tzinfo=NY).astimezone(UTC),
    )
)
def test_meeting_reminders_are_never_in_the_past_nor_too_late(
    case: tuple[ContactState, StudentPrefs, datetime],
) -> None:
    state, prefs, now = case
    for nudge in plan_contact_nudges(state, prefs, now):
        if nudge.kind not in MEETING_KINDS:
            continue
        assert state.meeting_at is not None
        assert now <= nudge.due_at < state.meeting_at
        assert nudge.due_at <= state.meeting_at - MEETING_LEAD[nudge.kind]
        # Quiet hours hold, except that a reminder pulled before them is sent right away when
        # the student is the one acting during them (scheduling late at night), or when a
        # daylight-saving change skipped all the free time before them (see before_quiet_hours).
        if is_quiet(nudge.due_at, prefs) and nudge.due_at != now:
            assert _offset_changed_in_day_before(nudge.due_at, prefs.zone), nudge
        # The dispatcher would send it: it is not stale at its due time.
        assert not is_stale(nudge.kind, state, nudge.due_at, planned_for=nudge.planned_for)


@st.composite
def met_cases(draw: st.DrawFn) -> tuple[ContactState, StudentPrefs, datetime]:
    state, prefs, now = draw(planning_cases())
    met_at = state.met_at or now
    meeting_at = met_at - timedelta(minutes=draw(st.integers(-120, 48 * 60)))
    state = dataclasses.replace(
        state, stage=Stage.MET.value, thanked_at=None, met_at=met_at, meeting_at=meeting_at
    )
    return state, prefs, now


@settings(max_examples=300, deadline=None)
@given(case=met_cases())
@example(  # an early meeting: the last call would wait past the window, so the evening before
    case=(
        dataclasses.replace(
            _scheduled(datetime(2026, 12, 10, 7, 0, tzinfo=NY)),
            stage="met",
            meeting_minutes=30,
            met_at=datetime(2026, 12, 10, 8, 0, tzinfo=NY),
        ),
        StudentPrefs(zone=NY),
        datetime(2026, 12, 10, 8, 0, tzinfo=NY).astimezone(UTC),
    )
)
def test_thank_you_reminders_land_inside_the_24_hours_when_they_can(
    case: tuple[ContactState, StudentPrefs, datetime],
) -> None:
    state, prefs, now = case
    planned = [n for n in plan_contact_nudges(state, prefs, now) if n.kind in THANK_YOU_KINDS]
    assert state.met_at is not None
    end = meeting_end(state.meeting_at, state.meeting_minutes, state.met_at)
    assert end is not None
    latest = end + THANK_YOU_WITHIN - THANK_YOU_LEAD
    assert [n.kind for n in planned][:1] == [NudgeKind.THANK_YOU]
    assert [n.due_at for n in planned] == sorted({n.due_at for n in planned})  # strictly later
    for nudge in planned:
        # Never before the meeting ended nor before it was logged, unless it was planned
        # for then (a last call planned before a late log): it goes out late, not early.
        assert nudge.due_at >= min(max(end, state.met_at), nudge.planned_for)
        if nudge.planned_for < latest:
            assert nudge.due_at <= latest, nudge  # inside the window, with time to write it
            if nudge.due_at != defer_past_quiet_hours(nudge.planned_for, prefs):
                # Pulled before quiet hours (or left as it is when a daylight-saving change
                # skipped all the free time before them: see before_quiet_hours).
                assert nudge.due_at <= nudge.planned_for
        else:
            assert nudge.due_at == defer_past_quiet_hours(nudge.planned_for, prefs)


@settings(max_examples=200, deadline=None)
@given(case=planning_cases(), later=_offset(30 * 24 * 60))
def test_non_meeting_nudges_do_not_depend_on_now(
    case: tuple[ContactState, StudentPrefs, datetime], later: timedelta
) -> None:
    state, prefs, now = case

    def others(at: datetime) -> set[tuple[NudgeKind, datetime, datetime]]:
        planned = plan_contact_nudges(state, prefs, at)
        return {(n.kind, n.planned_for, n.due_at) for n in planned if n.kind not in MEETING_KINDS}

    assert others(now) == others(now + later)


@settings(max_examples=200, deadline=None)
@given(
    case=planning_cases(),
    prefs_off=st.booleans(),
    stopped=st.booleans(),
    closed=st.booleans(),
)
def test_nothing_is_planned_when_disabled_stopped_or_closed(
    case: tuple[ContactState, StudentPrefs, datetime], prefs_off: bool, stopped: bool, closed: bool
) -> None:
    state, prefs, now = case
    if not (prefs_off or stopped or closed):
        stopped = True
    stage = Stage.CLOSED.value if closed else state.stage
    state = dataclasses.replace(state, nudges_stopped=stopped, stage=stage)
    prefs = dataclasses.replace(prefs, nudges_enabled=not prefs_off)
    assert plan_contact_nudges(state, prefs, now) == []
    if prefs_off:
        assert plan_digest(prefs, now) is None


# --- the weekly digest ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(case=prefs_and_now(enabled=None))
@example(  # Thursday's 09:00 digest waits for 02:30 Friday; at Friday 00:00 it is still ahead
    case=(
        StudentPrefs(
            zone=ZoneInfo("Australia/Lord_Howe"),
            quiet_start=time(8, 0),
            quiet_end=time(2, 30),
            digest_day=3,
        ),
        datetime(2029, 1, 4, 13, 0, tzinfo=UTC),
    )
)
def test_digest_is_the_next_one_after_now_on_the_digest_day(
    case: tuple[StudentPrefs, datetime],
) -> None:
    prefs, now = case
    digest = plan_digest(prefs, now)
    if prefs.digest_day is None or not prefs.nudges_enabled:
        assert digest is None
        return
    assert digest is not None
    assert digest.kind is NudgeKind.DIGEST
    assert digest.due_at > now
    assert digest.due_at == defer_past_quiet_hours(digest.planned_for, prefs)
    assert not is_quiet(digest.due_at, prefs)
    local = digest.planned_for.astimezone(prefs.zone)
    nine = time(9, 0)
    if occurrences(local.date(), nine, prefs.zone):  # else 09:00 was skipped by a DST change
        assert local.weekday() == prefs.digest_day
        assert local.time() == nine
    # It is the first such digest: the one a week earlier was not after now.
    week_before = plan_digest(prefs, digest.planned_for - timedelta(days=7, hours=12))
    assert week_before is not None
    if week_before.planned_for < digest.planned_for:
        assert week_before.due_at <= now
