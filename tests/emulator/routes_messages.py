"""REST routes for channel messages (create/list/get/edit/delete, reactions)."""

from __future__ import annotations

from datetime import timedelta

from tests.emulator.ids import utcnow
from tests.emulator.messages import EmulatedMessage
from tests.emulator.models import CHANNEL_DM, EmulatedChannel
from tests.emulator.rest import Call, Reply, Router
from tests.emulator.state import EmulatorState
from tests.emulator.validation import ApiError, form_error

REPLY = 19


def register_message_routes(router: Router, state: EmulatorState) -> None:
    def channel_of(call: Call) -> EmulatedChannel:
        channel = state.channels.get(call.int_param("channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def message_of(call: Call, channel: EmulatedChannel) -> EmulatedMessage:
        msg = state.messages.get(call.int_param("message_id"))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def create(call: Call) -> Reply:
        channel = channel_of(call)
        if channel.type == CHANNEL_DM and not state.can_dm(channel.recipient_id):
            raise ApiError(403, 50007, "Cannot send messages to this user")
        body = call.body
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None:
            horizon = utcnow() - timedelta(minutes=5)
            for msg in state.messages_in(channel.id):
                if (
                    msg.nonce == nonce
                    and msg.author_id == state.bot_user.id
                    and msg.created_at > horizon
                ):
                    return Reply(200, state.message_payload(msg))
        ref = body.get("message_reference")
        if ref and ref.get("fail_if_not_exists", True):
            target = state.messages.get(int(ref.get("message_id", 0)))
            if target is None or target.deleted:
                raise form_error(
                    "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
        msg = state.create_message(
            channel.id,
            state.bot_user.id,
            body,
            call.uploads,
            type=REPLY if ref else 0,
        )
        return Reply(200, state.message_payload(msg))

    async def list_messages(call: Call) -> Reply:
        channel = channel_of(call)
        limit = max(1, min(100, int(call.query.get("limit", 50))))
        msgs = state.messages_in(channel.id, include_ephemeral=False)
        if "before" in call.query:
            msgs = [m for m in msgs if m.id < int(call.query["before"])]
            msgs = msgs[-limit:]
        elif "after" in call.query:
            msgs = [m for m in msgs if m.id > int(call.query["after"])][:limit]
        elif "around" in call.query:
            around = int(call.query["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + limit % 2) :]
            newer = [m for m in msgs if m.id > around][: limit // 2]
            msgs = older + newer
        else:
            msgs = msgs[-limit:]
        return Reply(200, [state.message_payload(m) for m in reversed(msgs)])

    async def get_message(call: Call) -> Reply:
        return Reply(200, state.message_payload(message_of(call, channel_of(call))))

    async def edit(call: Call) -> Reply:
        msg = message_of(call, channel_of(call))
        if msg.author_id != state.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        state.edit_message(msg, call.body, call.uploads)
        return Reply(200, state.message_payload(msg))

    async def delete(call: Call) -> Reply:
        state.delete_message(message_of(call, channel_of(call)))
        return Reply(204)

    async def reaction(call: Call) -> Reply:
        message_of(call, channel_of(call))
        return Reply(204)

    msgs = "/channels/{channel_id}/messages"
    router.add("POST", msgs, create)
    router.add("GET", msgs, list_messages)
    router.add("GET", msgs + "/{message_id}", get_message)
    router.add("PATCH", msgs + "/{message_id}", edit)
    router.add("DELETE", msgs + "/{message_id}", delete)
    router.add("PUT", msgs + "/{message_id}/reactions/{emoji}/@me", reaction)
    router.add("DELETE", msgs + "/{message_id}/reactions/{emoji}/@me", reaction)
