"""Stop on a reminder, end to end: a press on an old reminder whose step is behind the student
changes nothing and says why; Stop says whose reminders it turned off (all of them) and turns
them back on from the same DM or from ``/progress contact``; the referrals reminder names the
one referral left and logs them in one click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.actions.planner import occurrence_of
from bot.domain.nudge_kinds import NudgeKind
from bot.nudges.buttons import nudge_view, referral_labels
from bot.storage.contacts import get_contact_by_id, referrals_of
from bot.storage.nudges import get_nudge
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.test_dm_actions import (
    FOLLOW_UP_AT,
    SECOND_CONTACT_AT,
    contact,
    deliver_at,
    labels,
    live,
    met_with_referrals,
    nudge_id_of,
    nudge_row,
    ok,
    press,
    reply_of,
    requested,
)

REPLIED_AT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Monday 7 December, 10:00 New York


def pending_kinds(harness: BotHarness, cid: int) -> set[str]:
    rows = query(
        harness.db_path,
        "SELECT kind FROM nudges WHERE contact_id = ? AND status = 'pending'",
        (cid,),
    )
    return {r["kind"] for r in rows}


def history(harness: BotHarness, cid: int) -> list[str]:
    sql = "SELECT kind FROM events WHERE contact_id = ? ORDER BY id"
    rows = query(harness.db_path, sql, (cid,))
    return [r["kind"] for r in rows]


async def test_stop_on_a_reminder_whose_step_is_behind_the_student_changes_nothing(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "stale")
    await deliver_at(harness, SECOND_CONTACT_AT)  # the 3B reminder
    (dm,) = emu.dms(student.id)
    harness.clock.set(REPLIED_AT)
    await ok(world, student, "request reply", contact=str(cid))  # Ada replied: 3B is behind
    await ok(world, student, "prepare schedule", contact=str(cid), date="2026-12-15", time="10:00")
    meeting_reminders = pending_kinds(harness, cid)
    assert {"prepare", "confirm", "top_questions"} <= meeting_reminders
    harness.clock.set(REPLIED_AT + timedelta(days=3))
    await harness.restart()

    before = database_snapshot(harness.db_path)
    for label in ("Stop for this contact", "Snooze to next business day", "Done"):
        ix = await press(world, student, dm, label, strict=False)
        answer = await ix.message()
        assert answer.ephemeral
        assert answer.text() == (
            "🕰️ This reminder is out of date: Ada Lovelace replied on Mon 7 Dec. Nothing changed."
        )
    assert database_snapshot(harness.db_path) == before
    assert not contact(harness, cid)["nudges_stopped"]
    assert pending_kinds(harness, cid) == meeting_reminders
    assert nudge_row(harness, nudge_id_of(dm))["action"] is None
    # The old message's answers are greyed out; adding someone there stays possible.
    assert live(dm) == ["Add the second person"]


async def test_stop_names_the_contact_and_its_button_turns_the_reminders_back_on(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "stopper")
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = emu.dms(student.id)
    assert "follow_up" in pending_kinds(harness, cid)

    stopped = await press(world, student, dm, "Stop for this contact")
    text = await reply_of(stopped)
    assert (
        "✅ 🔕 All reminders for **Ada Lovelace (Acme)** are off: this one and every later one, "
        "meeting and thank-you reminders included. Pressed it by mistake? Press **Turn "
        "reminders back on**." in text
    )
    assert contact(harness, cid)["nudges_stopped"] == 1
    assert pending_kinds(harness, cid) == set()
    assert live(dm) == ["Add the second person", "Turn reminders back on"]
    # Adding someone there afterwards redraws the reminder: the undo its text names stays.
    opened = await press(world, student, dm, "Add the second person")
    saved = await emu.submit_modal(student, opened, {"person": "Ben Ortiz", "role": ""})
    assert "✅ Added **Ben Ortiz**" in await reply_of(saved)
    assert live(dm) == ["Add the second person", "Turn reminders back on"]

    await harness.restart()
    resumed = await press(world, student, dm, "Turn reminders back on")
    follow_up = int(FOLLOW_UP_AT.timestamp())
    assert (
        "🔔 Reminders for **Ada Lovelace (Acme)** are back on. I'll remind you of the next step "
        f"<t:{follow_up}:R>." in await reply_of(resumed)
    )
    assert contact(harness, cid)["nudges_stopped"] == 0
    assert pending_kinds(harness, cid) == {"follow_up"}  # re-planned from where Ada stands
    assert "Turn reminders back on" not in labels(dm)
    assert history(harness, cid)[-2:] == ["nudge_stopped", "nudges_resumed"]

    story = await ok(world, student, "progress", contact=str(cid))
    description = story.embeds[0]["description"]
    assert "Stopped all reminders for this contact (pressed on the 3B reminder)" in description
    assert "Turned reminders back on" in description
    assert "🔕" not in description
    assert story.buttons() == []

    await deliver_at(harness, FOLLOW_UP_AT)  # the reminders come again
    assert "I sent the follow-up" in labels(emu.dms(student.id)[-1])


async def test_progress_shows_a_stopped_contact_and_turns_its_reminders_back_on(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "progress")
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = emu.dms(student.id)
    await press(world, student, dm, "Stop for this contact")

    story = await ok(world, student, "progress", contact=str(cid))
    assert story.ephemeral
    description = story.embeds[0]["description"]
    assert description.startswith("🔕 **Reminders off for this contact** (you pressed Stop).")
    assert labels(story) == ["Turn reminders back on"]

    await harness.restart()
    mallory = world.student("mallory")
    before = database_snapshot(harness.db_path)
    stolen = await press(world, mallory, story, "Turn reminders back on", strict=False)
    assert "⚠️" in await reply_of(stolen)
    assert database_snapshot(harness.db_path) == before

    ix = await press(world, student, story, "Turn reminders back on")
    assert (await ix.response()).type == 7  # the story itself is updated
    updated = await ix.message()
    assert "are back on" in updated.text()
    assert "🔔 **Reminders back on for this contact.**" in updated.embeds[0]["description"]
    assert updated.buttons() == []
    assert contact(harness, cid)["nudges_stopped"] == 0
    assert pending_kinds(harness, cid) == {"follow_up"}


async def test_the_referrals_button_names_the_one_referral_left_and_logs_in_one_click(
    world: World, harness: BotHarness
):
    student, cid = await met_with_referrals(world, harness, "oneref")
    bot = harness.bot
    priya, tom = sorted(await referrals_of(bot.db, cid), key=lambda r: r.person)
    harness.clock.set(datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    await ok(world, student, "request sent", contact=str(priya.id))
    # The referrals reminder as delivered with the label for one referral left.
    now = harness.clock.now()
    record = await get_contact_by_id(bot.db, cid)
    assert record is not None
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, status, sent_at, created_at, updated_at)"
            " VALUES (?, ?, ?, 'referrals', ?, ?, ?, 'sent', ?, ?, ?) RETURNING id",
            (
                world.guild.id,
                student.id,
                cid,
                occurrence_of(NudgeKind.REFERRALS, record),
                *[now.isoformat()] * 5,
            ),
        )
        inserted = await cursor.fetchone()
    assert inserted is not None
    row = await get_nudge(bot.db, int(inserted[0]))
    assert row is not None
    view = nudge_view(row, labels=referral_labels([tom]))
    channel = await bot.create_dm(discord.Object(student.id))
    await channel.send("🤝 Ada suggested **Tom Ruiz** (Initech): reach out to them now.", view=view)
    dm: Any = world.emulator.dms(student.id)[-1]
    assert labels(dm)[0] == "I reached out to Tom Ruiz"

    await harness.restart()
    logged = await press(world, student, dm, "I reached out to Tom Ruiz")
    text = await reply_of(logged)
    assert "✅ Logged: you reached out to **Tom Ruiz (Initech)** on Friday 11 December 2026" in text
    assert "That's everyone Ada Lovelace suggested." in text
    assert contact(harness, tom.id)["stage"] == "requested"
    assert nudge_row(harness, row.id)["action"] == "done"
    assert live(dm) == []  # nothing left for the button to do


async def test_scheduling_a_stopped_contact_says_its_reminders_are_off(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "quiet")
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = emu.dms(student.id)
    await press(world, student, dm, "Stop for this contact")
    reply = await emu.slash(student, world.guild, "request reply", options={"contact": str(cid)})
    await reply.message()
    ix = await emu.slash(
        student,
        world.guild,
        "prepare schedule",
        options={"contact": str(cid), "date": "2026-12-15", "time": "10:00"},
    )
    text = (await ix.message()).text()
    assert "Scheduled: your meeting with **Ada Lovelace (Acme)**" in text
    assert (
        "🔕 Reminders are off for this contact (you pressed Stop), so no preparation, confirm "
        "or 1-hour reminders will come." in text
    )
    assert pending_kinds(harness, cid) == set()  # as it says
