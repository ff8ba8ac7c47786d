"""OCPP-J framing and schema validation: pure functions, no I/O.

Shared by the node (the edge: every frame a charger sends) and the manager, which
checks each call a node forwards again with :meth:`Framer.validate_call` before a
handler sees it: the manager trusts no node blindly (issue 11).

Every text frame a charger sends goes through :meth:`Framer.parse`. A frame that
is not a well-formed OCPP-J message, or whose Call payload breaks the action's
JSON schema (the ones the ``ocpp`` library ships), raises :class:`FrameRejected`,
which carries the CallError the node sends back itself; such a frame never
reaches the manager. CallResult and CallError frames are only structure-checked
here: their payload needs the action of the pending call, which the node knows
(:meth:`Framer.validate_response`).

Schemas are compiled lazily with ``fastjsonschema``, once per process for each
(version, action, direction), and shared by every connection.

Error codes (ADR 0004). "2.x" is 2.0.1 and 2.1; the id echoed is the frame's
message id, or ``"-1"`` when it cannot be read (OCPP 2.0.1 part 4; used for 1.6 too)::

    situation                                    1.6 code                     2.x code
    -------------------------------------------  ---------------------------  -----------------------------
    binary websocket frame              id -1    FormationViolation           RpcFrameworkError
    frame over max_frame_bytes                   FormationViolation           FormatViolation
    text that is not JSON               id -1    FormationViolation           RpcFrameworkError
    JSON that is not a non-empty array  id -1    FormationViolation           RpcFrameworkError
    message type id not an integer               FormationViolation           RpcFrameworkError
    message type id an unknown integer           FormationViolation           MessageTypeNotSupported
    message id not a string, empty, >36 id -1    FormationViolation           RpcFrameworkError
    wrong element count for the type             FormationViolation           RpcFrameworkError
    action / error code / description not str    FormationViolation           RpcFrameworkError
    payload / error details not an object        FormationViolation           FormatViolation
    action unknown to the version                NotImplemented               NotImplemented
    action only a CSMS may send                  NotSupported                 NotSupported
    schema "type", "minLength", "maxLength"      TypeConstraintViolation      TypeConstraintViolation
    schema "required", "minItems", "maxItems"    OccurenceConstraintViolation OccurrenceConstraintViolation
    schema "enum", "pattern", "format",
      "minimum", "maximum", "multipleOf"         PropertyConstraintViolation  PropertyConstraintViolation
    schema "additionalProperties", other rules   FormationViolation           FormatViolation

Ranges the official schemas leave out are added when a schema is compiled (ADR 0010):
every integer is 32-bit, connector/EVSE/reservation/request ids and seqNo are >= 0,
identifying strings (idTag, transactionId, type) are not empty, date-times must exist;
a NUL anywhere is refused (rule "noNul", PropertyConstraintViolation), and ``2.0`` in an
integer field is forwarded as ``2``.

A rejected CallResult or CallError (and, in 2.1, a SEND or CALLRESULTERROR frame,
which this CSMS does not support yet) has ``reply=False``: a response is never
answered with a CallError; the node logs it instead.

Leniencies, both for real chargers: ``date-time`` fields need a date and a time
with seconds, but the time zone is optional (a naive time is UTC); ``multipleOf``
(only OCPP 1.6 charging limits, ``0.1``) is checked with a float tolerance, so
``21.4`` and ``21.400000000000002`` pass and ``21.45`` does not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import fastjsonschema
import ocpp
import orjson

from services.common import OcppVersion, parse_ocpp_time

__all__ = [
    "CHARGER_ACTIONS",
    "CSMS_ACTIONS",
    "MAX_MESSAGE_ID_LENGTH",
    "SUBPROTOCOLS",
    "SUPPORTED_SUBPROTOCOLS",
    "FrameRejected",
    "Framer",
    "InboundCall",
    "InboundError",
    "InboundResult",
    "call_frame",
    "error_frame",
    "result_frame",
]

# Websocket subprotocol -> OCPP version, in the order the node prefers them.
SUBPROTOCOLS: Final[dict[str, OcppVersion]] = {
    "ocpp2.1": OcppVersion.V21,
    "ocpp2.0.1": OcppVersion.V201,
    "ocpp1.6": OcppVersion.V16,
}
SUPPORTED_SUBPROTOCOLS: Final[tuple[str, ...]] = tuple(SUBPROTOCOLS)

MAX_MESSAGE_ID_LENGTH: Final = 36  # OCPP-J: the message id is at most 36 characters
MAX_DESCRIPTION_LENGTH: Final = 255  # OCPP 2.0.1: errorDescription is at most 255 characters
UNREADABLE_ID: Final = "-1"

_CALL: Final = 2
_CALLRESULT: Final = 3
_CALLERROR: Final = 4
# OCPP 2.1 adds CALLRESULTERROR (5) and SEND (6); neither is ever answered.
_V21_UNANSWERED_TYPES: Final = frozenset({5, 6})


# --- Actions, by who may send them -------------------------------------------------------

_V16_CHARGER: Final = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        # Security extension
        "LogStatusNotification",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
    }
)
_V16_CSMS: Final = frozenset(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetLocalListVersion",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
        # Security extension
        "CertificateSigned",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetInstalledCertificateIds",
        "GetLog",
        "InstallCertificate",
        "SignedUpdateFirmware",
    }
)
_V201_CHARGER: Final = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)
_V201_CSMS: Final = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "CostUpdated",
        "CustomerInformation",
        "DataTransfer",
        "DeleteCertificate",
        "GetBaseReport",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "InstallCertificate",
        "PublishFirmware",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)
# NotifyPeriodicEventStream (2.1) is a SEND-only message and so is in neither table.
_V21_CHARGER: Final = _V201_CHARGER | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}
_V21_CSMS: Final = _V201_CSMS | {
    "AFRRSignal",
    "AdjustPeriodicEventStream",
    "ChangeTransactionTariff",
    "ClearDERControl",
    "ClearTariffs",
    "GetDERControl",
    "GetPeriodicEventStream",
    "GetTariffs",
    "NotifyAllowedEnergyTransfer",
    "NotifyWebPaymentStarted",
    "RequestBatterySwap",
    "SetDERControl",
    "SetDefaultTariff",
    "UpdateDynamicSchedule",
    "UsePriorityCharging",
}

# Per OCPP version: the actions a charger may initiate (events).
CHARGER_ACTIONS: Final[dict[OcppVersion, frozenset[str]]] = {
    OcppVersion.V16: _V16_CHARGER,
    OcppVersion.V201: _V201_CHARGER,
    OcppVersion.V21: _V21_CHARGER,
}
# Per OCPP version: the actions a CSMS may initiate (tasks).
CSMS_ACTIONS: Final[dict[OcppVersion, frozenset[str]]] = {
    OcppVersion.V16: _V16_CSMS,
    OcppVersion.V201: _V201_CSMS,
    OcppVersion.V21: _V21_CSMS,
}


# --- Messages --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundCall:
    """A valid Call ``[2, id, action, payload]`` from a charger."""

    message_id: str
    action: str
    payload: dict[str, Any]
    payload_json: bytes  # orjson.dumps(payload): what the node forwards to the manager


@dataclass(frozen=True, slots=True)
class InboundResult:
    """A CallResult ``[3, id, payload]``: a charger's answer to a task (payload unchecked)."""

    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InboundError:
    """A CallError ``[4, id, code, description, details]``: a charger's refusal of a task."""

    message_id: str
    code: str
    description: str
    details: dict[str, Any]


