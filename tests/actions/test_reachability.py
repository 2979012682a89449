"""Closed DMs: the notice is due once per server, and "try again" brings back the held
reminders in every server of that user (real migrated SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.reachability import mark_told, pending_unreachable_notice, retry_direct_messages
from bot.actions.request import log_request_sent
from bot.actions.settings import set_timezone
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.storage.database import Database
from bot.storage.nudges import hold_for_unreachable

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database, clock: ManualClock) -> ActionContext:
    content = _content()
    return ActionContext(db, clock, content, NudgePlanner(db, content, lambda _: None))


async def statuses(db: Database, who: StudentKey) -> dict[str, str]:
    rows = await db.fetch_all(
        "SELECT kind, status FROM nudges WHERE guild_id = ? AND user_id = ?"
        " AND status IN ('pending', 'undeliverable') ORDER BY id",
        (who.guild_id, who.user_id),
    )
    return {row["kind"]: row["status"] for row in rows}


async def unreachable(db: Database, who: StudentKey) -> tuple[str | None, str | None]:
    row = await db.fetch_one(
        "SELECT unreachable_at, unreachable_told_at FROM students"
        " WHERE guild_id = ? AND user_id = ?",
        (who.guild_id, who.user_id),
    )
    assert row is not None
    return row["unreachable_at"], row["unreachable_told_at"]


async def planned_student(ctx: ActionContext, who: StudentKey) -> None:
    await set_timezone(ctx, who, "Europe/Berlin")
    contact = await add_new_contact(ctx, who, NewContact("Ada Lovelace", "Acme"))
    await log_request_sent(ctx, who, contact.id)


async def test_the_notice_is_due_once_per_server_and_retry_replans_every_server(db: Database):
    clock = ManualClock(NOW)
    ctx = make_ctx(db, clock)
    for who in (ALICE, ALICE_ELSEWHERE, BOB):
        await planned_student(ctx, who)
    assert not await pending_unreachable_notice(ctx, ALICE)
    clock.advance(timedelta(hours=1))
    async with db.transaction() as tx:  # a DM to Alice failed with 50007
        await hold_for_unreachable(tx, ALICE.user_id, "403 50007", clock.now())
    held = dict.fromkeys(("digest", "follow_up", "second_contact"), "undeliverable")
    assert await statuses(db, ALICE) == held == await statuses(db, ALICE_ELSEWHERE)

    assert await pending_unreachable_notice(ctx, ALICE)
    await mark_told(ctx, ALICE)
    assert not await pending_unreachable_notice(ctx, ALICE)
    assert (await unreachable(db, ALICE))[1] is not None
    assert await pending_unreachable_notice(ctx, ALICE_ELSEWHERE)  # told per server
    assert not await pending_unreachable_notice(ctx, BOB)

    clock.advance(timedelta(minutes=5))
    assert await retry_direct_messages(ctx, ALICE) == 2

    for who in (ALICE, ALICE_ELSEWHERE):
        assert await unreachable(db, who) == (None, None)
        assert await statuses(db, who) == {
            "digest": "pending",
            "follow_up": "pending",
            "second_contact": "pending",
        }
        assert not await pending_unreachable_notice(ctx, who)
    assert set((await statuses(db, BOB)).values()) == {"pending"}


async def test_nothing_is_due_for_someone_never_seen(db: Database):
    ctx = make_ctx(db, ManualClock(NOW))
    assert not await pending_unreachable_notice(ctx, ALICE)
    assert await retry_direct_messages(ctx, ALICE) == 0
    assert await db.fetch_value("SELECT count(*) FROM students") == 0
