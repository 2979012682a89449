"""/progress end to end: the overview with next steps, due dates and the funnel; pages that only
their owner can turn, also after a restart; one contact's whole history; and privacy between
students and servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.contacts import Connection, Stage
from bot.storage.contacts import add_contact as store_contact
from bot.storage.contacts import set_meeting, set_stage
from bot.storage.events import append_event
from bot.storage.interview_notes import save_notes
from bot.storage.questions import add_question
from bot.storage.students import ensure_student
from bot.storage.timestamps import to_db
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot

NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday 10:00 in New York
MET = datetime(2026, 12, 9, 19, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_clock(harness: BotHarness):
    harness.clock.set(NOW)


async def run(world: World, user, command: str, guild=None, **options):
    ix = await world.emulator.slash(user, guild or world.guild, command, options=options)
    message = await ix.message()
    assert message.ephemeral, message
    return message


async def new_contact(world: World, user, person: str, organization="Acme", guild=None) -> int:
    message = await run(world, user, "request new", guild, person=person, organization=organization)
    (contact_id,) = {int(b["custom_id"].split(":")[3]) for b in message.buttons()}
    return contact_id


async def stored_contacts(harness: BotHarness, guild_id: int, user_id: int, count: int) -> None:
    async with harness.bot.db.transaction() as tx:
        await ensure_student(tx, guild_id, user_id, NOW)
        for n in range(1, count + 1):
            await store_contact(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                person=f"Person {n:02d}",
                organization="Org",
                role=None,
                connection=None,
                now=NOW,
            )


def field_names(message) -> list[str]:
    return [f["name"] for f in message.embeds[0].get("fields", [])]


async def test_progress_is_a_single_command_with_an_optional_contact(
    world: World, harness: BotHarness
):
    (progress,) = [c for c in world.emulator.commands() if c["name"] == "progress"]
    assert [(o["name"], o.get("required", False)) for o in progress["options"]] == [
        ("contact", False)
    ]


async def test_progress_without_contacts_says_how_to_add_one(world: World, harness: BotHarness):
    nobody = world.student("nobody")
    message = await run(world, nobody, "progress")
    assert "/request new" in message.text()


async def test_overview_groups_contacts_under_their_employers_top_five_first(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await run(world, alice, "settings timezone", name="America/New_York")
    await new_contact(world, alice, "Plan Pat")
    waiting = await new_contact(world, alice, "Wait Wendy", organization="Initech")
    met = await new_contact(world, alice, "Met Mo")
    closed = await new_contact(world, alice, "Closed Cy")
    await run(world, alice, "request sent", contact=str(waiting), date="2026-12-07")  # Monday
    await run(world, alice, "request sent", contact=str(closed), date="2026-12-07")
    await run(world, alice, "followup close", contact=str(closed), reason="no_reply")
    async with harness.bot.db.transaction() as tx:
        await set_stage(tx, met, Stage.MET, MET, NOW)
        # A contact from before employers existed, on no employer's list.
        await store_contact(
            tx,
            guild_id=world.guild.id,
            user_id=alice.id,
            person="Loose Lou",
            organization="Somewhere",
            role=None,
            connection=None,
            now=NOW,
        )
    # Initech (motivation 3) and four fully scored employers without contacts outrank the
    # unscored Acme, which drops out of the top five.
    await run(world, alice, "employers score", employer="Initech", motivation=3)
    for name in ("Bravo", "Charlie", "Delta", "Echo"):
        await run(
            world,
            alice,
            "employers add",
            name=name,
            alumni="yes",
            motivation=2,
            posting=2,
        )

    message = await run(world, alice, "progress")
    embed = message.embeds[0]
    names = field_names(message)
    assert names == [
        "⭐ Initech",
        "1. Wait Wendy · requested",
        "⭐ Bravo",
        "⭐ Charlie",
        "⭐ Delta",
        "⭐ Echo",
        "Acme",
        # in each group, what is due first comes first: the thank-you (due in hours), then
        # no date, then closed
        "2. Met Mo · met",
        "3. Plan Pat · planned",
        "4. Closed Cy · closed · curmudgeon",
        "Not on your employer list",
        "5. Loose Lou (Somewhere) · planned",
    ]
    values = [f["value"] for f in embed["fields"]]
    assert values[0] == "A ? · M 3 · P ? · 1 contact"
    assert "Initech" in values[1]
    assert "due Wed 16 Dec" in values[1]  # day 7 of a request sent Monday 7 December
    assert values[2] == (
        "A yes · M 2 · P 2\nNo contact here yet: find someone there (an alum if you can) and "
        "add them with `/request new`."
    )
    assert values[6] == "Not scored yet: `/employers score` · 3 contacts"
    deadline = int((MET + timedelta(hours=24)).timestamp())
    assert "thank-you" in values[7]
    assert f"<t:{deadline}:R>" in values[7]
    assert "/request sent" in values[8]
    assert "Closed" in values[9]
    assert values[10] == "1 contact without an employer"
    description = embed["description"]
    assert "planned             2        5" in description
    assert "requested           1        3" in description
    assert "met                 1        1" in description
    assert "closed              1" in description
    assert "**Your search**" in description
    assert (
        "📋 Your LAMP list: 6 employers, 4 fully scored, 5 in your top five (⭐ below). "
        "The board: `/employers list`." in description
    )
    assert "Page 1 of 1" in embed["footer"]["text"]
    assert not message.buttons()


async def test_twelve_contacts_page_with_owner_only_buttons_that_survive_a_restart(
    world: World, harness: BotHarness
):
    alice, mallory = world.student("alice"), world.student("mallory")
    await stored_contacts(harness, world.guild.id, alice.id, 12)
    message = await run(world, alice, "progress")
    assert field_names(message)[0] == "Not on your employer list"
    assert len(field_names(message)) == 11  # the heading and ten contacts
    assert "Person 01" in field_names(message)[1]
    assert "Person 12" not in message.text()
    assert "Page 1 of 2" in message.text()
    assert "/employers add" in message.embeds[0]["description"]  # no list yet: how to start
    previous, following = message.buttons()
    assert (previous["label"], previous["disabled"]) == ("◀", True)
    assert (following["label"], following.get("disabled", False)) == ("▶", False)

    click = await world.emulator.click(alice, message, following["custom_id"])
    assert (await click.response()).type == 7
    page2 = await click.message()
    assert page2.id == message.id
    assert field_names(page2)[0] == "Not on your employer list (continued)"
    assert [n.split(". ")[1].split(" (")[0] for n in field_names(page2)[1:]] == [
        "Person 11",
        "Person 12",
    ]
    assert field_names(page2)[1].startswith("11. ")
    assert "Page 2 of 2" in page2.text()
    assert "/employers" not in page2.embeds[0]["description"]  # "Your search" is on page 1
    assert page2.buttons()[1]["disabled"] is True

    before = page2.text()
    stolen = await world.emulator.click(
        mallory, page2, page2.buttons()[0]["custom_id"], strict=False
    )
    assert "belongs to someone else" in (await stolen.message()).text()
    assert page2.text() == before

    await harness.restart()
    back = await world.emulator.click(alice, page2, page2.buttons()[0]["custom_id"])
    assert (await back.response()).type == 7
    assert "Page 1 of 2" in (await back.message()).text()
    again = await world.emulator.click(alice, message, message.buttons()[1]["custom_id"])
    assert "Person 12" in (await again.message()).text()


async def test_employers_across_pages_keep_their_heading_and_the_limits(
    world: World, harness: BotHarness
):
    """Seven employers with long names full of markdown, three contacts each: 21 contacts over
    three pages; a group cut by a page starts the next page under its heading "(continued)";
    every page fits Discord's limits; the buttons work after a restart."""
    alice = world.student("alice")
    long = "*Ünïcode_ `Corp` ||x|| " * 5  # 115 characters, markdown everywhere
    employers = [f"{letter} {long}"[:100] for letter in "ABCDEFG"]
    for n, name in enumerate(employers):
        await run(world, alice, "employers add", name=name, motivation=3 if n < 2 else 1)
        for person in range(3):
            await new_contact(world, alice, f"{'@everyone ' * 3}P{n}{person}", organization=name)
    seen: list[str] = []
    message = await run(world, alice, "progress")
    for page in range(3):
        embed = message.embeds[0]
        assert f"Page {page + 1} of 3" in embed["footer"]["text"]
        assert len(embed.get("fields", [])) <= 25
        assert len(embed["description"]) <= 4096
        total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
        total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
        assert total <= 6000
        assert all(0 < len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed["fields"])
        seen += field_names(message)
        if page < 2:
            if page == 1:
                await harness.restart()
            click = await world.emulator.click(alice, message, message.buttons()[1]["custom_id"])
            message = await click.message()
    headings = [name for name in seen if not name[0].isdigit()]
    # ten entries a page: 3 + 3 + 3 + 1 contacts, then 2 + 3 + 3 + 2, then 1; the top five
    # are the two with motivation 3, then the first three by name
    assert [h.startswith("⭐") for h in headings] == [True] * 6 + [False] * 3
    assert [h.endswith("(continued)") for h in headings] == [False] * 4 + [True] + [False] * 3 + [
        True
    ]
    assert headings[0].startswith("⭐ A \\*Ünïcode\\_ \\`Corp\\`")  # the student's text is escaped
    contacts = [name for name in seen if name[0].isdigit()]
    assert [name.split(". ")[0] for name in contacts] == [str(n) for n in range(1, 22)]


