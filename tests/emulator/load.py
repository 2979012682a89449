"""Opt-in load driving (benchmarks): build interactions without sending them, send many of them in
one burst of gateway frames (each stamped as it goes to the socket), and wait for their answers
without a waiting task per interaction. Nothing here changes the emulator's default behaviour.

::

    load = LoadDriver(emu)
    clicks = [load.click(user, msg, custom_id) for user, msg, custom_id in plan]   # built only
    await load.send(clicks).done          # all frames written back to back
    late = await load.wait_answered(clicks, timeout=10)   # [] when every one was answered
    clicks[0].dispatched_monotonic, clicks[0].callback_arrived_monotonic, clicks[0].response_time
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from tests.emulator.driver import DiscordEmulator, GuildRef, MessageRef, UserRef, _id
from tests.emulator.gateway import FrameBatch
from tests.emulator.interaction import EmulatedInteraction
from tests.emulator.models import EmulatorError


class _Group:
    __slots__ = ("done", "left")

    def __init__(self, left: int, done: asyncio.Future[None]) -> None:
        self.left = left
        self.done = done


class LoadDriver:
    """Many interactions at once against one emulator (see the module docstring)."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        #: Interactions sent through this driver, and how many of them were answered.
        self.sent = 0
        self.answered = 0
        self._groups: dict[int, _Group] = {}

    # -- building (not sent) ---------------------------------------------------------------
    def click(
        self, user: UserRef, message: MessageRef, custom_id: str, *, strict: bool = True
    ) -> EmulatedInteraction:
        """A button click, built and registered but not sent (see :meth:`send`)."""
        msg = self.emu._message(message)
        return self.emu.builder.component(_id(user), msg, custom_id, values=None, strict=strict)

    def slash(
        self,
        user: UserRef,
        guild: GuildRef | None,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        strict: bool = True,
    ) -> EmulatedInteraction:
        """A slash command, built and registered but not sent (see :meth:`send`)."""
        return self.emu.builder.slash(
            _id(user),
            None if guild is None else _id(guild),
            command,
            options or {},
            channel_id=None,
            strict=strict,
        )

    # -- sending -----------------------------------------------------------------------------
    def send(self, interactions: Sequence[EmulatedInteraction]) -> FrameBatch:
        """Queue INTERACTION_CREATEs for all of them as one batch (no await: call it from a
        pacing loop). Each gets ``dispatched_monotonic`` just before its frame is written;
        ``await batch.done`` waits until all were written. With sharded sessions, all of
        them must go to one session (one shard)."""
        items = list(interactions)
        gateway = self.emu.gateway
        targets = {
            s.id: s for ix in items for s in gateway.targets("INTERACTION_CREATE", ix.payload)
        }
        if len(targets) > 1:
            raise EmulatorError("a batch goes to one gateway session: split it by shard")
        session = next(iter(targets.values()), gateway.active)
        if session is None or session.connection is None:
            raise EmulatorError("no bot is connected to the emulator gateway")
        for ix in items:
            ix.on_response = self._on_response
        datas = [json.dumps(ix.payload) for ix in items]

        def stamp(index: int, at: float) -> None:
            items[index].dispatched_monotonic = at

        self.sent += len(items)
        return session.dispatch_batch("INTERACTION_CREATE", datas, stamp)

    def _on_response(self, ix: EmulatedInteraction) -> None:
        self.answered += 1
        group = self._groups.pop(ix.id, None)
        if group is not None:
            group.left -= 1
            if group.left == 0 and not group.done.done():
                group.done.set_result(None)

    async def wait_answered(
        self,
        interactions: Sequence[EmulatedInteraction],
        timeout: float,  # noqa: ASYNC109
    ) -> list[EmulatedInteraction]:
        """Wait until every one has its initial callback, or ``timeout`` seconds; returns those
        still unanswered (empty when all were answered)."""
        waiting = [ix for ix in interactions if not ix.responded]
        if waiting:
            group = _Group(len(waiting), asyncio.get_running_loop().create_future())
            for ix in waiting:
                self._groups[ix.id] = group
            try:
                await asyncio.wait_for(asyncio.shield(group.done), timeout)
            except TimeoutError:
                pass
            finally:
                for ix in waiting:
                    self._groups.pop(ix.id, None)
        return [ix for ix in interactions if not ix.responded]
