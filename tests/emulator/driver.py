"""``DiscordEmulator``: the test-facing API (see the package docstring)."""

from __future__ import annotations

import re
import secrets
import time
from types import TracebackType
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import web

from tests.emulator import payloads
from tests.emulator.builders import InteractionBuilder
from tests.emulator.control import ControlRoutes
from tests.emulator.gateway import Gateway, GatewaySession, event_guild_id, shard_of
from tests.emulator.interaction import EmulatedInteraction
from tests.emulator.messages import EmulatedMessage
from tests.emulator.models import (
    CHANNEL_TEXT,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EmulatedChannel,
    EmulatedGuild,
    EmulatedMember,
    EmulatedRole,
    EmulatedUser,
    EmulatorError,
)
from tests.emulator.rate_limit import ChannelRateLimit, GlobalRateLimit
from tests.emulator.rest import FaultRule
from tests.emulator.server import bound_socket, build_app, build_router
from tests.emulator.state import EmulatorState, RecordedRequest

UserRef = EmulatedUser | int
GuildRef = EmulatedGuild | int
MessageRef = EmulatedMessage | int


def _id(obj: Any) -> int:
    return obj if isinstance(obj, int) else int(obj.id)


class DiscordEmulator:
    """A local Discord (REST v10 + gateway) that an unmodified discord.py client talks to."""

    def __init__(
        self,
        *,
        bot_name: str = "InfoCoach",
        token: str | None = None,
        strict_auth: bool = False,
        host: str = "127.0.0.1",
        global_rate_limit: int | None = None,
        channel_rate_limit: tuple[int, float] | None = None,
        port: int = 0,
        shard_count: int | None = None,
    ) -> None:
        if shard_count is not None and shard_count < 1:
            raise EmulatorError("shard_count must be at least 1")
        self.state = EmulatorState(bot_name=bot_name)
        #: The shard count ``GET /gateway/bot`` recommends and sessions must use (None: 1 is
        #: recommended, and clients may identify unsharded or with any consistent count).
        self.state.shard_count = shard_count
        self.token = token or f"emulator.{secrets.token_urlsafe(18)}"
        #: When True, REST and IDENTIFY reject any token other than ``self.token``.
        self.strict_auth = strict_auth
        #: When set, callbacks arriving later than this many seconds get 404 10062.
        self.interaction_timeout: float | None = None
        self.host = host
        self._wanted_port = port
        self.port = 0
        self.router = build_router(
            self.state,
            token_ok=self._token_ok,
            interaction_timeout=lambda: self.interaction_timeout,
        )
        self.global_rate_limit = global_rate_limit
        self.channel_rate_limit = channel_rate_limit
        self.gateway = Gateway(
            self.state,
            url=lambda: self.gateway_url,
            token_ok=self._token_ok,
            shard_count=lambda: self.state.shard_count,
        )
        self.state.emit = self.gateway.emit
        self.builder = InteractionBuilder(self.state)
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None

    def _token_ok(self, token: str) -> bool:
        return not self.strict_auth or token == self.token

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> DiscordEmulator:
        if self._runner is not None:
            return self
        sock = bound_socket(self.host, self._wanted_port)
        self.port = int(sock.getsockname()[1])
        self.state.base_url = self.base_url
        app = build_app(self.state, self.router, self.gateway, control=ControlRoutes(self).handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner
        return self

    async def stop(self) -> None:
        self.uninstall()
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def install(self) -> None:
        """Point discord.py's ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` here."""
        if self.port == 0:
            raise EmulatorError("start() the emulator before install()")
        if self._saved is None:
            self._saved = (
                discord.http.Route.BASE,
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            )
        discord.http.Route.BASE = self.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def uninstall(self) -> None:
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    # -- the world -------------------------------------------------------------------------
    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def bot_user(self) -> EmulatedUser:
        return self.state.bot_user

    @property
    def owner(self) -> EmulatedUser:
        """The application owner (what ``bot.application_info().owner`` returns)."""
        return self.state.owner

    def add_user(
        self, name: str, *, global_name: str | None = None, bot: bool = False
    ) -> EmulatedUser:
        return self.state.add_user(name, global_name=global_name, bot=bot)

    def add_guild(
        self,
        name: str,
        *,
        owner: UserRef | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        shard: int | tuple[int, int] | None = None,
    ) -> EmulatedGuild:
        """A new server. ``shard``: give it an id that falls on that shard (``shard_id`` of
        the configured ``shard_count``, or ``(shard_id, shard_count)``)."""
        guild = self.state.add_guild(
            name,
            owner_id=None if owner is None else _id(owner),
            everyone_permissions=everyone_permissions,
            bot_permissions=bot_permissions,
            shard=None if shard is None else self._shard_pair(shard),
        )
        self.gateway.emit_guild_create(guild.id)
        return guild

    def _shard_pair(self, shard: int | tuple[int, int]) -> tuple[int, int]:
        if isinstance(shard, tuple):
            shard_id, count = shard
        elif self.shard_count is None:
            raise EmulatorError("add_guild(shard=N) needs DiscordEmulator(shard_count=...)")
        else:
            shard_id, count = shard, self.shard_count
        if count < 1 or not 0 <= shard_id < count:
            raise EmulatorError(f"no shard {shard_id} among {count}")
        return shard_id, count

    @property
    def shard_count(self) -> int | None:
        """The configured shard count (see the constructor), or None."""
        return self.state.shard_count

    def shard_of(self, guild: GuildRef, shard_count: int | None = None) -> int:
        """The shard a server's events go to: ``(guild_id >> 22) % shard_count``."""
        count = shard_count or self.shard_count
        if count is None:
            raise EmulatorError("shard_of() needs a shard_count")
        return shard_of(_id(guild), count)

    def guild(self, guild: GuildRef) -> EmulatedGuild:
        return self.state.guild(_id(guild))

    def add_channel(
        self, guild_id: GuildRef, name: str, *, type: int = CHANNEL_TEXT
    ) -> EmulatedChannel:
        channel = self.state.add_channel(_id(guild_id), name, type=type)
        self.gateway.emit("CHANNEL_CREATE", self.state.channel_payload(channel))
        return channel

    def add_role(self, guild_id: GuildRef, name: str, permissions: int = 0) -> EmulatedRole:
        role = self.state.add_role(_id(guild_id), name, permissions=permissions)
        data = {"guild_id": str(role.guild_id), "role": payloads.role_payload(role)}
        self.gateway.emit("GUILD_ROLE_CREATE", data)
        return role

    def add_member(
        self,
        guild_id: GuildRef,
        user_id: UserRef,
        permissions: int = 0,
        roles: list[EmulatedRole | int] | None = None,
        *,
        nick: str | None = None,
    ) -> EmulatedMember:
        """Add a member. Effective permissions = @everyone | roles | ``permissions`` (owner and
        Administrator get everything); they drive ``member.permissions`` in interactions and
        ``default_member_permissions`` checks."""
        gid, uid = _id(guild_id), _id(user_id)
        member = self.state.add_member(
            gid, uid, permissions=permissions, roles=[_id(r) for r in roles or []], nick=nick
        )
        self._member_event("GUILD_MEMBER_ADD", gid, uid)
        return member

    def set_member_roles(
        self, guild_id: GuildRef, user_id: UserRef, role_ids: list[EmulatedRole | int]
    ) -> None:
        gid, uid = _id(guild_id), _id(user_id)
        guild = self.state.guild(gid)
        member = self.state.member(gid, uid)
        wanted = [_id(r) for r in role_ids]
        for rid in wanted:
            if rid not in guild.roles:
                raise EmulatorError(f"role {rid} is not a role of guild {guild.name!r}")
        member.roles = [r for r in wanted if r != gid]
        self._member_event("GUILD_MEMBER_UPDATE", gid, uid)

    def set_member_permissions(
        self, guild_id: GuildRef, user_id: UserRef, permissions: int
    ) -> None:
        self.state.member(_id(guild_id), _id(user_id)).permissions = permissions

    def remove_guild(self, guild: GuildRef, *, unavailable: bool = False) -> None:
        """The bot leaves the server (kicked, or the server was deleted): GUILD_DELETE
        ``{"id"}``, and the server drops out of ``GET /users/@me/guilds``; while no bot is
        connected, it is simply gone at the next IDENTIFY. ``unavailable=True`` is an outage
        instead: GUILD_DELETE ``{"id", "unavailable": true}``, the bot stays a member (it is
        still listed). :meth:`restore_guild` undoes either."""
        gid = _id(guild)
        self.state.guild(gid)
        if unavailable:
            self.state.unavailable_guilds.add(gid)
            self.gateway.emit("GUILD_DELETE", {"id": str(gid), "unavailable": True})
            return
        self.state.left_guilds[gid] = self.state.guilds.pop(gid)
        self.state.unavailable_guilds.discard(gid)
        self.gateway.emit("GUILD_DELETE", {"id": str(gid)})

    def restore_guild(self, guild: GuildRef) -> EmulatedGuild:
        """The server is back: the bot re-added (discord.py: ``on_guild_join``) or the outage
        over (``on_guild_available``); a GUILD_CREATE is sent to a connected bot."""
        gid = _id(guild)
        joined = gid in self.state.left_guilds
        if joined:
            self.state.guilds[gid] = self.state.left_guilds.pop(gid)
        self.state.unavailable_guilds.discard(gid)

        def adjust(data: dict[str, Any]) -> None:
            if joined:  # like Discord: a join's GUILD_CREATE has no "unavailable"
                data.pop("unavailable", None)
            else:
                data["unavailable"] = False

        self.gateway.emit_guild_create(gid, adjust)
        return self.state.guild(gid)

    def remove_member(self, guild_id: GuildRef, user_id: UserRef) -> None:
        gid, uid = _id(guild_id), _id(user_id)
        self.state.member(gid, uid)
        del self.state.guild(gid).members[uid]
        user = payloads.user_payload(self.state.user(uid))
        self.gateway.emit("GUILD_MEMBER_REMOVE", {"guild_id": str(gid), "user": user})

    def _member_event(self, event: str, guild_id: int, user_id: int) -> None:
        data = self.state.member_payload(guild_id, user_id)
        data["guild_id"] = str(guild_id)
        self.gateway.emit(event, data)

    # -- connection ------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self.gateway.is_connected

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def last_identify(self) -> dict[str, Any] | None:
        """The IDENTIFY payload of the active session (token, intents, properties...)."""
        return None if self.gateway.active is None else self.gateway.active.identify

    @property
    def sessions(self) -> list[GatewaySession]:
        """The resumable gateway sessions (one per shard; ``.shard``, ``.connection``)."""
        return list(self.gateway.sessions.values())

    def session_for_shard(self, shard_id: int) -> GatewaySession | None:
        return self.gateway.session_for_shard(shard_id)

    @property
    def refused_identifies(self) -> list[tuple[Any, int]]:
        """IDENTIFYs refused for their ``shard``: ``(shard, close code)`` (4010 or 4011)."""
        return list(self.gateway.refused)

    async def wait_until_shards_connected(
        self,
        shard_ids: list[int],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until each of these shards has a connected, streaming session."""

        def ready() -> bool:
            for shard_id in shard_ids:
                session = self.gateway.session_for_shard(shard_id)
                if session is None or session.connection is None or not session.streaming:
                    return False
            return True

        await self.state.wait_for(ready, timeout, f"shards {shard_ids} to connect")

    async def wait_until_connected(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a client has identified (or resumed) and its GUILD_CREATEs were sent."""
        await self.state.wait_for(
            lambda: self.gateway.connected.is_set(), timeout, "a bot to connect to the gateway"
        )

    async def wait_until_disconnected(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self.state.wait_for(
            lambda: not self.gateway.connected.is_set(), timeout, "the bot to disconnect"
        )

    async def drop_connection(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close the bot's websocket from the server side (the active session's, or the one
        holding ``shard_id``); discord.py will RESUME."""
        await self.gateway.drop(code, shard_id=shard_id)

    async def dispatch_event(self, event: str, data: dict[str, Any]) -> None:
        """Send an arbitrary gateway DISPATCH to the connected bot (to the session(s) of the
        event's server's shard; shard 0 for an event without a server)."""
        self._require_connected(event, event, data)
        self.gateway.emit(event, data)
        await self._flush()

    def _require_connected(self, what: str, event: str, data: dict[str, Any]) -> None:
        targets = self.gateway.targets(event, data)
        if any(s.connection is not None for s in targets):
            return
        if not self.gateway.is_connected:
            raise EmulatorError(
                f"cannot send {what}: no bot is connected to the emulator gateway "
                "(start the bot and await emu.wait_until_connected() first)"
            )
        guild_id = event_guild_id(event, data)
        shard = "shard 0 (no server)" if guild_id is None else f"the shard of server {guild_id}"
        raise EmulatorError(f"cannot send {what}: no connected session holds {shard}")

    async def _flush(self) -> None:
        conns = [s.connection for s in self.gateway.sessions.values() if s.connection is not None]
        for conn in conns:
            await conn.drain()

    # -- commands --------------------------------------------------------------------------
    def commands(self, guild_id: GuildRef | None = None) -> list[dict[str, Any]]:
        return list(self.state.commands(None if guild_id is None else _id(guild_id)))

    def sync_calls(self, guild_id: GuildRef | None = None) -> int:
        return self.state.sync_counts[None if guild_id is None else _id(guild_id)]

    # -- interactions ----------------------------------------------------------------------
    async def _dispatch(self, ix: EmulatedInteraction) -> EmulatedInteraction:
        self._require_connected(f"interaction {ix.description!r}", "INTERACTION_CREATE", ix.payload)
        ix.dispatched_monotonic = time.monotonic()
        self.gateway.emit("INTERACTION_CREATE", ix.payload)
        await self._flush()
        return ix

    async def slash(
        self,
        user: UserRef,
        guild: GuildRef | None,
        command: str,
        options: dict[str, Any] | None = None,
        channel_id: int | None = None,
        *,
        strict: bool = True,
    ) -> EmulatedInteraction:
        """Invoke ``/command`` (e.g. ``"request new"``); ``guild=None`` means the bot's DM.

        ``strict=False`` also sends what Discord would refuse (values outside choices or
        min/max, missing required options, commands hidden by permissions/contexts)."""
        ix = self.builder.slash(
            _id(user),
            None if guild is None else _id(guild),
            command,
            options or {},
            channel_id=channel_id,
            strict=strict,
        )
        return await self._dispatch(ix)

    async def autocomplete(
        self,
        user: UserRef,
        guild: GuildRef | None,
        command: str,
        options: dict[str, Any] | None = None,
        focused: str = "",
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        strict: bool = True,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction and return the bot's choices."""
        ix = self.builder.slash(
            _id(user),
            None if guild is None else _id(guild),
            command,
            options or {},
            channel_id=channel_id,
            focused=focused,
            strict=strict,
        )
        await self._dispatch(ix)
        await ix.response(timeout)
        return list(ix.choices or [])

    def _message(self, message: MessageRef) -> EmulatedMessage:
        return message if isinstance(message, EmulatedMessage) else self.state.message(message)

    async def click(
        self, user: UserRef, message: MessageRef, custom_id: str, *, strict: bool = True
    ) -> EmulatedInteraction:
        """Click a button. ``strict=False`` allows what Discord would refuse (a disabled
        button, someone else's ephemeral message or DM)."""
        msg = self._message(message)
        ix = self.builder.component(_id(user), msg, custom_id, values=None, strict=strict)
        return await self._dispatch(ix)

    async def select(
        self,
        user: UserRef,
        message: MessageRef,
        custom_id: str,
        values: list[Any],
        *,
        strict: bool = True,
    ) -> EmulatedInteraction:
        msg = self._message(message)
        ix = self.builder.component(_id(user), msg, custom_id, values=values, strict=strict)
        return await self._dispatch(ix)

    async def submit_modal(
        self,
        user: UserRef,
        ix: EmulatedInteraction,
        values: dict[str, Any],
        *,
        strict: bool = True,
    ) -> EmulatedInteraction:
        """Submit the modal ``ix`` was answered with; values map input custom_id → text
        (or list of values for selects / checkbox groups, bool for a checkbox)."""
        if ix.modal is None:
            await ix.response()
        ix_submit = self.builder.modal_submit(_id(user), ix, values, strict=strict)
        return await self._dispatch(ix_submit)

    def interaction(self, interaction_id: int) -> EmulatedInteraction:
        return self.state.interactions[interaction_id]

    # -- messages --------------------------------------------------------------------------
    def message(self, message_id: int) -> EmulatedMessage:
        return self.state.message(message_id)

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = True
    ) -> list[EmulatedMessage]:
        """Non-deleted messages in a channel, oldest first."""
        return self.state.messages_in(channel_id, include_ephemeral=include_ephemeral)

    def dm_channel_id(self, user: UserRef) -> int:
        return self.state.dm_channel(_id(user)).id

    def dms(self, user_id: UserRef) -> list[EmulatedMessage]:
        """Messages the bot sent into its DM channel with that user, oldest first."""
        uid = _id(user_id)
        channel_id = self.state.dm_by_user.get(uid)
        if channel_id is None:
            return []
        bot_id = self.state.bot_user.id
        return [m for m in self.state.messages_in(channel_id) if m.author_id == bot_id]

    async def wait_for_dm(
        self,
        user_id: UserRef,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[EmulatedMessage]:
        """Wait until the bot has sent at least ``count`` DMs to the user; returns all of them."""
        uid = _id(user_id)

        def ready() -> list[EmulatedMessage] | None:
            dms = self.dms(uid)
            return dms if len(dms) >= count else None

        return await self.state.wait_for(ready, timeout, f"{count} DM(s) to user {uid}")

    async def wait_for_message(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[EmulatedMessage]:
        """Wait until a channel holds at least ``count`` messages; returns all of them."""

        def ready() -> list[EmulatedMessage] | None:
            msgs = self.channel_messages(channel_id)
            return msgs if len(msgs) >= count else None

        return await self.state.wait_for(ready, timeout, f"{count} message(s) in {channel_id}")

    async def send_as_user(
        self, user: UserRef, content: str, *, channel_id: int | None = None
    ) -> EmulatedMessage:
        """A user posts a message (default: in their DM with the bot); MESSAGE_CREATE is sent."""
        uid = _id(user)
        cid = channel_id if channel_id is not None else self.state.dm_channel(uid).id
        msg = self.state.create_message(cid, uid, {"content": content})
        await self._flush()
        return msg

    def set_dms_closed(self, user_id: UserRef, closed: bool = True) -> None:
        """While closed, the bot's POST /channels/{dm}/messages gets 403 code 50007."""
        uid = _id(user_id)
        if closed:
            self.state.dms_closed.add(uid)
        else:
            self.state.dms_closed.discard(uid)

    def dm_open_calls(self, user_id: UserRef | None = None) -> int:
        """How many times the bot called POST /users/@me/channels (for that user, or total)."""
        if user_id is None:
            return sum(self.state.dm_open_calls.values())
        return self.state.dm_open_calls[_id(user_id)]

    # -- requests and faults ---------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        return self.state.requests

    def count_requests(self, method: str | None = None, path_regex: str | None = None) -> int:
        pattern = re.compile(path_regex) if path_regex else None
        return sum(
            1
            for r in self.state.requests
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.search(r.path))
        )

    @property
    def global_rate_limit(self) -> int | None:
        """Discord's global REST limit in requests per sliding second (None: not enforced, the
        default). Interaction callbacks and interaction webhooks are exempt; a request over it
        gets 429 ``global: true`` with ``retry_after`` and ``Via``. Setting it starts afresh."""
        limit = self.router.global_limit
        return None if limit is None else limit.limit

    @global_rate_limit.setter
    def global_rate_limit(self, limit: int | None) -> None:
        self.router.global_limit = None if limit is None else GlobalRateLimit(limit)

    @property
    def rate_limit(self) -> GlobalRateLimit | None:
        """The global limit's window and counters (``accepted``, ``rejected``, ``peak``,
        ``reset_stats()``), or None when it is off."""
        return self.router.global_limit

    def rate_limited_requests(self) -> list[RecordedRequest]:
        """Requests the global or the per-channel limit refused with a 429, oldest first."""
        return [r for r in self.state.requests if r.rate_limited]

    @property
    def channel_rate_limit(self) -> tuple[int, float] | None:
        """Discord's per-channel message limit as (messages, window seconds), e.g. ``(5, 5.0)``
        for a DM channel; None (the default): not enforced. Setting it starts afresh."""
        limit = self.router.channel_limit
        return None if limit is None else (limit.limit, limit.window)

    @channel_rate_limit.setter
    def channel_rate_limit(self, value: tuple[int, float] | None) -> None:
        self.router.channel_limit = None if value is None else ChannelRateLimit(*value)

    @property
    def channel_limit(self) -> ChannelRateLimit | None:
        """The per-channel limit's state and counters (``accepted``, ``rejected``,
        ``rejected_by_channel``), or None when it is off."""
        return self.router.channel_limit

    def channel_limited_requests(self) -> list[RecordedRequest]:
        """Messages the per-channel limit refused with a 429, oldest first."""
        return [r for r in self.state.requests if r.channel_limited]

    @property
    def unknown_routes(self) -> list[str]:
        return self.router.unknown_routes

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: Any = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> FaultRule:
        """The next ``times`` requests with ``method`` ("*" = any) whose path (without
        ``/api/v10``) matches ``path_regex`` (re.search) get ``status``/``body``."""
        return self.router.fail_next(method, path_regex, status, body, times=times, headers=headers)
