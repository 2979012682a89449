"""Phase 2 actions against a real migrated SQLite file: scheduling the meeting (and its
reminders) and building the question list. No Discord."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.actions.contacts import CONTACT_GONE, NEEDS_ZONE, NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.planner import NudgePlanner
from bot.actions.prepare import (
    FULL,
    NOT_A_CATEGORY,
    NOT_IN_BANK,
    PICK_TO_REMOVE,
    QUESTION_GONE,
    STARS_FULL,
    add_bank_questions,
    add_own_question,
    check_room_for_question,
    question_list,
    remove_questions,
    schedule_meeting,
    star_question,
    suggest_questions,
    tiara_bank,
    toggle_star,
    unstar_question,
)
from bot.clock import ManualClock
from bot.content import load_content
from bot.errors import UserError
from bot.storage.database import Database
from bot.storage.students import ensure_student, set_timezone
from tests.actions.db_tables import snapshot

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
CONTENT = load_content(DATA)


# --- helpers (kept in this file: no shared conftest) -------------------------------------------


@pytest.fixture
def ctx(db: Database) -> ActionContext:
    return ActionContext(db, ManualClock(NOW), CONTENT, NudgePlanner(db, CONTENT, lambda due: None))


async def set_zone(ctx: ActionContext, who: StudentKey, zone: str) -> None:
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, NOW)
        await set_timezone(tx, who.guild_id, who.user_id, zone, NOW)


async def new_contact(ctx: ActionContext, who: StudentKey, person: str = "Ada Lovelace") -> int:
    return (await add_new_contact(ctx, who, NewContact(person, "Acme"))).id


async def rows(db: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await db.fetch_all(sql, params)]


async def events(db: Database, contact_id: int) -> list[tuple[str, dict[str, Any]]]:
    found = await rows(
        db, "SELECT kind, payload FROM events WHERE contact_id = ? ORDER BY id", (contact_id,)
    )
    return [(kind, json.loads(payload)) for kind, payload in found]


async def nudges(db: Database, contact_id: int, status: str = "pending") -> list[tuple[Any, ...]]:
    return await rows(
        db,
        "SELECT kind, occurrence, due_at FROM nudges WHERE contact_id = ? AND status = ?"
        " ORDER BY due_at, kind",
        (contact_id, status),
    )


async def questions(db: Database, contact_id: int) -> list[tuple[Any, ...]]:
    return await rows(
        db,
        "SELECT category, bank_id, text FROM contact_questions WHERE contact_id = ?"
        " ORDER BY position, id",
        (contact_id,),
    )


async def set_stage(db: Database, contact_id: int, stage: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE contacts SET stage = ?, stage_before_close = ? WHERE id = ?",
            (stage, "requested" if stage == "closed" else None, contact_id),
        )


# --- schedule_meeting ------------------------------------------------------------------------


async def test_schedule_stores_the_meeting_logs_it_and_plans_the_reminders(
    ctx: ActionContext, db: Database
):
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)

    result = await schedule_meeting(ctx, ALICE, contact_id, "2026-12-03", "14:30")

    start = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)  # 14:30 EST
    assert (result.start, result.previous, result.minutes) == (start, None, 20)
    assert (result.local_day.isoformat(), f"{result.local_time:%H:%M}") == ("2026-12-03", "14:30")
    assert result.zone.key == "America/New_York"
    assert await rows(
        db,
        "SELECT stage, meeting_at, meeting_tz, meeting_minutes, scheduled_at FROM contacts"
        " WHERE id = ?",
        (contact_id,),
    ) == [
        (
            "scheduled",
            "2026-12-03T19:30:00.000000+00:00",
            "America/New_York",
            20,
            "2026-11-25T15:00:00.000000+00:00",
        )
    ]
    assert (await events(db, contact_id))[-1] == (
        "meeting_scheduled",
        {
            "meeting_at": "2026-12-03T19:30:00.000000+00:00",
            "minutes": 20,
            "timezone": "America/New_York",
        },
    )
    occurrence = start.isoformat()
    assert await nudges(db, contact_id) == [
        # Same local wall time 3 days and 1 day before; one hour before.
        ("prepare", occurrence, "2026-11-30T19:30:00.000000+00:00"),
        ("confirm", occurrence, "2026-12-02T19:30:00.000000+00:00"),
        ("top_questions", occurrence, "2026-12-03T18:30:00.000000+00:00"),
    ]


async def test_rescheduling_logs_old_and_new_and_moves_the_reminders(
    ctx: ActionContext, db: Database
):
    await set_zone(ctx, ALICE, "Europe/Berlin")
    contact_id = await new_contact(ctx, ALICE)
    await schedule_meeting(ctx, ALICE, contact_id, "2026-12-03", "09:00")

    result = await schedule_meeting(ctx, ALICE, contact_id, "2026-12-04", "16:15", 45)

    old = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    new = datetime(2026, 12, 4, 15, 15, tzinfo=UTC)
    assert (result.previous, result.start, result.minutes) == (old, new, 45)
    assert await rows(
        db, "SELECT stage, meeting_at, meeting_minutes FROM contacts WHERE id = ?", (contact_id,)
    ) == [("scheduled", "2026-12-04T15:15:00.000000+00:00", 45)]
    assert [kind for kind, _ in await events(db, contact_id)] == [
        "contact_added",
        "meeting_scheduled",
        "meeting_rescheduled",
    ]
    assert (await events(db, contact_id))[-1][1] == {
        "old_meeting_at": "2026-12-03T08:00:00.000000+00:00",
        "new_meeting_at": "2026-12-04T15:15:00.000000+00:00",
        "minutes": 45,
        "timezone": "Europe/Berlin",
    }
    assert {(kind, occ) for kind, occ, _ in await nudges(db, contact_id)} == {
        (kind, new.isoformat()) for kind in ("prepare", "confirm", "top_questions")
    }
    # The reminders for the old time are gone (moved, not duplicated).
    assert await rows(db, "SELECT count(*) FROM nudges WHERE contact_id = ?", (contact_id,)) == [
        (3,)
    ]


@pytest.mark.parametrize(
    ("day", "at", "minutes", "needle"),
    [
        ("2026-11-25", "10:00", None, "has already passed"),  # start == now
        ("2027-03-14", "02:30", None, "doesn't exist in America/New_York"),  # DST gap
        ("2027-02-30", "10:00", None, "isn't a real calendar date"),
        ("next fortnight", "10:00", None, "isn't a date I can read"),
        ("2026-12-01", "25:00", None, "isn't a time I can read"),
        ("2028-01-05", "10:00", None, "more than a year ahead"),
        ("2026-12-01", "10:00", 5, "10 to 60 minutes"),
        ("2026-12-01", "10:00", 61, "10 to 60 minutes"),
    ],
)
async def test_schedule_refuses_bad_input_and_changes_nothing(
    ctx: ActionContext, db: Database, day: str, at: str, minutes: int | None, needle: str
):
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await schedule_meeting(ctx, ALICE, contact_id, day, at, minutes)
    assert needle in refused.value.message
    assert await snapshot(db) == before


async def test_schedule_refuses_later_and_closed_stages_and_others_contacts(
    ctx: ActionContext, db: Database
):
    await set_zone(ctx, ALICE, "America/New_York")
    met = await new_contact(ctx, ALICE, "Met Already")
    closed = await new_contact(ctx, ALICE, "Closed One")
    bobs = await new_contact(ctx, BOB, "Bob's")
    await set_stage(db, met, "met")
    await set_stage(db, closed, "closed")
    before = await snapshot(db)
    for contact_id, needle in (
        (met, "don't move backwards"),
        (closed, "Reopen"),
        (bobs, CONTACT_GONE),
    ):
        with pytest.raises(UserError) as refused:
            await schedule_meeting(ctx, ALICE, contact_id, "2026-12-01", "10:00")
        assert needle in refused.value.message
    assert await snapshot(db) == before


async def test_schedule_without_a_zone_is_refused(ctx: ActionContext, db: Database):
    contact_id = await new_contact(ctx, ALICE)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await schedule_meeting(ctx, ALICE, contact_id, "2026-12-01", "10:00")
    assert refused.value.message == NEEDS_ZONE
    assert await snapshot(db) == before


# --- the question list -----------------------------------------------------------------------


async def test_bank_questions_are_added_in_order_once_each(ctx: ActionContext, db: Database):
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    await schedule_meeting(ctx, ALICE, contact_id, "2026-12-03", "14:30")
    planned = await nudges(db, contact_id)

    first = await add_bank_questions(
        ctx, ALICE, contact_id, "trends", ["trends-skills", "trends-excited", "trends-skills"]
    )
    second = await add_bank_questions(
        ctx, ALICE, contact_id, "trends", ["trends-excited", "trends-changes"]
    )

    assert (first.added, first.skipped) == (2, 0)
    assert (second.added, second.skipped) == (1, 1)
    assert [q.bank_id for q in second.listing.questions] == [
        "trends-skills",
        "trends-excited",
        "trends-changes",
    ]
    assert (await questions(db, contact_id))[0] == (
        "trends",
        "trends-skills",
        "Which skills do you think will matter more in your field five years from now?",
    )
    assert [b for _, b, _ in await questions(db, contact_id)] == [
        q.bank_id for q in second.listing.questions
    ]
    added = [p for k, p in await events(db, contact_id) if k == "question_added"]
    assert added == [
        {"category": "trends", "bank_id": "trends-skills"},
        {"category": "trends", "bank_id": "trends-excited"},
        {"category": "trends", "bank_id": "trends-changes"},
    ]
    # Nothing planned depends on the list: the meeting reminders are untouched.
    assert await nudges(db, contact_id) == planned


async def test_picking_only_questions_already_on_the_list_writes_nothing(
    ctx: ActionContext, db: Database
):
    contact_id = await new_contact(ctx, ALICE)
    await add_bank_questions(ctx, ALICE, contact_id, "advice", ["advice-mistakes"])
    before = await snapshot(db)
    result = await add_bank_questions(ctx, ALICE, contact_id, "advice", ["advice-mistakes"])
    assert (result.added, result.skipped) == (0, 1)
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("category", "picks", "needle"),
    [
        ("trends", ["advice-mistakes"], NOT_IN_BANK),  # another category's question
        ("trends", ["no-such-question"], NOT_IN_BANK),
        ("trends", [], NOT_IN_BANK),
        ("gossip", ["trends-skills"], NOT_A_CATEGORY),
    ],
)
async def test_bank_picks_that_are_not_in_the_bank_are_refused(
    ctx: ActionContext, db: Database, category: str, picks: list[str], needle: str
):
    contact_id = await new_contact(ctx, ALICE)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await add_bank_questions(ctx, ALICE, contact_id, category, picks)
    assert refused.value.message == needle
    assert await snapshot(db) == before


async def test_at_most_ten_questions_all_or_nothing(ctx: ActionContext, db: Database):
    contact_id = await new_contact(ctx, ALICE)
    await add_bank_questions(
        ctx,
        ALICE,
        contact_id,
        "trends",
        ["trends-changes", "trends-excited", "trends-skills", "trends-challenges"],
    )
    await add_bank_questions(
        ctx,
        ALICE,
        contact_id,
        "insights",
        ["insights-surprise", "insights-path", "insights-enjoy", "insights-culture"],
    )
    await add_bank_questions(ctx, ALICE, contact_id, "advice", ["advice-mistakes"])
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await add_bank_questions(
            ctx, ALICE, contact_id, "advice", ["advice-if-starting", "advice-stand-out"]
        )
    assert "room for 1 more" in refused.value.message
    assert await snapshot(db) == before

    await add_own_question(ctx, ALICE, contact_id, "The tenth?")
    before = await snapshot(db)
    for attempt in (
        add_own_question(ctx, ALICE, contact_id, "An eleventh?"),
        add_bank_questions(ctx, ALICE, contact_id, "advice", ["advice-stand-out"]),
        check_room_for_question(ctx, ALICE, contact_id),
    ):
        with pytest.raises(UserError) as refused:
            await attempt
        assert refused.value.message == FULL
    assert await snapshot(db) == before
    assert len(await questions(db, contact_id)) == 10


async def test_own_question_is_squashed_stored_and_logged(ctx: ActionContext, db: Database):
    contact_id = await new_contact(ctx, ALICE)
    assert (await check_room_for_question(ctx, ALICE, contact_id)).id == contact_id
    listing = await add_own_question(ctx, ALICE, contact_id, "  How did *you* pick\nyour team?  ")
    assert [q.text for q in listing.questions] == ["How did *you* pick your team?"]
    assert await questions(db, contact_id) == [("own", None, "How did *you* pick your team?")]
    assert (await events(db, contact_id))[-1] == (
        "question_added",
        {"category": "own", "bank_id": None},
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [("x" * 301, "the most is 300"), ("   ", "can't be empty"), ("a\x00b", "control character")],
)
async def test_bad_own_questions_are_refused(
    ctx: ActionContext, db: Database, text: str, needle: str
):
    contact_id = await new_contact(ctx, ALICE)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await add_own_question(ctx, ALICE, contact_id, text)
    assert needle in refused.value.message
    assert await snapshot(db) == before


async def test_removing_keeps_the_others_in_order_and_skips_what_is_gone(
    ctx: ActionContext, db: Database
):
    contact_id = await new_contact(ctx, ALICE)
    added = await add_bank_questions(
        ctx,
        ALICE,
        contact_id,
        "insights",
        ["insights-surprise", "insights-path", "insights-enjoy"],
    )
    ids = [q.id for q in added.listing.questions]

    result = await remove_questions(ctx, ALICE, contact_id, [ids[1]])

    assert result.removed == 1
    assert [q.bank_id for q in result.listing.questions] == ["insights-surprise", "insights-enjoy"]
    assert [b for _, b, _ in await questions(db, contact_id)] == [
        "insights-surprise",
        "insights-enjoy",
    ]
    assert (await events(db, contact_id))[-1] == (
        "question_removed",
        {"category": "insights", "bank_id": "insights-path"},
    )
    logged = len(await events(db, contact_id))
    again = await remove_questions(ctx, ALICE, contact_id, [ids[1]])  # a stale option
    assert again.removed == 0
    assert len(await events(db, contact_id)) == logged


async def test_removing_refuses_nothing_picked_and_cannot_touch_others_questions(
    ctx: ActionContext, db: Database
):
    mine = await new_contact(ctx, ALICE)
    bobs = await new_contact(ctx, BOB)
    bob_list = await add_bank_questions(ctx, BOB, bobs, "trends", ["trends-changes"])
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await remove_questions(ctx, ALICE, mine, [])
    assert refused.value.message == PICK_TO_REMOVE
    with pytest.raises(UserError) as refused:
        await remove_questions(ctx, ALICE, bobs, [bob_list.listing.questions[0].id])
    assert refused.value.message == CONTACT_GONE
    result = await remove_questions(ctx, ALICE, mine, [bob_list.listing.questions[0].id])
    assert result.removed == 0
    assert await questions(db, bobs) == [
        ("trends", "trends-changes", bob_list.listing.questions[0].text)
    ]
    assert [k for k, _ in await events(db, bobs)] == ["contact_added", "question_added"]
    assert await snapshot(db) == before


async def test_reads_for_the_builder(ctx: ActionContext, db: Database):
    contact_id = await new_contact(ctx, ALICE)
    await add_bank_questions(ctx, ALICE, contact_id, "resources", ["resources-who-else"])
    listing = await question_list(ctx, ALICE, contact_id)
    assert listing.contact.person == "Ada Lovelace"
    assert listing.bank_ids == {"resources-who-else"}
    assert not listing.full
    assert "resources-who-else" in [q.id for q in tiara_bank(ctx, "resources")]
    with pytest.raises(UserError):
        await question_list(ctx, BOB, contact_id)
    with pytest.raises(UserError):
        tiara_bank(ctx, "own")


async def test_the_third_question_finishes_preparing_and_cancels_its_reminder(
    ctx: ActionContext, db: Database
) -> None:
    """With every other before-the-meeting item ticked, choosing the third question is what
    finishes the preparation: the "finish preparing" reminder goes; removing one brings it back."""
    from bot.actions.checklists import contact_checklist, toggle_item
    from bot.actions.contacts import owned_contact

    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    await schedule_meeting(ctx, ALICE, contact_id, "2026-12-10", "15:00")
    state = await contact_checklist(ctx, await owned_contact(ctx, ALICE, contact_id), "prepare")
    for item in state.checklist.items:
        if item.id not in state.ticked and item.id != "tiara-questions":
            await toggle_item(ctx, ALICE, contact_id, "prepare", item.id)
    assert "prepare" in {kind for kind, _, _ in await nudges(db, contact_id)}
    bank = [q.id for q in tiara_bank(ctx, "trends")][:3]
    await add_bank_questions(ctx, ALICE, contact_id, "trends", bank[:2])
    assert "prepare" in {kind for kind, _, _ in await nudges(db, contact_id)}
    await add_bank_questions(ctx, ALICE, contact_id, "trends", bank[2:])
    assert "prepare" not in {kind for kind, _, _ in await nudges(db, contact_id)}
    first = (await question_list(ctx, ALICE, contact_id)).questions[0].id
    await remove_questions(ctx, ALICE, contact_id, [first])
    assert "prepare" in {kind for kind, _, _ in await nudges(db, contact_id)}


# --- stars -------------------------------------------------------------------------------------

FIVE = ["insights-surprise", "insights-path", "insights-enjoy", "insights-culture"]


async def five_questions(ctx: ActionContext, who: StudentKey = ALICE) -> tuple[int, list[int]]:
    """A contact with five questions: four Insights, then one of the student's own."""
    contact_id = await new_contact(ctx, who)
    await add_bank_questions(ctx, who, contact_id, "insights", FIVE)
    listing = await add_own_question(ctx, who, contact_id, "What would you do in my place?")
    return contact_id, [q.id for q in listing.questions]


