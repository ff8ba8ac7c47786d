"""The manager process's engine: store, handlers, event stream, public API."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from csms.v1 import chargers_pb2_grpc, events_pb2_grpc, registry_pb2_grpc

from services.manager._api import ChargerServicer
from services.manager._config import ManagerSettings
from services.manager._context import Clock, utc_now
from services.manager._dispatch import Dispatcher
from services.manager._events import EventsServicer
from services.manager._policy import ChargerPolicy
from services.manager._tasks import TaskSender
from services.manager.store import ChargerStore, SqlChargerStore
from services.manager.v16.router import build_router as build_v16_router
from services.manager.v201.router import build_router as build_v201_router
from services.registry import Registry, RegistryServicer

log = logging.getLogger(__name__)


class Manager:
    """Use as ``async with Manager(settings, registry) as manager``."""

    def __init__(
        self,
        settings: ManagerSettings,
        registry: Registry,
        *,
        store: ChargerStore | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self._store = store
        self._owns_store = store is None
        self._clock = clock
        self._server: grpc.aio.Server | None = None
        self._tasks: TaskSender | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.port = 0
        self._closed = False

    @property
    def store(self) -> ChargerStore:
        assert self._store is not None, "manager not started"
        return self._store

    async def __aenter__(self) -> Manager:
        s = self.settings
        if self._store is None:
            self._store = await SqlChargerStore.open(
                s.database_url, flush_interval=s.flush_interval
            )
        store = self._store
        policy = ChargerPolicy(
            store, auto_register=s.auto_register, heartbeat_interval=s.heartbeat_interval
        )
        routers = {
            "1.6": build_v16_router(store, policy, self._clock),
            "2.0.1": build_v201_router(store, policy, self._clock),
            "2.1": build_v201_router(store, policy, self._clock),
        }
        self.events = EventsServicer(Dispatcher(routers, store), policy, store, self._clock)
        self._tasks = TaskSender(self.registry, store, timeout=s.task_timeout)
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
            ]
        )
        events_pb2_grpc.add_EventsServicer_to_server(self.events, self._server)
        chargers_pb2_grpc.add_ChargerServiceServicer_to_server(
            ChargerServicer(store, self.registry, self._tasks), self._server
        )
        registry_pb2_grpc.add_RegistryServicer_to_server(
            RegistryServicer(self.registry), self._server
        )
        self.port = self._server.add_insecure_port(f"{s.host}:{s.port}")
        if self.port == 0:
            raise OSError(f"cannot listen on {s.host}:{s.port}")
        await self._server.start()
        self._sweeper = asyncio.create_task(self._sweep(), name="registry-sweeper")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop serving (letting in-flight RPCs finish), then flush and close the store."""
        if self._closed:
            return
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._server is not None:
            await self._server.stop(grace=self.settings.shutdown_grace)
        if self._tasks is not None:
            await self._tasks.aclose()
        if self._owns_store and self._store is not None:
            await self._store.aclose()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval)
            try:
                removed = await self.registry.sweep()
            except (OSError, ConnectionError) as exc:
                log.warning("registry sweep failed: %s", exc)
                continue
            if removed:
                log.info("swept %d chargers of expired nodes from the registry", removed)
