"""``python -m tests.emulator``: the emulator as its own process, for several bot processes.

    python -m tests.emulator --port 8765 --shards 2 --rate-limit 50

Prints its base URL (``http://127.0.0.1:8765``) on one line on stdout once it accepts
connections, and stops cleanly (gateway sessions closed with 1001, exit status 0) on SIGTERM or
SIGINT. Bot processes point discord.py at it as the e2e harness does in-process (``Route.BASE``
= ``<url>/api/v10``, ``DEFAULT_GATEWAY`` = ``ws://host:port/``): ``python -m
tests.emulator.attach <url> bot`` runs ``python -m bot`` that way. A test drives it through the
loopback-only ``/_emulator/`` control routes (:class:`tests.emulator.control.EmulatorControl`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from tests.emulator.driver import DiscordEmulator


def _channel_limit(raw: str) -> tuple[int, float]:
    """``"5/5"``: 5 messages per 5 seconds in each channel."""
    count, _, window = raw.partition("/")
    try:
        return int(count), float(window or "5")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MESSAGES/SECONDS, got {raw!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator", description="Run the local Discord emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one; printed)")
    parser.add_argument(
        "--shards",
        type=int,
        default=None,
        help="shard count: GET /gateway/bot recommends it and every session must use it "
        "(unsharded sessions are refused with 4011); unset: any consistent count, or none",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="Discord's global REST limit in requests per second (e.g. 50); unset: none",
    )
    parser.add_argument(
        "--channel-rate-limit",
        type=_channel_limit,
        default=None,
        help="per-channel message limit as MESSAGES/SECONDS (Discord's DMs: 5/5); unset: none",
    )
    parser.add_argument("--token", default=None, help="the bot token (default: a random one)")
    parser.add_argument(
        "--strict-auth", action="store_true", help="refuse any token other than --token"
    )
    parser.add_argument("--bot-name", default="InfoCoach")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.shards is not None and args.shards < 1:
        parser.error("--shards must be at least 1")
    if args.rate_limit is not None and args.rate_limit < 1:
        parser.error("--rate-limit must be at least 1")
    if args.strict_auth and not args.token:
        parser.error("--strict-auth needs --token")
    return args


async def serve(args: argparse.Namespace) -> None:
    emu = DiscordEmulator(
        bot_name=args.bot_name,
        token=args.token,
        strict_auth=args.strict_auth,
        host=args.host,
        port=args.port,
        global_rate_limit=args.rate_limit,
        channel_rate_limit=args.channel_rate_limit,
        shard_count=args.shards,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await emu.start()
    try:
        print(emu.base_url, flush=True)
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
