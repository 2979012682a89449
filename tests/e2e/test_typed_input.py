"""Dates and times typed the way people write them, end to end: the meeting on "next Tuesday"
at "3pm", a request sent "yesterday", quiet hours from "9pm" to "7:30 am"; ambiguous "4/6" is
refused with an example and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

# Wednesday 25 November 2026, 10:00 in New York.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def new_student_with_contact(world: World, harness: BotHarness, person: str) -> tuple:
    user = world.student(person.split()[0].lower())
    ix = await world.emulator.slash(
        user, world.guild, "settings timezone", options={"name": "America/New_York"}
    )
    await ix.message()
    ix = await world.emulator.slash(
        user, world.guild, "request new", options={"person": person, "organization": "Acme"}
    )
    await ix.message()
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return user, row["id"]


async def test_a_meeting_next_tuesday_at_3pm(world: World, harness: BotHarness) -> None:
    user, contact_id = await new_student_with_contact(world, harness, "Ada Lovelace")
    ix = await world.emulator.slash(
        user,
        world.guild,
        "prepare schedule",
        options={"contact": str(contact_id), "date": "next Tuesday", "time": "3pm"},
    )
    reply = await ix.message()
    assert reply.ephemeral
    (row,) = query(harness.db_path, "SELECT meeting_at FROM contacts WHERE id = ?", (contact_id,))
    # Tuesday 1 December 2026, 15:00 in New York = 20:00 UTC.
    assert row["meeting_at"].startswith("2026-12-01T20:00:00")


async def test_a_request_sent_yesterday_and_a_reply_on_a_written_date(
    world: World, harness: BotHarness
) -> None:
    user, contact_id = await new_student_with_contact(world, harness, "Grace Hopper")
    ix = await world.emulator.slash(
        user, world.guild, "request sent", options={"contact": str(contact_id), "date": "yesterday"}
    )
    assert "Tuesday 24 November 2026" in (await ix.message()).text()
    ix = await world.emulator.slash(
        user, world.guild, "request reply", options={"contact": str(contact_id), "date": "Nov 25"}
    )
    assert "Wednesday 25 November 2026" in (await ix.message()).text()


async def test_quiet_hours_typed_in_12_hour_form(world: World, harness: BotHarness) -> None:
    user, _ = await new_student_with_contact(world, harness, "Katherine Johnson")
    ix = await world.emulator.slash(
        user, world.guild, "settings quiet-hours", options={"start": "9pm", "end": "7:30 am"}
    )
    await ix.message()
    (row,) = query(
        harness.db_path,
        "SELECT quiet_start, quiet_end FROM students WHERE user_id = ?",
        (user.id,),
    )
    assert (row["quiet_start"], row["quiet_end"]) == ("21:00", "07:30")


async def test_an_ambiguous_numeric_date_is_refused_with_an_example(
    world: World, harness: BotHarness
) -> None:
    user, contact_id = await new_student_with_contact(world, harness, "Dorothy Vaughan")
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        user,
        world.guild,
        "prepare schedule",
        options={"contact": str(contact_id), "date": "4/6", "time": "15:00"},
    )
    reply = await ix.message()
    assert reply.ephemeral
    text = reply.text()
    assert text.startswith("⚠️")
    assert "month/day in some countries" in text
    assert "April 6" in text
    assert database_snapshot(harness.db_path) == before
