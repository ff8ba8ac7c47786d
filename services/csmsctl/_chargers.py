"""csmsctl commands on chargers: listing and showing them, the registry, the commands sent
to them, and their lifecycle (add, edit, approve, retire, restore)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from csms.v1 import (
    chargers_pb2,
    registry_pb2,
)

from services.csmsctl._base import (
    EXIT_OK,
    Context,
    UsageError,
    _answer,
    _manager,
    _more_hint,
    _registry,
    fmt_statuses,
    fmt_time,
    fmt_version,
    parse_trigger,
    table,
)

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


# --- the charger lifecycle --------------------------------------------------------------

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
