"""A local Discord API emulator for end-to-end tests of discord.py 2.7 bots.

An aiohttp server on 127.0.0.1 (random port) serves REST v10 under ``/api/v10`` and the
gateway websocket at ``/`` (json; ``compress=zlib-stream``, ``zstd-stream`` when ``zstandard``
is importable, or none). An *unmodified* ``discord.Client``/``commands.Bot`` logs in and
connects to it once ``emu.install()`` has patched ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (``uninstall()``/``stop()`` restore them).

Quick start::

    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Career Club")
        alice = emu.add_user("alice")
        emu.add_member(guild.id, alice.id)
        bot = make_bot()                                    # commands.Bot(...)
        async with run_bot(emu, bot):                       # install + start + wait for on_ready
            ix = await emu.slash(alice, guild, "request new", options={"person": "Ada"})
            resp = await ix.response()                      # initial callback (.type, .data)
            msg = await ix.message()                        # EmulatedMessage
            ix2 = await emu.click(alice, msg, msg.button(label="Done")["custom_id"])

Driver API (``DiscordEmulator``)
--------------------------------
Lifecycle: ``await start()`` / ``await stop()`` / ``async with DiscordEmulator() as emu``;
``install()`` / ``uninstall()``; ``token`` (any token is accepted unless
``DiscordEmulator(strict_auth=True)``), ``application_id`` (== ``bot_user.id``), ``bot_user``,
``owner`` (the application owner), ``port``, ``api_url``, ``gateway_url``.

World: ``add_guild(name, *, owner=None, everyone_permissions=..., bot_permissions=...)`` →
``EmulatedGuild`` (.id, .owner_id, .general_channel_id, .roles, .channels, .members; the
@everyone role has the guild's id; the bot is a member with a managed role);
``add_user(name)`` → ``EmulatedUser`` (.id, .name, .mention);
``add_member(guild_id, user_id, permissions=0, roles=[...])`` (effective permissions =
@everyone | roles | ``permissions``; owner/Administrator = all);
``add_role(guild_id, name, permissions=0)``; ``add_channel(guild_id, name)``;
``set_member_roles(guild_id, user_id, [role_ids])``; ``set_member_permissions``;
``remove_member``; ``remove_guild(guild, unavailable=False)`` (the bot is removed: GUILD_DELETE
and the server leaves ``GET /users/@me/guilds``; ``unavailable=True``: an outage, GUILD_DELETE
with ``"unavailable": true``) and ``restore_guild(guild)`` (re-added or back: GUILD_CREATE).
``GET /users/@me/guilds`` lists the bot's servers (``limit``/``before``/``after`` paging).
Changes made while a bot is connected are pushed as gateway events
(GUILD_CREATE, CHANNEL_CREATE, GUILD_ROLE_CREATE, GUILD_MEMBER_ADD/UPDATE/REMOVE — member
events only when the bot identified with the members intent).

Connection: ``await wait_until_connected(timeout=10)`` (identified/resumed and GUILD_CREATEs
sent), ``await wait_until_disconnected()``, ``is_connected``, ``identify_count``,
``last_identify``, ``await drop_connection(code=4000)`` (server-side close → discord.py
RESUMEs; missed events are replayed), ``await dispatch_event(name, data)``.

Commands: ``commands(guild_id=None)`` → registered command dicts (with ids; ids are kept
across re-syncs of the same name); ``sync_calls(guild_id=None)`` → number of bulk-overwrite
PUTs for that scope.

Interactions (all return ``EmulatedInteraction``; ``user``/``guild``/``message`` accept the
emulated object or its id; ``guild=None`` means the bot's DM with the user):
``await slash(user, guild, "group sub", options={...}, channel_id=None)`` — resolves the
command (guild-scoped first, then global), builds nested options with the registered option
types and ``resolved`` data (users/members/roles/channels/attachments; attachments as
``(filename, bytes)``), enforces choices, min/max, required options, ``contexts`` and
``default_member_permissions``; raises ``EmulatorError`` with the available names otherwise.
``await autocomplete(user, guild, "cmd sub", options={...}, focused="opt")`` → list of
``{"name", "value"}`` choices. ``await click(user, message, custom_id)``;
``await select(user, message, custom_id, values=[...])``;
``await submit_modal(user, ix, {"input_custom_id": "text", ...})`` (action-row TextInputs and
discord.py 2.6+ Label-wrapped components; selects take lists, checkboxes bools).

Every interaction method takes ``strict=True``: the emulator refuses (``EmulatorError``)
what Discord's client/API would never deliver — values outside choices or min/max
length/value, missing required options, commands hidden by ``default_member_permissions`` or
``contexts``, disabled components, another user's ephemeral message or DM, invalid select
values, an empty required modal input. ``strict=False`` delivers it anyway, to test a bot's
defensive checks. Structural mistakes (unknown command/option/custom_id, wrong value type)
always raise.

``EmulatedInteraction``: ``await response(timeout=5)`` → ``EmulatedResponse`` (.type int,
.data dict, .type_name); ``await message(timeout=5)`` → ``EmulatedMessage`` (type 4: the new
message; 7: the clicked message after the update; 5/6: waits for an ``@original`` edit or a
followup); ``followups``, ``modal`` (type 9 payload), ``choices`` (type 8), ``original``,
``response_time`` (seconds from dispatch to callback), ``responded``, ``response_type``,
``payload`` (the raw INTERACTION_CREATE). Timeouts raise ``TimeoutError`` with details.

``EmulatedMessage`` (live; edits update it in place): .id, .channel_id, .guild_id, .author_id,
.content, .embeds, .components (raw), .flags, .ephemeral, .loading, .allowed_mentions (raw
dict or None), .attachments (``EmulatedAttachment``: .filename, .data bytes, .content_type,
.description, .size), .nonce, .message_reference, .deleted, .edits (``MessageEdit``: .at,
.changes raw body, .before snapshot); ``buttons()`` (flat dicts: custom_id, label, style,
disabled, emoji, url), ``selects()``, ``button(label=None, *, custom_id_prefix=None)``,
``find_component(custom_id)``, ``text()`` (content + embed title/description/fields/footer/
author + text displays, newline-joined).

Messages: ``channel_messages(channel_id, *, include_ephemeral=True)``, ``message(id)``,
``dms(user_id)`` (bot-authored messages in the user's DM, oldest first),
``await wait_for_dm(user_id, count=1, timeout=5)``, ``await wait_for_message(channel_id,
count=1)``, ``dm_channel_id(user)``, ``set_dms_closed(user_id, True)`` (→ 403 code 50007 on
POST /channels/{dm}/messages, as for a user who shares no server with the bot),
``dm_open_calls(user_id=None)`` (POST /users/@me/channels),
``await send_as_user(user, content, channel_id=None)``.

REST log and faults: ``requests`` (``RecordedRequest``: method, path without ``/api/v10``,
query, status, at, duration, json, files, injected), ``count_requests(method, path_regex)``,
``unknown_routes``, ``fail_next(method, path_regex, status, body=None, times=1,
headers=None)`` (429s get ``Via`` and a default body ``retry_after=0.05``; note discord.py
retries 5xx only after sleeping 1 s, 3 s, ...). ``interaction_timeout = 3.0`` makes late
callbacks fail with 404 10062 like Discord (default: not enforced).

Global rate limit (opt-in): ``DiscordEmulator(global_rate_limit=50)`` (or set
``emu.global_rate_limit`` later; None turns it off) enforces Discord's global limit as a sliding
one-second window over the bot's REST requests; interaction callbacks and the interaction
webhook (followups, ``@original``) are exempt. Over the limit → 429 with body
``{"retry_after": <s until the window frees>, "global": true}`` and headers ``Via``,
``Retry-After``, ``X-RateLimit-Global: true``, ``X-RateLimit-Scope: global`` (discord.py sleeps
and retries). Refused requests are recorded with ``rate_limited=True``
(``rate_limited_requests()``) and don't count towards the window; ``rate_limit`` exposes the
counters ``accepted``, ``rejected``, ``peak`` (most accepted requests in any one second) and
``reset_stats()``.

Per-channel rate limit (opt-in): ``DiscordEmulator(channel_rate_limit=(5, 5.0))`` (or set
``emu.channel_rate_limit`` later; None turns it off) limits ``POST /channels/{id}/messages`` to
5 messages per 5 seconds in each channel, in fixed windows that open with a channel's first
message, as Discord does for DM channels. Every answer of that route carries the bucket headers
(``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``, ``-Reset-After``, ``-Bucket``; discord.py
waits on them once ``Remaining`` is 0); a message over the limit gets 429 with
``{"retry_after": <s until the window resets>, "global": false}`` and ``Retry-After``,
``X-RateLimit-Scope: user``. Refused messages are recorded with ``channel_limited=True``
(``channel_limited_requests()``); ``channel_limit`` has ``accepted``, ``rejected`` and
``rejected_by_channel``.

Load (opt-in, for benchmarks; ``tests.emulator.load.LoadDriver(emu)``): ``click(...)`` /
``slash(...)`` build and register an interaction without sending it; ``send([ix, ...])`` queues
them as one batch the gateway writer sends back to back (no await; returns a ``FrameBatch`` whose
``done`` future resolves once all were written and ``sent_at`` holds each write time);
``await wait_answered(ixs, timeout)`` → those still unanswered, without a task per interaction;
``sent``/``answered`` counters. Every ``EmulatedInteraction`` also records
``dispatched_monotonic`` (the driver: as its frame is written; the regular methods: as it is
queued), ``callback_arrived_monotonic`` (the callback request reached its route) and
``responded_monotonic`` (the callback applied); ``on_response`` (None by default) is called once
its callback is recorded.

Sharding: ``DiscordEmulator(shard_count=K)`` makes ``GET /gateway/bot`` recommend K shards
(default: 1) and every session use K. Any number of gateway sessions share the one bot token:
a session that identified with ``shard: [i, n]`` (``AutoShardedClient``, or a ``Client`` with
``shard_id``/``shard_count``) gets READY with ``shard`` and only its servers, and afterwards
only the events of servers whose shard is ``(guild_id >> 22) % n`` (GUILD_*, messages,
members, guild interactions); events without a server (DMs, DM buttons and forms) go to shard
0; a session without ``shard`` gets everything, as before. Each session resumes on its own.
Refused at IDENTIFY like Discord: 4010 (invalid shard) for a malformed shard, an id outside
``0..n-1``, a count other than the configured one or the live sessions', or a shard id a
connected session already holds (a dropped session is replaced instead); 4011 (sharding
required) for an unsharded IDENTIFY when K > 1 or while connected sessions shard the bot.
``add_guild(name, shard=i)`` (or ``shard=(i, n)``) gives a server an id on that shard;
``shard_of(guild)``; ``sessions``, ``session_for_shard(i)``, ``refused_identifies``,
``await wait_until_shards_connected([0, 1])``, ``drop_connection(code, shard_id=i)``.
``RunningBot.stop()`` waits only for its own client's sessions to end.

Standalone: ``python -m tests.emulator --port N [--shards K] [--rate-limit 50]
[--channel-rate-limit 5/5] [--token T]`` prints its URL on one line when ready and stops on
SIGTERM (see ``tests/emulator/__main__.py``); ``python -m tests.emulator.attach URL bot`` runs
``python -m bot`` pointed at it; a test in another process drives it with
``tests.emulator.control.EmulatorControl(url)`` over loopback-only ``/_emulator/`` routes
(world, interactions, DMs, REST log); ``tests.emulator.standalone.StandaloneEmulator`` starts
and stops such a process from a test.

discord.py facts the bot author must know
-----------------------------------------
* ``Client.login`` = GET /users/@me + GET /oauth2/applications/@me; a plain Bot never calls
  GET /gateway/bot. ``on_ready`` fires ``guild_ready_timeout`` (default 2 s) after the last
  GUILD_CREATE: pass ``guild_ready_timeout=0.05`` to the Bot or use ``run_bot``/``RunningBot``
  (they lower it on ``client._connection``).
* A View is dispatched only when the click's ``message.id`` equals the id it was stored under
  (``response_message_id`` from the callback); DynamicItems match by custom_id regex and so
  work on messages sent by a previous bot instance.
* ``bot.close()`` closes with 1000 (ends the session); restarting needs a new client object.
"""

from tests.emulator.driver import DiscordEmulator
from tests.emulator.interaction import EmulatedInteraction, EmulatedResponse
from tests.emulator.messages import EmulatedAttachment, EmulatedMessage, MessageEdit
from tests.emulator.models import (
    EmulatedChannel,
    EmulatedGuild,
    EmulatedMember,
    EmulatedRole,
    EmulatedUser,
    EmulatorError,
)
from tests.emulator.rate_limit import ChannelRateLimit, GlobalRateLimit
from tests.emulator.rest import FaultRule
from tests.emulator.runner import RunningBot, run_bot
from tests.emulator.state import RecordedRequest

__all__ = [
    "ChannelRateLimit",
    "DiscordEmulator",
    "EmulatedAttachment",
    "EmulatedChannel",
    "EmulatedGuild",
    "EmulatedInteraction",
    "EmulatedMember",
    "EmulatedMessage",
    "EmulatedResponse",
    "EmulatedRole",
    "EmulatedUser",
    "EmulatorError",
    "FaultRule",
    "GlobalRateLimit",
    "MessageEdit",
    "RecordedRequest",
    "RunningBot",
    "run_bot",
]
