"""``python -m services.embedded`` (``make run``): the whole CSMS in one process.

Node, manager and registry run in one process and talk over loopback gRPC exactly
as they do across machines. Defaults need no servers: a SQLite file under var/
and the in-process registry. With DATABASE_URL / REDIS_URL set, the same command
runs against PostgreSQL / Redis.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from services.common import env_int, env_str
from services.common._runtime import registry_from_env, run_service, stop_requested
from services.manager import Manager, ManagerSettings
from services.manager._config import DEFAULT_DATABASE_URL
from services.node import Node, NodeSettings

log = logging.getLogger("services.embedded")


async def main() -> None:
    manager_settings = ManagerSettings.from_env(auto_register_default=True)
    node_settings = NodeSettings.from_env()
    node_settings.node_id = env_str("NODE_ID", "embedded")
    node_settings.advertise_host = env_str("NODE_ADVERTISE_HOST", "127.0.0.1")
    node_settings.grpc_host = env_str("NODE_GRPC_HOST", "127.0.0.1")
    node_settings.grpc_port = env_int("NODE_GRPC_PORT", 0)
    node_settings.manager_address = f"127.0.0.1:{manager_settings.port}"

    registry = registry_from_env(in_process_without_redis=True)
    try:
        async with (
            Manager(manager_settings, registry) as manager,
            Node(node_settings, registry) as node,
        ):
            redis_url = os.environ.get("REDIS_URL")
            print(
                "\nOCPP CSMS (embedded) is running\n"
                f"  chargers:  ws://localhost:{node.ws_port}/ocpp/<charger-id>"
                "   (subprotocols ocpp1.6, ocpp2.0.1, ocpp2.1)\n"
                f"  gRPC API:  localhost:{manager.port}"
                f"   (csmsctl --manager localhost:{manager.port} chargers)\n"
                f"  database:  {manager_settings.database_url}\n"
                f"  registry:  {'redis ' + redis_url if redis_url else 'in-process'}\n"
                "Press Ctrl+C to stop.\n",
                flush=True,
            )
            await stop_requested()
            log.info("shutting down")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    if os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL) == DEFAULT_DATABASE_URL:
        Path("var").mkdir(exist_ok=True)  # where the default SQLite file lives
    run_service(main)
