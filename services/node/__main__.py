"""``python -m services.node``: one node process of a deployment (registry in Redis)."""

from __future__ import annotations

import logging

from services.common._runtime import registry_from_env, run_service, stop_requested
from services.metrics import MetricsSettings, serve_metrics
from services.node import Node, NodeSettings

log = logging.getLogger("services.node")


async def main() -> None:
    settings = NodeSettings.from_env()
    metrics_settings = MetricsSettings.from_env()  # METRICS_PORT unset: no listener
    registry = registry_from_env()
    try:
        async with (
            serve_metrics(metrics_settings, what=f"node {settings.node_id}"),
            Node(settings, registry) as node,
        ):
            log.info(
                "node %s: chargers connect to ws://%s:%d/ocpp/<charger-id>; Node.Send on %s; "
                "manager at %s",
                settings.node_id,
                settings.host,
                node.ws_port,
                node.address,
                settings.manager_address,
            )
            if node.tls_port:
                log.info(
                    "node %s: TLS chargers (security profiles 2, 3) connect to "
                    "wss://%s:%d/ocpp/<charger-id>",
                    settings.node_id,
                    settings.host,
                    node.tls_port,
                )
            await stop_requested()
            log.info("shutting down: closing chargers with 1001 so they reconnect elsewhere")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    run_service(main, "csms-node")
