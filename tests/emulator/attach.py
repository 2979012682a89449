"""Point discord.py at an emulator running in another process, then run a module.

    python -m tests.emulator.attach http://127.0.0.1:8765 bot [ARGS...]

is ``python -m bot [ARGS...]`` with discord.py's ``Route.BASE`` set to ``<url>/api/v10`` and
``DiscordWebSocket.DEFAULT_GATEWAY`` to ``ws://host:port/``: the same two settings
``DiscordEmulator.install()`` makes in-process for the e2e harness. A bot process connects to a
standalone emulator (``python -m tests.emulator``) this way without a change to the bot. The
module sees its own name as ``sys.argv[0]`` and the rest of the arguments after it; the process
exits with the module's exit status.
"""

from __future__ import annotations

import runpy
import sys

import discord.gateway
import discord.http
import yarl


def point_discord_at(url: str) -> None:
    """Make this process's discord.py talk to the emulator at ``url`` (``http://host:port``)."""
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"expected the emulator's http:// URL, got {url!r}")
    discord.http.Route.BASE = f"{base}/api/v10"
    gateway = "ws" + base.removeprefix("http") + "/"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m tests.emulator.attach URL MODULE [ARGS...]", file=sys.stderr)
        return 2
    url, module, *rest = args
    point_discord_at(url)
    sys.argv = [module, *rest]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
