"""Checklists that tick themselves, end to end: logged actions tick their items (and say so),
the "finish preparing" reminder ignores day-of items, staff can tie an added item to an action,
a checklist's buttons work in a DM, and the search-wide steps are on /progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import discord
import pytest

from bot.storage.contacts import get_contact_by_id
from bot.ui.checklist import show_checklist
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.staff_world import assert_private_error, new_server

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
SUCCESS, SECONDARY = 3, 2  # button styles
GOOD_EMAIL = (
    "Dear Ms. Lee,\n\nI'm a fellow Acme University alum and found your profile in the alumni "
    "directory. Your work on supply-chain analytics at Globex caught my eye, and I'd love to "
    "learn how you got into the field. Would you have 15 minutes to share your experience?\n\n"
    "Best,\nSam"
)


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def run(world: World, user, command: str, **options):
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert message.ephemeral, message
    return message


async def new_contact(world: World, harness: BotHarness, user, person="Ada Lovelace") -> int:
    await run(world, user, "request new", person=person, organization="Acme")
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return row["id"]


def lines(message) -> list[str]:
    return message.embeds[0]["description"].splitlines()


def line_of(message, number: int) -> str:
    (line,) = [line for line in lines(message) if f"**{number}.**" in line]
    return line


def stored_ticks(harness: BotHarness, contact_id: int) -> list[tuple[str, str]]:
    rows = query(
        harness.db_path,
        "SELECT phase, item_id FROM checklist_ticks WHERE contact_id = ? ORDER BY item_id",
        (contact_id,),
    )
    return [(r["phase"], r["item_id"]) for r in rows]


async def test_logged_actions_tick_the_request_checklist(world: World, harness: BotHarness):
    emu = world.emulator
    sam = world.student("sam")
    await run(world, sam, "settings timezone", name="America/New_York")
    contact_id = await new_contact(world, harness, sam)
    before = await run(world, sam, "request checklist")
    assert line_of(before, 5) == (
        "⬜ **5.** Send the email, and log it the day it goes out · ticks itself when you log "
        "it with `/request sent`"
    )
    assert "0/8" in before.text()

    # A failed check ticks nothing: the item says what will tick it.
    ix = await emu.slash(sam, world.guild, "request check-email")
    bad = "Hello, I would love to apply for an internship. I attached my resume. Thanks, Sam"
    assert "❌" in (await (await emu.submit_modal(sam, ix, {"draft": bad})).message()).text()
    failed = await run(world, sam, "request checklist")
    assert line_of(failed, 4) == (
        "⬜ **4.** Run your draft through the email checker, then fix what it flags · ticks "
        "itself when a draft passes every rule of `/request check-email`"
    )

    ix = await emu.slash(sam, world.guild, "request check-email")
    await (await emu.submit_modal(sam, ix, {"draft": GOOD_EMAIL})).message()
    await run(world, sam, "request sent", contact=str(contact_id))

    after = await run(world, sam, "request checklist")
    assert line_of(after, 4) == (
        "✅ **4.** Run your draft through the email checker, then fix what it flags · ticked "
        "automatically: a draft passed every rule of `/request check-email`"
    )
    assert line_of(after, 5) == (
        "✅ **5.** Send the email, and log it the day it goes out · ticked automatically when "
        "you logged it with `/request sent`"
    )
    assert line_of(after, 8).startswith("⬜ **8.** When they reply, log it the same day")
    assert "2/8" in after.text()
    assert "Greyed-out numbers were ticked by what you logged" in after.text()
    buttons = after.buttons()
    assert [(b["label"], b["style"], b["disabled"]) for b in buttons[3:5]] == [
        ("4", SUCCESS, True),
        ("5", SUCCESS, True),
    ]
    assert not any(b["disabled"] for b in buttons[:3] + buttons[5:])
    assert stored_ticks(harness, contact_id) == []  # derived, not stored

    # The button rendered before the request was logged: pressing it changes nothing (the
    # logged action wins) and shows the checklist as it is now.
    snapshot = database_snapshot(harness.db_path)
    click = await emu.click(sam, before, before.buttons()[4]["custom_id"])
    assert (await click.response()).type == 7
    shown = await click.message()
    assert shown.id == before.id
    assert line_of(shown, 5).startswith("✅ **5.**")
    assert "2/8" in shown.text()
    assert database_snapshot(harness.db_path) == snapshot

    # Logging the reply ticks item 8.
    await run(world, sam, "request reply", contact=str(contact_id))
    replied = await run(world, sam, "request checklist")
    assert line_of(replied, 8).endswith(
        "ticked automatically when you logged it with `/request reply`"
    )
    assert "3/8" in replied.text()


def pending(harness: BotHarness, contact_id: int) -> dict[str, str]:
    rows = query(
        harness.db_path,
        "SELECT kind, due_at FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (contact_id,),
    )
    return {r["kind"]: r["due_at"] for r in rows}


async def add_bank_questions(world: World, user, contact_id: int, ids: list[str]) -> None:
    emu = world.emulator
    message = await run(world, user, "prepare questions", contact=str(contact_id))
    (category,) = [s for s in message.selects() if s["custom_id"].startswith("ic:qc:")]
    message = await (await emu.select(user, message, category["custom_id"], ["trends"])).message()
    (bank,) = [s for s in message.selects() if s["custom_id"].startswith("ic:qb:")]
    await (await emu.select(user, message, bank["custom_id"], ids)).message()


async def test_the_prepare_reminder_is_not_planned_when_only_day_of_items_are_open(
    world: World, harness: BotHarness
):
    emu = world.emulator
    sam = world.student("sam")
    await run(world, sam, "settings timezone", name="America/New_York")
    contact_id = await new_contact(world, harness, sam, person="Grace Hopper")
    await run(
        world, sam, "prepare schedule", contact=str(contact_id), date="2026-12-10", time="14:00"
    )
    # Thursday 10 December 14:00 New York: "finish preparing" three days before.
    assert pending(harness, contact_id)["prepare"] == "2026-12-07T19:00:00.000000+00:00"
    await add_bank_questions(
        world, sam, contact_id, ["trends-skills", "trends-excited", "trends-changes"]
    )

    checklist = await run(world, sam, "prepare checklist")
    assert line_of(checklist, 1).endswith(
        "ticked automatically when you scheduled it with `/prepare schedule`"
    )
    assert line_of(checklist, 4).endswith(
        "ticked automatically: you have 3 or more questions in `/prepare questions`"
    )
    assert "2/10" in checklist.text()
    by_hand = ["2", "3", "5", "6", "7", "10"]  # 8 and 9 (confirm, arrive early) are day-of
    for label in by_hand:
        if label == by_hand[-1]:
            # One step that can be done before the day is still open: the reminder stays.
            assert "prepare" in pending(harness, contact_id)
        button = checklist.button(label=label)
        assert not button["disabled"]
        checklist = await (await emu.click(sam, checklist, button["custom_id"])).message()
    assert "8/10" in checklist.text()
    assert line_of(checklist, 8).startswith("⬜ **8.** Confirm the day before")
    assert line_of(checklist, 9).startswith("⬜ **9.** Plan to arrive")
    left = pending(harness, contact_id)
    assert "prepare" not in left  # only day-of items are open
    assert set(left) == {"confirm", "top_questions"}

    # Unticking a step that can be done before the day brings the reminder back, same time.
    checklist = await (
        await emu.click(sam, checklist, checklist.button(label="10")["custom_id"])
    ).message()
    assert pending(harness, contact_id)["prepare"] == "2026-12-07T19:00:00.000000+00:00"


async def test_preparing_before_scheduling_means_no_prepare_reminder_at_all(
    world: World, harness: BotHarness
):
    emu = world.emulator
    sam = world.student("sam")
    await run(world, sam, "settings timezone", name="America/New_York")
    contact_id = await new_contact(world, harness, sam, person="Alan Turing")
    await add_bank_questions(
        world, sam, contact_id, ["trends-skills", "trends-excited", "trends-changes"]
    )
    checklist = await run(world, sam, "prepare checklist")
    for label in ("2", "3", "5", "6", "7", "10"):
        checklist = await (
            await emu.click(sam, checklist, checklist.button(label=label)["custom_id"])
        ).message()
    await run(
        world, sam, "prepare schedule", contact=str(contact_id), date="2026-12-10", time="14:00"
    )
    kinds = query(harness.db_path, "SELECT kind FROM nudges WHERE contact_id = ?", (contact_id,))
    assert sorted(r["kind"] for r in kinds) == ["confirm", "top_questions"]


async def test_a_staff_added_item_can_tick_itself(world: World, harness: BotHarness):
    server = new_server(world)
    (staff_command,) = [c for c in world.emulator.commands() if c["name"] == "staff"]
    checklist_group = next(o for o in staff_command["options"] if o["name"] == "checklist")
    add = next(o for o in checklist_group["options"] if o["name"] == "add")
    done_by = next(o for o in add["options"] if o["name"] == "done_by")
    assert not done_by.get("required", False)
    assert {c["value"] for c in done_by["choices"]} >= {"request_sent", "thanked"}

    added = await server.staff(
        "checklist add",
        phase="request",
        text="Tell the careers office who you wrote to",
        done_by="request_sent",
    )
    assert "Added item 9" in added.text()
    assert "It ticks itself for each student once they log it: Request logged" in added.text()
    shown = (await server.staff("checklist show", phase="request")).text()
    assert (
        "**9.** Tell the careers office who you wrote to · *added* · ticks itself: "
        "Request logged (/request sent)"
    ) in shown
    (audit,) = query(
        harness.db_path,
        "SELECT detail FROM staff_audit WHERE guild_id = ? AND action = 'checklist_item_added'",
        (server.guild.id,),
    )
    assert json.loads(audit["detail"])["done_by"] == "request_sent"

    sam = server.member("sam")
    await server.run(sam, "settings timezone", name="America/New_York")
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (sam.id,))
    before = await server.run(sam, "request checklist")
    assert line_of(before, 9).endswith("ticks itself when you log it with `/request sent`")
    await server.run(sam, "request sent", contact=str(row["id"]))
    after = await server.run(sam, "request checklist")
    assert line_of(after, 9) == (
        "✅ **9.** Tell the careers office who you wrote to · ticked automatically when you "
        "logged it with `/request sent`"
    )
    assert after.buttons()[8]["disabled"]
    assert "2/9" in after.text()  # with "Send the email"

    snapshot = database_snapshot(harness.db_path)
    refused = await server.run(
        server.admin,
        "staff checklist add",
        strict=False,
        phase="request",
        text="Become famous",
        done_by="became_famous",
    )
    await assert_private_error(refused, "isn't a valid value for that option")
    assert database_snapshot(harness.db_path) == snapshot


async def send_checklist_dm(harness: BotHarness, user, contact_id: int, phase: str):
    """What a reminder carrying the contact's checklist sends: the checklist, in a DM."""
    bot = harness.bot
    contact = await get_contact_by_id(bot.db, contact_id)
    assert contact is not None
    embed, view = await show_checklist(bot.actions, contact, phase)
    channel = await bot.create_dm(discord.Object(user.id))
    return await channel.send(embed=embed, view=view)


