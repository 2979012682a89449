"""Helpers for the staff tests: a fresh server per test (server settings and checklists are
per server, so tests never see each other's), its staff and its students."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.harness import BotHarness, query

MANAGE_GUILD = 1 << 5
EPHEMERAL = 64
_servers = itertools.count(1)


@dataclass
class Server:
    world: World
    guild: Any
    admin: Any  # has Manage Server

    @property
    def emu(self) -> Any:
        return self.world.emulator

    def member(self, name: str = "student", **extra: Any) -> Any:
        user = self.emu.add_user(name=f"{name}{next(_servers)}")
        self.emu.add_member(self.guild.id, user.id, **extra)
        return user

    async def slash(self, user: Any, command: str, strict: bool = True, **options: Any) -> Any:
        return await self.emu.slash(user, self.guild, command, options=options, strict=strict)

    async def run(self, user: Any, command: str, strict: bool = True, **options: Any) -> Any:
        """Run a command and return its (first) message."""
        ix = await self.slash(user, command, strict=strict, **options)
        return await ix.message()

    async def staff(self, command: str, **options: Any) -> Any:
        """``/staff <command>`` as the server's admin; returns the reply message."""
        return await self.run(self.admin, f"staff {command}", **options)


def new_server(world: World) -> Server:
    emu = world.emulator
    guild = emu.add_guild(name=f"Career Centre {next(_servers)}")
    admin = emu.add_user(name=f"advisor{next(_servers)}")
    emu.add_member(guild.id, admin.id, permissions=MANAGE_GUILD)
    return Server(world, guild, admin)


def latest_contact(harness: BotHarness, user: Any) -> int:
    (row,) = query(
        harness.db_path, "SELECT max(id) AS id FROM contacts WHERE user_id = ?", (user.id,)
    )
    return row["id"]


def audit_rows(harness: BotHarness, guild: Any) -> list[Any]:
    return query(
        harness.db_path,
        "SELECT staff_user_id, action, detail FROM staff_audit WHERE guild_id = ? ORDER BY id",
        (guild.id,),
    )


async def assert_private_error(message: Any, *needles: str) -> str:
    assert message.ephemeral, message
    text = message.text()
    assert text.startswith("⚠️"), text
    for needle in needles:
        assert needle in text, text
    return text
