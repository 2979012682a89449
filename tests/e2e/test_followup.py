"""/followup end to end: checklist, thank-you outline, logging thanked / reported back / kept in
touch with exact stored instants, closing and reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.contacts import Stage
from bot.storage.contacts import set_meeting, set_stage
from bot.storage.interview_notes import save_notes
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday 10:00 in New York
MET = datetime(2026, 12, 9, 19, 30, tzinfo=UTC)  # Wednesday 14:30 in New York


async def add_contact(world: World, user, person="Ada Lovelace", organization="Acme") -> int:
    ix = await world.emulator.slash(
        user, world.guild, "request new", options={"person": person, "organization": organization}
    )
    message = await ix.message()
    (contact_id,) = {int(b["custom_id"].split(":")[3]) for b in message.buttons()}
    return contact_id


async def set_zone(world: World, user, zone="America/New_York") -> None:
    ix = await world.emulator.slash(user, world.guild, "settings timezone", options={"name": zone})
    await ix.message()


async def move_to(harness: BotHarness, contact_id: int, stage: Stage, at: datetime) -> None:
    async with harness.bot.db.transaction() as tx:
        await set_stage(tx, contact_id, stage, at, at)


def row_of(harness: BotHarness, contact_id: int):
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return row


def kinds(harness: BotHarness, contact_id: int) -> list[str]:
    rows = query(
        harness.db_path, "SELECT kind FROM events WHERE contact_id = ? ORDER BY id", (contact_id,)
    )
    return [r["kind"] for r in rows]


async def run(world: World, user, command: str, **options):
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert message.ephemeral, message
    return message


@pytest.fixture(autouse=True)
def _fixed_clock(harness: BotHarness):
    harness.clock.set(NOW)


# --- registration and checklist ---------------------------------------------------------------


async def test_followup_commands_are_registered(world: World, harness: BotHarness):
    (followup,) = [c for c in world.emulator.commands() if c["name"] == "followup"]
    assert {o["name"] for o in followup["options"]} == {
        "checklist",
        "draft",
        "thank-you",
        "thanked",
        "told-referrer",
        "reported-back",
        "kept-in-touch",
        "close",
        "reopen",
    }
    close = next(o for o in followup["options"] if o["name"] == "close")
    reason = next(o for o in close["options"] if o["name"] == "reason")
    assert [c["value"] for c in reason["choices"]] == ["no_reply", "declined", "other"]


async def test_checklist_is_the_followup_one_and_ticks_in_place(world: World, harness: BotHarness):
    alice = world.student("alice")
    await add_contact(world, alice, person="First")
    second = await add_contact(world, alice, person="Second")
    message = await run(world, alice, "followup checklist")
    assert "Following up · Second (Acme)" in message.text()
    assert "0/7" in message.text()
    click = await world.emulator.click(alice, message, message.buttons()[1]["custom_id"])
    updated = await click.message()
    assert updated.id == message.id
    assert "1/7" in updated.text()
    ticks = query(
        harness.db_path,
        "SELECT phase, item_id FROM checklist_ticks WHERE contact_id = ?",
        (second,),
    )
    assert [(t["phase"], t["item_id"]) for t in ticks] == [("followup", "thank-you")]


async def test_checklist_without_contacts_says_how_to_add_one(world: World, harness: BotHarness):
    nobody = world.student("nobody")
    message = await run(world, nobody, "followup checklist")
    assert "/request new" in message.text()


# --- thank-you outline ------------------------------------------------------------------------


async def test_thank_you_outline_uses_the_takeaway_and_the_24_hour_deadline(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice, person="Grace Hopper", organization="Navy Labs")
    await move_to(harness, cid, Stage.MET, MET)
    async with harness.bot.db.transaction() as tx:
        await save_notes(
            tx,
            cid,
            "Long chat about compilers.",
            "- Small teams ship faster than big ones. Also: read the COBOL spec.\n- Second",
            NOW,
        )
    message = await run(world, alice, "followup thank-you", contact=str(cid))
    text = message.text()
    assert "Dear [Ms./Mr./Dr. Hopper or Grace]," in text
    assert "your advice on [in your own words: Small teams ship faster than big ones]." in text
    assert "Second" in message.embeds[0]["fields"][0]["value"]  # the notes beside the draft
    assert "Navy Labs" in text
    assert "yesterday" in text  # met Wednesday, today is Thursday in New York
    assert alice.name not in text  # signed "[Your full name]", never the Discord handle
    assert "Best regards,\n[Your full name]" in text
    assert "never email" in text
    deadline = int((MET + timedelta(hours=24)).timestamp())
    assert f"<t:{deadline}:R>" in text
    assert "/followup thanked" in text
    assert message.embeds[0]["description"].startswith("```")
    assert kinds(harness, cid)[-1] == "thank_you_outlined"
    assert row_of(harness, cid)["stage"] == "met"  # an outline changes nothing else


async def test_thank_you_without_a_takeaway_leaves_a_clear_blank(world: World, harness: BotHarness):
    alice = world.student("alice")
    cid = await add_contact(world, alice, person="Linus")
    await move_to(harness, cid, Stage.MET, MET)
    message = await run(world, alice, "followup thank-you", contact=str(cid))
    text = message.text()
    assert "[one specific thing you learned, in your own words]" in text
    assert "No takeaway notes recorded" in text
    assert "Dear [Ms./Mr./Dr. Linus or first name]," in text
    assert "speaking with me recently" in text  # no time zone: the day is not named


async def test_thank_you_is_refused_before_the_meeting(world: World, harness: BotHarness):
    alice = world.student("alice")
    cid = await add_contact(world, alice, person="Linus")
    before = database_snapshot(harness.db_path)
    message = await run(world, alice, "followup thank-you", contact=str(cid))
    assert "no meeting with Linus is logged yet" in message.text()
    assert "`/interview done`" in message.text()
    assert not message.embeds
    assert database_snapshot(harness.db_path) == before


async def test_thank_you_outline_is_truncated_safely(world: World, harness: BotHarness):
    alice = world.student("alice")
    cid = await add_contact(world, alice, person="P" * 100, organization="O" * 100)
    await move_to(harness, cid, Stage.MET, MET)
    async with harness.bot.db.transaction() as tx:
        await save_notes(tx, cid, None, "```" + "x" * 990, NOW)
    message = await run(world, alice, "followup thank-you", contact=str(cid))
    description = message.embeds[0]["description"]
    assert len(description) <= 4096
    assert description.count("```") == 2  # the takeaway's backticks can't close the block
    assert len(message.content) <= 2000


# --- thanked / reported back / kept in touch ----------------------------------------------------


async def test_thanked_stores_the_exact_instant_and_moves_the_stage(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    today = await add_contact(world, alice, person="Today")
    past = await add_contact(world, alice, person="Past")
    for cid in (today, past):
        await move_to(harness, cid, Stage.MET, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    message = await run(world, alice, "followup thanked", contact=str(today))
    assert "Thursday 10 December 2026" in message.text()
    assert "Tuesday 15 December 2026" in message.text()  # report back: 1 Dec + 14 days
    assert "more than a day after" in message.text()
    row = row_of(harness, today)
    assert row["stage"] == "thanked"
    assert row["thanked_at"] == "2026-12-10T15:00:00.000000+00:00"  # now, exactly
    await run(world, alice, "followup thanked", contact=str(past), date="2026-12-02")
    row = row_of(harness, past)
    assert row["thanked_at"] == "2026-12-02T05:00:00.000000+00:00"  # local midnight, New York
    assert kinds(harness, past)[-1] == "thanked"
    (event,) = query(
        harness.db_path,
        "SELECT payload, at FROM events WHERE contact_id = ? AND kind = 'thanked'",
        (past,),
    )
    assert '"on": "2026-12-02"' in event["payload"]
    assert event["at"] == "2026-12-10T15:00:00.000000+00:00"


async def test_backwards_and_repeated_stages_are_refused_and_change_nothing(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice)
    await move_to(harness, cid, Stage.THANKED, MET)
    before = database_snapshot(harness.db_path)
    again = await run(world, alice, "followup thanked", contact=str(cid))
    assert "already at “thanked”" in again.text()
    backwards = await run(world, alice, "request sent", contact=str(cid))
    assert "don't move backwards" in backwards.text()
    assert database_snapshot(harness.db_path) == before
    await move_to(harness, cid, Stage.KEEPING_IN_TOUCH, NOW)
    before = database_snapshot(harness.db_path)
    thanked_late = await run(world, alice, "followup thanked", contact=str(cid))
    assert "don't move backwards" in thanked_late.text()
    assert database_snapshot(harness.db_path) == before


@pytest.mark.parametrize("command", ["thanked", "reported-back", "kept-in-touch"])
async def test_future_and_bad_dates_are_refused_and_change_nothing(
    world: World, harness: BotHarness, command
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice)
    await move_to(harness, cid, Stage.MET, MET)
    before = database_snapshot(harness.db_path)
    future = await run(world, alice, f"followup {command}", contact=str(cid), date="2026-12-11")
    assert "in the future" in future.text()
    unreadable = await run(world, alice, f"followup {command}", contact=str(cid), date="soon")
    assert "isn't a date I can read" in unreadable.text()
    early = await run(world, alice, f"followup {command}", contact=str(cid), date="2026-12-08")
    assert "before your meeting" in early.text()
    assert database_snapshot(harness.db_path) == before


async def test_logging_without_a_zone_asks_for_it_and_records_nothing(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    cid = await add_contact(world, alice)
    await move_to(harness, cid, Stage.MET, MET)
    before = database_snapshot(harness.db_path)
    prompt = await run(world, alice, "followup thanked", contact=str(cid))
    assert "time zone" in prompt.text()
    assert prompt.selects()
    assert database_snapshot(harness.db_path) == before


async def test_reported_back_needs_a_meeting_and_can_be_corrected(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice, "Europe/Berlin")
    cid = await add_contact(world, alice)
    before = database_snapshot(harness.db_path)
    early = await run(world, alice, "followup reported-back", contact=str(cid))
    assert "after the meeting" in early.text()
    assert database_snapshot(harness.db_path) == before

    await move_to(harness, cid, Stage.THANKED, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    first = await run(world, alice, "followup reported-back", contact=str(cid), date="2026-12-04")
    assert "Logged" in first.text()
    row = row_of(harness, cid)
    assert row["reported_back_at"] == "2026-12-03T23:00:00.000000+00:00"  # Berlin midnight
    assert row["stage"] == "thanked"  # not a stage change
    second = await run(world, alice, "followup reported-back", contact=str(cid))
    assert "Updated" in second.text()
    assert row_of(harness, cid)["reported_back_at"] == "2026-12-10T15:00:00.000000+00:00"
    assert kinds(harness, cid).count("reported_back") == 2


async def test_kept_in_touch_repeats_keeps_the_latest_and_notes_touches_too_close(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice)
    await move_to(harness, cid, Stage.THANKED, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    harness.clock.set(datetime(2026, 6, 1, 16, 0, tzinfo=UTC))
    first = await run(world, alice, "followup kept-in-touch", contact=str(cid))
    assert "gentle note" not in first.text()
    assert "Tuesday 29 September 2026" in first.text()  # 1 June + 120 days
    row = row_of(harness, cid)
    assert (row["stage"], row["kept_in_touch_at"]) == (
        "keeping_in_touch",
        "2026-06-01T16:00:00.000000+00:00",
    )
    harness.clock.set(datetime(2026, 7, 1, 16, 0, tzinfo=UTC))
    second = await run(world, alice, "followup kept-in-touch", contact=str(cid))
    assert "gentle note" in second.text()
    assert "30 days" in second.text()
    assert row_of(harness, cid)["kept_in_touch_at"] == "2026-07-01T16:00:00.000000+00:00"
    backdated = await run(
        world, alice, "followup kept-in-touch", contact=str(cid), date="2026-05-01"
    )
    assert "Logged" in backdated.text()
    assert row_of(harness, cid)["kept_in_touch_at"] == "2026-07-01T16:00:00.000000+00:00"
    assert kinds(harness, cid).count("kept_in_touch") == 3


# --- close and reopen -------------------------------------------------------------------------


async def test_close_for_no_reply_makes_a_curmudgeon_and_reopen_restores_the_stage(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice)
    await run(world, alice, "request sent", contact=str(cid), date="2026-11-20")
    closed = await run(world, alice, "followup close", contact=str(cid), reason="no_reply")
    assert "curmudgeon" in closed.text()
    row = row_of(harness, cid)
    assert (row["stage"], row["reply_class"], row["close_reason"], row["stage_before_close"]) == (
        "closed",
        "curmudgeon",
        "no_reply",
        "requested",
    )
    assert row["closed_at"] == "2026-12-10T15:00:00.000000+00:00"

    before = database_snapshot(harness.db_path)
    twice = await run(world, alice, "followup close", contact=str(cid), reason="declined")
    assert "already closed" in twice.text()
    logging_closed = await run(world, alice, "followup thanked", contact=str(cid))
    assert "Reopen it" in logging_closed.text()
    reported = await run(world, alice, "followup reported-back", contact=str(cid))
    assert "Reopen it" in reported.text()
    assert database_snapshot(harness.db_path) == before

    reopened = await run(world, alice, "followup reopen", contact=str(cid))
    assert "requested" in reopened.text()
    row = row_of(harness, cid)
    assert (row["stage"], row["reply_class"], row["stage_before_close"]) == (
        "requested",
        None,
        None,
    )
    before = database_snapshot(harness.db_path)
    again = await run(world, alice, "followup reopen", contact=str(cid))
    assert "isn't closed" in again.text()
    assert database_snapshot(harness.db_path) == before
    assert kinds(harness, cid)[-2:] == ["closed", "reopened"]


async def test_declined_after_a_meeting_reopens_to_met(world: World, harness: BotHarness):
    alice = world.student("alice")
    cid = await add_contact(world, alice)
    async with harness.bot.db.transaction() as tx:
        await set_meeting(
            tx, cid, meeting_at=NOW - timedelta(days=3), zone="UTC", minutes=20, now=NOW
        )
        await set_stage(tx, cid, Stage.MET, NOW - timedelta(days=3), NOW)
    closed = await run(world, alice, "followup close", contact=str(cid), reason="declined")
    assert "curmudgeon" not in closed.text()
    assert row_of(harness, cid)["reply_class"] is None
    reopened = await run(world, alice, "followup reopen", contact=str(cid))
    assert "back at “met”" in reopened.text()
    assert row_of(harness, cid)["stage"] == "met"


async def test_another_students_contact_cannot_be_closed(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    cid = await add_contact(world, alice)
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        bob, world.guild, "followup close", options={"contact": str(cid), "reason": "other"}
    )
    message = await ix.message()
    assert "couldn't find that contact" in message.text()
    assert database_snapshot(harness.db_path) == before


# --- nudges stay in step ----------------------------------------------------------------------


def live_nudges(harness: BotHarness, contact_id: int) -> set[str]:
    rows = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {r["kind"] for r in rows}


async def test_logging_and_closing_re_plan_the_contacts_reminders(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await set_zone(world, alice)
    cid = await add_contact(world, alice)
    async with harness.bot.db.transaction() as tx:
        await set_stage(tx, cid, Stage.MET, NOW - timedelta(hours=2), NOW)
        await harness.bot.planner.replan_contact(tx, cid, NOW)
    assert {"thank_you", "thank_you_again"} <= live_nudges(harness, cid)

    await run(world, alice, "followup thanked", contact=str(cid))
    after_thanks = live_nudges(harness, cid)
    assert not after_thanks & {"thank_you", "thank_you_again"}  # done: no thank-you reminder
    assert "report_back" in after_thanks

    await run(world, alice, "followup close", contact=str(cid), reason="declined")
    assert live_nudges(harness, cid) == set()
    await run(world, alice, "followup reopen", contact=str(cid))
    assert "report_back" in live_nudges(harness, cid)

    await run(world, alice, "followup reported-back", contact=str(cid))
    assert "report_back" not in live_nudges(harness, cid)
