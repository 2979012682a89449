"""What reminder DMs say, end to end through the emulator (from a first-year's walk): the
1-hour reminder for a student with no questions says so and hands them TIARA starters; a
reminder held while reminders were off, then delivered, never says the bot was offline (nor
does one held at its time by quiet hours); a later person's 3B reminder that says no one else
is needed at the employer offers no button to add someone, and the digest agrees with it and
leaves out what a reminder of the same minute says. The clock is injected; delivery is driven
by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage.questions import add_question
from bot.storage.students import update_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query
from tests.e2e.test_dm_actions import deliver_at

NY = "America/New_York"
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 New York
SECOND_CONTACT_AT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday 09:00 New York
OFFLINE = "offline"
LATE = "should have reached you"


async def run(world: World, user: Any, command: str, **options: Any) -> Any:
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert "⚠️" not in message.text(), message.text()
    return message


def contact_id(harness: BotHarness, user: Any, person: str) -> int:
    (row,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE user_id = ? AND person = ?",
        (user.id, person),
    )
    return int(row["id"])


def dms_with(world: World, user: Any, needle: str) -> list[Any]:
    return [dm for dm in world.emulator.dms(user.id) if needle in dm.text()]


def labels(message: Any) -> list[str]:
    return [b["label"] for b in message.buttons()]


async def new_student(world: World, harness: BotHarness, name: str, *, digest: bool) -> Any:
    harness.clock.set(FRIDAY_AFTERNOON)
    student = world.student(name)
    await run(world, student, "settings timezone", name=NY)
    if not digest:
        await run(world, student, "settings digest", day="off")
    return student


async def requested(world: World, harness: BotHarness, student: Any, person: str) -> int:
    await run(world, student, "request new", person=person, organization="Contoso Energy")
    cid = contact_id(harness, student, person)
    await run(world, student, "request sent", contact=str(cid))
    return cid


# --- finding 3: the 1-hour reminder with no questions -------------------------------------------


async def test_the_hour_before_reminder_with_no_questions_says_so_and_gives_starters(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "noquestions", digest=False)
    cid = await requested(world, harness, student, "Kim Park")
    await run(world, student, "request reply", contact=str(cid))
    await run(world, student, "prepare schedule", contact=str(cid), date="2026-12-03", time="10:00")
    await deliver_at(harness, datetime(2026, 12, 3, 14, 0, tzinfo=UTC))  # 09:00, an hour before
    (dm,) = dms_with(world, student, "In about an hour")
    lines = dm.text().splitlines()
    assert lines[2] == "⚠️ You have no questions ready for this meeting."
    assert lines[3] == "Take these, one for each step of TIARA, and ask them in this order:"
    starters = lines[4:9]
    assert [line[:3] for line in starters] == ["1. ", "2. ", "3. ", "4. ", "5. "]
    # The first question of each TIARA step of data/questions.toml, Resources' "who else" too.
    bank = harness.bot.planner.content
    firsts = [bank.questions_in(step)[0].text for step in ("trends", "insights", "advice")]
    assert [line[3:] for line in starters[:3]] == firsts
    assert starters[3] == "4. Who else do you think I should talk to? Would you be comfortable " + (
        "introducing me?"
    )
    assert lines[-1].startswith("Listen more than you talk")
    assert "Show my questions" in labels(dm)


async def test_the_hour_before_reminder_with_questions_lists_them_not_starters(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "withquestions", digest=False)
    cid = await requested(world, harness, student, "Kim Park")
    await run(world, student, "request reply", contact=str(cid))
    await run(world, student, "prepare schedule", contact=str(cid), date="2026-12-03", time="10:00")
    async with harness.bot.db.transaction() as tx:  # the list /prepare questions builds
        await add_question(tx, cid, "insights", "What is a week like?", None)
    await deliver_at(harness, datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    (dm,) = dms_with(world, student, "In about an hour")
    assert "1. What is a week like?" in dm.text()
    assert "no questions ready" not in dm.text()


# --- finding 2: held by reminders off, or by quiet hours, is not "offline" ----------------------


async def test_a_reminder_held_while_reminders_were_off_does_not_say_the_bot_was_offline(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "heldoff", digest=False)
    await requested(world, harness, student, "Jordan Ruiz")
    harness.clock.set(SECOND_CONTACT_AT - timedelta(days=1))
    await run(world, student, "settings nudges", enabled=False)
    await deliver_at(harness, SECOND_CONTACT_AT + timedelta(hours=1))
    assert world.emulator.dms(student.id) == []
    # Monday 7 December, 12:00 New York: reminders back on; the 3B reminder comes at once.
    harness.clock.set(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    await run(world, student, "settings nudges", enabled=True)
    await deliver_at(harness, datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    (dm,) = dms_with(world, student, "3 business days")
    assert OFFLINE not in dm.text()
    assert LATE not in dm.text()


async def test_a_reminder_moved_into_the_past_by_a_corrected_date_does_not_say_offline(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "corrected", digest=False)
    cid = await requested(world, harness, student, "Jordan Ruiz")  # Fri 27 Nov: 3B on Thu 3 Dec
    # Tue 1 Dec: it actually went out on Fri 20 Nov, so its 3B day (Wed 25 Nov) has passed.
    tuesday = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    harness.clock.set(tuesday)
    await run(world, student, "request sent", contact=str(cid), date="2026-11-20")
    await deliver_at(harness, tuesday + timedelta(minutes=1))
    moved = dms_with(world, student, "business days")  # the 3B and the 7B (Tue 1 Dec 09:00)
    assert len(moved) == 2
    for dm in moved:
        assert OFFLINE not in dm.text()
        assert LATE not in dm.text()


async def test_a_reminder_held_at_its_time_by_quiet_hours_does_not_say_the_bot_was_offline(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "quiet", digest=False)
    await requested(world, harness, student, "Jordan Ruiz")
    # Quiet hours now cover 09:00 (written without re-planning, as a change racing delivery).
    async with harness.bot.db.transaction() as tx:
        await update_settings(
            tx,
            world.guild.id,
            student.id,
            harness.clock.now(),
            quiet_start="08:30",
            quiet_end="11:00",
        )
    await deliver_at(harness, SECOND_CONTACT_AT)
    assert world.emulator.dms(student.id) == []
    await deliver_at(harness, datetime(2026, 12, 3, 16, 0, tzinfo=UTC))  # 11:00, they end
    (dm,) = dms_with(world, student, "3 business days")
    assert OFFLINE not in dm.text()
    assert LATE not in dm.text()


# --- finding 4: one 3B rule for the reminder, its buttons and the digest ------------------------


async def test_a_later_persons_3b_with_a_colleague_talking_offers_no_add_and_the_digest_agrees(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "talking", digest=True)
    dana = await requested(world, harness, student, "Dana Reyes")
    await deliver_at(harness, SECOND_CONTACT_AT)
    # Ben, asked after Dana; Dana replies the next day.
    await run(world, student, "request new", person="Ben Ortiz", organization="Contoso Energy")
    ben = contact_id(harness, student, "Ben Ortiz")
    await run(world, student, "request sent", contact=str(ben))
    harness.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    await run(world, student, "request reply", contact=str(dana))

    # Monday's digest: Ben's step agrees with his coming 3B reminder.
    await deliver_at(harness, datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    monday = dms_with(world, student, "weekly InfoCoach digest")[-1].text()
    assert (
        "**Ben Ortiz** (Contoso Energy): Wait for a reply (you're already talking with Dana "
        in (monday)
    )
    assert "try another person" not in monday
    # /progress says the same for Ben.
    progress = await world.emulator.slash(student, world.guild, "progress")
    overview = (await progress.message()).text()
    assert "already talking with Dana" in overview
    assert "try another person" not in overview

    # Tuesday 09:00: Ben's 3B reminder and, this week, the digest in the same minute.
    harness.clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))
    await run(world, student, "settings digest", day="tuesday")
    await deliver_at(harness, datetime(2026, 12, 8, 14, 0, tzinfo=UTC))
    (three_b,) = dms_with(world, student, "no reply from **Ben Ortiz**")
    assert "so no one else is needed there" in three_b.text()
    assert labels(three_b) == ["Done", "Snooze to next business day", "Stop for this contact"]
    tuesday = dms_with(world, student, "weekly InfoCoach digest")[-1].text()
    assert tuesday != monday
    assert "Ben Ortiz" not in tuesday  # its own reminder, just above, says it
    assert "try another person" not in tuesday
    assert "**Dana Reyes**" in tuesday


# --- finding 12: the digest asks only for what is still missing before a meeting ---------------


async def test_the_digest_does_not_ask_for_questions_already_prepared(
    world: World, harness: BotHarness
):
    student = await new_student(world, harness, "prepared", digest=True)
    kim = await requested(world, harness, student, "Kim Park")
    lee = await requested(world, harness, student, "Lee Chen")
    for cid in (kim, lee):
        await run(world, student, "request reply", contact=str(cid))
        await run(
            world, student, "prepare schedule", contact=str(cid), date="2026-12-10", time="10:00"
        )
    async with harness.bot.db.transaction() as tx:  # Kim's list has a question, Lee's none
        await add_question(tx, kim, "insights", "What is a week like?", None)
    await deliver_at(harness, datetime(2026, 12, 7, 14, 0, tzinfo=UTC))  # Monday's digest
    digest = dms_with(world, student, "weekly InfoCoach digest")[-1].text()
    kim_line = next(line for line in digest.splitlines() if "**Kim Park**" in line)
    lee_line = next(line for line in digest.splitlines() if "**Lee Chen**" in line)
    assert "Your questions are ready: finish /prepare checklist" in kim_line
    assert "Prepare your questions" not in kim_line
    assert "Prepare your questions (/prepare questions)" in lee_line
