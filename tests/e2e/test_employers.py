"""/employers end to end: the real bot, a real SQLite file, the local Discord emulator. Adding
and sorting with the top five marked, the board's page buttons (also after a restart), importing
a pasted list with good and bad lines, done → the next employer promoted, pins, /request new
offering the student's employers, the migration of a database with contacts only, export and
delete, and isolation between students and servers."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.domain.employers import MAX_EMPLOYERS, Scores
from bot.storage.employers import add_employer
from bot.storage.migrations import available_migrations, migrate
from bot.storage.students import ensure_student
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.hostile import (
    HOSTILE,
    Hostile,
    SentWatch,
    assert_ok,
    assert_refused,
    client_sends,
    ids,
)

NOW = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)  # Friday 09:30 in New York


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def run(world: World, user: Any, command: str, guild: Any = None, **options: Any) -> Any:
    emu = world.emulator
    strict = client_sends(emu, command, options)
    ix = await emu.slash(user, guild or world.guild, command, options=options, strict=strict)
    message = await ix.message()
    assert message.ephemeral, message
    return message


async def import_list(world: World, user: Any, text: str, guild: Any = None) -> Any:
    opener = await world.emulator.slash(user, guild or world.guild, "employers import")
    submitted = await world.emulator.submit_modal(user, opener, {"lines": text})
    message = await submitted.message()
    assert message.ephemeral
    return message


def employer_id(harness: BotHarness, user: Any, name: str) -> str:
    (row,) = query(
        harness.db_path, "SELECT id FROM employers WHERE user_id = ? AND name = ?", (user.id, name)
    )
    return str(row["id"])


def board_names(message: Any) -> list[str]:
    """The employer names on a board page, with their marks."""
    return [f["name"].split(". ", 1)[1] for f in message.embeds[0].get("fields", [])]


def field_values(message: Any) -> list[str]:
    return [f["value"] for f in message.embeds[0].get("fields", [])]


async def seed(harness: BotHarness, guild_id: int, user_id: int, count: int) -> None:
    async with harness.bot.db.transaction() as tx:
        await ensure_student(tx, guild_id, user_id, NOW)
        for n in range(1, count + 1):
            await add_employer(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                name=f"Employer {n:03d}",
                scores=Scores(False, 1, 1),
                note=None,
                now=NOW,
            )


# --- commands ---------------------------------------------------------------------------------


async def test_the_employers_commands_are_registered_guild_only(world: World, harness: BotHarness):
    (group,) = [c for c in world.emulator.commands() if c["name"] == "employers"]
    assert {o["name"] for o in group["options"]} == {
        "add",
        "list",
        "score",
        "import",
        "done",
        "reopen",
        "pin",
        "unpin",
    }
    add = next(o for o in group["options"] if o["name"] == "add")
    assert [(o["name"], o.get("required", False)) for o in add["options"]] == [
        ("name", True),
        ("alumni", False),
        ("motivation", False),
        ("posting", False),
        ("note", False),
    ]
    motivation = next(o for o in add["options"] if o["name"] == "motivation")
    assert (motivation["min_value"], motivation["max_value"]) == (0, 3)
    assert group.get("contexts") == [0] or group.get("dm_permission") is False


async def test_in_direct_messages_it_says_to_use_a_server(world: World, harness: BotHarness):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice, None, "employers add", options={"name": "Contoso"}, strict=False
    )
    assert "inside the server where you use InfoCoach" in (await ix.message()).text()


# --- add and the board ------------------------------------------------------------------------


async def test_add_sorts_and_marks_the_top_five(world: World, harness: BotHarness):
    alice = world.student("alice")
    first = assert_ok(
        await run(
            world,
            alice,
            "employers add",
            name="Contoso Energy",
            alumni="yes",
            motivation=3,
            posting=2,
            note="Dream job",
        )
    )
    assert first.text() == (
        "Added **Contoso Energy** (A yes · M 3 · P 2): number 1 of 1 on your list, in your top "
        "five ⭐.\n"
        "Next: find someone at **Contoso Energy** to ask for a 20-minute conversation and add "
        "them with `/request new`."
    )
    for name, motivation, posting, alumni in (
        ("Fabrikam", 3, 2, "no"),
        ("Northwind", 2, 3, "yes"),
        ("Tailspin", 3, 3, "no"),
        ("Litware", 1, 1, "yes"),
    ):
        await run(
            world,
            alice,
            "employers add",
            name=name,
            motivation=motivation,
            posting=posting,
            alumni=alumni,
        )
    sixth = assert_ok(
        await run(world, alice, "employers add", name="Adventure Works", motivation=2, posting=3)
    )
    assert sixth.text() == (
        "Added **Adventure Works** (A ? · M 2 · P 3): number 5 of 6 on your list, in your top "
        "five ⭐.\n"
        "**Litware** moves out of your top five (still on your list).\n"
        "Add the missing scores with `/employers score` so it sorts where it belongs.\n"
        "Next: find someone at **Adventure Works** to ask for a 20-minute conversation and add "
        "them with `/request new`."
    )
    unscored = assert_ok(await run(world, alice, "employers add", name="Woodgrove"))
    assert "number 7 of 7 on your list." in unscored.text()
    assert "Add the missing scores with `/employers score`" in unscored.text()

    board = await run(world, alice, "employers list")
    assert board_names(board) == [
        "⭐ Tailspin",
        "⭐ Contoso Energy",
        "⭐ Fabrikam",
        "⭐ Northwind",
        "⭐ Adventure Works",
        "Litware",
        "Woodgrove",
    ]
    values = field_values(board)
    assert values[1] == (
        "A yes · M 3 · P 2 · no contacts\n"
        "No contact yet: add someone there with `/request new`.\n"
        "📝 Dream job"
    )
    assert values[6].startswith("Not scored yet: `/employers score` · no contacts")
    embed = board.embeds[0]
    assert embed["title"] == "Your employers (LAMP list): 7"
    assert "⭐ = your top five: work these now." in embed["description"]
    assert "Page 1 of 1" in embed["footer"]["text"]
    assert not board.buttons()


async def test_the_board_shows_contacts_the_furthest_stage_and_the_3b7_state(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await run(world, alice, "settings timezone", name="America/New_York")
    await run(world, alice, "employers add", name="Contoso Energy", motivation=3, posting=3)
    await run(world, alice, "request new", person="Ada Lovelace", organization="contoso energy")
    (ada,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (alice.id,))
    await run(world, alice, "request sent", contact=str(ada["id"]), date="2026-11-30")

    board = await run(world, alice, "employers list")
    assert field_values(board)[0] == (
        "A ? · M 3 · P 3 · 1 contact, furthest: requested\n"
        "3B: no reply from Ada Lovelace by Thu 3 Dec: contact a second person here now."
    )
    await run(world, alice, "request new", person="Ben Second", organization="Contoso Energy")
    board = await run(world, alice, "employers list")
    assert field_values(board)[0] == (
        "A ? · M 3 · P 3 · 2 contacts, furthest: requested\n"
        "3B done (Ben Second is your second contact here); still no reply from Ada Lovelace by "
        "Wed 9 Dec → send one follow-up."
    )


async def test_an_empty_board_says_how_to_start(world: World, harness: BotHarness):
    nobody = world.student("nobody")
    board = assert_ok(await run(world, nobody, "employers list"))
    assert board.embeds[0]["title"] == "Your employer list (LAMP) is empty"
    assert "`/employers import`" in board.text()
    assert "about 40 employers" in board.text()


async def test_twelve_employers_page_with_owner_only_buttons_that_survive_a_restart(
    world: World, harness: BotHarness
):
    alice, mallory = world.student("alice"), world.student("mallory")
    await seed(harness, world.guild.id, alice.id, 12)
    board = await run(world, alice, "employers list")
    assert board_names(board)[:6] == [
        "⭐ Employer 001",
        "⭐ Employer 002",
        "⭐ Employer 003",
        "⭐ Employer 004",
        "⭐ Employer 005",
        "Employer 006",
    ]
    assert len(board_names(board)) == 10
    assert "Page 1 of 2" in board.text()
    previous, following = board.buttons()
    assert (previous["label"], previous["disabled"]) == ("◀", True)
    assert (following["label"], following.get("disabled", False)) == ("▶", False)

    click = await world.emulator.click(alice, board, following["custom_id"])
    assert (await click.response()).type == 7
    page2 = await click.message()
    assert page2.id == board.id
    assert board_names(page2) == ["Employer 011", "Employer 012"]
    assert page2.embeds[0]["fields"][0]["name"].startswith("11. ")

    stolen = await world.emulator.click(
        mallory, page2, page2.buttons()[0]["custom_id"], strict=False
    )
    assert "belongs to someone else" in (await stolen.message()).text()

    await harness.restart()
    back = await world.emulator.click(alice, page2, page2.buttons()[0]["custom_id"])
    assert (await back.response()).type == 7
    assert "Page 1 of 2" in (await back.message()).text()


# --- refusals ---------------------------------------------------------------------------------


async def test_refusals_are_private_and_change_nothing(world: World, harness: BotHarness):
    alice = world.student("alice")
    await run(world, alice, "employers add", name="Contoso Energy", motivation=2)
    cases = [
        ({"name": "contoso   ENERGY"}, "“Contoso Energy” is already on your list"),
        ({"name": "Fabrikam", "motivation": 7}, "Motivation is 0 to 3"),
        ({"name": "Fabrikam", "posting": 0}, "Posting is 1 to 3"),
        ({"name": "Fabrikam", "alumni": "maybe"}, "isn't a valid value for that option"),
        ({"name": "F" * 101}, "the most is 100"),
    ]
    for options, needle in cases:
        before = database_snapshot(harness.db_path)
        ix = await world.emulator.slash(
            alice, world.guild, "employers add", options=options, strict=False
        )
        assert_refused(await ix.message(), needle)
        assert database_snapshot(harness.db_path) == before

    contoso = employer_id(harness, alice, "Contoso Energy")
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice,
        world.guild,
        "employers score",
        options={"employer": contoso, "posting": 9},
        strict=False,
    )
    assert_refused(
        await ix.message(), "Posting is 1 to 3 (3 = a relevant job posting there now); 9 is outside"
    )
    assert database_snapshot(harness.db_path) == before


async def test_at_most_200_employers(world: World, harness: BotHarness):
    alice = world.student("alice")
    await seed(harness, world.guild.id, alice.id, MAX_EMPLOYERS)
    before = database_snapshot(harness.db_path)
    refused = await run(world, alice, "employers add", name="One More")
    assert_refused(refused, "You already have 200 employers, the most one student can keep here")
    contact = await run(world, alice, "request new", person="Ada", organization="Brand New Co")
    assert_refused(contact, "the list is full (200 employers")
    assert database_snapshot(harness.db_path) == before
    ok = assert_ok(
        await run(world, alice, "request new", person="Ada", organization="employer 007")
    )
    assert "Added **Ada** at Employer 007." in ok.text()


@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_hostile_names_are_stored_as_typed_or_refused(
    world: World, harness: BotHarness, hostile: Hostile
):
    student = world.student()
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await run(world, student, "employers add", name=hostile(100), motivation=3)
    if hostile.refused is not None:
        assert_refused(reply, hostile.refused)
        assert database_snapshot(harness.db_path) == before
        watch.assert_clean(hostile)
        return
    assert_ok(reply)
    (row,) = query(harness.db_path, "SELECT name FROM employers WHERE user_id = ?", (student.id,))
    assert row["name"] == " ".join(hostile(100).split())
    assert_ok(await run(world, student, "employers list"))
    choices = await world.emulator.autocomplete(
        student, world.guild, "employers done", options={"employer": ""}, focused="employer"
    )
    assert len(choices) == 1
    watch.assert_clean(hostile)


# --- import -----------------------------------------------------------------------------------

PASTE = (
    "Contoso Energy; A=yes; M=3; P=2\n"
    "Fabrikam; M=5\n"
    "\n"
    "Northwind Traders\tyes\t2\t3\n"
    "contoso energy; M=1\n"
    "Tailspin Toys; A=maybe\n"
    "**Bold Corp**; M=1; note=Met them at the **fair**\n"
)


async def test_import_adds_the_good_lines_and_reports_each_bad_one(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await run(world, alice, "employers add", name="Already There")
    report = await import_list(world, alice, PASTE + "already there\n")
    embed = report.embeds[0]
    assert embed["title"] == "Added 3 employers; 4 lines refused"
    assert embed["description"] == (
        "❌ line 2: “Fabrikam; M=5”: Motivation is 0 to 3 (3 = you would love to work there); "
        "you wrote “5”.\n"
        "❌ line 5: “contoso energy; M=1”: the same employer as line 1\n"
        "❌ line 6: “Tailspin Toys; A=maybe”: Alumni/Advocacy is yes or no (yes = you have a "
        "connection there); you wrote “maybe”.\n"
        "❌ line 8: “already there”: you already have “Already There” on your list\n\n"
        "✅ line 1: **Contoso Energy** (A yes · M 3 · P 2)\n"
        "✅ line 4: **Northwind Traders** (A yes · M 2 · P 3)\n"
        "✅ line 7: **\\*\\*Bold Corp\\*\\*** (A ? · M 1 · P ?)\n\n"
        "**Contoso Energy**, **Northwind Traders** and **\\*\\*Bold Corp\\*\\*** move into your "
        "top five.\n"
        "Your list has 4 employers now: see it with `/employers list`.\n"
        "Nothing was stored for the refused lines: fix them and import just those again."
    )
    rows = query(
        harness.db_path,
        "SELECT name, alumni, motivation, posting, note FROM employers WHERE user_id = ?"
        " ORDER BY id",
        (alice.id,),
    )
    assert [tuple(r) for r in rows] == [
        ("Already There", None, None, None, None),
        ("Contoso Energy", 1, 3, 2, None),
        ("Northwind Traders", 1, 2, 3, None),
        ("**Bold Corp**", None, 1, None, "Met them at the **fair**"),
    ]
    (event,) = query(
        harness.db_path,
        "SELECT payload FROM events WHERE user_id = ? AND kind = 'employer_imported'",
        (alice.id,),
    )
    assert json.loads(event["payload"]) == {"added": 3, "refused": 4, "skipped": 0}


async def test_a_csv_style_line_is_refused_with_the_line_it_meant(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    report = await import_list(world, alice, "Initech\nStark Industries, 3, 2\nAcme, Inc.\n")
    embed = report.embeds[0]
    assert embed["title"] == "Added 2 employers; 1 line refused"
    assert embed["description"].startswith(
        "❌ line 2: “Stark Industries, 3, 2”: scores go after “;” or a tab, not a comma, so I "
        "didn't add it. Did you mean “Stark Industries; M=3; P=2”?\n\n"
    )
    rows = query(harness.db_path, "SELECT name FROM employers WHERE user_id = ?", (alice.id,))
    assert sorted(r["name"] for r in rows) == ["Acme, Inc.", "Initech"]
    # The line it suggests imports with those scores.
    report = await import_list(world, alice, "Stark Industries; M=3; P=2")
    assert "✅ line 1: **Stark Industries** (A ? · M 3 · P 2)" in report.text()


async def test_an_import_form_submitted_after_a_restart_still_imports(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    opener = await world.emulator.slash(alice, world.guild, "employers import")
    await opener.response()
    await harness.restart()
    spreadsheet = "Employer\tAlumni\tMotivation\tPosting\nContoso\tyes\t3\t2\nFabrikam\t\t1"
    submitted = await world.emulator.submit_modal(alice, opener, {"lines": spreadsheet})
    embed = (await submitted.message()).embeds[0]
    assert embed["title"] == "Added 2 employers"
    assert embed["description"].startswith(
        "✅ line 2: **Contoso** (A yes · M 3 · P 2)\n"
        "✅ line 3: **Fabrikam** (A ? · M 1 · P ?)\n\n"
        "↷ line 1 skipped: it looks like a header row\n\n"
    )


# --- done, reopen, pin ------------------------------------------------------------------------


async def six_employers(world: World, user: Any) -> None:
    await import_list(
        world,
        user,
        "Contoso Energy; M=3; P=3\nB Corp; M=3; P=2\nC Corp; M=2\nD Corp; M=2\nE Corp; M=2\n"
        "Fabrikam; M=1; P=3\nG Corp; M=0",
    )


async def test_done_promotes_the_next_employer_and_says_which(world: World, harness: BotHarness):
    alice = world.student("alice")
    await six_employers(world, alice)
    contoso = employer_id(harness, alice, "Contoso Energy")
    done = assert_ok(await run(world, alice, "employers done", employer=contoso))
    assert done.text() == (
        "**Contoso Energy** is done; **Fabrikam** moves into your top five; **Contoso Energy** "
        "moves out (still on your list).\n"
        "Next: find someone at **Fabrikam** to ask for a 20-minute conversation and add them "
        "with `/request new`.\n"
        "Changed your mind? `/employers reopen`."
    )
    board = await run(world, alice, "employers list")
    assert board_names(board)[4:] == ["⭐ Fabrikam", "G Corp", "Contoso Energy · done"]
    assert "Marked done" in field_values(board)[-1]

    again = await run(world, alice, "employers done", employer=contoso)
    assert_refused(again, "already marked done")
    back = assert_ok(await run(world, alice, "employers reopen", employer="contoso energy"))
    assert back.text() == (
        "**Contoso Energy** is back on your list.\n"
        "**Contoso Energy** moves into your top five; **Fabrikam** moves out (still on your list)."
    )


async def test_closing_every_contact_exhausts_an_employer(world: World, harness: BotHarness):
    alice = world.student("alice")
    await six_employers(world, alice)
    await run(world, alice, "request new", person="Ada", organization="Contoso Energy")
    (ada,) = query(harness.db_path, "SELECT id FROM contacts WHERE user_id = ?", (alice.id,))
    await run(world, alice, "followup close", contact=str(ada["id"]), reason="declined")
    board = await run(world, alice, "employers list")
    assert board_names(board)[4:] == ["⭐ Fabrikam", "G Corp", "Contoso Energy · done"]
    assert field_values(board)[-1].endswith("Every contact here is closed: this employer is done.")


async def test_pin_and_unpin(world: World, harness: BotHarness):
    alice = world.student("alice")
    await six_employers(world, alice)
    pinned = assert_ok(
        await run(world, alice, "employers pin", employer=employer_id(harness, alice, "G Corp"))
    )
    assert pinned.text() == (
        "Pinned **G Corp** to your top five 📌.\n"
        "**G Corp** moves into your top five; **E Corp** moves out (still on your list)."
    )
    board = await run(world, alice, "employers list")
    assert board_names(board)[:5] == [
        "⭐ Contoso Energy",
        "⭐ B Corp",
        "⭐ C Corp",
        "⭐ D Corp",
        "⭐ G Corp 📌",
    ]
    unpinned = assert_ok(await run(world, alice, "employers unpin", employer="g corp"))
    assert unpinned.text().startswith("Unpinned **G Corp**: it takes its place by its scores")


# --- /request new and employers ---------------------------------------------------------------


async def test_request_new_offers_my_employers_and_a_new_name_creates_one(
    world: World, harness: BotHarness
):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    await six_employers(world, alice)
    await run(world, bob, "employers add", name="Contoso Bob Only")
    choices = await world.emulator.autocomplete(
        alice,
        world.guild,
        "request new",
        options={"person": "Ada", "organization": "con"},
        focused="organization",
    )
    assert choices == [{"name": "Contoso Energy · top five", "value": "Contoso Energy"}]
    everything = await world.emulator.autocomplete(
        alice,
        world.guild,
        "request new",
        options={"person": "Ada", "organization": ""},
        focused="organization",
    )
    assert [c["value"] for c in everything] == [
        "Contoso Energy",
        "B Corp",
        "C Corp",
        "D Corp",
        "E Corp",
        "Fabrikam",
        "G Corp",
    ]
    elsewhere = await world.emulator.autocomplete(
        alice,
        world.other_guild,
        "request new",
        options={"person": "Ada", "organization": ""},
        focused="organization",
    )
    assert elsewhere == []

    known = assert_ok(
        await run(world, alice, "request new", person="Ada", organization="CONTOSO  energy")
    )
    assert known.text().startswith("Added **Ada** at Contoso Energy. Here is your request")
    assert "employer list" not in known.content
    new = assert_ok(await run(world, alice, "request new", person="Ben", organization="Litware"))
    assert new.content.endswith(
        "\n**Litware** is new on your employer list, not scored yet: `/employers score`."
    )
    rows = query(
        harness.db_path,
        "SELECT c.person, c.organization, e.name, e.motivation FROM contacts AS c"
        " JOIN employers AS e ON e.id = c.employer_id WHERE c.user_id = ? ORDER BY c.id",
        (alice.id,),
    )
    assert [tuple(r) for r in rows] == [
        ("Ada", "Contoso Energy", "Contoso Energy", 3),
        ("Ben", "Litware", "Litware", None),
    ]


async def test_a_first_contact_puts_its_employer_in_the_top_five(world: World, harness: BotHarness):
    alice = world.student("alice")
    reply = assert_ok(await run(world, alice, "request new", person="Ada", organization="Acme"))
    assert reply.content.endswith(
        "**Acme** is new on your employer list, not scored yet: `/employers score`. It is in "
        "your top five ⭐."
    )


# --- isolation --------------------------------------------------------------------------------


async def test_students_and_servers_see_only_their_own_employers(world: World, harness: BotHarness):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    await run(world, alice, "employers add", name="Alice Corp")
    await run(world, alice, "employers add", name="Alice Elsewhere", guild=world.other_guild)
    await run(world, bob, "employers add", name="Bob Corp")
    alices = employer_id(harness, alice, "Alice Corp")

    assert board_names(await run(world, bob, "employers list")) == ["⭐ Bob Corp"]
    assert board_names(await run(world, alice, "employers list", guild=world.other_guild)) == [
        "⭐ Alice Elsewhere"
    ]
    choices = await world.emulator.autocomplete(
        bob, world.guild, "employers done", options={"employer": ""}, focused="employer"
    )
    assert [c["name"] for c in choices] == ["Bob Corp · top five"]
    before = database_snapshot(harness.db_path)
    for value in (alices, "Alice Corp"):
        for command in ("employers done", "employers pin", "employers score"):
            options = {"employer": value}
            if command == "employers score":
                options["motivation"] = 1
            reply = await run(world, bob, command, **options)
            assert_refused(reply, "couldn't find that employer")
    reply = await run(world, alice, "employers done", guild=world.other_guild, employer=alices)
    assert_refused(reply, "couldn't find that employer")
    assert database_snapshot(harness.db_path) == before


# --- privacy ----------------------------------------------------------------------------------


async def test_export_and_delete_cover_employers(world: World, harness: BotHarness):
    alice, bob = world.student("alice"), world.student("bob")
    await run(world, alice, "employers add", name="Contoso", motivation=3, note="Dream job")
    await run(world, alice, "request new", person="Ada", organization="Contoso")
    await run(world, bob, "employers add", name="Bob Corp")

    ix = await world.emulator.slash(alice, world.guild, "privacy export")
    (attachment,) = (await ix.message()).attachments
    data = json.loads(attachment.data)
    (employer,) = data["employers"]
    assert (employer["name"], employer["motivation"], employer["note"]) == (
        "Contoso",
        3,
        "Dream job",
    )
    assert data["contacts"][0]["employer_id"] == employer["id"]
    assert "Bob Corp" not in attachment.data.decode()

    warning = await run(world, alice, "privacy delete")
    click = await world.emulator.click(
        alice, warning, warning.button(label="Yes, delete my data")["custom_id"]
    )
    assert "Deleted everything" in (await click.message()).text()
    assert query(harness.db_path, "SELECT * FROM employers WHERE user_id = ?", (alice.id,)) == []
    assert len(query(harness.db_path, "SELECT * FROM employers WHERE user_id = ?", (bob.id,))) == 1


# --- the migration of a database with contacts only -------------------------------------------


@pytest.mark.sqlite_only  # an older SQLite file upgraded
async def test_a_database_with_contacts_only_moves_in_with_its_employers(
    world: World, harness: BotHarness, tmp_path: Path
):
    """An installation from before employers: its contacts' organizations become employers on
    start-up, the board shows them, /request new offers them, and no contact is lost."""
    alice = world.student("alice")
    path = tmp_path / "before-employers.sqlite3"
    (version,) = [m.version for m in available_migrations() if m.name.endswith("_employers.sql")]
    stamp = "2026-11-0{day}T15:00:00.000000+00:00"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await migrate(conn, target=version - 1)
        await conn.execute(
            "INSERT INTO students (guild_id, user_id, created_at, last_active_at)"
            " VALUES (?, ?, ?, ?)",
            (world.guild.id, alice.id, stamp.format(day=1), stamp.format(day=1)),
        )
        for day, (person, organization, stage) in enumerate(
            [
                ("Ada", "Contoso Energy", "requested"),
                ("Ben", "contoso  energy", "planned"),
                ("Cy", "Fabrikam", "closed"),
            ],
            start=1,
        ):
            await conn.execute(
                "INSERT INTO contacts (guild_id, user_id, person, organization, stage,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    world.guild.id,
                    alice.id,
                    person,
                    organization,
                    stage,
                    stamp.format(day=day),
                    stamp.format(day=day),
                ),
            )

    await harness.stop()
    runner = BotHarness(world.emulator, path, clock=harness.clock)
    await runner.start()
    try:
        board = await run(world, alice, "employers list")
        assert board_names(board) == ["⭐ Contoso Energy", "Fabrikam · done"]
        assert field_values(board)[0].startswith("Not scored yet: `/employers score` · 2 contacts")
        choices = await world.emulator.autocomplete(
            alice,
            world.guild,
            "request new",
            options={"person": "Dee", "organization": "cont"},
            focused="organization",
        )
        assert [c["value"] for c in choices] == ["Contoso Energy"]
        rows = query(path, "SELECT person, organization, employer_id FROM contacts ORDER BY id")
        assert [(r["person"], r["organization"]) for r in rows] == [
            ("Ada", "Contoso Energy"),
            ("Ben", "contoso  energy"),
            ("Cy", "Fabrikam"),
        ]
        assert rows[0]["employer_id"] == rows[1]["employer_id"] != rows[2]["employer_id"]
    finally:
        await runner.stop()
        await harness.start()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 3
