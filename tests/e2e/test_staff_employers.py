"""Staff see the students' LAMP lists only in aggregate, through the emulator: students with a
list, with a full top five, the median list and the share scored, in /staff stats, the CSV
export and the weekly summary; a figure from fewer than 10 students is hidden."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.staff_summary import send_weekly_staff_summaries
from bot.storage.guild_settings import update_server_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness
from tests.e2e.staff_world import Server, new_server

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday
FIELD = "Employers (LAMP lists, as of now)"


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


@pytest.fixture
def server(world: World, harness: BotHarness) -> Server:
    return new_server(world)


def employer_lines(message) -> list[str]:
    (field,) = [f for f in message.embeds[0]["fields"] if f["name"] == FIELD]
    return field["value"].splitlines()


async def employers_csv(server: Server) -> dict[str, str]:
    message = await (await server.slash(server.admin, "staff export")).message()
    (attachment,) = [a for a in message.attachments if a.filename == "employers.csv"]
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))
    return {row["figure"]: row["value"] for row in rows}


async def stats(server: Server):
    return await (await server.slash(server.admin, "staff stats")).message()


def employer_field(message) -> list[str]:
    fields = [f for f in message.embeds[0]["fields"] if f["name"] == FIELD]
    return fields[0]["value"].splitlines() if fields else []


async def test_lamp_lists_in_aggregate_and_hidden_below_ten_students(
    server: Server, harness: BotHarness, world: World
):
    students = [server.member("student") for _ in range(11)]
    for n, user in enumerate(students[:10]):
        for e in range(5):
            await server.run(
                user,
                "employers add",
                name=f"Employer {e} of {n}",
                alumni="yes",
                motivation=2,
                posting=2,
            )
    # The eleventh has two employers from their contacts' organizations: unscored.
    for person, organization in (("Ada", "Contoso"), ("Ben", "Fabrikam")):
        await server.run(students[10], "request new", person=person, organization=organization)

    lines = employer_lines(await stats(server))
    assert lines == [
        "Students with an employer list: 10",  # 11, rounded to the nearest 5
        "Students working a full top five: 10",
        "Median employers per student with a list: 5",
        # 52 listed; the 2 unscored are one student's, so "scored" (50) is hidden: listed minus
        # scored would show them.
        "Employers listed: 50",
    ]
    assert await employers_csv(server) == {
        "students_with_employer_list": "10",
        "students_with_full_active_five": "10",
        "median_employers_per_student": "5",
        "employers_listed": "50",
        "employers_fully_scored": "hidden",
        "employers_fully_scored_percent": "hidden",
    }

    # One student is done with an employer: nine full top fives, too few to show.
    await server.run(students[0], "employers done", employer="Employer 0 of 0")
    lines = employer_lines(await stats(server))
    assert lines[0] == "Students with an employer list: 10"
    assert not any("full top five" in line for line in lines)
    assert (await employers_csv(server))["students_with_full_active_five"] == "hidden"
    message = await stats(server)
    for user in students:  # aggregates only: no student is named
        assert user.name not in message.text()

    # The weekly summary carries the same figures.
    async with harness.bot.db.transaction() as tx:
        await update_server_settings(
            tx, server.guild.id, NOW, digest_channel_id=server.guild.general_channel_id
        )
    harness.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # Monday 09:00 UTC
    bot = harness.bot
    assert await send_weekly_staff_summaries(bot.actions, bot, bot.pacer) >= 1
    (summary,) = [
        m
        for m in world.emulator.channel_messages(server.guild.general_channel_id)
        if "Weekly InfoCoach summary" in m.text()
    ]
    assert employer_lines(summary)[0] == "Students with an employer list: 10"


async def test_four_students_lists_show_nothing(server: Server):
    for n in range(4):
        user = server.member("student")
        await server.run(user, "employers add", name=f"Only {n}", motivation=3)
    message = await stats(server)
    assert employer_field(message) == []
    assert "4 students so far: figures appear from 10." in message.text()
    assert set((await employers_csv(server)).values()) == {"hidden"}
