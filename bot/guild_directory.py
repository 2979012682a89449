"""Servers by id for work that may concern a server on another process's shard.

With several bot processes (issue 16) the leader delivers every student's reminders, but its
gateway cache holds only the servers of its own shards. A reminder's frame names its server and
a member lookup needs the server: for a server this process's shards do not hold, the server is
fetched from Discord's REST API (one request, paced like every other) and kept for an hour. A
server on a shard this process holds is never fetched: its cache is the truth (a server missing
there is unavailable or left, and the callers already handle that).
"""

from __future__ import annotations

import time
from collections import OrderedDict

import discord

from bot.pacing import TokenBucket

KEEP_SECONDS = 3600.0
"""How long a fetched server is kept (its name may change)."""
KEEP_AT_MOST = 10_000
"""Fetched servers kept (the least recently used go first)."""


class GuildDirectory:
    def __init__(self, client: discord.Client, pacer: TokenBucket) -> None:
        self._client = client
        self._pacer = pacer
        self._fetched: OrderedDict[int, tuple[float, discord.Guild]] = OrderedDict()
        self.fetches = 0
        """REST fetches made so far (for tests)."""

    def holds(self, guild_id: int) -> bool:
        """Whether this process's shards carry ``guild_id``'s events (so its cache is the
        truth about it). An unsharded client holds every server."""
        count = getattr(self._client, "shard_count", None)
        if not count or count <= 1:
            return True
        shard = (guild_id >> 22) % count
        held = getattr(self._client, "shard_ids", None)  # AutoShardedClient
        if held is None:
            own = getattr(self._client, "shard_id", None)
            return own is None or own == shard
        return shard in held

    def cached(self, guild_id: int) -> discord.Guild | None:
        """The server from the gateway cache, or one fetched within the last hour."""
        guild = self._client.get_guild(guild_id)
        if guild is not None:
            return guild
        kept = self._fetched.get(guild_id)
        if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
            self._fetched.move_to_end(guild_id)
            return kept[1]
        return None

    async def guild(self, guild_id: int) -> discord.Guild | None:
        """The server: cached, or fetched when another process's shard holds it. None when this
        process holds it and it is not in the cache, or Discord would not give it."""
        found = self.cached(guild_id)
        if found is not None or self.holds(guild_id):
            return found
        await self._pacer.acquire()
        self.fetches += 1
        try:
            guild = await self._client.fetch_guild(guild_id, with_counts=False)
        except discord.HTTPException:
            return None
        self._fetched[guild_id] = (time.monotonic(), guild)
        self._fetched.move_to_end(guild_id)
        while len(self._fetched) > KEEP_AT_MOST:
            self._fetched.popitem(last=False)
        return guild
