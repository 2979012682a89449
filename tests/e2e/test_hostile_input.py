"""Hostile text in slash-command options: /request new's names are stored exactly as typed or
refused privately with nothing written; every option the bot parses (dates, times, zones,
country codes, typed contacts and checklist items) and every autocomplete query refuses or
ignores it cleanly. Nobody is ever pinged and nothing the bot sends is refused by Discord."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

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
from tests.e2e.staff_world import new_server

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
NAME_LIMIT = 100


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


async def run(world: World, user: Any, command: str, guild: Any = None, **options: Any):
    """Run ``/command`` as Discord's client would send it (or, for what it would refuse, as a
    modified client could) and return the reply."""
    emu = world.emulator
    strict = client_sends(emu, command, options)
    ix = await emu.slash(user, guild or world.guild, command, options=options, strict=strict)
    return await ix.message()


async def new_contact(world: World, harness: BotHarness, user: Any, **options: str) -> int:
    assert_ok(await run(world, user, "request new", **{"organization": "Acme", **options}))
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return row["id"]


# --- /request new: stored as typed, or refused ---------------------------------------------------


@pytest.mark.parametrize("field", ["person", "organization", "role"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_request_new_stores_names_verbatim_or_refuses(
    world: World, harness: BotHarness, hostile: Hostile, field: str
):
    student = world.student()
    options = {"person": "Ada Lovelace", "organization": "Acme", field: hostile(NAME_LIMIT)}
    optional = field == "role"
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await run(world, student, "request new", **options)
    watch.assert_clean(hostile)
    refusal = hostile.refusal(optional=optional)
    if refusal is not None:
        assert_refused(reply, refusal)
        assert database_snapshot(harness.db_path) == before
        return
    assert_ok(reply)
    (row,) = query(
        harness.db_path, f"SELECT {field} FROM contacts WHERE user_id = ?", (student.id,)
    )
    assert row[field] == hostile.stored(NAME_LIMIT, optional=optional)


# --- options the bot parses: every hostile value is refused, and nothing changes ------------------

DATE = "isn't a date I can read"
TIME = "isn't a time I can read"
ZONE = "isn't a time zone or city I know"
NO_CONTACT = "couldn't find that contact"
NO_ITEM = "There is no item"
# (command, the hostile option, the other options, what the refusal says, what must exist first)
PARSED: tuple[tuple[str, str, dict[str, str], str, str], ...] = (
    ("request sent", "date", {"contact": "{contact}"}, DATE, "contact"),
    ("request reply", "date", {"contact": "{contact}"}, DATE, "requested"),
    ("prepare schedule", "date", {"contact": "{contact}", "time": "10:00"}, DATE, "contact"),
    ("prepare schedule", "time", {"contact": "{contact}", "date": "2026-12-02"}, TIME, "contact"),
    ("followup thanked", "date", {"contact": "{contact}"}, DATE, "contact"),
    ("followup reported-back", "date", {"contact": "{contact}"}, DATE, "met"),
    ("followup kept-in-touch", "date", {"contact": "{contact}"}, DATE, "contact"),
    ("settings timezone", "name", {}, ZONE, "nothing"),
    ("settings quiet-hours", "start", {"end": "08:00"}, TIME, "nothing"),
    ("settings quiet-hours", "end", {"start": "21:00"}, TIME, "nothing"),
    ("progress", "contact", {}, NO_CONTACT, "contact"),
    ("followup thank-you", "contact", {}, NO_CONTACT, "contact"),
    ("staff stats", "since", {}, DATE, "staff"),
    ("staff export", "since", {}, DATE, "staff"),
    ("staff checklist reword", "item", {"phase": "request", "text": "New text"}, NO_ITEM, "staff"),
    ("staff checklist hide", "item", {"phase": "prepare"}, NO_ITEM, "staff"),
    ("staff checklist restore", "item", {"phase": "followup"}, NO_ITEM, "staff"),
    ("staff checklist move", "item", {"phase": "interview", "position": 1}, NO_ITEM, "staff"),
)


async def prepared(world: World, harness: BotHarness, setup: str) -> tuple[Any, Any, str]:
    """A user (and server) in the state the command needs; the contact id if there is one."""
    if setup == "staff":
        server = new_server(world)
        return server.admin, server.guild, ""
    student = world.student()
    if setup == "nothing":
        return student, world.guild, ""
    assert_ok(await run(world, student, "settings timezone", name="America/New_York"))
    contact = str(await new_contact(world, harness, student, person="Ada Lovelace"))
    if setup == "requested":
        assert_ok(await run(world, student, "request sent", contact=contact, date="2026-11-23"))
    elif setup == "met":
        emu = world.emulator
        opener = await emu.slash(
            student, world.guild, "interview done", options={"contact": contact}
        )
        done = await emu.submit_modal(student, opener, {"takeaways": "Learn SQL."})
        assert_ok(await done.message())
    return student, world.guild, contact


@pytest.fixture(scope="module")
def ready() -> dict[tuple[str, str], tuple[Any, Any, str]]:
    """One prepared user per command and option, shared by that option's hostile values: each
    case proves the database unchanged, so they cannot affect one another."""
    return {}


@pytest.mark.parametrize(
    ("command", "option", "others", "needle", "setup"),
    PARSED,
    ids=[f"{command}:{option}" for command, option, *_ in PARSED],
)
@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_parsed_options_refuse_hostile_text_and_change_nothing(
    world: World,
    harness: BotHarness,
    ready: dict[tuple[str, str], tuple[Any, Any, str]],
    hostile: Hostile,
    command: str,
    option: str,
    others: dict[str, Any],
    needle: str,
    setup: str,
):
    if (command, option) not in ready:
        ready[command, option] = await prepared(world, harness, setup)
    user, guild, contact = ready[command, option]
    options = {
        k: v.replace("{contact}", contact) if isinstance(v, str) else v for k, v in others.items()
    }
    options[option] = hostile(100)
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await run(world, user, command, guild, **options)
    watch.assert_clean(hostile)
    assert_refused(reply, needle)
    assert database_snapshot(harness.db_path) == before


@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_holiday_country_refuses_hostile_text(
    world: World, harness: BotHarness, hostile: Hostile
):
    server = new_server(world)
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await run(world, server.admin, "staff settings", server.guild, holidays=hostile(20))
    watch.assert_clean(hostile)
    if hostile.blank:  # nothing typed means no holiday calendar, which is already the case
        assert "already the settings; nothing changed" in assert_ok(reply).text()
    else:
        assert_refused(reply, "isn't a country code")
    assert database_snapshot(harness.db_path) == before


# --- autocomplete: any query gives valid choices (or none) -------------------------------------

AUTOCOMPLETE: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("request sent", "contact", {}, "contact"),
    ("settings timezone", "name", {}, "nothing"),
    ("staff settings", "holidays", {}, "staff"),
    ("staff checklist reword", "item", {"phase": "request"}, "staff"),
    ("staff checklist restore", "item", {"phase": "followup"}, "staff"),
)


@pytest.mark.parametrize(
    ("command", "option", "others", "setup"),
    AUTOCOMPLETE,
    ids=[f"{command}:{option}" for command, option, *_ in AUTOCOMPLETE],
)
@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_autocomplete_answers_any_query(
    world: World,
    harness: BotHarness,
    ready: dict[tuple[str, str], tuple[Any, Any, str]],
    hostile: Hostile,
    command: str,
    option: str,
    others: dict[str, Any],
    setup: str,
):
    if ("autocomplete " + command, option) not in ready:
        ready["autocomplete " + command, option] = await prepared(world, harness, setup)
    user, guild, _ = ready["autocomplete " + command, option]
    emu = world.emulator
    options = {**others, option: hostile(100)}
    watch = SentWatch(emu)
    choices = await emu.autocomplete(
        user,
        guild,
        command,
        options=options,
        focused=option,
        strict=client_sends(emu, command, options),
    )
    watch.assert_clean(hostile)  # the emulator refuses invalid choices with a 400
    assert len(choices) <= 25
    if hostile.refused is None:  # text that could be a name only matches what contains it
        assert all(hostile(100).lower() in c["name"].lower() for c in choices), choices


# --- choice options: a modified client can send any text -------------------------------------

CHOICES: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("request new", "connection", {"person": "Ada", "organization": "Acme"}, "nothing"),
    ("settings digest", "day", {}, "nothing"),
    ("followup close", "reason", {"contact": "{contact}"}, "contact"),
    ("staff checklist show", "phase", {}, "staff"),
)
CHOICE_VALUES = [pytest.param(h, id=h.id) for h in HOSTILE if not h.blank]


@pytest.mark.parametrize(
    ("command", "option", "others", "setup"),
    CHOICES,
    ids=[f"{command}:{option}" for command, option, *_ in CHOICES],
)
@pytest.mark.parametrize("hostile", CHOICE_VALUES)
async def test_choice_options_refuse_anything_else(
    world: World,
    harness: BotHarness,
    ready: dict[tuple[str, str], tuple[Any, Any, str]],
    hostile: Hostile,
    command: str,
    option: str,
    others: dict[str, Any],
    setup: str,
):
    if ("choice " + command, option) not in ready:
        ready["choice " + command, option] = await prepared(world, harness, setup)
    user, guild, contact = ready["choice " + command, option]
    options = {k: v.replace("{contact}", contact) for k, v in others.items()}
    options[option] = hostile(100)
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    ix = await world.emulator.slash(user, guild, command, options=options, strict=False)
    assert_refused(await ix.message(), "isn't a valid value for that option")
    assert database_snapshot(harness.db_path) == before
    watch.assert_clean(hostile)
