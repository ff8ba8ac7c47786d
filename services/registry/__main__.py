"""``python -m services.registry``: serve the inspection API alone, against Redis.

Environment: ``MESH_SECRET`` (required: every call must carry it, as internal tools
do; operators read the registry through the manager's API with a token),
``REDIS_URL`` (redis://127.0.0.1:6379/0), ``REGISTRY_HOST`` (0.0.0.0), ``REGISTRY_PORT`` (50052),
``REGISTRY_PREFIX`` ("csms:"), ``LEASE_SECONDS`` (15), ``SHUTDOWN_GRACE_SECONDS`` (5),
``METRICS_PORT`` / ``METRICS_HOST`` / ``METRICS_TOKEN`` (Prometheus /metrics; none by default).
``HEALTH_CHECK_INTERVAL`` (5), ``HEALTH_CHECK_TIMEOUT`` (2): gRPC health is SERVING while
Redis answers.
This process also sweeps the chargers of dead nodes every third of a lease; more
than one sweeper is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.common import env_float, env_int, env_str, without_password
from services.common._health import HealthMonitor, HealthSettings
from services.common._mesh import mesh_secret_from_env
from services.common._runtime import run_service, stop_requested
from services.common._tasks import cancel_and_wait
from services.metrics import MetricsSettings, serve_metrics

from ._model import RegistryError
from ._redis import RedisRegistry
from ._service import registry_server

log = logging.getLogger("services.registry")


async def _sweep_forever(registry: RedisRegistry, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            if dropped := await registry.sweep():
                log.info("swept %d chargers of dead nodes", dropped)
        except RegistryError:  # Redis down: the next sweep retries; reads stay correct
            log.warning("sweep failed", exc_info=True)


async def serve() -> None:
    """Run until SIGTERM or SIGINT, then drain in-flight calls and stop."""
    url = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
    host = env_str("REGISTRY_HOST", "0.0.0.0")
    port = env_int("REGISTRY_PORT", 50052)
    prefix = env_str("REGISTRY_PREFIX", "csms:")
    lease_seconds = env_float("LEASE_SECONDS", 15.0, minimum=0.5)
    grace = env_float("SHUTDOWN_GRACE_SECONDS", 5.0)
    mesh_secret = mesh_secret_from_env()
    metrics_settings = MetricsSettings.from_env()  # METRICS_PORT unset: no listener
    health_settings = HealthSettings.from_env()

    async with (
        serve_metrics(metrics_settings, what="registry API"),
        RedisRegistry.from_url(url, prefix=prefix, lease_seconds=lease_seconds) as registry,
    ):
        # gRPC health follows Redis: SERVING while it answers a PING.
        health = HealthMonitor("registry", {"redis": registry.ping}, settings=health_settings)
        server = registry_server(registry, mesh_secret, health=health)
        if server.add_insecure_port(f"{host}:{port}") == 0:
            raise OSError(f"cannot listen on {host}:{port} (REGISTRY_HOST, REGISTRY_PORT)")
        await server.start()
        await health.start()
        log.info(
            "registry API on %s:%d (mesh secret required), Redis %s, prefix %r",
            host,
            port,
            without_password(url),
            prefix,
        )
        sweeper = asyncio.create_task(_sweep_forever(registry, lease_seconds / 3))
        try:
            await stop_requested()
        finally:
            log.info("shutting down (grace %.1f s)", grace)
            await health.aclose()  # NOT_SERVING before the server stops
            with contextlib.suppress(Exception):  # its Redis calls can lose a cancel (3.11)
                await cancel_and_wait(sweeper)
            await server.stop(grace)


def main() -> None:
    run_service(serve, "csms-registry")


if __name__ == "__main__":
    main()