class FrameRejected(Exception):
    """A frame the node answers with a CallError itself (or, if ``reply`` is False, only logs)."""

    message_id: str  # the frame's id, or "-1" when it cannot be read
    code: str  # OCPP-J error code, spelled for the framer's version
    description: str  # names the field, rule or limit that failed
    details: dict[str, Any]
    reply: bool  # False when the frame was a response: never answer a response

    def __init__(
        self,
        message_id: str,
        code: str,
        description: str,
        details: dict[str, Any] | None = None,
        *,
        reply: bool = True,
    ) -> None:
        if len(description) > MAX_DESCRIPTION_LENGTH:
            description = description[: MAX_DESCRIPTION_LENGTH - 3] + "..."
        super().__init__(f"{code}: {description}")
        self.message_id = message_id
        self.code = code
        self.description = description
        self.details = {} if details is None else details
        self.reply = reply

    def to_frame(self) -> bytes:
        """The CallError frame (UTF-8 text) answering the rejected frame."""
        return error_frame(self.message_id, self.code, self.description, orjson.dumps(self.details))


# --- Frame builders ---------------------------------------------------------------------
# Frames are built as UTF-8 bytes and sent as websocket text frames as they are
# (``ws.send(frame, text=True)``): no decode to str and encode back per message.


def call_frame(message_id: str, action: str, payload_json: bytes) -> bytes:
    """``[2,"id","Action",{...}]``, with the already serialized payload spliced in."""
    return b"".join(
        (b"[2,", orjson.dumps(message_id), b",", orjson.dumps(action), b",", payload_json, b"]")
    )


