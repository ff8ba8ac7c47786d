"""``python -m services.embedded`` (``make run``): the whole CSMS in one process.

Node, manager and registry run in one process and talk over loopback gRPC exactly
as they do across machines; Envoy (the JSON API, the web UI and a second door for
chargers, on GATEWAY_PORT [8080]) runs as a child process and stops with it
(GATEWAY_ENABLED=false leaves it out). Defaults need no servers: a SQLite file under var/
and the in-process registry. With DATABASE_URL / REDIS_URL set, the same command
runs against PostgreSQL / Redis. Chargers' CSRs (SignCertificate) are signed by a local CA
created once under LOCAL_CA_DIR [var/ca/] and kept, unless CA_CERT_FILE / CA_KEY_FILE name
another CA. Every OCPP frame is journaled to var/journal.sqlite, a SQLite file of its own
(JOURNAL_URL to put it elsewhere, ``off`` for none).

The API needs a token. Without CSMS_ADMIN_TOKEN, the first run generates an admin token,
keeps it in var/admin-token (mode 0600) for later runs, and prints it in the banner (and
nowhere else). The node and the manager share a mesh secret: MESH_SECRET, or a random one
per run (both ends are in this process).

EMBEDDED_NODES=N (default 1) runs N nodes, one per core: this process's and N - 1
``python -m services.node`` children (services/embedded/_nodes.py, ADR 0015) on NODE_PORT + 1
... NODE_PORT + N - 1, all behind the gateway, which balances chargers over them. They share
the registry, so N > 1 needs REDIS_URL, and the mesh secret, which they get from this process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from services.common import env_float, env_int, env_str, without_password
from services.common._mesh import mesh_secret_from_env
from services.common._runtime import registry_from_env, run_service, stop_requested
from services.gateway import Envoy, GatewayError, GatewaySettings
from services.manager import Manager, ManagerSettings
from services.manager._ca import LOCAL_CA_CERT, LOCAL_CA_KEY, load_or_create_local_ca
from services.manager._config import DEFAULT_DATABASE_URL, env_bool
from services.manager._context import utc_now
from services.metrics import DEFAULT_EMBEDDED_PORT, MetricsSettings, serve_metrics
from services.node import Node, NodeSettings

from ._nodes import ChildNode, NodeProcesses, NodeStartError, check_nodes, plan

log = logging.getLogger("services.embedded")

#: The frame journal of `make run`: its own SQLite file beside the database (JOURNAL_URL).
DEFAULT_JOURNAL_URL = "sqlite+aiosqlite:///var/journal.sqlite"

#: Where `make run` keeps the admin token it generated (reused on later runs);
#: CSMS_ADMIN_TOKEN_FILE overrides.
ADMIN_TOKEN_FILE = Path("var") / "admin-token"


def admin_token_file() -> Path:
    return Path(env_str("CSMS_ADMIN_TOKEN_FILE", str(ADMIN_TOKEN_FILE)))


def admin_token(path: Path) -> str:
    """The admin token kept in `path`, created (mode 0600) with a new random one if absent."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            path.chmod(0o600)  # someone may have copied it in with wider permissions
            return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "csms_" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    path.chmod(0o600)
    return token


async def _start_gateway(
    stack: contextlib.AsyncExitStack,
    manager: Manager,
    node: Node,
    settings: ManagerSettings,
    children: Sequence[ChildNode] = (),
) -> Envoy | None:
    """Envoy in front of this process, stopped when `stack` closes; None if disabled or failed."""
    if not env_bool("GATEWAY_ENABLED", True):
        return None
    gateway_settings = GatewaySettings.from_env(
        manager_address=f"127.0.0.1:{manager.port}",
        node_addresses=(
            f"127.0.0.1:{node.ws_port}",
            *(f"127.0.0.1:{child.ws_port}" for child in children),
        ),
        # GATEWAY_TLS_PORT passes wss:// through to the nodes' TLS ports (NODE_TLS_PORT).
        tls_node_addresses=(
            (
                f"127.0.0.1:{node.tls_port}",
                *(f"127.0.0.1:{child.tls_port}" for child in children if child.tls_port),
            )
            if node.tls_port
            else ()
        ),
        admin_port=env_int("GATEWAY_ADMIN_PORT", 0),  # loopback; any free port by default
        # A silent charger must get the manager's DEADLINE_EXCEEDED (504), not Envoy's timeout.
        api_timeout=max(60.0, settings.task_timeout + 10.0),
    )
    try:
        return await stack.enter_async_context(Envoy(gateway_settings))
    except GatewayError as exc:
        # The CSMS itself still works (chargers, gRPC): say loudly what is missing.
        log.error("gateway not started, so no web UI or JSON API: %s", exc)
        return None


