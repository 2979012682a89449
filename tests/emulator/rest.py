"""REST plumbing: request parsing, routing, fault injection, recording, JSON responses."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.emulator.payloads import error_body
from tests.emulator.rate_limit import ChannelLimited, ChannelRateLimit, GlobalRateLimit
from tests.emulator.state import EmulatorState, RecordedRequest, Upload
from tests.emulator.validation import ApiError

log = logging.getLogger("tests.emulator.rest")
API_PREFIX = "/api/v10"


@dataclass(eq=False)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Call:
    """A parsed REST request handed to route handlers."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    uploads: dict[int, Upload] = field(default_factory=dict)

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(404, 0, f"404: Not Found ({name} is not a snowflake)") from None

    @property
    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(eq=False)
class FaultRule:
    """Makes the next ``times`` requests matching method + path regex fail."""

    method: str
    path_regex: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    remaining: int
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.method in ("*", method)
            and self.path_regex.search(path) is not None
        )


def default_fault_body(status: int) -> Any:
    if status == 429:
        return {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
    if status == 403:
        return error_body(50013, "Missing Permissions")
    if status == 404:
        return error_body(0, "404: Not Found")
    if status >= 500:
        return error_body(0, f"{status}: Internal Server Error")
    return error_body(0, f"emulator: injected {status}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Content-Type exactly ``application/json`` (discord.py compares it verbatim)."""
    hdrs = dict(headers or {})
    if status == 204:
        return web.Response(status=204, headers=hdrs)
    if isinstance(body, str):
        hdrs.setdefault("Content-Type", "text/plain")
        return web.Response(status=status, body=body.encode(), headers=hdrs)
    hdrs["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


class Router:
    def __init__(self, state: EmulatorState, *, token_ok: Callable[[str], bool]) -> None:
        self.state = state
        self._token_ok = token_ok
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self.faults: list[FaultRule] = []
        self.unknown_routes: list[str] = []
        #: Discord's global limit, when enabled (``DiscordEmulator(global_rate_limit=...)``).
        self.global_limit: GlobalRateLimit | None = None
        #: Discord's per-channel message limit, when enabled (``channel_rate_limit=...``).
        self.channel_limit: ChannelRateLimit | None = None

    def add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        """``pattern`` like ``/channels/{channel_id}/messages`` (placeholders match one segment)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self.routes.append((method, re.compile(f"^{regex}$"), handler, auth))

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: Any = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> FaultRule:
        hdrs = dict(headers or {})
        if status == 429:
            hdrs.setdefault("Via", "1.1 google")
            hdrs.setdefault("X-RateLimit-Scope", "user")
        rule = FaultRule(
            method=method.upper(),
            path_regex=re.compile(path_regex),
            status=status,
            body=default_fault_body(status) if body is None else body,
            headers=hdrs,
            remaining=times,
        )
        if status == 429 and isinstance(rule.body, dict) and "retry_after" in rule.body:
            hdrs.setdefault("Retry-After", str(max(1, round(float(rule.body["retry_after"])))))
            hdrs.setdefault("X-RateLimit-Global", str(bool(rule.body.get("global"))).lower())
        self.faults.append(rule)
        return rule

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        method = request.method.upper()
        path = request.path[len(API_PREFIX) :] or "/"
        call = Call(
            method=method,
            path=path,
            params={},
            query=dict(request.query),
            headers=dict(request.headers),
        )
        record = RecordedRequest(method=method, path=path, query=call.query)
        self.state.requests.append(record)
        try:
            await _parse_body(request, call)
            record.json = call.json
            record.files = [u.filename for u in call.uploads.values()]
            reply = await self._respond(call, record)
        except ApiError as exc:
            reply = Reply(exc.status, error_body(exc.code, exc.message, exc.errors))
        except Exception as exc:  # a bug in the emulator: make it loud
            log.exception("emulator: handler crashed for %s %s", method, path)
            reply = Reply(500, error_body(0, f"emulator: handler crashed: {exc!r}"))
        record.status = reply.status
        record.duration = time.monotonic() - started
        self.state.notify()
        return json_response(reply.status, reply.body, reply.headers)

    async def _respond(self, call: Call, record: RecordedRequest) -> Reply:
        """The global rate limit first (when enabled), then the per-channel one (when enabled),
        then injected faults, then the route."""
        limited = self.global_limit.check(call.path) if self.global_limit else None
        if limited is not None:
            record.rate_limited = True
            return Reply(429, limited.body, limited.headers)
        bucket = self.channel_limit.check(call.method, call.path) if self.channel_limit else None
        if isinstance(bucket, ChannelLimited):
            record.rate_limited = True
            record.channel_limited = True
            return Reply(429, bucket.body, bucket.headers)
        rule = next((r for r in self.faults if r.matches(call.method, call.path)), None)
        if rule is not None:
            rule.remaining -= 1
            rule.hits += 1
            record.injected = True
            return Reply(rule.status, rule.body, dict(rule.headers))
        reply = await self._route(call)
        if bucket is not None:
            reply.headers = {**bucket, **reply.headers}
        return reply

    async def _route(self, call: Call) -> Reply:
        path_matched = False
        for method, regex, handler, auth in self.routes:
            match = regex.match(call.path)
            if match is None:
                continue
            path_matched = True
            if method != call.method:
                continue
            if auth and not self._authorised(call):
                raise ApiError(401, 0, "401: Unauthorized")
            call.params = match.groupdict()
            return await handler(call)
        desc = f"{call.method} {call.path}"
        self.unknown_routes.append(desc)
        if path_matched:
            log.warning("emulator: method not allowed %s", desc)
            return Reply(405, error_body(0, f"emulator: method not allowed {desc}"))
        log.warning("emulator: unknown route %s", desc)
        return Reply(404, error_body(0, f"emulator: unknown route {desc}"))

    def _authorised(self, call: Call) -> bool:
        auth = call.headers.get("Authorization", "")
        return auth.startswith("Bot ") and self._token_ok(auth[4:])


async def _parse_body(request: web.Request, call: Call) -> None:
    ctype = request.content_type
    if ctype == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            name = part.name or ""  # type: ignore[union-attr]
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                call.json = json.loads(data.decode())
            elif m := re.fullmatch(r"files\[(\d+)\]", name):
                filename = part.filename or f"file{m.group(1)}"  # type: ignore[union-attr]
                part_ctype = part.headers.get("Content-Type")  # type: ignore[union-attr]
                call.uploads[int(m.group(1))] = Upload(filename, bytes(data), part_ctype)
    elif request.can_read_body:
        raw = await request.read()
        if raw:
            try:
                call.json = json.loads(raw.decode())
            except ValueError:
                raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
