"""A minimal discord.py client for checking a standalone emulator from other processes.

    python -m tests.emulator.attach URL tests.emulator.echo_client [SHARD_ID SHARD_COUNT]

registers the global command ``/where``, answers every interaction with ``"shard <id>"``
(``"shard None"`` unsharded), and prints one JSON line per milestone on stdout:
``{"ready": [guild ids], "shard": [id, count]}`` at ``on_ready``, ``{"closed": code}`` when the
gateway refused it (exit status 3). SIGTERM closes it cleanly (exit status 0). The token is
``$DISCORD_TOKEN`` (the emulator accepts any unless started with ``--strict-auth``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

import discord

WHERE = {"name": "where", "description": "Which shard answers", "type": 1}
REFUSED = 3


def emit(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)


async def run(shard_id: int | None, shard_count: int | None, token: str) -> int:
    client = discord.Client(
        intents=discord.Intents.default(), shard_id=shard_id, shard_count=shard_count
    )
    client._connection.guild_ready_timeout = 0.05  # on_ready without the 2 s wait
    label = f"shard {shard_id}"

    async def setup_hook() -> None:
        assert client.application_id is not None
        await client.http.bulk_upsert_global_commands(client.application_id, [WHERE])

    async def on_ready() -> None:
        emit({"ready": sorted(g.id for g in client.guilds), "shard": [shard_id, shard_count]})

    async def on_interaction(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(label)

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    client.event(on_ready)
    client.event(on_interaction)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    loop.add_signal_handler(
        signal.SIGTERM, lambda: closing.append(loop.create_task(client.close()))
    )
    try:
        await client.start(token)
    except discord.ConnectionClosed as exc:
        emit({"closed": exc.code})
        return REFUSED
    finally:
        if not client.is_closed():
            await client.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    shard_id, shard_count = (int(args[0]), int(args[1])) if len(args) >= 2 else (None, None)
    token = os.environ.get("DISCORD_TOKEN") or "emulator.standalone"
    return asyncio.run(run(shard_id, shard_count, token))


if __name__ == "__main__":
    sys.exit(main())
