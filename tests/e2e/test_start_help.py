"""/start and /help end to end: the welcome's texts and buttons (after a restart, owner only),
the glossary with its autocomplete, and the one-time pointer to /start after a first command."""

from __future__ import annotations

import re

from bot.errors import NOT_YOURS
from bot.storage.guild_settings import update_server_settings
from bot.ui.start_buttons import START_POINTER
from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query


async def run(world: World, user, command: str, **options):
    ix = await world.emulator.slash(user, world.guild, command, options=options or None)
    message = await ix.message()
    assert message.ephemeral, message
    return ix, message


def student_row(harness: BotHarness, user):
    """The student's row in the main server (the only one these tests write to by default)."""
    rows = query(harness.db_path, "SELECT * FROM students WHERE user_id = ?", (user.id,))
    return rows[0] if rows else None


async def settle(world: World, user) -> None:
    """Run one more command and wait for it, so listeners of the commands before it have run."""
    await run(world, user, "help", topic="3b7")


def embed_sizes(message) -> tuple[int, int]:
    (embed,) = message.embeds
    description = embed.get("description", "")
    total = len(embed.get("title", "")) + len(description) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return len(description), total


async def test_start_shows_the_method_the_reminders_privacy_and_three_first_steps(
    world: World, harness: BotHarness
):
    newcomer = world.student("newcomer")
    ix, message = await run(world, newcomer, "start")
    text = message.text()
    assert "Welcome to InfoCoach" in text
    for step in (
        # the method's words in the five steps point to their /help topic, nothing else
        "**informational interviews**: short",
        "**1. Make your LAMP list** (`/help topic:lamp`) of about 40 employers",
        "your top five. → `/employers`",
        "**2. Send a short 5-Point Email** (`/help topic:five-point-email`; under 100 words, "
        "no job talk, your connection first)",
        "**3. Follow the 3B7 routine** (`/help topic:3b7`): no reply after 3 business days "
        "→ write to a second person at the same employer; after 7 → one short follow-up to "
        "the first.",
        "**4. Have a 15–30 minute conversation** with TIARA questions (`/help topic:tiara`; "
        "Trends, Insights, Advice, Resources, Assignments).",
        "**5. Send a thank-you within 24 hours**",
    ):
        assert step in text
    assert "• **3 and 7 business days** after a request with no reply" in text
    assert "the thank-you (a few hours after, a last call before 24 hours are up)" in text
    assert "every **Monday** (`/settings digest`)" in text
    assert "21:00–08:00 once your time zone is set" in text
    assert text.count("`/help topic:") == 4  # LAMP, 5-Point Email, 3B7, TIARA
    assert (
        "Only you see my replies. Staff see only anonymous totals unless you opt in with "
        "`/privacy share`. `/privacy export` downloads your data; `/privacy delete` erases it."
    ) in text
    assert "1. Choose your time zone in the menu below" in text
    description, total = embed_sizes(message)
    assert description <= 4096
    assert total <= 6000

    (select,) = message.selects()
    assert select["custom_id"] == f"ic:start:tz:{newcomer.id}"
    assert select["placeholder"] == "1. Choose your time zone"
    assert "America/New_York" in [option["value"] for option in select["options"]]
    assert [b["label"] for b in message.buttons()] == [
        "2. Add your first employer or contact",
        "3. Check an outreach email",
    ]
    # Opening /start counts as being pointed to it: the student row notes it.
    assert student_row(harness, newcomer)["start_pointed_at"] is not None
    await settle(world, newcomer)
    assert ix.followups == []


async def test_start_shows_the_servers_word_limit_and_the_students_own_settings(
    world: World, harness: BotHarness
):
    alice = world.student("alice")
    await run(world, alice, "settings timezone", name="America/New_York")
    await run(world, alice, "settings digest", day="off")
    await run(world, alice, "settings quiet-hours", start="22:30", end="07:00")
    async with harness.bot.db.transaction() as tx:
        await update_server_settings(
            tx, world.guild.id, harness.clock.now(), word_limit=75, report_back_days=10
        )
    try:
        _, message = await run(world, alice, "start")
    finally:
        async with harness.bot.db.transaction() as tx:
            await update_server_settings(
                tx, world.guild.id, harness.clock.now(), word_limit=100, report_back_days=14
            )
    text = message.text()
    assert "; under 75 words," in text
    assert "report back (10 days)" in text  # the server's delay, not a fixed "2 weeks"
    assert "1. Your time zone is **America/New_York**" in text
    assert "**Weekly digest** of what is due: off for you" in text
    assert "quiet hours (22:30–07:00 your time;" in text
    (select,) = message.selects()
    assert select["placeholder"] == "Change your time zone (now America/New_York)"