async def stars(db: Database, contact_id: int) -> list[tuple[str, str | None]]:
    """Each question in position order with when it was starred."""
    return [
        (text, starred_at)
        for text, starred_at in await rows(
            db,
            "SELECT text, starred_at FROM contact_questions WHERE contact_id = ?"
            " ORDER BY position, id",
            (contact_id,),
        )
    ]


async def test_starring_marks_the_question_in_place_and_logs_it(ctx: ActionContext, db: Database):
    contact_id, ids = await five_questions(ctx)
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(timedelta(minutes=5))

    result = await star_question(ctx, ALICE, contact_id, "4")  # the number as listed

    assert result.changed
    assert result.question.id == ids[3]
    assert result.question.starred_at == NOW + timedelta(minutes=5)
    assert result.number == 4  # numbers never shift: the list keeps the asking order
    assert [q.id for q in result.listing.questions] == ids
    assert [q.id for q in result.listing.starred] == [ids[3]]
    stored = await stars(db, contact_id)
    assert [at is not None for _, at in stored] == [False, False, False, True, False]
    assert (await events(db, contact_id))[-1] == (
        "question_starred",
        {"category": "insights", "bank_id": "insights-culture"},
    )
    listing = await question_list(ctx, ALICE, contact_id)
    assert [q.id for q in listing.questions] == ids

    result = await star_question(ctx, ALICE, contact_id, f"q{ids[1]}")  # the autocomplete value
    assert [q.id for q in result.listing.questions] == ids
    assert [q.id for q in result.listing.starred] == [ids[1], ids[3]]
    assert result.number == 2


