"""``python -m services.manager``: the manager of a deployment (registry in Redis)."""

from __future__ import annotations

import logging

from services.common._runtime import registry_from_env, run_service, stop_requested
from services.manager import Manager, ManagerSettings

log = logging.getLogger("services.manager")


async def main() -> None:
    settings = ManagerSettings.from_env(auto_register_default=False)
    registry = registry_from_env()
    try:
        async with Manager(settings, registry) as manager:
            log.info("manager serving gRPC on %s:%d", settings.host, manager.port)
            await stop_requested()
            log.info("shutting down")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    run_service(main)
