"""/followup draft end to end: the kind choices, each draft in a copyable block with what to
edit and when to send, the checker line for the outreach drafts (at the server's word limit),
and friendly refusals that change nothing."""

from __future__ import annotations

import pytest

from bot.storage.guild_settings import update_server_settings
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.test_followup import NOW, add_contact, kinds, run, set_zone

TAKEAWAYS = "Take the free SQL for healthcare data course she mentioned\nAsk Jordan about rotations"


@pytest.fixture(autouse=True)
def _fixed_clock(harness: BotHarness):
    harness.clock.set(NOW)


async def met_dana(world: World, harness: BotHarness, user) -> tuple[int, int]:
    """The student met Dana Whitfield (logged now) who suggested Priya Raman."""
    await set_zone(world, user)
    dana = await add_contact(world, user, person="Dana Whitfield", organization="Contoso")
    ix = await world.emulator.slash(
        user, world.guild, "interview done", options={"contact": str(dana)}
    )
    done = await world.emulator.submit_modal(
        user,
        ix,
        {
            "notes": "Long chat about analytics.",
            "takeaways": TAKEAWAYS,
            "referrals": "Priya Raman — Northwind Health",
        },
    )
    assert "⚠️" not in (await done.message()).text()
    (row,) = query(harness.db_path, "SELECT id FROM contacts WHERE referred_by = ?", (dana,))
    return dana, int(row["id"])


async def draft(world: World, user, kind: str, contact: int):
    return await run(world, user, "followup draft", kind=kind, contact=str(contact))


async def test_draft_offers_the_five_kinds(world: World, harness: BotHarness):
    (followup,) = [c for c in world.emulator.commands() if c["name"] == "followup"]
    command = next(o for o in followup["options"] if o["name"] == "draft")
    kind = next(o for o in command["options"] if o["name"] == "kind")
    assert [(c["name"], c["value"]) for c in kind["choices"]] == [
        ("thank-you", "thank_you"),
        ("7B follow-up", "follow_up_7b"),
        ("referral intro", "referral_intro"),
        ("report-back", "report_back"),
        ("keep-in-touch", "keep_in_touch"),
    ]
    assert [o["name"] for o in command["options"]] == ["kind", "contact"]


async def test_each_draft_after_a_meeting_with_a_referral(world: World, harness: BotHarness):
    sam = world.student("sam")
    dana, priya = await met_dana(world, harness, sam)

    thanks = await draft(world, sam, "thank_you", dana)
    (embed,) = thanks.embeds
    assert embed["title"] == "Thank-you draft"
    assert embed["description"].startswith("```\nSubject: Thank you for your time\n")
    assert (
        "[in your own words: Take the free SQL for healthcare data course she"
        in embed["description"]
    )
    assert "Ask Jordan" not in embed["description"]
    (notes,) = embed["fields"]
    assert notes["value"] == TAKEAWAYS  # beside the draft, line breaks kept
    assert "within 24 hours of the meeting" in thanks.content
    assert "`/followup thanked`" in thanks.content
    assert kinds(harness, dana)[-1] == "thank_you_outlined"

    intro = await draft(world, sam, "referral_intro", priya)
    text = intro.text()
    assert "Subject: Dana Whitfield suggested I contact you" in text
    assert "\nDana Whitfield suggested I contact you. I'm a [year] student" in text
    assert "✅ As written it passes every `/request check-email` rule" in intro.content
    assert "this server's limit is 100" in intro.content
    assert "`/followup told-referrer`" in intro.content

    async with harness.bot.db.transaction() as tx:
        await update_server_settings(tx, world.guild.id, NOW, word_limit=75)
    at_75 = await draft(world, sam, "referral_intro", priya)
    assert "✅" in at_75.content
    assert "this server's limit is 75" in at_75.content

    before = database_snapshot(harness.db_path)
    early = await draft(world, sam, "follow_up_7b", priya)
    assert "`/request sent`" in early.text()
    assert not early.embeds
    assert database_snapshot(harness.db_path) == before

    await run(world, sam, "request sent", contact=str(priya))
    follow_up = await draft(world, sam, "follow_up_7b", priya)
    text = follow_up.text()
    assert "I wanted to follow up on my note below. Dana Whitfield suggested you" in text
    assert "Send it as a reply to your first email" in follow_up.content
    assert "(7 business days after your request) if they still haven't replied" in text
    assert "✅" in follow_up.content
    assert kinds(harness, priya)[-1] == "draft_shown"

    report = await draft(world, sam, "report_back", dana)
    assert "When we spoke on 10 December, you suggested [in your own words:" in report.text()
    assert "`/followup reported-back`" in report.content
    touch = await draft(world, sam, "keep_in_touch", dana)
    assert "I hope all is well at Contoso." in touch.text()
    assert "`/followup kept-in-touch`" in touch.content
    for message in (thanks, intro, follow_up, report, touch):
        assert len(message.content) <= 2000
        assert message.embeds[0]["description"].count("```") == 2


async def test_refusals_name_what_to_do_first(world: World, harness: BotHarness):
    lee = world.student("lee")
    cid = await add_contact(world, lee, person="Grace Hopper")
    before = database_snapshot(harness.db_path)
    for kind, needle in (
        ("thank_you", "no meeting with Grace Hopper is logged yet"),
        ("report_back", "`/interview done`"),
        ("keep_in_touch", "`/interview done`"),
        ("referral_intro", "Nobody referred you to Grace Hopper"),
    ):
        message = await draft(world, lee, kind, cid)
        assert needle in message.text()
        assert not message.embeds
    assert database_snapshot(harness.db_path) == before