async def test_starring_twice_or_unstarring_an_unstarred_question_writes_nothing(
    ctx: ActionContext, db: Database
):
    contact_id, ids = await five_questions(ctx)
    await star_question(ctx, ALICE, contact_id, "2")
    before = await snapshot(db)
    again = await star_question(ctx, ALICE, contact_id, f"q{ids[1]}")
    assert not again.changed
    assert again.question.starred
    plain = await unstar_question(ctx, ALICE, contact_id, f"q{ids[0]}")
    assert not plain.changed
    assert not plain.question.starred
    assert await snapshot(db) == before


async def test_unstarring_puts_it_back_in_its_place(ctx: ActionContext, db: Database):
    contact_id, ids = await five_questions(ctx)
    await star_question(ctx, ALICE, contact_id, f"q{ids[4]}")
    result = await unstar_question(ctx, ALICE, contact_id, "5")
    assert result.changed
    assert not result.question.starred
    assert result.number == 5
    assert [q.id for q in result.listing.questions] == ids
    assert all(at is None for _, at in await stars(db, contact_id))
    assert (await events(db, contact_id))[-1] == (
        "question_unstarred",
        {"category": "own", "bank_id": None},
    )


async def test_a_fourth_star_is_refused_saying_how_to_unstar_and_nothing_changes(
    ctx: ActionContext, db: Database
):
    contact_id, ids = await five_questions(ctx)
    for question_id in ids[:3]:
        await star_question(ctx, ALICE, contact_id, f"q{question_id}")
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await star_question(ctx, ALICE, contact_id, f"q{ids[4]}")
    assert refused.value.message == STARS_FULL
    assert "starred 3 questions" in STARS_FULL
    assert "Unstar one first with `/prepare unstar`" in STARS_FULL
    with pytest.raises(UserError) as refused:
        await toggle_star(ctx, ALICE, contact_id, f"q{ids[3]}")
    assert refused.value.message == STARS_FULL
    assert await snapshot(db) == before

    # Unstar one, and the fourth can be starred.
    await toggle_star(ctx, ALICE, contact_id, f"q{ids[0]}")
    result = await star_question(ctx, ALICE, contact_id, f"q{ids[4]}")
    assert {q.id for q in result.listing.starred} == {ids[1], ids[2], ids[4]}