async def test_the_welcome_buttons_work_after_a_restart_and_only_for_their_owner(
    world: World, harness: BotHarness
):
    emu = world.emulator
    owner, other = world.student("owner"), world.student("other")
    _, welcome = await run(world, owner, "start")
    await harness.restart()

    before = database_snapshot(harness.db_path)
    for custom_id in (f"ic:start:first:{owner.id}", f"ic:start:email:{owner.id}"):
        refused = await (await emu.click(other, welcome, custom_id, strict=False)).message()
        assert refused.ephemeral
        assert NOT_YOURS in refused.text()
    refused = await (
        await emu.select(other, welcome, f"ic:start:tz:{owner.id}", ["Europe/Paris"], strict=False)
    ).message()
    assert NOT_YOURS in refused.text()
    assert database_snapshot(harness.db_path) == before

    picked = await (
        await emu.select(owner, welcome, f"ic:start:tz:{owner.id}", ["Europe/Berlin"])
    ).message()
    assert picked.ephemeral
    assert picked.text().startswith("Your time zone is now **Europe/Berlin**")
    assert "Next: press **2. Add your first employer or contact**" in picked.text()
    assert student_row(harness, owner)["timezone"] == "Europe/Berlin"
    assert emu.message(welcome.id).embeds == welcome.embeds  # the welcome stays as it was

    first = await (await emu.click(owner, welcome, f"ic:start:first:{owner.id}")).message()
    assert first.ephemeral
    assert "**Start your LAMP list**" in first.text()
    assert "`/employers add`" in first.text()
    assert "`/employers import`" in first.text()
    assert "`/request new`" in first.text()

    opened = await emu.click(owner, welcome, f"ic:start:email:{owner.id}")
    assert (await opened.response()).type == 9  # the email-check form itself opens
    verdict = await emu.submit_modal(
        owner, opened, {"draft": "Hi Ms. Lee, as a fellow alum, would you have 20 minutes?"}
    )
    embed = (await verdict.message()).embeds[0]
    assert embed["title"].startswith("Outreach email check:")


def commands_named(text: str) -> set[str]:
    return set(re.findall(r"`(/[a-z-]+(?: [a-z-]+)?)(?=[` ])", text))


def registered_commands(world: World) -> set[str]:
    names: set[str] = set()
    for command in world.emulator.commands():
        names.add(f"/{command['name']}")
        for sub in command.get("options") or []:
            if sub.get("type") == 1:  # a subcommand
                names.add(f"/{command['name']} {sub['name']}")
    return names


async def test_help_lists_the_topics_and_the_main_commands_by_phase(
    world: World, harness: BotHarness
):
    reader = world.student("reader")
    before = database_snapshot(harness.db_path)
    ix, message = await run(world, reader, "help")
    text = message.text()
    assert "LAMP list · Top five · 5-Point Email · 3B7 routine · Business days · " in text
    assert "Booster, obligate, curmudgeon · TIARA questions" in text
    for phase in (
        "Getting started",
        "Your employers (LAMP list)",
        "1. Making a request",
        "2. Preparing",
        "3. The conversation",
        "4. Following up",
        "Any time",
    ):
        assert f"\n{phase}\n" in f"\n{text}\n"
    assert "`/request new` · `/request check-email` · `/request sent` · `/request reply`" in text
    # Every command /help and /start name exists.
    _, welcome = await run(world, reader, "start")
    named = commands_named(text) | commands_named(welcome.text())
    assert len(named) > 20
    assert named - registered_commands(world) == set()
    # Regression: these student commands were missing from the list.
    for missing in (
        "followup draft",
        "prepare star",
        "prepare unstar",
        "request followed-up",
        "privacy share",
        "followup close",
    ):
        assert f"`/{missing}`" in text, missing
    assert ix.followups == []
    assert set(before) == set(database_snapshot(harness.db_path))


