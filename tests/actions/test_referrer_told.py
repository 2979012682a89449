"""``log_referrer_told`` (``/followup told-referrer``) against a real migrated SQLite file: the
rows it writes, its event, the "tell the referrer" reminder it cancels, and bad input that
changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import log_referrer_told
from bot.actions.interview import log_meeting
from bot.actions.planner import NudgePlanner
from bot.actions.request import log_request_sent
from bot.clock import ManualClock
from bot.content import load_content
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, get_contact_by_id
from bot.storage.database import open_database
from bot.storage.students import set_timezone

DATA = Path(__file__).resolve().parents[2] / "data"
THURSDAY = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # 16:00 in New York
FRIDAY = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 11:00 in New York
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)


@pytest.fixture
async def ctx(db_location: Path | str) -> AsyncIterator[ActionContext]:
    db = await open_database(db_location)
    content = load_content(DATA)
    try:
        context = ActionContext(
            db, ManualClock(THURSDAY), content, NudgePlanner(db, content, lambda due: None)
        )
        async with db.transaction() as tx:
            for who in (ALICE, BOB):
                await set_timezone(tx, who.guild_id, who.user_id, "America/New_York", THURSDAY)
        yield context
    finally:
        await db.close()


def clock(ctx: ActionContext) -> ManualClock:
    assert isinstance(ctx.clock, ManualClock)
    return ctx.clock


async def contact(ctx: ActionContext, contact_id: int) -> ContactRecord:
    found = await get_contact_by_id(ctx.db, contact_id)
    assert found is not None
    return found


async def dana_and_priya(ctx: ActionContext, *, requested: bool = True) -> tuple[int, int]:
    """Alice met Dana on Thursday, who suggested Priya; Alice wrote to Priya on Friday."""
    dana = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    logged = await log_meeting(
        ctx, ALICE, dana.id, notes="", takeaways="Ask Priya.", referrals="Priya Shah — Fabrikam"
    )
    (priya,) = logged.referral_ids
    if requested:
        clock(ctx).set(FRIDAY)
        await log_request_sent(ctx, ALICE, priya)
    return dana.id, priya


async def nudges(ctx: ActionContext, contact_id: int) -> list[tuple[str, str]]:
    rows = await ctx.db.fetch_all(
        "SELECT kind, status FROM nudges WHERE contact_id = ? AND kind = 'tell_referrer'"
        " ORDER BY id",
        (contact_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def events(ctx: ActionContext) -> list[tuple[str, int | None, dict[str, Any]]]:
    rows = await ctx.db.fetch_all("SELECT kind, contact_id, payload FROM events ORDER BY id")
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


async def snapshot(ctx: ActionContext) -> list[list[tuple[object, ...]]]:
    return [
        [tuple(row) for row in await ctx.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in ("contacts", "events", "nudges")
    ]


async def test_telling_the_referrer_stores_it_logs_it_and_cancels_the_reminder(
    ctx: ActionContext,
):
    dana, priya = await dana_and_priya(ctx)
    assert await nudges(ctx, priya) == [("tell_referrer", "pending")]
    clock(ctx).set(MONDAY)

    result = await log_referrer_told(ctx, ALICE, priya)

    assert (result.contact.id, result.referrer.id) == (priya, dana)
    assert (result.day.isoformat(), result.corrected) == ("2026-12-07", False)
    told = await contact(ctx, priya)
    assert told.referrer_told_at == MONDAY
    assert told.updated_at == MONDAY
    assert (await contact(ctx, dana)).updated_at == MONDAY  # the referrer is touched too
    assert (await events(ctx))[-1] == (
        "referrer_told",
        priya,
        {"on": "2026-12-07", "referrer": dana, "corrected": False},
    )
    assert await nudges(ctx, priya) == [("tell_referrer", "cancelled")]


async def test_logging_it_again_corrects_the_day_and_plans_nothing_new(ctx: ActionContext):
    _, priya = await dana_and_priya(ctx)
    clock(ctx).set(MONDAY)
    await log_referrer_told(ctx, ALICE, priya)
    result = await log_referrer_told(ctx, ALICE, priya, "2026-12-04")
    assert result.corrected is True
    # A past day: the start of that day in New York.
    assert (await contact(ctx, priya)).referrer_told_at == datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
    assert (await events(ctx))[-1][2] == {
        "on": "2026-12-04",
        "referrer": result.referrer.id,
        "corrected": True,
    }
    assert await nudges(ctx, priya) == [("tell_referrer", "cancelled")]


async def test_a_reminder_already_sent_is_not_planned_again(ctx: ActionContext):
    _, priya = await dana_and_priya(ctx)
    async with ctx.db.transaction() as tx:
        await tx.execute("UPDATE nudges SET status = 'sent' WHERE kind = 'tell_referrer'")
    clock(ctx).set(MONDAY)
    await log_referrer_told(ctx, ALICE, priya)
    assert await nudges(ctx, priya) == [("tell_referrer", "sent")]


@pytest.mark.parametrize(
    ("case", "day", "message"),
    [
        ("not a referral", None, "Nobody referred you to Dana"),
        ("not requested", None, "Reach out to Priya Shah first"),
        ("before the request", "2026-12-03", "is before you reached out to Priya Shah"),
        ("in the future", "2026-12-08", "is in the future"),
        ("unreadable", "next week-ish", "isn't a date I can read"),
        ("someone else's", None, "no longer exists"),
        ("no time zone", None, "time zone"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    ctx: ActionContext, case: str, day: str | None, message: str
):
    dana, priya = await dana_and_priya(ctx, requested=case != "not requested")
    clock(ctx).set(MONDAY)
    target, who = priya, ALICE
    if case == "not a referral":
        target = dana
    elif case == "someone else's":
        who = BOB
    elif case == "no time zone":
        async with ctx.db.transaction() as tx:
            await tx.execute("UPDATE students SET timezone = NULL WHERE user_id = ?", (1,))
    before = await snapshot(ctx)
    with pytest.raises(UserError, match=message):
        await log_referrer_told(ctx, who, target, day)
    assert await snapshot(ctx) == before
