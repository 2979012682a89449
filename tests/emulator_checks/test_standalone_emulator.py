"""``python -m tests.emulator`` as its own process: it prints its URL, serves discord.py clients
in this process and in others (one process per shard, pointed at it with
``tests.emulator.attach``), is driven through its ``/_emulator/`` control routes, refuses a
duplicate shard, lets a killed shard's replacement in, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest

from tests.emulator.attach import point_discord_at
from tests.emulator.control import ControlError, EmulatorControl, _loopback
from tests.emulator.echo_client import REFUSED, WHERE
from tests.emulator.gateway import CLOSE_INVALID_SHARD
from tests.emulator.rate_limit import GlobalRateLimit
from tests.emulator.standalone import REPO_ROOT, StandaloneEmulator

TIMEOUT = 20.0


async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s before each IDENTIFY after a process's first; no need here."""


@contextlib.contextmanager
def pointed_at(url: str) -> Iterator[None]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def wait_status(ctl: EmulatorControl, predicate: Any, what: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        status = await ctl.status()
        if predicate(status):
            return status
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}: {status}")
        await asyncio.sleep(0.05)


async def test_it_prints_its_url_serves_a_client_and_stops_on_sigterm() -> None:
    emulator = StandaloneEmulator(shards=2, rate_limit=50)
    await emulator.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emulator.url)
        async with emulator.control() as ctl:
            status = await ctl.status()
            assert (status["shard_count"], status["sessions"]) == (2, [])
            g0 = await ctl.add_guild("Zero", shard=0)
            g1 = await ctl.add_guild("One", shard=1)
            assert (g0["shard"], g1["shard"]) == (0, 1)
            alice = await ctl.add_user("alice")
            await ctl.add_member(g1["id"], alice["id"])
            with pytest.raises(ControlError) as bad:
                await ctl.add_member(g1["id"], 12345)
            assert bad.value.status == 400

            intents = discord.Intents.default()
            client = discord.AutoShardedClient(intents=intents)
            client._connection.guild_ready_timeout = 0.05
            client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
            answered: list[int | None] = []

            async def on_interaction(interaction: discord.Interaction) -> None:
                answered.append(interaction.guild_id)
                await interaction.response.send_message(f"seen {interaction.guild_id}")

            client.event(on_interaction)
            with pointed_at(emulator.url):
                task = asyncio.create_task(client.start(emulator.token))
                try:
                    await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
                    assert client.shard_count == 2  # from GET /gateway/bot
                    assert {g.id for g in client.guilds} == {g0["id"], g1["id"]}
                    status = await ctl.status()
                    shards = sorted(s["shard"] for s in status["sessions"] if s["connected"])
                    assert shards == [[0, 2], [1, 2]]
                    assert client.application_id is not None
                    await client.http.bulk_upsert_global_commands(client.application_id, [WHERE])
                    assert [c["name"] for c in await ctl.commands()] == ["where"]

                    ix = await ctl.slash(alice["id"], g1["id"], "where")
                    done = await ctl.interaction(ix["id"], wait=TIMEOUT, message=True)
                    assert done["response_type"] == 4
                    assert done["message"]["content"] == f"seen {g1['id']}"

                    view = discord.ui.View(timeout=None)
                    view.add_item(discord.ui.Button(label="Go", custom_id="go"))
                    await (await client.fetch_user(alice["id"])).send("pick", view=view)
                    [dm] = await ctl.dms(alice["id"], count=1, wait=TIMEOUT)
                    assert dm["text"] == "pick"
                    assert [b["custom_id"] for b in dm["buttons"]] == ["go"]
                    assert await ctl.open_dm(alice["id"]) == dm["channel_id"]  # the same one
                    click = await ctl.click(alice["id"], dm["id"], "go")
                    done = await ctl.interaction(click["id"], wait=TIMEOUT, message=True)
                    assert done["message"]["content"] == "seen None"
                    assert answered == [g1["id"], None]

                    log = await ctl.requests()
                    paths = [(r["method"], r["path"]) for r in log["requests"]]
                    assert ("GET", "/gateway/bot") in paths
                    assert log["total"] == len(paths)
                    limit = (await ctl.status())["rate_limit"]
                    counted = [path for _, path in paths if not GlobalRateLimit.exempt(path)]
                    assert limit["accepted"] == len(counted) > 0
                    assert limit["rejected"] == 0
                finally:
                    await client.close()
                    await task
            await wait_status(ctl, lambda s: s["sessions"] == [], "the client's sessions to end")
    finally:
        returncode = await emulator.stop()
    assert returncode == 0
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http, http.get(emulator.url + "/_emulator/status"):
            pass


