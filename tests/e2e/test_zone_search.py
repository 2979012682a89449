"""/settings timezone end to end: finding a zone by city or abbreviation, and typed names."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query


async def autocomplete(world: World, user, typed: str) -> list[dict]:
    return await world.emulator.autocomplete(
        user, world.guild, "settings timezone", options={"name": typed}, focused="name"
    )


def zone_of(harness: BotHarness, user) -> str | None:
    rows = query(harness.db_path, "SELECT timezone FROM students WHERE user_id = ?", (user.id,))
    return rows[0]["timezone"] if rows else None


async def test_cities_and_abbreviations_are_offered(world: World, harness: BotHarness):
    alice = world.student("alice")
    (boston,) = await autocomplete(world, alice, "boston")
    assert boston == {
        "name": "Boston, United States → America/New_York (US Eastern)",
        "value": "America/New_York",
    }
    sao = await autocomplete(world, alice, "sao paulo")
    assert sao[0]["value"] == "America/Sao_Paulo"
    ist = await autocomplete(world, alice, "IST")
    assert [c["value"] for c in ist[:3]] == ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]
    assert (await autocomplete(world, alice, "Lagos"))[0]["value"] == "Africa/Lagos"
    assert await autocomplete(world, alice, "qwxzzy") == []
    assert len(await autocomplete(world, alice, "san")) == 25


async def test_picking_a_choice_stores_the_zone(world: World, harness: BotHarness):
    alice = world.student("alice")
    (choice,) = await autocomplete(world, alice, "boston")
    harness.clock.set(datetime(2027, 4, 5, 14, 0, tzinfo=UTC))  # 10:00 Monday in New York
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": choice["value"]}
    )
    message = await ix.message()
    # Regression: it said "Monday 05 April" (a zero-padded day).
    assert message.text().startswith(
        "Your time zone is now **America/New_York** (it's 10:00 on Monday 5 April 2027 there)."
    )
    assert zone_of(harness, alice) == "America/New_York"


async def test_a_typed_city_or_abbreviation_is_understood_and_named(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "EST"}
    )
    text = (await ix.message()).text()
    assert text.startswith("EST → America/New_York (US Eastern; EDT in summer)\n")
    assert zone_of(harness, alice) == "America/New_York"
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "são paulo"}
    )
    assert (await ix.message()).text().startswith("São Paulo, Brazil → America/Sao_Paulo\n")
    assert zone_of(harness, alice) == "America/Sao_Paulo"


async def test_nonsense_is_refused_with_an_example_and_nothing_stored(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    before = database_snapshot(harness.db_path)
    ix = await world.emulator.slash(
        alice, world.guild, "settings timezone", options={"name": "qwxzzy"}
    )
    message = await ix.message()
    assert message.ephemeral
    assert "“qwxzzy” isn't a time zone or city I know" in message.text()
    assert "e.g. Boston, Lagos, IST or Europe/Berlin" in message.text()
    assert database_snapshot(harness.db_path) == before
