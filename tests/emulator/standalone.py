"""Start ``python -m tests.emulator`` as a child process from a test, and stop it.

::

    async with StandaloneEmulator(shards=2, rate_limit=50) as emu:   # waits for its URL
        bot0 = await asyncio.create_subprocess_exec(*emu.attach_command("bot"), env=...)
        async with emu.control() as ctl:
            guild = await ctl.add_guild("Club", shard=1)
    # SIGTERM on exit; emu.returncode is 0 after a clean stop
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from types import TracebackType

from tests.emulator.control import EmulatorControl

REPO_ROOT = Path(__file__).resolve().parents[2]


class StandaloneEmulator:
    def __init__(
        self,
        *,
        port: int = 0,
        shards: int | None = None,
        rate_limit: int | None = None,
        channel_rate_limit: str | None = None,
        token: str | None = None,
        python: str = sys.executable,
    ) -> None:
        args = ["-m", "tests.emulator", "--port", str(port)]
        if shards is not None:
            args += ["--shards", str(shards)]
        if rate_limit is not None:
            args += ["--rate-limit", str(rate_limit)]
        if channel_rate_limit is not None:
            args += ["--channel-rate-limit", channel_rate_limit]
        if token is not None:
            args += ["--token", token]
        self.python = python
        self.args = args
        self.token = token or "emulator.standalone"
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self, timeout: float = 20.0) -> StandaloneEmulator:  # noqa: ASYNC109
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = await asyncio.create_subprocess_exec(
            self.python,
            *self.args,
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except TimeoutError:
            await self.stop()
            raise TimeoutError(f"the emulator did not print its URL within {timeout:g}s") from None
        self.url = line.decode().strip()
        if not self.url.startswith("http://"):
            await self.stop()
            raise RuntimeError(f"the emulator did not start (first line: {self.url!r})")
        return self

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    async def stop(self, timeout: float = 10.0) -> int | None:  # noqa: ASYNC109
        """SIGTERM, then wait (SIGKILL after ``timeout``); returns the exit status."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
        return process.returncode

    def control(self) -> EmulatorControl:
        return EmulatorControl(self.url)

    def attach_command(self, module: str, *args: str) -> list[str]:
        """The command line of a process running ``python -m module args`` pointed here."""
        return [self.python, "-m", "tests.emulator.attach", self.url, module, *args]

    async def __aenter__(self) -> StandaloneEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
