"""Discord's documented message/modal/choice limits, enforced as 400 Invalid Form Body."""

from __future__ import annotations

from typing import Any

from tests.emulator.messages import BUTTON, IS_COMPONENTS_V2, SELECT_TYPES, TEXT_INPUT


class ApiError(Exception):
    """An error response: HTTP status + Discord JSON error code/message (+ form errors)."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors


def form_error(path: str, code: str, message: str) -> ApiError:
    """A 400 Invalid Form Body with a single error at ``path`` (dotted)."""
    form = _Form()
    form.add(path, code, message)
    return ApiError(400, 50035, "Invalid Form Body", form.errors)


class _Form:
    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: str, code: str, message: str) -> None:
        node = self.errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_len(self, path: str, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, 50035, "Invalid Form Body", self.errors)


def _embed_size(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def _check_embeds(form: _Form, embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > 10:
        form.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        form.max_len(f"{p}.title", embed.get("title"), 256)
        form.max_len(f"{p}.description", embed.get("description"), 4096)
        form.max_len(f"{p}.footer.text", (embed.get("footer") or {}).get("text"), 2048)
        form.max_len(f"{p}.author.name", (embed.get("author") or {}).get("name"), 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            form.add(f"{p}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                val = fld.get(key)
                if not isinstance(val, str) or not val:
                    form.add(
                        f"{p}.fields.{j}.{key}", "BASE_TYPE_REQUIRED", "This field is required"
                    )
                form.max_len(f"{p}.fields.{j}.{key}", val, limit)
        total += _embed_size(embed)
    if total > 6000:
        form.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def _check_interactive(form: _Form, path: str, comp: dict[str, Any], seen: set[str]) -> None:
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if custom_id is not None:
        form.max_len(f"{path}.custom_id", custom_id, 100)
        if custom_id in seen:
            form.add(f"{path}.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicate custom_id")
        seen.add(custom_id)
    if ctype == BUTTON:
        form.max_len(f"{path}.label", comp.get("label"), 80)
        style = comp.get("style")
        if style == 5 and not comp.get("url"):
            form.add(f"{path}.url", "BASE_TYPE_REQUIRED", "Link buttons need a url")
        if style not in (5, 6) and not custom_id:
            form.add(f"{path}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
        if not comp.get("label") and not comp.get("emoji"):
            form.add(f"{path}.label", "BUTTON_COMPONENT_INVALID", "A label or emoji is required")
    elif ctype in SELECT_TYPES:
        form.max_len(f"{path}.placeholder", comp.get("placeholder"), 150)
        options = comp.get("options") or []
        if ctype == 3 and not 1 <= len(options) <= 25:
            form.add(
                f"{path}.options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
            )
        for k, opt in enumerate(options):
            form.max_len(f"{path}.options.{k}.label", opt.get("label"), 100)
            form.max_len(f"{path}.options.{k}.value", opt.get("value"), 100)
            form.max_len(f"{path}.options.{k}.description", opt.get("description"), 100)
    elif ctype == TEXT_INPUT:
        form.max_len(f"{path}.label", comp.get("label"), 45)
        form.max_len(f"{path}.placeholder", comp.get("placeholder"), 100)
        form.max_len(f"{path}.value", comp.get("value"), 4000)


def _check_components(form: _Form, components: list[dict[str, Any]], v2: bool) -> None:
    seen: set[str] = set()
    if v2:
        _walk_v2(form, "components", components, seen)
        return
    if len(components) > 5:
        form.add("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, row in enumerate(components):
        path = f"components.{i}"
        if row.get("type") != 1:
            form.add(f"{path}.type", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Top level must be rows")
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= 5:
            form.add(f"{path}.components", "BASE_TYPE_BAD_LENGTH", "Must be 1-5 in length.")
        if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
            form.add(f"{path}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Select needs a row")
        for j, comp in enumerate(children):
            _check_interactive(form, f"{path}.components.{j}", comp, seen)


def _walk_v2(form: _Form, path: str, comps: list[dict[str, Any]], seen: set[str]) -> None:
    for i, comp in enumerate(comps):
        p = f"{path}.{i}"
        _check_interactive(form, p, comp, seen)
        if comp.get("components"):
            _walk_v2(form, f"{p}.components", comp["components"], seen)
        if isinstance(comp.get("accessory"), dict):
            _check_interactive(form, f"{p}.accessory", comp["accessory"], seen)


def validate_message(msg: dict[str, Any], *, has_files: bool = False) -> None:
    """Validate a (merged) message body: content/embeds/components and emptiness."""
    form = _Form()
    content = msg.get("content") or ""
    flags = int(msg.get("flags") or 0)
    v2 = bool(flags & IS_COMPONENTS_V2)
    form.max_len("content", content, 2000)
    embeds = msg.get("embeds") or []
    _check_embeds(form, embeds)
    components = msg.get("components") or []
    _check_components(form, components, v2)
    if v2 and (content or embeds):
        form.add("content", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "V2 conflict")
    form.raise_if_any()
    empty = not (
        content or embeds or components or has_files or msg.get("sticker_ids") or msg.get("poll")
    )
    if empty:
        raise ApiError(400, 50006, "Cannot send an empty message")


def validate_modal(data: dict[str, Any]) -> None:
    form = _Form()
    form.max_len("data.title", data.get("title"), 45)
    form.max_len("data.custom_id", data.get("custom_id"), 100)
    if not data.get("title"):
        form.add("data.title", "BASE_TYPE_REQUIRED", "This field is required")
    if not data.get("custom_id"):
        form.add("data.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
    comps = data.get("components") or []
    if not 1 <= len(comps) <= 5:
        form.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    _walk_v2(form, "data.components", comps, set())
    form.raise_if_any()


def validate_choices(data: dict[str, Any]) -> None:
    form = _Form()
    choices = data.get("choices") or []
    if len(choices) > 25:
        form.add("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            form.add(f"data.choices.{i}.name", "BASE_TYPE_BAD_LENGTH", "Must be 1-100 in length.")
        value = choice.get("value")
        if isinstance(value, str):
            form.max_len(f"data.choices.{i}.value", value, 100)
    form.raise_if_any()
