"""Loopback-only HTTP control routes, so that a test in another process can drive a standalone
emulator (``python -m tests.emulator``), and :class:`EmulatorControl`, their client.

Every route is under ``/_emulator/``, takes and returns JSON (ids are JSON numbers), and
answers only requests from 127.0.0.1/::1 (403 otherwise). Errors: 400 ``{"error"}`` for what
the driver refuses (``EmulatorError``, a bad body), 404 for an unknown id or route, 504 when a
``wait`` ran out.

====== ============================================ =============================================
GET    ``/_emulator/status``                        URLs, shard count, sessions (shard,
                                                    connected), identify/refusal counts, REST
                                                    request count, rate-limit counters (global:
                                                    accepted/rejected/peak; per channel)
POST   ``/_emulator/users``                         ``{"name"}`` → user ``{"id", "name"}``
POST   ``/_emulator/guilds``                        ``{"name", "owner_id"?, "shard"?}`` (shard:
                                                    an id of the configured count, or ``[id,
                                                    count]``) → guild ``{"id", "shard", ...}``
POST   ``/_emulator/members``                       ``{"guild_id", "user_id", "permissions"?}``
DELETE ``/_emulator/members/{guild_id}/{user_id}``  the member leaves
GET    ``/_emulator/commands?guild_id=``            registered commands (global without it)
POST   ``/_emulator/slash``                         ``{"user_id", "guild_id" (null: DM),
                                                    "command", "options"?, "strict"?}``
POST   ``/_emulator/click``                         ``{"user_id", "message_id", "custom_id"}``
POST   ``/_emulator/select``                        ``{"user_id", "message_id", "custom_id",
                                                    "values"}``
POST   ``/_emulator/modal``                         ``{"user_id", "interaction_id", "values"}``
                                                    (submits the modal that interaction got)
GET    ``/_emulator/interactions/{id}``             ``?wait=S`` waits for its callback,
                                                    ``&message=1`` for its resulting message
GET    ``/_emulator/dms/{user_id}``                 the bot's DMs to the user, oldest first;
                                                    ``?count=N&wait=S`` waits for N of them
POST   ``/_emulator/dms/{user_id}``                 opens (or finds) the bot's DM channel with
                                                    the user → ``{"channel_id"}`` (a student
                                                    the bot has DMed before)
GET    ``/_emulator/messages/{id}``                 one message
GET    ``/_emulator/channels/{id}/messages``        a channel's messages, oldest first
GET    ``/_emulator/requests?after=N``              the bot's REST requests from index N:
                                                    ``{"total", "requests": [{"method", "path",
                                                    "status", "at" (epoch s), "rate_limited",
                                                    "injected"}]}``
====== ============================================ =============================================

The interaction routes answer the interaction as ``{"id", "description", "user_id",
"guild_id", "responded", "response_type", "response" (the callback data), "modal", "message",
"followups"}``; messages are ``{"id", "channel_id", "guild_id", "author_id", "content",
"text", "embeds", "components", "buttons", "flags", "ephemeral", "deleted"}`` (``buttons``:
flat dicts with ``custom_id``/``label``/``disabled``, ``text``: content plus embed texts).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tests.emulator.gateway import shard_of
from tests.emulator.interaction import EmulatedInteraction
from tests.emulator.messages import EmulatedMessage
from tests.emulator.models import EmulatedGuild, EmulatorError

if TYPE_CHECKING:
    from tests.emulator.driver import DiscordEmulator

PREFIX = "/_emulator"
MAX_WAIT = 60.0


class _NotFound(Exception):
    pass


def message_json(msg: EmulatedMessage) -> dict[str, Any]:
    return {
        "id": msg.id,
        "channel_id": msg.channel_id,
        "guild_id": msg.guild_id,
        "author_id": msg.author_id,
        "content": msg.content,
        "text": msg.text(),
        "embeds": msg.embeds,
        "components": msg.components,
        "buttons": msg.buttons(),
        "flags": msg.flags,
        "ephemeral": msg.ephemeral,
        "deleted": msg.deleted,
    }


def interaction_json(ix: EmulatedInteraction) -> dict[str, Any]:
    result = ix._result
    return {
        "id": ix.id,
        "description": ix.description,
        "user_id": ix.user_id,
        "guild_id": ix.guild_id,
        "channel_id": ix.channel_id,
        "responded": ix.responded,
        "response_type": ix.response_type,
        "response": None if ix._response is None else ix._response.data,
        "modal": ix.modal,
        "message": None if result is None else message_json(result),
        "followups": [message_json(m) for m in ix.followups],
    }


def _loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


Route = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


class ControlRoutes:
    """The ``/_emulator/`` routes of one :class:`DiscordEmulator`."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self._routes: dict[tuple[str, str], Route] = {
            ("GET", "status"): self._status,
            ("POST", "users"): self._add_user,
            ("POST", "guilds"): self._add_guild,
            ("POST", "members"): self._add_member,
            ("DELETE", "members"): self._remove_member,
            ("GET", "commands"): self._commands,
            ("POST", "slash"): self._slash,
            ("POST", "click"): self._click,
            ("POST", "select"): self._select,
            ("POST", "modal"): self._modal,
            ("GET", "interactions"): self._interaction,
            ("GET", "dms"): self._dms,
            ("POST", "dms"): self._open_dm,
            ("GET", "messages"): self._message,
            ("GET", "channels"): self._channel_messages,
            ("GET", "requests"): self._requests,
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not _loopback(request.remote):
            return web.json_response({"error": "control routes are loopback-only"}, status=403)
        parts = request.path.removeprefix(PREFIX + "/").strip("/").split("/")
        route = self._routes.get((request.method.upper(), parts[0]))
        if route is None:
            error = {"error": f"unknown control route {request.path}"}
            return web.json_response(error, status=404)
        try:
            body: dict[str, Any] = {}
            if request.can_read_body:
                raw = await request.read()
                body = json.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise EmulatorError("the body must be a JSON object")
            result = await route(request, {"parts": parts[1:], **body})
        except _NotFound as exc:
            return web.json_response({"error": str(exc)}, status=404)
        except TimeoutError as exc:
            return web.json_response({"error": str(exc)}, status=504)
        except (EmulatorError, KeyError, ValueError, TypeError) as exc:
            return web.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=400)
        return web.json_response(result)

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _wait(request: web.Request) -> float:
        return min(MAX_WAIT, max(0.0, float(request.query.get("wait", "0") or 0)))

    @staticmethod
    def _part(body: dict[str, Any], index: int) -> int:
        parts = body["parts"]
        if len(parts) <= index or not parts[index].isdigit():
            raise _NotFound("expected a numeric id in the path")
        return int(parts[index])

    def _guild_json(self, guild: EmulatedGuild) -> dict[str, Any]:
        count = self.emu.shard_count
        return {
            "id": guild.id,
            "name": guild.name,
            "owner_id": guild.owner_id,
            "general_channel_id": guild.general_channel_id,
            "shard": None if count is None else shard_of(guild.id, count),
        }

    def _interaction_of(self, interaction_id: int) -> EmulatedInteraction:
        ix = self.emu.state.interactions.get(interaction_id)
        if ix is None:
            raise _NotFound(f"unknown interaction {interaction_id}")
        return ix

    def _message_of(self, message_id: int) -> EmulatedMessage:
        msg = self.emu.state.messages.get(message_id)
        if msg is None:
            raise _NotFound(f"unknown message {message_id}")
        return msg

    # -- routes --------------------------------------------------------------------------------
    async def _status(self, request: web.Request, body: dict[str, Any]) -> Any:
        emu = self.emu
        limit, channel = emu.rate_limit, emu.channel_limit
        return {
            "url": emu.base_url,
            "api_url": emu.api_url,
            "gateway_url": emu.gateway_url,
            "application_id": emu.application_id,
            "bot_user_id": emu.bot_user.id,
            "shard_count": emu.shard_count,
            "sessions": [
                {
                    "id": s.id,
                    "shard": None if s.shard is None else list(s.shard),
                    "connected": s.connection is not None and s.streaming,
                }
                for s in emu.sessions
            ],
            "identify_count": emu.identify_count,
            "resume_count": emu.gateway.resume_count,
            "refused": [[shard, code] for shard, code in emu.refused_identifies],
            "requests": len(emu.requests),
            "rate_limit": None
            if limit is None
            else {"accepted": limit.accepted, "rejected": limit.rejected, "peak": limit.peak},
            "channel_limit": None
            if channel is None
            else {"accepted": channel.accepted, "rejected": channel.rejected},
        }

    async def _add_user(self, request: web.Request, body: dict[str, Any]) -> Any:
        user = self.emu.add_user(str(body["name"]))
        return {"id": user.id, "name": user.name}

    async def _add_guild(self, request: web.Request, body: dict[str, Any]) -> Any:
        raw = body.get("shard")
        shard = tuple(raw) if isinstance(raw, list) else raw
        guild = self.emu.add_guild(
            str(body["name"]),
            owner=None if body.get("owner_id") is None else int(body["owner_id"]),
            shard=shard,
        )
        await self.emu._flush()
        return self._guild_json(guild)

    async def _add_member(self, request: web.Request, body: dict[str, Any]) -> Any:
        guild_id, user_id = int(body["guild_id"]), int(body["user_id"])
        self.emu.add_member(guild_id, user_id, permissions=int(body.get("permissions", 0)))
        await self.emu._flush()
        return {"guild_id": guild_id, "user_id": user_id}

    async def _remove_member(self, request: web.Request, body: dict[str, Any]) -> Any:
        guild_id, user_id = self._part(body, 0), self._part(body, 1)
        self.emu.remove_member(guild_id, user_id)
        await self.emu._flush()
        return {"guild_id": guild_id, "user_id": user_id}

    async def _commands(self, request: web.Request, body: dict[str, Any]) -> Any:
        raw = request.query.get("guild_id")
        return self.emu.commands(int(raw) if raw else None)

    async def _slash(self, request: web.Request, body: dict[str, Any]) -> Any:
        guild = body.get("guild_id")
        ix = await self.emu.slash(
            int(body["user_id"]),
            None if guild is None else int(guild),
            str(body["command"]),
            options=dict(body.get("options") or {}),
            strict=bool(body.get("strict", True)),
        )
        return interaction_json(ix)

    async def _click(self, request: web.Request, body: dict[str, Any]) -> Any:
        msg = self._message_of(int(body["message_id"]))
        ix = await self.emu.click(
            int(body["user_id"]),
            msg,
            str(body["custom_id"]),
            strict=bool(body.get("strict", True)),
        )
        return interaction_json(ix)

    async def _select(self, request: web.Request, body: dict[str, Any]) -> Any:
        msg = self._message_of(int(body["message_id"]))
        ix = await self.emu.select(
            int(body["user_id"]),
            msg,
            str(body["custom_id"]),
            list(body["values"]),
            strict=bool(body.get("strict", True)),
        )
        return interaction_json(ix)

    async def _modal(self, request: web.Request, body: dict[str, Any]) -> Any:
        opened = self._interaction_of(int(body["interaction_id"]))
        ix = await self.emu.submit_modal(
            int(body["user_id"]),
            opened,
            dict(body["values"]),
            strict=bool(body.get("strict", True)),
        )
        return interaction_json(ix)

    async def _interaction(self, request: web.Request, body: dict[str, Any]) -> Any:
        ix = self._interaction_of(self._part(body, 0))
        wait = self._wait(request)
        if wait:
            if request.query.get("message") in ("1", "true"):
                await ix.message(wait)
            else:
                await ix.response(wait)
        return interaction_json(ix)

    async def _dms(self, request: web.Request, body: dict[str, Any]) -> Any:
        user_id = self._part(body, 0)
        count = int(request.query.get("count", "0") or 0)
        wait = self._wait(request)
        if count and wait:
            await self.emu.wait_for_dm(user_id, count, timeout=wait)
        return [message_json(m) for m in self.emu.dms(user_id)]

    async def _open_dm(self, request: web.Request, body: dict[str, Any]) -> Any:
        return {"channel_id": self.emu.dm_channel_id(self._part(body, 0))}

    async def _message(self, request: web.Request, body: dict[str, Any]) -> Any:
        return message_json(self._message_of(self._part(body, 0)))

    async def _channel_messages(self, request: web.Request, body: dict[str, Any]) -> Any:
        channel_id = self._part(body, 0)
        if body["parts"][1:] != ["messages"]:
            raise _NotFound("expected /_emulator/channels/{id}/messages")
        return [message_json(m) for m in self.emu.channel_messages(channel_id)]

    async def _requests(self, request: web.Request, body: dict[str, Any]) -> Any:
        after = int(request.query.get("after", "0") or 0)
        recorded = self.emu.requests
        return {
            "total": len(recorded),
            "requests": [
                {
                    "method": r.method,
                    "path": r.path,
                    "status": r.status,
                    "at": r.at.timestamp(),
                    "rate_limited": r.rate_limited,
                    "injected": r.injected,
                }
                for r in recorded[after:]
            ],
        }


