"""The staff's employer figures (the students' LAMP lists): known answers from a hand-built
server, hidden below the minimum group, in the embed and the CSV export, and never one
student's list."""

from __future__ import annotations

import csv
import io

import aiosqlite
import pytest

from bot.domain.contacts import Stage
from bot.domain.employers import Scores, Standing
from bot.staff_stats import FEWER_THAN, Figure, compute_stats, stats_csv_files, stats_embed
from bot.staff_stats.figures import employer_figures
from bot.storage.database import Database
from bot.storage.employers import add_employer, link_contact, set_done
from tests.staff_stats.seed import DAY0, GUILD, NOW, OTHER_GUILD, USERS, contact, student

SCORED = Scores(alumni=True, motivation=3, posting=2)
FIELD = "Employers (LAMP lists, as of now)"


async def employers(
    tx: aiosqlite.Connection, user: int, count: int, *, unscored: int = 0, guild: int = GUILD
) -> list[int]:
    """``count`` employers for ``user``, the last ``unscored`` of them without scores."""
    ids = []
    for n in range(count):
        ids.append(
            await add_employer(
                tx,
                guild_id=guild,
                user_id=user,
                name=f"Employer {n} of {user}",
                scores=Scores() if n >= count - unscored else SCORED,
                note=None,
                now=DAY0,
            )
        )
    return ids


async def build(db: Database, listing: int) -> None:
    """U1..U(listing) keep lists. U1..U5 (those listing): 5 employers each, all scored, none
    exhausted. U6: 8 employers, 3 unscored; one marked done and one whose only contact is
    closed, so 6 are still open. U7: a list only in another server."""
    async with db.transaction() as tx:
        for user in USERS:
            await student(tx, GUILD, user)
        for user in USERS[: min(listing, 5)]:
            await employers(tx, user, 5)
        if listing >= 6:
            u6 = USERS[5]
            ids = await employers(tx, u6, 8, unscored=3)
            await set_done(tx, ids[0], DAY0, DAY0)
            closed = await contact(tx, GUILD, u6, Stage.CLOSED, stage_before_close=Stage.PLANNED)
            await link_contact(tx, closed, ids[1])
            open_one = await contact(tx, GUILD, u6, Stage.REQUESTED)
            await link_contact(tx, open_one, ids[2])
        await student(tx, OTHER_GUILD, USERS[6])
        await employers(tx, USERS[6], 40, guild=OTHER_GUILD)


def csv_rows(files: list[tuple[str, bytes]]) -> dict[str, str]:
    (data,) = [data for name, data in files if name == "employers.csv"]
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    assert tuple(reader.fieldnames or ()) == ("since", "generated_at", "figure", "value")
    return {row["figure"]: row["value"] for row in reader}


async def test_six_students_with_lists_show_every_figure(db: Database):
    await build(db, listing=6)
    stats = await compute_stats(db, GUILD, None, NOW)
    figures = stats.employers
    assert figures.students_listing == Figure(6, 6)
    assert figures.students_with_five == Figure(6, 6)  # U6: 6 of 8 still open
    assert figures.median_per_student == Figure(5, 6)  # 5, 5, 5, 5, 5, 8
    assert figures.scored_share.value == pytest.approx(30 / 33)
    assert figures.scored_share.students == 6

    fields = {field.name: field.value for field in stats_embed(stats).fields}
    assert fields[FIELD].splitlines() == [
        "Students with an employer list: 6",
        "Students working a full top five: 6",
        "Median employers per student with a list: 5",
        "Employers with all three scores: 91%",
    ]
    assert csv_rows(stats_csv_files(stats)) == {
        "students_with_employer_list": "6",
        "students_with_full_active_five": "6",
        "median_employers_per_student": "5.0",
        "employers_fully_scored_percent": "90.9",
    }


async def test_a_figure_from_fewer_than_five_students_is_hidden(db: Database):
    await build(db, listing=6)
    async with db.transaction() as tx:  # U5 is done with two employers: 3 open, no full five
        for employer_id in (
            row[0]
            for row in await tx.execute_fetchall(
                "SELECT id FROM employers WHERE user_id = ? ORDER BY id LIMIT 2", (USERS[4],)
            )
        ):
            await set_done(tx, employer_id, NOW, NOW)
    stats = await compute_stats(db, GUILD, None, NOW)
    assert stats.employers.students_with_five == Figure(5, 5)  # U1..U4 and U6
    async with db.transaction() as tx:  # U6 is done with three more: 3 open
        for employer_id in (
            row[0]
            for row in await tx.execute_fetchall(
                "SELECT id FROM employers WHERE user_id = ? AND done_at IS NULL"
                " ORDER BY id LIMIT 3",
                (USERS[5],),
            )
        ):
            await set_done(tx, employer_id, NOW, NOW)
    stats = await compute_stats(db, GUILD, None, NOW)
    assert stats.employers.students_with_five == Figure(4, 4)
    lines = {field.name: field.value for field in stats_embed(stats).fields}[FIELD].splitlines()
    assert lines[0] == "Students with an employer list: 6"
    assert lines[1] == f"Students working a full top five: {FEWER_THAN}"
    assert csv_rows(stats_csv_files(stats))["students_with_full_active_five"] == FEWER_THAN


async def test_four_students_with_lists_show_nothing_about_lists(db: Database):
    await build(db, listing=4)
    stats = await compute_stats(db, GUILD, None, NOW)
    assert stats.employers.median_per_student == Figure(5, 4)
    lines = {field.name: field.value for field in stats_embed(stats).fields}[FIELD].splitlines()
    assert lines == [
        f"Students with an employer list: {FEWER_THAN}",
        f"Students working a full top five: {FEWER_THAN}",
        f"Median employers per student with a list: {FEWER_THAN}",
        f"Employers with all three scores: {FEWER_THAN}",
    ]
    assert set(csv_rows(stats_csv_files(stats)).values()) == {FEWER_THAN}


async def test_an_empty_server_and_another_servers_lists(db: Database):
    await build(db, listing=6)
    stats = await compute_stats(db, 999, None, NOW)
    assert stats.employers.students_listing == Figure(0, 0)
    assert stats.employers.median_per_student == Figure(None, 0)
    # U7's 40 employers are in OTHER_GUILD only: they count there, not in GUILD.
    other = await compute_stats(db, OTHER_GUILD, None, NOW)
    assert other.employers.students_listing == Figure(1, 1)
    assert other.employers.median_per_student == Figure(40, 1)


def test_the_median_and_the_share_from_standings():
    def lamp(size: int, scored: int, exhausted: int = 0) -> list[Standing]:
        return [
            Standing(
                id=n,
                name=f"E{n}",
                scores=SCORED if n < scored else Scores(),
                done=n >= size - exhausted,
            )
            for n in range(size)
        ]

    figures = employer_figures(
        {
            1: lamp(3, 3),
            2: lamp(5, 0),
            3: lamp(6, 6, exhausted=2),
            4: lamp(10, 5),
            5: [],
            6: lamp(40, 40),
        }
    )
    assert figures.students_listing == Figure(5, 5)  # an empty list is no list
    assert figures.students_with_five == Figure(3, 3)  # 2, 4 and 6; 3 has 4 open
    assert figures.median_per_student == Figure(6, 5)  # 3, 5, 6, 10, 40
    assert figures.scored_share == Figure(54 / 64, 4)  # student 2 scored none
