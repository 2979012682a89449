"""Stalls end to end, through the emulator: a reply with no meeting gets its two reminders at
exact times and shows as stalled in the next digest; referrals are named; a referral's request
brings a reminder to tell the referrer, which `/followup told-referrer` logs; the thank-you
reminder lands inside the 24 hours after the meeting ends (also when quiet hours cover it); an
empty digest is not sent and next week's is planned. The clock is injected; nothing waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

NY = "America/New_York"


def ts(instant: datetime, style: str) -> str:
    return f"<t:{int(instant.timestamp())}:{style}>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def run(world: World, user: Any, command: str, **options: Any):
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert message.ephemeral, message
    assert "⚠️" not in message.text(), message.text()
    return message


async def new_student(
    world: World, harness: BotHarness, name: str, now: datetime, *, digest: bool = True
) -> Any:
    student = world.student(name)
    harness.clock.set(now)
    await run(world, student, "settings timezone", name=NY)
    if not digest:
        await run(world, student, "settings digest", day="off")
    return student


async def add(world: World, harness: BotHarness, student: Any, person: str, org: str) -> int:
    await run(world, student, "request new", person=person, organization=org)
    (row,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE user_id = ? AND person = ?",
        (student.id, person),
    )
    return int(row["id"])


def pending(harness: BotHarness, user: Any, *, digest: bool = False) -> list[tuple[str, str]]:
    which = "contact_id IS NULL" if digest else "contact_id IS NOT NULL"
    rows = query(
        harness.db_path,
        f"SELECT kind, due_at FROM nudges WHERE user_id = ? AND {which} AND status = 'pending'"
        " ORDER BY due_at, kind",
        (user.id,),
    )
    return [(r["kind"], r["due_at"]) for r in rows]


async def deliver_at(harness: BotHarness, instant: datetime) -> None:
    harness.clock.set(instant)
    await harness.bot.dispatcher.dispatch_due()


def texts(world: World, user: Any) -> list[str]:
    return [dm.text() for dm in world.emulator.dms(user.id)]


# --- replied, never scheduled -----------------------------------------------------------------

TUESDAY = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 09:30 in New York
SCHEDULE_AT = "2026-12-02T14:00:00.000000+00:00"  # Wednesday 09:00 New York
SCHEDULE_AGAIN_AT = "2026-12-04T14:00:00.000000+00:00"  # Friday 09:00
DIGEST_AT = "2026-12-07T14:00:00.000000+00:00"  # Monday 09:00


async def test_a_reply_with_no_meeting_is_reminded_twice_then_listed_as_stalled(
    world: World, harness: BotHarness
):
    dana_lee = await new_student(world, harness, "replied", TUESDAY)
    cid = await add(world, harness, dana_lee, "Dana Lee", "Contoso")
    await run(world, dana_lee, "request sent", contact=str(cid), date="2026-11-30")
    await run(world, dana_lee, "request reply", contact=str(cid))
    assert pending(harness, dana_lee) == [
        ("schedule", SCHEDULE_AT),
        ("schedule_again", SCHEDULE_AGAIN_AT),
    ]
    assert pending(harness, dana_lee, digest=True) == [("digest", DIGEST_AT)]
    replied_at = TUESDAY

    progress = await run(world, dana_lee, "progress")
    assert "Offer Dana Lee two or three times that suit you" in progress.text()

    await deliver_at(harness, at(SCHEDULE_AT) - timedelta(seconds=1))
    assert texts(world, dana_lee) == []
    await deliver_at(harness, at(SCHEDULE_AT))
    (first,) = texts(world, dana_lee)
    assert (
        "📆 **Dana Lee** (Contoso) replied: offer two or three times that suit you, in their "
        "time zone too, for a 20-minute conversation" in first
    )
    assert "press **Schedule the meeting**" in first
    assert "should have reached you" not in first

    await deliver_at(harness, at(SCHEDULE_AGAIN_AT) - timedelta(seconds=1))
    assert len(texts(world, dana_lee)) == 1
    await deliver_at(harness, at(SCHEDULE_AGAIN_AT))
    second = texts(world, dana_lee)[1]
    assert (
        f"📆 Still no meeting with **Dana Lee** (Contoso), who replied {ts(replied_at, 'R')}. "
        "Don't let it go cold" in second
    )

    await deliver_at(harness, at(DIGEST_AT))
    digest = texts(world, dana_lee)[2]
    lines = digest.splitlines()
    assert "🗒️ **Your weekly InfoCoach digest**" in lines
    stalled = lines.index("**Stalled: get these moving again**")
    assert lines[stalled + 1] == (
        f"• **Dana Lee** (Contoso) replied {ts(replied_at, 'R')} and no meeting is set: offer "
        "two or three times that suit you (in their time zone too), then log the one they pick "
        "with `/prepare schedule`."
    )
    assert "**Overdue**" not in lines  # listed once, as stalled
    assert pending(harness, dana_lee, digest=True) == [
        ("digest", "2026-12-14T14:00:00.000000+00:00")
    ]

    # Scheduling the meeting ends the stall: nothing about offering times any more.
    harness.clock.set(at(DIGEST_AT) + timedelta(hours=1))
    await run(
        world, dana_lee, "prepare schedule", contact=str(cid), date="2026-12-10", time="10:00"
    )
    assert {kind for kind, _ in pending(harness, dana_lee)} == {
        "prepare",
        "confirm",
        "top_questions",
    }


# --- referrals named, the referrer told ------------------------------------------------------

THURSDAY_MEETING = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 15:00 New York


async def met_with_referrals(world: World, harness: BotHarness, name: str) -> tuple[Any, int]:
    """Sam met Dana Thursday 15:00–15:30 New York, logged at 16:00; two referrals."""
    sam = await new_student(world, harness, name, TUESDAY, digest=False)
    dana = await add(world, harness, sam, "Dana Reyes", "Globex")
    await run(
        world,
        sam,
        "prepare schedule",
        contact=str(dana),
        date="2026-12-03",
        time="15:00",
        duration=30,
    )
    harness.clock.set(THURSDAY_MEETING + timedelta(hours=1))
    ix = await world.emulator.slash(
        sam, world.guild, "interview done", options={"contact": str(dana)}
    )
    done = await world.emulator.submit_modal(
        sam,
        ix,
        {
            "notes": "Data team is hiring juniors next spring.",
            "takeaways": "Learn dbt before applying",
            "referrals": "Priya Shah — Fabrikam\nTom Ruiz — Contoso",
        },
    )
    assert "⚠️" not in (await done.message()).text()
    return sam, dana


def referral_id(harness: BotHarness, person: str, dana: int) -> int:
    (row,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE referred_by = ? AND person = ?",
        (dana, person),
    )
    return int(row["id"])


async def test_referrals_are_named_and_the_referrer_is_told(world: World, harness: BotHarness):
    sam, dana = await met_with_referrals(world, harness, "referred")
    priya, tom = referral_id(harness, "Priya Shah", dana), referral_id(harness, "Tom Ruiz", dana)
    referrals_at = "2026-12-08T14:00:00.000000+00:00"  # Tuesday 09:00, 3rd business day
    assert ("referrals", referrals_at) in pending(harness, sam)

    # Friday 10:00: Priya's request goes out; Monday 09:00 Sam is reminded to tell Dana.
    harness.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    await run(world, sam, "request sent", contact=str(priya))
    (tell,) = query(
        harness.db_path,
        "SELECT due_at, occurrence FROM nudges WHERE contact_id = ? AND kind = 'tell_referrer'",
        (priya,),
    )
    assert tell["due_at"] == "2026-12-07T14:00:00.000000+00:00"
    assert "Dana" not in tell["occurrence"]
    before = len(texts(world, sam))
    await deliver_at(harness, datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    told = [t for t in texts(world, sam)[before:] if "📨" in t]
    assert told == [
        "-# InfoCoach · Career Club\n"
        "📨 Let **Dana Reyes** (Globex) know you reached out to **Priya Shah** (Fabrikam). Two "
        "lines are enough (“I've written to Priya Shah, thank you again for suggesting "
        "them”): it keeps Dana Reyes in the loop and glad they helped. Then press "
        "**I told them**."
    ]

    # Tuesday 09:00: the referrals reminder names who is still to contact, read now: Tom.
    before = len(texts(world, sam))
    await deliver_at(harness, at(referrals_at))
    (named,) = [t for t in texts(world, sam)[before:] if "🤝" in t]
    assert (
        "🤝 **Dana Reyes** (Globex) suggested **Tom Ruiz** (Contoso): reach out to them now "
        "(they're already in your contacts). Name Dana Reyes in your first line" in named
    )
    assert "Priya" not in named

    # Logged from the referral's own contact; the stored day and the event.
    reply = await run(world, sam, "followup told-referrer", contact=str(priya))
    assert reply.text().startswith(
        "Logged: you let **Dana Reyes (Globex)** know on Tuesday 8 December 2026 that you "
        "reached out to **Priya Shah (Fabrikam)**."
    )
    (row,) = query(harness.db_path, "SELECT referrer_told_at FROM contacts WHERE id = ?", (priya,))
    assert row["referrer_told_at"] == "2026-12-08T14:00:00.000000+00:00"

    # Tom's request goes out; telling Dana at once cancels his reminder.
    await run(world, sam, "request sent", contact=str(tom))
    assert ("tell_referrer", "2026-12-09T14:00:00.000000+00:00") in pending(harness, sam)
    await run(world, sam, "followup told-referrer", contact=str(tom))
    assert "tell_referrer" not in {kind for kind, _ in pending(harness, sam)}
    assert "referrals" not in {kind for kind, _ in pending(harness, sam)}

    # The referrer itself has nobody to tell: a clear refusal.
    ix = await world.emulator.slash(
        sam, world.guild, "followup told-referrer", options={"contact": str(dana)}
    )
    assert "Nobody referred you to Dana Reyes" in (await ix.message()).text()


# --- the thank-you window -----------------------------------------------------------------------


async def test_the_thank_you_reminders_land_inside_the_24_hours(world: World, harness: BotHarness):
    sam, dana = await met_with_referrals(world, harness, "thanking")
    end = datetime(2026, 12, 3, 20, 30, tzinfo=UTC)  # 15:30 New York
    deadline = end + timedelta(hours=24)
    due = dict(pending(harness, sam))
    assert due["thank_you"] == "2026-12-03T23:30:00.000000+00:00"  # 18:30, 3 hours after
    assert due["thank_you_again"] == "2026-12-04T16:30:00.000000+00:00"  # 11:30 Friday
    assert at(due["thank_you_again"]) < deadline

    await deliver_at(harness, at(due["thank_you"]))
    (thanks,) = [t for t in texts(world, sam) if "🙏" in t]
    assert (
        f"🙏 You met **Dana Reyes** (Globex) {ts(end, 'R')}: send your thank-you while it's "
        f"fresh. You have until about {ts(deadline, 't')} tomorrow ({ts(deadline, 'R')})." in thanks
    )
    await deliver_at(harness, at(due["thank_you_again"]))
    (last_call,) = [t for t in texts(world, sam) if "⏳ Last call" in t]
    assert f"end at about {ts(deadline, 't')} today" in last_call

    # Thanked: nothing more about it.
    await run(world, sam, "followup thanked", contact=str(dana))
    assert not {"thank_you", "thank_you_again"} & {kind for kind, _ in pending(harness, sam)}


async def test_quiet_hours_covering_three_hours_after_move_it_to_the_morning_within_24_hours(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "quiet", TUESDAY, digest=False)
    await run(world, student, "settings quiet-hours", start="18:00", end="08:00")
    cid = await add(world, harness, student, "Lee Chen", "Initech")
    await run(
        world,
        student,
        "prepare schedule",
        contact=str(cid),
        date="2026-12-03",
        time="16:00",
        duration=30,
    )
    harness.clock.set(datetime(2026, 12, 3, 21, 45, tzinfo=UTC))  # 16:45 New York
    ix = await world.emulator.slash(
        student, world.guild, "interview done", options={"contact": str(cid)}
    )
    done = await world.emulator.submit_modal(student, ix, {"takeaways": "Ship small."})
    assert "⚠️" not in (await done.message()).text()
    end = datetime(2026, 12, 3, 21, 30, tzinfo=UTC)  # 16:30 New York
    due = dict(pending(harness, student))
    # 19:30 is quiet (18:00–08:00): the next morning at 08:00, 15.5 hours after the end.
    assert due["thank_you"] == "2026-12-04T13:00:00.000000+00:00"
    assert due["thank_you_again"] == "2026-12-04T17:30:00.000000+00:00"  # 12:30 Friday
    for kind in ("thank_you", "thank_you_again"):
        assert end < at(due[kind]) < end + timedelta(hours=24)

    await deliver_at(harness, datetime(2026, 12, 4, 0, 30, tzinfo=UTC))  # 19:30: quiet
    assert [t for t in texts(world, student) if "🙏" in t] == []
    await deliver_at(harness, at(due["thank_you"]))
    (thanks,) = [t for t in texts(world, student) if "🙏" in t]
    deadline = end + timedelta(hours=24)
    assert f"You have until about {ts(deadline, 't')} today" in thanks


async def test_an_early_meetings_last_call_comes_the_evening_before_quiet_hours(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "early", TUESDAY, digest=False)
    cid = await add(world, harness, student, "Ana Ruiz", "Umbrella")
    await run(
        world,
        student,
        "prepare schedule",
        contact=str(cid),
        date="2026-12-03",
        time="07:00",
        duration=30,
    )
    harness.clock.set(datetime(2026, 12, 3, 13, 0, tzinfo=UTC))  # 08:00 New York
    ix = await world.emulator.slash(
        student, world.guild, "interview done", options={"contact": str(cid)}
    )
    await (await world.emulator.submit_modal(student, ix, {"takeaways": "Ask early."})).message()
    due = dict(pending(harness, student))
    assert due["thank_you"] == "2026-12-03T15:30:00.000000+00:00"  # 10:30
    # 20 hours after would be 03:30, quiet until 08:00, after the window ends at 07:30:
    # the last call comes at 20:45, before quiet hours begin.
    assert due["thank_you_again"] == "2026-12-04T01:45:00.000000+00:00"


# --- an empty digest ------------------------------------------------------------------------------


async def test_an_empty_digest_is_not_sent_and_next_weeks_is_planned(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "quietweek", TUESDAY)
    await add(world, harness, student, "Kim Park", "Hooli")  # planned: nothing due
    assert pending(harness, student, digest=True) == [("digest", DIGEST_AT)]
    await deliver_at(harness, at(DIGEST_AT))
    assert world.emulator.dms(student.id) == []
    rows = query(
        harness.db_path,
        "SELECT occurrence, status, sent_at, message_id FROM nudges WHERE user_id = ?"
        " AND kind = 'digest' ORDER BY id",
        (student.id,),
    )
    assert [tuple(r) for r in rows] == [
        ("2026-W50", "skipped", None, None),
        ("2026-W51", "pending", None, None),
    ]
    assert pending(harness, student, digest=True) == [
        ("digest", "2026-12-14T14:00:00.000000+00:00")
    ]