def result_frame(message_id: str, payload_json: bytes) -> bytes:
    """``[3,"id",{...}]``, with the already serialized payload spliced in."""
    return b"[3," + orjson.dumps(message_id) + b"," + payload_json + b"]"


def error_frame(message_id: str, code: str, description: str, details_json: bytes = b"{}") -> bytes:
    """``[4,"id","Code","description",{...}]``."""
    return b"".join(
        (
            b"[4,",
            orjson.dumps(message_id),
            b",",
            orjson.dumps(code),
            b",",
            orjson.dumps(description),
            b",",
            details_json,
            b"]",
        )
    )


# --- Error codes: the one table of the module docstring -----------------------------------

_Situation = Literal[
    "binary",
    "too_large",
    "not_json",
    "not_array",
    "type_not_int",
    "type_unknown",
    "bad_id",
    "bad_length",
    "bad_field",
    "payload_not_object",
    "unknown_action",
    "wrong_direction",
    "type_constraint",
    "occurrence",
    "property",
    "format",
]

# situation -> (1.6 code, 2.x code)
_CODES: Final[dict[_Situation, tuple[str, str]]] = {
    "binary": ("FormationViolation", "RpcFrameworkError"),
    "too_large": ("FormationViolation", "FormatViolation"),
    "not_json": ("FormationViolation", "RpcFrameworkError"),
    "not_array": ("FormationViolation", "RpcFrameworkError"),
    "type_not_int": ("FormationViolation", "RpcFrameworkError"),
    "type_unknown": ("FormationViolation", "MessageTypeNotSupported"),
    "bad_id": ("FormationViolation", "RpcFrameworkError"),
    "bad_length": ("FormationViolation", "RpcFrameworkError"),
    "bad_field": ("FormationViolation", "RpcFrameworkError"),
    "payload_not_object": ("FormationViolation", "FormatViolation"),
    "unknown_action": ("NotImplemented", "NotImplemented"),
    "wrong_direction": ("NotSupported", "NotSupported"),
    "type_constraint": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "occurrence": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "property": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "format": ("FormationViolation", "FormatViolation"),
}

# fastjsonschema rule -> situation; any rule not listed is "format".
_SCHEMA_RULES: Final[dict[str, _Situation]] = {
    "type": "type_constraint",
    "minLength": "type_constraint",  # OCPP string[N] is a type
    "maxLength": "type_constraint",
    "required": "occurrence",
    "minItems": "occurrence",  # array cardinality is an occurrence constraint
    "maxItems": "occurrence",
    "enum": "property",
    "const": "property",
    "pattern": "property",
    "format": "property",
    "minimum": "property",
    "maximum": "property",
    "exclusiveMinimum": "property",
    "exclusiveMaximum": "property",
    "multipleOf": "property",
}


# --- Schemas ----------------------------------------------------------------------------

Direction = Literal["request", "response"]
_Validator = Callable[[Any], object]

_SCHEMA_DIRS: Final[dict[OcppVersion, str]] = {
    OcppVersion.V16: "v16",
    OcppVersion.V201: "v201",
    OcppVersion.V21: "v21",
}
_OCPP_ROOT: Final = Path(ocpp.__file__).parent

# date-time, leniently: seconds required, fraction and time zone optional ("T" or "t").
_LENIENT_DATE_TIME: Final = (
    r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt]"
    r"(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?"
    r"(?:[Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?\Z"
)
_DATE_TIME_PATTERN: Final = re.compile(_LENIENT_DATE_TIME)
_MULTIPLE_OF_TOLERANCE: Final = 1e-6  # on the quotient value / multipleOf

