"""Storage faults end to end: a database locked by another process and a full disk. The student
is told privately and plainly that nothing was saved, nothing is half-written, the bot keeps
answering, and the same action works once the fault is gone."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import InfoCoachBot
from bot.storage.database import query_one
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query

pytestmark = pytest.mark.sqlite_only  # a locked SQLite file and a full disk

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DEADLINE = 3.0  # seconds Discord gives an interaction for its first response

# Holds SQLite's write lock from a separate process until told to let go on stdin.
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


class LockHolder:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def release(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b"\n")
            await self.process.stdin.drain()
            await asyncio.wait_for(self.process.wait(), 10)


@asynccontextmanager
async def locked_by_another_process(path: Path) -> AsyncIterator[LockHolder]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LOCKER,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    holder = LockHolder(process)
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 10) == b"locked\n"
        yield holder
    finally:
        await holder.release()


def fill_free_pages(path: Path) -> None:
    """Use up the file's free pages, so that any write needing a page must grow the file."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS test_filler (b BLOB)")
        while conn.execute("PRAGMA freelist_count").fetchone()[0] > 0:
            conn.execute("INSERT INTO test_filler VALUES (zeroblob(1000))")
    finally:
        conn.close()


@asynccontextmanager
async def disk_full(bot: InfoCoachBot, path: Path) -> AsyncIterator[None]:
    """The database file cannot grow: SQLite's own page limit on the bot's writer connection
    (clamped to the current size) makes any write that needs a new page fail with SQLITE_FULL,
    exactly as a full disk would. Lifted again on exit ("space is available")."""
    fill_free_pages(path)
    async with bot.db.transaction() as tx:
        row = await query_one(tx, "PRAGMA max_page_count")
        assert row is not None
        limit = row[0]
        await tx.execute("PRAGMA max_page_count = 1")
    try:
        yield
    finally:
        async with bot.db.transaction() as tx:
            await tx.execute(f"PRAGMA max_page_count = {int(limit)}")


async def new_contact(world: World, user, person: str, organization: str = "Acme"):
    ix = await world.emulator.slash(
        user, world.guild, "request new", options={"person": person, "organization": organization}
    )
    message = await ix.message()
    assert f"Added **{person}** at {organization}" in message.text(), message.text()
    return message


def contact_id_of(harness: BotHarness, user, person: str) -> int:
    (row,) = query(
        harness.db_path,
        "SELECT id FROM contacts WHERE user_id = ? AND person = ?",
        (user.id, person),
    )
    return row["id"]


def assert_plain_storage_reply(message, *needles: str) -> str:
    assert message.ephemeral, message
    text = message.text()
    assert text.startswith("⚠️"), text
    assert "couldn't save that just now" in text, text
    assert "Nothing was changed" in text, text
    assert "something went wrong" not in text, text
    for needle in needles:
        assert needle in text, text
    return text


def error_handler_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.ui.error_handler"]


# --- a database locked by another process ------------------------------------------------------


async def test_a_locked_database_is_explained_reads_go_on_and_the_retry_works(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture
):
    emu = world.emulator
    alice, bob = world.student("alice"), world.student("bob")
    await new_contact(world, alice, "Ada Lovelace")
    await new_contact(world, bob, "Grace Hopper", "Navy")
    new_grace = {"person": "Katherine Johnson", "organization": "NASA"}

    with caplog.at_level(logging.WARNING):
        async with locked_by_another_process(harness.db_path) as lock:
            before = database_snapshot(harness.db_path)
            saving = await emu.slash(alice, world.guild, "request new", options=new_grace)

            # While Alice's write waits for the lock, Bob's reads are answered at once.
            reading = await emu.slash(bob, world.guild, "request checklist")
            shown = await reading.message()
            assert "Grace Hopper (Navy)" in shown.text()
            choices = await emu.autocomplete(
                bob, world.guild, "request sent", options={"contact": "Gra"}, focused="contact"
            )
            assert [c["name"] for c in choices] == ["Grace Hopper — Navy · planned"]
            assert not saving.responded, "the write should still be waiting for the lock"

            reply = await saving.message(timeout=20)
            assert_plain_storage_reply(reply, "the database is busy", "try again in a moment")
            assert database_snapshot(harness.db_path) == before  # nothing half-written
            await lock.release()

        retry = await emu.slash(alice, world.guild, "request new", options=new_grace)
        assert "Added **Katherine Johnson** at NASA" in (await retry.message()).text()

    people = query(
        harness.db_path, "SELECT person FROM contacts WHERE user_id = ? ORDER BY id", (alice.id,)
    )
    assert [p["person"] for p in people] == ["Ada Lovelace", "Katherine Johnson"]
    added = query(
        harness.db_path,
        "SELECT count(*) AS n FROM events WHERE user_id = ? AND kind = 'contact_added'",
        (alice.id,),
    )
    assert added[0]["n"] == 2
    # Expected now and then: one warning, no traceback, nothing at error level.
    (logged,) = error_handler_records(caplog)
    assert logged.levelno == logging.WARNING
    assert logged.exc_info is None
    assert "database is locked" in logged.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    waited = saving.response_time
    assert waited is not None
    if waited >= DEADLINE:
        pytest.xfail(
            f"the busy reply took {waited:.1f}s: the storage layer's busy timeout is longer "
            f"than Discord's {DEADLINE:.0f}s deadline, so on real Discord the student would see "
            "'This interaction failed' instead of the reply"
        )


