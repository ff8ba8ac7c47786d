"""Gateway settings and the rendering of ``envoy/envoy.yaml`` into a runnable Envoy config.

The template holds the shape (listener, filters, routes, clusters); everything that
differs between ``make run`` and the compose deployment is an explicit parameter of
`GatewaySettings`. Static files cannot be served from a directory by Envoy, so the
renderer lists ``ui/`` and makes one ``direct_response`` route per file.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from services.common import env_float, env_int, env_str

#: Where a node answers the gateway's active health check (services/node/_node.py HEALTH_PATH).
HEALTH_PATH = "/health"

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "envoy" / "envoy.yaml"
UNKNOWN_FIELDS_LUA = ROOT / "envoy" / "unknown_fields.lua"
UI_DIR = ROOT / "ui"
OPENAPI = ROOT / "gen" / "openapi.json"

# The services the JSON gateway exposes. `Events` and `Node` (node <-> manager) are
# internal and never transcoded; the OpenAPI document covers exactly these.
PUBLIC_SERVICES = (
    "csms.v1.ChargerService",
    "csms.v1.TransactionService",
    "csms.v1.IdTagService",
    "csms.v1.ReservationService",
    "csms.v1.LocationService",
    "csms.v1.Registry",
    "csms.v1.WatchService",
    "csms.v1.DeviceModelService",
    "csms.v1.AuthService",
    "csms.v1.AuditService",
    "csms.v1.TaskService",
    "csms.v1.NodeService",
    "csms.v1.MessageService",
)

# Content types Envoy announces for static files; `mimetypes` for anything else.
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
# Directories under ui/ that are sources or tooling, never served.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "tests", "test"})
# Envoy's direct_response bodies are held in memory; at least this much is allowed.
_MIN_BODY_BYTES = 1 << 20

_BLOCK = re.compile(r"^(?P<indent>[ \t]*)@\{(?P<name>\w+)\}[ \t]*$", re.MULTILINE)
_ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9.\-_]+):(?P<port>\d{1,5})$")


# Envoy's own replies (transcoder errors, unknown paths, 405, no node/manager reachable) get
# the same JSON body as the manager's errors, a google.rpc.Status: HTTP status -> gRPC code.
_LOCAL_REPLY_CODES = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    405: 12,  # UNIMPLEMENTED: the path exists, the method does not
    408: 4,  # DEADLINE_EXCEEDED
    413: 8,  # RESOURCE_EXHAUSTED: body above max_request_body_size
    429: 8,  # RESOURCE_EXHAUSTED
    431: 8,  # RESOURCE_EXHAUSTED
    500: 13,  # INTERNAL
    501: 12,  # UNIMPLEMENTED
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}
_UNKNOWN_CODE = 2  # any other error status
# A path variable of a google.api.http template: one segment, stopping at a ":verb" suffix.
_TEMPLATE_VARIABLE = re.compile(r"\{[^}]*\}")


class GatewayConfigError(ValueError):
    """A gateway setting cannot be rendered (bad address, missing descriptor, …)."""


def default_descriptor() -> Path:
    """The descriptor set `make gen` writes (installed with the `csms` package)."""
    return Path(str(resources.files("csms.v1") / "descriptor.binpb"))


def parse_address(value: str) -> tuple[str, int]:
    """``host:port`` → (host, port); a bad value raises GatewayConfigError naming it."""
    match = _ADDRESS.match(value.strip())
    if match is None or not 0 < int(match["port"]) < 65536:
        raise GatewayConfigError(f"{value!r} is not a host:port address")
    return match["host"], int(match["port"])


@dataclass(slots=True)
class GatewaySettings:
    """Everything that differs between deployments of the one Envoy template."""

    manager_address: str = "127.0.0.1:50051"  # gRPC upstream for the JSON API
    node_addresses: Sequence[str] = ("127.0.0.1:9000",)  # websocket upstreams, round robin
    listen_host: str = "0.0.0.0"
    listen_port: int = 8080
    admin_port: int = 9901  # always on 127.0.0.1; 0 = any free port
    api_timeout: float = 60.0  # unary /v1/ calls; keep above the manager's TASK_TIMEOUT
    connect_timeout: float = 2.0  # to the manager and to nodes
    node_health_interval: float = 1.0  # Envoy's active health check of each node, seconds
    node_health_timeout: float = 1.0  # a node not answering /health in this time is unhealthy
    # Envoy's gRPC health check of each manager (grpc.health.v1), seconds: every interval,
    # and a manager not answering SERVING twice in a row leaves the rotation.
    manager_health_interval: float = 2.0
    manager_health_timeout: float = 1.0
    # Envoy's own metrics for Prometheus: a listener serving only /stats/prometheus (taken
    # from the admin interface, which needs a fixed admin_port then). 0 = no such listener.
    stats_port: int = 0
    stats_host: str = "127.0.0.1"  # like the admin port; 0.0.0.0 for a Prometheus elsewhere
    # Exact origins (scheme://host[:port]) a browser may call /v1/ from; none by default:
    # the web UI is served by this gateway, so it is same-origin and needs no CORS.
    cors_origins: Sequence[str] = ()
    ui_dir: Path | None = UI_DIR  # absent directory = no UI routes
    openapi: Path | None = OPENAPI  # served at /openapi.json when the file exists
    descriptor: Path = field(default_factory=default_descriptor)
    template: Path = TEMPLATE
    log_level: str = "warning"  # Envoy's own log (the access log is always on)
    concurrency: int = 2  # Envoy worker threads
    # TCP pass-through of chargers' TLS (wss://) to the nodes' TLS ports, which terminate
    # it (docs/adr/0012): 0 = no such listener.
    tls_port: int = 0
    tls_node_addresses: Sequence[str] = ()  # the nodes' host:NODE_TLS_PORT, round robin
    # A client must send its whole request head (request line and headers, websocket
    # upgrades included) within this time after its first byte, else Envoy closes it:
    # half-open handshakes cannot pile up (slowloris).
    request_headers_timeout: float = 10.0
    # A connection with no request in flight is closed after this long (open websockets
    # are requests in flight, so chargers are not affected).
    idle_timeout: float = 300.0
    # Downstream connections Envoy holds at most, chargers' websockets included; more are
    # refused at accept (overload manager), so a flood cannot exhaust its memory or fds.
    max_connections: int = 20_000

    @classmethod
    def from_env(cls, **overrides: Any) -> GatewaySettings:
        """Settings from GATEWAY_* variables (README, "Gateway"); `overrides` win."""
        values: dict[str, Any] = {
            "manager_address": env_str(
                "GATEWAY_MANAGER", env_str("MANAGER_ADDRESS", "127.0.0.1:50051")
            ),
            "node_addresses": _split(env_str("GATEWAY_NODES", "127.0.0.1:9000")),
            "listen_host": env_str("GATEWAY_HOST", "0.0.0.0"),
            "listen_port": env_int("GATEWAY_PORT", 8080, minimum=1),
            "admin_port": env_int("GATEWAY_ADMIN_PORT", 9901),
            "api_timeout": env_float("GATEWAY_API_TIMEOUT", 60.0, minimum=1.0),
            "cors_origins": _split(env_str("GATEWAY_CORS_ORIGINS", "")),
            "ui_dir": Path(env_str("GATEWAY_UI_DIR", str(UI_DIR))),
            "openapi": Path(env_str("GATEWAY_OPENAPI", str(OPENAPI))),
            "node_health_interval": env_float("GATEWAY_NODE_HEALTH_INTERVAL", 1.0, minimum=0.1),
            "manager_health_interval": env_float(
                "GATEWAY_MANAGER_HEALTH_INTERVAL", 2.0, minimum=0.1
            ),
            "stats_port": env_int("GATEWAY_STATS_PORT", 0),
            "stats_host": env_str("GATEWAY_STATS_HOST", "127.0.0.1"),
            "log_level": env_str("GATEWAY_LOG_LEVEL", "warning"),
            "concurrency": env_int("GATEWAY_CONCURRENCY", 2, minimum=1),
            "tls_port": env_int("GATEWAY_TLS_PORT", 0),
            "tls_node_addresses": _split(env_str("GATEWAY_TLS_NODES", "")),
            "request_headers_timeout": env_float(
                "GATEWAY_REQUEST_HEADERS_TIMEOUT", 10.0, minimum=0.1
            ),
            "idle_timeout": env_float("GATEWAY_IDLE_TIMEOUT", 300.0, minimum=1.0),
            "max_connections": env_int("GATEWAY_MAX_CONNECTIONS", 20_000, minimum=1),
        }
        if os.environ.get("GATEWAY_DESCRIPTOR"):
            values["descriptor"] = Path(os.environ["GATEWAY_DESCRIPTOR"])
        if os.environ.get("GATEWAY_TEMPLATE"):
            values["template"] = Path(os.environ["GATEWAY_TEMPLATE"])
        values.update(overrides)
        return cls(**values)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _endpoint(address: str) -> dict[str, Any]:
    host, port = parse_address(address)
    return {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")


def _origin_matchers(origins: Sequence[str]) -> list[dict[str, Any]]:
    """Envoy matchers for an allowlist of exact origins; none = no cross-origin access."""
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise GatewayConfigError(
                f"GATEWAY_CORS_ORIGINS: {origin!r} is not an exact origin; list each origin a "
                "browser may call the API from, comma-separated, as scheme://host[:port] "
                "(e.g. https://ops.example.com), or leave it unset for none (wildcards are "
                "not accepted)"
            )
    return [{"exact": origin} for origin in origins]


def content_type(path: Path) -> str:
    """The content-type header for a static file."""
    known = _CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def static_files(ui_dir: Path | None) -> Iterator[tuple[str, Path]]:
    """(URL path, file) for every file served from `ui_dir`, sorted; none if it is absent.

    Hidden files and tooling directories (node_modules, tests) are skipped;
    ``index.html`` is also served at its directory's path (``/``, ``/sub/``).
    """
    if ui_dir is None or not ui_dir.is_dir():
        return
    for file in sorted(ui_dir.rglob("*")):
        relative = file.relative_to(ui_dir)
        if not file.is_file() or any(
            part.startswith(".") or part in _SKIPPED_DIRS for part in relative.parts
        ):
            continue
        url = "/" + relative.as_posix()
        if file.name == "index.html":
            yield url.removesuffix("index.html"), file
        yield url, file


# Per-route config turning the API filters off (websockets, static files, 405 answers).
_NO_TRANSCODER = {
    name: {"@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", "disabled": True}
    for name in ("envoy.filters.http.lua", "envoy.filters.http.grpc_json_transcoder")
}


def _file_route(url: str, file: Path, cache_control: str) -> dict[str, Any]:
    return {
        "match": {"path": url},
        "typed_per_filter_config": _NO_TRANSCODER,
        "direct_response": {"status": 200, "body": {"filename": str(file.resolve())}},
        "response_headers_to_add": [
            {"header": {"key": "content-type", "value": content_type(file)}},
            {"header": {"key": "cache-control", "value": cache_control}},
        ],
    }


def _static_routes(settings: GatewaySettings) -> tuple[list[dict[str, Any]], int]:
    """The direct_response routes and the largest body among them."""
    files: list[tuple[str, Path, str]] = []
    if settings.openapi is not None and settings.openapi.is_file():
        files.append(("/openapi.json", settings.openapi, "no-cache"))
    files.extend((url, file, "no-cache") for url, file in static_files(settings.ui_dir))
    routes = [_file_route(url, file, cache) for url, file, cache in files]
    largest = max((file.stat().st_size for _, file, _ in files), default=0)
    return routes, largest


@dataclass(frozen=True, slots=True)
class HttpBinding:
    """One google.api.http rule of a public method, as the transcoder maps it."""

    verb: str  # GET, POST, ...
    template: str  # /v1/chargers/{charger_id}:reset
    body: str  # "" (no body), "*" (the whole request) or the request field it fills
    method: str  # csms.v1.ChargerService.Reset
    input_type: str  # csms.v1.ResetRequest


def http_bindings(
    files: descriptor_pb2.FileDescriptorSet, services: Sequence[str] = PUBLIC_SERVICES
) -> list[HttpBinding]:
    """Every google.api.http binding of `services` in the descriptor set."""
    wanted = set(services)
    found: list[HttpBinding] = []
    for file in files.file:
        package = file.package
        for service in file.service:
            full = f"{package}.{service.name}" if package else service.name
            if full not in wanted:
                continue
            for method in service.method:
                if not method.options.HasExtension(annotations_pb2.http):
                    continue
                rule = method.options.Extensions[annotations_pb2.http]
                for one in (rule, *rule.additional_bindings):
                    pattern = one.WhichOneof("pattern")
                    if pattern is None:
                        continue
                    if pattern == "custom":
                        verb, template = one.custom.kind.upper(), one.custom.path
                    else:
                        verb, template = pattern.upper(), getattr(one, pattern)
                    found.append(
                        HttpBinding(
                            verb,
                            template,
                            one.body,
                            f"{full}.{method.name}",
                            method.input_type.lstrip("."),
                        )
                    )
    return found


def load_descriptor(path: Path) -> descriptor_pb2.FileDescriptorSet:
    return descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())


def _path_regex(template: str) -> str:
    """An RE2 regex for the paths a template matches (a variable is one segment)."""
    parts = _TEMPLATE_VARIABLE.split(template)
    return "[^/:]+".join(re.escape(part) for part in parts)


def _method_not_allowed_routes(bindings: Sequence[HttpBinding]) -> list[dict[str, Any]]:
    """A 405 route per declared path for every method it does not declare (CORS preflights
    excepted): the transcoder alone can only say 404 to those."""
    verbs: dict[str, set[str]] = {}
    for binding in bindings:
        verbs.setdefault(_path_regex(binding.template), set()).add(binding.verb)
    routes = []
    for regex, allowed in sorted(verbs.items()):
        listed = ", ".join(sorted(allowed))
        routes.append(
            {
                "match": {
                    "safe_regex": {"regex": regex},
                    "headers": [
                        {
                            "name": ":method",
                            "string_match": {
                                "safe_regex": {"regex": "|".join(sorted(allowed | {"OPTIONS"}))}
                            },
                            "invert_match": True,
                        }
                    ],
                },
                "typed_per_filter_config": _NO_TRANSCODER,
                "direct_response": {
                    "status": 405,
                    "body": {"inline_string": f"this path allows {listed} only"},
                },
                "response_headers_to_add": [{"header": {"key": "allow", "value": listed}}],
            }
        )
    return routes


_LUA_MAGIC = re.compile(r"([\^$()%.\[\]*+\-?])")


def _lua(value: Any) -> str:
    """A Lua literal for a JSON-like value of plain ASCII strings, lists and dicts."""
    if isinstance(value, str):
        if not value.isascii() or any(c in value for c in '"\\\n\r'):
            raise GatewayConfigError(f"cannot embed {value!r} in the Lua filter")
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    raise GatewayConfigError(f"cannot embed {value!r} in the Lua filter")


def _lua_path_pattern(template: str) -> str:
    parts = _TEMPLATE_VARIABLE.split(template)
    return "^" + "[^/:]+".join(_LUA_MAGIC.sub(r"%\1", part) for part in parts) + "$"


def unknown_fields_lua(
    files: descriptor_pb2.FileDescriptorSet,
    bindings: Sequence[HttpBinding],
    template: Path = UNKNOWN_FIELDS_LUA,
) -> str:
    """The Lua filter refusing unknown body fields, with the tables for `bindings`."""
    fdp = descriptor_pb2.FieldDescriptorProto
    messages: dict[str, descriptor_pb2.DescriptorProto] = {}

    def index(message: descriptor_pb2.DescriptorProto, scope: str) -> None:
        name = f"{scope}.{message.name}" if scope else message.name
        messages[name] = message
        for nested in message.nested_type:
            index(nested, name)

    for file in files.file:
        for message in file.message_type:
            index(message, file.package)

    def kind(field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type != fdp.TYPE_MESSAGE:
            return ""
        type_name = field.type_name.lstrip(".")
        entry = messages.get(type_name)
        if entry is not None and entry.options.map_entry:
            value = next(f for f in entry.field if f.name == "value")
            inner = kind(value)
            return "V:" + inner[2:] if inner.startswith("M:") else ""
        if type_name.startswith("google.protobuf.") or entry is None:
            return ""  # well-known types have their own JSON forms
        return "M:" + type_name

    routes: list[list[str]] = []
    wanted: list[str] = []
    for binding in bindings:
        if not binding.body:
            continue
        body_type, prefix = binding.input_type, ""
        if binding.body != "*":
            field = next(f for f in messages[binding.input_type].field if f.name == binding.body)
            body_kind = kind(field)
            if not body_kind.startswith("M:"):
                continue
            body_type, prefix = body_kind[2:], f"{binding.body}."
        routes.append(
            [binding.verb, _lua_path_pattern(binding.template), body_type, prefix, binding.method]
        )
        wanted.append(body_type)
    tables: dict[str, dict[str, list[str]]] = {}
    while wanted:
        name = wanted.pop()
        if name in tables:
            continue
        fields: dict[str, list[str]] = {}
        for field in messages[name].field:
            field_kind = kind(field)
            fields[field.json_name] = fields[field.name] = [field_kind, field.name]
            if field_kind:
                wanted.append(field_kind[2:])
        tables[name] = fields
    source = template.read_text()
    return source.replace("@ROUTES@", _lua(routes)).replace(
        "@MESSAGES@", _lua(dict(sorted(tables.items())))
    )


def _status_json(code: int, message: str) -> dict[str, Any]:
    return {"json_format": {"code": code, "message": message, "details": []}}


def _local_reply_mappers() -> list[dict[str, Any]]:
    """Envoy's own error replies as google.rpc.Status JSON (like convert_grpc_status).

    A local reply is text to a JSON client even when the transcoder has already turned
    the request into gRPC (Envoy formats it by the client's original content type), so
    matching on the status alone covers transcoder errors and router errors alike.
    """

    def status_is(op: str, value: int) -> dict[str, Any]:
        return {
            "status_code_filter": {
                "comparison": {
                    "op": op,
                    "value": {"default_value": value, "runtime_key": f"gateway.json_{value}"},
                }
            }
        }

    mappers = []
    for status, code in _LOCAL_REPLY_CODES.items():
        message = "%LOCAL_REPLY_BODY%"
        if status == 405:
            message = "%REQ(:METHOD)% is not allowed on %REQ(:PATH)%: %LOCAL_REPLY_BODY%"
        mappers.append(
            {
                "filter": status_is("EQ", status),
                "body_format_override": _status_json(code, message),
            }
        )
    mappers.append(
        {
            "filter": status_is("GE", 400),
            "body_format_override": _status_json(_UNKNOWN_CODE, "%LOCAL_REPLY_BODY%"),
        }
    )
    return mappers


def _tls_passthrough(
    settings: GatewaySettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The TLS listener and its cluster: TCP proxy to the nodes' wss:// ports (none without
    GATEWAY_TLS_PORT). TLS ends at the node, which verifies client certificates itself."""
    if not settings.tls_port:
        return [], []
    if not settings.tls_node_addresses:
        raise GatewayConfigError(
            "GATEWAY_TLS_PORT needs GATEWAY_TLS_NODES: the nodes' host:NODE_TLS_PORT addresses"
        )
    listener = {
        "name": "chargers_tls",
        "address": {
            "socket_address": {"address": settings.listen_host, "port_value": settings.tls_port}
        },
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.tcp_proxy",
                        "typed_config": {
                            "@type": "type.googleapis.com/"
                            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                            "stat_prefix": "chargers_tls",
                            "cluster": "nodes_tls",
                        },
                    }
                ]
            }
        ],
    }
    health_check: dict[str, Any] = {"tcp_health_check": {}}
    endpoints = [_endpoint(address) for address in settings.tls_node_addresses]
    plain = _plain_ports(settings)
    if plain is not None:
        # The node's own /health on its websocket port (503 while it drains), as for /ocpp/.
        health_check = {"http_health_check": {"path": HEALTH_PATH}}
        for endpoint, port in zip(endpoints, plain, strict=True):
            endpoint["endpoint"]["health_check_config"] = {"port_value": port}
    cluster = {
        "name": "nodes_tls",
        "type": "STRICT_DNS",
        "dns_lookup_family": "V4_ONLY",
        "lb_policy": "ROUND_ROBIN",
        "connect_timeout": f"{settings.connect_timeout:g}s",
        "health_checks": [
            {
                "timeout": f"{settings.node_health_timeout:g}s",
                "interval": f"{settings.node_health_interval:g}s",
                "no_traffic_interval": f"{settings.node_health_interval:g}s",
                "unhealthy_threshold": 1,
                "healthy_threshold": 1,
                **health_check,
            }
        ],
        "common_lb_config": {"healthy_panic_threshold": {"value": 0}},
        "load_assignment": {
            "cluster_name": "nodes_tls",
            "endpoints": [{"lb_endpoints": endpoints}],
        },
    }
    return [listener], [cluster]


