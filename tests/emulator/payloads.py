"""JSON payload builders in the shapes Discord API v10 uses."""

from __future__ import annotations

from typing import Any

from tests.emulator.ids import iso
from tests.emulator.messages import EmulatedAttachment, EmulatedMessage
from tests.emulator.models import (
    CHANNEL_DM,
    EmulatedChannel,
    EmulatedGuild,
    EmulatedMember,
    EmulatedRole,
    EmulatedUser,
)


def user_payload(user: EmulatedUser) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.name,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def client_user_payload(user: EmulatedUser) -> dict[str, Any]:
    data = user_payload(user)
    data.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
    return data


def role_payload(role: EmulatedRole) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": str(role.bot_id)}
    return data


def channel_payload(
    channel: EmulatedChannel, recipients: list[EmulatedUser] | None = None
) -> dict[str, Any]:
    last = None if channel.last_message_id is None else str(channel.last_message_id)
    if channel.type == CHANNEL_DM:
        return {
            "id": str(channel.id),
            "type": CHANNEL_DM,
            "last_message_id": last,
            "flags": 0,
            "recipients": [user_payload(u) for u in recipients or []],
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "parent_id": None if channel.parent_id is None else str(channel.parent_id),
        "topic": channel.topic,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": last,
        "flags": 0,
    }


def member_payload(
    member: EmulatedMember,
    user: EmulatedUser | None,
    *,
    permissions: int | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(member.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if user is not None:
        data["user"] = user_payload(user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_payload(guild: EmulatedGuild) -> dict[str, Any]:
    """REST guild object (GET /guilds/{id})."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": str(guild.general_channel_id) if guild.general_channel_id else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "features": [],
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "max_members": 500000,
        "max_video_channel_users": 25,
    }


def guild_create_payload(
    guild: EmulatedGuild,
    members: list[dict[str, Any]],
) -> dict[str, Any]:
    data = guild_payload(guild)
    data.update(
        {
            "joined_at": iso(guild.created_at),
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "channels": [channel_payload(c) for c in guild.channels.values()],
            "members": members,
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    for channel in data["channels"]:
        channel.pop("guild_id", None)
    return data


def attachment_payload(att: EmulatedAttachment, base_url: str, channel_id: int) -> dict[str, Any]:
    url = f"{base_url}/attachments/{channel_id}/{att.id}/{att.filename}"
    return {
        "id": str(att.id),
        "filename": att.filename,
        "size": att.size,
        "url": url,
        "proxy_url": url,
        "content_type": att.content_type,
        "description": att.description,
    }


def message_payload(
    msg: EmulatedMessage,
    author: EmulatedUser,
    *,
    base_url: str,
    member: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "type": msg.type,
        "author": user_payload(author),
        "content": msg.content,
        "timestamp": iso(msg.created_at),
        "edited_timestamp": iso(msg.edited_at),
        "tts": msg.tts,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [attachment_payload(a, base_url, msg.channel_id) for a in msg.attachments],
        "embeds": msg.embeds,
        "components": msg.components,
        "reactions": [],
        "pinned": False,
        "flags": msg.flags,
    }
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    if member is not None:
        data["member"] = member
    if msg.nonce is not None:
        data["nonce"] = msg.nonce
    if msg.webhook_id is not None:
        data["webhook_id"] = str(msg.webhook_id)
        data["application_id"] = str(msg.webhook_id)
    if msg.message_reference is not None:
        data["message_reference"] = msg.message_reference
    if msg.interaction_metadata is not None:
        meta = msg.interaction_metadata
        data["interaction_metadata"] = meta
        if meta.get("type") == 2 and meta.get("name"):
            data["interaction"] = {
                "id": meta["id"],
                "type": 2,
                "name": meta["name"],
                "user": meta["user"],
            }
    return data


def app_info_payload(app_id: int, bot: EmulatedUser, owner: EmulatedUser) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": bot.name,
        "icon": None,
        "description": "Discord emulator application",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user_payload(owner),
        "team": None,
        "flags": 0,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": 0,
        "bot": user_payload(bot),
        "integration_types_config": {"0": {}},
    }


def error_body(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body
