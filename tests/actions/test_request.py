"""The request-phase actions against a real migrated SQLite file, without Discord: what each one
stores, which event it logs, which nudges it plans, and that bad input changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions.checklists import contact_checklist, toggle_item
from bot.actions.contacts import NewContact, add_new_contact, contact_or_latest
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.request import check_outreach_email, log_reply, log_request_sent
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.contacts import Connection, Stage
from bot.domain.three_b_seven import ReplyClass
from bot.errors import UserError
from bot.storage.database import open_database
from bot.storage.students import set_timezone

DATA = Path(__file__).resolve().parents[2] / "data"
# Friday 4 December 2026, 09:30 in New York (before noon: the count starts today).
FRIDAY_MORNING = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)


@pytest.fixture
async def ctx(db_location: Path | str) -> AsyncIterator[ActionContext]:
    db = await open_database(db_location)
    content = load_content(DATA)
    wakes: list[datetime] = []
    try:
        yield ActionContext(
            db, ManualClock(FRIDAY_MORNING), content, NudgePlanner(db, content, wakes.append)
        )
    finally:
        await db.close()


async def _zone(ctx: ActionContext, who: StudentKey, zone: str = "America/New_York") -> None:
    async with ctx.db.transaction() as tx:
        await set_timezone(tx, who.guild_id, who.user_id, zone, ctx.clock.now())


async def _events(ctx: ActionContext) -> list[tuple[str, int | None, dict[str, object]]]:
    rows = await ctx.db.fetch_all("SELECT kind, contact_id, payload FROM events ORDER BY id")
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


async def _nudges(ctx: ActionContext, contact_id: int) -> dict[str, tuple[str, str]]:
    rows = await ctx.db.fetch_all(
        "SELECT kind, due_at, status FROM nudges WHERE contact_id = ?", (contact_id,)
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def _snapshot(ctx: ActionContext) -> list[list[tuple[object, ...]]]:
    return [
        [tuple(row) for row in await ctx.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in ("students", "contacts", "events", "nudges", "checklist_ticks")
    ]


async def test_add_new_contact_stores_it_planned_and_logs_contact_added(
    ctx: ActionContext,
) -> None:
    contact = await add_new_contact(
        ctx, ALICE, NewContact("  Dana Whitfield ", "Contoso Energy", None, Connection.ALUMNI)
    )
    assert (contact.person, contact.organization, contact.stage) == (
        "Dana Whitfield",
        "Contoso Energy",
        Stage.PLANNED,
    )
    (employer_id,) = [r[0] for r in await ctx.db.fetch_all("SELECT id FROM employers")]
    assert await _events(ctx) == [
        (
            "contact_added",
            contact.id,
            {"connection": "alumni", "employer_id": employer_id, "employer_added": True},
        )
    ]
    student = await ctx.db.fetch_one("SELECT user_id FROM students WHERE guild_id = 10")
    assert student is not None
    assert student[0] == ALICE.user_id
    assert (await contact_or_latest(ctx, ALICE, None)).id == contact.id


async def test_add_new_contact_refuses_an_empty_name_and_writes_nothing(
    ctx: ActionContext,
) -> None:
    before = await _snapshot(ctx)
    with pytest.raises(UserError, match="person's name"):
        await add_new_contact(ctx, ALICE, NewContact("   ", "Contoso Energy"))
    assert await _snapshot(ctx) == before


async def test_another_students_contact_is_not_found(ctx: ActionContext) -> None:
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    await _zone(ctx, BOB)
    with pytest.raises(UserError, match="no longer exists"):
        await log_request_sent(ctx, BOB, contact.id)
    with pytest.raises(UserError, match="no contacts yet"):
        await contact_or_latest(ctx, BOB, None)


async def test_log_request_sent_stores_3b7_dates_logs_and_plans_both_reminders(
    ctx: ActionContext,
) -> None:
    await _zone(ctx, ALICE)
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    result = await log_request_sent(ctx, ALICE, contact.id)
    assert result.day == date(2026, 12, 4)
    assert result.dates.count_from == date(2026, 12, 4)
    assert result.dates.second_contact_on == date(2026, 12, 9)  # Wed: 3 business days
    assert result.dates.follow_up_on == date(2026, 12, 15)  # Tue: 7 business days
    assert not result.corrected
    stored = await contact_or_latest(ctx, ALICE, contact.id)
    assert stored.stage is Stage.REQUESTED
    assert stored.requested_at == FRIDAY_MORNING
    kind, _, payload = (await _events(ctx))[-1]
    assert kind == "request_sent"
    assert payload["second_contact_on"] == "2026-12-09"
    assert payload["corrected"] is False
    nudges = await _nudges(ctx, contact.id)
    assert set(nudges) == {"second_contact", "follow_up"}
    assert nudges["second_contact"] == ("2026-12-09T14:00:00.000000+00:00", "pending")


async def test_logging_sent_again_corrects_the_date(ctx: ActionContext) -> None:
    await _zone(ctx, ALICE)
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    await log_request_sent(ctx, ALICE, contact.id)
    again = await log_request_sent(ctx, ALICE, contact.id, "2026-12-03")
    assert again.corrected
    assert again.dates.second_contact_on == date(2026, 12, 8)
    assert (await _events(ctx))[-1][2]["corrected"] is True


async def test_log_request_sent_needs_a_time_zone_and_refuses_future_dates(
    ctx: ActionContext,
) -> None:
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    before = await _snapshot(ctx)
    with pytest.raises(UserError, match="time zone"):
        await log_request_sent(ctx, ALICE, contact.id)
    await _zone(ctx, ALICE)
    before = await _snapshot(ctx)
    with pytest.raises(UserError, match="in the future"):
        await log_request_sent(ctx, ALICE, contact.id, "2026-12-05")
    with pytest.raises(UserError):
        await log_request_sent(ctx, ALICE, contact.id, "2026-02-30")
    assert await _snapshot(ctx) == before


async def test_log_reply_classifies_stops_3b7_and_logs(ctx: ActionContext) -> None:
    await _zone(ctx, ALICE)
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    await log_request_sent(ctx, ALICE, contact.id)
    assert ctx.clock.now() == FRIDAY_MORNING
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))  # Thursday: day 4, an obligate
    result = await log_reply(ctx, ALICE, contact.id)
    assert result.reply_class is ReplyClass.OBLIGATE
    assert result.contact.id == contact.id
    kind, _, payload = (await _events(ctx))[-1]
    assert (kind, payload) == (
        "reply_logged",
        {"replied_on": "2026-12-10", "reply_class": "obligate"},
    )
    nudges = await _nudges(ctx, contact.id)
    statuses = {k: status for k, (_, status) in nudges.items()}
    assert statuses.get("follow_up") == "cancelled"
    assert statuses.get("second_contact") == "cancelled"
    # 3B7 stops; offering times starts: Friday 09:00 New York, then Tuesday (3 business days).
    assert {k: v for k, v in nudges.items() if v[1] == "pending"} == {
        "schedule": ("2026-12-11T14:00:00.000000+00:00", "pending"),
        "schedule_again": ("2026-12-15T14:00:00.000000+00:00", "pending"),
    }


async def test_log_reply_before_the_request_is_refused(ctx: ActionContext) -> None:
    await _zone(ctx, ALICE)
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    before = await _snapshot(ctx)
    with pytest.raises(UserError) as refused:
        await log_reply(ctx, ALICE, contact.id)
    assert str(refused.value) == (
        "Good news that Dana replied! First log when your request went out: `/request sent "
        "contact:Dana date:` the day you sent it (e.g. `Monday` or `Nov 3`), then log the reply "
        "again. I need that day to tell how quickly they replied."
    )
    assert await _snapshot(ctx) == before
    await log_request_sent(ctx, ALICE, contact.id)
    before = await _snapshot(ctx)
    with pytest.raises(UserError, match="before the request went out"):
        await log_reply(ctx, ALICE, contact.id, "2026-12-01")
    assert await _snapshot(ctx) == before


async def test_check_outreach_email_uses_the_server_limit_and_stores_no_draft(
    ctx: ActionContext,
) -> None:
    draft = "Hello " * 120 + "Would you have 20 minutes?"
    result = await check_outreach_email(ctx, ALICE, draft)
    assert result.word_limit == ctx.content.email_rules.word_limit
    failed = [v.rule for v in result.verdicts if not v.passed]
    assert "word_count" in failed
    kind, contact_id, payload = (await _events(ctx))[-1]
    assert (kind, contact_id, payload) == ("email_checked", None, {"failed": failed})
    dump = json.dumps([list(t) for t in await _snapshot(ctx)], default=str)
    assert "Hello Hello" not in dump


async def test_ticking_prepare_items_cancels_the_prepare_reminder_when_complete(
    ctx: ActionContext,
) -> None:
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    state = await contact_checklist(ctx, contact, "prepare")
    assert state.ticked == frozenset()
    assert not state.complete
    for item in state.checklist.items:
        state = await toggle_item(ctx, ALICE, contact.id, "prepare", item.id)
    assert state.complete
    first = state.checklist.items[0].id
    state = await toggle_item(ctx, ALICE, contact.id, "prepare", first)
    assert first not in state.ticked
    # The same day's tick and untick of one item are one event: the latest (issue 14).
    ticks = [(k, p) for k, _, p in await _events(ctx) if k.startswith("checklist_")]
    assert len(ticks) == len(state.checklist.items)
    assert ticks[0] == ("checklist_unticked", {"phase": "prepare", "item": first, "toggles": 2})
    assert [k for k, _ in ticks[1:]] == ["checklist_ticked"] * (len(ticks) - 1)


async def test_ticking_an_unknown_item_or_phase_changes_nothing(ctx: ActionContext) -> None:
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    before = await _snapshot(ctx)
    with pytest.raises(UserError, match="no longer on this checklist"):
        await toggle_item(ctx, ALICE, contact.id, "prepare", "no-such-item")
    with pytest.raises(UserError, match="no longer exists"):
        await toggle_item(ctx, ALICE, contact.id, "nonsense", "x")
    other = StudentKey(ALICE.guild_id, 99)
    first = (await contact_checklist(ctx, contact, "request")).checklist.items[0].id
    with pytest.raises(UserError, match="no longer exists"):
        await toggle_item(ctx, other, contact.id, "request", first)
    assert await _snapshot(ctx) == before


async def test_adding_a_second_person_at_the_employer_ends_the_first_ones_3b_step(
    ctx: ActionContext,
) -> None:
    """/request new for Ben at Contoso, after Dana's request went out: Dana's "contact a second
    person" reminder is no longer planned (re-planned in the same transaction), her follow-up
    still is."""
    await _zone(ctx, ALICE)
    dana = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    await log_request_sent(ctx, ALICE, dana.id)
    assert (await _nudges(ctx, dana.id))["second_contact"][1] == "pending"
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(days=1))
    await add_new_contact(ctx, ALICE, NewContact("Ben Ortiz", "contoso "))
    statuses = {kind: status for kind, (_, status) in (await _nudges(ctx, dana.id)).items()}
    assert statuses["second_contact"] == "cancelled"
    assert statuses["follow_up"] == "pending"


async def test_a_first_action_that_rolls_back_is_not_noted_as_the_students_first(
    ctx: ActionContext,
) -> None:
    """The one-time pointer to /start follows the first command that created the student's
    row; a transaction that fails created nothing, so it is not that command."""
    from bot.actions.common import student_transaction
    from bot.storage.students import created_so_far

    newcomer = StudentKey(guild_id=10, user_id=77)
    with pytest.raises(RuntimeError):
        async with student_transaction(ctx, newcomer, ctx.clock.now()):
            raise RuntimeError("the action failed after ensuring the student")
    assert (10, 77) not in created_so_far()
    assert await ctx.db.fetch_value("SELECT count(*) FROM students WHERE user_id = 77") == 0
    async with student_transaction(ctx, newcomer, ctx.clock.now()):
        pass
    assert (10, 77) in created_so_far()
