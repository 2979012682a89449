"""The employer actions against a real migrated SQLite file, without Discord: what each stores,
the event it logs, how the active five moves, and that every refusal changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import bot.actions.employers as employer_actions
from bot.actions.contacts import NewContact, add_contact_at_employer, add_new_contact
from bot.actions.context import ActionContext, StudentKey
from bot.actions.employers import (
    NewEmployer,
    add_new_employer,
    attach_to_employer,
    employer_board,
    import_employers,
    mark_employer_done,
    pin_employer,
    reopen_employer,
    resolve_employer,
    score_employer,
    suggest_employers,
)
from bot.actions.planner import NudgePlanner
from bot.actions.privacy import delete_data, export_data
from bot.actions.request import log_request_sent
from bot.clock import ManualClock
from bot.content import load_content
from bot.domain.contacts import Stage
from bot.domain.employers import MAX_EMPLOYERS, Outreach, OutreachState, Scores
from bot.errors import UserError
from bot.storage.contacts import add_contact, close_contact
from bot.storage.database import open_database
from bot.storage.employers import add_employer
from bot.storage.students import ensure_student, set_timezone
from bot.storage.timestamps import to_db

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)  # Friday 09:30 in New York
ALICE = StudentKey(guild_id=10, user_id=1)
BOB = StudentKey(guild_id=10, user_id=2)
ALICE_ELSEWHERE = StudentKey(guild_id=11, user_id=1)


@pytest.fixture
async def ctx(db_location: Path | str) -> AsyncIterator[ActionContext]:
    db = await open_database(db_location)
    content = load_content(DATA)
    try:
        yield ActionContext(
            db, ManualClock(NOW), content, NudgePlanner(db, content, lambda _: None)
        )
    finally:
        await db.close()


async def events(ctx: ActionContext, who: StudentKey = ALICE) -> list[tuple[str, dict[str, Any]]]:
    rows = await ctx.db.fetch_all(
        "SELECT kind, payload FROM events WHERE guild_id = ? AND user_id = ? ORDER BY id",
        (who.guild_id, who.user_id),
    )
    return [(r[0], json.loads(r[1])) for r in rows]


async def snapshot(ctx: ActionContext) -> list[list[tuple[object, ...]]]:
    return [
        [tuple(row) for row in await ctx.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]
        for table in ("students", "employers", "contacts", "events")
    ]


async def add(ctx: ActionContext, name: str, a=None, m=None, p=None, who=ALICE, note=None):
    return await add_new_employer(ctx, who, NewEmployer(name, Scores(a, m, p), note))


async def refused(ctx: ActionContext, call, *needles: str) -> str:
    before = await snapshot(ctx)
    with pytest.raises(UserError) as caught:
        await call
    for needle in needles:
        assert needle in caught.value.message, caught.value.message
    assert await snapshot(ctx) == before
    return caught.value.message


async def fill(ctx: ActionContext, who: StudentKey, count: int) -> None:
    """``count`` unscored employers, stored directly (fast)."""
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, who.guild_id, who.user_id, NOW)
        for n in range(count):
            await add_employer(
                tx,
                guild_id=who.guild_id,
                user_id=who.user_id,
                name=f"Filler {n:03d}",
                scores=Scores(),
                note=None,
                now=NOW,
            )


# --- add ---------------------------------------------------------------------------------------


async def test_add_stores_the_scores_logs_and_places_it(ctx: ActionContext):
    first = await add(ctx, "  Contoso   Energy ", True, 3, 2, note="Dream job")
    assert (first.employer.name, first.employer.scores, first.employer.note) == (
        "Contoso Energy",
        Scores(True, 3, 2),
        "Dream job",
    )
    assert (first.position, first.total, first.active) == (1, 1, True)
    assert [e.name for e in first.moves.entered] == ["Contoso Energy"]
    partial = await add(ctx, "Fabrikam", m=1)
    assert (partial.employer.scores, partial.position, partial.total) == (
        Scores(None, 1, None),
        2,
        2,
    )
    assert await events(ctx) == [
        ("employer_added", {"employer_id": first.employer.id, "source": "add", "scored": True}),
        ("employer_added", {"employer_id": partial.employer.id, "source": "add", "scored": False}),
    ]


async def test_a_better_sixth_employer_pushes_the_fifth_out(ctx: ActionContext):
    for n in range(5):
        await add(ctx, f"Good {n}", m=2, p=2)
    best = await add(ctx, "Dream Co", m=3, p=3)
    assert (best.position, best.total, best.active) == (1, 6, True)
    assert [e.name for e in best.moves.entered] == ["Dream Co"]
    assert [e.name for e in best.moves.left] == ["Good 4"]
    low = await add(ctx, "Meh Inc", m=0)
    assert (low.position, low.active, bool(low.moves)) == (7, False, False)


@pytest.mark.parametrize("other", ["contoso energy", "CONTOSO  ENERGY", " Contoso\tEnergy "])
async def test_a_duplicate_is_refused_naming_the_existing_one(ctx: ActionContext, other: str):
    await add(ctx, "Contoso Energy")
    await refused(ctx, add(ctx, other, m=3), "“Contoso Energy” is already on your list")


async def test_the_same_name_is_fine_for_another_student_or_server(ctx: ActionContext):
    await add(ctx, "Contoso Energy")
    await add(ctx, "Contoso Energy", who=BOB)
    await add(ctx, "Contoso Energy", who=ALICE_ELSEWHERE)
    assert await ctx.db.fetch_value("SELECT count(*) FROM employers") == 3


@pytest.mark.parametrize(
    ("scores", "needle"),
    [
        (Scores(motivation=4), "Motivation is 0 to 3"),
        (Scores(motivation=-1), "Motivation is 0 to 3"),
        (Scores(posting=0), "Posting is 1 to 3"),
        (Scores(posting=7), "Posting is 1 to 3"),
    ],
)
async def test_scores_out_of_range_are_refused_with_the_range(
    ctx: ActionContext, scores: Scores, needle: str
):
    await refused(ctx, add_new_employer(ctx, ALICE, NewEmployer("Contoso", scores)), needle)


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("", "can't be empty"),
        ("  \u200b ", "can't be empty"),
        ("X" * 101, "the most is 100"),
        ("Ada\x00Corp", "control character"),
    ],
)
async def test_bad_names_are_refused(ctx: ActionContext, name: str, needle: str):
    await refused(ctx, add(ctx, name), needle)


async def test_a_long_note_is_refused(ctx: ActionContext):
    await refused(ctx, add(ctx, "Contoso", note="n" * 301), "The note is 301 characters")


async def test_at_most_200_employers(ctx: ActionContext):
    await fill(ctx, ALICE, MAX_EMPLOYERS - 1)
    await add(ctx, "The last one")
    await refused(ctx, add(ctx, "One too many"), "You already have 200 employers")
    await add(ctx, "One too many", who=BOB)  # another student's list is their own


# --- score -------------------------------------------------------------------------------------


async def test_score_changes_only_what_is_given_and_reports_moves(ctx: ActionContext):
    contoso = (await add(ctx, "Contoso", True, 1, 2)).employer
    for n in range(5):
        await add(ctx, f"Other {n}", m=2)
    scored = await score_employer(ctx, ALICE, contoso.id, Scores(motivation=3), "Met Dana")
    assert scored.changed
    assert (scored.employer.scores, scored.employer.note, scored.before) == (
        Scores(True, 3, 2),
        "Met Dana",
        Scores(True, 1, 2),
    )
    assert [e.name for e in scored.moves.entered] == ["Contoso"]
    assert [e.name for e in scored.moves.left] == ["Other 4"]
    assert (await events(ctx))[-1] == (
        "employer_scored",
        {"employer_id": contoso.id, "alumni": True, "motivation": 3, "posting": 2},
    )


async def test_scoring_the_same_again_changes_nothing(ctx: ActionContext):
    contoso = (await add(ctx, "Contoso", True, 1, 2)).employer
    before = await snapshot(ctx)
    again = await score_employer(ctx, ALICE, contoso.id, Scores(motivation=1))
    assert not again.changed
    assert await snapshot(ctx) == before


async def test_score_refusals(ctx: ActionContext):
    contoso = (await add(ctx, "Contoso")).employer
    await refused(ctx, score_employer(ctx, ALICE, contoso.id, Scores()), "at least one")
    await refused(
        ctx, score_employer(ctx, ALICE, contoso.id, Scores(posting=4)), "Posting is 1 to 3"
    )
    await refused(ctx, score_employer(ctx, BOB, contoso.id, Scores(motivation=1)), "no longer")


# --- import ------------------------------------------------------------------------------------

PASTE = (
    "Contoso Energy; A=yes; M=3; P=2\n"
    "Fabrikam; M=5\n"
    "\n"
    "Northwind Traders\n"
    "contoso energy; M=1\n"
    "Already There\n"
    "Tailspin; A=maybe\n" + "Way Too Long " * 10 + "\n"
)


async def test_import_adds_the_good_lines_and_says_why_each_bad_one_was_refused(
    ctx: ActionContext,
):
    await add(ctx, "already  there")
    report = await import_employers(ctx, ALICE, PASTE)
    assert [(e.name, e.scores) for e in report.added] == [
        ("Contoso Energy", Scores(True, 3, 2)),
        ("Northwind Traders", Scores()),
    ]
    assert [(line.number, line.reason) for line in report.refused] == [
        (2, "Motivation is 0 to 3 (3 = you would love to work there); you wrote “5”."),
        (5, "the same employer as line 1"),
        (6, "you already have “already there” on your list"),
        (7, "Alumni/Advocacy is yes or no (yes = you have a connection there); you wrote “maybe”."),
        (8, "The employer name is 129 characters long; the most is 100. Please shorten it"),
    ]
    assert report.total == 3
    assert [e.name for e in report.moves.entered] == ["Contoso Energy", "Northwind Traders"]
    assert (await events(ctx))[-1] == (
        "employer_imported",
        {"added": 2, "refused": 5, "skipped": 0},
    )
    names = await ctx.db.fetch_all("SELECT name FROM employers ORDER BY id")
    assert [r[0] for r in names] == ["already there", "Contoso Energy", "Northwind Traders"]


async def test_import_stops_at_200(ctx: ActionContext):
    await fill(ctx, ALICE, MAX_EMPLOYERS - 1)
    report = await import_employers(ctx, ALICE, "Last One\nOne Too Many")
    assert [e.name for e in report.added] == ["Last One"]
    assert [line.reason for line in report.refused] == [
        "you have reached the most employers one student may keep (200)"
    ]


async def test_import_of_nothing_is_refused(ctx: ActionContext):
    await refused(ctx, import_employers(ctx, ALICE, " \n\n  "), "nothing to import")


async def test_import_writes_nothing_when_a_write_fails(
    ctx: ActionContext, monkeypatch: pytest.MonkeyPatch
):
    calls = 0
    real = employer_actions.add_employer

    async def failing(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(employer_actions, "add_employer", failing)
    await ctx.db.fetch_value("SELECT 1")
    before = await snapshot(ctx)
    with pytest.raises(RuntimeError):
        await import_employers(ctx, ALICE, "One\nTwo\nThree")
    assert await snapshot(ctx) == before


# --- done, reopen, pin -------------------------------------------------------------------------


async def five_and_next(ctx: ActionContext) -> list[int]:
    ids = []
    for n, name in enumerate(["Contoso Energy", "B", "C", "D", "E", "Fabrikam", "G"]):
        ids.append((await add(ctx, name, m=3, p=3 - min(n, 2) if n < 5 else 1)).employer.id)
    return ids


async def test_done_promotes_the_next_employer_and_says_which(ctx: ActionContext):
    ids = await five_and_next(ctx)
    done = await mark_employer_done(ctx, ALICE, ids[0])
    assert done.employer.done_at == NOW
    assert [e.name for e in done.moves.entered] == ["Fabrikam"]
    assert [e.name for e in done.moves.left] == ["Contoso Energy"]
    assert (await events(ctx))[-1] == (
        "employer_done",
        {"employer_id": ids[0], "promoted": [ids[5]]},
    )
    board = await employer_board(ctx, ALICE)
    assert [(r.employer.name, r.active, r.exhausted) for r in board.rows][-3:] == [
        ("Fabrikam", True, False),
        ("G", False, False),
        ("Contoso Energy", False, True),
    ]
    await refused(ctx, mark_employer_done(ctx, ALICE, ids[0]), "already marked done")

    back = await reopen_employer(ctx, ALICE, ids[0])
    assert not back.employer.done
    assert not back.all_closed
    assert [e.name for e in back.moves.entered] == ["Contoso Energy"]
    assert [e.name for e in back.moves.left] == ["Fabrikam"]
    assert (await events(ctx))[-1] == ("employer_reopened", {"employer_id": ids[0]})
    await refused(ctx, reopen_employer(ctx, ALICE, ids[0]), "isn't marked done")


async def test_done_outside_the_five_moves_nothing(ctx: ActionContext):
    ids = await five_and_next(ctx)
    done = await mark_employer_done(ctx, ALICE, ids[6])
    assert not done.moves


async def test_pin_puts_an_employer_in_the_five_and_at_most_five_are_pinned(ctx: ActionContext):
    ids = await five_and_next(ctx)
    pinned = await pin_employer(ctx, ALICE, ids[6])
    assert pinned.employer.pinned
    assert [e.name for e in pinned.moves.entered] == ["G"]
    assert [e.name for e in pinned.moves.left] == ["E"]
    assert (await events(ctx))[-1] == ("employer_pinned", {"employer_id": ids[6], "pinned": True})
    await refused(ctx, pin_employer(ctx, ALICE, ids[6]), "already pinned")
    for employer_id in ids[1:5]:
        await pin_employer(ctx, ALICE, employer_id)
    await refused(
        ctx, pin_employer(ctx, ALICE, ids[0]), "pinned 5 employers already (B, C, D, E, G)"
    )
    # a pinned employer whose every contact is closed holds no place in the five
    ada = await add_new_contact(ctx, ALICE, NewContact("Ada", "B"))
    async with ctx.db.transaction() as tx:
        await close_contact(tx, ada.id, "declined", NOW, NOW)
    assert (await pin_employer(ctx, ALICE, ids[0])).employer.pinned
    await refused(
        ctx, pin_employer(ctx, ALICE, ids[5]), "pinned 5 employers already (Contoso Energy, C,"
    )
    unpinned = await pin_employer(ctx, ALICE, ids[6], pinned=False)
    assert not unpinned.employer.pinned
    assert [e.name for e in unpinned.moves.entered] == ["Fabrikam"]
    await refused(ctx, pin_employer(ctx, ALICE, ids[6], pinned=False), "isn't pinned")


async def test_done_unpins_and_a_done_or_exhausted_employer_cannot_be_pinned(
    ctx: ActionContext,
):
    contoso = (await add(ctx, "Contoso")).employer
    await pin_employer(ctx, ALICE, contoso.id)
    done = await mark_employer_done(ctx, ALICE, contoso.id)
    assert not done.employer.pinned
    await refused(ctx, pin_employer(ctx, ALICE, contoso.id), "Reopen it")
    await reopen_employer(ctx, ALICE, contoso.id)
    contact = await add_new_contact(ctx, ALICE, NewContact("Ada", "Contoso"))
    async with ctx.db.transaction() as tx:
        await close_contact(tx, contact.id, "declined", NOW, NOW)
    await refused(ctx, pin_employer(ctx, ALICE, contoso.id), "Every contact at “Contoso” is closed")


async def test_anothers_employer_is_out_of_reach(ctx: ActionContext):
    bobs = (await add(ctx, "Bob Corp", who=BOB)).employer
    for call in (
        mark_employer_done(ctx, ALICE, bobs.id),
        pin_employer(ctx, ALICE, bobs.id),
        reopen_employer(ctx, ALICE, bobs.id),
        mark_employer_done(ctx, ALICE_ELSEWHERE, bobs.id),
    ):
        await refused(ctx, call, "no longer on your list")
    with pytest.raises(UserError, match="couldn't find that employer"):
        await resolve_employer(ctx, ALICE, str(bobs.id))
    with pytest.raises(UserError, match="couldn't find that employer"):
        await resolve_employer(ctx, ALICE, "Bob Corp")


# --- contacts belong to employers -------------------------------------------------------------


async def test_a_new_contact_finds_or_creates_its_employer(ctx: ActionContext):
    await add(ctx, "Contoso Energy", True, 3, 2)
    first = await add_contact_at_employer(ctx, ALICE, NewContact("Ada", "contoso  ENERGY"))
    assert (first.contact.organization, first.employer.employer.name) == (
        "Contoso Energy",
        "Contoso Energy",
    )
    assert (first.employer.created, first.employer.reopened, first.employer.active) == (
        False,
        False,
        True,
    )
    second = await add_contact_at_employer(ctx, ALICE, NewContact("Ben", " Fabrikam  Inc "))
    assert second.contact.organization == "Fabrikam Inc"
    assert second.employer.created
    assert second.employer.employer.scores == Scores()
    assert await ctx.db.fetch_value("SELECT count(*) FROM employers") == 2
    links = await ctx.db.fetch_all("SELECT person, employer_id FROM contacts ORDER BY id")
    assert [tuple(r) for r in links] == [
        ("Ada", first.employer.employer.id),
        ("Ben", second.employer.employer.id),
    ]
    assert [(k, p) for k, p in await events(ctx)][-2:] == [
        ("contact_added", {"connection": None, "employer_id": first.employer.employer.id}),
        (
            "contact_added",
            {
                "connection": None,
                "employer_id": second.employer.employer.id,
                "employer_added": True,
            },
        ),
    ]


async def test_a_new_contact_at_a_done_employer_opens_it_again(ctx: ActionContext):
    contoso = (await add(ctx, "Contoso")).employer
    await mark_employer_done(ctx, ALICE, contoso.id)
    added = await add_contact_at_employer(ctx, ALICE, NewContact("Ada", "CONTOSO"))
    assert added.employer.reopened
    assert added.employer.active
    assert not added.employer.employer.done
    assert (await events(ctx))[-1][1]["employer_reopened"] is True


async def test_employers_are_per_student_and_server_for_contacts_too(ctx: ActionContext):
    await add_new_contact(ctx, ALICE, NewContact("Ada", "Contoso"))
    await add_new_contact(ctx, BOB, NewContact("Bo", "Contoso"))
    await add_new_contact(ctx, ALICE_ELSEWHERE, NewContact("Al", "Contoso"))
    rows = await ctx.db.fetch_all(
        "SELECT c.guild_id, c.user_id, e.guild_id, e.user_id FROM contacts AS c"
        " JOIN employers AS e ON e.id = c.employer_id ORDER BY c.id"
    )
    assert [tuple(r) for r in rows] == [(10, 1, 10, 1), (10, 2, 10, 2), (11, 1, 11, 1)]
    assert await ctx.db.fetch_value("SELECT count(*) FROM employers") == 3


async def test_a_full_list_refuses_a_contact_at_a_new_employer_only(ctx: ActionContext):
    await fill(ctx, ALICE, MAX_EMPLOYERS)
    await refused(
        ctx,
        add_new_contact(ctx, ALICE, NewContact("Ada", "Brand New Co")),
        "“Brand New Co” isn't on your employer list, and the list is full",
    )
    added = await add_new_contact(ctx, ALICE, NewContact("Ada", "filler 007"))
    assert added.organization == "Filler 007"


async def test_a_stored_contact_can_be_attached_with_its_event(ctx: ActionContext):
    async with ctx.db.transaction() as tx:
        await ensure_student(tx, ALICE.guild_id, ALICE.user_id, NOW)
        contact_id = await add_contact(
            tx,
            guild_id=ALICE.guild_id,
            user_id=ALICE.user_id,
            person="Rita Referral",
            organization="Navy Labs",
            role=None,
            connection=None,
            now=NOW,
        )
        link = await attach_to_employer(tx, ALICE, contact_id, "Navy Labs", NOW)
    assert link.created
    assert (await events(ctx))[-1] == (
        "employer_added",
        {"employer_id": link.employer.id, "source": "contact", "scored": False},
    )


# --- the board ---------------------------------------------------------------------------------


async def test_board_rows_count_contacts_furthest_stage_and_3b7_state(ctx: ActionContext):
    async with ctx.db.transaction() as tx:
        await set_timezone(tx, ALICE.guild_id, ALICE.user_id, "America/New_York", NOW)
    await add(ctx, "Contoso", True, 3, 2)
    await add(ctx, "Fabrikam", False, 2, 3)
    await add(ctx, "Empty Co", m=1)
    ada = await add_new_contact(ctx, ALICE, NewContact("Ada", "Contoso"))
    await log_request_sent(ctx, ALICE, ada.id, "2026-11-30")  # Monday: 3B Thursday 3 Dec
    await add_new_contact(ctx, ALICE, NewContact("Cy", "Fabrikam"))
    done = await add_new_contact(ctx, ALICE, NewContact("Dee", "Gone Inc"))
    async with ctx.db.transaction() as tx:
        await close_contact(tx, done.id, "declined", NOW, NOW)

    board = await employer_board(ctx, ALICE)

    assert board.today == date(2026, 12, 4)
    assert [
        (r.employer.name, r.active, r.exhausted, r.contacts, r.furthest, r.outreach)
        for r in board.rows
    ] == [
        (
            "Contoso",
            True,
            False,
            1,
            Stage.REQUESTED,
            OutreachState(Outreach.SECOND_PERSON, "Ada", date(2026, 12, 3)),
        ),
        ("Fabrikam", True, False, 1, Stage.PLANNED, OutreachState(Outreach.NOT_ASKED, "Cy")),
        ("Empty Co", True, False, 0, None, OutreachState(Outreach.NO_CONTACT)),
        ("Gone Inc", False, True, 1, Stage.PLANNED, OutreachState(Outreach.EXHAUSTED)),
    ]


async def test_closing_the_last_contact_exhausts_the_employer_and_promotes_the_next(
    ctx: ActionContext,
):
    ids = await five_and_next(ctx)
    ada = await add_new_contact(ctx, ALICE, NewContact("Ada", "Contoso Energy"))
    before = await employer_actions.active_five_ids(ctx.db, ALICE)
    async with ctx.db.transaction() as tx:
        await close_contact(tx, ada.id, "no_reply", NOW, NOW)
        moves = await employer_actions.moves_since(tx, ALICE, before)
    assert [e.id for e in moves.entered] == [ids[5]]
    assert [e.id for e in moves.left] == [ids[0]]


async def test_suggestions_put_the_five_first_and_match_case_and_spaces_aside(
    ctx: ActionContext,
):
    await five_and_next(ctx)
    await add(ctx, "Contoso  Labs", m=0)
    await add(ctx, "Contoso Elsewhere", who=BOB)
    found = await suggest_employers(ctx, ALICE, "CONTOSO ", 25)
    assert [(s.employer.name, s.active) for s in found] == [
        ("Contoso Energy", True),
        ("Contoso Labs", False),
    ]
    assert len(await suggest_employers(ctx, ALICE, "", 3)) == 3
    assert (await resolve_employer(ctx, ALICE, "contoso labs")).name == "Contoso Labs"


# --- privacy -----------------------------------------------------------------------------------


async def test_export_and_delete_cover_employers(ctx: ActionContext):
    await add(ctx, "Contoso", True, 3, 2, note="Dream job")
    await add_new_contact(ctx, ALICE, NewContact("Ada", "Contoso"))
    await add(ctx, "Bob Corp", who=BOB)
    await add(ctx, "Elsewhere", who=ALICE_ELSEWHERE)

    export = json.loads((await export_data(ctx, ALICE)).body)
    (employer,) = export["employers"]
    assert (employer["name"], employer["alumni"], employer["motivation"], employer["note"]) == (
        "Contoso",
        1,
        3,
        "Dream job",
    )
    assert employer["created_at"] == to_db(NOW)
    assert export["contacts"][0]["employer_id"] == employer["id"]

    deleted = await delete_data(ctx, ALICE)
    assert deleted["employers"] == 1
    rows = await ctx.db.fetch_all("SELECT guild_id, user_id FROM employers ORDER BY id")
    assert [tuple(r) for r in rows] == [(10, 2), (11, 1)]