async def test_help_topics_explain_the_method_and_autocomplete(world: World, harness: BotHarness):
    emu = world.emulator
    reader = world.student("reader")
    choices = await emu.autocomplete(
        reader, world.guild, "help", focused="topic", options={"topic": "obli"}
    )
    assert choices == [{"name": "Booster, obligate, curmudgeon", "value": "booster"}]
    everything = await emu.autocomplete(
        reader, world.guild, "help", focused="topic", options={"topic": ""}
    )
    assert len(everything) == len(harness.bot.content.glossary)
    assert {"name": "TIARA questions", "value": "tiara"} in everything

    _, message = await run(world, reader, "help", topic="booster")
    text = message.text()
    assert text.startswith("Booster, obligate, curmudgeon\nHow a contact answered")
    assert "A booster replied within 3 business days" in text
    assert "An obligate replied later" in text
    assert "A curmudgeon never replied" in text
    assert "Try it\n`/request reply`" in text

    text = (await run(world, reader, "help", topic="3b7"))[1].text()
    assert "No reply after 3 business days: contact a second person at the same employer." in text
    assert "after 7 business days: send them one short follow-up" in text

    text = (await run(world, reader, "help", topic="TIARA"))[1].text()
    assert "Trends: what is changing in their field." in text
    assert "Assignments: the projects and tasks the role involves" in text

    # a word for a topic, in any case, finds it
    assert (
        (await run(world, reader, "help", topic="Curmudgeon"))[1]
        .text()
        .startswith("Booster, obligate, curmudgeon")
    )
    assert (await run(world, reader, "help", topic="quiet"))[1].text().startswith("Quiet hours")

    refused = (await run(world, reader, "help", topic="**xyz**"))[1].text()
    assert "I have no help topic called “\\*\\*xyz\\*\\*”." in refused
    assert "Topics: Informational interview · LAMP list · " in refused
    assert "`/help topic:TIARA`" in refused

    # a typo, hyphens or spaces: the topic itself, or the one it is closest to
    for typed in ("3-b-7", "5 point email", "TIARA Questions"):
        found = (await run(world, reader, "help", topic=typed))[1].text()
        assert not found.startswith("⚠️"), (typed, found)
    assert (await run(world, reader, "help", topic="3-b-7"))[1].text().startswith("3B7 routine")
    assert (
        (await run(world, reader, "help", topic="5 point email"))[1]
        .text()
        .startswith("5-Point Email")
    )
    typo = (await run(world, reader, "help", topic="tiarra"))[1].text()
    assert "I have no help topic called “tiarra”. Did you mean **TIARA questions**? " in typo
    assert "`/help topic:tiara`" in typo


async def test_the_first_command_shows_one_pointer_to_start(world: World, harness: BotHarness):
    emu = world.emulator
    student = world.student("first")
    first, reply = await run(world, student, "settings timezone", name="America/Chicago")
    assert "America/Chicago" in reply.text()  # the command's own reply comes first
    await emu.state.wait_for(lambda: first.followups, 5, "the pointer to /start")
    (pointer,) = first.followups
    assert pointer.ephemeral
    assert pointer.text() == START_POINTER
    assert student_row(harness, student)["start_pointed_at"] is not None

    second, _ = await run(world, student, "settings show")
    third, _ = await run(world, student, "settings digest", day="friday")
    await settle(world, student)
    assert second.followups == []
    assert third.followups == []

    # once per server: the first command elsewhere points there too
    elsewhere = world.student("elsewhere", guilds=(world.guild, world.other_guild))
    await run(world, elsewhere, "settings timezone", name="Europe/London")
    ix = await emu.slash(
        elsewhere, world.other_guild, "settings timezone", options={"name": "Europe/London"}
    )
    await ix.message()
    await emu.state.wait_for(lambda: ix.followups, 5, "the pointer in the other server")
    assert ix.followups[0].text() == START_POINTER


async def test_a_read_only_first_command_points_without_storing_anything(
    world: World, harness: BotHarness
):
    emu = world.emulator
    newcomer = world.student("looker")
    before = database_snapshot(harness.db_path)
    ix, _ = await run(world, newcomer, "settings show")
    await emu.state.wait_for(lambda: ix.followups, 5, "the pointer to /start")
    assert ix.followups[0].text() == START_POINTER
    assert database_snapshot(harness.db_path) == before
    assert student_row(harness, newcomer) is None


async def test_no_pointer_after_start_help_or_a_form(world: World, harness: BotHarness):
    emu = world.emulator
    reader = world.student("reader")
    helped, _ = await run(world, reader, "help")
    form = await emu.slash(reader, world.guild, "request check-email")
    assert (await form.response()).type == 9  # a form: Discord allows no followup to it
    started, _ = await run(world, reader, "start")
    after, _ = await run(world, reader, "settings timezone", name="Asia/Tokyo")
    await settle(world, reader)
    assert helped.followups == []
    assert form.followups == []
    assert started.followups == []
    assert after.followups == []
