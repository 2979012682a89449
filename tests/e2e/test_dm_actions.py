"""A DM is never a dead end: every reminder's buttons do what it asks, right in the DM, after the
bot restarted; forms opened from a DM survive a restart; snoozes end before what they are
about; replies that need a slash command name the server. The clock is injected; delivery is
driven by hand (``dispatch_due``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.actions.context import StudentKey
from bot.actions.planner import occurrence_of
from bot.actions.prepare import add_own_question
from bot.domain.nudge_kinds import NudgeKind
from bot.errors import UserError
from bot.nudges.buttons import nudge_view
from bot.storage.contacts import get_contact_by_id
from bot.storage.nudges import get_nudge
from bot.storage.students import update_settings
from bot.ui.guarded import guild_id_of
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

NEW_YORK = "America/New_York"
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 in New York
SECOND_CONTACT_AT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday 09:00 New York
FOLLOW_UP_AT = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)  # Wednesday 09:00 New York
MEETING = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # Tuesday 8 December, 10:00 New York


# --- helpers ---------------------------------------------------------------------------------


async def ok(world: World, user: Any, command: str, **options: Any) -> Any:
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert "⚠️" not in message.text(), message.text()
    return message


async def new_student(world: World, harness: BotHarness, at: datetime, name: str = "dm") -> Any:
    """A student in New York (weekly digest off, so only contact reminders reach the DM)."""
    harness.clock.set(at)
    student = world.student(name)
    await ok(world, student, "settings timezone", name=NEW_YORK)
    bot, now = harness.bot, harness.clock.now()
    async with bot.db.transaction() as tx:
        await update_settings(tx, world.guild.id, student.id, now, digest_day=None)
        await bot.planner.replan_digest(tx, world.guild.id, student.id, now)
    return student


async def new_contact(
    world: World, harness: BotHarness, student: Any, person: str = "Ada Lovelace"
) -> int:
    await ok(world, student, "request new", person=person, organization="Acme")
    (row,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE user_id = ? AND person = ?",
        (student.id, person),
    )
    return int(row["id"])


async def deliver_at(harness: BotHarness, instant: datetime) -> None:
    harness.clock.set(instant)
    await harness.bot.dispatcher.dispatch_due()


def contact(harness: BotHarness, contact_id: int) -> Any:
    (row,) = query(harness.db_path, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return row


def nudge_row(harness: BotHarness, nudge_id: int) -> Any:
    (row,) = query(harness.db_path, "SELECT * FROM nudges WHERE id = ?", (nudge_id,))
    return row


def nudge_id_of(dm: Any) -> int:
    return int(dm.buttons()[0]["custom_id"].split(":")[3])


def labels(message: Any) -> list[str]:
    return [b["label"] for b in message.buttons()]


def live(message: Any) -> list[str]:
    return [b["label"] for b in message.buttons() if not b["disabled"]]


async def press(world: World, user: Any, message: Any, label: str, **kw: Any) -> Any:
    """Click the button with that label and wait for the bot's answer."""
    custom_id = message.button(label=label)["custom_id"]
    ix = await world.emulator.click(user, message, custom_id, **kw)
    await ix.response()
    return ix


async def reply_of(ix: Any) -> str:
    return str((await ix.message()).text())


async def post_reminder(
    world: World, harness: BotHarness, student: Any, contact_id: int, kind: NudgeKind, text: str
) -> Any:
    """A reminder of a kind this branch does not plan or word yet, sent as the dispatcher would
    send it: a row marked sent, and a DM carrying ``nudge_view``."""
    bot, now = harness.bot, harness.clock.now()
    record = await get_contact_by_id(bot.db, contact_id)
    assert record is not None
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO nudges (guild_id, user_id, contact_id, kind, occurrence, planned_at,"
            " due_at, status, sent_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?) RETURNING id",
            (
                world.guild.id,
                student.id,
                contact_id,
                kind.value,
                occurrence_of(kind, record),
                *[now.isoformat()] * 5,
            ),
        )
        inserted = await cursor.fetchone()
    assert inserted is not None
    nudge_id = int(inserted[0])
    row = await get_nudge(bot.db, nudge_id)
    assert row is not None
    channel = await bot.create_dm(discord.Object(student.id))
    await channel.send(f"-# InfoCoach · Career Club\n{text}", view=nudge_view(row))
    return world.emulator.dms(student.id)[-1]