async def test_checklist_ticks_work_in_a_dm_also_after_a_restart(world: World, harness: BotHarness):
    emu = world.emulator
    sam, mallory = world.student("sam"), world.student("mallory")
    contact_id = await new_contact(world, harness, sam, person="Katherine Johnson")
    sent = await send_checklist_dm(harness, sam, contact_id, "prepare")
    (dm,) = emu.dms(sam.id)
    assert dm.id == sent.id
    assert "Preparing for the meeting · Katherine Johnson (Acme)" in dm.text()

    click = await emu.click(sam, dm, dm.button(label="2")["custom_id"])
    assert (await click.response()).type == 7
    updated = await click.message()
    assert updated.id == dm.id
    assert "1/10" in updated.text()
    assert updated.button(label="2")["style"] == SUCCESS
    assert stored_ticks(harness, contact_id) == [("prepare", "research-person")]
    (event,) = query(
        harness.db_path,
        "SELECT guild_id, kind FROM events WHERE contact_id = ? AND kind LIKE 'checklist_%'",
        (contact_id,),
    )
    assert (event["guild_id"], event["kind"]) == (world.guild.id, "checklist_ticked")

    await harness.restart()
    click = await emu.click(sam, updated, updated.button(label="2")["custom_id"])
    again = await click.message()
    assert "0/10" in again.text()
    assert again.button(label="2")["style"] == SECONDARY
    assert stored_ticks(harness, contact_id) == []

    # Someone else pressing it (a forged click: Discord shows a DM only to its owner).
    snapshot = database_snapshot(harness.db_path)
    forged = await emu.click(mallory, again, again.button(label="3")["custom_id"], strict=False)
    await assert_private_error(await forged.message(), "belongs to someone else")
    assert database_snapshot(harness.db_path) == snapshot


async def test_search_wide_steps_are_on_the_overview_not_on_each_contact(
    world: World, harness: BotHarness
):
    sam = world.student("sam")
    await new_contact(world, harness, sam)
    checklist = await run(world, sam, "request checklist")
    assert "LAMP" not in checklist.text()
    overview = await run(world, sam, "progress")
    description = overview.embeds[0]["description"]
    assert (
        "**Your search**\n"
        "• Build a LAMP list of about 40 employers\n"
        "• Work your top 5 employers from the LAMP list first\n"
    ) in description
    assert description.index("Your funnel") < description.index("Your search")
    assert description.endswith("What is due first comes first.")
