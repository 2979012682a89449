"""3B with employers, end to end through the emulator (issue 11): the "no reply after 3 business
days" DM names the employer and who is there; "Add the second person", pressed after a restart,
adds the person at that employer, and the first contact's 3B step is then done in the next
digest and in /progress; the second person's own 3B reminder suggests the next person there or
the next employer of the top five, never "a second person"; closing the last contact at an
employer says which employer moves into the top five (``/followup close`` and "Close as no
reply"). The clock is injected; delivery is driven by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

NY = "America/New_York"
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 New York
SECOND_CONTACT_AT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday 09:00 New York
DIGEST_AT = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday 09:00 New York
BEN_SECOND_CONTACT_AT = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)  # Tuesday 09:00
FOLLOW_UP_AT = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)  # Wednesday 09:00
CLOSE_AT = datetime(2026, 12, 18, 14, 0, tzinfo=UTC)  # Friday 09:00, 7 business days later


async def run(world: World, user: Any, command: str, **options: Any) -> Any:
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    message = await ix.message()
    assert "⚠️" not in message.text(), message.text()
    return message


async def press(world: World, user: Any, message: Any, label: str) -> Any:
    custom_id = message.button(label=label)["custom_id"]
    ix = await world.emulator.click(user, message, custom_id)
    await ix.response()
    return ix


async def deliver_at(harness: BotHarness, instant: datetime) -> None:
    harness.clock.set(instant)
    await harness.bot.dispatcher.dispatch_due()


def contact_row(harness: BotHarness, user: Any, person: str) -> Any:
    (row,) = query(
        harness.db_path,
        "SELECT * FROM contacts WHERE user_id = ? AND person = ?",
        (user.id, person),
    )
    return row


def pending(harness: BotHarness, contact_id: int) -> list[tuple[str, str]]:
    rows = query(
        harness.db_path,
        "SELECT kind, due_at FROM nudges WHERE contact_id = ? AND status = 'pending'"
        " ORDER BY due_at, kind",
        (contact_id,),
    )
    return [(r["kind"], r["due_at"]) for r in rows]


def dms_with(world: World, user: Any, needle: str) -> list[Any]:
    return [dm for dm in world.emulator.dms(user.id) if needle in dm.text()]


async def student_with_five(world: World, harness: BotHarness, name: str) -> Any:
    """A New York student (digest on Mondays) with a scored list: Contoso Energy first, then
    Fabrikam, Northwind, Tailspin, Litware; Adventure Works sixth, outside the five."""
    harness.clock.set(FRIDAY_AFTERNOON)
    student = world.student(name)
    await run(world, student, "settings timezone", name=NY)
    for employer, motivation, posting in (
        ("Contoso Energy", 3, 3),
        ("Fabrikam", 3, 2),
        ("Northwind", 3, 1),
        ("Tailspin", 2, 3),
        ("Litware", 2, 2),
        ("Adventure Works", 1, 1),
    ):
        await run(
            world, student, "employers add", name=employer, motivation=motivation, posting=posting
        )
    return student


async def dana_requested(world: World, harness: BotHarness, student: Any) -> int:
    await run(world, student, "request new", person="Dana Reyes", organization="contoso  energy")
    dana = contact_row(harness, student, "Dana Reyes")
    await run(world, student, "request sent", contact=str(dana["id"]))
    return int(dana["id"])


async def test_the_3b_dm_adds_the_second_person_there_and_the_step_is_done_everywhere(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = await student_with_five(world, harness, "three_b")
    dana = await dana_requested(world, harness, student)
    assert pending(harness, dana) == [
        ("second_contact", "2026-12-03T14:00:00.000000+00:00"),
        ("follow_up", "2026-12-09T14:00:00.000000+00:00"),
    ]

    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = dms_with(world, student, "3 business days")
    assert dm.text() == (
        "-# InfoCoach · Career Club\n"
        "📬 3 business days and no reply from **Dana Reyes** (Contoso Energy). Contact a second "
        "person at Contoso Energy now — you have Dana Reyes there so far. Look for an alum or "
        "someone in a similar role, press **Add the second person** to add them, then send "
        "them your short email. If Dana Reyes still hasn't replied by Wednesday 9 December "
        "2026, I'll remind you to send one short follow-up."
    )
    progress = (await run(world, student, "progress")).text()
    assert "contact a second person at Contoso Energy" in progress

    await harness.restart()
    opened = await press(world, student, dm, "Add the second person")
    assert opened.modal["title"] == "A second person at Contoso Energy"
    await harness.restart()  # the form survives a restart too
    saved = await emu.submit_modal(student, opened, {"person": "Ben Ortiz", "role": ""})
    reply = (await saved.message()).text()
    assert reply.endswith(
        "✅ Added **Ben Ortiz** at Contoso Energy. That's your second person there, so the "
        "3-business-day step for Dana Reyes is done. Write Ben Ortiz a short request (under 100 "
        "words, no job talk, ending with a question), send it, then log it with `/request "
        "sent` in **Career Club** so I can follow up for you. If Dana Reyes still hasn't "
        "replied by Wednesday 9 December 2026, I'll remind you to send one short follow-up."
    )
    ben = contact_row(harness, student, "Ben Ortiz")
    first = contact_row(harness, student, "Dana Reyes")
    assert (ben["employer_id"], ben["organization"], ben["stage"]) == (
        first["employer_id"],
        "Contoso Energy",
        "planned",
    )
    # The 3B step for Dana is done: only her 7B follow-up is left.
    assert pending(harness, dana) == [("follow_up", "2026-12-09T14:00:00.000000+00:00")]

    await deliver_at(harness, DIGEST_AT)
    # Monday 30 November's digest, due when the 3B DM went out (both delivered late), would
    # only have repeated it: it was left out. The next one says the step is done.
    (digest,) = dms_with(world, student, "weekly InfoCoach digest")
    day7 = "<t:1796792400:D>"  # Wednesday 9 December
    digests = query(
        harness.db_path,
        "SELECT status, last_error FROM nudges WHERE user_id = ? AND kind = 'digest'"
        " ORDER BY due_at",
        (student.id,),
    )
    assert (digests[0]["status"], digests[0]["last_error"]) == (
        "skipped",
        "nothing due and nothing stalled",
    )
    assert digest.text() == (
        "-# InfoCoach · Career Club\n"
        "🗒️ **Your weekly InfoCoach digest**\n\n"
        "**Due this week**\n"
        "• **Dana Reyes** (Contoso Energy): Wait for a reply (you have Ben Ortiz at Contoso "
        f"Energy too); if none by then, send Dana Reyes one short follow-up ({day7})"
    )
    progress = (await run(world, student, "progress")).text()
    assert "second person" not in progress
    assert "Wait for a reply (you have Ben Ortiz at Contoso Energy too)" in progress


async def test_the_second_persons_own_3b_reminder_suggests_the_next_person_or_employer(
    world: World, harness: BotHarness
):
    student = await student_with_five(world, harness, "later")
    dana = await dana_requested(world, harness, student)
    await deliver_at(harness, SECOND_CONTACT_AT)
    (dm,) = dms_with(world, student, "3 business days")
    opened = await press(world, student, dm, "Add the second person")
    submitted = await world.emulator.submit_modal(
        student, opened, {"person": "Ben Ortiz", "role": ""}
    )
    await submitted.message()  # the form's answer: Ben is stored before anything else runs
    await run(world, student, "request new", person="Cleo Park", organization="Contoso Energy")
    ben = int(contact_row(harness, student, "Ben Ortiz")["id"])
    await run(world, student, "request sent", contact=str(ben))
    assert pending(harness, ben)[0] == ("second_contact", "2026-12-08T14:00:00.000000+00:00")
    assert pending(harness, dana) == [("follow_up", "2026-12-09T14:00:00.000000+00:00")]

    await deliver_at(harness, BEN_SECOND_CONTACT_AT)
    (later,) = dms_with(world, student, "No reply from **Ben Ortiz**")
    assert later.text() == (
        "-# InfoCoach · Career Club\n"
        "📬 No reply from **Ben Ortiz** (Contoso Energy) either after 3 business days. Try "
        "**Cleo Park** at Contoso Energy, who is on your list and not asked yet, or move on to "
        "**Fabrikam**, next in your top five: send a short email and log it with "
        "`/request sent`. If Ben Ortiz still hasn't replied by Monday 14 December 2026, I'll "
        "remind you to send one short follow-up."
    )
    assert [b["label"] for b in later.buttons()] == [
        "Add another person",
        "Done",
        "Snooze to next business day",
        "Stop for this contact",
    ]
    await harness.restart()
    opened = await press(world, student, later, "Add another person")
    assert opened.modal["title"] == "Another person at Contoso Energy"
    saved = await world.emulator.submit_modal(student, opened, {"person": "Dev Rao", "role": ""})
    reply = (await saved.message()).text()
    assert reply.endswith(
        "✅ Added **Dev Rao** at Contoso Energy. That covers the 3-business-day step for Ben "
        "Ortiz. Write Dev Rao a short request (under 100 words, no job talk, ending with a "
        "question), send it, then log it with `/request sent` in **Career Club** so I can "
        "follow up for you. If Ben Ortiz still hasn't replied by Monday 14 December 2026, "
        "I'll remind you to send one short follow-up."
    )
    assert "second person" not in reply
    # Redrawn after the answer, the button keeps its name.
    assert [b["label"] for b in later.buttons() if not b["disabled"]] == ["Add another person"]
    progress = (await run(world, student, "progress")).text()
    assert "try another person at Contoso Energy" not in progress  # Dev is Ben's next person
    assert len(dms_with(world, student, "3 business days and no reply from **Dana")) == 1


async def test_a_second_person_added_with_request_new_before_the_3b_day(
    world: World, harness: BotHarness
):
    """Added with /request new (not the reminder's button) before the 3B day: the reminder
    is cancelled at once (re-planned in the same transaction) and never delivered."""
    student = await student_with_five(world, harness, "early")
    dana = await dana_requested(world, harness, student)
    harness.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # Monday 10:00
    await run(world, student, "request new", person="Ben Ortiz", organization="Contoso Energy")
    await deliver_at(harness, SECOND_CONTACT_AT)
    assert dms_with(world, student, "3 business days") == []
    (cancelled,) = query(
        harness.db_path,
        "SELECT status FROM nudges WHERE contact_id = ? AND kind = 'second_contact'",
        (dana,),
    )
    assert cancelled["status"] == "cancelled"

    other = await student_with_five(world, harness, "early_sent")
    dana2 = await dana_requested(world, harness, other)
    harness.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    await run(world, other, "request new", person="Ben Ortiz", organization="Contoso Energy")
    ben = contact_row(harness, other, "Ben Ortiz")
    await run(world, other, "request sent", contact=str(ben["id"]))
    assert pending(harness, dana2) == [("follow_up", "2026-12-09T14:00:00.000000+00:00")]


async def test_closing_the_last_contact_at_an_employer_names_who_moves_into_the_five(
    world: World, harness: BotHarness
):
    student = await student_with_five(world, harness, "closer")
    dana = await dana_requested(world, harness, student)
    await run(world, student, "request new", person="Erin Wu", organization="Fabrikam")
    erin = int(contact_row(harness, student, "Erin Wu")["id"])
    await run(world, student, "request sent", contact=str(erin))

    closed = await run(world, student, "followup close", contact=str(dana), reason="declined")
    assert closed.text().endswith(
        "**Contoso Energy** is done; **Adventure Works** moves into your top five. Next: find "
        "someone at **Adventure Works** to ask for a 20-minute conversation, and add them with "
        "`/request new`."
    )

    # Erin, Fabrikam's only contact: the follow-up, then "Close as no reply" from the DM.
    await deliver_at(harness, FOLLOW_UP_AT)
    (follow,) = dms_with(world, student, "7 business days and still no reply from **Erin")
    await press(world, student, follow, "I sent the follow-up")
    await deliver_at(harness, CLOSE_AT)
    (close,) = dms_with(world, student, "since your follow-up to **Erin Wu**")
    await harness.restart()
    done = await press(world, student, close, "Close as no reply")
    reply = (await done.message()).text()
    assert reply.endswith(
        "**Fabrikam** is done, and your top five has a free place: add employers with "
        "`/employers add` or `/employers import` in **Career Club**."
    )
