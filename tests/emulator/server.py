"""The aiohttp application: gateway at ``/``, REST at ``/api/v10``, attachment bytes."""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.emulator.gateway import Gateway
from tests.emulator.rest import API_PREFIX, Router, json_response
from tests.emulator.routes_core import register_core_routes
from tests.emulator.routes_interactions import register_interaction_routes
from tests.emulator.routes_messages import register_message_routes
from tests.emulator.state import EmulatorState

log = logging.getLogger("tests.emulator.server")


def build_router(
    state: EmulatorState,
    *,
    token_ok: Callable[[str], bool],
    interaction_timeout: Callable[[], float | None],
) -> Router:
    router = Router(state, token_ok=token_ok)
    register_core_routes(router, state)
    register_message_routes(router, state)
    register_interaction_routes(router, state, interaction_timeout=interaction_timeout)
    return router


CONTROL_PREFIX = "/_emulator/"
ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(
    state: EmulatorState,
    router: Router,
    gateway: Gateway,
    *,
    control: ControlHandler | None = None,
) -> web.Application:
    async def entry(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await gateway.handle(request)
        if path.startswith(API_PREFIX + "/"):
            return await router.handle(request)
        if control is not None and path.startswith(CONTROL_PREFIX):
            return await control(request)
        if path.startswith("/attachments/"):
            parts = path.split("/")
            att = state.attachment(int(parts[3])) if len(parts) > 3 and parts[3].isdigit() else None
            if att is None:
                return web.Response(status=404, text="emulator: unknown attachment")
            ctype = att.content_type or "application/octet-stream"
            return web.Response(body=att.data, headers={"Content-Type": ctype})
        log.warning("emulator: request outside the API: %s %s", request.method, path)
        desc = f"{request.method} {path}"
        return json_response(404, {"code": 0, "message": f"emulator: unknown route {desc}"})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", entry)
    return app


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready TCP socket bound to ``host:port`` (port 0 = a random free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock
