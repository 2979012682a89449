"""The emulator's world: users, guilds, channels, messages, commands, interactions."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from tests.emulator import payloads
from tests.emulator.ids import snowflake, snowflake_on_shard, utcnow
from tests.emulator.interaction import EmulatedInteraction
from tests.emulator.messages import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    EmulatedAttachment,
    EmulatedMessage,
    MessageEdit,
)
from tests.emulator.models import (
    CHANNEL_DM,
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
from tests.emulator.validation import ApiError, form_error, validate_message

T = TypeVar("T")
EventSink = Callable[[str, dict[str, Any]], None]
SUPPRESS_EMBEDS = 1 << 2


@dataclass(eq=False)
class Upload:
    """A file part of a multipart request (``files[N]``)."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(eq=False)
class RecordedRequest:
    """One REST request as seen by the emulator. ``path`` excludes ``/api/v10`` and the query."""

    method: str
    path: str
    query: dict[str, str]
    status: int = 0
    at: datetime = field(default_factory=utcnow)
    duration: float = 0.0
    json: Any = None
    files: list[str] = field(default_factory=list)
    injected: bool = False
    rate_limited: bool = False  # refused by the emulator's global or per-channel limit (429)
    channel_limited: bool = False  # refused by the per-channel message limit (429)

    def __repr__(self) -> str:
        note = (
            " (injected)"
            if self.injected
            else " (channel limit)"
            if self.channel_limited
            else " (global limit)"
            if self.rate_limited
            else ""
        )
        return f"<{self.method} {self.path} -> {self.status}{note}>"