#: OCPP's ``integer`` is 32-bit signed (OCPP 2.0.1 part 2, primitive datatypes; the
#: database columns and API fields these values reach are at least that wide).
INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
#: Properties that are never negative (OCPP 2.1's schemas say so; 1.6's and 2.0.1's set no
#: minimum): connector and EVSE ids reach unsigned API fields, sequence numbers order parts.
#: Other ids (requestId, reservationId) stay lenient: a negative one breaks nothing.
_NON_NEGATIVE: Final = frozenset({"connectorId", "evseId", "evseIds", "seqNo"})
#: Free-text properties that identify something and so are never empty: a 1.6 idTag,
#: a 2.x transactionId, a security event's type (the schemas set no minLength).
_NON_EMPTY: Final = frozenset({"idTag", "transactionId", "type"})
#: Schema definitions whose ``id`` is such an id (2.x EVSEType: the EVSE id).
_ID_DEFINITIONS: Final = frozenset({"EVSEType"})
_MAX_SCHEMA_DEPTH: Final = 16  # bounds the walk of (never recursive) OCPP schemas

_EACH: Final = object()  # path step: every item of an array
_PathStep = str | object


@dataclass(frozen=True, slots=True)
class _MultipleOf:
    path: tuple[_PathStep, ...]
    factor: float


@dataclass(frozen=True, slots=True)
class _CompiledSchema:
    validate: _Validator
    multiple_of: tuple[_MultipleOf, ...]  # checked by hand, with a tolerance
    integers: tuple[tuple[_PathStep, ...], ...]  # where integers sit: 2.0 becomes 2


def _schema_path(version: OcppVersion, action: str, direction: Direction) -> Path:
    directory = _OCPP_ROOT / _SCHEMA_DIRS[version] / "schemas"
    if direction == "response":
        return directory / f"{action}Response.json"
    return directory / (f"{action}.json" if version.is_16 else f"{action}Request.json")


def _strip_multiple_of(node: object, path: tuple[_PathStep, ...], out: list[_MultipleOf]) -> None:
    """Remove ``multipleOf`` from a fresh schema, recording where it was."""
    if not isinstance(node, dict):
        return
    factor = node.pop("multipleOf", None)
    if factor is not None:
        out.append(_MultipleOf(path, float(factor)))
    properties = node.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            _strip_multiple_of(sub, (*path, key), out)
    items = node.get("items")
    if isinstance(items, dict):
        _strip_multiple_of(items, (*path, _EACH), out)


def _harden(node: object, name: str = "") -> None:
    """Add the value ranges the official schemas leave out (ADR 0010), in place.

    Every ``integer`` is bounded to 32 bits (OCPP's integer type); ids of connectors,
    EVSEs and sequence numbers are at least 0 (as OCPP 2.1's
    schemas say and 1.6's and 2.0.1's do not); identifying strings are not empty.
    ``name`` is the property being walked.
    """
    if isinstance(node, list):
        for item in node:
            _harden(item, name)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        low = 0 if name in _NON_NEGATIVE else INT32_MIN
        node["minimum"] = max(node.get("minimum", low), low)
        node["maximum"] = min(node.get("maximum", INT32_MAX), INT32_MAX)
    elif kind == "string" and name in _NON_EMPTY and "enum" not in node:
        node["minLength"] = max(node.get("minLength", 0), 1)
    for key, sub in node.items():
        if key == "properties" and isinstance(sub, dict):
            for prop, prop_schema in sub.items():
                _harden(prop_schema, prop)
        elif key == "definitions" and isinstance(sub, dict):
            for definition, def_schema in sub.items():
                _harden(def_schema, definition)
                if definition in _ID_DEFINITIONS and isinstance(def_schema, dict):
                    ident = def_schema.get("properties", {}).get("id")
                    if isinstance(ident, dict):
                        ident["minimum"] = max(ident.get("minimum", 0), 0)
        elif isinstance(sub, dict | list):
            _harden(sub, name)


def _integer_paths(
    node: object,
    root: dict[str, Any],
    path: tuple[_PathStep, ...],
    out: list[tuple[_PathStep, ...]],
) -> None:
    """Where ``integer`` values sit in payloads of ``root`` (``$ref``s followed)."""
    if not isinstance(node, dict) or len(path) > _MAX_SCHEMA_DEPTH:
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        node = root.get("definitions", {}).get(ref[len("#/definitions/") :])
        if not isinstance(node, dict):
            return
    kind = node.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        out.append(path)
    properties = node.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            _integer_paths(sub, root, (*path, key), out)
    items = node.get("items")
    if isinstance(items, dict):
        _integer_paths(items, root, (*path, _EACH), out)