def _use_local_ca(settings: ManagerSettings) -> str:
    """Point `settings` at the local CA (created under LOCAL_CA_DIR when absent) unless a
    CA is configured; the banner's line about it."""
    if settings.ca_cert_file or settings.ca_key_file:
        return f"signed by the CA in {settings.ca_cert_file or '(CA_CERT_FILE unset)'}"
    directory = Path(env_str("LOCAL_CA_DIR", "var/ca"))
    _, created = load_or_create_local_ca(
        directory, now=utc_now(), validity_days=settings.cert_validity_days
    )
    settings.ca_cert_file = str(directory / LOCAL_CA_CERT)
    settings.ca_key_file = str(directory / LOCAL_CA_KEY)
    state = "created now" if created else "kept from an earlier run"
    return (
        f"signed by the local CA {settings.ca_cert_file} ({state}; "
        "CA_CERT_FILE / CA_KEY_FILE to use yours)"
    )


def _journal_line(node: Node) -> str:
    journal = node.settings.journal
    if not journal.enabled:
        return "off (JOURNAL_URL=off): frames are not journaled"
    return f"{without_password(journal.url)}   (every OCPP frame; JOURNAL_URL)"


def _banner(
    manager: Manager,
    node: Node,
    settings: ManagerSettings,
    gateway: Envoy | None,
    token_from_env: bool,
    ca_line: str = "",
    *,
    metrics_url: str = "",
    children: Sequence[ChildNode] = (),
) -> str:
    redis_url = os.environ.get("REDIS_URL")
    lines = ["", "OCPP CSMS (embedded) is running"]
    if token_from_env:
        token = "$CSMS_ADMIN_TOKEN"
        lines.append("  admin token: the CSMS_ADMIN_TOKEN you set")
    else:
        token = settings.admin_token
        lines.append(f"  admin token: {token}   (kept in {admin_token_file()}; keep it secret)")
    api = gateway.url if gateway is not None else "http://localhost:8080/"
    lines.append(f'  try:        curl -H "Authorization: Bearer {token}" {api}v1/chargers')
    if gateway is not None:
        lines.append(
            f"  web UI:    {gateway.url}   (JSON API under /v1/, {gateway.url}openapi.json)"
        )
    else:
        lines.append("  web UI:    not running (see the log above)")
    lines.append(
        f"  chargers:  ws://localhost:{node.ws_port}/ocpp/<charger-id>"
        "   (subprotocols ocpp1.6, ocpp2.0.1, ocpp2.1)"
    )
    if gateway is not None:
        lines.append(f"             or {gateway.url.replace('http', 'ws', 1)}ocpp/<charger-id>")
    if node.tls_port:
        lines.append(
            f"             wss://localhost:{node.tls_port}/ocpp/<charger-id>"
            "   (TLS: security profiles 2 and 3)"
        )
    if gateway is not None and gateway.settings.tls_port:
        lines.append(
            f"             or wss://localhost:{gateway.settings.tls_port}/ocpp/<charger-id>"
        )
    if settings.allow_unsecured:
        lines.append(
            "             UNSECURED chargers (security profile 0, no password) are admitted;"
            " set ALLOW_UNSECURED_CHARGERS=false to refuse them"
        )
    lines += [
        f"  gRPC API:  localhost:{manager.port}"
        f"   (CSMS_TOKEN={token} csmsctl --manager localhost:{manager.port} chargers)",
        f"  database:  {without_password(settings.database_url)}",
        f"  journal:   {_journal_line(node)}",
        *(
            [
                f"  nodes:     {1 + len(children)} processes (EMBEDDED_NODES): "
                + ", ".join(
                    f"{n} on {p}"
                    for n, p in [
                        (node.settings.node_id, node.ws_port),
                        *((c.node_id, c.ws_port) for c in children),
                    ]
                )
            ]
            if children
            else []
        ),
        f"  registry:  {'redis ' + without_password(redis_url) if redis_url else 'in-process'}",
        *([f"  certs:     chargers' CSRs {ca_line}"] if ca_line else []),
        *([f"  metrics:   {metrics_url}   (Prometheus; METRICS_PORT)"] if metrics_url else []),
        "Press Ctrl+C to stop.",
        "",
    ]
    return "\n".join(lines)


