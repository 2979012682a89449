"""Forms open while the bot restarts still work when submitted (nothing the student typed is
lost), and two students' open copies of the same form never mix."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

EMAIL = (
    "Dear Ms. Lee, I'm a fellow Acme University alum. I'd love to hear how you found your way "
    "into analytics. Would you have 20 minutes to share your experience?\nBest,\nSam"
)


async def test_a_meeting_log_form_open_across_a_restart_is_saved(world: World, harness: BotHarness):
    emu = world.emulator
    student = world.student("writer")
    await (
        await emu.slash(
            student, world.guild, "request new", options={"person": "Ada", "organization": "Acme"}
        )
    ).message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(
        student, world.guild, "interview done", options={"contact": str(row["id"])}
    )
    assert (await ix.response()).type == 9
    await harness.restart()
    submitted = await emu.submit_modal(
        student, ix, {"notes": "Long notes", "takeaways": "Learn SQL", "referrals": ""}
    )
    reply = await submitted.message()
    assert "⚠️" not in reply.text()
    (contact,) = query(harness.db_path, "SELECT stage FROM contacts WHERE id = ?", (row["id"],))
    assert contact["stage"] == "met"
    (notes,) = query(
        harness.db_path, "SELECT takeaways FROM interview_notes WHERE contact_id = ?", (row["id"],)
    )
    assert notes["takeaways"] == "Learn SQL"


async def test_an_email_check_form_open_across_a_restart_gets_its_verdict(
    world: World, harness: BotHarness
):
    emu = world.emulator
    student = world.student("drafter")
    ix = await emu.slash(student, world.guild, "request check-email")
    await ix.response()
    await harness.restart()
    verdict = await (await emu.submit_modal(student, ix, {"draft": EMAIL})).message()
    assert "rules pass" in verdict.text()


async def test_two_students_open_forms_stay_apart(world: World, harness: BotHarness):
    emu = world.emulator
    alice, bob = world.student("alice"), world.student("bob")
    first = await emu.slash(alice, world.guild, "request check-email")
    second = await emu.slash(bob, world.guild, "request check-email")
    await first.response()
    await second.response()
    assert first.modal["custom_id"] != second.modal["custom_id"]
    long_draft = "word " * 150 + "?"
    bob_verdict = await (await emu.submit_modal(bob, second, {"draft": long_draft})).message()
    alice_verdict = await (await emu.submit_modal(alice, first, {"draft": EMAIL})).message()
    assert "150 words" in bob_verdict.text()
    assert "150 words" not in alice_verdict.text()
