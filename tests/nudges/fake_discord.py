"""A stand-in for the few parts of ``discord.Client`` the dispatcher and the membership checker
use: servers with members, DM channels, sending and reading back DMs. Enough for unit tests;
the e2e suite runs the real client against the emulator."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import discord


def http_error(kind: type[discord.HTTPException], status: int, code: int) -> Exception:
    response = SimpleNamespace(status=status, reason="fake", headers={})
    return kind(response, {"code": code, "message": "fake"})  # type: ignore[arg-type]


@dataclass
class FakeMessage:
    id: int
    content: str
    components: list[Any]


@dataclass
class FakeGuild:
    id: int
    name: str
    members: set[int]
    lookups: list[int] = field(default_factory=list)
    fail_with: Exception | None = None

    async def fetch_member(self, user_id: int) -> object:
        self.lookups.append(user_id)
        if self.fail_with is not None:
            raise self.fail_with
        if user_id not in self.members:
            raise http_error(discord.NotFound, 404, 10007)
        return SimpleNamespace(id=user_id)


class FakeChannel:
    def __init__(self, client: FakeClient, channel_id: int) -> None:
        self._client = client
        self.id = channel_id

    async def send(self, content: str, *, view: discord.ui.View, nonce: str) -> FakeMessage:
        if self._client.before_send is not None:
            await self._client.before_send()
        message = FakeMessage(
            next(self._client.ids), content, [SimpleNamespace(children=list(view.children))]
        )
        self._client.dms.setdefault(self.id, []).append(message)
        return message

    async def history(self, *, limit: int) -> AsyncIterator[FakeMessage]:
        for message in reversed(self._client.dms.get(self.id, [])[-limit:]):
            yield message


class FakeClient:
    def __init__(self, *guilds: FakeGuild) -> None:
        self.guilds = {g.id: g for g in guilds}
        self.dms: dict[int, list[FakeMessage]] = {}
        self.ids = itertools.count(10_000)
        self.opened: list[int] = []  # users whose DM channel was opened
        self.before_send: Callable[[], Awaitable[None]] | None = None

    def get_guild(self, guild_id: int) -> FakeGuild | None:
        return self.guilds.get(guild_id)

    async def create_dm(self, user: discord.abc.Snowflake) -> SimpleNamespace:
        self.opened.append(user.id)
        return SimpleNamespace(id=user.id + 5_000)  # one DM channel per user

    def get_partial_messageable(self, channel_id: int, **_: object) -> FakeChannel:
        return FakeChannel(self, channel_id)

    def texts(self, user_id: int) -> list[str]:
        return [m.content for m in self.dms.get(user_id + 5_000, [])]
