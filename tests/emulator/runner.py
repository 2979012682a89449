"""Start/stop a discord.py client against a running emulator (for fixtures)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

import discord

from tests.emulator.driver import DiscordEmulator
from tests.emulator.models import EmulatorError

ClientT = TypeVar("ClientT", bound=discord.Client)
FAST_GUILD_READY_TIMEOUT = 0.05


class RunningBot(Generic[ClientT]):
    """Runs ``client.start(emu.token)`` as a task and waits for ``on_ready``.

    ``fast_ready`` lowers ``client._connection.guild_ready_timeout`` (default 2 s: discord.py
    waits that long after the last GUILD_CREATE before firing on_ready) to 0.05 s.
    """

    def __init__(self, emu: DiscordEmulator, client: ClientT, *, fast_ready: bool = True) -> None:
        self.emu = emu
        self.client = client
        self.task: asyncio.Task[None] | None = None
        if fast_ready:
            state = client._connection
            state.guild_ready_timeout = min(state.guild_ready_timeout, FAST_GUILD_READY_TIMEOUT)

    async def start(self, timeout: float = 10.0) -> ClientT:  # noqa: ASYNC109
        emu = self.emu
        if emu.port == 0:
            raise EmulatorError("start the emulator first")
        emu.install()
        before = emu.identify_count
        self.task = asyncio.create_task(self.client.start(emu.token), name="emulated-bot")

        async def ready() -> None:
            await emu.state.wait_for(
                lambda: emu.identify_count > before and emu.gateway.connected.is_set(),
                timeout,
                "the bot to IDENTIFY",
            )
            await self.client.wait_until_ready()

        waiter = asyncio.create_task(ready())
        done, _ = await asyncio.wait(
            {self.task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter in done:
            waiter.result()
            return self.client
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await waiter
        if self.task in done:
            self.task.result()  # re-raises the startup failure
            raise EmulatorError("client.start() returned before the bot became ready")
        await self.stop()
        raise TimeoutError(f"bot did not become ready within {timeout:g}s")

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        if self.task is None:
            return
        sharded = isinstance(self.client, discord.AutoShardedClient) or (
            self.client.shard_id is not None
        )
        ids = _session_ids(self.client) if sharded else set()
        await self.client.close()
        task, self.task = self.task, None
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout)
        if not ids:
            await self.emu.wait_until_disconnected(timeout)
            return
        sessions = self.emu.gateway.sessions

        def gone() -> bool:  # its own sessions only: other clients (shards) may stay connected
            return all(sessions.get(i) is None or sessions[i].connection is None for i in ids)

        await self.emu.state.wait_for(gone, timeout, "the bot to disconnect")


def _session_ids(client: discord.Client) -> set[str]:
    """The gateway session ids a client holds (one per shard of an AutoShardedClient)."""
    if isinstance(client, discord.AutoShardedClient):
        shards = client.shards.values()
        wss = [info._parent.ws for info in shards]
    else:
        wss = [client.ws] if client.ws is not None else []
    return {ws.session_id for ws in wss if getattr(ws, "session_id", None)}


@contextlib.asynccontextmanager
async def run_bot(
    emu: DiscordEmulator,
    client: ClientT,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
    fast_ready: bool = True,
) -> AsyncIterator[ClientT]:
    """``async with run_bot(emu, bot) as bot:`` — started, ready, and closed afterwards."""
    runner = RunningBot(emu, client, fast_ready=fast_ready)
    await runner.start(timeout)
    try:
        yield client
    finally:
        await runner.stop(timeout)