class ShardProcess:
    """``python -m tests.emulator.attach URL tests.emulator.echo_client ID COUNT``."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, emulator: StandaloneEmulator, *shard: int) -> ShardProcess:
        command = emulator.attach_command("tests.emulator.echo_client", *map(str, shard))
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DISCORD_TOKEN": emulator.token}
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO_ROOT, env=env, stdout=asyncio.subprocess.PIPE
        )
        return cls(process)

    async def line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
        assert raw, f"the shard process ended (status {self.process.returncode})"
        data: dict[str, Any] = json.loads(raw)
        return data

    async def wait(self) -> int:
        return await asyncio.wait_for(self.process.wait(), TIMEOUT)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), TIMEOUT)


@contextlib.asynccontextmanager
async def shard_processes() -> AsyncIterator[list[ShardProcess]]:
    started: list[ShardProcess] = []
    try:
        yield started
    finally:
        for proc in started:
            await proc.stop(signal.SIGKILL)


async def answer(ctl: EmulatorControl, user_id: int, guild_id: int | None) -> str:
    ix = await ctl.slash(user_id, guild_id, "where")
    done = await ctl.interaction(ix["id"], wait=TIMEOUT, message=True)
    content: str = done["message"]["content"]
    return content


async def test_bot_processes_share_it_by_shard() -> None:
    async with StandaloneEmulator(shards=2) as emulator, emulator.control() as ctl:
        g0 = await ctl.add_guild("Zero", shard=0)
        g1 = await ctl.add_guild("One", shard=1)
        alice = await ctl.add_user("alice")
        for guild in (g0, g1):
            await ctl.add_member(guild["id"], alice["id"])
        async with shard_processes() as procs:
            for shard_id in (0, 1):
                procs.append(await ShardProcess.start(emulator, shard_id, 2))
            ready = [await proc.line() for proc in procs]
            assert ready == [
                {"ready": [g0["id"]], "shard": [0, 2]},
                {"ready": [g1["id"]], "shard": [1, 2]},
            ]
            assert await answer(ctl, alice["id"], g1["id"]) == "shard 1"
            assert await answer(ctl, alice["id"], g0["id"]) == "shard 0"
            assert await answer(ctl, alice["id"], None) == "shard 0"  # a DM: shard 0

            duplicate = await ShardProcess.start(emulator, 0, 2)
            procs.append(duplicate)
            assert await duplicate.line() == {"closed": CLOSE_INVALID_SHARD}
            assert await duplicate.wait() == REFUSED
            assert (await ctl.status())["refused"] == [[[0, 2], CLOSE_INVALID_SHARD]]

            # A shard process dies without closing: its replacement identifies for the shard.
            assert await procs[1].stop(signal.SIGKILL) == -signal.SIGKILL
            await wait_status(
                ctl,
                lambda s: [x["shard"] for x in s["sessions"] if x["connected"]] == [[0, 2]],
                "shard 1's connection to drop",
            )
            replacement = await ShardProcess.start(emulator, 1, 2)
            procs.append(replacement)
            assert await replacement.line() == {"ready": [g1["id"]], "shard": [1, 2]}
            assert await answer(ctl, alice["id"], g1["id"]) == "shard 1"
            status = await ctl.status()
            assert sorted(s["shard"] for s in status["sessions"]) == [[0, 2], [1, 2]]
            for proc in (procs[0], replacement):
                assert await proc.stop() == 0  # SIGTERM: the client closes, exit status 0
        # A plain discord.py Client's close() goes out as 4000 (its reader closes first): the
        # sessions stay resumable, as on Discord, but none is connected any more.
        await wait_status(
            ctl,
            lambda s: not any(x["connected"] for x in s["sessions"]),
            "every connection to close",
        )
    assert emulator.returncode == 0


def test_control_routes_answer_loopback_only() -> None:
    assert _loopback("127.0.0.1")
    assert _loopback("::1")
    assert not _loopback("10.1.2.3")
    assert not _loopback(None)
