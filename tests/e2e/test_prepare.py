"""/prepare end to end: checklist, scheduling the meeting, building the question list."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.dbquery import execute
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York


async def add_contact(world: World, harness: BotHarness, user, person="Ada Lovelace") -> int:
    ix = await world.emulator.slash(
        user, world.guild, "request new", options={"person": person, "organization": "Acme"}
    )
    await ix.message()
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return row["id"]


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def set_zone(world: World, user, zone="America/New_York") -> None:
    ix = await world.emulator.slash(user, world.guild, "settings timezone", options={"name": zone})
    await ix.message()


async def schedule(
    world: World, user, contact_id: int, day: str, at: str, *, strict: bool = True, **extra
):
    options = {"contact": str(contact_id), "date": day, "time": at, **extra}
    return await world.emulator.slash(
        user, world.guild, "prepare schedule", options=options, strict=strict
    )


async def assert_private_error(ix, *needles: str) -> str:
    message = await ix.message()
    assert message.ephemeral, message
    text = message.text()
    assert text.startswith("⚠️"), text
    for needle in needles:
        assert needle in text, text
    return text


def events(harness: BotHarness, contact_id: int) -> list[tuple[str, dict]]:
    rows = query(
        harness.db_path,
        "SELECT kind, payload FROM events WHERE contact_id = ? ORDER BY id",
        (contact_id,),
    )
    return [(r["kind"], json.loads(r["payload"])) for r in rows]


def pending_nudges(harness: BotHarness, contact_id: int) -> set[str]:
    rows = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {r["kind"] for r in rows}


def stored_questions(harness: BotHarness, contact_id: int) -> list[tuple[str, str | None, str]]:
    rows = query(
        harness.db_path,
        "SELECT category, bank_id, text FROM contact_questions WHERE contact_id = ?"
        " ORDER BY position, id",
        (contact_id,),
    )
    return [(r["category"], r["bank_id"], r["text"]) for r in rows]


# --- /prepare checklist -------------------------------------------------------------------------


async def test_commands_are_registered(world: World, harness: BotHarness):
    prepare = next(c for c in world.emulator.commands() if c["name"] == "prepare")
    assert {o["name"] for o in prepare["options"]} == {
        "checklist",
        "schedule",
        "questions",
        "star",
        "unstar",
    }
    star_options = next(o for o in prepare["options"] if o["name"] == "star")["options"]
    question = next(o for o in star_options if o["name"] == "question")
    assert question["autocomplete"] is True
    schedule_options = next(o for o in prepare["options"] if o["name"] == "schedule")["options"]
    duration = next(o for o in schedule_options if o["name"] == "duration")
    assert (duration["min_value"], duration["max_value"], duration.get("required", False)) == (
        10,
        60,
        False,
    )


async def test_prepare_checklist_ticks_in_place_and_survives_a_restart(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice, person="Grace Hopper")
    ix = await world.emulator.slash(alice, world.guild, "prepare checklist")
    message = await ix.message()
    assert message.ephemeral
    assert "Preparing for the meeting · Grace Hopper (Acme)" in message.text()
    assert "0/10" in message.text()
    await harness.restart()
    click = await world.emulator.click(alice, message, message.buttons()[1]["custom_id"])
    assert (await click.response()).type == 7
    assert "1/10" in (await click.message()).text()
    (tick,) = query(
        harness.db_path,
        "SELECT phase, item_id FROM checklist_ticks WHERE contact_id = ?",
        (contact_id,),
    )
    assert (tick["phase"], tick["item_id"]) == ("prepare", "research-person")


async def test_prepare_checklist_without_contacts_says_how_to_add_one(
    world: World, harness: BotHarness
):
    nobody = world.student("nobody")
    ix = await world.emulator.slash(nobody, world.guild, "prepare checklist")
    message = await ix.message()
    assert message.ephemeral
    # an empty state, said kindly: no warning sign, and where to start
    assert not message.text().startswith("⚠️")
    assert "`/employers import`" in message.text()
    assert "/request new" in message.text()


# --- /prepare schedule --------------------------------------------------------------------------


async def test_schedule_stores_the_instant_and_shows_discord_timestamps(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    contact_id = await add_contact(world, harness, alice)
    ix = await schedule(world, alice, contact_id, "2026-12-03", "14:30")
    message = await ix.message()
    assert message.ephemeral
    start = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)  # 14:30 EST
    unix = int(start.timestamp())
    text = message.text()
    assert f"<t:{unix}:F>" in text
    assert f"<t:{unix}:R>" in text
    assert "20 minutes" in text
    # Read back as a person writes it (the same as when scheduled from a reminder's form).
    assert "Entered as Thursday 3 December 2026 14:30 in America/New_York" in text
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    assert row["meeting_at"] == "2026-12-03T19:30:00.000000+00:00"
    assert (row["meeting_tz"], row["meeting_minutes"], row["stage"]) == (
        "America/New_York",
        20,
        "scheduled",
    )
    assert row["scheduled_at"] == "2026-11-25T15:00:00.000000+00:00"
    assert pending_nudges(harness, contact_id) == {"prepare", "confirm", "top_questions"}
    assert events(harness, contact_id)[-1] == (
        "meeting_scheduled",
        {
            "meeting_at": "2026-12-03T19:30:00.000000+00:00",
            "minutes": 20,
            "timezone": "America/New_York",
        },
    )


async def test_rescheduling_replaces_the_earlier_time(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice, "Europe/Berlin")
    contact_id = await add_contact(world, harness, alice)
    await (await schedule(world, alice, contact_id, "2026-12-03", "09:00")).message()
    ix = await schedule(world, alice, contact_id, "2026-12-04", "16:15", duration=45)
    text = (await ix.message()).text()
    new = datetime(2026, 12, 4, 15, 15, tzinfo=UTC)
    old = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert f"<t:{int(new.timestamp())}:F>" in text
    assert f"<t:{int(old.timestamp())}:F>" in text  # "it replaces …"
    assert "45 minutes" in text
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    assert (row["meeting_at"], row["meeting_minutes"], row["stage"]) == (
        "2026-12-04T15:15:00.000000+00:00",
        45,
        "scheduled",
    )
    kind, payload = events(harness, contact_id)[-1]
    assert kind == "meeting_rescheduled"
    assert payload["old_meeting_at"] == "2026-12-03T08:00:00.000000+00:00"
    assert payload["new_meeting_at"] == "2026-12-04T15:15:00.000000+00:00"


@pytest.mark.parametrize(
    ("day", "at", "needle"),
    [
        ("2026-11-25", "09:59", "has already passed"),
        ("2026-11-25", "10:00", "has already passed"),  # start == now
        ("2027-03-14", "02:30", "doesn't exist in America/New_York"),  # DST gap
        ("2027-02-30", "10:00", "isn't a real calendar date"),
        ("next fortnight", "10:00", "isn't a date I can read"),
        ("2026-12-01", "25:00", "isn't a time I can read"),
        ("2028-01-05", "10:00", "more than a year ahead"),
    ],
)
async def test_schedule_refuses_bad_times_and_changes_nothing(
    world: World, harness: BotHarness, day, at, needle
):
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    contact_id = await add_contact(world, harness, alice)
    before = database_snapshot(harness.db_path)
    ix = await schedule(world, alice, contact_id, day, at)
    await assert_private_error(ix, needle)
    assert database_snapshot(harness.db_path) == before


async def test_schedule_just_after_now_is_accepted(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    contact_id = await add_contact(world, harness, alice)
    ix = await schedule(world, alice, contact_id, "2026-11-25", "10:01")
    assert "Scheduled" in (await ix.message()).text()


async def test_schedule_duration_is_checked_at_run_time(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice)
    contact_id = await add_contact(world, harness, alice)
    before = database_snapshot(harness.db_path)
    for minutes in (5, 61):
        # strict=False: Discord's client enforces 10–60, a modified one does not.
        ix = await schedule(
            world, alice, contact_id, "2026-12-01", "10:00", duration=minutes, strict=False
        )
        await assert_private_error(ix, "10 to 60 minutes")
    assert database_snapshot(harness.db_path) == before


async def test_schedule_unknown_contact_is_refused(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    await set_zone(world, alice)
    bobs = await add_contact(world, harness, bob)
    before = database_snapshot(harness.db_path)
    for value in (bobs, 987654):
        ix = await schedule(world, alice, value, "2026-12-01", "10:00")
        await assert_private_error(ix, "couldn't find that contact")
    assert database_snapshot(harness.db_path) == before


async def test_schedule_without_a_zone_asks_for_one_and_records_nothing(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    before = database_snapshot(harness.db_path)
    ix = await schedule(world, alice, contact_id, "2026-12-01", "10:00")
    prompt = await ix.message()
    assert prompt.ephemeral
    assert "time zone" in prompt.text()
    assert prompt.selects()
    assert database_snapshot(harness.db_path) == before


async def test_schedule_refuses_closed_and_later_stages(world: World, harness: BotHarness):
    alice = world.student("alice")
    await set_zone(world, alice)
    met = await add_contact(world, harness, alice, person="Met Already")
    closed = await add_contact(world, harness, alice, person="Closed One")
    # Move the contacts on directly (other phases' commands own these steps).
    execute(harness.db_path, "UPDATE contacts SET stage = 'met' WHERE id = ?", (met,))
    execute(
        harness.db_path,
        "UPDATE contacts SET stage = 'closed', stage_before_close = 'requested' WHERE id = ?",
        (closed,),
    )
    before = database_snapshot(harness.db_path)
    ix = await schedule(world, alice, met, "2026-12-01", "10:00")
    await assert_private_error(ix, "already at “met”", "don't move backwards")
    ix = await schedule(world, alice, closed, "2026-12-01", "10:00")
    await assert_private_error(ix, "closed", "Reopen")
    assert database_snapshot(harness.db_path) == before


# --- /prepare questions -------------------------------------------------------------------------


async def open_builder(world: World, user, contact_id: int):
    ix = await world.emulator.slash(
        user, world.guild, "prepare questions", options={"contact": str(contact_id)}
    )
    return await ix.message()


def select_with(message, prefix: str) -> dict:
    (found,) = [s for s in message.selects() if s["custom_id"].startswith(prefix)]
    return found


async def pick(world: World, user, message, prefix: str, values: list[str], *, strict=True):
    select = select_with(message, prefix)
    return await world.emulator.select(user, message, select["custom_id"], values, strict=strict)


async def choose_category(world: World, user, message, category: str):
    ix = await pick(world, user, message, "ic:qc:", [category])
    assert (await ix.response()).type == 7
    return await ix.message()


async def add_bank(world: World, user, message, category: str, ids: list[str]):
    message = await choose_category(world, user, message, category)
    ix = await pick(world, user, message, "ic:qb:", ids)
    assert (await ix.response()).type == 7
    return await ix.message()


async def add_own(world: World, user, message, text: str, *, strict=True):
    opener = await world.emulator.click(
        user, message, message.button(label="Add your own")["custom_id"], strict=strict
    )
    assert (await opener.response()).type == 9
    return opener


async def test_builder_starts_empty_and_switches_category_in_place(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    assert message.ephemeral
    assert "No questions yet" in message.text()
    assert "0/10 questions" in message.text()
    category = select_with(message, "ic:qc:")
    assert [o["value"] for o in category["options"]] == [
        "trends",
        "insights",
        "advice",
        "resources",
        "assignments",
    ]
    bank = select_with(message, "ic:qb:")
    assert bank["custom_id"] == f"ic:qb:{alice.id}:{contact_id}:trends"
    assert bank["max_values"] == len(bank["options"]) > 1  # several at once
    assert not [s for s in message.selects() if s["custom_id"].startswith("ic:qr:")]

    switched = await choose_category(world, alice, message, "resources")
    assert switched.id == message.id
    bank = select_with(switched, "ic:qb:")
    assert bank["custom_id"].endswith(":resources")
    assert "resources-who-else" in [o["value"] for o in bank["options"]]
    assert [o.get("default") for o in select_with(switched, "ic:qc:")["options"]][3] is True


async def test_picking_bank_questions_adds_them_in_order_once(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(world, alice, message, "trends", ["trends-skills", "trends-excited"])
    text = message.text()
    assert "Added 2 questions" in text
    assert "**1.** Which skills do you think will matter more" in text
    assert "**2.** What are you most excited about" in text
    assert "2/10 questions" in text
    message = await add_bank(
        world, alice, message, "resources", ["resources-who-else", "resources-read"]
    )
    ix = await pick(world, alice, message, "ic:qb:", ["resources-who-else"])
    message = await ix.message()
    assert "already on your list" in message.text()
    assert [bank_id for _, bank_id, _ in stored_questions(harness, contact_id)] == [
        "trends-skills",
        "trends-excited",
        "resources-who-else",
        "resources-read",
    ]
    assert stored_questions(harness, contact_id)[0] == (
        "trends",
        "trends-skills",
        "Which skills do you think will matter more in your field five years from now?",
    )
    added = [p for k, p in events(harness, contact_id) if k == "question_added"]
    assert added[0] == {"category": "trends", "bank_id": "trends-skills"}
    assert len(added) == 4


async def test_own_question_is_added_through_a_modal(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(world, alice, message, "advice", ["advice-mistakes"])
    opener = await add_own(world, alice, message, "")
    assert opener.modal["title"] == "Add your own question"
    submitted = await world.emulator.submit_modal(
        alice, opener, {"question": "  How did *you* pick\nyour first team?  "}
    )
    assert (await submitted.response()).type == 7
    updated = await submitted.message()
    assert updated.id == message.id
    assert "**2.** How did \\*you\\* pick your first team? · *your own*" in updated.text()
    assert stored_questions(harness, contact_id)[1] == (
        "own",
        None,
        "How did *you* pick your first team?",
    )
    assert events(harness, contact_id)[-1] == (
        "question_added",
        {"category": "own", "bank_id": None},
    )


async def test_over_long_own_question_is_refused(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    opener = await add_own(world, alice, message, "")
    before = database_snapshot(harness.db_path)
    submitted = await world.emulator.submit_modal(
        alice, opener, {"question": "x" * 301}, strict=False
    )
    await assert_private_error(submitted, "301 characters", "the most is 300")
    assert database_snapshot(harness.db_path) == before


async def test_removing_keeps_the_others_in_order(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(
        world,
        alice,
        message,
        "insights",
        ["insights-surprise", "insights-path", "insights-enjoy", "insights-culture"],
    )
    remove = select_with(message, "ic:qr:")
    assert [o["label"][:3] for o in remove["options"]] == ["1. ", "2. ", "3. ", "4. "]
    second, fourth = remove["options"][1]["value"], remove["options"][3]["value"]
    ix = await pick(world, alice, message, "ic:qr:", [second])
    updated = await ix.message()
    assert updated.id == message.id
    assert "Removed 1 question" in updated.text()
    assert "3/10 questions" in updated.text()
    assert [b for _, b, _ in stored_questions(harness, contact_id)] == [
        "insights-surprise",
        "insights-enjoy",
        "insights-culture",
    ]
    assert "**2.** What do you enjoy most" in updated.text()
    assert events(harness, contact_id)[-1] == (
        "question_removed",
        {"category": "insights", "bank_id": "insights-path"},
    )
    # A stale option (already removed) changes nothing.
    ix = await pick(world, alice, updated, "ic:qr:", [fourth])
    await ix.message()
    assert [b for _, b, _ in stored_questions(harness, contact_id)] == [
        "insights-surprise",
        "insights-enjoy",
    ]


async def test_at_most_ten_questions(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(
        world,
        alice,
        message,
        "trends",
        ["trends-changes", "trends-excited", "trends-skills", "trends-challenges"],
    )
    message = await add_bank(
        world,
        alice,
        message,
        "insights",
        ["insights-surprise", "insights-path", "insights-enjoy", "insights-culture"],
    )
    message = await add_bank(world, alice, message, "advice", ["advice-mistakes"])
    assert "9/10 questions" in message.text()

    # Nine on the list: picking two is refused as a whole.
    before = database_snapshot(harness.db_path)
    ix = await pick(world, alice, message, "ic:qb:", ["advice-if-starting", "advice-stand-out"])
    await assert_private_error(ix, "at most 10 questions", "room for 1 more")
    assert database_snapshot(harness.db_path) == before
    assert "9/10 questions" in message.text()

    # A form opened at nine, submitted once the list is full: refused too.
    opener = await add_own(world, alice, message, "")
    message = await (await pick(world, alice, message, "ic:qb:", ["advice-stand-out"])).message()
    assert "10/10 questions" in message.text()
    before = database_snapshot(harness.db_path)
    submitted = await world.emulator.submit_modal(alice, opener, {"question": "One more?"})
    await assert_private_error(submitted, "your list is full")
    assert database_snapshot(harness.db_path) == before

    # Full: the bank menu and the button are disabled; a modified client is still refused.
    assert select_with(message, "ic:qb:")["disabled"] is True
    assert message.button(label="Add your own")["disabled"] is True
    ix = await pick(world, alice, message, "ic:qb:", ["advice-if-starting"], strict=False)
    await assert_private_error(ix, "your list is full")
    click = await world.emulator.click(
        alice, message, message.button(label="Add your own")["custom_id"], strict=False
    )
    await assert_private_error(click, "your list is full")
    assert database_snapshot(harness.db_path) == before
    assert len(stored_questions(harness, contact_id)) == 10


async def test_builder_works_after_a_restart(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(world, alice, message, "trends", ["trends-changes"])
    await harness.restart()
    message = await add_bank(world, alice, message, "assignments", ["assignments-current"])
    remove = select_with(message, "ic:qr:")
    await harness.restart()
    ix = await pick(world, alice, message, "ic:qr:", [remove["options"][0]["value"]])
    message = await ix.message()
    await harness.restart()
    opener = await add_own(world, alice, message, "")
    await (await world.emulator.submit_modal(alice, opener, {"question": "Mine?"})).message()
    assert [(c, b) for c, b, _ in stored_questions(harness, contact_id)] == [
        ("assignments", "assignments-current"),
        ("own", None),
    ]


async def test_another_student_cannot_use_my_builder(world: World, harness: BotHarness):
    alice, mallory = world.student("alice"), world.student("mallory")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(world, alice, message, "trends", ["trends-changes"])
    before = database_snapshot(harness.db_path)
    shown = message.text()
    attempts = [
        await pick(world, mallory, message, "ic:qc:", ["advice"], strict=False),
        await pick(world, mallory, message, "ic:qb:", ["trends-skills"], strict=False),
        await pick(
            world,
            mallory,
            message,
            "ic:qr:",
            [select_with(message, "ic:qr:")["options"][0]["value"]],
            strict=False,
        ),
        await world.emulator.click(
            mallory, message, message.button(label="Add your own")["custom_id"], strict=False
        ),
    ]
    for ix in attempts:
        await assert_private_error(ix, "belongs to someone else")
    assert database_snapshot(harness.db_path) == before
    assert message.text() == shown


async def test_forged_values_are_refused(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    contact_id = await add_contact(world, harness, alice)
    bobs = await add_contact(world, harness, bob)
    bob_message = await add_bank(
        world, bob, await open_builder(world, bob, bobs), "trends", ["trends-changes"]
    )
    bobs_question = select_with(bob_message, "ic:qr:")["options"][0]["value"]
    message = await open_builder(world, alice, contact_id)
    message = await add_bank(world, alice, message, "trends", ["trends-excited"])
    before = database_snapshot(harness.db_path)
    ix = await pick(world, alice, message, "ic:qb:", ["advice-mistakes"], strict=False)
    await assert_private_error(ix, "no longer in the bank")
    ix = await pick(world, alice, message, "ic:qr:", [bobs_question], strict=False)
    await ix.message()  # someone else's question id: nothing to remove
    assert database_snapshot(harness.db_path) == before


async def test_questions_for_an_unknown_contact_are_refused(world: World, harness: BotHarness):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice, world.guild, "prepare questions", options={"contact": "Nobody"}
    )
    await assert_private_error(ix, "couldn't find that contact")


async def test_ten_long_questions_full_of_markdown_still_fit_the_embed(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    for n in range(10):
        execute(
            harness.db_path,
            "INSERT INTO contact_questions (contact_id, position, category, text)"
            " VALUES (?, ?, 'own', ?)",
            (contact_id, n + 1, "*_" * 150),
        )
    message = await open_builder(world, alice, contact_id)  # the emulator enforces 4,096
    assert "**10.** " in message.text()
    assert "10/10 questions" in message.text()


# --- stars --------------------------------------------------------------------------------------

INSIGHTS = ["insights-surprise", "insights-path", "insights-enjoy", "insights-culture"]


def texts_by_bank_id(harness: BotHarness, contact_id: int) -> dict[str | None, str]:
    return {bank_id: text for _, bank_id, text in stored_questions(harness, contact_id)}


async def star(world: World, user, contact_id: int, question: str, *, command="prepare star"):
    ix = await world.emulator.slash(
        user,
        world.guild,
        command,
        options={"contact": str(contact_id), "question": question},
        strict=False,
    )
    return ix


async def test_starred_questions_come_first_in_the_one_hour_reminder(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice, "America/New_York")
    contact_id = await add_contact(world, harness, alice)
    await (await schedule(world, alice, contact_id, "2026-12-03", "14:30")).message()
    message = await open_builder(world, alice, contact_id)
    await add_bank(world, alice, message, "insights", INSIGHTS)
    text = texts_by_bank_id(harness, contact_id)

    # Autocomplete offers the list numbered as shown, and sends the question, not its number.
    choices = await world.emulator.autocomplete(
        alice,
        world.guild,
        "prepare star",
        options={"contact": str(contact_id), "question": "culture"},
        focused="question",
    )
    assert [c["name"] for c in choices] == [f"4. {text['insights-culture']}"]
    reply = await (await star(world, alice, contact_id, choices[0]["value"])).message()
    assert reply.ephemeral
    assert "⭐ Starred question 4" in reply.text()
    assert f"**4.** ⭐ {text['insights-culture']}" in reply.text()
    assert "1/3 starred" in reply.text()

    # By its number: a star marks a question where it stands, so numbers never shift.
    reply = await (await star(world, alice, contact_id, "2")).message()
    assert f"**2.** ⭐ {text['insights-path']}" in reply.text()
    assert f"**4.** ⭐ {text['insights-culture']}" in reply.text()
    assert events(harness, contact_id)[-1] == (
        "question_starred",
        {"category": "insights", "bank_id": "insights-path"},
    )
    choices = await world.emulator.autocomplete(
        alice,
        world.guild,
        "prepare unstar",
        options={"contact": str(contact_id), "question": ""},
        focused="question",
    )
    assert [c["name"][:4] for c in choices] == ["⭐ 2.", "⭐ 4."]

    # The builder shows the same order and stars.
    message = await open_builder(world, alice, contact_id)
    assert f"**4.** ⭐ {text['insights-culture']} · *Insights*" in message.text()
    assert f"**1.** {text['insights-surprise']}" in message.text()
    assert "⭐ 2/3 starred" in message.text()

    # The reminder an hour before: the starred ones first, marked, then the first unstarred.
    (due,) = query(
        harness.db_path,
        "SELECT due_at FROM nudges WHERE contact_id = ? AND kind = 'top_questions'",
        (contact_id,),
    )
    harness.clock.set(datetime.fromisoformat(due["due_at"]))
    await harness.bot.dispatcher.dispatch_due()
    (dm,) = [m for m in world.emulator.dms(alice.id) if "In about an hour" in m.text()]
    assert (
        "Your top questions (⭐ the ones you starred):\n"
        f"1. ⭐ {text['insights-path']}\n"
        f"2. ⭐ {text['insights-culture']}\n"
        f"3. {text['insights-surprise']}\n"
    ) in dm.text()
    assert text["insights-enjoy"] not in dm.text()


async def test_a_fourth_star_is_refused_and_unstar_frees_one(world: World, harness: BotHarness):
    alice = world.student("alice")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    await add_bank(world, alice, message, "insights", INSIGHTS)
    for number in ("1", "2", "3"):
        await (await star(world, alice, contact_id, number)).message()
    before = database_snapshot(harness.db_path)
    refused = await star(world, alice, contact_id, "4")
    await assert_private_error(
        refused, "already starred 3 questions", "Unstar one first with `/prepare unstar`"
    )
    assert database_snapshot(harness.db_path) == before
    missing = await star(world, alice, contact_id, "9")
    await assert_private_error(missing, "isn't on your list", "`/prepare questions`")
    assert database_snapshot(harness.db_path) == before

    reply = await (await star(world, alice, contact_id, "1", command="prepare unstar")).message()
    assert "Took the star off" in reply.text()
    assert "2/3 starred" in reply.text()
    reply = await (await star(world, alice, contact_id, "4")).message()
    assert "3/3 starred" in reply.text()
    starred = query(
        harness.db_path,
        "SELECT count(*) AS n FROM contact_questions"
        " WHERE contact_id = ? AND starred_at IS NOT NULL",
        (contact_id,),
    )
    assert starred[0]["n"] == 3


async def test_the_builder_stars_and_unstars_in_place(world: World, harness: BotHarness):
    alice, mallory = world.student("alice"), world.student("mallory")
    contact_id = await add_contact(world, harness, alice)
    message = await open_builder(world, alice, contact_id)
    assert not [s for s in message.selects() if s["custom_id"].startswith("ic:qs:")]
    message = await add_bank(world, alice, message, "insights", INSIGHTS)
    text = texts_by_bank_id(harness, contact_id)
    menu = select_with(message, "ic:qs:")
    assert menu["max_values"] == 1
    third = menu["options"][2]["value"]
    await harness.restart()  # the menu is persistent
    ix = await pick(world, alice, message, "ic:qs:", [third])
    assert (await ix.response()).type == 7
    updated = await ix.message()
    assert updated.id == message.id
    assert "Starred question 3" in updated.text()
    assert f"**3.** ⭐ {text['insights-enjoy']}" in updated.text()
    option = select_with(updated, "ic:qs:")["options"][2]
    assert option["value"] == third
    assert option["emoji"]["name"] == "⭐"
    assert option["description"] == "Starred: pick to unstar"

    before = database_snapshot(harness.db_path)
    ix = await pick(world, mallory, updated, "ic:qs:", [third], strict=False)
    await assert_private_error(ix, "belongs to someone else")
    assert database_snapshot(harness.db_path) == before

    ix = await pick(world, alice, updated, "ic:qs:", [third])
    updated = await ix.message()
    assert "Took the star off question 3" in updated.text()
    assert "⭐" not in updated.embeds[0]["description"]
    assert [k for k, _ in events(harness, contact_id)][-2:] == [
        "question_starred",
        "question_unstarred",
    ]
