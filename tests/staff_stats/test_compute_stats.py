"""compute_stats against a real migrated database seeded with the hand-built server of
:func:`tests.staff_stats.seed.seed_server`, whose answers are known."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.content import Checklist, ChecklistItem
from bot.domain.contacts import Stage
from bot.staff_stats import FEWER_THAN, compute_stats, default_checklists, display
from bot.staff_stats.figures import Figure, days, percent, shown
from bot.storage.database import Database
from tests.staff_stats.seed import GUILD, NOW, OTHER_GUILD, seed_server

R, Q, S, M, T = (Stage.REQUESTED, Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED)


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed_server(db)
    return db


def _by_stage(rows, attribute: str) -> dict[Stage, Figure]:
    return {row.stage: getattr(row, attribute) for row in rows}


async def test_all_time_figures_match_the_hand_built_server(seeded: Database):
    stats = await compute_stats(seeded, GUILD, None, NOW)
    assert stats.since is None
    assert stats.generated_at == NOW
    assert display(stats.students_active) == "6"  # U7 never did anything
    assert display(stats.contacts) == "9"

    # requested: 6 main + closed + skipped (by rank); replied: 6 main + skipped;
    # met: U1..U5 main + skipped (U3 twice: 5 students); thanked: U1..U5.
    funnel = stats.funnel
    assert [step.stage for step in funnel] == [R, Q, M, T]
    assert [step.reached for step in funnel] == [
        Figure(8, 6),
        Figure(7, 6),
        Figure(6, 5),
        Figure(5, 5),
    ]
    assert funnel[0].conversion is None
    assert [step.conversion.value for step in funnel[1:]] == pytest.approx([7 / 8, 6 / 7, 5 / 6])
    assert [display(step.conversion, percent) for step in funnel[1:]] == ["88%", "86%", "83%"]

    medians = {(i.start, i.end): i.median_days for i in stats.intervals}
    assert medians == {
        (R, Q): Figure(3.5, 6),  # 1..6 days
        (Q, S): Figure(1.0, 5),
        (Q, M): Figure(6.0, 5),  # 2, 4, 6, 8, 10
        (M, T): Figure(2.0, 5),  # 1, 1, 2, 3, 5
    }

    stages = _by_stage(stats.stages, "contacts")
    assert list(stages) == [
        Stage.PLANNED, R, Q, S, M, T, Stage.KEEPING_IN_TOUCH, Stage.CLOSED,
    ]  # fmt: skip
    assert stages[T] == Figure(5, 5)
    assert display(stages[T]) == "5"
    for stage in (Stage.PLANNED, R, Q, S, M, Stage.KEEPING_IN_TOUCH, Stage.CLOSED):
        assert display(stages[stage]) == FEWER_THAN, stage  # 0 or 1 student
    assert sum(f.value for f in stages.values()) == 9

    shares = {r.reply_class: r for r in stats.reply_classes}
    assert shares["booster"].contacts == Figure(5, 5)
    assert shares["booster"].share.value == pytest.approx(5 / 7)
    assert display(shares["booster"].share, percent) == "71%"
    assert shares["obligate"].contacts == Figure(1, 1)
    assert shares["curmudgeon"].contacts == Figure(1, 1)
    assert display(shares["obligate"].share, percent) == FEWER_THAN
    assert display(shares["curmudgeon"].share, percent) == FEWER_THAN

    nudges = {n.outcome: n.nudges for n in stats.nudges}
    assert nudges == {
        "sent": Figure(6, 6),
        "acted_on": Figure(5, 5),
        "snoozed": Figure(1, 1),
        "stopped": Figure(0, 0),
        "skipped": Figure(1, 1),  # the empty digest: skipped, not sent
        "undeliverable": Figure(1, 1),
    }

    phases = {p.phase: p for p in stats.checklists}
    assert list(phases) == ["request", "prepare", "interview", "followup"]
    # U6 left "log the reply" unticked, but logging the reply ticks it by itself (done_by
    # reply_logged): U6's request checklist is complete, as U6's own /request checklist shows.
    assert (phases["request"].eligible, phases["request"].completed) == (Figure(8, 6), Figure(6, 6))
    assert phases["request"].share.value == pytest.approx(6 / 8)
    assert phases["prepare"].eligible == Figure(6, 5)
    assert phases["prepare"].completed == Figure(4, 4)
    assert display(phases["prepare"].share, percent) == FEWER_THAN  # only 4 students completed
    assert phases["interview"].completed == Figure(0, 0)
    assert phases["followup"].eligible == phases["followup"].completed == Figure(5, 5)
    assert display(phases["followup"].share, percent) == "100%"


async def test_since_counts_only_activity_on_or_after_that_utc_date(seeded: Database):
    stats = await compute_stats(seeded, GUILD, date(2026, 10, 5), NOW)  # day 4, 00:00 UTC
    assert display(stats.students_active) == "6"
    steps = {step.stage: step for step in stats.funnel}
    # Only the skipped contact reached "requested" in the period (at its met_at, day 10).
    assert steps[R].reached == Figure(1, 1)
    # replied on day 4 (exactly the cutoff), 5, 6, and the skipped contact: 4 students.
    assert steps[Q].reached == Figure(4, 4)
    assert steps[M].reached == Figure(5, 4)  # U1 met on day 3
    # thanked on days 4 (the cutoff itself counts), 7, 11, 15, 20.
    assert steps[T].reached == Figure(5, 5)
    assert display(steps[T].reached) == "5"
    assert display(steps[T].conversion, percent) == FEWER_THAN  # met is hidden
    assert [display(step.reached) for step in stats.funnel[:3]] == [FEWER_THAN] * 3

    medians = {(i.start, i.end): i.median_days for i in stats.intervals}
    assert display(medians[(M, T)], days) == "2.0 days"
    assert medians[(R, Q)] == Figure(5.0, 3)  # replies on days 4, 5, 6
    assert display(medians[(R, Q)], days) == FEWER_THAN
    assert display(medians[(Q, M)], days) == FEWER_THAN

    assert display(_by_stage(stats.stages, "contacts")[T]) == "5"
    assert stats.contacts == Figure(8, 6)  # all but the planned contact (last changed day 1)
    shares = {r.reply_class: r for r in stats.reply_classes}
    assert shares["booster"].contacts == Figure(3, 3)  # U4, U5, U6 replied in the period
    assert {r.reply_class: r.contacts.value for r in stats.reply_classes} == {
        "booster": 3,
        "obligate": 0,
        "curmudgeon": 1,
    }

    nudges = {n.outcome: n.nudges for n in stats.nudges}
    assert nudges["sent"] == Figure(5, 5)  # U1's was sent on day 1
    assert nudges["acted_on"] == Figure(4, 4)
    assert nudges["undeliverable"] == Figure(1, 1)
    assert nudges["skipped"] == Figure(1, 1)

    phases = {p.phase: p for p in stats.checklists}
    assert phases["request"].eligible == Figure(1, 1)
    assert display(phases["followup"].share, percent) == "100%"

    later = await compute_stats(seeded, GUILD, date(2026, 10, 13), NOW)  # day 12
    assert later.students_active == Figure(3, 3)  # U2 closed, U4 and U5 met/thanked
    assert display(later.students_active) == FEWER_THAN
    future = await compute_stats(seeded, GUILD, date(2027, 1, 1), NOW)
    assert future.students_active == Figure(0, 0)
    assert all(step.reached == Figure(0, 0) for step in future.funnel)


async def test_other_servers_and_empty_servers(seeded: Database):
    other = await compute_stats(seeded, OTHER_GUILD, None, NOW)
    assert other.funnel[0].reached == Figure(5, 5)
    assert other.funnel[1].reached == Figure(5, 5)  # thanked implies replied (by rank)
    assert {n.outcome: n.nudges for n in other.nudges}["sent"] == Figure(5, 5)
    empty = await compute_stats(seeded, 333, None, NOW)
    assert empty.students_active == Figure(0, 0)
    assert empty.contacts == Figure(0, 0)
    assert all(not shown(i.median_days) for i in empty.intervals)
    assert all(step.conversion is None or step.conversion.value is None for step in empty.funnel)


async def test_effective_checklists_replace_the_defaults(seeded: Database):
    """A server's checklist (hidden items left out, an item added) decides completion."""
    request = default_checklists()["request"]
    visible = Checklist("request", "Our request steps", request.items[:2])
    with_custom = Checklist("request", "Ours", (*request.items[:2], ChecklistItem("x1", "New")))
    stats = await compute_stats(seeded, GUILD, None, NOW, checklists={"request": visible})
    assert [p.phase for p in stats.checklists] == ["request"]
    assert stats.checklists[0].title == "Our request steps"
    assert stats.checklists[0].completed == Figure(6, 6)  # U6 missed only the last item
    stats = await compute_stats(seeded, GUILD, None, NOW, checklists={"request": with_custom})
    assert stats.checklists[0].completed == Figure(0, 0)


async def test_now_must_be_aware(seeded: Database):
    with pytest.raises(ValueError, match="aware"):
        await compute_stats(seeded, GUILD, None, datetime(2026, 11, 1))  # noqa: DTZ001
