"""The gateway websocket: HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, dispatch.

Sharding: a session that identifies with ``shard: [shard_id, shard_count]`` gets the events of
the servers whose shard is ``(guild_id >> 22) % shard_count``, and the events without a server
(DMs, DM interactions) when it is shard 0; a session without ``shard`` gets everything. Several
sharded sessions live side by side (one per shard id); see :meth:`Gateway.shard_refusal` for
what is refused with 4010 (invalid shard) or 4011 (sharding required)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.emulator import payloads
from tests.emulator.state import EmulatorState

try:  # zstd-stream is only offered when discord.py itself can use it.
    import zstandard as _zstd
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None

log = logging.getLogger("tests.emulator.gateway")

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE = 0, 1, 2, 3
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11
HEARTBEAT_INTERVAL_MS = 41_250
HISTORY_LIMIT = 2_000

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12

#: Discord's close codes for a bad ``shard`` in IDENTIFY.
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
#: Events whose server is ``d.id`` rather than ``d.guild_id``.
GUILD_ID_IS_ID = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})

SUPPORTED_COMPRESSION = ("zlib-stream", *(("zstd-stream",) if _zstd is not None else ()))


def _required_intent(event: str, data: dict[str, Any]) -> int:
    if event.startswith("MESSAGE_"):
        return INTENT_GUILD_MESSAGES if "guild_id" in data else INTENT_DIRECT_MESSAGES
    if event.startswith("GUILD_MEMBER_") and event != "GUILD_MEMBERS_CHUNK":
        return INTENT_GUILD_MEMBERS
    if event.startswith(("GUILD_", "CHANNEL_")):
        return INTENT_GUILDS
    return 0


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives a server's events (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def event_guild_id(event: str, data: dict[str, Any]) -> int | None:
    """The server an event belongs to, or None (DMs, DM interactions, user events)."""
    raw = data.get("id") if event in GUILD_ID_IS_ID else data.get("guild_id")
    return None if raw is None else int(raw)


def parse_shard(raw: Any) -> tuple[int, int] | None:
    """``[shard_id, shard_count]`` from IDENTIFY as a tuple; None if malformed."""
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        return None
    shard_id, count = int(raw[0]), int(raw[1])
    if count < 1 or not 0 <= shard_id < count:
        return None
    return shard_id, count


class _Encoder:
    def __init__(self, compress: str | None) -> None:
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd.ZstdCompressor().compressobj() if compress == "zstd-stream" else None

    def encode(self, text: str) -> str | bytes:
        raw = text.encode()
        if self._zlib is not None:
            return self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            assert _zstd is not None
            return self._zstd.compress(raw) + self._zstd.flush(_zstd.COMPRESSOBJ_FLUSH_BLOCK)
        return text


@dataclass(eq=False)
class FrameBatch:
    """Opt-in (load tests): dispatch frames the writer sends back to back, with no await between
    queueing them. ``sent_at[i]`` is ``time.monotonic()`` just before frame ``i`` went to the
    socket; ``done`` resolves once all of them were written."""

    texts: list[str]
    on_sent: Callable[[int, float], None] | None = None
    sent_at: list[float] = field(default_factory=list)
    done: asyncio.Future[None] | None = None


class GatewaySession:
    """A gateway session (IDENTIFY → close 1000); survives reconnects via RESUME."""

    def __init__(self, identify: dict[str, Any], shard: tuple[int, int] | None = None) -> None:
        self.id = secrets.token_hex(16)
        self.identify = identify
        self.intents = int(identify.get("intents", 0) or 0)
        #: ``(shard_id, shard_count)``, or None for an unsharded session (it gets everything).
        self.shard = shard
        self.seq = 0
        self.history: list[tuple[int, str]] = []
        self.connection: GatewayConnection | None = None
        #: True once its READY/GUILD_CREATEs (or its RESUME replay) were written, until its
        #: connection closes.
        self.streaming = False

    @property
    def shard_id(self) -> int | None:
        return None if self.shard is None else self.shard[0]

    def receives(self, guild_id: int | None) -> bool:
        """Whether events of that server (None: no server) go to this session."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return shard_of(guild_id, count) == shard_id

    def dispatch(self, event: str, data: dict[str, Any]) -> int:
        self.seq += 1
        text = json.dumps({"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data})
        self.history.append((self.seq, text))
        del self.history[:-HISTORY_LIMIT]
        if self.connection is not None:
            self.connection.enqueue(text)
        return self.seq

    def dispatch_batch(
        self,
        event: str,
        datas: Sequence[str],
        on_sent: Callable[[int, float], None] | None = None,
    ) -> FrameBatch:
        """Like :meth:`dispatch` for many events whose ``d`` is already JSON text (load tests):
        one queue item, written back to back; ``on_sent(i, monotonic)`` runs as each is sent."""
        texts = []
        for data in datas:
            self.seq += 1
            text = f'{{"op": {OP_DISPATCH}, "t": "{event}", "s": {self.seq}, "d": {data}}}'
            self.history.append((self.seq, text))
            texts.append(text)
        del self.history[:-HISTORY_LIMIT]
        batch = FrameBatch(texts, on_sent, done=asyncio.get_running_loop().create_future())
        if self.connection is not None:
            self.connection.enqueue(batch)
        else:
            batch.done.set_result(None)  # replayed on RESUME, like any missed event
        return batch


class GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.encoder = _Encoder(compress)
        self.session: GatewaySession | None = None
        #: Set when the emulator closed the socket itself (aiohttp reports 1000 then).
        self.server_close_code: int | None = None
        self.queue: asyncio.Queue[str | FrameBatch | asyncio.Future[None]] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write_loop(), name="emulator-gateway-writer")

    def enqueue(self, text: str | FrameBatch) -> None:
        self.queue.put_nowait(text)

    def send_op(self, op: int, d: Any) -> None:
        self.enqueue(json.dumps({"op": op, "d": d, "s": None, "t": None}))

    async def drain(self) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(fut)
        await fut

    async def _write_loop(self) -> None:
        while True:
            item = await self.queue.get()
            if isinstance(item, asyncio.Future):
                if not item.done():
                    item.set_result(None)
                continue
            if isinstance(item, FrameBatch):
                await self._send_batch(item)
                continue
            await self._send(item)

    async def _send(self, text: str) -> None:
        if self.ws.closed:
            return
        encoded = self.encoder.encode(text)
        try:
            if isinstance(encoded, bytes):
                await self.ws.send_bytes(encoded)
            else:
                await self.ws.send_str(encoded)
        except (ConnectionError, RuntimeError) as exc:  # client went away mid-send
            log.debug("gateway send failed: %s", exc)

    async def _send_batch(self, batch: FrameBatch) -> None:
        try:
            for index, text in enumerate(batch.texts):
                now = time.monotonic()
                batch.sent_at.append(now)
                if batch.on_sent is not None:
                    batch.on_sent(index, now)
                await self._send(text)
        finally:
            if batch.done is not None and not batch.done.done():
                batch.done.set_result(None)

    async def close(self) -> None:
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.writer


class Gateway:
    def __init__(
        self,
        state: EmulatorState,
        *,
        url: Callable[[], str],
        token_ok: Callable[[str], bool],
        shard_count: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.state = state
        self._url = url
        self._token_ok = token_ok
        #: The shard count sessions must use (None: any consistent count, or none).
        self._shard_count = shard_count
        #: Resumable sessions: at most one per shard id (one in all when unsharded).
        self.sessions: dict[str, GatewaySession] = {}
        #: The session that identified or resumed last (the only one when unsharded).
        self.active: GatewaySession | None = None
        self.connections: list[GatewayConnection] = []
        self.identify_count = 0
        self.resume_count = 0
        #: IDENTIFYs refused for their ``shard``: ``(shard or None, close code)``, oldest first.
        self.refused: list[tuple[Any, int]] = []
        self.presence_updates: list[dict[str, Any]] = []
        #: Set while at least one session is connected and streaming.
        self.connected = asyncio.Event()

    @property
    def is_connected(self) -> bool:
        return any(s.connection is not None for s in self.sessions.values())

    def session_for_shard(self, shard_id: int) -> GatewaySession | None:
        return next((s for s in self.sessions.values() if s.shard_id == shard_id), None)

    def targets(self, event: str, data: dict[str, Any]) -> list[GatewaySession]:
        """The sessions an event goes to (before intents): its server's shard, shard 0 for an
        event without a server, and every unsharded session."""
        guild_id = event_guild_id(event, data)
        return [s for s in self.sessions.values() if s.receives(guild_id)]

    def emit(self, event: str, data: dict[str, Any]) -> bool:
        """Dispatch to the sessions the event is for, if their intents allow it; True if sent."""
        needed = _required_intent(event, data)
        sent = False
        for session in self.targets(event, data):
            if needed and not session.intents & needed:
                continue
            session.dispatch(event, data)
            sent = True
        return sent

    def emit_guild_create(
        self, guild_id: int, adjust: Callable[[dict[str, Any]], None] | None = None
    ) -> bool:
        """GUILD_CREATE to the sessions of that server's shard, each with the members its
        intents allow; ``adjust`` edits each payload before it is sent."""
        sent = False
        for session in self.sessions.values():
            if not session.receives(guild_id) or not session.intents & INTENT_GUILDS:
                continue
            data = self.guild_create(guild_id, session.intents)
            if adjust is not None:
                adjust(data)
            session.dispatch("GUILD_CREATE", data)
            sent = True
        return sent

    def _refresh_connected(self) -> None:
        if any(s.connection is not None and s.streaming for s in self.sessions.values()):
            self.connected.set()
        else:
            self.connected.clear()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        compress = request.query.get("compress")
        if compress is not None and compress not in SUPPORTED_COMPRESSION:
            return web.Response(status=400, text=f"emulator: unsupported compress={compress}")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, compress)
        self.connections.append(conn)
        conn.send_op(
            OP_HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["emulator"]}
        )
        client_code: int | None = None
        try:
            while True:
                msg = await ws.receive()
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    data = msg.data if isinstance(msg.data, str) else msg.data.decode()
                    await self._on_payload(conn, json.loads(data))
                    continue
                if msg.type == WSMsgType.CLOSE:  # the first close frame carries the real code
                    client_code = int(msg.data)
                break
        finally:
            self._on_closed(conn, conn.server_close_code or client_code or ws.close_code)
            await conn.close()
        return ws

    def _on_closed(self, conn: GatewayConnection, code: int | None) -> None:
        log.debug("gateway connection closed with code %s", code)
        session = conn.session
        if conn in self.connections:
            self.connections.remove(conn)
        if session is None or session.connection is not conn:
            return
        session.connection = None
        session.streaming = False
        # 1000/1001 end the session (AutoShardedClient.close() sends 1000; a plain Client's
        # close() goes out as 4000 because its reader closes first, so its session stays).
        if code in (1000, 1001):
            self.sessions.pop(session.id, None)
            if self.active is session:
                self.active = next(
                    (s for s in self.sessions.values() if s.connection is not None), None
                )
        self._refresh_connected()
        self.state.notify()

    async def _on_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            conn.send_op(OP_HEARTBEAT_ACK, None)
        elif op == OP_IDENTIFY:
            await self._identify(conn, d or {})
        elif op == OP_RESUME:
            await self._resume(conn, d or {})
        elif op == OP_REQUEST_MEMBERS:
            self._request_members(conn, d or {})
        elif op == OP_PRESENCE:
            self.presence_updates.append(d or {})
        else:
            log.debug("gateway: ignoring op %s", op)

    def shard_refusal(self, d: dict[str, Any]) -> tuple[int, str] | None:
        """Why an IDENTIFY's ``shard`` is refused (close code, reason), or None.

        4010 (invalid shard): a malformed ``shard``, an id outside ``0..count-1``, a count
        other than the emulator's configured one or than the live sessions' (an unsharded
        live session counts as 1), or a shard id a live (connected) session already holds.
        4011 (sharding required): no ``shard`` while the emulator is configured with more
        than one shard, or while live sessions shard the bot. A session whose connection
        dropped is not live: a new IDENTIFY for its shard replaces it."""
        configured = self._shard_count()
        live = [s for s in self.sessions.values() if s.connection is not None]
        if d.get("shard") is None:
            if (configured or 1) > 1 or any(s.shard is not None and s.shard[1] > 1 for s in live):
                return CLOSE_SHARDING_REQUIRED, "Sharding required."
            return None
        shard = parse_shard(d.get("shard"))
        if shard is None:
            return CLOSE_INVALID_SHARD, "Invalid shard."
        shard_id, count = shard
        if configured is not None and count != configured:
            return CLOSE_INVALID_SHARD, "Invalid shard."
        for session in live:
            other = session.shard or (0, 1)
            if other[1] != count or other[0] == shard_id:
                return CLOSE_INVALID_SHARD, "Invalid shard."
        return None

    def _replaced_by(self, shard: tuple[int, int] | None) -> list[GatewaySession]:
        """The resumable sessions a new IDENTIFY supersedes: all of them when unsharded (as
        before sharding: the previous session ends), else the same shard id's and any left
        over with another count or none."""
        if shard is None:
            return list(self.sessions.values())
        return [
            s
            for s in self.sessions.values()
            if s.shard is None or s.shard[1] != shard[1] or s.shard[0] == shard[0]
        ]

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if not self._token_ok(str(d.get("token", ""))):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        refusal = self.shard_refusal(d)
        if refusal is not None:
            code, reason = refusal
            self.refused.append((d.get("shard"), code))
            conn.server_close_code = code
            self.state.notify()
            await conn.ws.close(code=code, message=reason.encode())
            return
        shard = parse_shard(d["shard"]) if d.get("shard") is not None else None
        self.identify_count += 1
        for old in self._replaced_by(shard):
            self.sessions.pop(old.id, None)
        session = GatewaySession(d, shard)
        self.sessions[session.id] = session
        self.active = session
        session.connection = conn
        conn.session = session
        state = self.state
        guild_ids = [g for g in state.guilds if session.receives(g)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": payloads.client_user_payload(state.bot_user),
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self._url(),
            "application": {"id": str(state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["emulator"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        session.dispatch("READY", ready)
        for guild_id in guild_ids:
            session.dispatch("GUILD_CREATE", self.guild_create(guild_id, session.intents))
        await conn.drain()
        if session.connection is conn:
            session.streaming = True
        self._refresh_connected()
        state.notify()

    def guild_create(self, guild_id: int, intents: int) -> dict[str, Any]:
        state = self.state
        guild = state.guild(guild_id)
        ids = list(guild.members)
        if not intents & INTENT_GUILD_MEMBERS:
            ids = [uid for uid in ids if uid == state.bot_user.id]
        members = [state.member_payload(guild.id, uid) for uid in ids]
        return payloads.guild_create_payload(guild, members)

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or not self._token_ok(str(d.get("token", ""))):
            conn.send_op(OP_INVALID_SESSION, False)
            return
        self.resume_count += 1
        last_seq = int(d.get("seq") or 0)
        session.connection = conn
        conn.session = session
        self.active = session
        for seq, text in session.history:
            if seq > last_seq:
                conn.enqueue(text)
        session.dispatch("RESUMED", {"_trace": ["emulator"]})
        await conn.drain()
        if session.connection is conn:
            session.streaming = True
        self._refresh_connected()
        self.state.notify()

    def _request_members(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        state = self.state
        guild_id = int(d["guild_id"])
        guild = state.guilds.get(guild_id)
        members = []
        if guild is not None:
            wanted = {int(u) for u in d.get("user_ids") or []}
            query = (d.get("query") or "").lower()
            for uid in guild.members:
                name = state.user(uid).name.lower()
                if (wanted and uid in wanted) or (not wanted and name.startswith(query)):
                    members.append(state.member_payload(guild_id, uid))
            limit = int(d.get("limit") or 0)
            if limit:
                members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def drop(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close a connection from the server side (the client will try to RESUME): the
        active session's, or the session's holding ``shard_id``."""
        session = self.active if shard_id is None else self.session_for_shard(shard_id)
        if session is None or session.connection is None:
            return
        session.streaming = False
        self._refresh_connected()
        session.connection.server_close_code = code
        await session.connection.ws.close(code=code, message=b"emulator drop")

    async def close_all(self) -> None:
        for conn in list(self.connections):
            conn.server_close_code = 1001
            await conn.ws.close(code=1001, message=b"emulator stopping")
