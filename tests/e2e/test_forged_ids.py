"""Forged ids (issue 14, finding 7): an oversized or foreign-digit id in a custom_id gets a quiet
private refusal (no traceback, at most one DEBUG line, nothing written); the delete
confirmation names its server; contact and reminder ids are never reused after a deletion."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

FRIDAY_AFTERNOON = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)
HUGE = "9" * 40  # far past SQLite's 63 bits


async def reminder_dm(world: World, harness: BotHarness) -> tuple[Any, Any]:
    """A student's first reminder DM (the 3-business-day step), with its buttons."""
    emu = world.emulator
    student = world.student("forger")
    harness.clock.set(FRIDAY_AFTERNOON)
    for command, options in (
        ("settings timezone", {"name": "America/New_York"}),
        ("request new", {"person": "Ada", "organization": "Acme"}),
    ):
        await (await emu.slash(student, world.guild, command, options=options)).message()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    ix = await emu.slash(student, world.guild, "request sent", options={"contact": str(row["id"])})
    await ix.message()
    harness.clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    await harness.bot.dispatcher.dispatch_due()
    dm = [m for m in emu.dms(student.id) if "3 business days" in m.text()][-1]
    return student, dm


def forge(message: Any, custom_id: str, forged: str) -> str:
    """Rewrite a button's custom_id in place, as a modified client would send it."""
    component = message.find_component(custom_id)
    component["custom_id"] = forged
    return forged


@pytest.mark.parametrize(
    "forged_id",
    [HUGE, "9223372036854775808", "٣٣٣"],  # oversized, 2**63, Arabic-Indic digits
)
async def test_a_forged_reminder_id_is_refused_quietly(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture, forged_id: str
):
    emu = world.emulator
    student, dm = await reminder_dm(world, harness)
    done = dm.button(label="Done")["custom_id"]
    action = done.split(":")[2]
    custom_id = forge(dm, done, f"ic:nd:{action}:{forged_id}")
    before = database_snapshot(harness.db_path)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        ix = await emu.click(student, dm, custom_id, strict=False)
        reply = await ix.message()
    assert reply.ephemeral or ix.response_type in (4, 7)
    assert "no longer" in reply.text().lower() or "gone" in reply.text().lower()
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == []
    assert database_snapshot(harness.db_path) == before


async def test_a_forged_contact_id_in_a_checklist_button_is_refused_quietly(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture
):
    """An id past SQLite's range in a checklist button: parse_id turns it into no contact, and
    the student gets a quiet private refusal (no traceback, nothing above DEBUG)."""
    emu = world.emulator
    student = world.student("forger")
    ix = await emu.slash(
        student, world.guild, "request new", options={"person": "Bo", "organization": "Acme"}
    )
    await ix.message()
    checklist = await (await emu.slash(student, world.guild, "request checklist")).message()
    buttons = [b for b in checklist.buttons() if str(b["custom_id"]).startswith("ic:ck:")]
    assert buttons, checklist
    original = buttons[0]["custom_id"]
    parts = original.split(":")
    parts[3] = HUGE
    custom_id = forge(checklist, original, ":".join(parts))
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        reply = await (await emu.click(student, checklist, custom_id, strict=False)).message()
    assert reply.ephemeral
    assert "no longer exists" in reply.text()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []


async def test_a_forged_owner_in_the_delete_confirmation_is_refused_quietly(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture
):
    emu = world.emulator
    student = world.student("forger")
    await (
        await emu.slash(
            student, world.guild, "request new", options={"person": "Cy", "organization": "C"}
        )
    ).message()
    warning = await (await emu.slash(student, world.guild, "privacy delete")).message()
    confirm = warning.button(label="Yes, delete my data")["custom_id"]
    assert confirm == f"ic:del:{student.id}:{world.guild.id}"  # the server is named
    custom_id = forge(warning, confirm, f"ic:del:{HUGE}:{world.guild.id}")
    with caplog.at_level(logging.DEBUG):
        reply = await (await emu.click(student, warning, custom_id, strict=False)).message()
    assert "no longer valid" in reply.text()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    rows = query(harness.db_path, "SELECT 1 FROM contacts WHERE user_id = ?", (student.id,))
    assert len(rows) == 1  # nothing deleted


async def test_ids_are_never_reused_after_a_deletion(world: World, harness: BotHarness):
    emu = world.emulator
    student = world.student("reuser")
    await (
        await emu.slash(
            student, world.guild, "request new", options={"person": "Di", "organization": "D"}
        )
    ).message()
    (old,) = query(harness.db_path, "SELECT max(id) AS id FROM contacts")
    (old_nudge,) = query(harness.db_path, "SELECT coalesce(max(id), 0) AS id FROM nudges")
    warning = await (await emu.slash(student, world.guild, "privacy delete")).message()
    confirm = warning.button(label="Yes, delete my data")["custom_id"]
    await (await emu.click(student, warning, confirm)).message()
    # The newest contact (and any newest reminder) is gone; a new one must not take its id.
    await (
        await emu.slash(
            student, world.guild, "settings timezone", options={"name": "Europe/London"}
        )
    ).message()
    await (
        await emu.slash(
            student, world.guild, "request new", options={"person": "Ed", "organization": "E"}
        )
    ).message()
    (new,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (student.id,))
    assert new["id"] > old["id"]
    nudges = query(harness.db_path, "SELECT id FROM nudges WHERE user_id = ?", (student.id,))
    assert all(n["id"] > old_nudge["id"] for n in nudges)