async def test_toggle_stars_and_unstars(ctx: ActionContext, db: Database):
    contact_id, ids = await five_questions(ctx)
    on = await toggle_star(ctx, ALICE, contact_id, f"q{ids[2]}")
    assert on.changed
    assert on.question.starred
    off = await toggle_star(ctx, ALICE, contact_id, f"q{ids[2]}")
    assert off.changed
    assert not off.question.starred
    assert [k for k, _ in await events(db, contact_id)][-2:] == [
        "question_starred",
        "question_unstarred",
    ]


@pytest.mark.parametrize("value", ["6", "0", "q999999", "nothing like it", "", "²", "#99"])
async def test_a_question_not_on_the_list_is_refused(ctx: ActionContext, db: Database, value: str):
    contact_id, _ = await five_questions(ctx)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await star_question(ctx, ALICE, contact_id, value)
    assert refused.value.message == QUESTION_GONE
    assert await snapshot(db) == before


async def test_a_question_can_be_named_by_words_only_it_contains(ctx: ActionContext):
    contact_id, ids = await five_questions(ctx)
    result = await star_question(ctx, ALICE, contact_id, "  in MY   place ")
    assert result.question.id == ids[4]
    with pytest.raises(UserError) as refused:  # in several questions: ambiguous
        await star_question(ctx, ALICE, contact_id, "you")
    assert refused.value.message == QUESTION_GONE


