"""``python -m services.manager``: the manager of a deployment (registry in Redis)."""

from __future__ import annotations

import logging

from services.common._runtime import registry_from_env, run_service, stop_requested
from services.manager import Manager, ManagerSettings
from services.metrics import MetricsSettings, serve_metrics

log = logging.getLogger("services.manager")


async def main() -> None:
    settings = ManagerSettings.from_env(auto_register_default=False)  # CSMS_ADMIN_TOKEN too
    if not settings.admin_token:
        log.warning(
            "CSMS_ADMIN_TOKEN is not set: only API tokens created before are accepted "
            "(set it to create the first ones; README, Authentication)"
        )
    metrics_settings = MetricsSettings.from_env()  # METRICS_PORT unset: no listener
    registry = registry_from_env()
    try:
        async with (
            serve_metrics(metrics_settings, what="manager"),
            Manager(settings, registry) as manager,
        ):
            log.info("manager serving gRPC on %s:%d", settings.host, manager.port)
            await stop_requested()
            log.info("shutting down")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    run_service(main, "csms-manager")
