"""/staff checklist end to end: staff tailor a phase's checklist; students see the server's
version everywhere, and their ticks survive rewording, moving and hiding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, database_snapshot, query
from tests.e2e.staff_world import (
    Server,
    assert_private_error,
    audit_rows,
    latest_contact,
    new_server,
)

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
SUCCESS = 3  # button style of a ticked item


@pytest.fixture(autouse=True)
def _clock(harness: BotHarness) -> None:
    harness.clock.set(NOW)


@pytest.fixture
def server(world: World, harness: BotHarness) -> Server:
    return new_server(world)


async def request_checklist(server: Server, user):
    return await server.run(user, "request checklist")


def labels_and_styles(message) -> list[tuple[str, int]]:
    return [(b["label"], b["style"]) for b in message.buttons()]


def ticks(harness: BotHarness, contact_id: int) -> set[tuple[str, str]]:
    rows = query(
        harness.db_path,
        "SELECT phase, item_id FROM checklist_ticks WHERE contact_id = ?",
        (contact_id,),
    )
    return {(r["phase"], r["item_id"]) for r in rows}


async def item_value(server: Server, phase: str, typed: str, *, command: str = "hide") -> str:
    """The autocomplete value (an item id) offered for what staff typed."""
    choices = await server.emu.autocomplete(
        server.admin,
        server.guild,
        f"staff checklist {command}",
        options={"phase": phase, "item": typed},
        focused="item",
    )
    assert choices, f"no choice for {typed!r}"
    return choices[0]["value"]


async def test_show_lists_the_default_items_numbered(server: Server, harness):
    message = await server.staff("checklist show", phase="request")
    assert message.ephemeral
    text = message.text()
    assert "Making a request" in text
    assert "**1.**" in text
    assert "**8.**" in text
    assert "**9.**" not in text
    assert "Hidden" not in text
    assert "8 of at most 15" in text
    # Items tied to an action say which one ticks them.
    assert "ticks itself: Request logged (/request sent)" in text
    assert "LAMP" not in text  # search-wide steps are on the student's overview


async def test_show_fills_the_word_limit_as_students_see_it_and_says_so(server: Server, harness):
    text = (await server.staff("checklist show", phase="request")).text()
    assert "under 100 words on this server" in text
    assert "word\\_limit}" not in text.replace("`{word_limit}`", "")  # no raw placeholder
    assert "100 is this server's outreach-email word limit (`{word_limit}` in the text" in text

    await server.staff("settings", **{"word-limit": 75})
    text = (await server.staff("checklist show", phase="request")).text()
    assert "under 75 words on this server" in text
    assert "75 is this server's outreach-email word limit" in text
    edited = await server.staff(
        "checklist reword", phase="request", item="1", text="Draft at most {word_limit} words"
    )
    assert "Draft at most 75 words" in edited.text()
    # Without a placeholder in the phase, no note.
    assert "word limit" not in (await server.staff("checklist show", phase="followup")).text()


async def test_add_reword_move_hide_restore_keep_students_ticks(server: Server, harness):
    sam = server.member("sam")
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    contact_id = latest_contact(harness, sam)
    first = await request_checklist(server, sam)
    # Sam ticks item 2 ("no-job-words").
    click = await server.emu.click(sam, first, first.buttons()[1]["custom_id"])
    assert "1/8" in (await click.message()).text()

    # Added: a custom item shows at the end, and ticks like any other.
    added = await server.staff(
        "checklist add", phase="request", text="Book a CV review with us", why="We help."
    )
    assert "Added item 9" in added.text()
    assert "*added*" in added.text()
    checklist = await request_checklist(server, sam)
    assert "1/9" in checklist.text()
    assert "Book a CV review with us" in checklist.text()
    custom_button = checklist.buttons()[8]
    assert custom_button["custom_id"].endswith(":request:s-1")
    click = await server.emu.click(sam, checklist, custom_button["custom_id"])
    assert "2/9" in (await click.message()).text()
    assert ticks(harness, contact_id) == {("request", "no-job-words"), ("request", "s-1")}

    # Reworded: new text, same tick.
    no_jobs = await item_value(server, "request", "jobs", command="reword")
    assert no_jobs == "no-job-words"
    reworded = await server.staff(
        "checklist reword", phase="request", item=no_jobs, text="Ask for advice, never a job"
    )
    assert "*reworded*" in reworded.text()
    checklist = await request_checklist(server, sam)
    assert "Ask for advice, never a job" in checklist.text()
    assert "2/9" in checklist.text()
    assert checklist.buttons()[1]["style"] == SUCCESS

    # Moved: item 2 becomes item 5, still ticked; others shift up.
    await server.staff("checklist move", phase="request", item="2", position=5)
    checklist = await request_checklist(server, sam)
    buttons = checklist.buttons()
    assert buttons[4]["custom_id"].endswith(":request:no-job-words")
    assert buttons[4]["style"] == SUCCESS
    assert buttons[1]["custom_id"].endswith(":request:end-with-question")
    assert "**5.** Ask for advice, never a job" in checklist.text()
    assert "2/9" in checklist.text()

    # Hidden: out of the list and the progress bar; the tick row stays.
    await server.staff("checklist hide", phase="request", item="no-job-words")
    hidden_view = await request_checklist(server, sam)
    assert "1/8" in hidden_view.text()
    assert "never a job" not in hidden_view.text()
    assert ("request", "no-job-words") in ticks(harness, contact_id)
    # A button rendered before it was hidden can't tick it any more.
    before = database_snapshot(harness.db_path)
    stale = await server.emu.click(sam, checklist, buttons[4]["custom_id"])
    await assert_private_error(await stale.message(), "hid that item", "/request checklist")
    assert database_snapshot(harness.db_path) == before
    shown = (await server.staff("checklist show", phase="request")).text()
    assert "**H1.** Ask for advice, never a job" in shown

    # Restored: back in its place with Sam's tick.
    hidden_choice = await item_value(server, "request", "", command="restore")
    assert hidden_choice == "no-job-words"
    await server.staff("checklist restore", phase="request", item=hidden_choice)
    checklist = await request_checklist(server, sam)
    assert "2/9" in checklist.text()
    assert checklist.buttons()[4]["style"] == SUCCESS

    actions = [r["action"] for r in audit_rows(harness, server.guild)]
    assert actions == [
        "checklist_item_added",
        "checklist_item_reworded",
        "checklist_item_moved",
        "checklist_item_hidden",
        "checklist_item_restored",
    ]
    # Other servers keep the default checklist.
    other = new_server(server.world)
    assert "8 of at most 15" in (await other.staff("checklist show", phase="request")).text()


async def test_edits_apply_to_every_phase_command(server: Server, harness):
    sam = server.member("sam")
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    for phase, command in (
        ("prepare", "prepare checklist"),
        ("interview", "interview checklist"),
        ("followup", "followup checklist"),
    ):
        text = f"Server step for {phase}"
        await server.staff("checklist add", phase=phase, text=text)
        message = await server.run(sam, command)
        assert text in message.text(), command


async def test_the_sixteenth_visible_item_is_refused(server: Server, harness):
    for number in range(7):  # 8 default items + 7 = 15
        await server.staff("checklist add", phase="request", text=f"Extra step {number}")
    before = database_snapshot(harness.db_path)
    refused = await server.staff("checklist add", phase="request", text="One too many")
    await assert_private_error(refused, "already shows 15 items")
    assert database_snapshot(harness.db_path) == before
    # Hiding one makes room; restoring it then is refused while the list is full again.
    await server.staff("checklist hide", phase="request", item="1")
    await server.staff("checklist add", phase="request", text="Now it fits")
    refused = await server.staff("checklist restore", phase="request", item="H1")
    await assert_private_error(refused, "already shows 15 items")


@pytest.mark.parametrize(
    ("command", "options", "needle"),
    [
        ("checklist reword", {"item": "nope", "text": "x"}, "no item “nope”"),
        ("checklist hide", {"item": "99"}, "no item “99”"),
        ("checklist move", {"item": "1", "position": 12}, "from 1 to 8"),
        ("checklist restore", {"item": "1"}, "isn't hidden"),
        ("checklist add", {"text": "x" * 201}, "the most is 200"),
        ("checklist add", {"text": "   "}, "can't be empty"),
    ],
)
async def test_bad_checklist_edits_change_nothing(
    server: Server, harness, command, options, needle
):
    before = database_snapshot(harness.db_path)
    message = await server.run(
        server.admin, f"staff {command}", strict=False, phase="request", **options
    )
    await assert_private_error(message, needle)
    assert database_snapshot(harness.db_path) == before


async def test_a_checklist_keeps_at_least_one_item(server: Server, harness):
    for _ in range(6):  # the follow-up checklist has 7 items
        await server.staff("checklist hide", phase="followup", item="1")
    message = await server.staff("checklist hide", phase="followup", item="1")
    await assert_private_error(message, "at least one item")


async def test_adding_a_prepare_item_reopens_the_preparation_reminder(server: Server, harness):
    sam = server.member("sam")
    await server.run(sam, "settings timezone", name="America/New_York")
    await server.run(sam, "request new", person="Grace Hopper", organization="Navy")
    contact_id = latest_contact(harness, sam)
    await server.run(
        sam, "prepare schedule", contact=str(contact_id), date="2026-12-10", time="14:00"
    )

    def prepare_pending() -> bool:
        return bool(
            query(
                harness.db_path,
                "SELECT 1 FROM nudges WHERE contact_id = ? AND kind = 'prepare'"
                " AND status = 'pending'",
                (contact_id,),
            )
        )

    assert prepare_pending()
    checklist = await server.run(sam, "prepare checklist")
    (scheduled,) = [b for b in checklist.buttons() if b["disabled"]]  # ticked by the schedule
    assert scheduled["custom_id"].endswith(":prepare:schedule")
    for button in checklist.buttons():
        if not button["disabled"]:
            click = await server.emu.click(sam, checklist, button["custom_id"])
            checklist = await click.message()
    assert "10/10" in checklist.text()
    assert not prepare_pending()  # preparation finished: no reminder

    await server.staff("checklist add", phase="prepare", text="Read our interview guide")
    assert prepare_pending()  # a new step to do: the reminder is back
    await server.staff("checklist hide", phase="prepare", item="11")
    assert not prepare_pending()


async def test_custom_items_survive_a_restart(server: Server, harness):
    sam = server.member("sam")
    await server.run(sam, "request new", person="Ada Lovelace", organization="Acme")
    await server.staff("checklist add", phase="request", text="Tell your adviser")
    checklist = await request_checklist(server, sam)
    await harness.restart()
    click = await server.emu.click(sam, checklist, checklist.buttons()[8]["custom_id"])
    assert "1/9" in (await click.message()).text()
