"""Hostile text from staff: checklist items added or reworded (text and why) are stored as typed
or refused with nothing changed, and every view that shows them still renders: the staff's
own confirmation, /staff checklist show, /staff audit and the students' checklists."""

from __future__ import annotations

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
from tests.e2e.staff_world import Server, new_server

ITEM = 200
STUDENT_VIEW = {"request": "request checklist", "prepare": "prepare checklist"}
STUDENT_VIEW |= {"interview": "interview checklist", "followup": "followup checklist"}


async def run(server: Server, user: Any, command: str, **options: Any) -> Any:
    strict = client_sends(server.emu, command, options)
    return await server.run(user, command, strict=strict, **options)


async def student_sees(server: Server, phase: str) -> Any:
    """A student of the server opens the phase's checklist for a new contact."""
    student = server.member()
    assert_ok(await run(server, student, "request new", person="Ada", organization="Acme"))
    return assert_ok(await run(server, student, STUDENT_VIEW[phase]))


def item_row(harness: BotHarness, server: Server, phase: str, item_id: str | None = None) -> Any:
    sql = "SELECT * FROM checklist_items WHERE guild_id = ? AND phase = ?"
    params: tuple[Any, ...] = (server.guild.id, phase)
    if item_id is not None:
        sql += " AND item_id = ?"
        params += (item_id,)
    (row,) = query(harness.db_path, sql, params)
    return row


async def staff_views(server: Server, phase: str) -> None:
    assert_ok(await run(server, server.admin, "staff checklist show", phase=phase))
    assert_ok(await run(server, server.admin, "staff audit"))
    await student_sees(server, phase)


@pytest.mark.parametrize(
    ("command", "phase", "field"),
    [
        ("staff checklist add", "prepare", "text"),  # "prepare" re-plans: a deferred reply
        ("staff checklist add", "request", "why"),
        ("staff checklist reword", "interview", "text"),
        ("staff checklist reword", "followup", "why"),
    ],
    ids=["add:text", "add:why", "reword:text", "reword:why"],
)
@pytest.mark.parametrize("hostile", HOSTILE, ids=ids(HOSTILE))
async def test_checklist_item_text_is_stored_verbatim_or_refused(
    world: World, harness: BotHarness, hostile: Hostile, command: str, phase: str, field: str
):
    server = new_server(world)
    options: dict[str, Any] = {"phase": phase, "text": "Read their team's blog"}
    if command.endswith("reword"):
        options["item"] = "1"
    options[field] = hostile(ITEM)
    optional = field == "why"
    before = database_snapshot(harness.db_path)
    watch = SentWatch(world.emulator)
    reply = await run(server, server.admin, command, **options)
    refusal = hostile.refusal(optional=optional)
    if refusal is not None:
        assert_refused(reply, refusal)
        assert database_snapshot(harness.db_path) == before
    else:
        assert_ok(reply)
        row = item_row(harness, server, phase)
        expected = hostile.stored(ITEM, optional=optional)
        if field == "text":  # item text is kept on one line, single-spaced
            expected = " ".join((expected or "").split())
        assert row[field] == expected
        await staff_views(server, phase)
    watch.assert_clean(hostile)


async def test_a_full_checklist_of_the_longest_markdown_still_renders(
    world: World, harness: BotHarness
):
    """Fifteen items, each 200 characters of markdown with a 200-character why: escaping
    doubles them, and every view must still fit Discord's limits."""
    server = new_server(world)
    hostile = next(h for h in HOSTILE if h.id == "max-markdown")
    text = hostile(ITEM)
    watch = SentWatch(world.emulator)
    for number in range(1, 9):  # the eight default items, reworded
        options = {"phase": "request", "item": "1", "text": f"{number}{text}"[:ITEM], "why": text}
        options["item"] = str(number)
        assert_ok(await run(server, server.admin, "staff checklist reword", **options))
    for number in range(9, 16):
        options = {"phase": "request", "text": f"{number}{text}"[:ITEM], "why": text}
        assert_ok(await run(server, server.admin, "staff checklist add", **options))
    refused = await run(server, server.admin, "staff checklist add", phase="request", text=text)
    assert_refused(refused, "already shows 15 items")
    checklist = await student_sees(server, "request")
    assert len(checklist.buttons()) == 15
    assert_ok(await run(server, server.admin, "staff checklist show", phase="request"))
    assert_ok(await run(server, server.admin, "staff audit"))
    assert watch.assert_clean(hostile) >= 18