def _plain_ports(settings: GatewaySettings) -> list[int] | None:
    """The websocket port of each TLS node, when GATEWAY_TLS_NODES pairs one for one (same
    host, same order) with GATEWAY_NODES; None when they do not pair (then the TLS
    cluster's check can only be TCP)."""
    tls, plain = settings.tls_node_addresses, settings.node_addresses
    if len(tls) != len(plain):
        return None
    pairs = [(parse_address(a), parse_address(b)) for a, b in zip(tls, plain, strict=True)]
    if any(t[0] != p[0] for t, p in pairs):
        return None
    return [p[1] for _, p in pairs]


def _stats_listener(
    settings: GatewaySettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The listener serving Envoy's metrics to Prometheus and its cluster (the admin
    interface on loopback); none without GATEWAY_STATS_PORT. Only GET /stats/prometheus
    is routed: the admin's other pages (and its POST actions) stay on loopback."""
    if not settings.stats_port:
        return [], []
    if not settings.admin_port:
        raise GatewayConfigError(
            "GATEWAY_STATS_PORT needs a fixed GATEWAY_ADMIN_PORT (not 0): the stats listener "
            "reads /stats/prometheus from the admin interface"
        )
    not_found = {
        "status": 404,
        "body": {"inline_string": "only GET /stats/prometheus is served here\n"},
    }
    listener = {
        "name": "stats",
        "address": {
            "socket_address": {"address": settings.stats_host, "port_value": settings.stats_port}
        },
        "ignore_global_conn_limit": True,  # scraped even when the gateway is full
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.network."
                            "http_connection_manager.v3.HttpConnectionManager",
                            "stat_prefix": "stats",
                            "codec_type": "AUTO",
                            "route_config": {
                                "name": "stats",
                                "virtual_hosts": [
                                    {
                                        "name": "stats",
                                        "domains": ["*"],
                                        "routes": [
                                            {
                                                "match": {
                                                    "path": "/stats/prometheus",
                                                    "headers": [
                                                        {
                                                            "name": ":method",
                                                            "string_match": {"exact": "GET"},
                                                        }
                                                    ],
                                                },
                                                "route": {
                                                    "cluster": "envoy_admin",
                                                    "timeout": "10s",
                                                },
                                            },
                                            {
                                                "match": {"prefix": "/"},
                                                "direct_response": not_found,
                                            },
                                        ],
                                    }
                                ],
                            },
                            "http_filters": [
                                {
                                    "name": "envoy.filters.http.router",
                                    "typed_config": {
                                        "@type": "type.googleapis.com/"
                                        "envoy.extensions.filters.http.router.v3.Router"
                                    },
                                }
                            ],
                        },
                    }
                ]
            }
        ],
    }
    cluster = {
        "name": "envoy_admin",
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "envoy_admin",
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {
                                    "socket_address": {
                                        "address": "127.0.0.1",
                                        "port_value": settings.admin_port,
                                    }
                                }
                            }
                        }
                    ]
                }
            ],
        },
    }
    return [listener], [cluster]