# --- a full disk -------------------------------------------------------------------------------

LONG_FORM = {
    # 4-byte characters: each field is ~4 KB, so the notes row needs overflow pages.
    "notes": "📝" * 1000,
    "takeaways": "🎯" * 1000,
    "referrals": "Grace Hopper — Navy",
}


async def open_meeting_log(world: World, user, contact_id: int):
    ix = await world.emulator.slash(
        user, world.guild, "interview done", options={"contact": str(contact_id)}
    )
    assert (await ix.response()).type == 9, ix  # the modal
    return ix


async def test_a_full_disk_is_explained_nothing_is_half_written_and_the_retry_works(
    world: World, harness: BotHarness, caplog: pytest.LogCaptureFixture
):
    emu = world.emulator
    alice, bob = world.student("alice"), world.student("bob")
    await new_contact(world, alice, "Ada Lovelace")
    contact_id = contact_id_of(harness, alice, "Ada Lovelace")
    bob_checklist = await new_contact(world, bob, "Alan Turing", "Bletchley Park")

    with caplog.at_level(logging.WARNING):
        async with disk_full(harness.bot, harness.db_path):
            before = database_snapshot(harness.db_path)
            opener = await open_meeting_log(world, alice, contact_id)
            submitted = await emu.submit_modal(alice, opener, LONG_FORM)
            assert_plain_storage_reply(await submitted.message(), "storage is full")
            assert database_snapshot(harness.db_path) == before  # no stage, notes or referral

            # Still full, two students at once: whatever the bot confirms is stored, and
            # whatever it refuses is not.
            opener = await open_meeting_log(world, alice, contact_id)
            first = bob_checklist.buttons()[0]["custom_id"]
            submitted, tick = await asyncio.gather(
                emu.submit_modal(alice, opener, LONG_FORM),
                emu.click(bob, bob_checklist, first),
            )
            assert_plain_storage_reply(await submitted.message(), "storage is full")
            ticked = await tick.message()
            stored = query(
                harness.db_path,
                "SELECT item_id FROM checklist_ticks WHERE contact_id = ?",
                (contact_id_of(harness, bob, "Alan Turing"),),
            )
            if ticked.text().startswith("⚠️"):  # it needed a page too, or shared the batch
                assert_plain_storage_reply(ticked)
                assert stored == []
            else:
                assert "1/8" in ticked.text()
                assert len(stored) == 1

        # Space is available again: the very same form goes through.
        opener = await open_meeting_log(world, alice, contact_id)
        submitted = await emu.submit_modal(alice, opener, LONG_FORM)
        assert "you met **Ada Lovelace (Acme)**" in (await submitted.message()).text()

    (notes,) = query(
        harness.db_path,
        "SELECT notes, takeaways FROM interview_notes WHERE contact_id = ?",
        (contact_id,),
    )
    assert (notes["notes"], notes["takeaways"]) == (LONG_FORM["notes"], LONG_FORM["takeaways"])
    (contact,) = query(harness.db_path, "SELECT stage FROM contacts WHERE id = ?", (contact_id,))
    assert contact["stage"] == "met"
    referrals = query(
        harness.db_path, "SELECT person FROM contacts WHERE referred_by = ?", (contact_id,)
    )
    assert [r["person"] for r in referrals] == ["Grace Hopper"]
    # Logged for the operator at error level, without a traceback.
    logged = error_handler_records(caplog)
    alices = [r for r in logged if "database or disk is full" in r.getMessage()]
    assert len(alices) >= 2  # (and Bob's, if his tick needed a page too)
    assert all(r.levelno == logging.ERROR and r.exc_info is None for r in alices)
