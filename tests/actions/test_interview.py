"""Phase 3 actions against a real migrated SQLite file: what /interview checklist shows, and
logging the meeting (notes, takeaways, referrals as new linked contacts, reminders). No
Discord."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.actions.contacts import CONTACT_GONE, NO_CONTACTS, NewContact, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.interview import log_meeting, meeting_brief, meeting_to_log
from bot.actions.prepare import add_bank_questions, schedule_meeting
from bot.actions.request import log_request_sent
from bot.clock import ManualClock
from bot.domain.limits import MAX_OPEN_CONTACTS
from bot.domain.referrals import Referral
from bot.errors import UserError
from bot.storage.contacts import add_contact
from bot.storage.database import Database
from bot.storage.students import ensure_student, set_timezone
from tests.actions.db_tables import snapshot

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
REFERRALS = "Grace Hopper — Navy\n\nAlan Turing at Bletchley Park\n- Katherine Johnson – NASA"


# --- helpers (`content` and `ctx` come from tests/actions/conftest.py) --------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


async def set_zone(ctx: ActionContext, who: StudentKey, zone: str) -> None:
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, NOW)
        await set_timezone(tx, who.guild_id, who.user_id, zone, NOW)


async def new_contact(ctx: ActionContext, who: StudentKey, person: str = "Ada Lovelace") -> int:
    return (await add_new_contact(ctx, who, NewContact(person, "Acme"))).id


async def rows(db: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await db.fetch_all(sql, params)]


async def events_of(db: Database, who: StudentKey) -> list[tuple[str, int | None, dict[str, Any]]]:
    found = await rows(
        db,
        "SELECT kind, contact_id, payload FROM events WHERE user_id = ? ORDER BY id",
        (who.user_id,),
    )
    return [(kind, contact, json.loads(payload)) for kind, contact, payload in found]


async def pending(db: Database, contact_id: int) -> list[tuple[str, str]]:
    return await rows(
        db,
        "SELECT kind, due_at FROM nudges WHERE contact_id = ? AND status = 'pending'"
        " ORDER BY due_at, kind",
        (contact_id,),
    )


async def set_stage(db: Database, contact_id: int, stage: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE contacts SET stage = ?, stage_before_close = ? WHERE id = ?",
            (stage, "requested" if stage == "closed" else None, contact_id),
        )


# --- log_meeting -----------------------------------------------------------------------------


async def test_logging_marks_met_saves_notes_adds_linked_referrals_and_plans(
    ctx: ActionContext, db: Database
):
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)

    result = await log_meeting(
        ctx,
        ALICE,
        contact_id,
        notes="Talked about release planning.",
        takeaways="  Learn SQL window functions.  ",
        referrals=REFERRALS,
    )

    assert result.contact.id == contact_id
    assert (result.notes, result.takeaways) == (
        "Talked about release planning.",
        "Learn SQL window functions.",
    )
    assert result.referrals == (
        Referral("Grace Hopper", "Navy"),
        Referral("Alan Turing", "Bletchley Park"),
        Referral("Katherine Johnson", "NASA"),
    )
    assert await rows(db, "SELECT stage, met_at FROM contacts WHERE id = ?", (contact_id,)) == [
        ("met", "2026-11-25T15:00:00.000000+00:00")
    ]
    assert await rows(
        db,
        "SELECT notes, takeaways, logged_at FROM interview_notes WHERE contact_id = ?",
        (contact_id,),
    ) == [
        (
            "Talked about release planning.",
            "Learn SQL window functions.",
            "2026-11-25T15:00:00.000000+00:00",
        )
    ]
    referrals = await rows(
        db,
        "SELECT id, person, organization, connection, stage, referred_by, guild_id, user_id"
        " FROM contacts WHERE referred_by = ? ORDER BY id",
        (contact_id,),
    )
    assert [r[1:] for r in referrals] == [
        (person, org, "mutual", "planned", contact_id, ALICE.guild_id, ALICE.user_id)
        for person, org in (
            ("Grace Hopper", "Navy"),
            ("Alan Turing", "Bletchley Park"),
            ("Katherine Johnson", "NASA"),
        )
    ]
    assert result.referral_ids == tuple(r[0] for r in referrals)
    # Each referral belongs to its employer, new on the list (unscored): issue 11.
    employers = await rows(
        db,
        "SELECT c.id, e.id, e.name FROM contacts c JOIN employers e ON e.id = c.employer_id"
        " WHERE c.referred_by = ? ORDER BY c.id",
        (contact_id,),
    )
    assert [(c, name) for c, _, name in employers] == [
        (r[0], org) for r, org in zip(referrals, ("Navy", "Bletchley Park", "NASA"), strict=True)
    ]
    added_events = []
    for referral_id, employer_id, _ in employers:
        added_events += [
            ("contact_added", referral_id, {"referred_by": contact_id}),
            (
                "employer_added",
                referral_id,
                {"employer_id": employer_id, "scored": False, "source": "contact"},
            ),
        ]
    assert (await events_of(db, ALICE))[1:] == [
        ("meeting_logged", contact_id, {"notes": 1, "takeaways": 1, "referrals": 3}),
        *added_events,
    ]
    assert await pending(db, contact_id) == [
        ("thank_you", "2026-11-25T18:00:00.000000+00:00"),  # 3 hours after, 13:00 local
        # The last call, 20 hours after (06:00, quiet hours), waits for 08:00: still in time.
        ("thank_you_again", "2026-11-26T13:00:00.000000+00:00"),
        ("referrals", "2026-11-30T14:00:00.000000+00:00"),  # 09:00 on the 3rd business day
        ("report_back", "2026-12-09T14:00:00.000000+00:00"),  # 09:00 two weeks later
    ]


async def test_logging_a_scheduled_meeting_without_notes_or_referrals(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await set_zone(ctx, ALICE, "UTC")
    contact_id = await new_contact(ctx, ALICE)
    await schedule_meeting(ctx, ALICE, contact_id, "2026-11-26", "09:00")
    meeting_reminders = {"prepare", "confirm", "top_questions"}
    assert {kind for kind, _ in await pending(db, contact_id)} == meeting_reminders
    clock.set(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))

    result = await log_meeting(
        ctx, ALICE, contact_id, notes="  ", takeaways="Ask about data.", referrals=""
    )

    assert (result.notes, result.referrals, result.referral_ids) == (None, (), ())
    assert await rows(
        db, "SELECT stage, met_at, meeting_at FROM contacts WHERE id = ?", (contact_id,)
    ) == [("met", "2026-11-26T09:30:00.000000+00:00", "2026-11-26T09:00:00.000000+00:00")]
    assert await rows(
        db, "SELECT notes, takeaways FROM interview_notes WHERE contact_id = ?", (contact_id,)
    ) == [(None, "Ask about data.")]
    assert (await events_of(db, ALICE))[-1] == (
        "meeting_logged",
        contact_id,
        {"notes": 0, "takeaways": 1, "referrals": 0},
    )
    # The meeting reminders are gone; no referrals reminder without referrals.
    assert [kind for kind, _ in await pending(db, contact_id)] == [
        "thank_you",
        "thank_you_again",
        "report_back",
    ]


async def test_logging_a_referred_contact_re_plans_its_referrer(ctx: ActionContext, db: Database):
    await set_zone(ctx, ALICE, "America/New_York")
    referrer = await new_contact(ctx, ALICE)
    first = await log_meeting(
        ctx, ALICE, referrer, notes="", takeaways="Talk to Grace.", referrals="Grace — Navy"
    )
    assert "referrals" in [kind for kind, _ in await pending(db, referrer)]
    (grace,) = first.referral_ids

    await log_meeting(ctx, ALICE, grace, notes="", takeaways="Learn COBOL.", referrals="")

    # Grace is no longer only planned: the referrer's "contact your referrals" is cancelled.
    assert "referrals" not in [kind for kind, _ in await pending(db, referrer)]
    assert await rows(
        db,
        "SELECT status FROM nudges WHERE contact_id = ? AND kind = 'referrals'",
        (referrer,),
    ) == [("cancelled",)]


@pytest.mark.parametrize(
    ("form", "needle"),
    [
        ({"notes": "n" * 1001, "takeaways": "ok"}, "notes are 1001 characters"),
        ({"takeaways": "t" * 1001}, "takeaways are 1001 characters"),
        ({"takeaways": "ok", "referrals": "r" * 1001}, "referrals are 1001 characters"),
        ({"takeaways": "   "}, "takeaways can't be empty"),
    ],
)
async def test_bad_logs_are_refused_and_change_nothing(
    ctx: ActionContext, db: Database, form: dict[str, str], needle: str
):
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    before = await snapshot(db)
    with pytest.raises(UserError) as refused:
        await log_meeting(
            ctx,
            ALICE,
            contact_id,
            notes=form.get("notes", ""),
            takeaways=form["takeaways"],
            referrals=form.get("referrals", ""),
        )
    assert needle in refused.value.message
    assert await snapshot(db) == before


async def test_bad_referral_lines_are_skipped_and_the_rest_is_logged(
    ctx: ActionContext, db: Database
):
    """Regression: one referral line without an organization threw the whole form away."""
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    typed = (
        "Grace Hopper — Navy\nAlan Turing\n"
        + "n" * 101
        + " — Navy\nGrace\x00Hopper — Navy\n— Acme\n"
        + "\n".join(f"P{n} — Org {n}" for n in range(10))
    )
    result = await log_meeting(
        ctx, ALICE, contact_id, notes="Long chat.", takeaways="Learn SQL.", referrals=typed
    )
    assert [r.person for r in result.referrals] == ["Grace Hopper", *(f"P{n}" for n in range(9))]
    assert [(s.line, s.reason, s.person, s.organization) for s in result.skipped] == [
        (
            "Alan Turing",
            "it has no organization (write “Name — Organization”)",
            "Alan Turing",
            None,
        ),
        (
            "n" * 101 + " — Navy",
            "the name is 101 characters long; the most is 100",
            "n" * 101,
            None,
        ),
        (
            "Grace\x00Hopper — Navy",
            "The name contains a control character (U+0000) that can't be shown. Please type "
            "it again without it",
            None,
            None,
        ),
        ("— Acme", "it has no name before the organization", None, None),
        ("P9 — Org 9", "one meeting adds at most 10 referrals", "P9", "Org 9"),
    ]
    assert await rows(
        db, "SELECT notes, takeaways FROM interview_notes WHERE contact_id = ?", (contact_id,)
    ) == [("Long chat.", "Learn SQL.")]
    assert await rows(db, "SELECT stage FROM contacts WHERE id = ?", (contact_id,)) == [("met",)]
    assert len(await rows(db, "SELECT id FROM contacts WHERE referred_by = ?", (contact_id,))) == 10


async def test_a_referral_already_in_the_students_contacts_is_linked_not_added_again(
    ctx: ActionContext, db: Database
):
    await set_zone(ctx, ALICE, "America/New_York")
    alex = await new_contact(ctx, ALICE, "Alex Kim")  # at Acme, like every new_contact
    contact_id = await new_contact(ctx, ALICE)
    sam = await new_contact(ctx, ALICE, "Sam Lee")
    await log_request_sent(ctx, ALICE, sam)  # contacted already: not linked
    typed = (
        "alex  KIM — acme\nGrace Hopper — Navy\nGrace Hopper — navy\nAda Lovelace — Acme\n"
        "Sam Lee — Acme"
    )
    result = await log_meeting(
        ctx, ALICE, contact_id, notes="", takeaways="Learn SQL.", referrals=typed
    )
    assert [r.person for r in result.referrals] == ["Grace Hopper"]
    assert [c.id for c in result.linked] == [alex]  # now suggested by Ada, not added twice
    assert [(s.line, s.reason, s.already) for s in result.skipped] == [
        ("Grace Hopper — navy", "it is listed twice", True),
        ("Ada Lovelace — Acme", "Ada Lovelace at Acme is the person you met", True),
        ("Sam Lee — Acme", "Sam Lee at Acme is already in your contacts (requested)", True),
    ]
    assert await rows(db, "SELECT count(*) FROM contacts WHERE person = 'Alex Kim'") == [(1,)]
    assert await rows(db, "SELECT referred_by FROM contacts WHERE id = ?", (alex,)) == [
        (contact_id,)
    ]
    # Counted as a referral to reach: the referrals reminder is planned.
    assert "referrals" in dict(await pending(db, contact_id))


async def test_referrals_past_the_open_contacts_limit_are_skipped_not_the_meeting(
    ctx: ActionContext, db: Database
):
    """At the open-contacts limit the meeting and notes are logged; the referrals there is no
    room for are skipped, each saying why."""
    await set_zone(ctx, ALICE, "America/New_York")
    contact_id = await new_contact(ctx, ALICE)
    async with db.transaction() as tx:  # MAX_OPEN_CONTACTS - 1 open: room for one more
        for n in range(MAX_OPEN_CONTACTS - 2):
            await add_contact(
                tx,
                guild_id=ALICE.guild_id,
                user_id=ALICE.user_id,
                person=f"Person {n}",
                organization="Acme",
                role=None,
                connection=None,
                now=NOW,
            )
    result = await log_meeting(
        ctx, ALICE, contact_id, notes="", takeaways="ok", referrals="A — B\nC — D\nE — F"
    )
    assert [r.person for r in result.referrals] == ["A"]
    assert [(s.person, s.organization) for s in result.skipped] == [("C", "D"), ("E", "F")]
    assert result.skipped[0].reason == (
        f"you have {MAX_OPEN_CONTACTS - 1} open contacts, the most one student can keep open "
        f"here ({MAX_OPEN_CONTACTS}); close the "
        "ones you are done with (`/followup close`) first"
    )
    assert await rows(db, "SELECT stage FROM contacts WHERE id = ?", (contact_id,)) == [("met",)]
    assert await rows(
        db, "SELECT takeaways FROM interview_notes WHERE contact_id = ?", (contact_id,)
    ) == [("ok",)]


async def test_logging_twice_later_stages_and_others_contacts_are_refused(
    ctx: ActionContext, db: Database
):
    met = await new_contact(ctx, ALICE, "Met")
    closed = await new_contact(ctx, ALICE, "Closed")
    bobs = await new_contact(ctx, BOB, "Bob's")
    await log_meeting(ctx, ALICE, met, notes="", takeaways="ok", referrals="A — B")
    await set_stage(db, closed, "closed")
    before = await snapshot(db)
    for contact_id, needle in (
        (met, "already at “met”"),
        (closed, "Reopen"),
        (bobs, CONTACT_GONE),
    ):
        with pytest.raises(UserError) as refused:
            await log_meeting(ctx, ALICE, contact_id, notes="", takeaways="ok", referrals="C — D")
        assert needle in refused.value.message
        with pytest.raises(UserError):
            await meeting_to_log(ctx, ALICE, contact_id)
    assert await snapshot(db) == before


# --- what /interview checklist shows -----------------------------------------------------------


async def test_meeting_brief_has_the_questions_and_the_meeting_length(
    ctx: ActionContext, db: Database, clock: ManualClock
):
    await set_zone(ctx, ALICE, "Europe/London")
    older = await new_contact(ctx, ALICE, "Older")
    latest = await new_contact(ctx, ALICE, "Latest")
    clock.set(NOW.replace(minute=5))
    await schedule_meeting(ctx, ALICE, latest, "2026-12-02", "13:00", 30)
    await add_bank_questions(ctx, ALICE, latest, "trends", ["trends-excited", "trends-changes"])

    brief = await meeting_brief(ctx, ALICE, None)  # the one worked on last
    assert (brief.contact.id, brief.minutes) == (latest, 30)
    assert [q.bank_id for q in brief.questions] == ["trends-excited", "trends-changes"]

    brief = await meeting_brief(ctx, ALICE, older)  # the server's usual length
    assert (brief.contact.id, brief.minutes, brief.questions) == (older, 20, ())
    assert (await meeting_to_log(ctx, ALICE, older)).id == older

    with pytest.raises(UserError) as refused:
        await meeting_brief(ctx, BOB, None)
    assert refused.value.message == NO_CONTACTS
    with pytest.raises(UserError) as refused:
        await meeting_brief(ctx, BOB, older)
    assert refused.value.message == CONTACT_GONE
