"""Write ``gen/openapi.json`` (``make gen``), the OpenAPI 3.0 document of the JSON API,
or check that it is fresh (``--check``).

Read from ``gen/csms/v1/descriptor.binpb`` (built with source info): every method of
the public services (`services.gateway.PUBLIC_SERVICES`) that has a ``google.api.http``
rule becomes an operation, described as Envoy's gRPC-JSON transcoder serves it:
path parameters from the template, query parameters for the other request fields of a
GET/DELETE, a body for ``body: "*"`` or a named field; proto3 JSON mapping in
lowerCamelCase (int64 as string, Timestamp as RFC 3339 date-time, enums by name,
FieldMask as a comma-separated string); errors as ``google.rpc.Status``; the server
stream as ``text/event-stream``. Proto comments become descriptions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "gen")]

from services.gateway import PUBLIC_SERVICES  # noqa: E402

DESCRIPTOR = ROOT / "gen" / "csms" / "v1" / "descriptor.binpb"
OUTPUT = ROOT / "gen" / "openapi.json"

FDP = descriptor_pb2.FieldDescriptorProto
_SCALARS: dict[int, dict[str, Any]] = {
    FDP.TYPE_DOUBLE: {"type": "number", "format": "double"},
    FDP.TYPE_FLOAT: {"type": "number", "format": "float"},
    FDP.TYPE_INT32: {"type": "integer", "format": "int32"},
    FDP.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FDP.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FDP.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0},
    FDP.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0},
    FDP.TYPE_INT64: {"type": "string", "format": "int64"},
    FDP.TYPE_SINT64: {"type": "string", "format": "int64"},
    FDP.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    FDP.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FDP.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FDP.TYPE_BOOL: {"type": "boolean"},
    FDP.TYPE_STRING: {"type": "string"},
    FDP.TYPE_BYTES: {"type": "string", "format": "byte"},
}
# Well-known types have their own JSON forms (proto3 JSON mapping).
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    ".google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    ".google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    ".google.protobuf.FieldMask": {
        "type": "string",
        "description": "Comma-separated lowerCamelCase field paths.",
    },
    ".google.protobuf.Empty": {"type": "object"},
    ".google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    ".google.protobuf.Value": {},
    ".google.protobuf.ListValue": {"type": "array", "items": {}},
    ".google.protobuf.StringValue": {"type": "string", "nullable": True},
    ".google.protobuf.BoolValue": {"type": "boolean", "nullable": True},
    ".google.protobuf.Int32Value": {"type": "integer", "format": "int32", "nullable": True},
    ".google.protobuf.UInt32Value": {"type": "integer", "format": "int64", "nullable": True},
    ".google.protobuf.Int64Value": {"type": "string", "format": "int64", "nullable": True},
    ".google.protobuf.UInt64Value": {"type": "string", "format": "uint64", "nullable": True},
    ".google.protobuf.DoubleValue": {"type": "number", "format": "double", "nullable": True},
    ".google.protobuf.FloatValue": {"type": "number", "format": "float", "nullable": True},
}
_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A gRPC status as JSON (Envoy's convert_grpc_status). `message` names "
    "the field at fault for INVALID_ARGUMENT.",
    "properties": {
        "code": {"type": "integer", "format": "int32", "description": "gRPC status code."},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object"}},
    },
}
_ERRORS = {
    "400": "INVALID_ARGUMENT (the message starts with the field name) or FAILED_PRECONDITION "
    "(the charger answered with a CallError, or the command does not exist in its OCPP version).",
    "401": "UNAUTHENTICATED: no API token, or one that is unknown or revoked; send "
    "`Authorization: Bearer <token>`.",
    "403": "PERMISSION_DENIED: the token's role cannot call this method (the message names "
    "the role needed).",
    "404": "NOT_FOUND: charger, id tag, transaction… never seen; or no such API method.",
    "409": "ALREADY_EXISTS.",
    "503": "UNAVAILABLE: the charger is not connected, or the database is down.",
    "504": "DEADLINE_EXCEEDED: the charger did not answer within the manager's TASK_TIMEOUT.",
}
#: The content type of each method answering google.api.HttpBody.
_HTTP_BODY_TYPES = {"ExportChargerMessages": "application/x-ndjson"}
_PATH_PARAM = re.compile(r"\{([^}=]+)(=[^}]*)?\}")


def _page_limits() -> dict[str, tuple[int, int]]:
    """(default, maximum) page size of every list request, from the code that enforces it."""
    from services.manager import _api_checks as _read_api
    from services.manager import _audit_api, _device_model_api, _messages_api, _tasks_api
    from services.manager.chargers import _base as _api
    from services.registry import _model as registry

    chargers = (_api.DEFAULT_PAGE_SIZE, _api.MAX_PAGE_SIZE)
    return {
        ".csms.v1.ListChargersRequest": chargers,
        ".csms.v1.ListChargerRequestsRequest": chargers,
        ".csms.v1.ListVariablesRequest": _device_model_api.PAGE_LIMITS,
        ".csms.v1.ListDeviceEventsRequest": _device_model_api.PAGE_LIMITS,
        ".csms.v1.ListIdTagsRequest": _read_api.ID_TAG_PAGE,
        ".csms.v1.ListLocationsRequest": _read_api.LOCATION_PAGE,
        ".csms.v1.ListReservationsRequest": _read_api.RESERVATION_PAGE,
        ".csms.v1.ListTransactionsRequest": _read_api.TRANSACTION_PAGE,
        ".csms.v1.ListMeterValuesRequest": _read_api.METER_VALUE_PAGE,
        ".csms.v1.ListAuditEntriesRequest": _audit_api.AUDIT_PAGE,
        ".csms.v1.ListTasksRequest": _tasks_api.TASK_PAGE,
        ".csms.v1.ListChargerMessagesRequest": _messages_api.MESSAGE_PAGE,
        ".csms.v1.ListChargerLocationsRequest": (
            registry.DEFAULT_PAGE_SIZE,
            registry.MAX_PAGE_SIZE,
        ),
    }


def _limits() -> dict[str, dict[str, Any]]:
    """Constraints the API enforces, by "<message>.<field>", for the schemas (an API fuzzer
    reads the limits from the document). Taken from the enforcing code, so they cannot drift;
    tests/test_gateway_errors.py checks each stated bound against the running API."""
    from services.manager.chargers import _base as _api

    limits: dict[str, dict[str, Any]] = {
        f"{message}.page_size": {
            "minimum": 0,
            "maximum": maximum,
            "default": 0,
            "x-default-page-size": default,
        }
        for message, (default, maximum) in _page_limits().items()
    }
    limits["charger_id"] = {"minLength": 1, "maxLength": _api.MAX_CHARGER_ID_LENGTH}
    return limits


_LIMITS = _limits()


def _comments(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    """Leading and trailing comments of `file`, by source-info path."""
    found: dict[tuple[int, ...], str] = {}
    for loc in file.source_code_info.location:
        parts = [loc.leading_comments.strip(), loc.trailing_comments.strip()]
        text = "\n".join(" ".join(line.strip() for line in p.splitlines()) for p in parts if p)
        if text:
            found[tuple(loc.path)] = text
    return found


class _Api:
    """The descriptor set, indexed by full name, and the schemas reached so far."""

    def __init__(self, files: descriptor_pb2.FileDescriptorSet) -> None:
        self.messages: dict[str, tuple[descriptor_pb2.DescriptorProto, str]] = {}
        self.enums: dict[str, tuple[descriptor_pb2.EnumDescriptorProto, str]] = {}
        self.services: dict[str, tuple[descriptor_pb2.ServiceDescriptorProto, str]] = {}
        self.docs: dict[str, str] = {}  # full name (or "Msg.field") → comment
        for file in files.file:
            comments = _comments(file)
            package = f".{file.package}" if file.package else ""
            for i, message in enumerate(file.message_type):
                self._message(message, package, (4, i), comments)
            for i, enum in enumerate(file.enum_type):
                self._enum(enum, package, (5, i), comments)
            for i, service in enumerate(file.service):
                name = f"{package}.{service.name}"
                self.services[name] = (service, name)
                self.docs[name] = comments.get((6, i), "")
                for j, method in enumerate(service.method):
                    self.docs[f"{name}.{method.name}"] = comments.get((6, i, 2, j), "")
        self.schemas: dict[str, Any] = {}

    def _message(
        self,
        message: descriptor_pb2.DescriptorProto,
        scope: str,
        path: tuple[int, ...],
        comments: dict[tuple[int, ...], str],
    ) -> None:
        name = f"{scope}.{message.name}"
        self.messages[name] = (message, name)
        self.docs[name] = comments.get(path, "")
        for i, fld in enumerate(message.field):
            self.docs[f"{name}.{fld.name}"] = comments.get((*path, 2, i), "")
        for i, nested in enumerate(message.nested_type):
            self._message(nested, name, (*path, 3, i), comments)
        for i, enum in enumerate(message.enum_type):
            self._enum(enum, name, (*path, 4, i), comments)

    def _enum(
        self,
        enum: descriptor_pb2.EnumDescriptorProto,
        scope: str,
        path: tuple[int, ...],
        comments: dict[tuple[int, ...], str],
    ) -> None:
        name = f"{scope}.{enum.name}"
        self.enums[name] = (enum, name)
        values = [
            f"{v.name}: {comments[(*path, 2, i)]}"
            for i, v in enumerate(enum.value)
            if (*path, 2, i) in comments
        ]
        self.docs[name] = "\n".join(filter(None, [comments.get(path, ""), *values]))

    @staticmethod
    def component(full_name: str) -> str:
        return full_name.lstrip(".").removeprefix("csms.v1.")

    def ref(self, full_name: str) -> dict[str, Any]:
        """A $ref to the schema of a message or enum, generating it on first use."""
        if full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[full_name])
        key = self.component(full_name)
        if key not in self.schemas:
            self.schemas[key] = {}  # placeholder: recursive messages terminate
            if full_name in self.enums:
                self.schemas[key] = self._enum_schema(full_name)
            else:
                self.schemas[key] = self.message_schema(full_name)
        return {"$ref": f"#/components/schemas/{key}"}

    def _enum_schema(self, full_name: str) -> dict[str, Any]:
        enum, _ = self.enums[full_name]
        schema: dict[str, Any] = {"type": "string", "enum": [v.name for v in enum.value]}
        if self.docs.get(full_name):
            schema["description"] = self.docs[full_name]
        return schema

    def is_map(self, fld: descriptor_pb2.FieldDescriptorProto) -> bool:
        if fld.type != FDP.TYPE_MESSAGE or fld.label != FDP.LABEL_REPEATED:
            return False
        entry = self.messages.get(fld.type_name)
        return entry is not None and entry[0].options.map_entry

    def field_schema(self, owner: str, fld: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        if fld.name == "page_size" and f"{owner}.page_size" not in _LIMITS:
            sys.exit(f"{owner}.page_size has no stated limit: add it to _page_limits()")
        if self.is_map(fld):
            entry, _ = self.messages[fld.type_name]
            value = next(f for f in entry.field if f.name == "value")
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self._single(value),
            }
        elif fld.label == FDP.LABEL_REPEATED:
            schema = {"type": "array", "items": self._single(fld)}
        else:
            schema = self._single(fld)
        schema.update(_LIMITS.get(f"{owner}.{fld.name}", {}))
        doc = self.docs.get(f"{owner}.{fld.name}")
        if doc:
            if "$ref" in schema:  # OpenAPI 3.0 ignores siblings of $ref
                schema = {"allOf": [schema]}
            schema["description"] = doc
        return schema

    def _single(self, fld: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        if fld.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
            return self.ref(fld.type_name)
        return dict(_SCALARS[fld.type])

    def message_schema(self, full_name: str, *, without: frozenset[str] = frozenset()) -> Any:
        message, _ = self.messages[full_name]
        properties = {
            fld.json_name: self.field_schema(full_name, fld)
            for fld in message.field
            if fld.name not in without
        }
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if self.docs.get(full_name):
            schema["description"] = self.docs[full_name]
        return schema

    def query_parameters(
        self, full_name: str, prefix: str, skip: frozenset[str], depth: int = 0
    ) -> Iterator[dict[str, Any]]:
        """Query parameters for the fields of `full_name` not bound by the path."""
        message, _ = self.messages[full_name]
        for fld in message.field:
            name = f"{prefix}{fld.json_name}"
            if f"{prefix}{fld.name}" in skip or name in skip or self.is_map(fld):
                continue
            if (
                fld.type == FDP.TYPE_MESSAGE
                and fld.type_name not in _WELL_KNOWN
                and fld.label != FDP.LABEL_REPEATED
            ):
                if depth < 3:
                    yield from self.query_parameters(fld.type_name, f"{name}.", skip, depth + 1)
                continue
            schema = self.field_schema(full_name, fld)
            description = schema.pop("description", "")
            param: dict[str, Any] = {"name": name, "in": "query", "schema": schema}
            if fld.label == FDP.LABEL_REPEATED:
                param.update(style="form", explode=True)
            if description:
                param["description"] = description
            yield param


def _rule_bindings(rule: http_pb2.HttpRule) -> Iterator[tuple[str, str, str]]:
    """(verb, path template, body) for a rule and its additional bindings."""
    pattern = rule.WhichOneof("pattern")
    if pattern == "custom":
        yield rule.custom.kind.lower(), rule.custom.path, rule.body
    elif pattern is not None:
        yield pattern, getattr(rule, pattern), rule.body
    for extra in rule.additional_bindings:
        yield from _rule_bindings(extra)


def _operation(
    api: _Api,
    service: str,
    method: descriptor_pb2.MethodDescriptorProto,
    verb: str,
    template: str,
    body: str,
) -> tuple[str, dict[str, Any]]:
    path_fields = [m.group(1) for m in _PATH_PARAM.finditer(template)]
    path = _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", template)
    doc = api.docs.get(f"{service}.{method.name}", "")
    short = service.rsplit(".", 1)[-1]
    op: dict[str, Any] = {
        "operationId": f"{short}_{method.name}",
        "tags": [short],
        "summary": doc.split(". ")[0].rstrip(".") if doc else method.name,
    }
    if doc:
        op["description"] = doc
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", **_LIMITS.get(name.rsplit(".", 1)[-1], {})},
        }
        for name in path_fields
    ]
    skip = frozenset(path_fields)
    if body not in ("", "*"):  # the other fields are query parameters, like for a GET
        skip |= {body}
    if body != "*":
        params.extend(api.query_parameters(method.input_type, "", skip))
    if body == "*":
        schema = api.message_schema(method.input_type, without=skip)
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    elif body:
        message, _ = api.messages[method.input_type]
        fld = next(f for f in message.field if f.name == body)
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": api.field_schema(method.input_type, fld)}},
        }
    if params:
        op["parameters"] = params
    if method.output_type == ".google.api.HttpBody":
        # Envoy sends an HttpBody's bytes as the body, with its content type.
        ok = {
            "description": "The raw body (the first message's content type; a stream is "
            "sent as it comes).",
            "content": {
                _HTTP_BODY_TYPES.get(method.name, "application/octet-stream"): {
                    "schema": {"type": "string", "format": "binary"}
                }
            },
        }
    elif method.server_streaming:
        response = api.ref(method.output_type)
        ok = {
            "description": "A stream of server-sent events: one `data: <JSON message>` "
            "frame per message (Envoy's stream_sse_style_delimited); no timeout.",
            "content": {"text/event-stream": {"schema": response}},
        }
    else:
        response = api.ref(method.output_type)
        ok = {"description": "OK", "content": {"application/json": {"schema": response}}}
    op["responses"] = {
        "200": ok,
        **{code: {"$ref": f"#/components/responses/Error{code}"} for code in _ERRORS},
    }
    return path, op


def build(descriptor: Path = DESCRIPTOR) -> dict[str, Any]:
    """The OpenAPI document for the public services in `descriptor`."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor.read_bytes())
    api = _Api(files)
    paths: dict[str, dict[str, Any]] = {}
    tags = []
    for service_name in PUBLIC_SERVICES:
        full = f".{service_name}"
        if full not in api.services:
            sys.exit(f"{service_name} is not in {descriptor}")
        service, _ = api.services[full]
        tags.append({"name": service.name, "description": api.docs.get(full, "")})
        for method in service.method:
            if not method.options.HasExtension(annotations_pb2.http):
                continue
            rule = method.options.Extensions[annotations_pb2.http]
            for n, (verb, template, body) in enumerate(_rule_bindings(rule)):
                path, op = _operation(api, full, method, verb, template, body)
                if n:  # an additional binding: operation ids are unique
                    op["operationId"] += f"_{n + 1}"
                paths.setdefault(path, {})[verb] = op
    api.schemas["Status"] = _STATUS_SCHEMA
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "OCPP CSMS JSON API",
            "version": "v1",
            "description": "The CSMS's public gRPC API as JSON over HTTP, served by Envoy's "
            "gRPC-JSON transcoder (docs/adr/0008-envoy-gateway.md). Field names are "
            "lowerCamelCase (proto names are accepted in requests); int64 values are "
            "strings; unknown query parameters are ignored, unknown body fields are refused "
            "(400 naming the field); unknown paths get 404 and undeclared methods on a "
            "declared path 405; every error is a google.rpc.Status JSON. "
            "Generated from proto/ by tools/gen_openapi.py: do not edit.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (csms_...) with a role: viewer, operator or "
                    "admin. CSMS_ADMIN_TOKEN bootstraps the first admin; `make run` prints one.",
                }
            },
            "schemas": dict(sorted(api.schemas.items())),
            "responses": {
                f"Error{code}": {
                    "description": text,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}
                    },
                }
                for code, text in _ERRORS.items()
            },
        },
    }


def render(descriptor: Path = DESCRIPTOR) -> str:
    return json.dumps(build(descriptor), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"fail if {OUTPUT} is stale")
    args = parser.parse_args()
    text = render()
    relative = OUTPUT.relative_to(ROOT)
    if args.check:
        if not OUTPUT.is_file() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{relative} is out of date with proto/: run `make gen` and commit the result.")
            return 1
        print(f"{relative} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"generated {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
