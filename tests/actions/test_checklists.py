"""Checklists that tick themselves, against a real migrated SQLite file: every ``done_by`` action
is derived from what the contact's record says after the real action ran; manual ticks still
work and never undo an automatic one; a tick pressed in a DM finds its server from the
contact; the "finish preparing" reminder counts only what can be done before the day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.actions.checklist_ticks import preparation_finished
from bot.actions.checklists import contact_checklist, press_tick, toggle_item
from bot.actions.contacts import NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.followup import (
    CloseReason,
    close_contact,
    log_follow_up_sent,
    log_kept_in_touch,
    log_referrer_told,
    log_reported_back,
    log_thanked,
)
from bot.actions.interview import log_meeting
from bot.actions.planner import NudgePlanner
from bot.actions.prepare import add_bank_questions, add_own_question, schedule_meeting
from bot.actions.request import check_outreach_email, log_reply, log_request_sent
from bot.actions.staff import StaffKey
from bot.actions.staff_checklists import add_item, staff_checklist
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.domain.auto_ticks import DoneBy
from bot.errors import UserError
from bot.storage.contacts import ContactRecord, get_contact_by_id
from bot.storage.database import Database
from bot.storage.students import ensure_student, set_timezone

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
GUILD = 10
SAM = StudentKey(GUILD, 1)
MALLORY = StudentKey(GUILD, 2)
STAFF = StaffKey(guild_id=GUILD, user_id=900)
ZONE = "America/New_York"
DATA = Path(__file__).resolve().parents[2] / "data"
TABLES = ("checklist_ticks", "events", "nudges", "contacts")


@cache
def _content() -> Content:
    return load_content(DATA)


@pytest.fixture
async def ctx(db: Database) -> ActionContext:
    content = _content()
    context = ActionContext(
        db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None)
    )
    for who in (SAM, MALLORY):
        async with db.transaction() as tx:
            await ensure_student(tx, who.guild_id, who.user_id, NOW)
            await set_timezone(tx, who.guild_id, who.user_id, ZONE, NOW)
    return context


def later(ctx: ActionContext, **delta: float) -> None:
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.set(clock.now() + timedelta(**delta))


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in TABLES
    }


async def fresh(ctx: ActionContext, contact_id: int) -> ContactRecord:
    contact = await get_contact_by_id(ctx.db, contact_id)
    assert contact is not None
    return contact


async def auto(ctx: ActionContext, contact_id: int, phase: str) -> set[str]:
    """The items of ``phase`` that the contact's logged actions ticked."""
    state = await contact_checklist(ctx, await fresh(ctx, contact_id), phase)
    assert not state.manual  # nothing here was ticked by hand
    return set(state.auto)


GOOD_DRAFT = (
    "Dear Ms. Lee, I'm a fellow Acme University alum and found you in the alumni directory. "
    "Your work on analytics caught my eye. Would you have 20 minutes to share your experience?"
)


async def test_each_action_ticks_its_item_when_logged(ctx: ActionContext) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    assert await auto(ctx, ada, "request") == set()
    assert await auto(ctx, ada, "prepare") == set()
    assert await auto(ctx, ada, "followup") == set()

    later(ctx, minutes=5)
    await check_outreach_email(ctx, SAM, GOOD_DRAFT)
    assert await auto(ctx, ada, "request") == {"check-email"}

    await log_request_sent(ctx, SAM, ada)
    assert await auto(ctx, ada, "request") == {"check-email", "log-sent"}

    later(ctx, days=1)
    await log_reply(ctx, SAM, ada)
    assert await auto(ctx, ada, "request") == {"check-email", "log-sent", "log-reply"}

    await schedule_meeting(ctx, SAM, ada, "2026-12-01", "14:00")
    assert await auto(ctx, ada, "prepare") == {"schedule"}

    await add_bank_questions(ctx, SAM, ada, "trends", ["trends-skills", "trends-excited"])
    assert await auto(ctx, ada, "prepare") == {"schedule"}  # two questions are not enough
    await add_own_question(ctx, SAM, ada, "How did you pick your first team?")
    assert await auto(ctx, ada, "prepare") == {"schedule", "tiara-questions"}

    ctx.clock.set(datetime(2026, 12, 1, 19, 30, tzinfo=UTC))  # type: ignore[attr-defined]
    logged = await log_meeting(
        ctx,
        SAM,
        ada,
        notes="Talked about release planning.",
        takeaways="Learn SQL window functions.",
        referrals="Grace Hopper — Navy\nAlan Turing — Bletchley",
    )
    assert await auto(ctx, ada, "followup") == {"debrief"}

    await log_thanked(ctx, SAM, ada)
    assert await auto(ctx, ada, "followup") == {"debrief", "thank-you"}

    grace, alan = logged.referral_ids
    await log_request_sent(ctx, SAM, grace)
    assert "contact-referrals" not in await auto(ctx, ada, "followup")  # Alan: not yet
    await log_request_sent(ctx, SAM, alan)
    assert "contact-referrals" in await auto(ctx, ada, "followup")
    # Requests went out to both, so telling Ada waits for both.
    await log_referrer_told(ctx, SAM, grace)
    assert "tell-referrer" not in await auto(ctx, ada, "followup")
    await log_referrer_told(ctx, SAM, alan)
    assert "tell-referrer" in await auto(ctx, ada, "followup")

    later(ctx, days=14)
    await log_reported_back(ctx, SAM, ada)
    later(ctx, days=60)
    await log_kept_in_touch(ctx, SAM, ada)
    assert await auto(ctx, ada, "followup") == {
        "debrief",
        "thank-you",
        "contact-referrals",
        "tell-referrer",
        "report-back",
        "keep-in-touch",
    }
    # The ticks are derived, never stored.
    assert await ctx.db.fetch_value("SELECT count(*) FROM checklist_ticks") == 0