def _valid_date_time(value: str) -> bool:
    """The lenient ``date-time`` of ADR 0004, and a date that exists (no 31 February)."""
    if _DATE_TIME_PATTERN.match(value) is None:
        return False
    try:
        parse_ocpp_time(value)
    except ValueError:
        return False
    return True


@functools.cache
def _compiled(version: OcppVersion, action: str, direction: Direction) -> _CompiledSchema:
    """Load and compile one schema; once per process."""
    raw = _schema_path(version, action, direction).read_text(encoding="utf-8-sig")
    schema = orjson.loads(raw)
    multiple_of: list[_MultipleOf] = []
    _strip_multiple_of(schema, (), multiple_of)
    if b'"multipleOf"' in orjson.dumps(schema):  # e.g. under definitions: not handled
        raise RuntimeError(f"unhandled multipleOf in OCPP {version} {action} {direction} schema")
    _harden(schema)
    integers: list[tuple[_PathStep, ...]] = []
    _integer_paths(schema, schema, (), integers)
    validate = fastjsonschema.compile(
        schema, formats={"date-time": _valid_date_time}, use_default=False
    )
    return _CompiledSchema(validate, tuple(multiple_of), tuple(integers))


def _integral_floats_to_int(node: object, path: tuple[_PathStep, ...]) -> None:
    """Replace integral floats (``2.0``, which JSON Schema counts as an integer) at ``path``
    by ints in a validated payload, so the manager only ever sees ints there."""
    step, rest = path[0], path[1:]
    if step is _EACH:
        if isinstance(node, list):
            if rest:
                for item in node:
                    _integral_floats_to_int(item, rest)
            else:
                for index, item in enumerate(node):
                    if type(item) is float:
                        node[index] = int(item)
    elif isinstance(node, dict) and isinstance(step, str) and step in node:
        if rest:
            _integral_floats_to_int(node[step], rest)
        elif type(node[step]) is float:
            node[step] = int(node[step])


def _nul_field(value: object, name: str) -> str | None:
    """The path of the first string (value or key) holding NUL, or None."""
    if isinstance(value, str):
        return name if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{name}.{key}" if name else str(key)
            if "\x00" in key:
                return child
            found = _nul_field(item, child)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_field(item, f"{name}[{index}]")
            if found is not None:
                return found
    return None


def _values_at(
    node: object, path: tuple[_PathStep, ...], name: str
) -> Iterator[tuple[str, object]]:
    """The values found at ``path`` in an already validated payload, with readable names."""
    if not path:
        yield name, node
        return
    step, rest = path[0], path[1:]
    if step is _EACH:
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _values_at(item, rest, f"{name}[{index}]")
    elif isinstance(node, dict) and isinstance(step, str) and step in node:
        yield from _values_at(node[step], rest, f"{name}.{step}" if name else step)


def _is_multiple(value: float, factor: float) -> bool:
    quotient = value / factor
    return abs(quotient - round(quotient)) <= _MULTIPLE_OF_TOLERANCE


# --- Descriptions -----------------------------------------------------------------------


def _field_name(name: str | None) -> str:
    """fastjsonschema's ``data.a.b[0]`` as ``a.b[0]`` (``payload`` for the root)."""
    if not name or name == "data":
        return "payload"
    return name[5:] if name.startswith("data.") else name


def _child(parent: str, key: str) -> str:
    return key if parent == "payload" else f"{parent}.{key}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _a(value: object) -> str:
    """The JSON type of ``value`` with its article: "an integer", "a string"."""
    kind = _json_type(value)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _short(value: object) -> str:
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= 40 else text[:37] + "..."


class _SchemaError(Protocol):
    """What is read from a ``fastjsonschema.JsonSchemaValueException``."""

    message: str
    value: object
    name: str | None
    definition: object
    rule: str | None

    @property
    def rule_definition(self) -> object: ...


