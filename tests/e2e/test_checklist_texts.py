"""The request checklist as a student first sees it: the server's word limit, glossary terms
pointing to /help once, and the contact named without stray markup."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness


async def test_request_checklist_links_terms_once_and_names_the_contact(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    ix = await world.emulator.slash(
        alice,
        world.guild,
        "request new",
        options={"person": "Dana Whitfield", "organization": "Northwind Health"},
    )
    message = await ix.message()
    assert message.content.startswith("Added **Dana Whitfield** at Northwind Health. ")
    (embed,) = message.embeds
    description = embed["description"]
    assert "under 100 words on this server" in description
    assert "{word_limit}" not in description
    assert description.count("(`/help topic:3b7`)") == 1
    assert "3B7 (`/help topic:3b7`) clock" in description
    assert "/help topic:business-days" not in description  # an everyday word: no pointer
    assert description.count("`/help topic:") <= 2
