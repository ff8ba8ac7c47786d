"""csmsctl: the operator's command line for the CSMS.

It speaks gRPC to the manager's public API (``csms.v1.ChargerService``,
``TransactionService``, ``IdTagService``, ``AuthService``) and to the registry's inspection
API (``csms.v1.Registry``), exactly as any other client does. Every call carries the API
token given with ``--token`` or ``CSMS_TOKEN`` (``authorization: Bearer <token>``).
Output is a plain aligned table by default, or the protobuf messages as JSON with
``--json`` (one document per command).

Exit codes:
  0  success
  1  the server answered with a gRPC error (printed as one line: details and status;
     UNAUTHENTICATED and PERMISSION_DENIED add what to do about the token)
  2  bad usage, invalid input caught before sending, or the server cannot be reached
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any, TypeVar

import grpc
from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    common_pb2,
    id_tags_pb2,
    id_tags_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
)
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.common._mesh import MESH_METADATA_KEY

__all__ = ["main"]

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


def _registry(ctx: Context, method: Callable[..., _Resp], request: Message) -> _Resp:
    return _rpc(ctx, "registry", ctx.args.registry, method, request)


# --- commands ---------------------------------------------------------------------------


def _list_chargers(ctx: Context) -> Iterator[chargers_pb2.ListChargersResponse]:
    args = ctx.args
    stub = ctx.chargers()
    request = chargers_pb2.ListChargersRequest(
        page_size=args.page_size, page_token=args.page_token, status=args.status or ""
    )
    if args.connected is not None:
        request.connected = args.connected
    if args.retired:
        request.retired = True
    while True:
        page: chargers_pb2.ListChargersResponse = _manager(ctx, stub.ListChargers, request)
        yield page
        if not (args.all and page.next_page_token):
            return
        request.page_token = page.next_page_token


def cmd_chargers(ctx: Context) -> int:
    merged = chargers_pb2.ListChargersResponse()
    for page in _list_chargers(ctx):
        merged.chargers.extend(page.chargers)
        merged.next_page_token = page.next_page_token
    if ctx.args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            c.charger_id,
            fmt_version(c.ocpp_version),
            "yes" if c.connected else "no",
            c.node_id or "-",
            fmt_statuses(c.connectors),
            "/".join(x for x in (c.vendor, c.model) if x) or "-",
            fmt_time(c.last_seen_at, present=c.HasField("last_seen_at")),
        ]
        for c in merged.chargers
    ]
    headers = ["ID", "PROTOCOL", "CONNECTED", "NODE", "STATUS", "VENDOR/MODEL", "LAST SEEN"]
    ctx.print(table(headers, rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def _more_hint(ctx: Context, token: str) -> None:
    if token:
        ctx.err.write(f"(more: use --all, or --page-token {token})\n")


def cmd_charger(ctx: Context) -> int:
    stub = ctx.chargers()
    c: chargers_pb2.Charger = _manager(
        ctx, stub.GetCharger, chargers_pb2.GetChargerRequest(charger_id=ctx.args.charger_id)
    )
    if ctx.args.json:
        ctx.emit_json(c)
        return EXIT_OK
    details = [
        ("Charger", c.charger_id),
        ("Protocol", fmt_version(c.ocpp_version)),
        ("Connected", f"yes, on node {c.node_id}" if c.connected else "no"),
        ("Vendor", c.vendor or "-"),
        ("Model", c.model or "-"),
        ("Serial number", c.serial_number or "-"),
        ("Firmware", c.firmware_version or "-"),
        ("Boot status", c.boot_status or "-"),
        ("Registered at", fmt_time(c.registered_at, present=c.HasField("registered_at"))),
        ("Last boot at", fmt_time(c.last_boot_at, present=c.HasField("last_boot_at"))),
        ("Last seen at", fmt_time(c.last_seen_at, present=c.HasField("last_seen_at"))),
        ("Description", c.description or "-"),
        ("Location", c.location_id or "-"),
        ("Security profile", str(c.security_profile)),
        ("Password", "set" if c.has_password else "none"),
        ("Registration", fmt_registration_status(c.registration_status)),
        ("Retired at", fmt_time(c.retired_at) if c.HasField("retired_at") else "-"),
    ]
    width = max(len(k) for k, _ in details) + 1
    for key, value in details:
        ctx.print(f"{key + ':':<{width}} {value}")
    ctx.print()
    rows = [
        [
            str(k.evse_id),
            str(k.connector_id),
            k.status or "-",
            k.error_code or "-",
            k.info or "-",
            k.vendor_error_code or "-",
            fmt_time(k.updated_at, present=k.HasField("updated_at")),
        ]
        for k in sorted(c.connectors, key=lambda k: (k.evse_id, k.connector_id))
    ]
    headers = ["EVSE", "CONNECTOR", "STATUS", "ERROR", "INFO", "VENDOR ERROR", "UPDATED"]
    ctx.print(table(headers, rows))
    return EXIT_OK


def cmd_registry_ls(ctx: Context) -> int:
    args = ctx.args
    stub = ctx.registry()
    request = registry_pb2.ListChargerLocationsRequest(
        node_id=args.node or "", page_size=args.page_size, page_token=args.page_token
    )
    merged = registry_pb2.ListChargerLocationsResponse()
    while True:
        page: registry_pb2.ListChargerLocationsResponse = _registry(
            ctx, stub.ListChargerLocations, request
        )
        merged.chargers.extend(page.chargers)
        merged.next_page_token = page.next_page_token
        if not (args.all and page.next_page_token):
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            loc.charger_id,
            loc.node_id,
            loc.node_address,
            str(loc.epoch),
            fmt_time(loc.connected_at, present=loc.HasField("connected_at")),
            fmt_version(loc.ocpp_version),
        ]
        for loc in merged.chargers
    ]
    headers = ["CHARGER", "NODE", "ADDRESS", "EPOCH", "CONNECTED AT", "PROTOCOL"]
    ctx.print(table(headers, rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def cmd_registry_nodes(ctx: Context) -> int:
    stub = ctx.registry()
    resp: registry_pb2.ListNodesResponse = _registry(
        ctx, stub.ListNodes, registry_pb2.ListNodesRequest()
    )
    if ctx.args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    rows = [
        [
            n.node_id,
            n.address,
            fmt_time(n.lease_expires_at, present=n.HasField("lease_expires_at")),
            str(n.charger_count),
        ]
        for n in resp.nodes
    ]
    ctx.print(table(["NODE", "ADDRESS", "LEASE EXPIRES", "CHARGERS"], rows))
    return EXIT_OK


def cmd_reset(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.ResetRequest(
        charger_id=args.charger_id,
        kind=chargers_pb2.RESET_KIND_HARD if args.hard else chargers_pb2.RESET_KIND_SOFT,
    )
    if args.evse is not None:
        request.evse_id = args.evse
    resp: chargers_pb2.ResetResponse = _manager(ctx, ctx.chargers().Reset, request)
    return _answer(ctx, resp, resp.status)


def cmd_trigger(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.TriggerMessageRequest(
        charger_id=args.charger_id, requested_message=parse_trigger(args.message)
    )
    if args.connector is not None:
        request.connector_id = args.connector
    resp: chargers_pb2.TriggerMessageResponse = _manager(
        ctx, ctx.chargers().TriggerMessage, request
    )
    return _answer(ctx, resp, resp.status)


def cmd_start(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.StartChargingRequest(charger_id=args.charger_id, id_tag=args.tag)
    if args.connector is not None:
        request.connector_id = args.connector
    resp: chargers_pb2.StartChargingResponse = _manager(ctx, ctx.chargers().StartCharging, request)
    return _answer(ctx, resp, resp.status)


def cmd_stop(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.StopChargingRequest(
        charger_id=args.charger_id, transaction_id=args.transaction_id
    )
    resp: chargers_pb2.StopChargingResponse = _manager(ctx, ctx.chargers().StopCharging, request)
    return _answer(ctx, resp, resp.status)


def fmt_energy(wh: float) -> str:
    """Energy in kWh with three decimals (the meter's Wh resolution)."""
    return f"{wh / 1000:.3f} kWh"


def cmd_transactions(ctx: Context) -> int:
    args = ctx.args
    stub = ctx.transactions()
    request = transactions_pb2.ListTransactionsRequest(
        page_size=args.page_size,
        page_token=args.page_token,
        charger_id=args.charger or "",
        id_tag=args.tag or "",
    )
    if args.active is not None:
        request.active = args.active
    merged = transactions_pb2.ListTransactionsResponse()
    while True:
        page: transactions_pb2.ListTransactionsResponse = _manager(
            ctx, stub.ListTransactions, request
        )
        merged.transactions.extend(page.transactions)
        merged.next_page_token = page.next_page_token
        if not (args.all and page.next_page_token):
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            str(t.transaction_id),
            t.charger_id,
            str(t.connector_id),
            t.id_tag,
            fmt_time(t.started_at, present=t.HasField("started_at")),
            fmt_time(t.stopped_at, present=t.HasField("stopped_at")) if not t.active else "active",
            fmt_energy(t.energy_wh),
            t.stop_reason or "-",
        ]
        for t in merged.transactions
    ]
    headers = ["ID", "CHARGER", "CONNECTOR", "ID TAG", "STARTED", "STOPPED", "ENERGY", "REASON"]
    ctx.print(table(headers, rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def cmd_transaction(ctx: Context) -> int:
    stub = ctx.transactions()
    t: transactions_pb2.Transaction = _manager(
        ctx,
        stub.GetTransaction,
        transactions_pb2.GetTransactionRequest(transaction_id=ctx.args.transaction_id),
    )
    if ctx.args.json:
        ctx.emit_json(t)
        return EXIT_OK
    details = [
        ("Transaction", str(t.transaction_id)),
        ("Charger", t.charger_id),
        ("Connector", str(t.connector_id)),
        ("Id tag", f"{t.id_tag} ({t.id_tag_status or '-'})"),
        ("Started at", fmt_time(t.started_at, present=t.HasField("started_at"))),
        ("Meter start", f"{t.meter_start_wh} Wh"),
        ("Stopped at", "active" if t.active else fmt_time(t.stopped_at)),
        ("Meter stop", f"{t.meter_stop_wh} Wh" if t.HasField("meter_stop_wh") else "-"),
        ("Stop reason", t.stop_reason or "-"),
        ("Energy", fmt_energy(t.energy_wh)),
    ]
    width = max(len(k) for k, _ in details) + 1
    for key, value in details:
        ctx.print(f"{key + ':':<{width}} {value}")
    return EXIT_OK


_TAG_STATUS_PREFIX = "ID_TAG_STATUS_"


def _tag_status_names() -> list[str]:
    return [
        v.name.removeprefix(_TAG_STATUS_PREFIX).capitalize()
        for v in id_tags_pb2.IdTagStatus.DESCRIPTOR.values
        if v.number != 0
    ]


def parse_tag_status(name: str) -> int:
    """The IdTagStatus value for ``name`` (Accepted, accepted, ...)."""
    for v in id_tags_pb2.IdTagStatus.DESCRIPTOR.values:
        if v.number != 0 and v.name == _TAG_STATUS_PREFIX + name.upper():
            return int(v.number)
    raise UsageError(f"unknown STATUS {name!r}: choose one of {', '.join(_tag_status_names())}")


def fmt_tag_status(status: int) -> str:
    name = id_tags_pb2.IdTagStatus.Name(status)
    return name.removeprefix(_TAG_STATUS_PREFIX).capitalize()


def cmd_tags(ctx: Context) -> int:
    args = ctx.args
    stub = ctx.id_tags()
    request = id_tags_pb2.ListIdTagsRequest(page_size=args.page_size, page_token=args.page_token)
    merged = id_tags_pb2.ListIdTagsResponse()
    while True:
        page: id_tags_pb2.ListIdTagsResponse = _manager(ctx, stub.ListIdTags, request)
        merged.id_tags.extend(page.id_tags)
        merged.next_page_token = page.next_page_token
        if not (args.all and page.next_page_token):
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            t.id_tag,
            fmt_tag_status(t.status),
            fmt_time(t.expiry_date, present=t.HasField("expiry_date")),
            t.parent_id_tag or "-",
            str(t.max_active_transactions or "-"),
        ]
        for t in merged.id_tags
    ]
    ctx.print(table(["ID TAG", "STATUS", "EXPIRES", "PARENT", "MAX ACTIVE"], rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def cmd_tag_add(ctx: Context) -> int:
    args = ctx.args
    tag = id_tags_pb2.IdTag(
        id_tag=args.id_tag,
        status=parse_tag_status(args.status),  # type: ignore[arg-type]
        parent_id_tag=args.parent or "",
        max_active_transactions=args.max_active,
    )
    created: id_tags_pb2.IdTag = _manager(
        ctx, ctx.id_tags().CreateIdTag, id_tags_pb2.CreateIdTagRequest(id_tag=tag)
    )
    return _answer(ctx, created, f"{created.id_tag} {fmt_tag_status(created.status)}")


def cmd_tag_block(ctx: Context) -> int:
    blocked: id_tags_pb2.IdTag = _manager(
        ctx, ctx.id_tags().BlockIdTag, id_tags_pb2.BlockIdTagRequest(id_tag=ctx.args.id_tag)
    )
    return _answer(ctx, blocked, f"{blocked.id_tag} {fmt_tag_status(blocked.status)}")


def _answer(ctx: Context, resp: Message, status: str) -> int:
    if ctx.args.json:
        ctx.emit_json(resp)
    else:
        ctx.print(status)
    return EXIT_OK


def cmd_config_get(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.GetConfigurationRequest(charger_id=args.charger_id, keys=args.keys)
    resp: chargers_pb2.GetConfigurationResponse = _manager(
        ctx, ctx.chargers().GetConfiguration, request
    )
    if args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    rows = [[e.key, e.value, "yes" if e.readonly else "no"] for e in resp.entries]
    ctx.print(table(["KEY", "VALUE", "READONLY"], rows))
    if resp.unknown_keys:
        ctx.print(f"unknown keys: {' '.join(resp.unknown_keys)}")
    return EXIT_OK


def cmd_config_set(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.ChangeConfigurationRequest(
        charger_id=args.charger_id, key=args.key, value=args.value
    )
    resp: chargers_pb2.ChangeConfigurationResponse = _manager(
        ctx, ctx.chargers().ChangeConfiguration, request
    )
    return _answer(ctx, resp, resp.status)


def check_payload(text: str) -> str:
    """The ``call`` payload, checked to be a JSON object before anything is sent."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"argument JSON is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise UsageError(f"argument JSON must be a JSON object, not {type(payload).__name__}")
    return text


def cmd_call(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.SendCallRequest(
        charger_id=args.charger_id, action=args.action, payload_json=check_payload(args.payload)
    )
    resp: chargers_pb2.SendCallResponse = _manager(ctx, ctx.chargers().SendCall, request)
    if args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    try:
        ctx.print(json.dumps(json.loads(resp.result_json), indent=2))
    except json.JSONDecodeError:
        ctx.print(resp.result_json)
    return EXIT_OK


# --- the charger lifecycle and id tag edits (issue 11) ------------------------------------

_REGISTRATION_PREFIX = "REGISTRATION_STATUS_"
_REGISTRATION_NAMES = ("accepted", "pending", "rejected")
#: charger subcommands; any other word after ``charger`` is a charger id to show.
CHARGER_VERBS = ("show", "add", "edit", "retire", "restore", "approve")


def parse_registration_status(name: str) -> int:
    """The RegistrationStatus value for ``name`` (accepted, Pending, ...)."""
    if name.lower() not in _REGISTRATION_NAMES:
        raise UsageError(
            f"unknown registration status {name!r}: choose one of {', '.join(_REGISTRATION_NAMES)}"
        )
    return int(chargers_pb2.RegistrationStatus.Value(_REGISTRATION_PREFIX + name.upper()))


def fmt_registration_status(status: int) -> str:
    if status == chargers_pb2.REGISTRATION_STATUS_UNSPECIFIED:
        return "-"
    name = chargers_pb2.RegistrationStatus.Name(status)
    return name.removeprefix(_REGISTRATION_PREFIX).capitalize()


def _password(ctx: Context) -> str | None:
    """The password from --password or one line of standard input (--password-stdin); None
    when neither is given. Never printed."""
    args = ctx.args
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: standard input has no password line")
        return line
    password: str | None = args.password
    return password


def _charger_line(c: chargers_pb2.Charger, done: str) -> str:
    """One line about a charger after a change (never its password)."""
    parts = [
        f"profile {c.security_profile}",
        fmt_registration_status(c.registration_status),
        "password set" if c.has_password else "no password",
    ]
    if c.location_id:
        parts.append(f"location {c.location_id}")
    if c.HasField("retired_at"):
        parts.append(f"retired {fmt_time(c.retired_at)}")
    return f"{c.charger_id} {done} ({', '.join(parts)})"


def cmd_charger_add(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.CreateChargerRequest(
        charger_id=args.charger_id,
        security_profile=args.profile,
        password=_password(ctx) or "",
        description=args.description or "",
        location_id=args.location or "",
    )
    if args.status:
        request.registration_status = parse_registration_status(args.status)  # type: ignore[assignment]
    created: chargers_pb2.Charger = _manager(ctx, ctx.chargers().CreateCharger, request)
    return _answer(ctx, created, _charger_line(created, "added"))


def cmd_charger_edit(ctx: Context) -> int:
    args = ctx.args
    request = chargers_pb2.UpdateChargerRequest(charger_id=args.charger_id)
    paths: list[str] = []
    if args.profile is not None:
        request.security_profile = args.profile
        paths.append("security_profile")
    password = _password(ctx)
    if password is not None or args.clear_password:
        request.password = password or ""
        paths.append("password")
    if args.description is not None:
        request.description = args.description
        paths.append("description")
    if args.location is not None:
        request.location_id = args.location
        paths.append("location_id")
    if args.status:
        request.registration_status = parse_registration_status(args.status)  # type: ignore[assignment]
        paths.append("registration_status")
    if not paths:
        raise UsageError(
            "nothing to change: give --profile, --password(-stdin), --clear-password, "
            "--description, --location or --status"
        )
    request.update_mask.paths.extend(paths)
    updated: chargers_pb2.Charger = _manager(ctx, ctx.chargers().UpdateCharger, request)
    return _answer(ctx, updated, _charger_line(updated, "updated"))


def cmd_charger_approve(ctx: Context) -> int:
    request = chargers_pb2.UpdateChargerRequest(
        charger_id=ctx.args.charger_id,
        registration_status=chargers_pb2.REGISTRATION_STATUS_ACCEPTED,
    )
    request.update_mask.paths.append("registration_status")
    updated: chargers_pb2.Charger = _manager(ctx, ctx.chargers().UpdateCharger, request)
    return _answer(ctx, updated, _charger_line(updated, "approved"))


def cmd_charger_retire(ctx: Context) -> int:
    request = chargers_pb2.DeleteChargerRequest(charger_id=ctx.args.charger_id)
    retired: chargers_pb2.Charger = _manager(ctx, ctx.chargers().DeleteCharger, request)
    return _answer(ctx, retired, _charger_line(retired, "retired"))


def cmd_charger_restore(ctx: Context) -> int:
    request = chargers_pb2.RestoreChargerRequest(charger_id=ctx.args.charger_id)
    restored: chargers_pb2.Charger = _manager(ctx, ctx.chargers().RestoreCharger, request)
    return _answer(ctx, restored, _charger_line(restored, "restored"))


def _parse_time(text: str) -> Timestamp:
    ts = Timestamp()
    try:
        ts.FromJsonString(text if text.endswith("Z") or "+" in text else text + "Z")
    except ValueError:
        raise UsageError(
            f"--expires {text!r} is not an RFC 3339 time (2027-01-31T00:00:00Z)"
        ) from None
    return ts


def cmd_tag_edit(ctx: Context) -> int:
    args = ctx.args
    tag = id_tags_pb2.IdTag(id_tag=args.id_tag)
    paths: list[str] = []
    if args.status:
        tag.status = parse_tag_status(args.status)  # type: ignore[assignment]
        paths.append("status")
    if args.expires is not None:
        if args.expires:  # "" = never
            tag.expiry_date.CopyFrom(_parse_time(args.expires))
        paths.append("expiry_date")
    if args.parent is not None:
        tag.parent_id_tag = args.parent
        paths.append("parent_id_tag")
    if args.max_active is not None:
        tag.max_active_transactions = args.max_active
        paths.append("max_active_transactions")
    if not paths:
        raise UsageError("nothing to change: give --status, --expires, --parent or --max-active")
    request = id_tags_pb2.UpdateIdTagRequest(id_tag=tag)
    request.update_mask.paths.extend(paths)
    updated: id_tags_pb2.IdTag = _manager(ctx, ctx.id_tags().UpdateIdTag, request)
    return _answer(ctx, updated, f"{updated.id_tag} {fmt_tag_status(updated.status)}")


def cmd_tag_unblock(ctx: Context) -> int:
    """Status back to Accepted: UpdateIdTag with the mask ``status`` (one PATCH, like any edit)."""
    request = id_tags_pb2.UpdateIdTagRequest(
        id_tag=id_tags_pb2.IdTag(id_tag=ctx.args.id_tag, status=id_tags_pb2.ID_TAG_STATUS_ACCEPTED)
    )
    request.update_mask.paths.append("status")
    updated: id_tags_pb2.IdTag = _manager(ctx, ctx.id_tags().UpdateIdTag, request)
    return _answer(ctx, updated, f"{updated.id_tag} {fmt_tag_status(updated.status)}")


def _add_password_options(q: argparse.ArgumentParser) -> None:
    group = q.add_mutually_exclusive_group()
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the Basic auth password (16-40 characters) from one line of standard input",
    )
    group.add_argument(
        "--password",
        metavar="P",
        help="the Basic auth password (visible in the shell history: prefer --password-stdin)",
    )


def add_lifecycle_parsers(
    charger: argparse.ArgumentParser, tags: Any, leaf: argparse.ArgumentParser
) -> None:
    """``charger add|edit|retire|restore|approve|show`` and ``tag edit|unblock``."""
    verbs = charger.add_subparsers(dest="charger_command", required=True, metavar="COMMAND")
    q = verbs.add_parser("show", help="one charger's details and connectors", parents=[leaf])
    q.set_defaults(func=cmd_charger)
    q.add_argument("charger_id", metavar="ID")

    q = verbs.add_parser("add", help="add a charger before it connects", parents=[leaf])
    q.set_defaults(func=cmd_charger_add)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument(
        "--profile",
        type=int,
        choices=range(4),
        required=True,
        help="OCPP security profile: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS",
    )
    _add_password_options(q)
    q.add_argument("--description", metavar="D")
    q.add_argument("--location", metavar="L", help="a location id that exists")
    q.add_argument("--status", help="registration status: accepted (default), pending, rejected")

    q = verbs.add_parser("edit", help="change a charger's configuration", parents=[leaf])
    q.set_defaults(func=cmd_charger_edit)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("--profile", type=int, choices=range(4), help="OCPP security profile")
    _add_password_options(q)
    q.add_argument(
        "--clear-password", action="store_true", help="remove the password (profiles 0 and 3)"
    )
    q.add_argument("--description", metavar="D")
    q.add_argument("--location", metavar="L", help='a location id; "" for none')
    q.add_argument("--status", help="registration status: accepted, pending, rejected")

    for name, func, text in (
        ("retire", cmd_charger_retire, "retire a charger: close it, refuse it, keep its history"),
        ("restore", cmd_charger_restore, "bring a retired charger back"),
        ("approve", cmd_charger_approve, "accept a pending charger (it is asked to boot again)"),
    ):
        q = verbs.add_parser(name, help=text, description=text, parents=[leaf])
        q.set_defaults(func=func)
        q.add_argument("charger_id", metavar="ID")

    q = tags.add_parser("edit", help="change an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_edit)
    q.add_argument("id_tag", metavar="ID_TAG")
    q.add_argument("--status", help=f"one of {', '.join(_tag_status_names())}")
    q.add_argument("--expires", metavar="TIME", help='RFC 3339 expiry time; "" for never')
    q.add_argument("--parent", metavar="ID_TAG", help='group (parent) id tag; "" for none')
    q.add_argument("--max-active", type=_non_negative_int, metavar="N", help="0 = no limit")
    q = tags.add_parser("unblock", help="set a blocked id tag back to Accepted", parents=[leaf])
    q.set_defaults(func=cmd_tag_unblock)
    q.add_argument("id_tag", metavar="ID_TAG")


def charger_shorthand(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``charger ID`` (the older form) as ``charger show ID``."""
    takes_value = {
        option
        for action in parser._actions  # the global options that take a value
        if action.option_strings and action.nargs is None and action.const is None
        for option in action.option_strings
    }
    index = 0
    while index < len(argv):
        token = argv[index]
        if token.startswith("-"):
            index += 2 if token in takes_value else 1
            continue
        if token == "charger" and index + 1 < len(argv):
            following = argv[index + 1]
            if following not in CHARGER_VERBS and not following.startswith("-"):
                return [*argv[: index + 1], "show", *argv[index + 1 :]]
        return argv
    return argv


# --- API tokens -------------------------------------------------------------------------

_ROLE_VALUES = {
    "viewer": auth_pb2.ROLE_VIEWER,
    "operator": auth_pb2.ROLE_OPERATOR,
    "admin": auth_pb2.ROLE_ADMIN,
}


_ROLE_NAMES: dict[int, str] = {int(v): k for k, v in _ROLE_VALUES.items()}


def fmt_role(role: int) -> str:
    return _ROLE_NAMES.get(int(role), "-")


def _token_row(token: auth_pb2.ApiToken) -> list[str]:
    return [
        token.token_id,
        token.name,
        fmt_role(token.role),
        token.created_by or "-",
        fmt_time(token.created_at),
        fmt_time(token.last_used_at),
        fmt_time(token.revoked_at),
    ]


_TOKEN_HEADERS = ["ID", "NAME", "ROLE", "CREATED BY", "CREATED", "LAST USED", "REVOKED"]


def cmd_token_create(ctx: Context) -> int:
    args = ctx.args
    request = auth_pb2.CreateTokenRequest(name=args.name, role=_ROLE_VALUES[args.role])
    resp: auth_pb2.CreateTokenResponse = _manager(ctx, ctx.auth().CreateToken, request)
    if args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    ctx.print(resp.secret)
    ctx.err.write(
        f"csmsctl: token {resp.token.token_id} ({resp.token.name}, {args.role}) created; "
        "the secret above is shown only now: keep it (csmsctl --token / CSMS_TOKEN)\n"
    )
    return EXIT_OK


def cmd_token_list(ctx: Context) -> int:
    request = auth_pb2.ListTokensRequest(include_revoked=ctx.args.all)
    resp: auth_pb2.ListTokensResponse = _manager(ctx, ctx.auth().ListTokens, request)
    if ctx.args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    ctx.print(table(_TOKEN_HEADERS, [_token_row(t) for t in resp.tokens]))
    return EXIT_OK


def cmd_token_revoke(ctx: Context) -> int:
    request = auth_pb2.RevokeTokenRequest(token_id=ctx.args.token_id)
    revoked: auth_pb2.ApiToken = _manager(ctx, ctx.auth().RevokeToken, request)
    return _answer(ctx, revoked, f"{revoked.token_id} ({revoked.name}) revoked")


def cmd_whoami(ctx: Context) -> int:
    me: auth_pb2.ApiToken = _manager(ctx, ctx.auth().WhoAmI, auth_pb2.WhoAmIRequest())
    return _answer(ctx, me, f"{me.name} ({fmt_role(me.role)})")


# --- the parser -------------------------------------------------------------------------


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


# --- the audit log (csmsctl audit) -------------------------------------------------------

_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ROLE_NAMES = {
    auth_pb2.ROLE_VIEWER: "viewer",
    auth_pb2.ROLE_OPERATOR: "operator",
    auth_pb2.ROLE_ADMIN: "admin",
}
AUDIT_PAGE_SIZE = 1000  # the API's maximum page


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: an age (``30m``, ``2h``, ``7d``) or an ISO 8601 time (UTC if no zone)."""
    value = text.strip()
    unit = _DURATION_UNITS.get(value[-1:].lower())
    if unit is not None and value[:-1].isdigit():
        return (now or datetime.now(UTC)) - timedelta(seconds=int(value[:-1]) * unit)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an age (30m, 2h, 7d) nor an ISO 8601 time (2026-12-03T10:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def cmd_audit(ctx: Context) -> int:
    """The audit log, newest first: up to --limit entries, following the pages."""
    args = ctx.args
    request = auth_pb2.ListAuditEntriesRequest(
        charger_id=args.charger or "",
        actor=args.actor or "",
        action=args.action or "",
        outcome=args.outcome or "",
    )
    if args.since is not None:
        request.since.FromDatetime(args.since)
    stub = auth_pb2_grpc.AuditServiceStub(ctx.channel(args.manager))
    merged = auth_pb2.ListAuditEntriesResponse()
    while len(merged.entries) < args.limit:
        request.page_size = min(AUDIT_PAGE_SIZE, args.limit - len(merged.entries))
        page: auth_pb2.ListAuditEntriesResponse = _manager(ctx, stub.ListAuditEntries, request)
        merged.entries.extend(page.entries)
        merged.next_page_token = page.next_page_token
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            fmt_time(e.at),
            e.actor or "-",
            _ROLE_NAMES.get(e.role, "-"),
            e.action,
            e.charger_id or "-",
            e.target or "-",
            e.outcome,
            " ".join(e.detail.split()) or "-",
        ]
        for e in merged.entries
    ]
    headers = ["TIME", "ACTOR", "ROLE", "ACTION", "CHARGER", "TARGET", "OUTCOME", "DETAIL"]
    ctx.print(table(headers, rows))
    if merged.next_page_token:
        ctx.err.write(f"(more: raise --limit above {args.limit}, or narrow the filters)\n")
    return EXIT_OK


def add_audit_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl audit [--charger ID] [--actor A] [--action X] [--outcome O] [--since T] [--limit N]``."""
    help = "the audit log, newest first (role admin)"
    p = sub.add_parser("audit", help=help, description=help, parents=[leaf])
    p.set_defaults(func=cmd_audit)
    p.add_argument("--charger", metavar="ID", help="only entries about this charger")
    p.add_argument("--actor", metavar="NAME", help='only this token\'s, or "charger:<id>"')
    p.add_argument("--action", metavar="ACTION", help='e.g. "ChargerService/Reset"')
    p.add_argument("--outcome", metavar="OUTCOME", help='"OK" or a status, e.g. PERMISSION_DENIED')
    p.add_argument(
        "--since",
        type=parse_since,
        metavar="T",
        help="only entries since T: an age (30m, 2h, 7d) or an ISO 8601 time",
    )
    p.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="at most N (default 50)"
    )


# --- the task history (issue 12) ----------------------------------------------------------

TASK_PAGE_SIZE = 200


def _state_name(state: int) -> str:
    return common_pb2.TaskState.Name(state).removeprefix("TASK_STATE_").lower()


def _task_state(text: str) -> int:
    name = "TASK_STATE_" + text.upper()
    names = list(common_pb2.TaskState.keys())
    if name not in names:
        states = [n.removeprefix("TASK_STATE_").lower() for n in names[1:]]
        raise argparse.ArgumentTypeError(f"{text!r} is not a task state: {', '.join(states)}")
    return int(common_pb2.TaskState.Value(name))


def cmd_tasks(ctx: Context) -> int:
    """The task history, newest first: up to --limit tasks, following the pages."""
    args = ctx.args
    request = tasks_pb2.ListTasksRequest(
        charger_id=args.charger or "",
        state=args.state or 0,  # type: ignore[arg-type]
        action=args.action or "",
        bulk_id=args.bulk or "",
    )
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(args.manager))
    merged = tasks_pb2.ListTasksResponse()
    while len(merged.tasks) < args.limit:
        request.page_size = min(TASK_PAGE_SIZE, args.limit - len(merged.tasks))
        page: tasks_pb2.ListTasksResponse = _manager(ctx, stub.ListTasks, request)
        merged.tasks.extend(page.tasks)
        merged.next_page_token = page.next_page_token
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            t.task_id,
            fmt_time(t.created_at),
            t.charger_id,
            t.action,
            _state_name(t.state),
            t.error_code or "-",
            t.requested_by or "-",
        ]
        for t in merged.tasks
    ]
    headers = ["TASK", "CREATED", "CHARGER", "ACTION", "STATE", "ERROR", "BY"]
    ctx.print(table(headers, rows))
    if merged.next_page_token:
        ctx.err.write(f"(more: raise --limit above {args.limit}, or narrow the filters)\n")
    return EXIT_OK