def _explain(error: _SchemaError) -> tuple[str, str, str]:
    """(rule, field, description) of a ``fastjsonschema.JsonSchemaValueException``."""
    rule = error.rule or "unknown"
    field = _field_name(error.name)
    value, definition, spec = error.value, error.definition, error.rule_definition
    if rule == "required" and isinstance(value, dict) and isinstance(spec, list):
        missing = [key for key in spec if key not in value]
        field = _child(field, str(missing[0])) if missing else field
        return rule, field, f"{field}: required field missing"
    if rule == "additionalProperties" and isinstance(value, dict) and isinstance(definition, dict):
        allowed = definition.get("properties", {})
        extra = sorted(key for key in value if key not in allowed)
        field = _child(field, extra[0]) if extra else field
        return rule, field, f"{field}: field not allowed by the schema"
    if rule == "type":
        return rule, field, f"{field}: must be {_expected(spec)}, got {_json_type(value)}"
    if rule == "maxLength" and isinstance(value, str):
        return rule, field, f"{field}: {len(value)} characters, at most {spec} allowed"
    if rule == "minLength" and isinstance(value, str):
        return rule, field, f"{field}: {len(value)} characters, at least {spec} required"
    if rule == "enum" and isinstance(spec, list):
        return rule, field, f"{field}: {_short(value)} is not one of {', '.join(map(str, spec))}"
    if rule == "format":
        return rule, field, f"{field}: {_short(value)} is not a valid {spec}"
    if rule in ("minimum", "maximum"):
        bound = "at least" if rule == "minimum" else "at most"
        return rule, field, f"{field}: {_short(value)} must be {bound} {spec}"
    message = str(error.message)
    if message.startswith("data"):
        message = message[4:].lstrip(".")
    return rule, field, f"{field}: {message.strip()} (rule {rule})"


def _expected(spec: object) -> str:
    return " or ".join(spec) if isinstance(spec, list) else str(spec)


# --- The framer -------------------------------------------------------------------------


