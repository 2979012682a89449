"""REST routes: login/app info, users, DMs, guilds, members, roles, channels, commands."""

from __future__ import annotations

from typing import Any

from tests.emulator import payloads
from tests.emulator.models import EmulatedGuild
from tests.emulator.rest import Call, Reply, Router
from tests.emulator.state import EmulatorState
from tests.emulator.validation import ApiError, form_error


def register_core_routes(router: Router, state: EmulatorState) -> None:
    def guild_of(call: Call) -> EmulatedGuild:
        guild = state.guilds.get(call.int_param("guild_id"))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def app_scope(call: Call) -> None:
        if call.int_param("app_id") != state.application_id:
            raise ApiError(404, 10002, "Unknown Application")

    # -- login -----------------------------------------------------------------------------
    async def get_me(call: Call) -> Reply:
        return Reply(200, payloads.client_user_payload(state.bot_user))

    async def get_app(call: Call) -> Reply:
        return Reply(
            200, payloads.app_info_payload(state.application_id, state.bot_user, state.owner)
        )

    async def get_user(call: Call) -> Reply:
        user = state.users.get(call.int_param("user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return Reply(200, payloads.user_payload(user))

    async def open_dm(call: Call) -> Reply:
        raw = call.body.get("recipient_id")
        user_id = int(raw) if raw is not None else 0
        state.dm_open_calls[user_id] += 1
        if user_id not in state.users or user_id == state.bot_user.id:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return Reply(200, state.channel_payload(state.dm_channel(user_id)))

    async def my_guilds(call: Call) -> Reply:
        """The bot's servers as partial guilds, by id, paged with ``before``/``after`` and
        ``limit`` (1–200, default 200) like Discord."""
        raw_limit = call.query.get("limit", "200")
        limit = int(raw_limit) if raw_limit.isdigit() else 0
        if not 1 <= limit <= 200:
            raise ApiError(400, 50035, "Invalid Form Body")
        ids = sorted(state.guilds)
        if call.query.get("after"):
            ids = [g for g in ids if g > int(call.query["after"])]
        if call.query.get("before"):
            ids = [g for g in ids if g < int(call.query["before"])][-limit:]
        me = state.bot_user.id
        return Reply(
            200,
            [
                {
                    "id": str(g),
                    "name": state.guilds[g].name,
                    "icon": None,
                    "banner": None,
                    "owner": state.guilds[g].owner_id == me,
                    "permissions": str(state.guilds[g].member_permissions(me)),
                    "features": [],
                }
                for g in ids[:limit]
            ],
        )

    # -- gateway ---------------------------------------------------------------------------
    def gateway_url() -> str:
        return "ws" + state.base_url.removeprefix("http") + "/"

    async def get_gateway(call: Call) -> Reply:
        return Reply(200, {"url": gateway_url()})

    async def get_gateway_bot(call: Call) -> Reply:
        """What ``AutoShardedClient`` asks before connecting without a ``shard_count``: the
        gateway URL and the recommended shard count (the configured one, else 1)."""
        return Reply(
            200,
            {
                "url": gateway_url(),
                "shards": state.shard_count or 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    router.add("GET", "/gateway", get_gateway, auth=False)
    router.add("GET", "/gateway/bot", get_gateway_bot)
    router.add("GET", "/users/@me", get_me)
    router.add("GET", "/users/@me/guilds", my_guilds)
    router.add("GET", "/oauth2/applications/@me", get_app)
    router.add("GET", "/applications/@me", get_app)
    router.add("POST", "/users/@me/channels", open_dm)
    router.add("GET", "/users/{user_id}", get_user)

    # -- guilds, members, roles --------------------------------------------------------------
    async def get_guild(call: Call) -> Reply:
        data = payloads.guild_payload(guild_of(call))
        if call.query.get("with_counts") in ("true", "1"):
            data["approximate_member_count"] = len(guild_of(call).members)
            data["approximate_presence_count"] = 0
        return Reply(200, data)

    async def get_channels(call: Call) -> Reply:
        guild = guild_of(call)
        return Reply(200, [state.channel_payload(c) for c in guild.channels.values()])

    async def get_roles(call: Call) -> Reply:
        return Reply(200, [payloads.role_payload(r) for r in guild_of(call).roles.values()])

    def member_or_404(guild: EmulatedGuild, user_id: int) -> None:
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")

    async def get_member(call: Call) -> Reply:
        guild = guild_of(call)
        user_id = call.int_param("user_id")
        member_or_404(guild, user_id)
        return Reply(200, state.member_payload(guild.id, user_id))

    async def list_members(call: Call) -> Reply:
        guild = guild_of(call)
        limit = max(1, min(1000, int(call.query.get("limit", 1))))
        after = int(call.query.get("after", 0))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return Reply(200, [state.member_payload(guild.id, uid) for uid in ids])

    def push_member_update(guild: EmulatedGuild, user_id: int) -> None:
        data = state.member_payload(guild.id, user_id)
        data["guild_id"] = str(guild.id)
        state.emit("GUILD_MEMBER_UPDATE", data)
        state.notify()

    async def patch_member(call: Call) -> Reply:
        guild = guild_of(call)
        user_id = call.int_param("user_id")
        member_or_404(guild, user_id)
        member = guild.members[user_id]
        if "roles" in call.body:
            role_ids = [int(r) for r in call.body["roles"] or []]
            unknown = [r for r in role_ids if r not in guild.roles]
            if unknown:
                raise form_error("roles", "UNKNOWN_ROLE", f"Unknown roles {unknown}")
            member.roles = [r for r in role_ids if r != guild.id]
        if "nick" in call.body:
            member.nick = call.body["nick"]
        push_member_update(guild, user_id)
        return Reply(200, state.member_payload(guild.id, user_id))

    async def put_member_role(call: Call) -> Reply:
        guild = guild_of(call)
        user_id, role_id = call.int_param("user_id"), call.int_param("role_id")
        member_or_404(guild, user_id)
        if role_id not in guild.roles:
            raise ApiError(404, 10011, "Unknown Role")
        member = guild.members[user_id]
        if role_id not in member.roles and role_id != guild.id:
            member.roles.append(role_id)
        push_member_update(guild, user_id)
        return Reply(204)

    async def delete_member_role(call: Call) -> Reply:
        guild = guild_of(call)
        user_id, role_id = call.int_param("user_id"), call.int_param("role_id")
        member_or_404(guild, user_id)
        if role_id not in guild.roles:
            raise ApiError(404, 10011, "Unknown Role")
        member = guild.members[user_id]
        if role_id in member.roles:
            member.roles.remove(role_id)
        push_member_update(guild, user_id)
        return Reply(204)

    router.add("GET", "/guilds/{guild_id}", get_guild)
    router.add("GET", "/guilds/{guild_id}/channels", get_channels)
    router.add("GET", "/guilds/{guild_id}/roles", get_roles)
    router.add("GET", "/guilds/{guild_id}/members", list_members)
    router.add("GET", "/guilds/{guild_id}/members/{user_id}", get_member)
    router.add("PATCH", "/guilds/{guild_id}/members/{user_id}", patch_member)
    router.add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", put_member_role)
    router.add("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", delete_member_role)

    # -- channels --------------------------------------------------------------------------
    async def get_channel(call: Call) -> Reply:
        channel = state.channels.get(call.int_param("channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return Reply(200, state.channel_payload(channel))

    async def typing(call: Call) -> Reply:
        if call.int_param("channel_id") not in state.channels:
            raise ApiError(404, 10003, "Unknown Channel")
        return Reply(204)

    router.add("GET", "/channels/{channel_id}", get_channel)
    router.add("POST", "/channels/{channel_id}/typing", typing)

    # -- application commands --------------------------------------------------------------
    def scope(call: Call) -> int | None:
        app_scope(call)
        if "guild_id" in call.params:
            return guild_of(call).id
        return None

    async def list_commands(call: Call) -> Reply:
        return Reply(200, state.commands(scope(call)))

    async def bulk_put(call: Call) -> Reply:
        guild_id = scope(call)
        body: Any = call.json
        if not isinstance(body, list):
            raise ApiError(400, 50035, "Invalid Form Body")
        names = [(c.get("name"), c.get("type", 1)) for c in body]
        if len(names) != len(set(names)):
            raise form_error("_", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate names")
        return Reply(200, state.bulk_overwrite(guild_id, body))

    async def get_command(call: Call) -> Reply:
        cmd_id = call.params["command_id"]
        for cmd in state.commands(scope(call)):
            if cmd["id"] == cmd_id:
                return Reply(200, cmd)
        raise ApiError(404, 10063, "Unknown application command")

    async def post_command(call: Call) -> Reply:
        return Reply(201, state.upsert_command(scope(call), call.body))

    async def delete_command(call: Call) -> Reply:
        guild_id = scope(call)
        cmd_id = call.params["command_id"]
        remaining = [c for c in state.commands(guild_id) if c["id"] != cmd_id]
        if len(remaining) == len(state.commands(guild_id)):
            raise ApiError(404, 10063, "Unknown application command")
        if guild_id is None:
            state.global_commands = remaining
        else:
            state.guild_commands[guild_id] = remaining
        return Reply(204)

    base = "/applications/{app_id}"
    for prefix in (base, base + "/guilds/{guild_id}"):
        router.add("GET", prefix + "/commands", list_commands)
        router.add("PUT", prefix + "/commands", bulk_put)
        router.add("POST", prefix + "/commands", post_command)
        router.add("GET", prefix + "/commands/{command_id}", get_command)
        router.add("DELETE", prefix + "/commands/{command_id}", delete_command)
