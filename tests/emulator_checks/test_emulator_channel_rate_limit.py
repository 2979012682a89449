"""The opt-in per-channel message limit: fixed windows per channel, bucket headers on every
message answer, a 429 ``global: false`` past the limit, other channels and routes unaffected,
and discord.py waiting on the headers so it never hits the 429 itself; off by default."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.emulator import ChannelRateLimit, DiscordEmulator, run_bot


async def _send(
    session: aiohttp.ClientSession, emu: DiscordEmulator, channel_id: int
) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with session.post(
        f"{emu.api_url}/channels/{channel_id}/messages", json={"content": "hi"}, headers=headers
    ) as resp:
        return resp.status, dict(resp.headers), await resp.json()


def test_fixed_windows_per_channel_with_a_manual_clock() -> None:
    now = [0.0]
    limit = ChannelRateLimit(2, 5.0, clock=lambda: now[0], wall=lambda: 1000.0)
    first = limit.check("POST", "/channels/7/messages")
    assert first == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "1005.000",
        "X-RateLimit-Reset-After": "5.000",
        "X-RateLimit-Bucket": "emulated-channel-messages",
    }
    now[0] = 1.0
    second = limit.check("POST", "/channels/7/messages")
    assert isinstance(second, dict)
    assert second["X-RateLimit-Remaining"] == "0"
    assert second["X-RateLimit-Reset-After"] == "4.000"
    now[0] = 2.0
    refused = limit.check("POST", "/channels/7/messages")
    assert not isinstance(refused, dict)
    assert refused is not None
    assert refused.retry_after == pytest.approx(3.0)
    assert refused.body == {
        "message": "You are being rate limited.",
        "retry_after": 3.0,
        "global": False,
    }
    assert refused.headers["X-RateLimit-Scope"] == "user"
    assert refused.headers["Retry-After"] == "3"
    # another channel, another route: not limited by channel 7's window
    assert isinstance(limit.check("POST", "/channels/8/messages"), dict)
    assert limit.check("GET", "/channels/7/messages") is None
    assert limit.check("POST", "/users/@me/channels") is None
    now[0] = 5.0  # channel 7's window has reset: a new one opens
    again = limit.check("POST", "/channels/7/messages")
    assert isinstance(again, dict)
    assert again["X-RateLimit-Remaining"] == "1"
    assert (limit.accepted, limit.rejected, limit.rejected_by_channel) == (4, 1, {7: 1})
    with pytest.raises(ValueError, match="at least 1"):
        ChannelRateLimit(0, 5.0)


async def test_over_the_limit_a_channel_gets_a_429_others_do_not() -> None:
    async with DiscordEmulator() as emu, aiohttp.ClientSession() as session:
        guild = emu.add_guild("Career Club")
        other = emu.add_channel(guild.id, "other")
        assert emu.channel_rate_limit is None
        statuses = [(await _send(session, emu, guild.general_channel_id))[0] for _ in range(8)]
        assert set(statuses) == {200}  # off by default
        emu.channel_rate_limit = (5, 5.0)
        for remaining in (4, 3, 2, 1, 0):
            status, headers, _ = await _send(session, emu, guild.general_channel_id)
            assert status == 200
            assert headers["X-RateLimit-Remaining"] == str(remaining)
            assert headers["X-RateLimit-Limit"] == "5"
        status, headers, body = await _send(session, emu, guild.general_channel_id)
        assert status == 429
        assert body["global"] is False
        assert 0 < body["retry_after"] <= 5
        assert headers["X-RateLimit-Scope"] == "user"
        assert (await _send(session, emu, other.id))[0] == 200
        (refused,) = emu.channel_limited_requests()
        assert refused.path == f"/channels/{guild.general_channel_id}/messages"
        assert emu.channel_limit is not None
        assert emu.channel_limit.rejected_by_channel == {guild.general_channel_id: 1}
        assert len(emu.channel_messages(guild.general_channel_id)) == 8 + 5


async def test_discord_py_waits_on_the_bucket_headers_and_never_gets_the_429() -> None:
    async with DiscordEmulator(channel_rate_limit=(3, 0.5)) as emu:
        guild = emu.add_guild("Career Club")
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
        async with run_bot(emu, bot):
            channel = bot.get_partial_messageable(guild.general_channel_id)
            for n in range(7):
                await channel.send(f"message {n}")
        contents = [m.content for m in emu.channel_messages(guild.general_channel_id)]
        assert contents == [f"message {n}" for n in range(7)]
        assert emu.channel_limited_requests() == []
        assert emu.channel_limit is not None
        assert emu.channel_limit.accepted == 7


async def test_concurrent_sends_are_all_delivered_once() -> None:
    async with DiscordEmulator(channel_rate_limit=(3, 0.5)) as emu:
        guild = emu.add_guild("Career Club")
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
        async with run_bot(emu, bot):
            channel = bot.get_partial_messageable(guild.general_channel_id)
            await asyncio.gather(*(channel.send(f"m{n}") for n in range(7)))
        contents = sorted(m.content for m in emu.channel_messages(guild.general_channel_id))
        assert contents == sorted(f"m{n}" for n in range(7))
