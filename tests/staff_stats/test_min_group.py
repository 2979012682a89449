"""The minimum group rule at its boundary: 4 students show "fewer than 5", 5 show the figure —
in the numbers, the embed, the CSV files and the chart."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from bot.content import Checklist, ChecklistItem
from bot.domain.contacts import Stage
from bot.staff_stats import (
    FEWER_THAN,
    MIN_GROUP,
    compute_stats,
    display,
    stats_csv_files,
    stats_embed,
)
from bot.staff_stats.chart import funnel_bars
from bot.staff_stats.figures import Figure, days, percent, ratio, shown
from bot.storage.database import Database
from tests.staff_stats import seed
from tests.staff_stats.seed import day

GUILD = 555
NOW = datetime(2026, 11, 1, tzinfo=UTC)
CHECKLISTS = {"request": Checklist("request", "Request", (ChecklistItem("only", "The one item"),))}
R, Q, S, M, T = (Stage.REQUESTED, Stage.REPLIED, Stage.SCHEDULED, Stage.MET, Stage.THANKED)


async def _server(db: Database, students: int, contacts_each: int = 1) -> None:
    """``students`` students, each with ``contacts_each`` thanked contacts (requested day 0,
    replied day 2, scheduled day 3, met day 5, thanked day 6), boosters, request checklist done,
    one nudge sent and acted on and one undeliverable."""
    async with db.transaction() as tx:
        for n in range(students):
            user = 700_000_000_000_000_000 + n
            await seed.student(tx, GUILD, user)
            for _ in range(contacts_each):
                stamps = {R: day(0), Q: day(2), S: day(3), M: day(5), T: day(6)}
                contact = await seed.contact(tx, GUILD, user, T, stamps, reply_class="booster")
                await seed.tick(tx, contact, "request", ["only"])
                await seed.nudge(tx, GUILD, user, contact, status="sent", at=day(1), action="done")
            await seed.nudge(
                tx, GUILD, user, None, status="undeliverable", at=day(2), kind="digest"
            )


def _figures(stats) -> dict[str, str]:
    """Every figure the boundary cares about, as staff would read it."""
    steps = {step.stage: step for step in stats.funnel}
    medians = {(i.start, i.end): i.median_days for i in stats.intervals}
    nudges = {n.outcome: n.nudges for n in stats.nudges}
    booster = next(r for r in stats.reply_classes if r.reply_class == "booster")
    stage_thanked = next(s.contacts for s in stats.stages if s.stage is T)
    return {
        "students active": display(stats.students_active),
        "thanked now": display(stage_thanked),
        "requested": display(steps[R].reached),
        "replied": display(steps[Q].reached),
        "met": display(steps[M].reached),
        "thanked": display(steps[T].reached),
        "replied rate": display(steps[Q].conversion, percent),
        "met rate": display(steps[M].conversion, percent),
        "request→reply": display(medians[(R, Q)], days),
        "reply→scheduled": display(medians[(Q, S)], days),
        "reply→met": display(medians[(Q, M)], days),
        "met→thanked": display(medians[(M, T)], days),
        "booster share": display(booster.share, percent),
        "sent": display(nudges["sent"]),
        "acted on": display(nudges["acted_on"]),
        "undeliverable": display(nudges["undeliverable"]),
        "request checklist": display(stats.checklists[0].share, percent),
    }


async def test_five_students_show_every_figure(db: Database):
    await _server(db, MIN_GROUP)
    stats = await compute_stats(db, GUILD, None, NOW, checklists=CHECKLISTS)
    assert _figures(stats) == {
        "students active": "5",
        "thanked now": "5",
        "requested": "5",
        "replied": "5",
        "met": "5",
        "thanked": "5",
        "replied rate": "100%",
        "met rate": "100%",
        "request→reply": "2.0 days",
        "reply→scheduled": "1.0 days",
        "reply→met": "3.0 days",
        "met→thanked": "1.0 days",
        "booster share": "100%",
        "sent": "5",
        "acted on": "5",
        "undeliverable": "5",
        "request checklist": "100%",
    }
    assert [bar.value for bar in funnel_bars(stats)] == [5, 5, 5, 5]
    fields = {field.name: field.value for field in stats_embed(stats).fields}
    assert fields["Funnel (contacts that got this far)"].splitlines() == [
        "Requested: 5",
        "Replied: 5 · 100% of the step before",
        "Met: 5 · 100% of the step before",
        "Thanked: 5 · 100% of the step before",
    ]
    assert "Booster: 100% (5 contacts)" in fields["Reply types (share of classified replies)"]
    funnel = _csv(stats, "funnel.csv")
    assert [row["contacts_reached"] for row in funnel] == ["5", "5", "5", "5"]
    assert [row["conversion_from_previous_percent"] for row in funnel] == [
        "",
        "100.0",
        "100.0",
        "100.0",
    ]


@pytest.mark.parametrize("contacts_each", [1, 3])
async def test_four_students_show_fewer_than_5_however_many_contacts(
    db: Database, contacts_each: int
):
    await _server(db, MIN_GROUP - 1, contacts_each)
    stats = await compute_stats(db, GUILD, None, NOW, checklists=CHECKLISTS)
    assert stats.funnel[0].reached == Figure(4 * contacts_each, 4)
    assert set(_figures(stats).values()) == {FEWER_THAN}
    # The chart draws no bar and writes "fewer than 5" instead.
    assert [(bar.value, bar.note) for bar in funnel_bars(stats)] == [(None, FEWER_THAN)] * 4
    # The embed's fields and every CSV cell carry no number drawn from these students.
    for field in stats_embed(stats).fields:
        assert not re.search(r"\d", field.value.replace(FEWER_THAN, "")), field
    for name, rows in _all_csv(stats).items():
        for row in rows:
            figures = {k: v for k, v in row.items() if k not in ("since", "generated_at")}
            numbers = [v for v in figures.values() if v and v[0].isdigit()]
            assert numbers == [], (name, row)


def test_derived_figures_take_the_smaller_group():
    big, small = Figure(40, 30), Figure(12, 4)
    assert not shown(ratio(small, big))
    assert not shown(ratio(big, small))
    assert ratio(Figure(10, 5), Figure(20, 9)) == Figure(0.5, 5)
    assert ratio(Figure(0, 0), Figure(0, 0)) == Figure(None, 0)
    assert display(Figure(4, 4)) == FEWER_THAN
    assert display(Figure(5, 5)) == "5"
    assert display(Figure(0, 0)) == FEWER_THAN
    assert display(Figure(None, 9)) == FEWER_THAN  # nothing to show is never shown as a number


def _all_csv(stats) -> dict[str, list[dict[str, str]]]:
    return {
        name: list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        for name, data in stats_csv_files(stats)
    }


def _csv(stats, name: str) -> list[dict[str, str]]:
    return _all_csv(stats)[name]