def _show_task(ctx: Context, task: tasks_pb2.Task) -> int:
    if ctx.args.json:
        ctx.emit_json(task)
        return EXIT_OK
    rows = [
        ["task", task.task_id],
        ["charger", task.charger_id],
        ["action", task.action],
        ["state", _state_name(task.state)],
        ["requested by", task.requested_by or "-"],
        ["request id", task.request_id or "-"],
        ["bulk", task.bulk_id or "-"],
        ["created", fmt_time(task.created_at)],
        ["sent", fmt_time(task.sent_at, present=task.HasField("sent_at"))],
        ["finished", fmt_time(task.finished_at, present=task.HasField("finished_at"))],
        ["deliver by", fmt_time(task.deliver_by, present=task.HasField("deliver_by"))],
        ["payload", task.payload_json],
        ["answer", task.answer_json or "-"],
        ["error", f"{task.error_code} {task.error_description}".strip() or "-"],
    ]
    ctx.print(table(["FIELD", "VALUE"], rows))
    return EXIT_OK


def cmd_task_show(ctx: Context) -> int:
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(ctx.args.manager))
    task: tasks_pb2.Task = _manager(
        ctx, stub.GetTask, tasks_pb2.GetTaskRequest(task_id=ctx.args.task_id)
    )
    return _show_task(ctx, task)