# --- second contact: add the second person ------------------------------------------------------


async def requested(world: World, harness: BotHarness, name: str) -> tuple[Any, int]:
    student = await new_student(world, harness, FRIDAY_AFTERNOON, name)
    cid = await new_contact(world, harness, student)
    await ok(world, student, "request sent", contact=str(cid))
    return student, cid


async def test_add_the_second_person_from_the_dm_across_restarts(world: World, harness: BotHarness):
    emu = world.emulator
    student, _ = await requested(world, harness, "second")
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = emu.dms(student.id)
    assert labels(dm) == [
        "Add the second person",
        "Done",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()

    opened = await press(world, student, dm, "Add the second person")
    assert (await opened.response()).type == 9
    assert opened.modal["title"] == "A second person at Acme"
    await harness.restart()  # the form stays open across a restart
    saved = await emu.submit_modal(student, opened, {"person": "Ben Ortiz", "role": "Analyst"})
    text = await reply_of(saved)
    assert "✅ Added **Ben Ortiz** at Acme. That's your second person there, so the " in text
    assert "`/request sent` in **Career Club**" in text
    (ben,) = query(
        harness.db_path,
        "SELECT organization, role, stage FROM contacts WHERE user_id = ? AND person = ?",
        (student.id, "Ben Ortiz"),
    )
    assert tuple(ben) == ("Acme", "Analyst", "planned")
    assert nudge_row(harness, nudge_id_of(dm))["action"] == "done"  # it was what it asked
    assert live(dm) == ["Add the second person"]  # answered; adding stays possible
    assert len(emu.dms(student.id)) == 1  # the reply went under the reminder itself


# --- follow-up: I sent the follow-up / They replied → schedule ---------------------------------


async def test_i_sent_the_follow_up_after_a_restart(world: World, harness: BotHarness):
    emu = world.emulator
    student, cid = await requested(world, harness, "followed")
    await deliver_at(harness, FOLLOW_UP_AT)
    follow = emu.dms(student.id)[-1]
    assert labels(follow) == [
        "I sent the follow-up",
        "They replied",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()
    done = await press(world, student, follow, "I sent the follow-up")
    assert "✅ Follow-up logged" in await reply_of(done)
    assert contact(harness, cid)["followed_up_at"] == "2026-12-09T14:00:00.000000+00:00"
    assert live(follow) == []


async def test_they_replied_then_schedule_the_meeting_from_the_same_dm(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "replied")
    await deliver_at(harness, FOLLOW_UP_AT)
    follow = emu.dms(student.id)[-1]
    await harness.restart()

    replied = await press(world, student, follow, "They replied")
    text = await reply_of(replied)
    assert "Reply logged: **Ada Lovelace (Acme)** is an **obligate**" in text
    row = contact(harness, cid)
    assert (row["stage"], row["reply_class"]) == ("replied", "obligate")
    assert live(follow) == ["Schedule the meeting"]
    events = query(
        harness.db_path, "SELECT kind FROM events WHERE contact_id = ? ORDER BY id", (cid,)
    )
    assert [e["kind"] for e in events][-2:] == ["reply_logged", "nudge_done"]

    await harness.restart()
    opened = await press(world, student, follow, "Schedule the meeting")
    assert (await opened.response()).type == 9
    inputs = {
        c["custom_id"]: c
        for r in opened.modal["components"]
        for c in r.get("components", [r.get("component")])
    }
    assert inputs["minutes"]["value"] == "20"  # the server's usual length
    await harness.restart()
    saved = await emu.submit_modal(
        student, opened, {"date": "2026-12-15", "time": "10:00", "minutes": "25"}
    )
    text = await reply_of(saved)
    assert "✅ Scheduled: your meeting with **Ada Lovelace (Acme)** is on <t:" in text
    assert (
        "`/prepare questions` and work through `/prepare checklist`, both in **Career Club**"
        in (text)
    )
    row = contact(harness, cid)
    assert (row["stage"], row["meeting_at"], row["meeting_minutes"]) == (
        "scheduled",
        "2026-12-15T15:00:00.000000+00:00",
        25,
    )


async def test_a_scheduling_reminder_schedules_and_is_answered(world: World, harness: BotHarness):
    emu = world.emulator
    student = await new_student(world, harness, datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "sched")
    cid = await new_contact(world, harness, student)
    await ok(world, student, "request sent", contact=str(cid), date="2026-11-30")
    await ok(world, student, "request reply", contact=str(cid))
    dm = await post_reminder(
        world, harness, student, cid, NudgeKind.SCHEDULE, "Ada replied: offer two or three times"
    )
    assert labels(dm) == [
        "Schedule the meeting",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()
    opened = await press(world, student, dm, "Schedule the meeting")
    assert opened.modal["title"] == "Meet Ada Lovelace"
    bad = await emu.submit_modal(
        student, opened, {"date": "2026-12-10", "time": "10:00", "minutes": "twenty"}
    )
    assert "as a number" in await reply_of(bad)
    assert contact(harness, cid)["stage"] == "replied"
    saved = await emu.submit_modal(
        student, opened, {"date": "2026-12-10", "time": "10:00", "minutes": ""}
    )
    assert "✅ Scheduled" in await reply_of(saved)
    assert (contact(harness, cid)["stage"], contact(harness, cid)["meeting_minutes"]) == (
        "scheduled",
        20,
    )
    assert nudge_row(harness, nudge_id_of(dm))["action"] == "done"
    assert live(dm) == ["Schedule the meeting"]  # moving it stays one press away


# --- meeting reminders: checklist, questions, confirm, snoozes before the meeting ---------------


async def scheduled(world: World, harness: BotHarness, name: str) -> tuple[Any, int]:
    student = await new_student(world, harness, datetime(2026, 12, 1, 15, 0, tzinfo=UTC), name)
    cid = await new_contact(world, harness, student)
    await ok(world, student, "prepare schedule", contact=str(cid), date="2026-12-08", time="10:00")
    return student, cid


async def test_open_my_checklist_sends_the_preparation_checklist(world: World, harness: BotHarness):
    emu = world.emulator
    student, cid = await scheduled(world, harness, "prep")
    await deliver_at(harness, datetime(2026, 12, 5, 15, 0, tzinfo=UTC))  # 3 days before
    (dm,) = emu.dms(student.id)
    assert labels(dm) == ["Open my checklist", "Done", "Snooze…", "Stop for this contact"]
    await harness.restart()
    opened = await press(world, student, dm, "Open my checklist")
    checklist = await opened.message()
    assert checklist.id != dm.id
    assert checklist in emu.dms(student.id)
    assert "Ada Lovelace (Acme)" in checklist.embeds[0]["title"]
    ticks = [b["custom_id"] for b in checklist.buttons()]
    assert ticks
    assert all(t.startswith(f"ic:ck:{student.id}:{cid}:prepare:") for t in ticks)
    assert nudge_row(harness, nudge_id_of(dm))["action"] is None  # reading answers nothing


async def test_confirm_snoozes_to_this_evening_and_comes_back_then(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await scheduled(world, harness, "confirm")
    await deliver_at(harness, datetime(2026, 12, 7, 15, 0, tzinfo=UTC))  # Monday 10:00
    confirm = emu.dms(student.id)[-1]
    assert labels(confirm) == ["Confirmed", "Snooze…", "Stop for this contact"]
    await harness.restart()

    menu = await press(world, student, confirm, "Snooze…")
    assert (await menu.response()).type == 7
    assert labels(confirm) == [
        "In 1 hour (Mon 11:00)",
        "In 3 hours (Mon 13:00)",
        "This evening (Mon 18:00)",
        "Back",
    ]
    back = await press(world, student, confirm, "Back")
    await back.message()
    assert labels(confirm) == ["Confirmed", "Snooze…", "Stop for this contact"]
    await press(world, student, confirm, "Snooze…")
    await harness.restart()
    picked = await press(world, student, confirm, "This evening (Mon 18:00)")
    assert "✅ Snoozed until Monday 7 December, 18:00 (America/New_York)." in (
        await reply_of(picked)
    )
    pending = query(
        harness.db_path,
        "SELECT due_at FROM nudges WHERE contact_id = ? AND kind = 'confirm'"
        " AND status = 'pending'",
        (cid,),
    )
    assert [p["due_at"] for p in pending] == ["2026-12-07T23:00:00.000000+00:00"]

    await deliver_at(harness, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
    again = emu.dms(student.id)[-1]
    assert again.id != confirm.id
    assert "Tomorrow you meet" in again.text()
    done = await press(world, student, again, "Confirmed")
    assert "✅ Meeting confirmed" in await reply_of(done)


async def test_top_questions_show_the_list_and_snooze_to_15_minutes_before(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await scheduled(world, harness, "questions")
    key = StudentKey(world.guild.id, student.id)
    await add_own_question(harness.bot.actions, key, cid, "What changed most in your field?")
    await deliver_at(harness, MEETING - timedelta(hours=1))
    top = emu.dms(student.id)[-1]
    assert labels(top) == ["Show my questions", "Done", "Snooze…", "Stop for this contact"]
    await harness.restart()

    shown = await press(world, student, top, "Show my questions")
    listing = await reply_of(shown)
    assert "**Meeting with Ada Lovelace (Acme)** · 20 minutes" in listing
    assert "**1.** What changed most in your field?" in listing

    await press(world, student, top, "Snooze…")
    assert labels(top) == ["15 minutes before (Tue 09:45)", "5 minutes before (Tue 09:55)", "Back"]
    await harness.restart()
    picked = await press(world, student, top, "15 minutes before (Tue 09:45)")
    assert "Snoozed until Tuesday 8 December, 09:45 (America/New_York)." in await reply_of(picked)
    await deliver_at(harness, MEETING - timedelta(minutes=15))
    statuses = query(
        harness.db_path,
        "SELECT status FROM nudges WHERE contact_id = ? AND kind = 'top_questions' ORDER BY id",
        (cid,),
    )
    assert [s["status"] for s in statuses] == ["sent", "sent"]  # delivered, not skipped
    assert emu.dms(student.id)[-1].id != top.id


async def test_no_snooze_is_offered_when_the_meeting_is_too_close(
    world: World, harness: BotHarness
):
    student, _ = await scheduled(world, harness, "tooclose")
    await deliver_at(harness, MEETING - timedelta(hours=1))
    top = world.emulator.dms(student.id)[-1]
    harness.clock.set(MEETING - timedelta(minutes=7))
    refused = await press(world, student, top, "Snooze…")
    text = await reply_of(refused)
    assert "Your meeting with Ada Lovelace is at Tuesday 8 December, 10:00" in text
    assert "too soon to snooze" in text
    assert live(top) == ["Show my questions", "Done", "Snooze…", "Stop for this contact"]


# --- after the meeting: thank-you, referrals, telling the referrer, close -----------------------


async def met_with_referrals(world: World, harness: BotHarness, name: str) -> tuple[Any, int]:
    student, cid = await scheduled(world, harness, name)
    harness.clock.set(MEETING + timedelta(minutes=40))
    ix = await world.emulator.slash(
        student, world.guild, "interview done", options={"contact": str(cid)}
    )
    submitted = await world.emulator.submit_modal(
        student,
        ix,
        {
            "notes": "",
            "takeaways": "Learn SQL",
            "referrals": "Priya Shah — Globex\nTom Ruiz — Initech",
        },
    )
    assert "⚠️" not in (await submitted.message()).text()
    return student, cid


async def test_i_sent_the_thank_you_after_a_restart(world: World, harness: BotHarness):
    emu = world.emulator
    student, cid = await met_with_referrals(world, harness, "thanks")
    await deliver_at(harness, MEETING + timedelta(minutes=40, hours=24))
    # the first thank-you reminder (3 hours after the meeting ended; the last call follows)
    thanks = next(dm for dm in emu.dms(student.id) if "thank-you" in dm.text())
    assert labels(thanks) == ["I sent the thank-you", "Snooze…", "Stop for this contact"]
    await harness.restart()
    done = await press(world, student, thanks, "I sent the thank-you")
    assert "✅ Thank-you logged" in await reply_of(done)
    assert contact(harness, cid)["stage"] == "thanked"


async def test_i_reached_out_logs_each_referral_request(world: World, harness: BotHarness):
    emu = world.emulator
    student, cid = await met_with_referrals(world, harness, "refs")
    referrals = {
        r["person"]: r["id"]
        for r in query(
            harness.db_path, "SELECT id, person FROM contacts WHERE referred_by = ?", (cid,)
        )
    }
    # The referrals reminder: 09:00 on the 3rd business day after the meeting (Friday).
    await deliver_at(harness, datetime(2026, 12, 11, 14, 0, tzinfo=UTC))
    (dm,) = [m for m in emu.dms(student.id) if "suggested **Priya Shah**" in m.text()]
    assert labels(dm) == [
        "I reached out to …",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()

    await press(world, student, dm, "I reached out to …")
    assert labels(dm) == ["Priya Shah (Globex)", "Tom Ruiz (Initech)", "Back"]
    await harness.restart()
    picked = await press(world, student, dm, "Priya Shah (Globex)")
    text = await reply_of(picked)
    assert (
        "✅ Logged: you reached out to **Priya Shah (Globex)** on Friday 11 December 2026" in text
    )
    assert "Still to contact from Ada Lovelace's list: Tom Ruiz." in text
    assert contact(harness, referrals["Priya Shah"])["stage"] == "requested"
    assert contact(harness, referrals["Tom Ruiz"])["stage"] == "planned"
    # Back to the reminder's own buttons; the one left is named and logged in one click.
    assert labels(dm)[0] == "I reached out to Tom Ruiz"
    assert nudge_row(harness, nudge_id_of(dm))["action"] is None

    await harness.restart()
    last = await press(world, student, dm, "I reached out to Tom Ruiz")
    assert "That's everyone Ada Lovelace suggested." in await reply_of(last)
    assert contact(harness, referrals["Tom Ruiz"])["stage"] == "requested"
    assert nudge_row(harness, nudge_id_of(dm))["action"] == "done"
    assert live(dm) == []  # nobody left to reach: the button is greyed out too


async def test_a_referrals_reminder_with_one_left_names_them_on_its_button(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await met_with_referrals(world, harness, "onelft")
    (priya,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE referred_by = ? AND person = 'Priya Shah'",
        (cid,),
    )
    sent = await emu.slash(
        student, world.guild, "request sent", options={"contact": str(priya["id"])}
    )
    assert "⚠️" not in (await sent.message()).text()
    await deliver_at(harness, datetime(2026, 12, 11, 14, 0, tzinfo=UTC))
    (dm,) = [m for m in emu.dms(student.id) if "suggested **Tom Ruiz**" in m.text()]
    assert "press **I reached out to Tom Ruiz** once you have" in dm.text()
    assert labels(dm)[0] == "I reached out to Tom Ruiz"  # from delivery: one click logs him
    logged = await press(world, student, dm, "I reached out to Tom Ruiz")
    assert "That's everyone Ada Lovelace suggested." in await reply_of(logged)


async def test_i_told_them_logs_that_the_referrer_was_told(world: World, harness: BotHarness):
    student, cid = await met_with_referrals(world, harness, "told")
    (priya,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE referred_by = ? AND person = 'Priya Shah'",
        (cid,),
    )
    harness.clock.set(datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    await ok(world, student, "request sent", contact=str(priya["id"]))
    dm = await post_reminder(
        world,
        harness,
        student,
        priya["id"],
        NudgeKind.TELL_REFERRER,
        "Let Ada know you reached out to Priya.",
    )
    assert labels(dm) == ["I told them", "Snooze to next business day", "Stop for this contact"]
    await harness.restart()
    done = await press(world, student, dm, "I told them")
    assert "✅ Logged: you told Ada Lovelace that you reached out to Priya Shah." in (
        await reply_of(done)
    )
    assert contact(harness, priya["id"])["referrer_told_at"] == "2026-12-11T15:00:00.000000+00:00"


async def test_close_and_stop_name_the_server_for_the_command_that_undoes_them(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, cid = await requested(world, harness, "close")
    await deliver_at(harness, FOLLOW_UP_AT)
    follow = emu.dms(student.id)[-1]
    await press(world, student, follow, "I sent the follow-up")
    await deliver_at(harness, datetime(2026, 12, 18, 14, 0, tzinfo=UTC))  # 7 business days on
    close = emu.dms(student.id)[-1]
    assert labels(close) == [
        "Close as no reply",
        "They replied",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()
    closed = await press(world, student, close, "Close as no reply")
    assert "run `/followup reopen` in **Career Club**" in await reply_of(closed)
    assert (contact(harness, cid)["stage"], contact(harness, cid)["reply_class"]) == (
        "closed",
        "curmudgeon",
    )

    other, _ = await requested(world, harness, "stopper")
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = emu.dms(other.id)
    stopped = await press(world, other, dm, "Stop for this contact")
    assert "All reminders for **Ada Lovelace (Acme)** are off" in await reply_of(stopped)


# --- only the owner ------------------------------------------------------------------------------


async def test_nobody_else_can_use_my_reminder_buttons_menus_or_forms(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student, _ = await met_with_referrals(world, harness, "owner")
    await deliver_at(harness, datetime(2026, 12, 11, 14, 0, tzinfo=UTC))
    (dm,) = [m for m in emu.dms(student.id) if "suggested **Priya Shah**" in m.text()]
    await press(world, student, dm, "I reached out to …")
    mallory = world.student("mallory")
    before = database_snapshot(harness.db_path)
    for label in ("Priya Shah (Globex)", "Back"):
        ix = await press(world, mallory, dm, label, strict=False)
        assert "belongs to someone else" in await reply_of(ix)
    assert database_snapshot(harness.db_path) == before
    student2, cid2 = await requested(world, harness, "owner2")
    await deliver_at(harness, FOLLOW_UP_AT)
    follow = emu.dms(student2.id)[-1]
    before = database_snapshot(harness.db_path)
    for label in ("They replied", "I sent the follow-up", "Snooze to next business day"):
        ix = await press(world, mallory, follow, label, strict=False)
        assert "belongs to someone else" in await reply_of(ix)
    assert database_snapshot(harness.db_path) == before
    # A forged form submission for someone else's reminder changes nothing either.
    own = await press(world, student2, follow, "They replied")
    await own.message()
    opened = await press(world, student2, follow, "Schedule the meeting")
    await opened.response()
    before = database_snapshot(harness.db_path)
    ix = await emu.submit_modal(
        mallory, opened, {"date": "2026-12-20", "time": "10:00", "minutes": ""}, strict=False
    )
    assert "belongs to someone else" in await reply_of(ix)
    assert database_snapshot(harness.db_path) == before
    assert contact(harness, cid2)["stage"] == "replied"


# --- a command that needs a server says which and how --------------------------------------------


def test_the_dm_refusal_names_the_server_and_how_to_open_it():
    one = SimpleNamespace(
        guild_id=None, client=SimpleNamespace(guilds=[SimpleNamespace(name="Career Club")])
    )
    with pytest.raises(UserError) as raised:
        guild_id_of(one)  # type: ignore[arg-type]
    message = raised.value.message
    assert message.startswith("This works inside **Career Club**, not in direct messages.")
    assert "server list" in message
    assert "any of its channels" in message
    two = SimpleNamespace(
        guild_id=None,
        client=SimpleNamespace(guilds=[SimpleNamespace(name="A"), SimpleNamespace(name="B")]),
    )
    with pytest.raises(UserError) as raised:
        guild_id_of(two)  # type: ignore[arg-type]
    assert "each reminder names it on its first line" in raised.value.message