async def test_contact_history_shows_events_notes_questions_and_referrals(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await run(world, alice, "settings timezone", name="America/New_York")
    cid = await new_contact(world, alice, "Grace Hopper", organization="Navy Labs")
    await run(world, alice, "request sent", contact=str(cid), date="2026-12-01")
    await run(world, alice, "request reply", contact=str(cid), date="2026-12-02")
    async with harness.bot.db.transaction() as tx:
        await set_meeting(tx, cid, meeting_at=MET, zone="America/New_York", minutes=20, now=NOW)
        for kind, payload in (
            ("meeting_scheduled", {"meeting_at": to_db(MET), "minutes": 20}),
            ("question_added", {"category": "own"}),  # noise: the list is shown on its own
        ):
            await append_event(
                tx,
                guild_id=world.guild.id,
                user_id=alice.id,
                contact_id=cid,
                kind=kind,
                payload=payload,
                at=NOW,
            )
        await set_stage(tx, cid, Stage.MET, MET, NOW)
        await save_notes(tx, cid, "Talked *compilers* for ages.", "Small teams ship faster.", NOW)
        await add_question(tx, cid, "trends", "What is changing in your field?", "t1")
        await add_question(tx, cid, "own", "How did you start?", None)
        referral = await store_contact(
            tx,
            guild_id=world.guild.id,
            user_id=alice.id,
            person="Rita Referral",
            organization="Navy Labs",
            role=None,
            connection=Connection.MUTUAL,
            now=NOW,
            referred_by=cid,
        )
    await run(world, alice, "followup thanked", contact=str(cid))

    message = await run(world, alice, "progress", contact=str(cid))
    text = message.text()
    assert "Grace Hopper (Navy Labs)" in message.embeds[0]["title"]
    history = message.embeds[0]["description"].split("**History**", 1)[1]
    lines = [line for line in history.splitlines() if line.strip()]
    assert [line.split("` ", 1)[1].split(" ·")[0] for line in lines] == [
        "Added",
        "Request sent",
        "Reply logged (booster)",
        f"Meeting scheduled for <t:{int(MET.timestamp())}:f>",
        "Thank-you sent",
    ]
    assert lines[1].startswith("`Tue 1 Dec`")  # the day it was sent, not the day logged
    assert "logged Thu 10 Dec" in lines[1]
    assert "**Stage:** thanked · booster" in text
    assert "Talked \\*compilers\\* for ages." in text  # markdown escaped
    assert "Small teams ship faster." in text
    assert "1. [T] What is changing in your field?" in text
    assert "2. [own] How did you start?" in text
    assert "Rita Referral (Navy Labs) · planned" in text
    assert "Report back" in text  # the next step

    referred = await run(world, alice, "progress", contact=str(referral))
    assert "**Referred by:** Grace Hopper (Navy Labs)" in referred.text()
    assert "**Connection:** mutual contact" in referred.text()


async def test_contact_history_fits_discord_limits_with_long_notes(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    cid = await new_contact(world, alice, "N" * 100, organization="O" * 100)
    async with harness.bot.db.transaction() as tx:
        await save_notes(tx, cid, "*_" * 500, "t" * 1000, NOW)
        for n in range(10):
            await add_question(tx, cid, "advice", f"{n} " + "q" * 290, None)
        for n in range(120):
            await append_event(
                tx,
                guild_id=world.guild.id,
                user_id=alice.id,
                contact_id=cid,
                kind="reopened" if n % 2 else "closed",
                payload={"reason": "other"} if n % 2 == 0 else {"stage": "planned"},
                at=NOW - timedelta(days=120 - n),
            )
    message = await run(world, alice, "progress", contact=str(cid))  # the emulator checks limits
    embed = message.embeds[0]
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    notes = next(f for f in embed["fields"] if f["name"] == "Interview notes")
    assert notes["value"].endswith("…")
    assert "earlier events not shown" in embed["description"]
    assert "Dates in UTC" in embed["footer"]["text"]  # no time zone set: says so


async def test_students_never_see_each_others_contacts_or_other_servers(
    world: World, harness: BotHarness
):
    alice = world.student("alice", guilds=(world.guild, world.other_guild))
    bob = world.student("bob")
    await new_contact(world, alice, "Alice Here")
    elsewhere = await new_contact(world, alice, "Alice Elsewhere", guild=world.other_guild)
    bobs = await new_contact(world, bob, "Bob Only")

    here = (await run(world, alice, "progress")).text()
    assert "Alice Here" in here
    assert "Alice Elsewhere" not in here
    assert "Bob Only" not in here
    there = (await run(world, alice, "progress", guild=world.other_guild)).text()
    assert "Alice Elsewhere" in there
    assert "Alice Here" not in there
    bob_view = (await run(world, bob, "progress")).text()
    assert "Bob Only" in bob_view
    assert "Alice" not in bob_view

    before = database_snapshot(harness.db_path)
    for user, contact_id, guild in (
        (bob, elsewhere, world.guild),
        (alice, bobs, world.guild),
        (alice, elsewhere, world.guild),
    ):
        message = await run(world, user, "progress", guild, contact=str(contact_id))
        assert "couldn't find that contact" in message.text()
    assert database_snapshot(harness.db_path) == before