class EmulatorState:
    def __init__(self, *, bot_name: str = "InfoCoach", owner_name: str = "app-owner") -> None:
        self.users: dict[int, EmulatedUser] = {}
        self.guilds: dict[int, EmulatedGuild] = {}
        # Servers the bot was removed from (kept to add it back), and servers in an outage.
        self.left_guilds: dict[int, EmulatedGuild] = {}
        self.unavailable_guilds: set[int] = set()
        self.channels: dict[int, EmulatedChannel] = {}
        self.dm_by_user: dict[int, int] = {}
        self.messages: dict[int, EmulatedMessage] = {}
        self.channel_order: dict[int, list[int]] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.sync_counts: Counter[int | None] = Counter()
        self.interactions: dict[int, EmulatedInteraction] = {}
        self.interactions_by_token: dict[str, EmulatedInteraction] = {}
        self.requests: list[RecordedRequest] = []
        self.dms_closed: set[int] = set()
        self.dm_open_calls: Counter[int] = Counter()
        self.loose_attachments: dict[int, EmulatedAttachment] = {}
        self.base_url = "http://127.0.0.1:0"
        #: The configured shard count (``DiscordEmulator(shard_count=...)``), or None.
        self.shard_count: int | None = None
        self.emit: EventSink = lambda event, data: None
        self._waiters: list[asyncio.Future[None]] = []
        self.bot_user = self.add_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.owner = self.add_user(owner_name)

    # -- change notification -------------------------------------------------------------------
    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_for(self, predicate: Callable[[], T], timeout: float, what: str) -> T:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                continue

    # -- users, guilds, members ----------------------------------------------------------------
    def add_user(
        self, name: str, *, bot: bool = False, global_name: str | None = None
    ) -> EmulatedUser:
        user = EmulatedUser(id=snowflake(), name=name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def user(self, user_id: int) -> EmulatedUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise EmulatorError(f"unknown user id {user_id}") from None

    def guild(self, guild_id: int) -> EmulatedGuild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise EmulatorError(f"unknown guild id {guild_id}") from None

    def channel(self, channel_id: int) -> EmulatedChannel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise EmulatorError(f"unknown channel id {channel_id}") from None

    def add_guild(
        self,
        name: str,
        *,
        owner_id: int | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        shard: tuple[int, int] | None = None,
    ) -> EmulatedGuild:
        if owner_id is None:
            owner_id = self.add_user(f"{name} owner").id
        guild_id = snowflake() if shard is None else snowflake_on_shard(*shard)
        guild = EmulatedGuild(id=guild_id, name=name, owner_id=owner_id)
        guild.roles[guild.id] = EmulatedRole(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions
        )
        self.guilds[guild.id] = guild
        general = self.add_channel(guild.id, "general")
        guild.general_channel_id = general.id
        bot_role = self.add_role(guild.id, self.bot_user.name, permissions=bot_permissions)
        bot_role.managed = True
        bot_role.bot_id = self.bot_user.id
        self.add_member(guild.id, owner_id)
        self.add_member(guild.id, self.bot_user.id, roles=[bot_role.id])
        return guild

    def add_channel(
        self, guild_id: int, name: str, *, type: int = CHANNEL_TEXT, topic: str | None = None
    ) -> EmulatedChannel:
        guild = self.guild(guild_id)
        channel = EmulatedChannel(
            id=snowflake(),
            type=type,
            name=name,
            guild_id=guild_id,
            position=len(guild.channels),
            topic=topic,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_role(self, guild_id: int, name: str, *, permissions: int = 0) -> EmulatedRole:
        guild = self.guild(guild_id)
        role = EmulatedRole(
            id=snowflake(),
            guild_id=guild_id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        permissions: int = 0,
        roles: list[int] | None = None,
        nick: str | None = None,
    ) -> EmulatedMember:
        guild = self.guild(guild_id)
        self.user(user_id)
        for role_id in roles or []:
            if role_id not in guild.roles:
                raise EmulatorError(f"role {role_id} is not a role of guild {guild.name!r}")
        member = EmulatedMember(
            guild_id=guild_id,
            user_id=user_id,
            roles=[r for r in roles or [] if r != guild_id],
            permissions=permissions,
            nick=nick,
        )
        guild.members[user_id] = member
        return member

    def member(self, guild_id: int, user_id: int) -> EmulatedMember:
        member = self.guild(guild_id).members.get(user_id)
        if member is None:
            raise EmulatorError(f"user {user_id} is not a member of guild {guild_id}")
        return member

    def member_payload(
        self, guild_id: int, user_id: int, *, with_permissions: bool = False
    ) -> dict[str, Any]:
        guild = self.guild(guild_id)
        member = self.member(guild_id, user_id)
        perms = guild.member_permissions(user_id) if with_permissions else None
        return payloads.member_payload(member, self.user(user_id), permissions=perms)

    def can_dm(self, user_id: int | None) -> bool:
        """Discord refuses the bot's DM (403, 50007) to a user who closed their DMs, or who
        shares no server with the bot."""
        if user_id is None or user_id in self.dms_closed:
            return False
        return any(user_id in guild.members for guild in self.guilds.values())

    def dm_channel(self, user_id: int) -> EmulatedChannel:
        """The DM channel between the bot and ``user_id`` (created on first use)."""
        self.user(user_id)
        channel_id = self.dm_by_user.get(user_id)
        if channel_id is not None:
            return self.channels[channel_id]
        channel = EmulatedChannel(id=snowflake(), type=CHANNEL_DM, recipient_id=user_id)
        self.channels[channel.id] = channel
        self.dm_by_user[user_id] = channel.id
        return channel

    def channel_payload(self, channel: EmulatedChannel) -> dict[str, Any]:
        recipients = [self.user(channel.recipient_id)] if channel.recipient_id else []
        return payloads.channel_payload(channel, recipients)

    # -- messages ------------------------------------------------------------------------------
    def message(self, message_id: int) -> EmulatedMessage:
        msg = self.messages.get(message_id)
        if msg is None:
            raise EmulatorError(f"unknown message id {message_id}")
        return msg

    def message_payload(self, msg: EmulatedMessage) -> dict[str, Any]:
        return payloads.message_payload(msg, self.user(msg.author_id), base_url=self.base_url)

    def attachment(self, attachment_id: int) -> EmulatedAttachment | None:
        if attachment_id in self.loose_attachments:
            return self.loose_attachments[attachment_id]
        for msg in self.messages.values():
            for att in msg.attachments:
                if att.id == attachment_id:
                    return att
        return None

    def messages_in(
        self, channel_id: int, *, include_ephemeral: bool = True
    ) -> list[EmulatedMessage]:
        out = []
        for mid in self.channel_order.get(channel_id, []):
            msg = self.messages[mid]
            if msg.deleted or (msg.ephemeral and not include_ephemeral):
                continue
            out.append(msg)
        return out

    def create_message(
        self,
        channel_id: int,
        author_id: int,
        body: dict[str, Any],
        uploads: dict[int, Upload] | None = None,
        *,
        allow_ephemeral: bool = False,
        extra_flags: int = 0,
        validate: bool = True,
        **attrs: Any,
    ) -> EmulatedMessage:
        channel = self.channel(channel_id)
        msg = EmulatedMessage(
            id=snowflake(),
            channel_id=channel_id,
            author_id=author_id,
            guild_id=channel.guild_id,
            **attrs,
        )
        flags = int(body.get("flags") or 0)
        allowed = (
            SUPPRESS_EMBEDS | (1 << 12) | IS_COMPONENTS_V2 | (EPHEMERAL if allow_ephemeral else 0)
        )
        msg.flags = (flags & allowed) | extra_flags
        msg.nonce = body.get("nonce")
        msg.tts = bool(body.get("tts", False))
        msg.message_reference = body.get("message_reference")
        self._apply(msg, body, uploads or {}, validate=validate, creating=True)
        self.messages[msg.id] = msg
        self.channel_order.setdefault(channel_id, []).append(msg.id)
        channel.last_message_id = msg.id
        if not msg.ephemeral:
            self.emit("MESSAGE_CREATE", self._gateway_message(msg))
        self.notify()
        return msg

    def edit_message(
        self,
        msg: EmulatedMessage,
        body: dict[str, Any],
        uploads: dict[int, Upload] | None = None,
        *,
        finish_loading: bool = True,
    ) -> EmulatedMessage:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        before = msg.snapshot()
        self._apply(msg, body, uploads or {}, validate=True, creating=False)
        if finish_loading:
            msg.flags &= ~LOADING
        msg.edited_at = utcnow()
        msg.edits.append(MessageEdit(at=msg.edited_at, changes=copy.deepcopy(body), before=before))
        if not msg.ephemeral:
            self.emit("MESSAGE_UPDATE", self._gateway_message(msg))
        self.notify()
        return msg

    def delete_message(self, msg: EmulatedMessage) -> None:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        msg.deleted = True
        if not msg.ephemeral:
            data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            self.emit("MESSAGE_DELETE", data)
        self.notify()

    def _gateway_message(self, msg: EmulatedMessage) -> dict[str, Any]:
        data = self.message_payload(msg)
        if msg.guild_id is not None and msg.author_id in self.guild(msg.guild_id).members:
            member = self.member_payload(msg.guild_id, msg.author_id)
            member.pop("user", None)
            data["member"] = member
        return data

    def _apply(
        self,
        msg: EmulatedMessage,
        body: dict[str, Any],
        uploads: dict[int, Upload],
        *,
        validate: bool,
        creating: bool,
    ) -> None:
        content = body.get("content", msg.content)
        if "embeds" in body:
            embeds = list(body["embeds"] or [])
        elif "embed" in body:
            embeds = [body["embed"]] if body["embed"] else []
        else:
            embeds = msg.embeds
        components = list(body["components"] or []) if "components" in body else msg.components
        flags = msg.flags
        if not creating and body.get("flags") is not None:
            new = int(body["flags"])
            flags = (flags & ~SUPPRESS_EMBEDS) | (new & SUPPRESS_EMBEDS)
            flags |= new & IS_COMPONENTS_V2
        attachments = self._merge_attachments(msg, body, uploads, creating=creating)
        if validate:
            merged = {"content": content, "embeds": embeds, "components": components}
            merged["flags"] = flags
            validate_message(merged, has_files=bool(attachments))
        msg.content = content or ""
        msg.embeds = embeds
        msg.components = _assign_component_ids(components)
        msg.flags = flags
        msg.attachments = attachments
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]

    def _merge_attachments(
        self,
        msg: EmulatedMessage,
        body: dict[str, Any],
        uploads: dict[int, Upload],
        *,
        creating: bool,
    ) -> list[EmulatedAttachment]:
        existing = {a.id: a for a in msg.attachments}
        if "attachments" not in body:
            result = [] if creating else list(msg.attachments)
            used: set[int] = set()
        else:
            result, used = [], set()
            for entry in body["attachments"] or []:
                att_id = int(entry["id"])
                if att_id in existing and not creating:
                    result.append(existing[att_id])
                elif att_id in uploads:
                    up = uploads[att_id]
                    used.add(att_id)
                    result.append(
                        EmulatedAttachment(
                            id=snowflake(),
                            filename=entry.get("filename") or up.filename,
                            data=up.data,
                            content_type=up.content_type,
                            description=entry.get("description"),
                        )
                    )
                else:
                    raise form_error("attachments", "ATTACHMENT_NOT_FOUND", f"Unknown id {att_id}")
        for index in sorted(uploads):
            if index not in used:
                up = uploads[index]
                result.append(
                    EmulatedAttachment(
                        id=snowflake(),
                        filename=up.filename,
                        data=up.data,
                        content_type=up.content_type,
                    )
                )
        return result

    # -- application commands ------------------------------------------------------------------
    def commands(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.get(guild_id, [])

    def bulk_overwrite(
        self, guild_id: int | None, body: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        previous = {(c["name"], c.get("type", 1)): c for c in self.commands(guild_id)}
        stored: list[dict[str, Any]] = []
        for cmd in body:
            ctype = cmd.get("type", 1)
            old = previous.get((cmd["name"], ctype))
            new = self._normalise_command(cmd, guild_id)
            if old is not None:
                new["id"] = old["id"]
                same = _command_signature(old) == _command_signature(new)
                new["version"] = old["version"] if same else str(snowflake())
            stored.append(new)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild(guild_id)
            self.guild_commands[guild_id] = stored
        self.sync_counts[guild_id] += 1
        self.notify()
        return stored

    def upsert_command(self, guild_id: int | None, cmd: dict[str, Any]) -> dict[str, Any]:
        current = [c for c in self.commands(guild_id)]
        ctype = cmd.get("type", 1)
        new = self._normalise_command(cmd, guild_id)
        for i, old in enumerate(current):
            if old["name"] == cmd["name"] and old.get("type", 1) == ctype:
                new["id"] = old["id"]
                current[i] = new
                break
        else:
            current.append(new)
        if guild_id is None:
            self.global_commands = current
        else:
            self.guild_commands[guild_id] = current
        return new

    def _normalise_command(self, cmd: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
        new = copy.deepcopy(cmd)
        new.setdefault("type", 1)
        new.setdefault("description", "")
        new.setdefault("options", [])
        new.setdefault("default_member_permissions", None)
        new.setdefault("nsfw", False)
        new["id"] = str(snowflake())
        new["application_id"] = str(self.application_id)
        new["version"] = str(snowflake())
        if guild_id is not None:
            new["guild_id"] = str(guild_id)
        return new


def _command_signature(cmd: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cmd.items() if k not in ("id", "version", "application_id")}


def _assign_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counter = [0]
    used: set[int] = set()

    def collect(comps: list[dict[str, Any]]) -> None:
        for comp in comps:
            if isinstance(comp.get("id"), int):
                used.add(comp["id"])
            collect(comp.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    collect([comp[key]])

    def assign(comps: list[dict[str, Any]]) -> None:
        for comp in comps:
            if not isinstance(comp.get("id"), int):
                counter[0] += 1
                while counter[0] in used:
                    counter[0] += 1
                comp["id"] = counter[0]
            assign(comp.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    assign([comp[key]])

    comps = copy.deepcopy(components)
    collect(comps)
    assign(comps)
    return comps