async def test_a_deleted_question_cannot_be_starred(ctx: ActionContext, db: Database):
    contact_id, ids = await five_questions(ctx)
    await star_question(ctx, ALICE, contact_id, f"q{ids[0]}")
    await remove_questions(ctx, ALICE, contact_id, [ids[1], ids[0]])
    before = await snapshot(db)
    for action in (star_question, unstar_question, toggle_star):
        with pytest.raises(UserError) as refused:
            await action(ctx, ALICE, contact_id, f"q{ids[1]}")
        assert refused.value.message == QUESTION_GONE
    assert await snapshot(db) == before
    # Removing a starred question frees its star.
    assert (await question_list(ctx, ALICE, contact_id)).starred == ()


async def test_someone_elses_contact_or_question_cannot_be_starred(
    ctx: ActionContext, db: Database
):
    mine, _ = await five_questions(ctx)
    bobs, bob_ids = await five_questions(ctx, BOB)
    before = await snapshot(db)
    for action in (star_question, unstar_question, toggle_star):
        with pytest.raises(UserError) as refused:
            await action(ctx, ALICE, bobs, "1")
        assert refused.value.message == CONTACT_GONE
        # Bob's question id on my own contact: not on my list.
        with pytest.raises(UserError) as refused:
            await action(ctx, ALICE, mine, f"q{bob_ids[0]}")
        assert refused.value.message == QUESTION_GONE
    assert await snapshot(db) == before


async def test_suggestions_number_the_list_as_shown_and_filter_by_star(ctx: ActionContext):
    contact_id, ids = await five_questions(ctx)
    await star_question(ctx, ALICE, contact_id, f"q{ids[3]}")
    everything = await suggest_questions(ctx, ALICE, str(contact_id), "")
    assert [(n, q.id) for n, q in everything] == list(enumerate(ids, start=1))
    starred = await suggest_questions(ctx, ALICE, str(contact_id), "", starred=True)
    assert [(n, q.id) for n, q in starred] == [(4, ids[3])]
    assert [n for n, _ in await suggest_questions(ctx, ALICE, str(contact_id), "3")] == [3]
    assert [q.id for _, q in await suggest_questions(ctx, ALICE, str(contact_id), "MY place")] == [
        ids[4]
    ]
    assert await suggest_questions(ctx, BOB, str(contact_id), "") == []  # not Bob's
    assert await suggest_questions(ctx, ALICE, "no such contact", "") == []
