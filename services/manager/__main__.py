"""``python -m services.manager``: the manager of a deployment (registry in Redis)."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

from services.common import env_float, env_str
from services.manager import Manager, ManagerSettings
from services.registry import RedisRegistry

log = logging.getLogger("services.manager")


async def main() -> None:
    settings = ManagerSettings.from_env(auto_register_default=False)
    registry = RedisRegistry.from_url(
        env_str("REDIS_URL", "redis://127.0.0.1:6379/0"),
        prefix=env_str("REGISTRY_PREFIX", "csms:"),
        lease_seconds=env_float("LEASE_SECONDS", 15.0, minimum=0.5),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with Manager(settings, registry) as manager:
            log.info("manager serving gRPC on %s:%d", settings.host, manager.port)
            await stop.wait()
            log.info("shutting down")
    finally:
        await registry.aclose()


if __name__ == "__main__":
    logging.basicConfig(
        level=env_str("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvloop.run(main())