def cmd_task_cancel(ctx: Context) -> int:
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(ctx.args.manager))
    task: tasks_pb2.Task = _manager(
        ctx, stub.CancelTask, tasks_pb2.CancelTaskRequest(task_id=ctx.args.task_id)
    )
    return _show_task(ctx, task)


def add_tasks_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl tasks [ls|show ID|cancel ID]``: the task history."""
    help = "the task history: every command sent to a charger"
    p = sub.add_parser("tasks", help=help, description=help, parents=[leaf])
    p.set_defaults(func=cmd_tasks)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")

    def filters(q: argparse.ArgumentParser) -> None:
        q.set_defaults(func=cmd_tasks)
        q.add_argument("--charger", metavar="ID", help="only this charger's tasks")
        q.add_argument("--state", type=_task_state, metavar="STATE", help="e.g. queued, answered")
        q.add_argument("--action", metavar="ACTION", help='the OCPP action, e.g. "Reset"')
        q.add_argument("--bulk", metavar="BULK_ID", help="only this bulk task's tasks")
        q.add_argument(
            "--limit", type=_positive_int, default=50, metavar="N", help="at most N (default 50)"
        )

    filters(p)
    filters(verbs.add_parser("ls", help="list tasks, newest first", parents=[leaf]))
    q = verbs.add_parser("show", help="one task: payload, answer, timings", parents=[leaf])
    q.set_defaults(func=cmd_task_show)
    q.add_argument("task_id", metavar="TASK_ID")
    q = verbs.add_parser("cancel", help="withdraw a queued task", parents=[leaf])
    q.set_defaults(func=cmd_task_cancel)
    q.add_argument("task_id", metavar="TASK_ID")


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="csmsctl",
        description="Operate the CSMS: inspect chargers and the registry, send tasks.",
    )
    parser.add_argument(
        "--manager",
        metavar="HOST:PORT",
        default=env.get("CSMS_MANAGER", DEFAULT_MANAGER),
        help="manager gRPC address (env CSMS_MANAGER; default %(default)s)",
    )
    parser.add_argument(
        "--registry",
        metavar="HOST:PORT",
        default=env.get("CSMS_REGISTRY"),
        help="registry gRPC address (env CSMS_REGISTRY; default: the manager's address). "
        "The standalone registry service needs the mesh secret in env MESH_SECRET",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        help="deadline of each request; tasks wait for the charger (default %(default)s)",
    )
    parser.add_argument(
        "--token",
        default=env.get("CSMS_TOKEN", ""),
        help="API token sent with every call (env CSMS_TOKEN; `make run` prints an admin one)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    # --json is also accepted after the command; SUPPRESS keeps the global value otherwise.
    leaf = argparse.ArgumentParser(add_help=False)
    leaf.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the answer as JSON"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[Context], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[leaf])
        p.set_defaults(func=func)
        return p

    p = add("chargers", cmd_chargers, "list chargers")
    p.add_argument("--status", help="only chargers with a connector in this status")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--connected",
        dest="connected",
        action="store_const",
        const=True,
        help="only connected ones",
    )
    group.add_argument(
        "--disconnected",
        dest="connected",
        action="store_const",
        const=False,
        help="only disconnected ones",
    )
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")
    p.add_argument(
        "--retired", action="store_true", help="only retired chargers (hidden otherwise)"
    )

    charger = sub.add_parser(
        "charger", help="show, add, edit, retire, restore or approve a charger (charger ID = show)"
    )

    p = sub.add_parser("registry", help="inspect the registry")
    reg = p.add_subparsers(dest="registry_command", required=True, metavar="COMMAND")
    q = reg.add_parser("ls", help="charger → node", parents=[leaf])
    q.set_defaults(func=cmd_registry_ls)
    q.add_argument("--node", metavar="NODE", help="only chargers held by this node")
    q.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    q.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    q.add_argument("--all", action="store_true", help="follow the pages to the end")
    q = reg.add_parser("nodes", help="nodes, their leases and charger counts", parents=[leaf])
    q.set_defaults(func=cmd_registry_nodes)

    p = add("reset", cmd_reset, "reset a charger (soft unless --hard)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("--hard", action="store_true", help="hard (1.6) / immediate (2.0.1) reset")
    p.add_argument("--evse", type=_non_negative_int, metavar="N", help="2.0.1: one EVSE only")

    p = add("trigger", cmd_trigger, "ask a charger to send a message")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("message", metavar="MESSAGE", help=", ".join(_trigger_choices()))
    p.add_argument("--connector", type=_non_negative_int, metavar="N")

    p = sub.add_parser("config", help="read or change a charger's configuration")
    cfg = p.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    q = cfg.add_parser("get", help="read configuration keys (all when none given)", parents=[leaf])
    q.set_defaults(func=cmd_config_get)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("keys", metavar="KEY", nargs="*")
    q = cfg.add_parser("set", help="change one configuration key", parents=[leaf])
    q.set_defaults(func=cmd_config_set)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("key", metavar="KEY")
    q.add_argument("value", metavar="VALUE")

    p = add("start", cmd_start, "start charging (1.6 RemoteStart / 2.0.1 RequestStart)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("--tag", required=True, metavar="ID_TAG", help="the id tag to charge for")
    p.add_argument(
        "--connector", type=_non_negative_int, metavar="N", help="1.6 connector / 2.0.1 EVSE"
    )

    p = add("stop", cmd_stop, "stop a transaction (1.6 RemoteStop / 2.0.1 RequestStop)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("transaction_id", metavar="TRANSACTION", type=int)

    p = add("transactions", cmd_transactions, "list transactions, newest first")
    p.add_argument("--charger", metavar="ID", help="only this charger's")
    p.add_argument("--tag", metavar="ID_TAG", help="only this id tag's")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--active", dest="active", action="store_const", const=True, help="only active ones"
    )
    group.add_argument(
        "--finished", dest="active", action="store_const", const=False, help="only finished ones"
    )
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")

    p = add("transaction", cmd_transaction, "one transaction's details")
    p.add_argument("transaction_id", metavar="TRANSACTION", type=int)

    p = add("tags", cmd_tags, "list id tags")
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")

    p = sub.add_parser("tag", help="add, edit, block or unblock an id tag")
    tags = p.add_subparsers(dest="tag_command", required=True, metavar="COMMAND")
    q = tags.add_parser("add", help="add an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_add)
    q.add_argument("id_tag", metavar="ID_TAG")
    q.add_argument("--status", default="Accepted", help=f"one of {', '.join(_tag_status_names())}")
    q.add_argument("--parent", metavar="ID_TAG", help="group (parent) id tag")
    q.add_argument(
        "--max-active",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="concurrent transactions allowed (0 = no limit)",
    )
    q = tags.add_parser("block", help="block an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_block)
    q.add_argument("id_tag", metavar="ID_TAG")
    add_lifecycle_parsers(charger, tags, leaf)

    add("whoami", cmd_whoami, "the name and role of the token in use")

    p = sub.add_parser("token", help="API tokens: create, list, revoke (admin)")
    tokens = p.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    q = tokens.add_parser(
        "create", help="create a token and print its secret (shown once)", parents=[leaf]
    )
    q.set_defaults(func=cmd_token_create)
    q.add_argument("name", metavar="NAME", help="1 to 64 characters, unique among valid tokens")
    q.add_argument("--role", required=True, choices=sorted(_ROLE_VALUES), help="what it may do")
    q = tokens.add_parser("list", help="list tokens (valid ones unless --all)", parents=[leaf])
    q.set_defaults(func=cmd_token_list)
    q.add_argument("--all", action="store_true", help="revoked ones too")
    q = tokens.add_parser("revoke", help="revoke a token: refused from then on", parents=[leaf])
    q.set_defaults(func=cmd_token_revoke)
    q.add_argument("token_id", metavar="ID", help="the token's id (tok_...), see token list")

    p = add("call", cmd_call, "send any OCPP call as JSON and print the result")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("action", metavar="ACTION", help='e.g. "DataTransfer"')
    p.add_argument("payload", metavar="JSON", help="the payload, a JSON object")

    add_audit_command(sub, leaf)
    add_tasks_command(sub, leaf)
    return parser


# --- entry point ------------------------------------------------------------------------


def _rpc_error_line(exc: grpc.RpcError) -> str:
    if not isinstance(exc, grpc.Call):
        return f"gRPC error: {exc}"
    code = exc.code()
    details = exc.details() or ""
    if code == grpc.StatusCode.DEADLINE_EXCEEDED and details == "Deadline Exceeded":
        details = "no answer within the deadline (--timeout)"
    line = f"{details or 'request failed'} ({code.name})"
    if code == grpc.StatusCode.UNAUTHENTICATED:
        line += (
            "\n  pass an API token with --token or CSMS_TOKEN (`make run` prints an admin token; "
            "an admin creates others with `csmsctl token create NAME --role ROLE`)"
        )
    elif code == grpc.StatusCode.PERMISSION_DENIED:
        line += "\n  this token's role cannot do that: use a token with the role named above"
    return line


def main(argv: list[str] | None = None) -> int:
    """Run one csmsctl command; returns the process exit code."""
    out, err = sys.stdout, sys.stderr
    parser = build_parser()
    argv = charger_shorthand(parser, sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.registry is None:
        args.registry = args.manager
    with ExitStack() as stack:
        ctx = Context(args=args, out=out, err=err, stack=stack)
        try:
            code: int = args.func(ctx)
            return code
        except UsageError as exc:
            err.write(f"csmsctl: {exc}\n")
            return EXIT_USAGE
        except Unreachable as exc:
            err.write(f"csmsctl: {exc}\n")
            return EXIT_UNREACHABLE
        except grpc.RpcError as exc:
            err.write(f"csmsctl: {_rpc_error_line(exc)}\n")
            return EXIT_RPC_ERROR
        except KeyboardInterrupt:
            err.write("csmsctl: interrupted\n")
            return 130


if __name__ == "__main__":
    sys.exit(main())