async def test_an_email_checked_before_the_contact_was_added_does_not_count(
    ctx: ActionContext,
) -> None:
    await check_outreach_email(ctx, SAM, GOOD_DRAFT)
    later(ctx, minutes=1)
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    assert await auto(ctx, ada, "request") == set()
    # Another student's check doesn't count for Sam either.
    later(ctx, minutes=1)
    await check_outreach_email(ctx, MALLORY, GOOD_DRAFT)
    assert await auto(ctx, ada, "request") == set()
    later(ctx, minutes=1)
    await check_outreach_email(ctx, SAM, GOOD_DRAFT)
    assert await auto(ctx, ada, "request") == {"check-email"}


# The reviewer's first draft (review finding 8): "1 of 7 rules pass".
BAD_DRAFT = (
    "Hello,\n\nMy name is Maya and I am a first-year student at State University studying "
    "economics. I saw that Globex has many openings and I would love to apply for an "
    "internship this summer. I have attached my resume. I am also a member of the analytics "
    "club. Please let me know if there are any positions available. I look forward to hearing "
    "from you.\n\nThanks,\nMaya"
)


async def test_a_failed_email_check_ticks_nothing(ctx: ActionContext) -> None:
    ids = [
        (await add_new_contact(ctx, SAM, NewContact(name, "Acme"))).id
        for name in ("Ada Lovelace", "Alan Turing")
    ]
    verdicts = (await check_outreach_email(ctx, SAM, BAD_DRAFT)).verdicts
    assert not all(v.passed for v in verdicts)
    later(ctx, minutes=1)
    await check_outreach_email(ctx, SAM, BAD_DRAFT)
    for contact_id in ids:
        assert await auto(ctx, contact_id, "request") == set()
    # Fixing what it flagged, and checking again, ticks it for both.
    later(ctx, minutes=1)
    assert all(v.passed for v in (await check_outreach_email(ctx, SAM, GOOD_DRAFT)).verdicts)
    for contact_id in ids:
        assert await auto(ctx, contact_id, "request") == {"check-email"}


async def test_a_hint_is_not_a_failure(ctx: ActionContext) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    tie = "Hi Ada, fellow Acme alum here. I admire your work. Could we talk for 20 minutes?"
    verdicts = (await check_outreach_email(ctx, SAM, tie)).verdicts
    assert [v.rule for v in verdicts if v.hint] == ["about_them"]
    assert await auto(ctx, ada, "request") == {"check-email"}


async def test_a_passing_check_counts_only_for_contacts_waiting_for_their_request(
    ctx: ActionContext,
) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    alan = (await add_new_contact(ctx, SAM, NewContact("Alan Turing", "Initech"))).id
    later(ctx, minutes=1)
    await log_request_sent(ctx, SAM, ada)  # Ada's email went out unchecked
    later(ctx, minutes=1)
    await check_outreach_email(ctx, SAM, GOOD_DRAFT)  # the draft for Alan
    later(ctx, minutes=1)
    grace = (await add_new_contact(ctx, SAM, NewContact("Grace Hopper", "Hooli"))).id
    assert await auto(ctx, ada, "request") == {"log-sent"}
    assert await auto(ctx, alan, "request") == {"check-email"}
    assert await auto(ctx, grace, "request") == set()  # added after the check
    # Alan's tick stays once his request goes out; Ada's past request is not re-ticked later.
    await log_request_sent(ctx, SAM, alan)
    later(ctx, minutes=1)
    await check_outreach_email(ctx, SAM, GOOD_DRAFT)
    assert await auto(ctx, alan, "request") == {"check-email", "log-sent"}
    assert await auto(ctx, ada, "request") == {"log-sent"}
    assert await auto(ctx, grace, "request") == {"check-email"}


