"""What every csmsctl command shares: the command context (channels, token, output),
the RPC helpers and the formatting."""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC
from typing import IO, Any, TypeVar

import grpc
from csms.v1 import (
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    common_pb2,
    id_tags_pb2_grpc,
    registry_pb2_grpc,
    transactions_pb2_grpc,
)
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.common._mesh import MESH_METADATA_KEY

_Resp = TypeVar("_Resp", bound=Message)


DEFAULT_MANAGER = "127.0.0.1:50051"
# Tasks wait for the charger's answer; the manager's own charger timeout is shorter.
DEFAULT_TIMEOUT = 35.0
# How long to wait for the channel's connectivity state after a transport failure.
CONNECTIVITY_PROBE_TIMEOUT = 1.0

EXIT_OK = 0
EXIT_RPC_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 2

_OCPP_VERSIONS: dict[int, str] = {
    common_pb2.OCPP_VERSION_16: "1.6",
    common_pb2.OCPP_VERSION_201: "2.0.1",
    common_pb2.OCPP_VERSION_21: "2.1",
}


class UsageError(Exception):
    """Input that is wrong before anything is sent (exit 2)."""


class Unreachable(Exception):
    """No server answers at the address (exit 2)."""

    def __init__(self, what: str, address: str) -> None:
        super().__init__(f"cannot reach the {what} at {address}: is it running? (make run)")


# --- triggerable messages ---------------------------------------------------------------


def _camel(enum_name: str) -> str:
    return "".join(part.capitalize() for part in enum_name.split("_"))


def _trigger_names() -> dict[str, str]:
    """Accepted spellings (normalised) of each TriggerableMessage → its enum name."""
    prefix = "TRIGGERABLE_MESSAGE_"
    names = {
        _normalise(v.name.removeprefix(prefix)): v.name
        for v in chargers_pb2.TriggerableMessage.DESCRIPTOR.values
        if v.number != 0
    }
    # The 2.0.1 name of the diagnostics/log status notification.
    names[_normalise("LogStatusNotification")] = (
        "TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION"
    )
    return names


