"""Plain data objects for the emulated Discord world (users, guilds, roles, channels)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tests.emulator.ids import utcnow

# Permission bits used by the emulator (see discord.Permissions for the full list).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ALL_PERMISSIONS = (1 << 53) - 1
#: @everyone's default permissions: view/send/read history/embed/attach/react/use app commands.
DEFAULT_EVERYONE_PERMISSIONS = (
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 31)
)
#: The bot's managed role: everyone's permissions plus manage messages/roles/threads.
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | (1 << 13) | (1 << 28) | (1 << 34)

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4


class EmulatorError(Exception):
    """Raised by the driver when a test asks for something Discord would not allow."""


@dataclass(eq=False)
class EmulatedUser:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class EmulatedRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class EmulatedChannel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipient_id: int | None = None  # DM channels only
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(eq=False)
class EmulatedMember:
    guild_id: int
    user_id: int
    roles: list[int] = field(default_factory=list)
    #: Extra permission bits granted directly (OR-ed with @everyone and role permissions).
    permissions: int = 0
    nick: str | None = None
    joined_at: datetime = field(default_factory=utcnow)


@dataclass(eq=False)
class EmulatedGuild:
    id: int
    name: str
    owner_id: int
    general_channel_id: int = 0
    roles: dict[int, EmulatedRole] = field(default_factory=dict)
    channels: dict[int, EmulatedChannel] = field(default_factory=dict)
    members: dict[int, EmulatedMember] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)

    @property
    def everyone_role(self) -> EmulatedRole:
        return self.roles[self.id]

    def member_permissions(self, user_id: int) -> int:
        """Effective guild-level permissions: owner/admin → all, else everyone|roles|extra."""
        member = self.members.get(user_id)
        if member is None:
            return 0
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone_role.permissions | member.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms
