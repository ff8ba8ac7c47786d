"""The node: charger websockets in, events to the manager, tasks from the manager out.

One coroutine per charger connection reads frames and lets the sans-I/O framer
validate them. Each valid call becomes an event on the manager link; the answer is
written by a callback when the manager's reply (or the deadline) comes, while the
coroutine goes on reading, so a charger's answer to a task (``Node.Send``, matched
to its pending future by id) never waits behind the reply to the charger's own
call. An OCPP charger sends its next call only once the previous one is answered;
one that does not is answered in order all the same.

Memory per idle charger is kept small (issue 4: at most 20 KiB): one handler task
per connection and nothing else (keepalive pings are sent by ONE node-wide task,
not a task per connection), one framer per OCPP version shared by all connections,
the handshake's request and response (their headers are ~3.5 KiB) dropped once
the charger id is read, and no frame, event or reply kept between calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
import urllib.parse
import uuid
from http import HTTPStatus
from typing import Any, Final, NoReturn

import grpc
import orjson
from csms.v1 import common_pb2, events_pb2, node_pb2, node_pb2_grpc
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Data, Subprotocol

from services.common import OcppVersion, to_proto_version
from services.common._framing import (
    SUBPROTOCOLS,
    SUPPORTED_SUBPROTOCOLS,
    Framer,
    FrameRejected,
    InboundCall,
    InboundError,
    InboundResult,
    call_frame,
    error_frame,
    result_frame,
)
from services.common._mesh import MeshAuthInterceptor
from services.common._status import NODE_DOMAIN, SendFailure, abort
from services.common._tasks import cancel_and_wait
from services.journal import JournalWriter, Outcome
from services.node._config import NodeSettings
from services.node._credentials import (
    WWW_AUTHENTICATE,
    BadCredentials,
    RedactCredentials,
    client_address,
    client_certificate_cn,
    parse_basic_auth,
    tls_server_context,
)
from services.node._journaling import (
    CANCELLED,
    CONNECTION_CLOSED,
    SUPERSEDED,
    TIMEOUT,
    NodeJournal,
)
from services.node._manager_link import (
    LinkSettings,
    ManagerLink,
    ManagerUnavailable,
    manager_channel,
)
from services.registry import Registry, RegistryError

log = logging.getLogger(__name__)
#: The websocket servers' own log, with credential headers blanked (their debug output
#: lists the handshake's headers, Authorization included).
_ws_log = logging.getLogger("services.node.websockets")
_ws_log.addFilter(RedactCredentials())

MAX_CHARGER_ID_LENGTH = 48
CLOSE_SUPERSEDED = 4000  # application close code: a newer connection took over
# Answered 200 (503 while shutting down) on the websocket port to a plain GET: Envoy's
# health check of the `nodes` cluster. Never a charger path (those are /ocpp/<id>).
HEALTH_PATH = "/health"
CHARGER_PATH_PREFIX = "/ocpp/"  # a charger's URL path is this plus its id (one segment)


class TaskAborted(Exception):
    """The charger's socket closed after a task's call was written to it and before it
    answered: unlike a call never sent, the charger may have acted on it."""


class InvalidChargerId(ValueError):
    """The websocket path does not end in a valid charger id."""


def charger_id_from_path(path: str) -> str:
    """The charger id: the whole URL-decoded path after ``/ocpp/``.

    OCPP-J (1.6 section 3.1.1, 2.0.1 part 4 section 3.1.1) builds the connection URL
    from the CSMS's endpoint URL, here ``/ocpp``, plus ``/`` and the percent-encoded
    identity. So ``/ocpp/site1/CP-1`` is not charger ``CP-1`` at some other endpoint:
    it is refused, as is any path outside ``/ocpp/``, rather than letting two URLs name
    one charger. Ids are 1 to 48 printable characters (OCPP's identity limit) without
    ``/`` (the API names chargers in URL paths too).
    """
    route = path.split("?", 1)[0]
    if not route.startswith(CHARGER_PATH_PREFIX):
        raise InvalidChargerId(
            f"chargers connect at {CHARGER_PATH_PREFIX}<charger-id>, e.g. /ocpp/CP-0001; "
            "this is not such a path"
        )
    raw = route[len(CHARGER_PATH_PREFIX) :]
    if "/" in raw.rstrip("/"):
        raise InvalidChargerId(
            "the charger id is the whole path after /ocpp/ and has no '/': connect at "
            "/ocpp/<charger-id>, e.g. /ocpp/CP-0001 (the CSMS URL plus one segment)"
        )
    charger_id = urllib.parse.unquote(raw.rstrip("/"))
    if not charger_id:
        raise InvalidChargerId("the URL path must end in the charger id, e.g. /ocpp/CP-0001")
    if "/" in charger_id:
        raise InvalidChargerId("charger id must not contain '/' (%2F)")
    if len(charger_id) > MAX_CHARGER_ID_LENGTH:
        raise InvalidChargerId(
            f"charger id is {len(charger_id)} characters long; at most "
            f"{MAX_CHARGER_ID_LENGTH} are allowed"
        )
    if not charger_id.isprintable():
        raise InvalidChargerId("charger id contains non-printable characters")
    return charger_id


def pick_subprotocol(headers: Headers) -> str | None:
    """The OCPP subprotocol we will speak, from the client's Sec-WebSocket-Protocol offer."""
    offered = {
        p.strip() for value in headers.get_all("Sec-WebSocket-Protocol") for p in value.split(",")
    }
    for subprotocol in SUPPORTED_SUBPROTOCOLS:
        if subprotocol in offered:
            return subprotocol
    return None


class ChargerConnection:
    """One charger's websocket and the CSMS calls waiting for its answers."""

    __slots__ = ("call", "charger_id", "epoch", "framer", "pending", "version", "ws")

    def __init__(
        self,
        charger_id: str,
        version: OcppVersion,
        epoch: int,
        ws: ServerConnection,
        framer: Framer,
    ) -> None:
        self.charger_id = charger_id
        self.version = version
        self.epoch = epoch
        self.ws = ws
        self.framer = framer
        # message id -> (action, future of the answer) for tasks sent to the charger
        self.pending: dict[str, tuple[str, asyncio.Future[node_pb2.SendResponse]]] = {}
        # the manager's reply to the charger's call, until the answer is written
        self.call: asyncio.Future[events_pb2.Reply] | None = None

    def fail_pending(self, reason: str) -> None:
        """Fail every task still waiting for this charger (the socket closed): each was
        written to the socket, so each is `TaskAborted`, not "not connected"."""
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(TaskAborted(reason))
        self.pending.clear()


class Node:
    """A node process's engine; use as ``async with Node(settings, registry) as node``."""

    def __init__(self, settings: NodeSettings, registry: Registry) -> None:
        self.settings = settings
        self.registry = registry
        self.connections: dict[str, ChargerConnection] = {}
        # One framer per OCPP version, shared: framers keep no per-connection state.
        self._framers = {
            version: Framer(version, settings.max_frame_bytes) for version in SUBPROTOCOLS.values()
        }
        self._channel: grpc.aio.Channel | None = None
        self._link: ManagerLink | None = None
        self._ws_server: Server | None = None
        self._wss_server: Server | None = None  # the TLS port (security profiles 2 and 3)
        self._grpc_server: grpc.aio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self.ws_port = 0
        self.tls_port = 0  # the wss:// port; 0 while there is none
        self.grpc_port = 0
        self.tasks_received = 0  # Node.Send calls for a charger held here
        # Chargers still to claim back after the node's lease was lost (a failed claim
        # stays here and is retried every lease period until it succeeds).
        self._unclaimed: set[str] = set()
        self._closed = False
        # The frame journal (docs/adr/0014): None = frames are not journaled.
        self.journal: NodeJournal | None = None

    @property
    def link(self) -> ManagerLink:
        assert self._link is not None, "node not started"
        return self._link

    @property
    def journal_writer(self) -> JournalWriter | None:
        """The journal's writer (its depth, drops...); None without a journal."""
        return self.journal.writer if self.journal is not None else None

    @property
    def address(self) -> str:
        """host:port where the manager reaches this node's Node service."""
        return f"{self.settings.advertise_host}:{self.grpc_port}"

    async def __aenter__(self) -> Node:
        s = self.settings
        if not s.mesh_secret:
            raise ValueError(
                "NodeSettings.mesh_secret is empty: the node presents it to the manager and "
                "requires it on Node.Send (MESH_SECRET)"
            )
        if s.journal.enabled:
            self.journal = await NodeJournal.open(
                s.journal, node_id=s.node_id, timeout=s.startup_timeout
            )
        elif not s.journal.url:
            log.warning("JOURNAL_URL is not set: frames are not journaled")
        # Node.Send is internal: only callers presenting the mesh secret (the manager).
        self._grpc_server = grpc.aio.server(interceptors=[MeshAuthInterceptor(s.mesh_secret)])
        node_pb2_grpc.add_NodeServicer_to_server(NodeServicer(self), self._grpc_server)
        self.grpc_port = self._grpc_server.add_insecure_port(f"{s.grpc_host}:{s.grpc_port}")
        if self.grpc_port == 0:
            raise OSError(f"cannot listen for Node.Send on {s.grpc_host}:{s.grpc_port}")
        await self._grpc_server.start()
        # A previous process with the same id may have left chargers filed under it.
        await self.registry.deregister_node(s.node_id)
        await self.registry.register_node(s.node_id, self.address)

        self._channel = manager_channel(s.manager_address)  # capped reconnect back-off
        self._link = ManagerLink(
            self._channel,
            node_id=s.node_id,
            address=self.address,
            mesh_secret=s.mesh_secret,  # on the stream and every admission
            settings=LinkSettings(
                outbox_size=s.outbox_size, max_batch=s.max_batch, reply_timeout=s.call_timeout
            ),
        )
        subscribed = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._link.run(), name="manager-link"),
            asyncio.create_task(self._keep_lease(), name="node-lease"),
            asyncio.create_task(self._watch_evictions(subscribed), name="evictions"),
        ]
        if s.ping_interval is not None:
            self._tasks.append(asyncio.create_task(self._keep_alive(), name="keepalive-pings"))
        try:
            async with asyncio.timeout(s.startup_timeout):
                await subscribed.wait()  # no eviction can be missed once chargers arrive
        except TimeoutError:
            await self.aclose()
            raise OSError(
                f"the registry did not confirm the eviction subscription within "
                f"{s.startup_timeout:g} s; is Redis reachable?"
            ) from None
        tls = None
        if s.tls_port is not None:
            if not (s.tls_cert and s.tls_key):
                await self.aclose()
                raise OSError(
                    "NODE_TLS_PORT needs NODE_TLS_CERT and NODE_TLS_KEY (PEM files of the "
                    "server certificate chain and its key)"
                )
            tls = tls_server_context(s.tls_cert, s.tls_key, s.tls_client_ca)
        self._ws_server = await self._serve_websockets(s.port)
        self.ws_port = next(iter(self._ws_server.sockets)).getsockname()[1]
        if tls is not None and s.tls_port is not None:
            self._wss_server = await self._serve_websockets(s.tls_port, tls)
            self.tls_port = next(iter(self._wss_server.sockets)).getsockname()[1]
        return self

    async def _serve_websockets(self, port: int, tls: ssl.SSLContext | None = None) -> Server:
        s = self.settings
        return await serve(
            self._handle,
            s.host,
            port,
            ssl=tls,
            logger=_ws_log,
            subprotocols=[Subprotocol(p) for p in SUPPORTED_SUBPROTOCOLS],
            process_request=self._process_request,
            max_size=s.max_websocket_bytes,
            ping_interval=None,  # the node pings every charger from one task: _keep_alive
            close_timeout=s.close_timeout,
            open_timeout=s.handshake_timeout,
            compression=None,
            server_header=None,
        )

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Graceful shutdown: stop accepting, close chargers with 1001, drain, deregister."""
        if self._closed:
            return
        self._closed = True
        servers = [server for server in (self._ws_server, self._wss_server) if server is not None]
        for server in servers:
            server.close(close_connections=True)  # 1001 going away
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.drain_timeout):
                for server in servers:
                    await server.wait_closed()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:  # cancelled again if it lost that (a Redis call on 3.11)
            await cancel_and_wait(task)
        if self._link is not None:
            self._link.fail_all("the node is shutting down")
        if self._handlers:  # answers waiting for room in a closed socket end at once
            await asyncio.gather(*self._handlers, return_exceptions=True)
        try:
            await self.registry.deregister_node(self.settings.node_id)
        except RegistryError as exc:  # the lease expiry cleans up after us
            log.warning("could not deregister node %s: %s", self.settings.node_id, exc)
        if self._grpc_server is not None:
            await self._grpc_server.stop(grace=1.0)
        if self._channel is not None:
            await self._channel.close()
        # Last: every exchange the shutdown ended (calls failed, tasks aborted) is in it.
        if self.journal is not None:
            await self.journal.aclose()

    # -- handshake -------------------------------------------------------------

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        if request.path == HEALTH_PATH:  # the gateway's active health check (plain HTTP GET)
            if self._closed:
                return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "draining\n")
            return ws.respond(HTTPStatus.OK, "ok\n")
        try:
            charger_id = charger_id_from_path(request.path)
        except InvalidChargerId as exc:
            return ws.respond(HTTPStatus.NOT_FOUND, f"{exc}\n")
        subprotocol = pick_subprotocol(request.headers)
        if subprotocol is None:
            return ws.respond(
                HTTPStatus.BAD_REQUEST,
                "no supported OCPP subprotocol offered; offer one of "
                f"{', '.join(SUPPORTED_SUBPROTOCOLS)} in Sec-WebSocket-Protocol\n",
            )
        remote = ws.remote_address
        # What the charger proves: Basic credentials (never logged), TLS, a verified client
        # certificate's CN. The manager judges them against the charger's security profile.
        try:
            basic = parse_basic_auth(request.headers.get("Authorization"), charger_id)
        except BadCredentials as exc:
            log.info("charger %s refused: %s", charger_id, exc)
            return _unauthorized(ws, str(exc))
        ssl_object = ws.transport.get_extra_info("ssl_object")
        try:
            answer = await self.link.admit(
                events_pb2.AdmitRequest(
                    charger_id=charger_id,
                    node_id=self.settings.node_id,
                    ocpp_version=to_proto_version(SUBPROTOCOLS[subprotocol]),
                    remote_address=client_address(
                        remote,
                        request.headers.get("X-Forwarded-For"),
                        self.settings.trusted_proxies,
                    ),
                    tls=ssl_object is not None,
                    basic_auth=basic is not None,
                    password=basic.password if basic is not None else "",
                    client_certificate_cn=(
                        client_certificate_cn(ssl_object.getpeercert()) if ssl_object else ""
                    ),
                )
            )
        except ManagerUnavailable as exc:
            log.warning("cannot admit %s: manager unavailable (%s)", charger_id, exc)
            return ws.respond(
                HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is unavailable; retry later\n"
            )
        if not answer.admitted:
            log.info("charger %s refused: %s", charger_id, answer.reason)
            if answer.refusal == events_pb2.AdmitResponse.REFUSAL_UNAUTHORIZED:
                return _unauthorized(ws, answer.reason)
            if answer.refusal == events_pb2.AdmitResponse.REFUSAL_RATE_LIMITED:
                response = ws.respond(HTTPStatus.TOO_MANY_REQUESTS, f"{answer.reason}\n")
                response.headers["Retry-After"] = str(max(answer.retry_after_s, 1))
                return response
            return ws.respond(HTTPStatus.FORBIDDEN, f"{answer.reason}\n")
        return None

    # -- one charger -----------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None  # the handshake is done
        charger_id = charger_id_from_path(ws.request.path)
        # The handshake's headers would otherwise stay for the connection's life
        # (websockets needs the request object itself: it marks the handshake as read).
        ws.request.headers.clear()
        ws.response = None
        subprotocol = ws.subprotocol
        assert subprotocol is not None  # negotiated: process_request checked the offer
        version = SUBPROTOCOLS[subprotocol]
        location = await self.registry.claim(charger_id, self.settings.node_id, version)
        conn = ChargerConnection(charger_id, version, location.epoch, ws, self._framers[version])
        previous = self.connections.get(charger_id)
        self.connections[charger_id] = conn
        if previous is not None:
            await self._close_superseded(previous, conn.epoch)
        log.info("charger %s connected (OCPP %s, epoch %d)", charger_id, version, conn.epoch)
        await self._notify(conn, events_pb2.Event.KIND_CONNECTED)
        try:
            await self._serve(conn)
        except ConnectionClosed:
            pass
        finally:
            conn.fail_pending("the charger disconnected before answering")
            if self.connections.get(charger_id) is conn:
                del self.connections[charger_id]
            try:
                await self.registry.release(charger_id, self.settings.node_id, conn.epoch)
            except RegistryError as exc:  # the lease expiry cleans up after us
                log.warning("could not release charger %s in the registry: %s", charger_id, exc)
            await self._notify(conn, events_pb2.Event.KIND_DISCONNECTED)
            log.info("charger %s disconnected (epoch %d)", charger_id, conn.epoch)

    async def _serve(self, conn: ChargerConnection) -> None:
        """Read the charger's frames. A call goes to the manager and its answer is written
        by `_answer` when the reply comes, so the reading goes on meanwhile: the charger's
        answer to a task is never held up behind the manager's reply to its own call."""
        ws = conn.ws
        async for frame in ws:
            try:
                message = conn.framer.parse(frame)
            except FrameRejected as rejected:
                started = time.perf_counter()
                answer = rejected.to_frame() if rejected.reply else None
                if answer is not None:
                    await ws.send(answer, text=True)
                else:
                    log.info("charger %s sent a bad response: %s", conn.charger_id, rejected)
                if self.journal is not None:
                    self.journal.malformed(
                        conn.charger_id, conn.epoch, frame, rejected, answer, started, conn.pending
                    )
                continue
            if isinstance(message, InboundCall):
                started = time.perf_counter() if self.journal is not None else 0.0
                previous = conn.call
                if previous is not None:
                    # A call before we answered the last one (OCPP-J allows one at a time):
                    # answer in order. `_answer` was registered first, so it has run
                    # once this wait is over.
                    await asyncio.wait((previous,))
                if not self._submit(conn, message, frame, started):
                    await self._ask_when_room(conn, message, frame, started)
            else:
                self._resolve_task(conn, message, frame)
            del message  # nothing of the last call stays with an idle connection

    def _event(self, conn: ChargerConnection, message: InboundCall) -> events_pb2.Event:
        return events_pb2.Event(
            id=self.link.next_event_id(),
            kind=_KIND_CALL,
            charger_id=conn.charger_id,
            ocpp_version=_PROTO_VERSIONS[conn.version],
            epoch=conn.epoch,
            received_at_ms=int(time.time() * 1000),
            message_id=message.message_id,
            action=message.action,
            payload=message.payload_json,
        )

    def _submit(
        self, conn: ChargerConnection, message: InboundCall, call: Data, started: float
    ) -> bool:
        """Send the call to the manager, answer it when the reply comes; False when the
        outbox is full (nothing sent). `call` (the frame) and `started` are for the journal."""
        event = self._event(conn, message)
        try:
            future = self.link.ask_nowait(event)
        except asyncio.QueueFull:
            return False
        conn.call = future
        future.add_done_callback(functools.partial(self._answer, conn, event, call, started))
        return True

    async def _ask_when_room(
        self, conn: ChargerConnection, message: InboundCall, call: Data, started: float
    ) -> None:
        """The outbox is full: this charger waits for room (within the call deadline)."""
        event = self._event(conn, message)
        try:
            reply = await self.link.ask(event)
        except (TimeoutError, ManagerUnavailable) as exc:
            answer, error_code = self._unanswered(event, exc), _INTERNAL_ERROR
        else:
            if (frame := _reply_frame(event.message_id, reply)) is None:
                self._drop_superseded(conn, reply.superseded_by)
                if self.journal is not None:
                    self.journal.call(event, call, started, None, SUPERSEDED)
                return
            answer, error_code = frame, _error_code(reply, frame)
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(answer, text=True)
        if self.journal is not None:
            self.journal.call(event, call, started, answer, error_code)

    def _answer(
        self,
        conn: ChargerConnection,
        event: events_pb2.Event,
        call: Data,
        started: float,
        future: asyncio.Future[events_pb2.Reply],
    ) -> None:
        """Write the answer to the charger's call (done callback of the reply's future)."""
        if conn.call is future:
            conn.call = None
        if future.cancelled():
            if self.journal is not None:
                self.journal.call(event, call, started, None, CANCELLED)
            return
        exc = future.exception()
        if exc is None:
            reply = future.result()
            if (frame := _reply_frame(event.message_id, reply)) is None:
                self._drop_superseded(conn, reply.superseded_by)
                if self.journal is not None:
                    self.journal.call(event, call, started, None, SUPERSEDED)
                return
            answer = frame
        else:
            answer = self._unanswered(event, exc)
        if self.journal is not None:
            error_code = _INTERNAL_ERROR if exc is not None else _error_code(reply, answer)
            self.journal.call(event, call, started, answer, error_code)
        if _write_now(conn.ws, answer):
            return
        if conn.ws.protocol.state is State.OPEN:  # its write buffer is full: wait for room
            task = asyncio.get_running_loop().create_task(_send(conn.ws, answer))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)

    def _unanswered(self, event: events_pb2.Event, exc: BaseException) -> bytes:
        """The CallError for a call the manager did not answer in time, or could not be asked."""
        if not isinstance(exc, TimeoutError):
            return error_frame(event.message_id, "InternalError", str(exc))
        timeout = self.settings.call_timeout
        log.warning(
            "no reply from the manager within %.1f s for %s %s from %s",
            timeout,
            event.action,
            event.message_id,
            event.charger_id,
        )
        return error_frame(
            event.message_id,
            "InternalError",
            f"the CSMS did not answer {event.action} within {timeout:g} s; retry later",
        )

    def _resolve_task(
        self, conn: ChargerConnection, message: InboundResult | InboundError, answer: Data
    ) -> None:
        entry = conn.pending.pop(message.message_id, None)
        if entry is None:
            log.info(
                "charger %s answered unknown or expired call %r",
                conn.charger_id,
                message.message_id,
            )
            if self.journal is not None:
                self.journal.unsolicited(conn.charger_id, conn.epoch, message, answer)
            return
        action, future = entry
        if future.done():
            return
        if isinstance(message, InboundError):
            future.set_result(
                node_pb2.SendResponse(
                    message_id=message.message_id,
                    error=common_pb2.CallError(
                        code=message.code,
                        description=message.description,
                        details=orjson.dumps(message.details),
                    ),
                )
            )
            if self.journal is not None:
                self.journal.task_answered(message, action, answer)
            return
        try:
            conn.framer.validate_response(action, message.payload)
        except FrameRejected as rejected:
            future.set_result(
                node_pb2.SendResponse(
                    message_id=message.message_id,
                    error=common_pb2.CallError(
                        code=rejected.code,
                        description=f"the charger's answer to {action} is invalid: "
                        f"{rejected.description}",
                        details=b"{}",
                    ),
                )
            )
            if self.journal is not None:  # a CALLRESULT, journaled with what broke
                self.journal.task_ended(
                    message.message_id, action, answer, Outcome.RESULT, rejected.code
                )
            return
        future.set_result(
            node_pb2.SendResponse(
                message_id=message.message_id, result=orjson.dumps(message.payload)
            )
        )
        if self.journal is not None:
            self.journal.task_answered(message, action, answer)

    async def _notify(self, conn: ChargerConnection, kind: events_pb2.Event.Kind) -> None:
        """Tell the manager a charger connected or disconnected (acked, resent if unanswered)."""
        if self._link is None:
            return
        event = events_pb2.Event(
            id=self._link.next_event_id(),
            kind=kind,
            charger_id=conn.charger_id,
            ocpp_version=to_proto_version(conn.version),
            epoch=conn.epoch,
            received_at_ms=int(time.time() * 1000),
        )
        try:
            async with asyncio.timeout(self.settings.call_timeout):
                future = await self._link.submit(event)
            # Nobody waits for the ack; the link resends the event until it comes.
            future.add_done_callback(_retrieve)
        except TimeoutError:
            log.error(
                "outbox full: could not report %s of charger %s to the manager",
                events_pb2.Event.Kind.Name(kind),
                conn.charger_id,
            )

    def _drop_superseded(self, conn: ChargerConnection, new_epoch: int) -> None:
        """The manager refused a call of this connection: a newer connection (epoch
        `new_epoch`, on another node whose eviction notice we missed) holds the charger.
        Close it without answering; the charger sends the call again where it is now."""
        if self.connections.get(conn.charger_id) is conn:
            del self.connections[conn.charger_id]
        task = asyncio.get_running_loop().create_task(self._close_superseded(conn, new_epoch))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _close_superseded(self, conn: ChargerConnection, new_epoch: int) -> None:
        log.info(
            "closing charger %s connection epoch %d: superseded by epoch %d",
            conn.charger_id,
            conn.epoch,
            new_epoch,
        )
        conn.fail_pending("the connection was superseded by a newer one")
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.close(
                CLOSE_SUPERSEDED, f"superseded by a newer connection (epoch {new_epoch})"
            )

    @staticmethod
    async def _close_for(conn: ChargerConnection, reason: str) -> None:
        """Close a connection the CSMS ended (e.g. the charger was retired), with 1008 and
        `reason` (cut to what a close frame holds)."""
        log.info("closing charger %s connection epoch %d: %s", conn.charger_id, conn.epoch, reason)
        conn.fail_pending(f"the CSMS closed the connection: {reason}")
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.close(CloseCode.POLICY_VIOLATION, _close_reason(reason))

    # -- tasks (Node.Send) -----------------------------------------------------

    async def send_task(
        self,
        charger_id: str,
        action: str,
        payload: dict[str, Any],
        payload_json: bytes,
        epoch: int,
        timeout: float,
    ) -> node_pb2.SendResponse:
        """Send one call to a connected charger and wait for its answer.

        `epoch` must be the connection's: a task is never delivered to another connection.
        Raises LookupError (not here / other epoch), FrameRejected (invalid call),
        ConnectionClosed (the socket was closed: nothing sent), TimeoutError, TaskAborted
        (the call was sent, then the socket closed before the answer).
        """
        self.tasks_received += 1
        conn = self.connections.get(charger_id)
        if conn is None:
            raise LookupError(
                f"charger {charger_id} is not connected to node {self.settings.node_id}"
            )
        if conn.epoch != epoch:
            raise LookupError(
                f"charger {charger_id} is connected to node {self.settings.node_id} with epoch "
                f"{conn.epoch}, not {epoch}"
            )
        conn.framer.validate_request(action, payload)
        message_id = uuid.uuid4().hex
        future: asyncio.Future[node_pb2.SendResponse] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)  # failed by a close while `send` still raises
        conn.pending[message_id] = (action, future)
        frame = call_frame(message_id, action, payload_json)
        journal = self.journal
        if journal is not None:
            journal.task_sent(charger_id, conn.epoch, message_id, action, payload, frame)
        try:
            await conn.ws.send(frame, text=True)
            async with asyncio.timeout(timeout):
                return await future
        except (TimeoutError, TaskAborted, asyncio.CancelledError) as exc:
            if journal is not None:  # sent, never answered
                journal.task_ended(message_id, action, None, Outcome.NO_ANSWER, _why(exc))
            raise
        finally:
            conn.pending.pop(message_id, None)
            if journal is not None:  # ended, or never sent (the socket closed first)
                journal.task_dropped(message_id)

    # -- background duties -----------------------------------------------------

    async def _keep_lease(self) -> None:
        period = self.settings.lease_seconds / 3
        renewals = 0
        while True:
            await asyncio.sleep(period)
            try:
                alive = await self.registry.renew_node(self.settings.node_id)
                if not alive:
                    await self._reclaim()
                elif self._unclaimed:
                    await self._claim_back()
                renewals += 1
                if renewals % 3 == 0:
                    await self._close_stale()
            except RegistryError as exc:
                log.warning("could not renew the node lease (%s); retrying in %.1f s", exc, period)

    async def _close_stale(self) -> None:
        """Close connections another node took over (evictions are at-most-once pub/sub)."""
        if not self.connections:
            return
        owners = await self.registry.lookup_many(list(self.connections))
        for charger_id, conn in list(self.connections.items()):
            owner = owners.get(charger_id)
            if owner is not None and owner.epoch > conn.epoch:
                if self.connections.get(charger_id) is conn:
                    del self.connections[charger_id]
                await self._close_superseded(conn, owner.epoch)

    async def _reclaim(self) -> None:
        """Our lease expired (e.g. a long pause, or Redis lost its keys): register again
        and claim our chargers back."""
        log.warning(
            "node lease had expired; registering again and reclaiming %d chargers",
            len(self.connections),
        )
        await self.registry.register_node(self.settings.node_id, self.address)
        self._unclaimed.update(self.connections)
        await self._claim_back()

    async def _claim_back(self) -> None:
        """Claim the chargers in `_unclaimed` again. One that another node took over while
        our lease was gone is closed as superseded, never claimed back from it; a claim that
        fails stays in `_unclaimed` for the next lease period."""
        self._unclaimed.intersection_update(self.connections)
        if not self._unclaimed:
            return
        owners = await self.registry.lookup_many(list(self._unclaimed))
        for charger_id in list(self._unclaimed):
            conn = self.connections.get(charger_id)
            if conn is None:
                self._unclaimed.discard(charger_id)
                continue
            owner = owners.get(charger_id)
            taken_over = (
                owner is not None
                and owner.node_id != self.settings.node_id
                and owner.epoch > conn.epoch
            )
            if owner is not None and taken_over:
                self._unclaimed.discard(charger_id)
                del self.connections[charger_id]
                await self._close_superseded(conn, owner.epoch)
                continue
            location = await self.registry.claim(charger_id, self.settings.node_id, conn.version)
            self._unclaimed.discard(charger_id)
            conn.epoch = location.epoch
            # The manager may have announced it lost while our lease was gone.
            await self._notify(conn, events_pb2.Event.KIND_CONNECTED)

    async def _keep_alive(self) -> None:
        """Ping every charger each ``ping_interval``; close the ones that do not answer
        within ``ping_timeout`` (1011). One task for all connections, not one each."""
        interval = self.settings.ping_interval
        assert interval is not None
        timeout = self.settings.ping_timeout
        while True:
            await asyncio.sleep(interval)
            waiting: list[tuple[ChargerConnection, asyncio.Future[float]]] = []
            for conn in list(self.connections.values()):
                try:
                    # ping() gives a future (typed Awaitable); ensure_future returns it as is
                    pong = asyncio.ensure_future(await conn.ws.ping())
                except ConnectionClosed:
                    continue
                pong.add_done_callback(_retrieve)  # a pong cut off by a close is no error
                waiting.append((conn, pong))
            if timeout is None:
                continue
            await asyncio.sleep(timeout)
            silent = [conn for conn, pong in waiting if not pong.done()]
            if silent:
                log.info("closing %d chargers that did not answer a ping", len(silent))
                async with asyncio.TaskGroup() as group:
                    for conn in silent:
                        group.create_task(self._close_silent(conn))

    @staticmethod
    async def _close_silent(conn: ChargerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.close(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")

    async def _watch_evictions(self, subscribed: asyncio.Event) -> None:
        while True:
            try:
                async for eviction in self.registry.evictions(
                    self.settings.node_id, ready=subscribed
                ):
                    conn = self.connections.get(eviction.charger_id)
                    if conn is not None and eviction.closes(conn.epoch):
                        del self.connections[eviction.charger_id]
                        if eviction.reason:
                            await self._close_for(conn, eviction.reason)
                        else:
                            await self._close_superseded(conn, eviction.epoch)
            except asyncio.CancelledError:
                raise
            except RegistryError as exc:
                log.warning("eviction watch failed (%s); resubscribing in 1 s", exc)
                await asyncio.sleep(1.0)


def _close_reason(reason: str) -> str:
    """`reason` cut to the 123 UTF-8 bytes a close frame can carry."""
    encoded = reason.encode()
    if len(encoded) <= 123:
        return reason
    return encoded[:120].decode(errors="ignore") + "..."


def _unauthorized(ws: ServerConnection, reason: str) -> Response:
    """401 with the Basic challenge: the charger must (re)authenticate."""
    response = ws.respond(HTTPStatus.UNAUTHORIZED, f"{reason}\n")
    response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def _reply_frame(message_id: str, reply: events_pb2.Reply) -> bytes | None:
    """The CallResult or CallError frame carrying the manager's reply; None when the
    manager refused the call because its connection was superseded."""
    outcome = reply.WhichOneof("outcome")
    if outcome == "error":
        error = reply.error
        return error_frame(message_id, error.code, error.description, error.details or b"{}")
    if outcome == "superseded_by":
        return None
    return result_frame(message_id, reply.result)


def _write_now(ws: ServerConnection, frame: bytes) -> bool:
    """Write `frame` (UTF-8) as a text frame at once, from a callback; False, writing
    nothing, when the connection is not open or its write buffer is above the limit.

    What ``ServerConnection.send`` does for one unfragmented message (websockets 17,
    pinned), minus its async context manager and drain: at 10,000 answers/s that
    machinery was ~9 % of the node's CPU, and a callback cannot await anyway.
    """
    if ws.protocol.state is not State.OPEN or ws.paused or ws.send_in_progress is not None:
        return False
    ws.protocol.send_text(frame)
    ws.send_data()
    return True


async def _send(ws: ServerConnection, frame: bytes) -> None:
    with contextlib.suppress(ConnectionClosed):
        await ws.send(frame, text=True)


_KIND_CALL = events_pb2.Event.KIND_CALL
_INTERNAL_ERROR: Final = "InternalError"  # the node's CallError when the manager did not answer
_CALLERROR_TYPE: Final = ord("4")  # the message type digit of a CallError frame, b"[4,..."


def _why(exc: BaseException) -> str:
    """Why a task sent to a charger got no answer, for the journal."""
    if isinstance(exc, TimeoutError):
        return TIMEOUT
    if isinstance(exc, TaskAborted):
        return CONNECTION_CLOSED
    return CANCELLED


def _error_code(reply: events_pb2.Reply, answer: bytes) -> str:
    """The CallError code of the manager's `reply` (written as `answer`); "" for a result."""
    return reply.error.code if answer[1] == _CALLERROR_TYPE else ""


_PROTO_VERSIONS = {version: to_proto_version(version) for version in SUBPROTOCOLS.values()}


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an unwaited future's outcome as seen (no 'exception never retrieved')."""
    if not future.cancelled():
        future.exception()


_INVALID: Final = SendFailure.TASK_NOT_DELIVERABLE
#: The status code of each reason Node.Send gives (services/common/_status.py).
_SEND_STATUS: Final = {
    SendFailure.CHARGER_NOT_CONNECTED: grpc.StatusCode.NOT_FOUND,
    SendFailure.CHARGER_CONNECTION_LOST: grpc.StatusCode.UNAVAILABLE,
    SendFailure.TASK_NOT_DELIVERABLE: grpc.StatusCode.INVALID_ARGUMENT,
    SendFailure.CHARGER_TIMEOUT: grpc.StatusCode.DEADLINE_EXCEEDED,
    SendFailure.CHARGER_DISCONNECTED: grpc.StatusCode.ABORTED,
}


async def _refuse(
    context: grpc.aio.ServicerContext[Any, Any],
    request: node_pb2.SendRequest,
    reason: SendFailure,
    message: str,
) -> NoReturn:
    """End Node.Send with `reason` as structured detail: the manager acts on the reason,
    never on `message` (which is for people)."""
    await abort(
        context,
        _SEND_STATUS[reason],
        message,
        reason=reason,
        domain=NODE_DOMAIN,
        metadata={"charger_id": request.charger_id, "action": request.action},
    )


class NodeServicer(node_pb2_grpc.NodeServicer):
    """Node.Send: one task to one charger held by this node."""

    def __init__(self, node: Node) -> None:
        self._node = node

    async def Send(
        self, request: node_pb2.SendRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> node_pb2.SendResponse:
        node = self._node
        if not request.charger_id:
            await _refuse(context, request, _INVALID, "charger_id is required")
        if not request.action:
            await _refuse(context, request, _INVALID, "action is required")
        if not request.epoch:
            # No wildcard: a task names the connection the registry gave it, so a task
            # meant for a superseded connection is never delivered to the newer one.
            await _refuse(
                context,
                request,
                _INVALID,
                "epoch is required: pass the connection epoch the registry gives for "
                f"charger {request.charger_id} (0 is not accepted)",
            )
        try:
            payload = orjson.loads(request.payload or b"{}")
        except orjson.JSONDecodeError as exc:
            await _refuse(context, request, _INVALID, f"payload is not valid JSON: {exc}")
        if not isinstance(payload, dict):
            await _refuse(context, request, _INVALID, "payload must be a JSON object")
        timeout = request.timeout_ms / 1000 if request.timeout_ms else node.settings.task_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            timeout = min(timeout, max(remaining - 0.05, 0.01))
        try:
            return await node.send_task(
                request.charger_id,
                request.action,
                payload,
                request.payload or b"{}",
                request.epoch,
                timeout,
            )
        except LookupError as exc:
            await _refuse(context, request, SendFailure.CHARGER_NOT_CONNECTED, str(exc))
        except FrameRejected as exc:
            await _refuse(
                context,
                request,
                _INVALID,
                f"{request.action} is not a valid OCPP call for this charger: {exc.description}",
            )
        except TimeoutError:
            await _refuse(
                context,
                request,
                SendFailure.CHARGER_TIMEOUT,
                f"charger {request.charger_id} did not answer {request.action} within {timeout:g} s",
            )
        except TaskAborted as exc:
            await _refuse(
                context,
                request,
                SendFailure.CHARGER_DISCONNECTED,
                f"charger {request.charger_id} disconnected after {request.action} was "
                f"delivered ({exc}); it may have acted on it",
            )
        except (ConnectionError, ConnectionClosed) as exc:
            await _refuse(
                context,
                request,
                SendFailure.CHARGER_CONNECTION_LOST,
                f"charger {request.charger_id}: {exc or 'connection closed'}",
            )
        raise AssertionError("unreachable")
