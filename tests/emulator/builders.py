"""Build INTERACTION_CREATE payloads the way the Discord client would."""

from __future__ import annotations

from typing import Any

from tests.emulator import payloads
from tests.emulator.ids import new_token, snowflake
from tests.emulator.interaction import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    EmulatedInteraction,
)
from tests.emulator.messages import (
    BUTTON,
    SELECT_TYPES,
    TEXT_INPUT,
    EmulatedAttachment,
    EmulatedMessage,
)
from tests.emulator.models import (
    ADMINISTRATOR,
    DEFAULT_EVERYONE_PERMISSIONS,
    EmulatedChannel,
    EmulatedRole,
    EmulatedUser,
    EmulatorError,
)
from tests.emulator.state import EmulatorState

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
OPTION_TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
DM_APP_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS


def _id_of(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raw = getattr(value, "id", None)
    if isinstance(raw, int):
        return raw
    raise EmulatorError(f"expected an id or an object with .id, got {value!r}")


class InteractionBuilder:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._strict = True

    # -- common ----------------------------------------------------------------------------
    def _base(
        self,
        *,
        itype: int,
        user_id: int,
        channel: EmulatedChannel,
        data: dict[str, Any],
        description: str,
        message: EmulatedMessage | None = None,
    ) -> EmulatedInteraction:
        state = self.state
        user = state.user(user_id)
        ix_id, token = snowflake(), new_token("aW50ZXJhY3Rpb24")
        guild_id = channel.guild_id
        payload: dict[str, Any] = {
            "id": str(ix_id),
            "application_id": str(state.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0 if guild_id else 1,
            "channel_id": str(channel.id),
        }
        channel_data = state.channel_payload(channel)
        if guild_id is not None:
            guild = state.guild(guild_id)
            if user_id not in guild.members:
                raise EmulatorError(f"{user.name!r} is not a member of guild {guild.name!r}")
            perms = guild.member_permissions(user_id)
            channel_data["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=state.member_payload(guild_id, user_id, with_permissions=True),
                app_permissions=str(guild.member_permissions(state.bot_user.id)),
            )
        else:
            payload.update(
                user=payloads.user_payload(user), app_permissions=str(DM_APP_PERMISSIONS)
            )
        payload["channel"] = channel_data
        if message is not None:
            payload["message"] = state.message_payload(message)
        ix = EmulatedInteraction(
            id=ix_id,
            token=token,
            type=itype,
            payload=payload,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel.id,
            description=description,
            source_message=message,
        )
        state.interactions[ix_id] = ix
        state.interactions_by_token[token] = ix
        return ix

    def _channel_for(
        self, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> EmulatedChannel:
        state = self.state
        if channel_id is not None:
            channel = state.channel(channel_id)
            if channel.guild_id != guild_id:
                raise EmulatorError(f"channel {channel_id} is not in guild {guild_id}")
            return channel
        if guild_id is None:
            return state.dm_channel(user_id)
        return state.channel(state.guild(guild_id).general_channel_id)

    # -- application commands --------------------------------------------------------------
    def _find_command(self, guild_id: int | None, name: str) -> tuple[dict[str, Any], int | None]:
        state = self.state
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in state.commands(scope):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd, scope
        known = sorted({c["name"] for s in scopes for c in state.commands(s)})
        raise EmulatorError(
            f"slash command /{name} is not registered for guild={guild_id} or globally "
            f"(registered: {known}); did the bot call tree.sync()?"
        )

    def _check_usable(self, cmd: dict[str, Any], user_id: int, guild_id: int | None) -> None:
        state = self.state
        name = cmd["name"]
        if guild_id is None:
            contexts = cmd.get("contexts")
            if cmd.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
                self._refuse(f"/{name} cannot be used in DMs (guild_only)")
            return
        contexts = cmd.get("contexts")
        if contexts is not None and 0 not in contexts:
            self._refuse(f"/{name} cannot be used in guilds (contexts={contexts})")
        needed = cmd.get("default_member_permissions")
        if needed is None:
            return
        perms = state.guild(guild_id).member_permissions(user_id)
        need = int(needed)
        if perms & ADMINISTRATOR or (need and perms & need == need):
            return
        self._refuse(
            f"/{name} is hidden from {state.user(user_id).name!r}: needs "
            f"default_member_permissions={need}, member has {perms}"
        )

    def slash(
        self,
        user_id: int,
        guild_id: int | None,
        path: str,
        options: dict[str, Any],
        *,
        channel_id: int | None,
        focused: str | None = None,
        strict: bool = True,
    ) -> EmulatedInteraction:
        self._strict = strict
        tokens = path.strip().lstrip("/").split()
        if not tokens:
            raise EmulatorError("empty command path")
        cmd, scope = self._find_command(guild_id, tokens[0])
        self._check_usable(cmd, user_id, guild_id)
        resolved: dict[str, dict[str, Any]] = {}
        leaf_options = self._build_tree(cmd, tokens, options, guild_id, resolved, focused)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": leaf_options,
        }
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = str(scope)
        channel = self._channel_for(user_id, guild_id, channel_id)
        itype = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self._base(
            itype=itype,
            user_id=user_id,
            channel=channel,
            data=data,
            description="/" + " ".join(tokens),
        )

    def _build_tree(
        self,
        cmd: dict[str, Any],
        tokens: list[str],
        values: dict[str, Any],
        guild_id: int | None,
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        schema: list[dict[str, Any]] = cmd.get("options") or []
        chain: list[dict[str, Any]] = []
        walked = [tokens[0]]
        for token in tokens[1:]:
            sub = next(
                (o for o in schema if o["name"] == token and o["type"] in (SUBCOMMAND, GROUP)), None
            )
            if sub is None:
                subs = [o["name"] for o in schema if o["type"] in (SUBCOMMAND, GROUP)]
                raise EmulatorError(f"/{' '.join(walked)} has no subcommand {token!r} (has {subs})")
            chain.append(sub)
            walked.append(token)
            schema = sub.get("options") or []
        subs = [o["name"] for o in schema if o["type"] in (SUBCOMMAND, GROUP)]
        if subs:
            raise EmulatorError(f"/{' '.join(walked)} is a group; pick a subcommand from {subs}")
        leaf = self._leaf_options(
            schema, values, guild_id, resolved, focused, "/" + " ".join(walked)
        )
        for sub in reversed(chain):
            leaf = [{"type": sub["type"], "name": sub["name"], "options": leaf}]
        return leaf

    def _leaf_options(
        self,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        guild_id: int | None,
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
        where: str,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        for name in values:
            if name not in by_name:
                raise EmulatorError(f"{where} has no option {name!r} (options: {list(by_name)})")
        if focused is not None:
            opt = by_name.get(focused)
            if opt is None:
                raise EmulatorError(f"{where} has no option {focused!r} to focus")
            if not opt.get("autocomplete"):
                raise EmulatorError(
                    f"{where} option {focused!r} does not have autocomplete enabled"
                )
        out: list[dict[str, Any]] = []
        for opt in schema:
            name = opt["name"]
            if name == focused:
                raw = values.get(name, "")
                out.append({"type": opt["type"], "name": name, "value": str(raw), "focused": True})
                continue
            if name not in values:
                if opt.get("required") and focused is None:
                    self._refuse(f"{where} requires option {name!r}")
                continue
            value = self._coerce(opt, values[name], guild_id, resolved, where)
            out.append({"type": opt["type"], "name": name, "value": value})
        return out

    def _coerce(
        self,
        opt: dict[str, Any],
        value: Any,
        guild_id: int | None,
        resolved: dict[str, dict[str, Any]],
        where: str,
    ) -> Any:
        otype, name = opt["type"], opt["name"]
        label = f"{where} option {name!r} ({OPTION_TYPE_NAMES.get(otype, otype)})"
        if otype == STRING:
            value = str(value)
            lo, hi = opt.get("min_length"), opt.get("max_length")
            if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
                self._refuse(f"{label}: length {len(value)} outside [{lo}, {hi}]")
        elif otype in (INTEGER, NUMBER):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise EmulatorError(f"{label}: expected a number, got {value!r}")
            try:
                value = int(value) if otype == INTEGER else float(value)
            except ValueError:
                raise EmulatorError(f"{label}: expected a number, got {value!r}") from None
            lo, hi = opt.get("min_value"), opt.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                self._refuse(f"{label}: {value} outside [{lo}, {hi}]")
        elif otype == BOOLEAN:
            if not isinstance(value, bool):
                raise EmulatorError(f"{label}: expected a bool, got {value!r}")
        elif otype in (USER, ROLE, MENTIONABLE, CHANNEL):
            return self._resolve_entity(otype, opt, value, guild_id, resolved, label)
        elif otype == ATTACHMENT:
            return self._resolve_attachment(value, resolved, label)
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            shown = [(c["name"], c["value"]) for c in choices]
            self._refuse(f"{label}: {value!r} is not one of the choices {shown}")
        return value

    def _refuse(self, message: str) -> None:
        """Something Discord's client/API would never deliver: error unless strict=False."""
        if self._strict:
            raise EmulatorError(
                f"{message} (Discord would not deliver this; pass strict=False to send it anyway)"
            )

    def _resolve_entity(
        self,
        otype: int,
        opt: dict[str, Any],
        value: Any,
        guild_id: int | None,
        resolved: dict[str, dict[str, Any]],
        label: str,
    ) -> str:
        state = self.state
        if isinstance(value, EmulatedRole):
            kind = "role"
        elif isinstance(value, EmulatedUser):
            kind = "user"
        elif isinstance(value, EmulatedChannel):
            kind = "channel"
        else:
            ident = _id_of(value)
            if ident in state.users:
                kind = "user"
            elif ident in state.channels:
                kind = "channel"
            elif guild_id is not None and ident in state.guild(guild_id).roles:
                kind = "role"
            else:
                raise EmulatorError(f"{label}: unknown id {ident}")
        allowed = {
            USER: {"user"},
            ROLE: {"role"},
            CHANNEL: {"channel"},
            MENTIONABLE: {"user", "role"},
        }
        if kind not in allowed[otype]:
            raise EmulatorError(f"{label}: a {kind} cannot be used here")
        ident = _id_of(value)
        key = str(ident)
        if kind == "user":
            resolved.setdefault("users", {})[key] = payloads.user_payload(state.user(ident))
            if guild_id is not None and ident in state.guild(guild_id).members:
                member = state.member_payload(guild_id, ident, with_permissions=True)
                member.pop("user", None)
                resolved.setdefault("members", {})[key] = member
        elif kind == "role":
            if guild_id is None or ident not in state.guild(guild_id).roles:
                raise EmulatorError(f"{label}: role {ident} is not in this guild")
            role = state.guild(guild_id).roles[ident]
            resolved.setdefault("roles", {})[key] = payloads.role_payload(role)
        else:
            channel = state.channel(ident)
            types = opt.get("channel_types")
            if types and channel.type not in types:
                raise EmulatorError(f"{label}: channel type {channel.type} not in {types}")
            data = state.channel_payload(channel)
            perms = 0
            if guild_id is not None:
                perms = state.guild(guild_id).member_permissions(state.bot_user.id)
            data["permissions"] = str(perms)
            resolved.setdefault("channels", {})[key] = data
        return key

    def _resolve_attachment(
        self, value: Any, resolved: dict[str, dict[str, Any]], label: str
    ) -> str:
        if isinstance(value, EmulatedAttachment):
            att = value
        elif isinstance(value, tuple) and len(value) == 2:
            filename, data = value
            att = EmulatedAttachment(id=snowflake(), filename=str(filename), data=bytes(data))
        else:
            raise EmulatorError(f"{label}: pass (filename, bytes) or an EmulatedAttachment")
        self.state.loose_attachments[att.id] = att
        resolved.setdefault("attachments", {})[str(att.id)] = payloads.attachment_payload(
            att, self.state.base_url, 0
        )
        return str(att.id)

    # -- components ------------------------------------------------------------------------
    def component(
        self,
        user_id: int,
        message: EmulatedMessage,
        custom_id: str,
        *,
        values: list[Any] | None,
        strict: bool = True,
    ) -> EmulatedInteraction:
        self._strict = strict
        state = self.state
        if message.deleted:
            raise EmulatorError(f"message {message.id} was deleted")
        comp = message.find_component(custom_id)
        if comp is None:
            have = [c.get("custom_id") for c in message.all_components() if c.get("custom_id")]
            raise EmulatorError(f"message {message.id} has no component {custom_id!r} (has {have})")
        ctype = comp.get("type")
        if values is None and ctype != BUTTON:
            raise EmulatorError(f"{custom_id!r} is not a button (type {ctype}); use select()")
        if values is not None and ctype not in SELECT_TYPES:
            raise EmulatorError(f"{custom_id!r} is not a select menu (type {ctype}); use click()")
        if comp.get("disabled"):
            self._refuse(f"component {custom_id!r} on message {message.id} is disabled")
        channel = state.channel(message.channel_id)
        if channel.recipient_id is not None and channel.recipient_id != user_id:
            self._refuse(f"only the DM recipient can use components in channel {channel.id}")
        meta = message.interaction_metadata
        if message.ephemeral and meta and int(meta["user"]["id"]) != user_id:
            self._refuse(f"ephemeral message {message.id} is only visible to its user")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if isinstance(comp.get("id"), int):
            data["id"] = comp["id"]
        if values is not None:
            data["values"] = self._select_values(comp, values, channel.guild_id, data)
        desc = (
            f"{'select' if values is not None else 'click'} {custom_id!r} on message {message.id}"
        )
        return self._base(
            itype=MESSAGE_COMPONENT,
            user_id=user_id,
            channel=channel,
            data=data,
            description=desc,
            message=message,
        )

    def _select_values(
        self, comp: dict[str, Any], values: list[Any], guild_id: int | None, data: dict[str, Any]
    ) -> list[str]:
        custom_id = comp.get("custom_id")
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            self._refuse(f"select {custom_id!r} needs {lo}..{hi} values, got {len(values)}")
        if comp["type"] == 3:
            valid = [o["value"] for o in comp.get("options") or []]
            for v in values:
                if v not in valid:
                    self._refuse(f"select {custom_id!r}: {v!r} is not an option ({valid})")
            return [str(v) for v in values]
        otype = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[comp["type"]]
        resolved: dict[str, dict[str, Any]] = {}
        opt = {"name": custom_id, "type": otype, "channel_types": comp.get("channel_types")}
        ids = [
            self._resolve_entity(otype, opt, v, guild_id, resolved, f"select {custom_id!r}")
            for v in values
        ]
        data["resolved"] = resolved
        return ids

    # -- modals ----------------------------------------------------------------------------
    def modal_submit(
        self,
        user_id: int,
        opener: EmulatedInteraction,
        values: dict[str, Any],
        strict: bool = True,
    ) -> EmulatedInteraction:
        self._strict = strict
        modal = opener.modal
        if modal is None:
            raise EmulatorError(f"{opener!r} was not answered with a modal (type 9)")
        if user_id != opener.user_id:
            self._refuse("only the user who opened a modal can submit it")
        remaining = dict(values)
        components = [self._submit_component(c, remaining) for c in modal.get("components") or []]
        if remaining:
            raise EmulatorError(
                f"modal {modal.get('custom_id')!r} has no inputs {sorted(remaining)}"
            )
        data = {"custom_id": modal["custom_id"], "components": components}
        channel = self.state.channel(opener.channel_id)
        return self._base(
            itype=MODAL_SUBMIT,
            user_id=user_id,
            channel=channel,
            data=data,
            description=f"modal {modal['custom_id']!r}",
            message=opener.source_message,
        )

    def _submit_component(self, comp: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        ctype = comp.get("type")
        out: dict[str, Any] = {"type": ctype}
        if isinstance(comp.get("id"), int):
            out["id"] = comp["id"]
        if ctype == 1:
            out["components"] = [self._submit_leaf(c, values) for c in comp.get("components") or []]
        elif ctype == 18:
            out["component"] = self._submit_leaf(comp["component"], values)
        elif ctype == 10:
            out["content"] = comp.get("content", "")
        return out

    def _submit_leaf(self, comp: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        ctype, custom_id = comp.get("type"), comp.get("custom_id")
        out: dict[str, Any] = {"type": ctype, "custom_id": custom_id}
        if isinstance(comp.get("id"), int):
            out["id"] = comp["id"]
        given = custom_id in values
        value = values.pop(custom_id, None)
        if ctype == TEXT_INPUT:
            text = str(value) if given else str(comp.get("value") or "")
            if comp.get("required", True) and not text:
                self._refuse(f"modal text input {custom_id!r} is required")
            out["value"] = text
        elif ctype in SELECT_TYPES or ctype in (19, 22):
            out["values"] = [str(v) for v in (value or [])] if given else []
        elif ctype == 21:
            out["value"] = None if value is None else str(value)
        elif ctype == 23:
            out["value"] = bool(value)
        else:
            raise EmulatorError(f"modal component type {ctype} ({custom_id!r}) is not supported")
        return out