def _normalise(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _trigger_choices() -> list[str]:
    prefix = "TRIGGERABLE_MESSAGE_"
    return [
        _camel(v.name.removeprefix(prefix))
        for v in chargers_pb2.TriggerableMessage.DESCRIPTOR.values
        if v.number != 0
    ]


def parse_trigger(name: str) -> str:
    """The TriggerableMessage enum name for ``name`` (BootNotification, boot_notification, ...)."""
    value = _trigger_names().get(_normalise(name))
    if value is None:
        raise UsageError(f"unknown MESSAGE {name!r}: choose one of {', '.join(_trigger_choices())}")
    return value


# --- formatting -------------------------------------------------------------------------


def fmt_time(ts: Timestamp, *, present: bool = True) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM:SSZ`` (UTC), ``-`` when unset."""
    if not present or (ts.seconds == 0 and ts.nanos == 0):
        return "-"
    return ts.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def fmt_version(version: int) -> str:
    return _OCPP_VERSIONS.get(version, "-")


def fmt_connector_label(c: chargers_pb2.Connector) -> str:
    """``1`` for EVSE 1 (1.6 connector 1), ``1/2`` for connector 2 of EVSE 1 (2.0.1)."""
    return str(c.evse_id) if c.connector_id <= 1 else f"{c.evse_id}/{c.connector_id}"


def fmt_statuses(connectors: Sequence[chargers_pb2.Connector]) -> str:
    """Compact per-connector status: ``1:Available 2:Charging``."""
    ordered = sorted(connectors, key=lambda c: (c.evse_id, c.connector_id))
    return " ".join(f"{fmt_connector_label(c)}:{c.status or '?'}" for c in ordered) or "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain aligned columns, two spaces apart, no trailing blanks."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


# --- the command context ----------------------------------------------------------------


@dataclass
class Context:
    """What every command needs: the stubs, the options and the output streams."""

    args: argparse.Namespace
    out: IO[str]
    err: IO[str]
    stack: ExitStack
    # Open channels by address, so manager and registry share one when they are the same.
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        timeout: float = self.args.timeout
        return timeout

    def channel(self, address: str) -> grpc.Channel:
        if address not in self._channels:
            self._channels[address] = self.stack.enter_context(grpc.insecure_channel(address))
        return self._channels[address]

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """What every call carries: the API token, when one was given."""
        token: str = self.args.token or ""
        return (("authorization", f"Bearer {token}"),) if token else ()

    def auth(self) -> auth_pb2_grpc.AuthServiceStub:
        return auth_pb2_grpc.AuthServiceStub(self.channel(self.args.manager))

    def chargers(self) -> chargers_pb2_grpc.ChargerServiceStub:
        return chargers_pb2_grpc.ChargerServiceStub(self.channel(self.args.manager))

    def transactions(self) -> transactions_pb2_grpc.TransactionServiceStub:
        return transactions_pb2_grpc.TransactionServiceStub(self.channel(self.args.manager))

    def id_tags(self) -> id_tags_pb2_grpc.IdTagServiceStub:
        return id_tags_pb2_grpc.IdTagServiceStub(self.channel(self.args.manager))

    def registry(self) -> registry_pb2_grpc.RegistryStub:
        channel = self.channel(self.args.registry)
        if self.args.registry != self.args.manager:
            # The standalone registry service is internal to the mesh: it wants the
            # mesh secret (MESH_SECRET in the environment, never a flag: argv is public).
            secret = os.environ.get("MESH_SECRET", "")
            if secret:
                channel = grpc.intercept_channel(channel, _MeshSecret(secret))
        return registry_pb2_grpc.RegistryStub(channel)

    def emit_json(self, message: Message) -> None:
        self.out.write(json.dumps(to_dict(message), indent=2) + "\n")

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")


class _MeshSecret(grpc.UnaryUnaryClientInterceptor):
    """Adds the mesh secret to every unary call (the standalone registry service)."""

    def __init__(self, secret: str) -> None:
        self._metadata = ((MESH_METADATA_KEY, secret),)

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        metadata = (*(details.metadata or ()), *self._metadata)
        return continuation(details._replace(metadata=metadata), request)


def _rpc(
    ctx: Context, what: str, address: str, method: Callable[..., _Resp], request: Message
) -> _Resp:
    """Call ``method``; a transport failure becomes :class:`Unreachable`."""
    try:
        return method(request, timeout=ctx.timeout, metadata=ctx.metadata)
    except grpc.RpcError as exc:
        transport = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        if (
            isinstance(exc, grpc.Call)
            and exc.code() in transport
            and not _channel_ready(ctx.channel(address))
        ):
            raise Unreachable(what, address) from exc
        raise


def _channel_ready(channel: grpc.Channel) -> bool:
    """Whether the channel is connected (i.e. an error came from the server, not the network)."""
    seen = threading.Event()
    states: list[grpc.ChannelConnectivity] = []

    def on_state(state: grpc.ChannelConnectivity) -> None:
        states.append(state)
        seen.set()

    channel.subscribe(on_state, try_to_connect=False)
    try:
        seen.wait(CONNECTIVITY_PROBE_TIMEOUT)
    finally:
        channel.unsubscribe(on_state)
    return bool(states) and states[0] == grpc.ChannelConnectivity.READY


def _manager(ctx: Context, method: Callable[..., _Resp], request: Message) -> _Resp:
    return _rpc(ctx, "manager", ctx.args.manager, method, request)


def _manager_pages(
    ctx: Context,
    method: Callable[..., Any],
    request: Any,
    merged: Any,
    field: str,
    *,
    limit: int,
    page_size: int,
) -> None:
    """Fill `merged`'s repeated `field` with up to `limit` items of the manager's list
    `method`, following its pages (at most `page_size` a page)."""
    items = getattr(merged, field)
    while len(items) < limit:
        request.page_size = min(page_size, limit - len(items))
        page = _manager(ctx, method, request)
        items.extend(getattr(page, field))
        merged.next_page_token = page.next_page_token
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token


def _registry(ctx: Context, method: Callable[..., _Resp], request: Message) -> _Resp:
    return _rpc(ctx, "registry", ctx.args.registry, method, request)


def _more_hint(ctx: Context, token: str) -> None:
    if token:
        ctx.err.write(f"(more: use --all, or --page-token {token})\n")


def _answer(ctx: Context, resp: Message, status: str) -> int:
    if ctx.args.json:
        ctx.emit_json(resp)
    else:
        ctx.print(status)
    return EXIT_OK


# --- argument types --------------------------------------------------------------------


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value
