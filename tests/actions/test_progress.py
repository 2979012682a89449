"""/progress reads and contact lookup against a real migrated SQLite file: what the overview
and a contact's story are built from, and that reading changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.actions.contact_lookup import NOT_FOUND, resolve_contact, suggest_contacts
from bot.actions.contacts import CONTACT_GONE, NO_CONTACTS, NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import NewEmployer, add_new_employer
from bot.actions.followup import CloseReason, close_contact
from bot.actions.planner import NudgePlanner
from bot.actions.progress import NextNudge, contact_story, progress_overview
from bot.actions.request import log_request_sent
from bot.actions.settings import set_timezone
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.domain.contacts import Stage
from bot.domain.employers import Scores
from bot.errors import UserError
from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.events import append_event
from bot.storage.guild_settings import DEFAULT_REPORT_BACK_DAYS, update_server_settings
from bot.storage.interview_notes import save_notes
from bot.storage.questions import add_question

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
ALICE = StudentKey(guild_id=10, user_id=1)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def _content() -> Content:
    return load_content(DATA)


def make_ctx(db: Database, clock: ManualClock | None = None) -> ActionContext:
    content = _content()
    planner = NudgePlanner(db, content, lambda _: None)
    return ActionContext(db, clock or ManualClock(NOW), content, planner)


async def table_sizes(db: Database) -> dict[str, int]:
    sizes = {}
    for table in ("students", "contacts", "events", "nudges"):
        sizes[table] = int(await db.fetch_value(f"SELECT count(*) FROM {table}"))
    return sizes


async def add(ctx: ActionContext, who: StudentKey, person: str, org: str) -> int:
    return (await add_new_contact(ctx, who, NewContact(person, org))).id


async def test_the_overview_needs_a_contact_and_creates_nothing(db: Database):
    ctx = make_ctx(db)
    await add(ctx, BOB, "Someone", "Else Inc")
    before = await table_sizes(db)
    with pytest.raises(UserError) as raised:
        await progress_overview(ctx, ALICE)
    assert raised.value.message == NO_CONTACTS
    assert await table_sizes(db) == before


async def test_the_overview_has_the_contacts_their_next_reminders_and_the_servers_days(
    db: Database,
):
    clock = ManualClock(NOW)
    ctx = make_ctx(db, clock)
    async with db.transaction() as tx:
        await update_server_settings(tx, ALICE.guild_id, NOW, report_back_days=21)
    await set_timezone(ctx, ALICE, "Europe/Berlin")
    planned = await add(ctx, ALICE, "Grace Hopper", "Navy")
    clock.advance(timedelta(minutes=5))
    requested = await add(ctx, ALICE, "Ada Lovelace", "Acme")
    sent = await log_request_sent(ctx, ALICE, requested)
    await add(ctx, BOB, "Not Alice's", "Acme")
    await add(ctx, ALICE_ELSEWHERE, "Other server", "Acme")
    before = await table_sizes(db)

    overview = await progress_overview(ctx, ALICE)

    assert [c.id for c in overview.contacts] == [requested, planned]  # most recently active first
    assert [c.stage for c in overview.contacts] == [Stage.REQUESTED, Stage.PLANNED]
    second_contact_at = datetime.combine(
        sent.dates.second_contact_on, time(9), ZoneInfo("Europe/Berlin")
    )
    assert overview.next_nudges == {requested: NextNudge("second_contact", second_contact_at)}
    assert overview.report_back_days == 21
    assert overview.zone == ZoneInfo("Europe/Berlin")
    assert overview.now == clock.now()
    assert await table_sizes(db) == before


async def test_the_overview_has_the_students_employers_in_board_order(db: Database):
    ctx = make_ctx(db)
    acme = await add(ctx, ALICE, "Ada Lovelace", "Acme")
    await add(ctx, ALICE, "Grace Hopper", "Navy")
    await add(ctx, BOB, "Not Alice's", "Bob Corp")
    await add_new_employer(ctx, ALICE, NewEmployer("Contoso", Scores(True, 3, 3)))
    for n in range(4):
        await add_new_employer(ctx, ALICE, NewEmployer(f"Scored {n}", Scores(False, 2, 1)))
    closed = await add(ctx, ALICE, "Cy", "Fabrikam")
    await close_contact(ctx, ALICE, closed, CloseReason.NO_REPLY)
    before = await table_sizes(db)

    overview = await progress_overview(ctx, ALICE)

    groups = [(g.employer.name, g.active, g.exhausted) for g in overview.employers]
    assert groups == [
        ("Contoso", True, False),
        ("Scored 0", True, False),
        ("Scored 1", True, False),
        ("Scored 2", True, False),
        ("Scored 3", True, False),
        ("Acme", False, False),  # unscored: below every scored employer
        ("Navy", False, False),
        ("Fabrikam", False, True),  # every contact there closed
    ]
    by_id = {g.employer.id: g.employer.name for g in overview.employers}
    assert {by_id[c.employer_id] for c in overview.contacts if c.id == acme} == {"Acme"}
    assert await table_sizes(db) == before


async def test_the_overview_without_a_time_zone_has_none(db: Database):
    ctx = make_ctx(db)
    await add(ctx, ALICE, "Ada Lovelace", "Acme")
    overview = await progress_overview(ctx, ALICE)
    assert overview.zone is None
    assert overview.next_nudges == {}
    assert overview.report_back_days == DEFAULT_REPORT_BACK_DAYS


async def test_a_contacts_story_has_its_milestones_notes_questions_and_referrals(db: Database):
    ctx = make_ctx(db)
    async with db.transaction() as tx:
        await update_server_settings(tx, ALICE.guild_id, NOW, report_back_days=7)
    await set_timezone(ctx, ALICE, "America/Chicago")
    referrer = await add(ctx, ALICE, "Katherine Johnson", "NASA")
    ada = await add(ctx, ALICE, "Ada Lovelace", "Acme")
    await log_request_sent(ctx, ALICE, ada)
    async with db.transaction() as tx:
        await tx.execute("UPDATE contacts SET referred_by = ? WHERE id = ?", (referrer, ada))
        referral = await add_contact(
            tx,
            guild_id=ALICE.guild_id,
            user_id=ALICE.user_id,
            person="Charles Babbage",
            organization="Engines Ltd",
            role=None,
            connection=None,
            now=NOW,
            referred_by=ada,
        )
        await append_event(
            tx,
            guild_id=ALICE.guild_id,
            user_id=ALICE.user_id,
            contact_id=ada,
            kind="checklist_ticked",  # too noisy for the story
            payload={"phase": "request", "item": "x"},
            at=NOW,
        )
        await save_notes(tx, ada, "Loves analytical engines", "Ask about Babbage", NOW)
        await add_question(tx, ada, "trends", "What is changing in your field?", None)
        await add_question(tx, ada, "own", "What surprised you?", None)
    before = await table_sizes(db)

    story = await contact_story(ctx, ALICE, ada)

    assert story.contact.id == ada
    assert story.contact.stage is Stage.REQUESTED
    assert story.referrer is not None
    assert story.referrer.id == referrer
    assert [r.id for r in story.referrals] == [referral]
    assert [e.kind for e in story.events] == ["contact_added", "request_sent"]
    assert story.total_events == 2
    assert story.events[1].payload["sent_on"] == "2026-03-04"
    assert story.notes is not None
    assert story.notes.notes == "Loves analytical engines"
    assert story.notes.takeaways == "Ask about Babbage"
    assert [q.text for q in story.questions] == [
        "What is changing in your field?",
        "What surprised you?",
    ]
    assert story.report_back_days == 7
    assert story.zone == ZoneInfo("America/Chicago")
    assert story.now == NOW
    assert await table_sizes(db) == before


async def test_another_students_contact_has_no_story(db: Database):
    ctx = make_ctx(db)
    bobs = await add(ctx, BOB, "Ada Lovelace", "Acme")
    with pytest.raises(UserError) as raised:
        await contact_story(ctx, ALICE, bobs)
    assert raised.value.message == CONTACT_GONE
    with pytest.raises(UserError):
        await contact_story(ctx, StudentKey(ALICE_ELSEWHERE.guild_id, BOB.user_id), bobs)


async def test_suggestions_are_the_students_own_matching_contacts_newest_first(db: Database):
    clock = ManualClock(NOW)
    ctx = make_ctx(db, clock)
    ada = await add(ctx, ALICE, "Ada Lovelace", "Acme")
    clock.advance(timedelta(minutes=1))
    grace = await add(ctx, ALICE, "Grace Hopper", "Acme Navy")
    await add(ctx, ALICE, "Katherine Johnson", "NASA")
    await add(ctx, BOB, "Bob's Acme contact", "Acme")
    await add(ctx, ALICE_ELSEWHERE, "Acme elsewhere", "Acme")

    found = await suggest_contacts(ctx, ALICE, "acme", 25)

    assert [c.id for c in found] == [grace, ada]
    assert [c.id for c in await suggest_contacts(ctx, ALICE, "acme", 1)] == [grace]


async def test_resolving_by_id_or_name_only_finds_the_students_own(db: Database):
    ctx = make_ctx(db)
    ada = await add(ctx, ALICE, "Ada Lovelace", "Acme")
    await add(ctx, ALICE, "Grace Hopper", "Acme")
    bobs = await add(ctx, BOB, "Bob's contact", "Initech")

    assert (await resolve_contact(ctx, ALICE, f" {ada} ")).id == ada
    assert (await resolve_contact(ctx, ALICE, "ada lovelace")).id == ada
    assert (await resolve_contact(ctx, ALICE, "Ada Lovelace (Acme)")).id == ada
    with pytest.raises(UserError, match="Several of your contacts match “Acme”"):
        await resolve_contact(ctx, ALICE, "Acme")
    for value in (str(bobs), "Bob's contact", "Initech", "nobody", "9" * 30):
        with pytest.raises(UserError) as raised:
            await resolve_contact(ctx, ALICE, value)
        assert raised.value.message == NOT_FOUND, value