class ControlError(Exception):
    """A control route answered with an error (``status``, and the emulator's message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class EmulatorControl:
    """Drives a standalone emulator from another process: ``async with
    EmulatorControl(url) as ctl: guild = await ctl.add_guild("Club", shard=1)``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorControl:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self, method: str, route: str, body: dict[str, Any] | None = None, **query: Any
    ) -> Any:
        """One control request; raises TimeoutError on 504, ControlError on other errors."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {k: str(v) for k, v in query.items() if v is not None}
        url = f"{self.url}{PREFIX}/{route.lstrip('/')}"
        async with self._session.request(method, url, json=body, params=params) as resp:
            data = await resp.json()
            if resp.status == 504:
                raise TimeoutError(data.get("error", "timed out"))
            if resp.status >= 400:
                raise ControlError(resp.status, data.get("error", ""))
            return data

    async def status(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "status")
        return result

    async def add_user(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "users", {"name": name})
        return result

    async def add_guild(
        self, name: str, *, shard: int | tuple[int, int] | None = None, owner_id: int | None = None
    ) -> dict[str, Any]:
        body = {"name": name, "shard": list(shard) if isinstance(shard, tuple) else shard}
        body["owner_id"] = owner_id
        result: dict[str, Any] = await self.call("POST", "guilds", body)
        return result

    async def add_member(self, guild_id: int, user_id: int, permissions: int = 0) -> None:
        body = {"guild_id": guild_id, "user_id": user_id, "permissions": permissions}
        await self.call("POST", "members", body)

    async def remove_member(self, guild_id: int, user_id: int) -> None:
        await self.call("DELETE", f"members/{guild_id}/{user_id}")

    async def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "commands", guild_id=guild_id)
        return result

    async def slash(
        self,
        user_id: int,
        guild_id: int | None,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        strict: bool = True,
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "guild_id": guild_id, "command": command}
        body.update({"options": options or {}, "strict": strict})
        result: dict[str, Any] = await self.call("POST", "slash", body)
        return result

    async def click(
        self, user_id: int, message_id: int, custom_id: str, *, strict: bool = True
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "message_id": message_id, "custom_id": custom_id}
        body["strict"] = strict
        result: dict[str, Any] = await self.call("POST", "click", body)
        return result

    async def select(
        self, user_id: int, message_id: int, custom_id: str, values: list[Any]
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "message_id": message_id, "custom_id": custom_id}
        body["values"] = values
        result: dict[str, Any] = await self.call("POST", "select", body)
        return result

    async def submit_modal(
        self, user_id: int, interaction_id: int, values: dict[str, Any]
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "interaction_id": interaction_id, "values": values}
        result: dict[str, Any] = await self.call("POST", "modal", body)
        return result

    async def interaction(
        self, interaction_id: int, *, wait: float = 0.0, message: bool = False
    ) -> dict[str, Any]:
        """The interaction's state; ``wait`` > 0 waits that long for its callback (and, with
        ``message=True``, for its resulting message)."""
        query = {"wait": wait or None, "message": 1 if message else None}
        result: dict[str, Any] = await self.call("GET", f"interactions/{interaction_id}", **query)
        return result

    async def dms(self, user_id: int, *, count: int = 0, wait: float = 0.0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"dms/{user_id}", count=count or None, wait=wait or None
        )
        return result

    async def open_dm(self, user_id: int) -> int:
        """The id of the bot's DM channel with the user, opened if it wasn't."""
        result: dict[str, Any] = await self.call("POST", f"dms/{user_id}")
        return int(result["channel_id"])

    async def message(self, message_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"messages/{message_id}")
        return result

    async def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", f"channels/{channel_id}/messages")
        return result

    async def requests(self, after: int = 0) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "requests", after=after or None)
        return result
