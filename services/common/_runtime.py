"""What every service's ``__main__`` does: logging, the registry from the environment,
running until SIGINT/SIGTERM on uvloop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import uvloop

from services.common._env import ConfigError, env_float, env_str
from services.common._logging import configure_logging
from services.common._tracing import configure as configure_tracing

if TYPE_CHECKING:
    from services.registry import Registry


def registry_from_env(*, in_process_without_redis: bool = False) -> Registry:
    """The registry named by REDIS_URL / REGISTRY_PREFIX / LEASE_SECONDS.

    Without REDIS_URL: the in-process registry when `in_process_without_redis` (the
    embedded mode), else Redis on localhost.
    """
    from services.registry import MemoryRegistry, RedisRegistry

    lease = env_float("LEASE_SECONDS", 15.0, minimum=0.5)
    url = os.environ.get("REDIS_URL")
    if not url and in_process_without_redis:
        return MemoryRegistry(lease_seconds=lease)
    return RedisRegistry.from_url(
        url or "redis://127.0.0.1:6379/0",
        prefix=env_str("REGISTRY_PREFIX", "csms:"),
        lease_seconds=lease,
    )


async def stop_requested() -> None:
    """Return when SIGINT or SIGTERM arrives."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run_service(main: Callable[[], Coroutine[Any, Any, None]], name: str = "") -> None:
    """Configure logging from LOG_LEVEL and LOG_FORMAT (text or json) and tracing from
    OTEL_* (services/common/_tracing.py), and run `main` on uvloop; a configuration error
    ends the process with its message and exit status 2, not a traceback. `name` is the
    service's name in traces (none: no tracing)."""
    level = env_str("LOG_LEVEL", "INFO")
    try:
        configure_logging(level, env_str("LOG_FORMAT", "text").lower())
        if name:
            configure_tracing(name)
        uvloop.run(main())
    except ConfigError as exc:
        if not logging.getLogger().handlers:  # LOG_FORMAT itself was wrong
            configure_logging(level, "text")
        logging.getLogger("services").error("configuration error: %s", exc)
        raise SystemExit(2) from None
