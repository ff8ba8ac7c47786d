"""``python -m services.embedded`` (``make run``): the whole CSMS in one process.

Node, manager and registry run in one process and talk over loopback gRPC exactly
as they do across machines; Envoy (the JSON API, the web UI and a second door for
chargers, on GATEWAY_PORT [8080]) runs as a child process and stops with it
(GATEWAY_ENABLED=false leaves it out). Defaults need no servers: a SQLite file under var/
and the in-process registry. With DATABASE_URL / REDIS_URL set, the same command
runs against PostgreSQL / Redis.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from services.common import env_int, env_str, without_password
from services.common._mesh import mesh_secret_from_env
from services.common._runtime import registry_from_env, run_service, stop_requested
from services.gateway import Envoy, GatewayError, GatewaySettings
from services.manager import Manager, ManagerSettings
from services.manager._config import DEFAULT_DATABASE_URL, env_bool
from services.node import Node, NodeSettings

log = logging.getLogger("services.embedded")


async def _start_gateway(
    stack: contextlib.AsyncExitStack, manager: Manager, node: Node, settings: ManagerSettings
) -> Envoy | None:
    """Envoy in front of this process, stopped when `stack` closes; None if disabled or failed."""
    if not env_bool("GATEWAY_ENABLED", True):
        return None
    gateway_settings = GatewaySettings.from_env(
        manager_address=f"127.0.0.1:{manager.port}",
        node_addresses=(f"127.0.0.1:{node.ws_port}",),
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


def _banner(manager: Manager, node: Node, settings: ManagerSettings, gateway: Envoy | None) -> str:
    redis_url = os.environ.get("REDIS_URL")
    lines = ["", "OCPP CSMS (embedded) is running"]
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
    lines += [
        f"  gRPC API:  localhost:{manager.port}"
        f"   (csmsctl --manager localhost:{manager.port} chargers)",
        f"  database:  {without_password(settings.database_url)}",
        f"  registry:  {'redis ' + without_password(redis_url) if redis_url else 'in-process'}",
        "Press Ctrl+C to stop.",
        "",
    ]
    return "\n".join(lines)


async def main() -> None:
    # Node and manager share one mesh secret; a random one unless MESH_SECRET is set
    # (both ends of every internal link are in this process).
    mesh_secret = mesh_secret_from_env(generate=True)
    manager_settings = ManagerSettings.from_env(auto_register_default=True, mesh_secret=mesh_secret)
    # Internal ports stay on loopback in the one-process trial: the manager's port carries
    # the event stream and admission as well as the API (the gateway on 8080 is the door).
    manager_settings.host = env_str("MANAGER_HOST", "127.0.0.1")
    node_settings = NodeSettings.from_env(mesh_secret=mesh_secret)
    node_settings.node_id = env_str("NODE_ID", "embedded")
    # Chargers from other machines come through the gateway (GATEWAY_HOST, 0.0.0.0); the
    # node's own websocket port stays on loopback unless NODE_HOST says otherwise.
    node_settings.host = env_str("NODE_HOST", "127.0.0.1")
    node_settings.advertise_host = env_str("NODE_ADVERTISE_HOST", "127.0.0.1")
    node_settings.grpc_host = env_str("NODE_GRPC_HOST", "127.0.0.1")
    node_settings.grpc_port = env_int("NODE_GRPC_PORT", 0)
    node_settings.manager_address = f"127.0.0.1:{manager_settings.port}"

    registry = registry_from_env(in_process_without_redis=True)
    try:
        async with (
            Manager(manager_settings, registry) as manager,
            Node(node_settings, registry) as node,
            contextlib.AsyncExitStack() as stack,
        ):
            gateway = await _start_gateway(stack, manager, node, manager_settings)
            print(_banner(manager, node, manager_settings, gateway), flush=True)
            await stop_requested()
            log.info("shutting down")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    if os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL) == DEFAULT_DATABASE_URL:
        Path("var").mkdir(exist_ok=True)  # where the default SQLite file lives
    run_service(main)
