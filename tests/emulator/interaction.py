"""The test-facing record of one dispatched interaction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.emulator.ids import utcnow
from tests.emulator.messages import EmulatedMessage
from tests.emulator.models import EmulatorError

RESPONSE_NAMES = {
    1: "PONG",
    4: "CHANNEL_MESSAGE_WITH_SOURCE",
    5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    6: "DEFERRED_UPDATE_MESSAGE",
    7: "UPDATE_MESSAGE",
    8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    9: "MODAL",
    12: "LAUNCH_ACTIVITY",
}

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5


@dataclass(eq=False)
class EmulatedResponse:
    """The initial callback the bot posted: ``type`` (int) and raw ``data`` dict."""

    type: int
    data: dict[str, Any]
    at: datetime = field(default_factory=utcnow)

    @property
    def type_name(self) -> str:
        return RESPONSE_NAMES.get(self.type, str(self.type))


class EmulatedInteraction:
    """One INTERACTION_CREATE sent to the bot, and everything the bot did in reply."""

    def __init__(
        self,
        *,
        id: int,
        token: str,
        type: int,
        payload: dict[str, Any],
        user_id: int,
        guild_id: int | None,
        channel_id: int,
        description: str,
        source_message: EmulatedMessage | None = None,
    ) -> None:
        self.id = id
        self.token = token
        self.type = type
        self.payload = payload
        self.user_id = user_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.description = description
        #: The message whose component was used (component interactions / modal from component).
        self.source_message = source_message
        self.dispatched_monotonic: float | None = None
        #: Seconds from dispatch to the initial callback (None until answered).
        self.response_time: float | None = None
        #: ``time.monotonic()`` when the callback request reached its route (its body read,
        #: before the emulator validated and applied it), and when it was recorded.
        self.callback_arrived_monotonic: float | None = None
        self.responded_monotonic: float | None = None
        #: Opt-in (load tests): called with this interaction once its initial callback is
        #: recorded, so a driver can count answers without a waiting task per interaction.
        self.on_response: Callable[[EmulatedInteraction], None] | None = None
        #: The message that ``@original`` refers to (created, deferred placeholder or clicked).
        self.original: EmulatedMessage | None = None
        self.followups: list[EmulatedMessage] = []
        #: The modal payload (custom_id, title, components) when the bot answered with type 9.
        self.modal: dict[str, Any] | None = None
        #: Autocomplete choices when the bot answered with type 8.
        self.choices: list[dict[str, Any]] | None = None
        self._response: EmulatedResponse | None = None
        self._result: EmulatedMessage | None = None
        self._responded = asyncio.Event()
        self._result_ready = asyncio.Event()

    # -- test-facing -------------------------------------------------------------------------
    @property
    def responded(self) -> bool:
        return self._response is not None

    @property
    def response_type(self) -> int | None:
        return None if self._response is None else self._response.type

    async def response(self, timeout: float = 5.0) -> EmulatedResponse:  # noqa: ASYNC109
        """Wait for the bot's initial callback; TimeoutError with details if it never came."""
        try:
            await asyncio.wait_for(self._responded.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"bot did not answer interaction {self.id} ({self.description}) within "
                f"{timeout:g}s (Discord requires an initial response within 3s)"
            ) from None
        assert self._response is not None
        return self._response

    async def message(self, timeout: float = 5.0) -> EmulatedMessage:  # noqa: ASYNC109
        """The resulting message.

        Type 4: the created message. Type 7: the clicked message after the update. Type 5/6:
        waits until ``@original`` is edited or a followup is sent and returns that message.
        """
        start = time.monotonic()
        resp = await self.response(timeout)
        if resp.type in (8, 9):
            raise EmulatorError(
                f"interaction {self.id} ({self.description}) was answered with "
                f"{resp.type_name}; there is no message (use .modal / .choices)"
            )
        remaining = max(0.0, timeout - (time.monotonic() - start))
        try:
            await asyncio.wait_for(self._result_ready.wait(), remaining)
        except TimeoutError:
            raise TimeoutError(
                f"interaction {self.id} ({self.description}) was answered with {resp.type_name} "
                f"but within {timeout:g}s the bot neither edited @original nor sent a followup"
            ) from None
        assert self._result is not None
        return self._result

    # -- emulator-internal hooks ---------------------------------------------------------------
    def _set_response(
        self, type: int, data: dict[str, Any], message: EmulatedMessage | None
    ) -> None:
        self._response = EmulatedResponse(type=type, data=data)
        self.responded_monotonic = time.monotonic()
        if self.dispatched_monotonic is not None:
            self.response_time = self.responded_monotonic - self.dispatched_monotonic
        if type == 9:
            self.modal = data
        elif type == 8:
            self.choices = list(data.get("choices") or [])
        if message is not None:
            self.original = message
        if type in (4, 7) and message is not None:
            self._set_result(message)
        self._responded.set()
        if self.on_response is not None:
            self.on_response(self)

    def _set_result(self, message: EmulatedMessage) -> None:
        if not self._result_ready.is_set():
            self._result = message
            self._result_ready.set()

    def _original_edited(self, message: EmulatedMessage) -> None:
        self._set_result(message)

    def _followup_sent(self, message: EmulatedMessage) -> None:
        if message not in self.followups:
            self.followups.append(message)
        self._set_result(message)

    def __repr__(self) -> str:
        return (
            f"<EmulatedInteraction id={self.id} {self.description!r} "
            f"response={None if self._response is None else self._response.type_name}>"
        )