async def test_a_later_step_implies_the_earlier_ones_and_closing_keeps_them(
    ctx: ActionContext,
) -> None:
    # Students log late: a meeting scheduled straight from "planned" still means the request
    # went out and they replied.
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    await schedule_meeting(ctx, SAM, ada, "2026-12-01", "14:00")
    assert await auto(ctx, ada, "request") == {"log-sent", "log-reply"}
    await close_contact(ctx, SAM, ada, CloseReason.DECLINED)
    assert await auto(ctx, ada, "request") == {"log-sent", "log-reply"}
    assert await auto(ctx, ada, "prepare") == {"schedule"}


async def test_referral_items_need_referrals(ctx: ActionContext) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    ctx.clock.set(NOW + timedelta(hours=1))  # type: ignore[attr-defined]
    await log_meeting(ctx, SAM, ada, notes="", takeaways="Read more.", referrals="")
    # No referrals: nothing to contact and nobody to tell, so nothing ticks itself.
    assert await auto(ctx, ada, "followup") == {"debrief"}


async def test_a_manual_tick_works_and_never_undoes_an_automatic_one(ctx: ActionContext) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    # Ticked by hand before it was logged: stored, like any item.
    state = await toggle_item(ctx, SAM, ada, "request", "log-sent")
    assert (state.manual, state.auto) == (frozenset({"log-sent"}), frozenset())
    state = await toggle_item(ctx, SAM, ada, "request", "log-sent")
    assert state.ticked == frozenset()

    await log_request_sent(ctx, SAM, ada)
    before = await snapshot(ctx.db)
    state = await toggle_item(ctx, SAM, ada, "request", "log-sent")
    # The logged action wins: still ticked, nothing written, no event.
    assert "log-sent" in state.ticked
    assert state.auto == frozenset({"log-sent"})
    assert await snapshot(ctx.db) == before
    # Other items still tick by hand.
    state = await toggle_item(ctx, SAM, ada, "request", "draft-email")
    assert state.ticked == frozenset({"log-sent", "draft-email"})
    assert [tuple(r) for r in await ctx.db.fetch_all("SELECT item_id FROM checklist_ticks")] == [
        ("draft-email",)
    ]


async def test_a_tick_pressed_in_a_dm_finds_the_server_from_the_contact(
    ctx: ActionContext,
) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    state = await press_tick(ctx, SAM.user_id, None, ada, "prepare", "research-person")
    assert state.manual == frozenset({"research-person"})
    assert state.contact.guild_id == GUILD
    kind, contact_id, payload, guild_id = (
        await ctx.db.fetch_all(
            "SELECT kind, contact_id, payload, guild_id FROM events ORDER BY id DESC LIMIT 1"
        )
    )[0]
    assert (kind, contact_id, json.loads(payload), guild_id) == (
        "checklist_ticked",
        ada,
        {"phase": "prepare", "item": "research-person"},
        GUILD,
    )
    # In the server too, as before.
    state = await press_tick(ctx, SAM.user_id, GUILD, ada, "prepare", "research-person")
    assert state.manual == frozenset()

    before = await snapshot(ctx.db)
    for user_id, guild_id in ((MALLORY.user_id, None), (MALLORY.user_id, GUILD), (1, 99)):
        with pytest.raises(UserError, match="no longer exists"):
            await press_tick(ctx, user_id, guild_id, ada, "prepare", "research-person")
    with pytest.raises(UserError, match="no longer exists"):
        await press_tick(ctx, SAM.user_id, None, 9999, "prepare", "research-person")
    assert await snapshot(ctx.db) == before


