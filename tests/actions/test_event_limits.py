"""Bounded event logging (issue 14, finding 8) through the real actions on a real SQLite file:
one event per checklist item per day, email checks past the daily count replace the latest
one, a daily cap on checklist events, and journey events always logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import common
from bot.actions.checklists import contact_checklist, toggle_item
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.request import check_outreach_email, log_request_sent
from bot.clock import ManualClock
from bot.content import PHASES
from bot.domain.limits import EMAIL_CHECKS_PER_DAY
from bot.storage.checklists import tick_facts
from bot.storage.contacts import ContactRecord
from bot.storage.history import contact_events
from bot.storage.students import set_timezone

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
GOOD_DRAFT = "Hello Dana, I am a Contoso alumna. Would you have 20 minutes to talk this month?"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


async def events(ctx: ActionContext, who: StudentKey) -> list[tuple[str, str, dict[str, object]]]:
    rows = await ctx.db.fetch_all(
        "SELECT kind, at, payload FROM events WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (who.guild_id, who.user_id),
    )
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


async def hand_items(ctx: ActionContext, contact: ContactRecord) -> list[tuple[str, str]]:
    """(phase, item) of every item ticked by hand (not tied to a logged action)."""
    found: list[tuple[str, str]] = []
    for phase in PHASES:
        state = await contact_checklist(ctx, contact, phase)
        found += [(phase, i.id) for i in state.checklist.items if i.done_by is None]
    return found


async def test_one_items_ticks_and_unticks_of_a_day_are_one_event_holding_the_latest(
    ctx: ActionContext, clock: ManualClock
) -> None:
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    (phase, item), (other_phase, other) = (await hand_items(ctx, contact))[:2]
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        await toggle_item(ctx, ALICE, contact.id, phase, item)
    await toggle_item(ctx, ALICE, contact.id, other_phase, other)
    ticks = [e for e in await events(ctx, ALICE) if e[0].startswith("checklist_")]
    assert [(k, p) for k, _, p in ticks] == [
        ("checklist_ticked", {"phase": phase, "item": item, "toggles": 5}),
        ("checklist_ticked", {"phase": other_phase, "item": other}),
    ]
    assert ticks[0][1].startswith("2026-03-04T12:05")  # the latest toggle's time
    # One more toggle the same day flips the kind; the next day starts a new event.
    await toggle_item(ctx, ALICE, contact.id, phase, item)
    clock.set(NOW + timedelta(days=1))
    await toggle_item(ctx, ALICE, contact.id, phase, item)
    ticks = [(k, p) for k, _, p in await events(ctx, ALICE) if k.startswith("checklist_")]
    assert ticks == [
        ("checklist_unticked", {"phase": phase, "item": item, "toggles": 6}),
        ("checklist_ticked", {"phase": other_phase, "item": other}),
        ("checklist_ticked", {"phase": phase, "item": item}),
    ]
    state = await contact_checklist(ctx, contact, phase)
    assert item in state.manual  # the ticks themselves are all applied


async def test_email_checks_past_the_daily_count_replace_the_latest(
    ctx: ActionContext, clock: ManualClock
) -> None:
    for _ in range(EMAIL_CHECKS_PER_DAY):
        await check_outreach_email(ctx, ALICE, "job " * 200)
        clock.advance(timedelta(seconds=10))
    # A contact added after the last kept check: a later check must still count for it.
    async with ctx.db.transaction() as tx:
        await set_timezone(tx, ALICE.guild_id, ALICE.user_id, "Europe/London", clock.now())
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    assert not (await tick_facts(ctx.db, contact)).email_checked
    for _ in range(5):
        clock.advance(timedelta(seconds=10))
        await check_outreach_email(ctx, ALICE, GOOD_DRAFT)
    checks = [e for e in await events(ctx, ALICE) if e[0] == "email_checked"]
    assert len(checks) == EMAIL_CHECKS_PER_DAY
    latest_failed = (await check_outreach_email(ctx, ALICE, GOOD_DRAFT)).verdicts
    checks = [e for e in await events(ctx, ALICE) if e[0] == "email_checked"]
    assert len(checks) == EMAIL_CHECKS_PER_DAY
    _kind, at, payload = checks[-1]
    assert payload == {
        "failed": [v.rule for v in latest_failed if not v.passed],
        "checks": 7,
    }
    assert at.startswith(clock.now().isoformat()[:19])
    assert (await tick_facts(ctx.db, contact)).email_checked
    # A failed check past the count is counted, but never replaces the passing one.
    clock.advance(timedelta(seconds=10))
    await check_outreach_email(ctx, ALICE, "job " * 200)
    checks = [e for e in await events(ctx, ALICE) if e[0] == "email_checked"]
    assert checks[-1][1:] == (at, {**payload, "checks": 8})
    assert (await tick_facts(ctx.db, contact)).email_checked
    # Another student, and the next day, are counted apart.
    await check_outreach_email(ctx, BOB, GOOD_DRAFT)
    clock.set(NOW + timedelta(days=1))
    await check_outreach_email(ctx, ALICE, GOOD_DRAFT)
    assert len([e for e in await events(ctx, ALICE) if e[0] == "email_checked"]) == (
        EMAIL_CHECKS_PER_DAY + 1
    )
    assert len([e for e in await events(ctx, BOB) if e[0] == "email_checked"]) == 1


async def test_past_the_daily_cap_ticks_are_saved_but_not_logged_journey_events_are(
    ctx: ActionContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "MAX_TICK_EVENTS_PER_DAY", 3)
    async with ctx.db.transaction() as tx:
        await set_timezone(tx, ALICE.guild_id, ALICE.user_id, "Europe/London", clock.now())
    contact = await add_new_contact(ctx, ALICE, NewContact("Dana", "Contoso"))
    items = (await hand_items(ctx, contact))[:5]
    assert len(items) == 5
    for phase, item in items:
        await toggle_item(ctx, ALICE, contact.id, phase, item)
    # an item already logged today is still updated at the cap
    await toggle_item(ctx, ALICE, contact.id, *items[0])
    await log_request_sent(ctx, ALICE, contact.id)
    logged = await events(ctx, ALICE)
    ticks = [(k, p) for k, _, p in logged if k.startswith("checklist_")]
    assert ticks == [
        ("checklist_unticked", {"phase": items[0][0], "item": items[0][1], "toggles": 2}),
        ("checklist_ticked", {"phase": items[1][0], "item": items[1][1]}),
        ("checklist_ticked", {"phase": items[2][0], "item": items[2][1]}),
    ]
    assert [k for k, _, _ in logged if not k.startswith("checklist_")] == [
        "contact_added",
        "request_sent",
    ]
    stored = await ctx.db.fetch_value(
        "SELECT count(*) FROM checklist_ticks WHERE contact_id = ?", (contact.id,)
    )
    assert stored == 4  # five ticked, the first unticked again
    history = await contact_events(ctx.db, ALICE.guild_id, ALICE.user_id, contact.id)
    assert [e.kind for e in history] == ["contact_added", "request_sent"]
