"""Every use of a dependency's private internals, in one place, checked at import.

discord.py and aiosqlite offer no public way to do a few things the bot needs:

- discord.py keeps open modals only in memory. To rebuild a form whose submit arrives after a
  restart (:mod:`bot.ui.modal_rescue`), we look at the custom_ids of the modals it has open
  (``client._connection._view_store._modals``) and dispatch a rebuilt modal's submit the way
  discord.py does (``Modal._dispatch_submit``).
- ``Member.roles`` drops roles missing from the gateway cache; the role ids exactly as Discord
  sent them with the interaction are in ``Member._roles``.
- aiosqlite runs every call through ``Connection._execute`` (its cursors too). The storage
  layer's connections (:mod:`bot.storage.connections`) override that hook to run statements
  inline, and use the underlying ``sqlite3`` connection and cursor (``_conn``/``_connection``,
  ``_running``, ``Cursor._conn``/``Cursor._cursor``).

Nothing outside this module touches those names. :func:`verify_private_internals` runs when this
module is imported: if an upgrade removed or renamed one of them, the bot stops at start-up with
a ``RuntimeError`` naming the attribute and the installed version, instead of misbehaving later
(a form that no longer survives a restart, a write on the wrong thread). pyproject.toml pins the
releases this was checked against (discord.py 2.7, aiosqlite 0.20 to 0.22).
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import Callable, Collection, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiosqlite
import discord

if TYPE_CHECKING:
    from discord.types.interactions import (
        ModalSubmitComponentInteractionData,
        ResolvedData,
    )

T = TypeVar("T")

__all__ = [
    "HookedConnection",
    "HookedCursor",
    "dispatch_modal_submit",
    "open_modal_ids",
    "role_ids_as_sent",
    "verify_private_internals",
]


# -- discord.py ---------------------------------------------------------------------------------


def open_modal_ids(client: discord.Client) -> Collection[str]:
    """The custom_ids of the modals this process has open (discord.py dispatches those)."""
    return client._connection._view_store._modals.keys()


def dispatch_modal_submit(
    modal: discord.ui.Modal,
    interaction: discord.Interaction,
    components: Sequence[ModalSubmitComponentInteractionData],
    resolved: ResolvedData,
) -> asyncio.Task[None]:
    """Run ``modal``'s submit for ``interaction`` as discord.py does for an open modal: the
    inputs' values filled in, then ``interaction_check``, ``on_submit`` and ``on_error``."""
    return modal._dispatch_submit(interaction, list(components), resolved)


def role_ids_as_sent(member: discord.Member) -> list[int]:
    """The member's role ids as Discord sent them (``Member.roles`` drops uncached roles)."""
    return [int(role_id) for role_id in member._roles]


# -- aiosqlite ----------------------------------------------------------------------------------


class HookedConnection(aiosqlite.Connection):
    """An ``aiosqlite.Connection`` whose internals the storage layer uses have names of ours.

    Every call aiosqlite makes for this connection and its cursors goes through
    :meth:`run_call`; by default it runs on the connection's worker thread
    (:meth:`run_on_thread`), and a subclass may override it.
    """

    def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Coroutine[Any, Any, T]:
        # aiosqlite's hook; it awaits what this returns (no extra coroutine frame on the way).
        return self.run_call(fn, *args, **kwargs)

    def run_call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Coroutine[Any, Any, T]:
        """Run ``fn(*args, **kwargs)`` for aiosqlite (override to run it elsewhere)."""
        return self.run_on_thread(fn, *args, **kwargs)

    def run_on_thread(
        self, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> Coroutine[Any, Any, T]:
        """Run ``fn(*args, **kwargs)`` on the connection's worker thread (aiosqlite's way)."""
        hook = cast(
            "Callable[..., Coroutine[Any, Any, T]]",
            aiosqlite.Connection._execute,
        )
        return hook(self, fn, *args, **kwargs)

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The open ``sqlite3`` connection; ``ValueError("Connection closed")`` once closed (or
        before it was opened), as aiosqlite says it."""
        raw = self._connection
        if not self._running or raw is None:
            raise ValueError("Connection closed")
        return raw


class HookedCursor(aiosqlite.Cursor):
    """An ``aiosqlite.Cursor`` over a raw ``sqlite3`` cursor, with names of ours for both."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)

    @property
    def owner(self) -> aiosqlite.Connection:
        """The aiosqlite connection this cursor belongs to."""
        return self._conn

    @property
    def sqlite_cursor(self) -> sqlite3.Cursor:
        """The ``sqlite3`` cursor it wraps (use it only where running inline is safe)."""
        return self._cursor


# -- the import-time check ----------------------------------------------------------------------


def _missing(package: str, version: str, name: str) -> RuntimeError:
    return RuntimeError(
        f"{package} {version} has no {name}, which bot/compat.py relies on: install the "
        f"version pyproject.toml pins, or update bot/compat.py for this one."
    )


def _has_slot(cls: type, attribute: str) -> bool:
    return any(attribute in getattr(klass, "__slots__", ()) for klass in cls.__mro__)


def _check_discord() -> None:
    version = discord.__version__

    def require(ok: bool, name: str) -> None:
        if not ok:
            raise _missing("discord.py", version, name)

    require(
        callable(getattr(discord.ui.Modal, "_dispatch_submit", None)),
        "discord.ui.Modal._dispatch_submit",
    )
    require(_has_slot(discord.Member, "_roles"), "discord.Member._roles")
    client = discord.Client(intents=discord.Intents.none())  # connects to nothing
    state = vars(client).get("_connection")
    require(state is not None, "discord.Client._connection")
    store = getattr(state, "_view_store", None)
    require(store is not None, "discord.state.ConnectionState._view_store")
    require(isinstance(getattr(store, "_modals", None), dict), "discord.ui.view.ViewStore._modals")


def _check_aiosqlite() -> None:
    version = aiosqlite.__version__

    def require(ok: bool, name: str) -> None:
        if not ok:
            raise _missing("aiosqlite", version, name)

    require(
        callable(getattr(aiosqlite.Connection, "_execute", None)), "aiosqlite.Connection._execute"
    )
    require(
        isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn", None), property),
        "aiosqlite.Connection._conn",
    )
    probe = aiosqlite.Connection(_unused_connector, 64)  # never opened: no thread, no file
    require(isinstance(vars(probe).get("_running"), bool), "aiosqlite.Connection._running")
    require("_connection" in vars(probe), "aiosqlite.Connection._connection")
    raw = sqlite3.connect(":memory:")
    try:
        cursor = aiosqlite.Cursor(probe, raw.cursor())
        require(vars(cursor).get("_conn") is probe, "aiosqlite.Cursor._conn")
        require(isinstance(vars(cursor).get("_cursor"), sqlite3.Cursor), "aiosqlite.Cursor._cursor")
    finally:
        raw.close()


def _unused_connector() -> sqlite3.Connection:
    raise AssertionError("the probe connection is never opened")


def verify_private_internals() -> None:
    """Raise ``RuntimeError`` naming the first private attribute this module uses that the
    installed discord.py or aiosqlite no longer has (and that package's version)."""
    _check_discord()
    _check_aiosqlite()


verify_private_internals()