async def test_preparation_counts_only_what_can_be_done_before_the_day(
    ctx: ActionContext,
) -> None:
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    await schedule_meeting(ctx, SAM, ada, "2026-12-10", "14:00")
    prepare = _content().checklists["prepare"]
    day_of = {item.id for item in prepare.items if not item.before_meeting}
    assert day_of == {"confirm-day-before", "arrive-early"}

    async def finished() -> bool:
        contact = await fresh(ctx, ada)
        manual = (await contact_checklist(ctx, contact, "prepare")).manual
        return await preparation_finished(ctx.db, ctx.content, contact, manual)

    pending = {
        r[0] for r in await ctx.db.fetch_all("SELECT kind FROM nudges WHERE status = 'pending'")
    }
    assert "prepare" in pending
    by_hand = [
        item.id
        for item in prepare.items
        if item.before_meeting and item.done_by is None and item.id != "notes-ready"
    ]
    for item_id in by_hand:
        await toggle_item(ctx, SAM, ada, "prepare", item_id)
    await add_bank_questions(
        ctx, SAM, ada, "trends", ["trends-skills", "trends-excited", "trends-changes"]
    )
    assert not await finished()  # "have a way to take notes ready" is still open
    await toggle_item(ctx, SAM, ada, "prepare", "notes-ready")
    # Only the day-of items are open; the schedule and questions ticked themselves.
    state = await contact_checklist(ctx, await fresh(ctx, ada), "prepare")
    assert {item.id for item in prepare.items} - state.ticked == day_of
    assert await finished()
    statuses = dict(
        await ctx.db.fetch_all("SELECT kind, status FROM nudges WHERE contact_id = ?", (ada,))
    )
    assert statuses["prepare"] == "cancelled"
    assert statuses["confirm"] == "pending"


async def test_a_staff_item_with_done_by_ticks_itself(ctx: ActionContext) -> None:
    added = await add_item(
        ctx, STAFF, "request", "Tell the careers office you sent it", done_by="request_sent"
    )
    entry = added.checklist.find(added.item_id)
    assert entry is not None
    assert entry.item.done_by is DoneBy.REQUEST_SENT
    row = await ctx.db.fetch_one(
        "SELECT done_by FROM checklist_items WHERE item_id = ?", (added.item_id,)
    )
    assert row is not None
    assert row[0] == "request_sent"
    audit = await ctx.db.fetch_value("SELECT detail FROM staff_audit")
    assert json.loads(audit)["done_by"] == "request_sent"

    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    assert added.item_id not in await auto(ctx, ada, "request")
    await log_request_sent(ctx, SAM, ada)
    assert {added.item_id, "log-sent"} <= await auto(ctx, ada, "request")

    before = await ctx.db.fetch_all("SELECT * FROM checklist_items")
    with pytest.raises(UserError, match="isn't an action the bot logs"):
        await add_item(ctx, STAFF, "request", "Something", done_by="became_famous")
    assert await ctx.db.fetch_all("SELECT * FROM checklist_items") == before
    shown = await staff_checklist(ctx, STAFF, "request")
    assert [e.item.id for e in shown.items if e.custom] == [added.item_id]


async def test_a_stored_action_this_version_does_not_know_ticks_nothing(
    ctx: ActionContext,
) -> None:
    added = await add_item(ctx, STAFF, "request", "An old step", done_by="request_sent")
    async with ctx.db.transaction() as tx:
        await tx.execute("UPDATE checklist_items SET done_by = 'retired_action'")
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    await log_request_sent(ctx, SAM, ada)
    state = await contact_checklist(ctx, await fresh(ctx, ada), "request")
    assert state.checklist.item(added.item_id) is not None
    assert added.item_id not in state.auto


async def test_the_3b7_steps_tick_themselves(ctx: ActionContext) -> None:
    """The request checklist's waiting steps: a second person at the same employer added after
    the request went out ticks the 3B step (one added before does not), and the logged 7B
    follow-up ticks the follow-up step."""
    ada = (await add_new_contact(ctx, SAM, NewContact("Ada Lovelace", "Acme"))).id
    earlier = (await add_new_contact(ctx, SAM, NewContact("Earl Early", "Acme"))).id
    later(ctx, minutes=5)
    await log_request_sent(ctx, SAM, ada)
    assert await auto(ctx, ada, "request") == {"log-sent"}  # Earl was added before: not 3B

    later(ctx, days=4)  # 3 business days and no reply: a second person at Acme
    await add_new_contact(ctx, SAM, NewContact("Grace Hopper", "Acme"))
    await add_new_contact(ctx, SAM, NewContact("Alan Turing", "Bletchley"))  # elsewhere
    assert await auto(ctx, ada, "request") == {"log-sent", "second-contact"}
    assert "second-contact" not in await auto(ctx, earlier, "request")  # never requested

    later(ctx, days=5)  # day 7: the follow-up
    await log_follow_up_sent(ctx, SAM, ada)
    assert await auto(ctx, ada, "request") == {"log-sent", "second-contact", "follow-up"}
    state = await contact_checklist(ctx, await fresh(ctx, ada), "request")
    assert not state.complete  # the reply is still to come
