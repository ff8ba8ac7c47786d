"""Readiness that follows reality: gRPC health checking and server reflection on every
gRPC server of the mesh.

Each server serves ``grpc.health.v1.Health`` (Check and Watch answer without credentials:
probes cannot send any, and they reveal only SERVING / NOT_SERVING) and server reflection
(``grpcurl`` lists and describes the services without a descriptor file; it needs what the
server's other RPCs need: the mesh secret, or an operator's token on the manager).

A `HealthMonitor` runs named checks (``database``, ``registry``, ``event stream``) every
`HealthSettings.interval` seconds, each bounded by `HealthSettings.timeout`, and sets the
overall status ("") and every listed service's: SERVING while all pass, NOT_SERVING while
any fails, logged when it changes. Shutdown sets NOT_SERVING before the server stops, so
load balancers stop sending calls first.

    server = grpc.aio.server(...)
    ...add the servicers...
    monitor = HealthMonitor("manager", {"database": ping_db}, settings=HealthSettings.from_env())
    monitor.serve_on(server, services=[...full service names...])
    await server.start()
    await monitor.start()  # checks once, then every interval
    ...
    await monitor.aclose()  # NOT_SERVING, then stop the server
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Self

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common._env import env_float
from services.common._mesh import OPEN_METHODS
from services.common._tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: The methods a caller may use without credentials, on every server: the health probes.
#: Nothing else (health's List, reflection, the services themselves) is open.
HEALTH_CHECK_METHODS: Final = OPEN_METHODS
#: Server reflection's method (grpcio-reflection serves v1alpha; grpcurl falls back to it).
REFLECTION_METHOD: Final = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

SERVING: Final = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING: Final = health_pb2.HealthCheckResponse.NOT_SERVING

#: A readiness check: returns when the dependency answers, raises when it does not.
Check = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """How often readiness is checked and how long one check may take."""

    interval: float = 5.0  # HEALTH_CHECK_INTERVAL: seconds between two rounds of checks
    timeout: float = 2.0  # HEALTH_CHECK_TIMEOUT: a check not done in this time has failed

    @classmethod
    def from_env(cls) -> HealthSettings:
        """HEALTH_CHECK_INTERVAL and HEALTH_CHECK_TIMEOUT (seconds)."""
        return cls(
            interval=env_float("HEALTH_CHECK_INTERVAL", 5.0, minimum=0.05),
            timeout=env_float("HEALTH_CHECK_TIMEOUT", 2.0, minimum=0.01),
        )


def service_names(*modules: object) -> list[str]:
    """The full names of the services generated `*_pb2` modules declare."""
    names: list[str] = []
    for module in modules:
        descriptor = getattr(module, "DESCRIPTOR")  # noqa: B009 - generated modules are untyped
        names.extend(service.full_name for service in descriptor.services_by_name.values())
    return names


class _HealthServicer(health.aio.HealthServicer):  # type: ignore[misc]
    """grpcio's servicer, NOT_SERVING from the start (grpcio's says SERVING until told
    otherwise, which would call a server ready before its first check)."""

    def __init__(self) -> None:
        super().__init__()
        self.not_serving_yet("")

    def not_serving_yet(self, service: str) -> None:
        """`service` is NOT_SERVING; only before the server starts (nobody watches yet:
        ``set`` would notify watchers, and needs a running loop)."""
        self._server_status[service] = NOT_SERVING


class HealthMonitor:
    """Runs readiness checks and publishes the result through a gRPC health servicer.

    `start` runs one round at once (so a server is not reported ready before it is), then
    one every interval; `aclose` sets NOT_SERVING for good and stops the checks."""

    def __init__(
        self,
        name: str,
        checks: Mapping[str, Check],
        *,
        settings: HealthSettings | None = None,
    ) -> None:
        self.name = name  # the process, in log lines: "manager", "node N1", "registry"
        self._checks = dict(checks)
        self.settings = settings or HealthSettings()
        self.servicer = _HealthServicer()
        self._services: list[str] = []
        #: check name -> why it failed in the last round; empty when all passed.
        self.failures: dict[str, str] = {}
        self._ready: bool | None = None  # None until the first round
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def ready(self) -> bool:
        """Whether the last round of checks passed (False before the first)."""
        return bool(self._ready)

    def serve_on(self, server: grpc.aio.Server, services: Sequence[str]) -> None:
        """Add the health service and server reflection (listing `services`) to `server`,
        before it starts."""
        self._services = list(services)
        for service in self._services:
            self.servicer.not_serving_yet(service)
        health_pb2_grpc.add_HealthServicer_to_server(self.servicer, server)
        reflection.enable_server_reflection(
            [*self._services, health.SERVICE_NAME, reflection.SERVICE_NAME], server
        )

    async def start(self) -> None:
        """Check once now, then every interval until `aclose`."""
        await self.check_now()
        self._task = asyncio.create_task(self._run(), name=f"health-checks-{self.name}")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """NOT_SERVING from now on (Watch streams are told), and stop checking. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            await cancel_and_wait(self._task)
        await self.servicer.enter_graceful_shutdown()

    async def check_now(self) -> bool:
        """Run every check once (concurrently, each bounded by the timeout) and publish
        the result; whether all passed."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._one(name) for name in names))
        failures = {name: why for name, why in zip(names, results, strict=True) if why}
        if self._closed:
            return not failures
        ready = not failures
        if ready != self._ready or failures.keys() != self.failures.keys():
            if ready:
                log.info(
                    "%s is ready: %s answer", self.name, ", ".join(names) or "nothing to check"
                )
            else:
                log.warning(
                    "%s is not ready (health NOT_SERVING): %s",
                    self.name,
                    "; ".join(f"{name}: {why}" for name, why in failures.items()),
                )
        self.failures = failures
        if ready != self._ready:
            self._ready = ready
            await self._publish(SERVING if ready else NOT_SERVING)
        return ready

    async def _one(self, name: str) -> str:
        """'' when check `name` passes, else why it failed."""
        timeout = self.settings.timeout
        try:
            async with asyncio.timeout(timeout):
                await self._checks[name]()
        except TimeoutError:
            return f"no answer within {timeout:g} s (HEALTH_CHECK_TIMEOUT)"
        except Exception as exc:  # a check fails by raising whatever its client raises
            return str(exc) or type(exc).__name__
        return ""

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.interval)
            await self.check_now()

    async def _publish(
        self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType
    ) -> None:
        for service in ("", *self._services):
            await self.servicer.set(service, status)