async def main() -> None:
    # The one-command trial admits any simulator: unknown chargers are registered and
    # profile 0 (no credentials) is allowed; the banner says so. Node and manager share
    # one mesh secret; a random one unless MESH_SECRET is set (both ends of every internal
    # link are in this process).
    mesh_secret = mesh_secret_from_env(generate=True)
    # Extra node processes share the registry (Redis only) and this process's mesh secret.
    nodes = env_int("EMBEDDED_NODES", 1, minimum=1)
    check_nodes(nodes, os.environ.get("REDIS_URL"))
    manager_settings = ManagerSettings.from_env(
        auto_register_default=True, allow_unsecured_default=True, mesh_secret=mesh_secret
    )
    # Internal ports stay on loopback in the one-process trial: the manager's port carries
    # the event stream and admission as well as the API (the gateway on 8080 is the door).
    manager_settings.host = env_str("MANAGER_HOST", "127.0.0.1")
    token_from_env = bool(manager_settings.admin_token)
    if not token_from_env:
        manager_settings.admin_token = admin_token(admin_token_file())
    node_settings = NodeSettings.from_env(
        mesh_secret=mesh_secret, journal_default_url=DEFAULT_JOURNAL_URL
    )
    node_settings.node_id = env_str("NODE_ID", "embedded")
    # The manager's timeline API reads the journal the node writes.
    if node_settings.journal.enabled:
        manager_settings.journal_url = node_settings.journal.url
        manager_settings.journal_retention_s = node_settings.journal.retention_s
    # Chargers from other machines come through the gateway (GATEWAY_HOST, 0.0.0.0); the
    # node's own websocket port stays on loopback unless NODE_HOST says otherwise.
    node_settings.host = env_str("NODE_HOST", "127.0.0.1")
    node_settings.advertise_host = env_str("NODE_ADVERTISE_HOST", "127.0.0.1")
    node_settings.grpc_host = env_str("NODE_GRPC_HOST", "127.0.0.1")
    node_settings.grpc_port = env_int("NODE_GRPC_PORT", 0)
    ca_line = _use_local_ca(manager_settings)
    # The gateway runs on loopback in front of the node: its X-Forwarded-For names chargers.
    node_settings.trusted_proxies = node_settings.trusted_proxies or ("127.0.0.1",)
    # The node's wss:// port (NODE_TLS_*) is what security profiles 2 and 3 need.
    manager_settings.charger_tls_available |= node_settings.tls_port is not None

    # One /metrics for node, manager and registry (one process, one set of metrics).
    metrics_settings = MetricsSettings.from_env(default_port=DEFAULT_EMBEDDED_PORT)
    registry = registry_from_env(in_process_without_redis=True)
    try:
        async with (
            serve_metrics(metrics_settings, what="embedded") as metrics,
            Manager(manager_settings, registry) as manager,
            contextlib.AsyncExitStack() as stack,
        ):
            # The port the manager is bound to: MANAGER_PORT=0 means any free one.
            node_settings.manager_address = f"127.0.0.1:{manager.port}"
            node = await stack.enter_async_context(Node(node_settings, registry))
            children = plan(node_settings, node.ws_port, node.tls_port, nodes)
            if children:
                await stack.enter_async_context(
                    NodeProcesses(
                        children,
                        parent=node_settings,
                        manager_address=f"127.0.0.1:{manager.port}",
                        mesh_secret=mesh_secret,
                        start_timeout=env_float("EMBEDDED_NODE_START_TIMEOUT", 30.0, minimum=1.0),
                        stop_timeout=env_float("EMBEDDED_NODE_STOP_TIMEOUT", 20.0, minimum=1.0),
                    )
                )
            gateway = await _start_gateway(stack, manager, node, manager_settings, children)
            print(
                _banner(
                    manager,
                    node,
                    manager_settings,
                    gateway,
                    token_from_env,
                    ca_line,
                    metrics_url=metrics.url if metrics is not None else "",
                    children=children,
                ),
                flush=True,
            )
            await stop_requested()
            log.info("shutting down")
    except NodeStartError as exc:
        log.error("not started: %s", exc)  # what was started is stopped again
        raise SystemExit(1) from None
    finally:
        await registry.aclose()


if __name__ == "__main__":
    if (
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL) == DEFAULT_DATABASE_URL
        or os.environ.get("JOURNAL_URL", DEFAULT_JOURNAL_URL) == DEFAULT_JOURNAL_URL
    ):
        Path("var").mkdir(exist_ok=True)  # where the default SQLite files live
    run_service(main, "csms-embedded")
