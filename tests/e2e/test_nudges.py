"""Nudges end to end: planned rows, DMs at the right instants, buttons after a restart, and
exactly-once delivery through faults. The clock is injected; nothing waits for real time."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.contacts import set_meeting
from bot.storage.students import update_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

DELIVER_NUDGES = True  # the real APScheduler alarm runs in this module

FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 in New York
SECOND_CONTACT_AT = "2026-12-03T14:00:00.000000+00:00"  # Thursday 09:00 New York
FOLLOW_UP_AT = "2026-12-09T14:00:00.000000+00:00"  # Wednesday 09:00 New York


async def requested_contact(world: World, harness: BotHarness, *, digest: bool = False):
    """A student in New York with one contact whose request went out on Friday afternoon."""
    emu = world.emulator
    student = world.student("nudged")
    harness.clock.set(FRIDAY_AFTERNOON)
    ix = await emu.slash(
        student, world.guild, "settings timezone", options={"name": "America/New_York"}
    )
    await ix.message()
    if not digest:  # keep these tests about contact nudges
        bot, now = harness.bot, harness.clock.now()
        async with bot.db.transaction() as tx:
            await update_settings(tx, world.guild.id, student.id, now, digest_day=None)
            await bot.planner.replan_digest(tx, world.guild.id, student.id, now)
    ix = await emu.slash(
        student,
        world.guild,
        "request new",
        options={"person": "Ada Lovelace", "organization": "Acme"},
    )
    await ix.message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(student, world.guild, "request sent", options={"contact": str(row["id"])})
    await ix.message()
    return student, row["id"]


def nudges_of(harness: BotHarness, user, *, digest: bool = False) -> list[sqlite3.Row]:
    """The student's contact nudges (or digests), soonest first."""
    which = "contact_id IS NULL" if digest else "contact_id IS NOT NULL"
    return query(
        harness.db_path,
        f"SELECT * FROM nudges WHERE user_id = ? AND {which} ORDER BY due_at, id",
        (user.id,),
    )


async def deliver_at(harness: BotHarness, instant: datetime):
    harness.clock.set(instant)
    return await harness.bot.dispatcher.dispatch_due()


