"""Hostile text in every modal field: the outreach-email draft (checked, never stored), an own
question, and the meeting log's notes, takeaways and referrals. Each is stored as typed (as
the field defines it) or refused privately with nothing written; the views that show it later
still render, and nobody is pinged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.hostile import (
    HOSTILE,
    PARAGRAPH_HOSTILE,
    Hostile,
    SentWatch,
    assert_ok,
    assert_refused,
    ids,
    modal_accepts,
)

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
QUESTION, NOTE, NAME = 300, 1000, 100


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def submit(world: World, user: Any, opener: Any, values: dict[str, str]) -> Any:
    """Submit the modal ``opener`` got as Discord's client would (or, past the field's limits,
    as a modified client could); return the reply."""
    if opener.modal is None:
        await opener.response()
    strict = modal_accepts(opener.modal, values)
    ix = await world.emulator.submit_modal(user, opener, values, strict=strict)
    return await ix.message()


async def slash(world: World, user: Any, command: str, **options: Any) -> Any:
    ix = await world.emulator.slash(user, world.guild, command, options=options)
    return ix


async def new_contact(world: World, harness: BotHarness, user: Any) -> str:
    await reply_of(world, user, "request new", person="Ada", organization="Acme")
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return str(row["id"])


async def reply_of(world: World, user: Any, command: str, **options: Any) -> Any:
    return assert_ok(await (await slash(world, user, command, **options)).message())


# --- /request check-email: any draft gets a verdict; none is stored ----------------------------


@pytest.mark.parametrize("hostile", PARAGRAPH_HOSTILE, ids=ids(PARAGRAPH_HOSTILE))
async def test_any_email_draft_gets_a_verdict_and_is_not_stored(
    world: World, harness: BotHarness, hostile: Hostile
):
    student = world.student()
    for draft in (hostile(4000), f"Dear Ada, as a fellow alum: {hostile(200)} Would you talk?"):
        watch = SentWatch(world.emulator)
        opener = await slash(world, student, "request check-email")
        verdict = assert_ok(await submit(world, student, opener, {"draft": draft}))
        assert "rules pass" in verdict.text()
        watch.assert_clean(hostile)
        if len(draft.strip()) > 3:
            assert draft not in repr(database_snapshot(harness.db_path))


# --- /prepare questions: "Add your own" -------------------------------------------------------


@pytest.mark.parametrize("hostile", PARAGRAPH_HOSTILE, ids=ids(PARAGRAPH_HOSTILE))
async def test_own_question_is_stored_on_one_line_or_refused(
    world: World, harness: BotHarness, hostile: Hostile
):
    student = world.student()
    contact = await new_contact(world, harness, student)
    builder = await reply_of(world, student, "prepare questions", contact=contact)
    opener = await world.emulator.click(
        student, builder, builder.button(label="Add your own")["custom_id"]
    )
    text = hostile(QUESTION)
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await submit(world, student, opener, {"question": text})
    if hostile.refused is not None:
        assert_refused(reply, hostile.refused)
        assert database_snapshot(harness.db_path) == before
    else:
        assert "Added your question" in assert_ok(reply).text()
        (row,) = query(
            harness.db_path, "SELECT text FROM contact_questions WHERE contact_id = ?", (contact,)
        )
        assert row["text"] == " ".join(text.split())
        await reply_of(world, student, "interview checklist", contact=contact)
        await reply_of(world, student, "progress", contact=contact)
    watch.assert_clean(hostile)


# --- /interview done: notes, takeaways, referrals ---------------------------------------------

FORM = {"notes": "", "takeaways": "Learn SQL.", "referrals": ""}


async def log_meeting(
    world: World, harness: BotHarness, hostile: Hostile, form: dict[str, str]
) -> tuple[Any, str, Any, SentWatch, dict[str, Any]]:
    student = world.student()
    contact = await new_contact(world, harness, student)
    opener = await slash(world, student, "interview done", contact=contact)
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await submit(world, student, opener, form)
    return student, contact, reply, watch, before


@pytest.mark.parametrize("field", ["notes", "takeaways"])
@pytest.mark.parametrize("hostile", PARAGRAPH_HOSTILE, ids=ids(PARAGRAPH_HOSTILE))
async def test_meeting_notes_and_takeaways_are_stored_verbatim_or_refused(
    world: World, harness: BotHarness, hostile: Hostile, field: str
):
    text = hostile(NOTE)
    student, contact, reply, watch, before = await log_meeting(
        world, harness, hostile, {**FORM, field: text}
    )
    optional = field == "notes"
    refusal = hostile.refusal(optional=optional)
    if refusal is not None:
        assert_refused(reply, refusal)
        assert database_snapshot(harness.db_path) == before
    else:
        assert "Logged: you met" in assert_ok(reply).text()
        (row,) = query(
            harness.db_path, f"SELECT {field} FROM interview_notes WHERE contact_id = ?", (contact,)
        )
        assert row[field] == hostile.stored(NOTE, optional=optional)
        await reply_of(world, student, "progress", contact=contact)
        await reply_of(world, student, "followup thank-you", contact=contact)
    watch.assert_clean(hostile)


# A blank name or organization leaves the line without one: the parser says which is missing.
BLANK_REFERRAL = {"person": "has no name", "organization": "has no organization"}


@pytest.mark.parametrize("part", ["person", "organization"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_referral_names_are_stored_verbatim_or_skipped(
    world: World, harness: BotHarness, hostile: Hostile, part: str
):
    """A referral line that can't be used is skipped with why (the meeting is logged anyway),
    except a text past the box's 1,000 characters, which only a modified client can send."""
    text = hostile(NAME)
    line = f"{text} — Initech" if part == "person" else f"Grace Hopper — {text}"
    student, contact, reply, watch, before = await log_meeting(
        world, harness, hostile, {**FORM, "referrals": line}
    )
    refusal = BLANK_REFERRAL[part] if hostile.blank else hostile.refused
    if len(line) > 1000:
        assert_refused(reply, "referrals are")
        assert database_snapshot(harness.db_path) == before
    elif refusal is not None:
        shown = assert_ok(reply).text()
        assert "Logged: you met" in shown
        assert "This referral was not added" in shown
        assert refusal in shown
        assert not query(
            harness.db_path, "SELECT id FROM contacts WHERE referred_by = ?", (contact,)
        )
    else:
        assert "Added 1 new contact" in assert_ok(reply).text()
        (row,) = query(
            harness.db_path, f"SELECT {part} FROM contacts WHERE referred_by = ?", (contact,)
        )
        assert row[part] == text
        await reply_of(world, student, "progress")
        await reply_of(world, student, "progress", contact=contact)
    watch.assert_clean(hostile)