class Framer:
    """Parses and validates the OCPP-J frames of one OCPP version; one per connection is fine."""

    __slots__ = ("_legacy", "_requests", "_version", "max_frame_bytes")

    def __init__(self, ocpp_version: str, max_frame_bytes: int = 65536) -> None:
        version = OcppVersion.parse(ocpp_version)  # ValueError for an unsupported one
        if max_frame_bytes <= 0:
            raise ValueError("max_frame_bytes must be positive")
        self._version = version
        self._legacy = version.is_16  # picks the 1.6 spelling of error codes
        self.max_frame_bytes = max_frame_bytes
        # action -> compiled request schema: a dict hit per call instead of a cache lookup
        self._requests: dict[str, _CompiledSchema] = {}

    @property
    def ocpp_version(self) -> OcppVersion:
        return self._version

    # -- public ---------------------------------------------------------------------------

    def parse(self, frame: str | bytes) -> InboundCall | InboundResult | InboundError:
        """Check one websocket frame from a charger; raises :class:`FrameRejected`."""
        if not isinstance(frame, str):
            raise self._reject(
                UNREADABLE_ID, "binary", "binary websocket frame; OCPP-J requires text frames"
            )
        # A character is one to four UTF-8 bytes: count the bytes only when in doubt.
        if len(frame) * 4 > self.max_frame_bytes:
            size = len(frame.encode("utf-8", "surrogatepass"))
            if size > self.max_frame_bytes:
                raise self._too_large(frame, size)
        try:
            message = orjson.loads(frame)
        except orjson.JSONDecodeError as exc:
            raise self._reject(UNREADABLE_ID, "not_json", f"frame is not JSON: {exc}") from None
        if type(message) is not list or not message:
            raise self._reject(
                UNREADABLE_ID, "not_array", f"frame is a JSON {_json_type(message)}, not an array"
            )
        kind = message[0]
        if kind == _CALL and type(kind) is int:
            return self._call(message, frame)
        if kind == _CALLRESULT and type(kind) is int:
            return self._result(message)
        if kind == _CALLERROR and type(kind) is int:
            return self._error(message)
        raise self._bad_type(message)

    def validate_call(
        self, action: str, payload_json: bytes, *, message_id: str = UNREADABLE_ID
    ) -> dict[str, Any]:
        """Check a charger's call as a node forwarded it (action and JSON payload) and
        return the payload; raises FrameRejected with the CallError `parse` would give."""
        try:
            payload = orjson.loads(payload_json)
        except orjson.JSONDecodeError as exc:
            raise self._reject(
                message_id, "payload_not_object", f"{_short(action)} payload is not JSON: {exc}"
            ) from None
        if type(payload) is not dict:
            raise self._reject(
                message_id,
                "payload_not_object",
                f"{_short(action)} payload is {_a(payload)}, not an object",
            )
        schema = self._requests.get(action)
        if schema is None:
            schema = self._request_schema(action, message_id)
        self._check(schema, action, payload, message_id, True, b"\\u0000" in payload_json)
        return payload

    def validate_response(
        self, action: str, payload: dict[str, Any], *, message_id: str = UNREADABLE_ID
    ) -> None:
        """Check a charger's CallResult to a task of ``action``; raises FrameRejected(reply=False)."""
        if action not in CSMS_ACTIONS[self._version]:
            raise self._reject(
                message_id,
                "unknown_action",
                f"no OCPP {self._version} task {action!r} to check a response against",
                reply=False,
            )
        self._check(
            _compiled(self._version, action, "response"), action, payload, message_id, False
        )

    def validate_request(
        self, action: str, payload: dict[str, Any], *, message_id: str = UNREADABLE_ID
    ) -> None:
        """Check a task before it is sent to the charger; raises FrameRejected(reply=False)."""
        version = self._version
        if action not in CSMS_ACTIONS[version]:
            if action in CHARGER_ACTIONS[version]:
                raise self._reject(
                    message_id,
                    "wrong_direction",
                    f"{action} is sent by a charger in OCPP {version}, never by a CSMS",
                    reply=False,
                )
            raise self._reject(
                message_id,
                "unknown_action",
                f"{action!r} is not an OCPP {version} action",
                reply=False,
            )
        if type(payload) is not dict:
            raise self._reject(
                message_id,
                "payload_not_object",
                f"{action} payload is a {type(payload).__name__}, not an object",
                reply=False,
            )
        self._check(_compiled(version, action, "request"), action, payload, message_id, False)

    # -- message types --------------------------------------------------------------------

    def _call(self, message: list[object], frame: str) -> InboundCall:
        message_id = self._message_id(message, reply=True)
        if len(message) != 4:
            raise self._reject(
                message_id,
                "bad_length",
                f"a Call has 4 elements [2, id, action, payload], this one has {len(message)}",
            )
        action = message[2]
        if type(action) is not str:
            raise self._reject(
                message_id, "bad_field", f"Call action is {_a(action)}, not a string"
            )
        payload = message[3]
        if type(payload) is not dict:
            raise self._reject(
                message_id,
                "payload_not_object",
                f"{action} payload is {_a(payload)}, not an object",
            )
        schema = self._requests.get(action)
        if schema is None:
            schema = self._request_schema(action, message_id)
        # NUL can only be written \u0000 in JSON text: walk the payload only then.
        self._check(schema, action, payload, message_id, True, "\\u0000" in frame)
        return InboundCall(message_id, action, payload, orjson.dumps(payload))

    def _result(self, message: list[object]) -> InboundResult:
        message_id = self._message_id(message, reply=False)
        if len(message) != 3:
            raise self._reject(
                message_id,
                "bad_length",
                f"a CallResult has 3 elements [3, id, payload], this one has {len(message)}",
                reply=False,
            )
        payload = message[2]
        if type(payload) is not dict:
            raise self._reject(
                message_id,
                "payload_not_object",
                f"CallResult payload is {_a(payload)}, not an object",
                reply=False,
            )
        return InboundResult(message_id, payload)

    def _error(self, message: list[object]) -> InboundError:
        message_id = self._message_id(message, reply=False)
        if len(message) != 5:
            raise self._reject(
                message_id,
                "bad_length",
                "a CallError has 5 elements [4, id, code, description, details], "
                f"this one has {len(message)}",
                reply=False,
            )
        code, description, details = message[2], message[3], message[4]
        if type(code) is not str or type(description) is not str:
            raise self._reject(
                message_id,
                "bad_field",
                "CallError errorCode and errorDescription must be strings, got "
                f"{_json_type(code)} and {_json_type(description)}",
                reply=False,
            )
        if type(details) is not dict:
            raise self._reject(
                message_id,
                "payload_not_object",
                f"CallError errorDetails is {_a(details)}, not an object",
                reply=False,
            )
        return InboundError(message_id, code, description, details)

    # -- helpers --------------------------------------------------------------------------

    def _message_id(self, message: list[object], *, reply: bool) -> str:
        if len(message) < 2:
            raise self._reject(UNREADABLE_ID, "bad_id", "frame has no message id", reply=reply)
        message_id = message[1]
        if type(message_id) is not str:
            raise self._reject(
                UNREADABLE_ID,
                "bad_id",
                f"message id is {_a(message_id)}, not a string",
                reply=reply,
            )
        if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
            raise self._reject(
                UNREADABLE_ID,
                "bad_id",
                f"message id has {len(message_id)} characters, "
                f"1 to {MAX_MESSAGE_ID_LENGTH} allowed",
                reply=reply,
            )
        return message_id

    def _request_schema(self, action: str, message_id: str) -> _CompiledSchema:
        version = self._version
        if action not in CHARGER_ACTIONS[version]:
            if action in CSMS_ACTIONS[version]:
                raise self._reject(
                    message_id,
                    "wrong_direction",
                    f"{action} is sent by a CSMS in OCPP {version}, never by a charger",
                )
            raise self._reject(
                message_id,
                "unknown_action",
                f"{_short(action)} is not an action a charger sends in OCPP {version}",
            )
        schema = self._requests[action] = _compiled(version, action, "request")
        return schema

    def _check(
        self,
        schema: _CompiledSchema,
        action: str,
        payload: dict[str, Any],
        message_id: str,
        reply: bool,
        check_nul: bool = True,
    ) -> None:
        try:
            schema.validate(payload)
        except fastjsonschema.JsonSchemaValueException as error:
            rule, field, description = _explain(error)
            raise self._reject(
                message_id,
                _SCHEMA_RULES.get(rule, "format"),
                f"{action}: {description}",
                {"field": field, "rule": rule},
                reply=reply,
            ) from None
        for path in schema.integers:
            if path:
                _integral_floats_to_int(payload, path)
        if check_nul:
            nul_at = _nul_field(payload, "")
            if nul_at is not None:
                raise self._reject(
                    message_id,
                    "property",
                    f"{action}: {nul_at}: the NUL character (\\u0000) is not allowed",
                    {"field": nul_at, "rule": "noNul"},
                    reply=reply,
                )
        for constraint in schema.multiple_of:
            for name, value in _values_at(payload, constraint.path, ""):
                if isinstance(value, int | float) and not _is_multiple(value, constraint.factor):
                    raise self._reject(
                        message_id,
                        "property",
                        f"{action}: {name}: {value} is not a multiple of {constraint.factor}",
                        {"field": name, "rule": "multipleOf"},
                        reply=reply,
                    )

    def _bad_type(self, message: list[object]) -> FrameRejected:
        kind = message[0]
        candidate = message[1] if len(message) > 1 else None
        message_id = (
            candidate
            if type(candidate) is str and 0 < len(candidate) <= MAX_MESSAGE_ID_LENGTH
            else UNREADABLE_ID
        )
        if type(kind) is not int:
            return self._reject(
                message_id,
                "type_not_int",
                f"message type id is {_a(kind)}, not an integer",
            )
        if self._version is OcppVersion.V21 and kind in _V21_UNANSWERED_TYPES:
            name = "CALLRESULTERROR" if kind == 5 else "SEND"
            return self._reject(
                message_id,
                "type_unknown",
                f"message type {kind} ({name}) is not supported by this CSMS",
                reply=False,
            )
        return self._reject(
            message_id, "type_unknown", f"message type {kind} is not supported; use 2, 3 or 4"
        )

    def _too_large(self, frame: str, size: int) -> FrameRejected:
        message_id, reply = UNREADABLE_ID, True
        try:  # the websocket layer bounds the absolute size; parse to let the charger correlate
            message = orjson.loads(frame)
        except orjson.JSONDecodeError:
            message = None
        if type(message) is list and len(message) >= 2:
            candidate = message[1]
            if type(candidate) is str and 0 < len(candidate) <= MAX_MESSAGE_ID_LENGTH:
                message_id = candidate
            reply = message[0] not in (_CALLRESULT, _CALLERROR)
        return self._reject(
            message_id,
            "too_large",
            f"frame is {size} bytes, the limit is {self.max_frame_bytes} bytes",
            {"size": size, "limit": self.max_frame_bytes},
            reply=reply,
        )

    def _reject(
        self,
        message_id: str,
        situation: _Situation,
        description: str,
        details: dict[str, Any] | None = None,
        *,
        reply: bool = True,
    ) -> FrameRejected:
        legacy, modern = _CODES[situation]
        return FrameRejected(
            message_id, legacy if self._legacy else modern, description, details, reply=reply
        )
