"""compute_cells against a real migrated database seeded with the hand-built server of
:func:`tests.staff_stats.seed.seed_server`, whose answers are known (the cells before the
disclosure rule: how many records and students each figure is drawn from)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

import pytest

from bot.content import Checklist, ChecklistItem
from bot.domain.contacts import Stage
from bot.domain.disclosure import Cell, Period, inside, students
from bot.staff_stats import compute_cells, default_checklists
from bot.storage.database import Database
from tests.staff_stats.seed import GUILD, NOW, OTHER_GUILD, seed_server

R, Q, S, M, T = (Stage.REQUESTED, Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED)


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed_server(db)
    return db


def size(cell: Cell, period: Period | None = None) -> tuple[int, int]:
    """(records, distinct students) of the cell in the period."""
    records = inside(cell, period or Period(None))
    return len(records), students(records)


async def test_all_time_cells_match_the_hand_built_server(seeded: Database):
    cells = await compute_cells(seeded, GUILD, None, NOW)
    assert cells.period.start is None
    assert cells.registered == 7
    assert size(cells.students_active) == (6, 6)  # U7 never did anything

    # requested: 6 main + closed + skipped (by rank); replied: 6 main + skipped;
    # met: U1..U5 main + skipped (U3 twice: 5 students); thanked: U1..U5.
    assert [size(step) for step in cells.funnel] == [(8, 6), (7, 6), (6, 5), (5, 5)]
    for wider, narrower in zip(cells.funnel, cells.funnel[1:], strict=False):
        assert set(narrower) <= set(wider)

    gaps = {key: sorted(r.value for r in cell) for key, cell in cells.intervals.items()}
    assert statistics.median(gaps[(R, Q)]) == 3.5  # 1..6 days
    assert gaps[(Q, M)] == [2, 4, 6, 8, 10]
    assert gaps[(M, T)] == [1, 1, 2, 3, 5]

    stages = {stage: size(cell) for stage, cell in cells.stages.items()}
    assert stages[T] == (5, 5)
    assert sum(n for n, _ in stages.values()) == 9

    assert size(cells.reply_classes["booster"]) == (5, 5)
    assert size(cells.reply_classes["obligate"]) == (1, 1)
    assert size(cells.reply_classes["curmudgeon"]) == (1, 1)

    # Sent nudges only: the empty digest (skipped) is not among them.
    assert {kind: size(cell) for kind, cell in cells.nudges_sent.items()} == {
        "three_b_seven": (6, 6)
    }
    assert size(cells.pressed["done"]) == (5, 5)
    assert size(cells.pressed["snoozed"]) == (1, 1)
    assert size(cells.undeliverable) == (1, 1)

    phases = {p.phase: p for p in cells.checklists}
    assert list(phases) == ["request", "prepare", "interview", "followup"]
    # U6 left "log the reply" unticked, but logging the reply ticks it by itself.
    assert size(phases["request"].eligible) == (8, 6)
    assert size(phases["request"].completed) == (6, 6)
    assert size(phases["prepare"].completed) == (4, 4)
    assert size(phases["interview"].completed) == (0, 0)
    assert size(phases["followup"].completed) == (5, 5)


async def test_a_period_counts_what_happened_from_its_start(seeded: Database):
    # 2026-10-05 is a Monday: the period starts at its midnight (UTC here).
    cells = await compute_cells(seeded, GUILD, date(2026, 10, 5), NOW)
    period = cells.period
    assert period.start == datetime(2026, 10, 5, tzinfo=UTC)
    assert period.start in period.starts
    # Only the skipped contact was requested in the period (at its met_at, day 10): the funnel
    # is that cohort.
    assert [size(step, period) for step in cells.funnel] == [(1, 1), (1, 1), (1, 1), (0, 0)]
    assert size(cells.reply_classes["booster"], period) == (3, 3)  # U4, U5, U6
    assert size(cells.nudges_sent["three_b_seven"], period) == (5, 5)  # U1's went on day 1


async def test_other_servers_and_empty_servers(seeded: Database):
    other = await compute_cells(seeded, OTHER_GUILD, None, NOW)
    assert size(other.funnel[0]) == (5, 5)
    assert size(other.funnel[1]) == (5, 5)  # thanked implies replied (by rank)
    empty = await compute_cells(seeded, 333, None, NOW)
    assert empty.registered == 0
    assert all(not cell for cell in empty.funnel)


async def test_effective_checklists_replace_the_defaults(seeded: Database):
    request = default_checklists()["request"]
    visible = Checklist("request", "Our request steps", request.items[:2])
    with_custom = Checklist("request", "Ours", (*request.items[:2], ChecklistItem("x1", "New")))
    cells = await compute_cells(seeded, GUILD, None, NOW, checklists={"request": visible})
    assert [p.phase for p in cells.checklists] == ["request"]
    assert cells.checklists[0].title == "Our request steps"
    assert size(cells.checklists[0].completed) == (6, 6)
    cells = await compute_cells(seeded, GUILD, None, NOW, checklists={"request": with_custom})
    assert size(cells.checklists[0].completed) == (0, 0)


async def test_now_must_be_aware(seeded: Database):
    with pytest.raises(ValueError, match="aware"):
        await compute_cells(seeded, GUILD, None, datetime(2026, 11, 1))  # noqa: DTZ001