async def test_friday_afternoon_request_nudges_on_thursday_and_wednesday(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    pending = [
        (n["kind"], n["due_at"]) for n in nudges_of(harness, student) if n["status"] == "pending"
    ]
    assert pending == [("second_contact", SECOND_CONTACT_AT), ("follow_up", FOLLOW_UP_AT)]
    assert harness.bot.alarm.armed_for is not None
    assert harness.bot.alarm.armed_for <= datetime.fromisoformat(SECOND_CONTACT_AT)

    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT) - timedelta(seconds=1))
    assert emu.dms(student.id) == []

    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT))
    (dm,) = emu.dms(student.id)
    assert "3 business days" in dm.text()
    assert "Ada Lovelace" in dm.text()
    assert "should have reached you" not in dm.text()
    assert [b["label"] for b in dm.buttons()] == [
        "Add the second person",
        "Done",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    sent = {n["kind"]: n for n in nudges_of(harness, student)}
    assert sent["second_contact"]["status"] == "sent"
    assert sent["second_contact"]["message_id"] == dm.id

    await deliver_at(harness, datetime.fromisoformat(FOLLOW_UP_AT))
    assert len(emu.dms(student.id)) == 2
    assert "7 business days" in emu.dms(student.id)[1].text()
    assert emu.dm_open_calls(student.id) == 1  # the DM channel id was stored and reused


async def test_logging_the_reply_cancels_the_3b7_nudges(world: World, harness: BotHarness):
    emu = world.emulator
    student, contact_id = await requested_contact(world, harness)
    harness.clock.set(FRIDAY_AFTERNOON + timedelta(days=3))
    ix = await emu.slash(
        student, world.guild, "request reply", options={"contact": str(contact_id)}
    )
    await ix.message()
    statuses = {n["kind"]: n["status"] for n in nudges_of(harness, student)}
    assert statuses == {
        "second_contact": "cancelled",
        "follow_up": "cancelled",
        "schedule": "pending",  # now: offer times to meet
        "schedule_again": "pending",
    }
    async with harness.bot.db.transaction() as tx:  # keep this test about 3B7 only
        await tx.execute("UPDATE nudges SET status = 'cancelled' WHERE kind LIKE 'schedule%'")
    await deliver_at(harness, datetime.fromisoformat(FOLLOW_UP_AT) + timedelta(days=1))
    assert emu.dms(student.id) == []


async def test_late_delivery_says_it_is_late_and_waits_for_morning(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    # The bot was down from Thursday 09:00 until Friday 03:00 New York (quiet hours).
    await deliver_at(harness, datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    assert emu.dms(student.id) == []
    (row,) = [n for n in nudges_of(harness, student) if n["kind"] == "second_contact"]
    assert row["status"] == "pending"
    assert row["due_at"] == "2026-12-04T13:00:00.000000+00:00"  # 08:00 New York, quiet hours end
    await deliver_at(harness, datetime(2026, 12, 4, 13, 0, tzinfo=UTC))
    (dm,) = emu.dms(student.id)
    assert "should have reached you" in dm.text()


async def test_done_snooze_and_stop_work_after_a_restart(world: World, harness: BotHarness):
    emu = world.emulator
    student, contact_id = await requested_contact(world, harness)
    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT))
    await deliver_at(harness, datetime.fromisoformat(FOLLOW_UP_AT))
    second, follow = emu.dms(student.id)
    await harness.restart()

    snoozed = await emu.click(
        student, second, second.button(label="Snooze to next business day")["custom_id"]
    )
    assert (await snoozed.response()).type == 7
    assert "Snoozed until" in (await snoozed.message()).text()
    live = [n for n in nudges_of(harness, student) if n["status"] == "pending"]
    assert [(n["kind"], n["due_at"]) for n in live] == [
        ("second_contact", "2026-12-10T14:00:00.000000+00:00")  # Thursday 09:00 New York
    ]

    done = await emu.click(
        student, follow, follow.button(label="I sent the follow-up")["custom_id"]
    )
    assert "Follow-up logged" in (await done.message()).text()
    (contact,) = query(
        harness.db_path, "SELECT followed_up_at FROM contacts WHERE id = ?", (contact_id,)
    )
    assert contact["followed_up_at"] == "2026-12-09T14:00:00.000000+00:00"
    kinds = {n["kind"] for n in nudges_of(harness, student) if n["status"] == "pending"}
    assert kinds == {"second_contact", "close_no_reply"}
    again = await emu.click(
        student, follow, follow.button(label="I sent the follow-up")["custom_id"], strict=False
    )
    assert "already done" in (await again.message()).text()

    await deliver_at(harness, datetime(2026, 12, 10, 14, 0, tzinfo=UTC))  # the snoozed one
    snoozed_dm = emu.dms(student.id)[-1]
    assert "3 business days" in snoozed_dm.text()
    stop = await emu.click(
        student, snoozed_dm, snoozed_dm.button(label="Stop for this contact")["custom_id"]
    )
    await stop.message()
    assert [n for n in nudges_of(harness, student) if n["status"] == "pending"] == []
    (contact,) = query(
        harness.db_path, "SELECT nudges_stopped FROM contacts WHERE id = ?", (contact_id,)
    )
    assert contact["nudges_stopped"] == 1

    ix = await emu.slash(student, world.guild, "settings nudges", options={"enabled": True})
    await ix.message()
    (contact,) = query(
        harness.db_path, "SELECT nudges_stopped FROM contacts WHERE id = ?", (contact_id,)
    )
    assert contact["nudges_stopped"] == 0
    assert {n["kind"] for n in nudges_of(harness, student) if n["status"] == "pending"} == {
        "close_no_reply"
    }


async def test_someone_else_cannot_press_my_nudge_buttons(world: World, harness: BotHarness):
    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    other = world.student("other")
    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT))
    (dm,) = emu.dms(student.id)
    ix = await emu.click(other, dm, dm.button(label="Done")["custom_id"], strict=False)
    assert "belongs to someone else" in (await ix.message()).text()
    assert all(n["action"] is None for n in nudges_of(harness, student))


async def test_closed_dms_fail_once_then_the_student_is_told(world: World, harness: BotHarness):
    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    emu.set_dms_closed(student.id)
    await deliver_at(harness, datetime.fromisoformat(FOLLOW_UP_AT))
    await deliver_at(harness, datetime.fromisoformat(FOLLOW_UP_AT) + timedelta(days=2))
    to_student = rf"/channels/{emu.dm_channel_id(student.id)}/messages$"
    assert emu.count_requests("POST", to_student) == 1  # one 403, no retry loop
    (row,) = query(
        harness.db_path, "SELECT unreachable_at FROM students WHERE user_id = ?", (student.id,)
    )
    assert row["unreachable_at"] is not None
    assert {n["status"] for n in nudges_of(harness, student)} == {"undeliverable"}

    ix = await emu.slash(student, world.guild, "request checklist")
    await ix.message()
    await emu.state.wait_for(lambda: ix.followups, 5, "the closed-DMs notice")
    notice = ix.followups[-1]
    assert "direct messages are closed" in notice.text()
    emu.set_dms_closed(student.id, False)
    retry = await emu.click(student, notice, notice.buttons()[0]["custom_id"])
    await retry.message()
    await harness.bot.dispatcher.dispatch_due()
    assert len(emu.dms(student.id)) == 2  # both held reminders, late but not lost