def _block(items: Sequence[Mapping[str, Any]], indent: str) -> str:
    return "\n".join(f"{indent}- {json.dumps(item, separators=(', ', ': '))}" for item in items)


def render(settings: GatewaySettings) -> str:
    """The Envoy config (YAML) for `settings`; GatewayConfigError on a bad setting."""
    if not settings.node_addresses:
        raise GatewayConfigError("at least one node address is needed for /ocpp/")
    if not settings.descriptor.is_file():
        raise GatewayConfigError(
            f"descriptor set {settings.descriptor} not found: run `make gen` first"
        )
    routes, largest = _static_routes(settings)
    files = load_descriptor(settings.descriptor)
    bindings = http_bindings(files)
    blocks: dict[str, list[dict[str, Any]]] = {
        "static_routes": routes,
        "method_not_allowed_routes": _method_not_allowed_routes(bindings),
        "local_reply_mappers": _local_reply_mappers(),
        "manager_endpoints": [_endpoint(settings.manager_address)],
        "node_endpoints": [_endpoint(address) for address in settings.node_addresses],
    }
    blocks["tls_listeners"], blocks["tls_clusters"] = _tls_passthrough(settings)
    blocks["stats_listeners"], blocks["stats_clusters"] = _stats_listener(settings)
    template = settings.template.read_text()

    def block(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in blocks:
            raise GatewayConfigError(f"{settings.template}: unknown block @{{{name}}}")
        return _block(blocks[name], match["indent"])

    template = _BLOCK.sub(block, template)
    scalars = {
        "listen_host": json.dumps(settings.listen_host),
        "listen_port": str(settings.listen_port),
        "admin_port": str(settings.admin_port),
        "descriptor": json.dumps(str(settings.descriptor.resolve())),
        "services": json.dumps(list(PUBLIC_SERVICES)),
        "cors_origins": json.dumps(_origin_matchers(settings.cors_origins)),
        "api_timeout": f"{settings.api_timeout:g}",
        "request_headers_timeout": f"{settings.request_headers_timeout:g}",
        "idle_timeout": f"{settings.idle_timeout:g}",
        "max_connections": str(settings.max_connections),
        "connect_timeout": f"{settings.connect_timeout:g}",
        "node_health_interval": f"{settings.node_health_interval:g}",
        "node_health_timeout": f"{settings.node_health_timeout:g}",
        "manager_health_interval": f"{settings.manager_health_interval:g}",
        "manager_health_timeout": f"{settings.manager_health_timeout:g}",
        "max_body_bytes": str(max(_MIN_BODY_BYTES, largest)),
        "no_transcoder": json.dumps(_NO_TRANSCODER),
        "unknown_fields_lua": json.dumps(unknown_fields_lua(files, bindings)),
    }
    try:
        return string.Template(template).substitute(scalars)
    except (KeyError, ValueError) as exc:
        raise GatewayConfigError(f"{settings.template}: bad placeholder {exc}") from None
