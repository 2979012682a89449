"""REST routes for interaction callbacks and the interaction webhook (followups, @original)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.emulator.interaction import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    EmulatedInteraction,
)
from tests.emulator.messages import EPHEMERAL, LOADING, EmulatedMessage
from tests.emulator.rest import Call, Reply, Router
from tests.emulator.state import EmulatorState
from tests.emulator.validation import ApiError, form_error, validate_choices, validate_modal

CHAT_INPUT_COMMAND_MESSAGE = 20
ALLOWED_RESPONSES: dict[int, tuple[int, ...]] = {
    APPLICATION_COMMAND: (4, 5, 9),
    MESSAGE_COMPONENT: (4, 5, 6, 7, 9),
    AUTOCOMPLETE: (8,),
    MODAL_SUBMIT: (4, 5, 6, 7),
}


def register_interaction_routes(
    router: Router, state: EmulatorState, *, interaction_timeout: Callable[[], float | None]
) -> None:
    def message_attrs(ix: EmulatedInteraction, *, followup_of: int | None = None) -> dict[str, Any]:
        data = ix.payload
        user = data.get("member", {}).get("user") or data.get("user")
        meta: dict[str, Any] = {
            "id": str(ix.id),
            "type": ix.type,
            "user": user,
            "authorizing_integration_owners": data.get("authorizing_integration_owners", {}),
        }
        if ix.type == APPLICATION_COMMAND:
            meta["name"] = ix.description.removeprefix("/")
            meta["command_type"] = 1
        if ix.source_message is not None:
            meta["interacted_message_id"] = str(ix.source_message.id)
        if followup_of is not None:
            meta["original_response_message_id"] = str(followup_of)
        return {
            "webhook_id": state.application_id,
            "interaction_id": ix.id,
            "interaction_metadata": meta,
            "type": CHAT_INPUT_COMMAND_MESSAGE if ix.type == APPLICATION_COMMAND else 0,
        }

    async def callback(call: Call) -> Reply:
        arrived = time.monotonic()
        ix = state.interactions.get(call.int_param("interaction_id"))
        if ix is None or ix.token != call.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if ix.responded:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        limit = interaction_timeout()
        started = ix.dispatched_monotonic
        if limit is not None and started is not None and time.monotonic() - started > limit:
            raise ApiError(404, 10062, "Unknown interaction")
        body = call.body
        rtype = int(body.get("type", 0))
        data: dict[str, Any] = body.get("data") or {}
        if rtype not in ALLOWED_RESPONSES.get(ix.type, ()):
            msg = f"Response type {rtype} is invalid for interaction type {ix.type}"
            raise form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", msg)
        message: EmulatedMessage | None = None
        if rtype == 4:
            message = state.create_message(
                ix.channel_id,
                state.bot_user.id,
                data,
                call.uploads,
                allow_ephemeral=True,
                **message_attrs(ix),
            )
        elif rtype == 5:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            message = state.create_message(
                ix.channel_id,
                state.bot_user.id,
                {"flags": flags},
                None,
                allow_ephemeral=True,
                extra_flags=LOADING,
                validate=False,
                **message_attrs(ix),
            )
        elif rtype in (6, 7):
            message = ix.source_message
            if message is None:
                raise ApiError(400, 40000, "There is no message to update for this interaction")
            if rtype == 7:
                state.edit_message(message, data, call.uploads)
        elif rtype == 8:
            validate_choices(data)
        elif rtype == 9:
            validate_modal(data)
        ix.callback_arrived_monotonic = arrived
        ix._set_response(rtype, data, message)
        state.notify()
        if call.query.get("with_response") not in ("1", "true", "True"):
            return Reply(204)
        resource: dict[str, Any] = {"type": rtype}
        if message is not None and rtype in (4, 5, 7):
            resource["message"] = state.message_payload(message)
        return Reply(
            200,
            {
                "interaction": {
                    "id": str(ix.id),
                    "type": ix.type,
                    "activity_instance_id": None,
                    "response_message_id": None if message is None else str(message.id),
                    "response_message_loading": rtype == 5,
                    "response_message_ephemeral": bool(message is not None and message.ephemeral),
                },
                "resource": resource,
            },
        )

    def interaction_of(call: Call) -> EmulatedInteraction:
        if call.int_param("app_id") != state.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        ix = state.interactions_by_token.get(call.params["token"])
        if ix is None:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return ix

    def target_of(call: Call, ix: EmulatedInteraction) -> EmulatedMessage:
        raw = call.params["message_id"]
        if raw == "@original":
            msg = ix.original
        else:
            wanted = int(raw) if raw.isdigit() else -1
            candidates = [m for m in (ix.original, *ix.followups) if m is not None]
            msg = next((m for m in candidates if m.id == wanted), None)
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def followup(call: Call) -> Reply:
        ix = interaction_of(call)
        if not ix.responded:
            raise ApiError(404, 10015, "Unknown Webhook")
        original = ix.original
        if ix.response_type == 5 and original is not None and original.loading:
            body = {k: v for k, v in call.body.items() if k != "flags"}
            msg = state.edit_message(original, body, call.uploads)
        else:
            msg = state.create_message(
                ix.channel_id,
                state.bot_user.id,
                call.body,
                call.uploads,
                allow_ephemeral=True,
                **message_attrs(ix, followup_of=None if original is None else original.id),
            )
        ix._followup_sent(msg)
        state.notify()
        if call.query.get("wait") in ("0", "false", "False"):
            return Reply(204)
        return Reply(200, state.message_payload(msg))

    async def get_msg(call: Call) -> Reply:
        ix = interaction_of(call)
        return Reply(200, state.message_payload(target_of(call, ix)))

    async def edit_msg(call: Call) -> Reply:
        ix = interaction_of(call)
        msg = target_of(call, ix)
        state.edit_message(msg, call.body, call.uploads)
        if msg is ix.original:
            ix._original_edited(msg)
        state.notify()
        return Reply(200, state.message_payload(msg))

    async def delete_msg(call: Call) -> Reply:
        ix = interaction_of(call)
        state.delete_message(target_of(call, ix))
        return Reply(204)

    router.add("POST", "/interactions/{interaction_id}/{token}/callback", callback, auth=False)
    hook = "/webhooks/{app_id}/{token}"
    router.add("POST", hook, followup, auth=False)
    router.add("GET", hook + "/messages/{message_id}", get_msg, auth=False)
    router.add("PATCH", hook + "/messages/{message_id}", edit_msg, auth=False)
    router.add("DELETE", hook + "/messages/{message_id}", delete_msg, auth=False)