async def test_an_injected_429_delays_but_does_not_lose_the_nudge(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT) - timedelta(days=1))
    emu.fail_next("POST", r"/channels/\d+/messages", 429, times=2)
    await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT))
    assert len(emu.dms(student.id)) == 1


@pytest.mark.sqlite_only  # the crash is an SQLite trigger
async def test_crash_after_send_before_mark_is_delivered_exactly_once(
    world: World, harness: BotHarness
):
    emu = world.emulator
    students = [await requested_contact(world, harness) for _ in range(3)]
    victim = students[1][0]
    (row,) = [n for n in nudges_of(harness, victim) if n["kind"] == "second_contact"]
    conn = sqlite3.connect(harness.db_path)
    conn.execute(
        "CREATE TRIGGER lose_mark BEFORE UPDATE OF status ON nudges"
        f" WHEN NEW.status = 'sent' AND NEW.id = {row['id']}"
        " BEGIN SELECT RAISE(ABORT, 'crash before mark'); END"
    )
    conn.commit()
    try:
        await deliver_at(harness, datetime.fromisoformat(SECOND_CONTACT_AT))
    finally:
        conn.execute("DROP TRIGGER lose_mark")
        conn.commit()
        conn.close()
    assert [len(emu.dms(s.id)) for s, _ in students] == [1, 1, 1]
    (stuck,) = query(harness.db_path, "SELECT status FROM nudges WHERE id = ?", (row["id"],))
    assert stuck["status"] == "sending"

    await harness.restart()  # start-up recovery finds the DM by its buttons
    (fixed,) = query(
        harness.db_path, "SELECT status, message_id FROM nudges WHERE id = ?", (row["id"],)
    )
    assert fixed["status"] == "sent"
    assert fixed["message_id"] == emu.dms(victim.id)[0].id
    await harness.bot.dispatcher.dispatch_due()
    assert [len(emu.dms(s.id)) for s, _ in students] == [1, 1, 1]


async def test_crash_after_claim_before_send_is_delivered_after_restart(
    world: World, harness: BotHarness
):
    from bot.storage.nudges import claim_due

    emu = world.emulator
    student, _ = await requested_contact(world, harness)
    harness.clock.set(datetime.fromisoformat(SECOND_CONTACT_AT))
    async with harness.bot.db.transaction() as tx:  # the claim commits, then the process dies
        claimed = await claim_due(tx, harness.clock.now(), 100)
    assert student.id in {c.user_id for c in claimed}
    await harness.restart()
    await harness.bot.dispatcher.dispatch_due()
    assert len(emu.dms(student.id)) == 1


async def test_meeting_reminder_after_the_meeting_is_skipped_not_sent(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, contact_id = await requested_contact(world, harness)
    bot = harness.bot
    meeting = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    async with bot.db.transaction() as tx:
        await set_meeting(
            tx,
            contact_id,
            meeting_at=meeting,
            zone="America/New_York",
            minutes=20,
            now=harness.clock.now(),
        )
        await bot.planner.replan_contact(tx, contact_id, harness.clock.now())
    kinds = {n["kind"]: n for n in nudges_of(harness, student) if n["status"] == "pending"}
    assert {"confirm", "top_questions"} <= set(kinds)
    await deliver_at(harness, meeting + timedelta(minutes=5))  # the bot was down until after it
    rows = {n["kind"]: n["status"] for n in nudges_of(harness, student)}
    assert rows["top_questions"] == "skipped"
    assert rows["confirm"] == "skipped"
    assert all("In about an hour" not in dm.text() for dm in emu.dms(student.id))


async def test_weekly_digest_goes_out_on_the_digest_day(world: World, harness: BotHarness):
    emu = world.emulator
    student, _ = await requested_contact(world, harness, digest=True)
    (digest,) = [n for n in nudges_of(harness, student, digest=True) if n["status"] == "pending"]
    assert digest["due_at"] == "2026-11-30T14:00:00.000000+00:00"  # Monday 09:00 New York
    await deliver_at(harness, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    (dm,) = emu.dms(student.id)
    assert "weekly InfoCoach digest" in dm.text()
    assert "Ada Lovelace" in dm.text()
    nxt = [n for n in nudges_of(harness, student, digest=True) if n["status"] == "pending"]
    assert [n["due_at"] for n in nxt] == ["2026-12-07T14:00:00.000000+00:00"]
