"""The staff's employer figures (the students' LAMP lists): known answers from a hand-built
server, hidden below the minimum group, in the embed and the CSV export, and never one
student's list."""

from __future__ import annotations

import aiosqlite

from bot.domain.contacts import Stage
from bot.domain.disclosure import median, students
from bot.domain.employers import Scores, Standing
from bot.staff_stats import compute_cells
from bot.staff_stats.figures import employer_cells
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


async def test_employer_cells_count_this_server_now(db: Database):
    await build(db, listing=6)
    cells = (await compute_cells(db, GUILD, None, NOW)).employers
    assert students(cells.listing) == 6
    assert students(cells.five) == 6  # U6: 6 of 8 still open
    assert sorted(r.value for r in cells.per_student) == [5, 5, 5, 5, 5, 8]
    assert (len(cells.scored), len(cells.employers)) == (30, 33)
    # U7's 40 employers are in OTHER_GUILD only.
    other = (await compute_cells(db, OTHER_GUILD, None, NOW)).employers
    assert [r.value for r in other.per_student] == [40]
    assert (await compute_cells(db, 999, None, NOW)).employers.listing == ()


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

    figures = employer_cells(
        {
            1: lamp(3, 3),
            2: lamp(5, 0),
            3: lamp(6, 6, exhausted=2),
            4: lamp(10, 5),
            5: [],
            6: lamp(40, 40),
        }
    )
    assert students(figures.listing) == 5  # an empty list is no list
    assert {r.student for r in figures.five} == {2, 4, 6}  # 3 has 4 open
    assert median(figures.per_student) is None  # 5 students: hidden by the rule
    assert sorted(r.value for r in figures.per_student) == [3, 5, 6, 10, 40]
    assert (len(figures.scored), len(figures.employers)) == (54, 64)
    assert students(figures.scored) == 4  # student 2 scored none
