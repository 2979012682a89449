"""The opt-in global rate limit: a sliding one-second window, 429 ``global: true`` beyond it,
interaction endpoints exempt, discord.py retrying transparently; off by default."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.emulator import DiscordEmulator, GlobalRateLimit, run_bot


async def _get(session: aiohttp.ClientSession, emu: DiscordEmulator, path: str) -> Any:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with session.get(emu.api_url + path, headers=headers) as resp:
        return resp.status, dict(resp.headers), await resp.json()


async def _post(session: aiohttp.ClientSession, emu: DiscordEmulator, path: str) -> int:
    async with session.post(emu.api_url + path, json={"type": 1}) as resp:
        return resp.status


def test_sliding_window_with_a_manual_clock() -> None:
    now = [0.0]
    limit = GlobalRateLimit(3, clock=lambda: now[0])
    for at in (0.0, 0.1, 0.2):
        now[0] = at
        assert limit.check("/users/@me") is None
    now[0] = 0.5
    refused = limit.check("/channels/1/messages")
    assert refused is not None
    assert refused.retry_after == pytest.approx(0.5)
    assert refused.body == {
        "message": "You are being rate limited.",
        "retry_after": refused.retry_after,
        "global": True,
    }
    assert limit.check("/interactions/12/tok/callback") is None  # exempt, not counted
    assert limit.check("/webhooks/34/tok/messages/@original") is None
    now[0] = 1.0  # the request made at 0.0 has left the window
    assert limit.check("/users/@me") is None
    assert limit.check("/users/@me") is not None
    assert (limit.accepted, limit.rejected, limit.peak) == (4, 2, 3)
    with pytest.raises(ValueError, match="at least 1"):
        GlobalRateLimit(0)


async def test_off_by_default() -> None:
    async with DiscordEmulator() as emu, aiohttp.ClientSession() as session:
        assert emu.global_rate_limit is None
        assert emu.rate_limit is None
        statuses = await asyncio.gather(*(_get(session, emu, "/users/@me") for _ in range(80)))
        assert {s for s, _, _ in statuses} == {200}
        assert emu.rate_limited_requests() == []


async def test_over_the_limit_gets_a_global_429_and_interactions_are_exempt() -> None:
    async with DiscordEmulator(global_rate_limit=5) as emu, aiohttp.ClientSession() as session:
        assert emu.global_rate_limit == 5
        for _ in range(5):
            assert (await _get(session, emu, "/users/@me"))[0] == 200
        status, headers, body = await _get(session, emu, "/users/@me")
        assert status == 429
        assert body["global"] is True
        assert 0 < body["retry_after"] <= 1
        assert headers["Via"]
        assert headers["Retry-After"] == "1"
        assert headers["X-RateLimit-Global"] == "true"
        assert headers["X-RateLimit-Scope"] == "global"
        # Interaction endpoints are not bound by the global limit: routed normally (an unknown
        # interaction here), not refused.
        assert await _post(session, emu, "/interactions/1/nope/callback") == 404
        assert await _post(session, emu, f"/webhooks/{emu.application_id}/nope") in (401, 404)
        (refused,) = emu.rate_limited_requests()
        assert (refused.path, refused.status, refused.injected) == ("/users/@me", 429, False)
        await asyncio.sleep(body["retry_after"])
        assert (await _get(session, emu, "/users/@me"))[0] == 200
        assert emu.rate_limit is not None
        assert (emu.rate_limit.accepted, emu.rate_limit.rejected, emu.rate_limit.peak) == (6, 1, 5)
        emu.global_rate_limit = None
        statuses = await asyncio.gather(*(_get(session, emu, "/users/@me") for _ in range(20)))
        assert {s for s, _, _ in statuses} == {200}


async def test_discord_py_waits_out_global_429s_and_delivers_everything() -> None:
    async with DiscordEmulator() as emu:
        guild = emu.add_guild("Career Club")
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
        async with run_bot(emu, bot):
            emu.global_rate_limit = 5  # turned on after login: a fresh window
            channel = bot.get_partial_messageable(guild.general_channel_id)
            sent = await asyncio.gather(*(channel.send(f"message {n}") for n in range(8)))
        contents = [m.content for m in emu.channel_messages(guild.general_channel_id)]
        assert sorted(contents) == sorted(m.content for m in sent)
        assert len(contents) == 8
        assert emu.rate_limit is not None
        assert emu.rate_limit.rejected >= 1
        assert emu.rate_limit.peak == 5
        assert all(r.status == 429 for r in emu.rate_limited_requests())
