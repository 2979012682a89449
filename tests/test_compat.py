"""bot/compat.py: the one home of discord.py's and aiosqlite's private internals. If an upgrade
removes one, importing it fails at once, naming the attribute and the installed version."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
import discord
import discord.state
import discord.ui.view
import pytest

from bot import compat

ROOT = Path(__file__).resolve().parent.parent
DISCORD = f"discord.py {discord.__version__}"
AIOSQLITE = f"aiosqlite {aiosqlite.__version__}"


def _without_instance_attribute(cls: type, attribute: str) -> Callable[..., None]:
    """An ``__init__`` for ``cls`` that no longer sets ``attribute`` (as an upgrade might)."""
    original = cls.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        delattr(self, attribute)

    return init


def test_the_installed_versions_have_everything() -> None:
    compat.verify_private_internals()


@pytest.mark.parametrize(
    ("owner", "attribute", "named", "version"),
    [
        (discord.ui.Modal, "_dispatch_submit", "discord.ui.Modal._dispatch_submit", DISCORD),
        (aiosqlite.Connection, "_execute", "aiosqlite.Connection._execute", AIOSQLITE),
        (aiosqlite.Connection, "_conn", "aiosqlite.Connection._conn", AIOSQLITE),
    ],
)
def test_a_missing_method_is_named_with_the_version(
    monkeypatch: pytest.MonkeyPatch, owner: type, attribute: str, named: str, version: str
) -> None:
    monkeypatch.delattr(owner, attribute)
    with pytest.raises(RuntimeError) as raised:
        compat.verify_private_internals()
    assert named in str(raised.value)
    assert version in str(raised.value)


@pytest.mark.parametrize(
    ("cls", "attribute", "named", "version"),
    [
        (discord.Client, "_connection", "discord.Client._connection", DISCORD),
        (
            discord.ui.view.ViewStore,
            "_modals",
            "discord.ui.view.ViewStore._modals",
            DISCORD,
        ),
        (aiosqlite.Connection, "_running", "aiosqlite.Connection._running", AIOSQLITE),
        (aiosqlite.Connection, "_connection", "aiosqlite.Connection._connection", AIOSQLITE),
        (aiosqlite.Cursor, "_conn", "aiosqlite.Cursor._conn", AIOSQLITE),
        (aiosqlite.Cursor, "_cursor", "aiosqlite.Cursor._cursor", AIOSQLITE),
    ],
)
def test_a_missing_instance_attribute_is_named_with_the_version(
    monkeypatch: pytest.MonkeyPatch, cls: type, attribute: str, named: str, version: str
) -> None:
    monkeypatch.setattr(cls, "__init__", _without_instance_attribute(cls, attribute))
    # aiosqlite's __del__ reads _connection: keep the crippled probe from failing when collected.
    monkeypatch.setattr(aiosqlite.Connection, "__del__", lambda self: None)
    with pytest.raises(RuntimeError) as raised:
        compat.verify_private_internals()
    assert named in str(raised.value)
    assert version in str(raised.value)
    del raised  # the crippled probe it refers to goes while __del__ is still patched


def test_a_missing_view_store_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    original = discord.state.ConnectionState.clear

    def clear(self: Any, *, views: bool = True) -> None:
        original(self, views=views)
        if views:
            delattr(self, "_view_store")

    monkeypatch.setattr(discord.state.ConnectionState, "clear", clear)
    with pytest.raises(RuntimeError, match=r"ConnectionState\._view_store"):
        compat.verify_private_internals()


def test_a_missing_member_roles_slot_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.Member, "__slots__", ())
    with pytest.raises(RuntimeError, match=r"discord\.py .*discord\.Member\._roles"):
        compat.verify_private_internals()


def test_the_check_runs_when_the_module_is_imported() -> None:
    script = (
        "import aiosqlite\n"
        "del aiosqlite.Connection._execute\n"  # what an incompatible upgrade would look like
        "import bot.compat\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: ")
    assert "aiosqlite.Connection._execute" in last
    assert AIOSQLITE in last


# --- the helpers themselves ---------------------------------------------------------------------


def test_open_modal_ids_follow_discord_pys_view_store() -> None:
    client = discord.Client(intents=discord.Intents.none())
    assert "ic:mf:x" not in compat.open_modal_ids(client)
    modal = discord.ui.Modal(title="t", custom_id="ic:mf:x")
    client._connection.store_view(modal)  # what Interaction.response.send_modal does
    assert "ic:mf:x" in compat.open_modal_ids(client)


def test_role_ids_as_sent() -> None:
    member = discord.Member.__new__(discord.Member)
    member._roles = discord.utils.SnowflakeList([30, 10])
    assert compat.role_ids_as_sent(member) == [10, 30]


async def test_hooked_connection_runs_calls_through_run_call(tmp_path: Path) -> None:
    calls: list[str] = []

    class Counting(compat.HookedConnection):
        def run_call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            calls.append(getattr(fn, "__name__", "?"))
            return super().run_call(fn, *args, **kwargs)

    conn = Counting(lambda: sqlite3.connect(tmp_path / "x.sqlite3"), 64)
    with pytest.raises(ValueError, match="Connection closed"):
        _ = conn.sqlite  # not opened yet
    await conn
    try:
        assert isinstance(conn.sqlite, sqlite3.Connection)
        async with conn.execute("SELECT 41 + 1") as cursor:
            assert await cursor.fetchone() == (42,)
        assert "execute" in calls
        assert "fetchone" in calls  # the cursor's calls too
        raw = await conn.run_on_thread(conn.sqlite.cursor)
        wrapped = compat.HookedCursor(conn, raw)
        assert wrapped.owner is conn
        assert wrapped.sqlite_cursor is raw
        await wrapped.close()  # on the connection's thread, through run_call
        assert calls[-1] == "close"
    finally:
        await conn.close()
    with pytest.raises(ValueError, match="Connection closed"):
        _ = conn.sqlite
