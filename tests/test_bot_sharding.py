"""``INFOCOACH_SHARD_COUNT`` makes the bot discord.py's ``AutoShardedBot`` with those shards;
without it the bot is the plain ``commands.Bot`` it always was."""

from __future__ import annotations

from pathlib import Path

import discord
from discord.ext import commands

from bot.app import InfoCoachBot, create_bot
from bot.config import Settings

URL = "postgresql://bot@db.example/infocoach"


async def test_without_shard_settings_the_bot_is_not_sharded(tmp_path: Path):
    bot = create_bot(Settings(discord_token="t", db_path=tmp_path / "x.sqlite3"))
    assert type(bot) is InfoCoachBot
    assert not isinstance(bot, discord.AutoShardedClient)
    assert bot.shard_count is None


async def test_shard_settings_make_an_auto_sharded_bot_with_those_shards(tmp_path: Path):
    part = create_bot(
        Settings(discord_token="t", database_url=URL, shard_count=4, shard_ids=(2, 3))
    )
    assert isinstance(part, InfoCoachBot)
    assert isinstance(part, commands.AutoShardedBot)
    assert (part.shard_count, part.shard_ids) == (4, [2, 3])
    every = create_bot(Settings(discord_token="t", db_path=tmp_path / "x.sqlite3", shard_count=2))
    assert isinstance(every, commands.AutoShardedBot)
    assert (every.shard_count, every.shard_ids) == (2, None)  # all of them, in this process


def _guild_on(shard: int, count: int) -> int:
    """A server id whose events Discord sends to ``shard`` of ``count``."""
    return ((1000 * count + shard) << 22) | 12345


async def test_the_guild_directory_fetches_only_servers_on_other_processes_shards(
    tmp_path: Path,
):
    """A server on a shard this process holds is never fetched over REST (its cache is the
    truth); one on another process's shard is (bot/guild_directory.py)."""
    from bot.guild_directory import GuildDirectory
    from bot.pacing import TokenBucket

    part = create_bot(
        Settings(discord_token="t", database_url=URL, shard_count=4, shard_ids=(2, 3))
    )
    directory = GuildDirectory(part, TokenBucket(40))
    assert [directory.holds(_guild_on(s, 4)) for s in range(4)] == [False, False, True, True]
    plain = create_bot(Settings(discord_token="t", db_path=tmp_path / "x.sqlite3"))
    every = create_bot(Settings(discord_token="t", db_path=tmp_path / "y.sqlite3", shard_count=2))
    for bot in (plain, every):
        held = GuildDirectory(bot, TokenBucket(40))
        assert all(held.holds(_guild_on(s, 4)) for s in range(4))
        # Held and not in the cache (unavailable, or left): None, with no request.
        assert await held.guild(_guild_on(1, 4)) is None
        assert held.fetches == 0
