"""The planner glue for the issue-10 reminders, through the real actions on a migrated SQLite
file: which rows each logged step plans or cancels, their exact due times and occurrences, the
server's holidays, and that a delivered occurrence is never planned again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.interview import log_meeting
from bot.actions.planner import NudgePlanner, contact_state, occurrence_of
from bot.actions.prepare import schedule_meeting
from bot.actions.request import log_reply, log_request_sent
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.nudge_kinds import NudgeKind
from bot.storage.contacts import get_contact_by_id
from bot.storage.database import open_database
from bot.storage.guild_settings import update_server_settings
from bot.storage.students import set_timezone

DATA = Path(__file__).resolve().parents[2] / "data"
TUESDAY = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 09:30 in New York
ALICE = StudentKey(guild_id=10, user_id=1)


@pytest.fixture
async def ctx(db_location: Path | str) -> AsyncIterator[ActionContext]:
    db = await open_database(db_location)
    content = load_content(DATA)
    try:
        context = ActionContext(
            db, ManualClock(TUESDAY), content, NudgePlanner(db, content, lambda due: None)
        )
        async with db.transaction() as tx:
            await set_timezone(tx, ALICE.guild_id, ALICE.user_id, "America/New_York", TUESDAY)
        yield context
    finally:
        await db.close()


def clock(ctx: ActionContext) -> ManualClock:
    assert isinstance(ctx.clock, ManualClock)
    return ctx.clock


async def rows(ctx: ActionContext, contact_id: int) -> list[tuple[str, str, str, str]]:
    found = await ctx.db.fetch_all(
        "SELECT kind, occurrence, due_at, status FROM nudges WHERE contact_id = ? ORDER BY id",
        (contact_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in found]


async def live(ctx: ActionContext, contact_id: int) -> dict[str, str]:
    return {
        kind: due for kind, _, due, status in await rows(ctx, contact_id) if status == "pending"
    }


async def replied_contact(ctx: ActionContext, person: str = "Dana") -> int:
    contact = await add_new_contact(ctx, ALICE, NewContact(person, "Contoso"))
    await log_request_sent(ctx, ALICE, contact.id, "2026-11-30")
    await log_reply(ctx, ALICE, contact.id)  # Tuesday 1 December
    return contact.id


async def test_a_reply_plans_offer_times_and_scheduling_cancels_it(ctx: ActionContext):
    dana = await replied_contact(ctx)
    replied_at = "2026-12-01T14:30:00+00:00"
    assert [r for r in await rows(ctx, dana) if r[0].startswith("schedule")] == [
        ("schedule", replied_at, "2026-12-02T14:00:00.000000+00:00", "pending"),
        ("schedule_again", replied_at, "2026-12-04T14:00:00.000000+00:00", "pending"),
    ]
    await schedule_meeting(ctx, ALICE, dana, "2026-12-08", "10:00")
    statuses = {kind: status for kind, _, _, status in await rows(ctx, dana)}
    assert statuses["schedule"] == statuses["schedule_again"] == "cancelled"
    assert set(await live(ctx, dana)) == {"prepare", "confirm", "top_questions"}


async def test_offer_times_skips_the_servers_holidays(ctx: ActionContext):
    async with ctx.db.transaction() as tx:
        await update_server_settings(tx, ALICE.guild_id, TUESDAY, holiday_country="US")
    clock(ctx).set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # Wednesday before Thanksgiving
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    await log_request_sent(ctx, ALICE, contact.id, "2026-11-24")
    await log_reply(ctx, ALICE, contact.id)
    assert await live(ctx, contact.id) == {
        "schedule": "2026-11-27T14:00:00.000000+00:00",  # Friday (Thursday is Thanksgiving)
        "schedule_again": "2026-12-01T14:00:00.000000+00:00",  # 27, 30, 1 → Tuesday
    }


async def test_a_delivered_offer_times_is_never_planned_again(ctx: ActionContext):
    dana = await replied_contact(ctx)
    async with ctx.db.transaction() as tx:
        await tx.execute(
            "UPDATE nudges SET status = 'sent' WHERE contact_id = ? AND kind = 'schedule'", (dana,)
        )
        await ctx.planner.replan_contact(tx, dana, clock(ctx).now())
    kinds = [kind for kind, *_ in await rows(ctx, dana) if kind.startswith("schedule")]
    assert kinds == ["schedule", "schedule_again"]
    assert await live(ctx, dana) == {"schedule_again": "2026-12-04T14:00:00.000000+00:00"}


async def test_referrals_plan_the_named_reminder_then_tell_the_referrer_on_each(
    ctx: ActionContext,
):
    dana = await replied_contact(ctx)
    await schedule_meeting(ctx, ALICE, dana, "2026-12-03", "15:00", minutes=30)
    clock(ctx).set(datetime(2026, 12, 3, 21, 0, tzinfo=UTC))  # Thursday 16:00 New York
    logged = await log_meeting(
        ctx,
        ALICE,
        dana,
        notes="",
        takeaways="Talk to the data team.",
        referrals="Priya Shah — Fabrikam\nTom Ruiz — Contoso",
    )
    priya, tom = logged.referral_ids
    met = await live(ctx, dana)
    # The meeting ended at 15:30: thank-you at 18:30, the last call at 11:30 Friday.
    assert met["thank_you"] == "2026-12-03T23:30:00.000000+00:00"
    assert met["thank_you_again"] == "2026-12-04T16:30:00.000000+00:00"
    assert met["referrals"] == "2026-12-08T14:00:00.000000+00:00"  # 3rd business day, 09:00
    assert await live(ctx, priya) == {}

    clock(ctx).set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 10:00
    await log_request_sent(ctx, ALICE, priya)
    assert "referrals" in await live(ctx, dana)  # Tom is still only planned
    priya_rows = await live(ctx, priya)
    assert priya_rows["tell_referrer"] == "2026-12-07T14:00:00.000000+00:00"  # Monday 09:00
    occurrences = {kind: occ for kind, occ, _, _ in await rows(ctx, priya)}
    assert occurrences["tell_referrer"] == "2026-12-04T15:00:00+00:00"  # the request

    await log_request_sent(ctx, ALICE, tom)
    assert "referrals" not in await live(ctx, dana)  # every referral contacted
    assert "tell_referrer" in await live(ctx, tom)
    assert "tell_referrer" not in await live(ctx, dana)  # Dana was referred by nobody


async def test_contact_state_and_occurrences_carry_the_new_fields(ctx: ActionContext):
    dana = await replied_contact(ctx)
    contact = await get_contact_by_id(ctx.db, dana)
    assert contact is not None
    state = contact_state(contact, prepare_done=False, open_referrals=0)
    assert (state.replied_at, state.replied_on) == (contact.replied_at, contact.replied_on)
    assert (state.referred, state.referrer_told_at, state.meeting_minutes) == (False, None, None)
    assert occurrence_of(NudgeKind.SCHEDULE, contact) == contact.replied_at.isoformat()  # type: ignore[union-attr]
    assert occurrence_of(NudgeKind.TELL_REFERRER, contact) == contact.requested_at.isoformat()  # type: ignore[union-attr]
