"""The manager process's engine: stores, handlers, event stream, public API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import grpc
from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    device_model_pb2,
    device_model_pb2_grpc,
    events_pb2,
    events_pb2_grpc,
    id_tags_pb2,
    id_tags_pb2_grpc,
    locations_pb2,
    locations_pb2_grpc,
    messages_pb2,
    messages_pb2_grpc,
    nodes_pb2,
    nodes_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
    reservations_pb2,
    reservations_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
    watch_pb2,
    watch_pb2_grpc,
)

from services import metrics
from services.common import OcppVersion
from services.common._health import HealthMonitor, service_names
from services.common._tasks import cancel_and_wait
from services.common._tracing import TracingInterceptor
from services.journal import JOURNAL_OFF, Journal, open_journal
from services.manager._audit import AuditLog, AuditSink, DiscardAudit
from services.manager._audit_api import AuditServicer
from services.manager._auth import Authenticator, OperatorAuthInterceptor
from services.manager._authorization import Authorizer
from services.manager._ca import CertificateAuthority
from services.manager._charger_auth import ChargerAuthenticator
from services.manager._config import ManagerSettings, load_certificate_authority
from services.manager._connector_states import ConnectorStates
from services.manager._context import Clock, utc_now
from services.manager._data_transfer import VendorHandler
from services.manager._device_model_api import DeviceModelServicer
from services.manager._dispatch import ConnectionWatcher, Dispatcher
from services.manager._events import EventsServicer
from services.manager._id_tags_api import IdTagServicer
from services.manager._locations_api import LocationServicer
from services.manager._messages_api import MessageServicer
from services.manager._nodes import NodeMonitor
from services.manager._nodes_api import NodesServicer
from services.manager._policy import ALLOWED_WHILE, ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._reconnect import ReconnectStatus
from services.manager._reservations_api import ReservationServicer
from services.manager._runner import QueuedDelivery, TaskRunner
from services.manager._signing import CertificateSigner
from services.manager._stores import Stores
from services.manager._tasks import TaskSender
from services.manager._tasks_api import TaskServicer
from services.manager._tokens_api import AuthServicer
from services.manager._transactions_api import TransactionServicer
from services.manager._watch import EventBus, WatchServicer
from services.manager.chargers import ChargerServicer
from services.manager.store import StoreError
from services.manager.v16.router import build_router as build_v16_router
from services.manager.v201.router import build_router as build_v201_router
from services.registry import Registry, RegistryError, RegistryServicer

log = logging.getLogger(__name__)

#: The services the manager's server serves, as server reflection lists them.
MANAGER_SERVICES = service_names(
    events_pb2,
    chargers_pb2,
    tasks_pb2,
    transactions_pb2,
    id_tags_pb2,
    reservations_pb2,
    locations_pb2,
    registry_pb2,
    watch_pb2,
    device_model_pb2,
    auth_pb2,
    messages_pb2,
    nodes_pb2,
)


class Manager:
    """Use as ``async with Manager(settings, registry) as manager``."""

    def __init__(
        self,
        settings: ManagerSettings,
        registry: Registry,
        *,
        stores: Stores | None = None,
        clock: Clock = utc_now,
        vendor_handlers: Mapping[str, VendorHandler] | None = None,
        audit: AuditSink | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self._stores = stores
        self._owns_stores = stores is None
        self._clock = clock
        self._vendor_handlers = dict(vendor_handlers or {})
        #: Where the operator interceptor (and others) hand audit entries: `audit` when
        #: given, else an AuditLog writing the stores' audit table (from __aenter__ on).
        self.audit: AuditSink = audit if audit is not None else DiscardAudit()
        self._given_audit = audit is not None
        self._server: grpc.aio.Server | None = None
        self._tasks: TaskSender | None = None
        self._reconnects: ReconnectStatus | None = None
        #: Every command goes through it and is recorded (the task history).
        self._runner: TaskRunner | None = None
        self._queued: QueuedDelivery | None = None
        self._task_api: TaskServicer | None = None
        self._housekeeping: asyncio.Task[None] | None = None
        self._node_checks: asyncio.Task[None] | None = None
        #: Boots accepted while the database was unavailable, until they are written.
        self._boots: BootBacklog | None = None
        #: Signs chargers' CSRs when a CA is configured (CA_CERT_FILE, CA_KEY_FILE).
        self.signer: CertificateSigner | None = None
        #: The audit log's writer (opened with the stores, closed after the server stops).
        self._audit_log: AuditLog | None = None
        #: Live events for WatchService, fed by the handlers of this manager's node streams.
        self.bus = EventBus(buffer_size=settings.watch_buffer, clock=clock)
        self.port = 0
        self._closed = False
        #: The handshake's credential check (`charger_auth` once started), closed after the server.
        self._charger_auth: ChargerAuthenticator | None = None
        #: The frame journal the timeline API reads: `journal` when given (kept open by
        #: its owner), else the one JOURNAL_URL names (opened and closed here), else None.
        self._journal = journal
        self._owns_journal = journal is None
        #: Readiness (database, registry) behind grpc.health.v1, from the start on.
        self.health: HealthMonitor | None = None

    @property
    def stores(self) -> Stores:
        assert self._stores is not None, "manager not started"
        return self._stores

    @property
    def task_sender(self) -> TaskSender:
        assert self._tasks is not None, "manager not started"
        return self._tasks

    @property
    def task_runner(self) -> TaskRunner:
        assert self._runner is not None, "manager not started"
        return self._runner

    async def __aenter__(self) -> Manager:
        s = self.settings
        # Before anything opens: unusable CA files stop the start with the reason.
        ca: CertificateAuthority | None = load_certificate_authority(s)
        if self._stores is None:
            self._stores = await Stores.open(s.database_url, flush_interval=s.flush_interval)
        stores = self._stores
        clock = self._clock
        # A sink given to the constructor, or set on `audit` before the start, is kept.
        if not self._given_audit and isinstance(self.audit, DiscardAudit):
            self._audit_log = AuditLog(stores.audit, clock=clock, max_pending=s.audit_queue)
            self._audit_log.start()
            self.audit = self._audit_log
        policy = self.policy = ChargerPolicy(
            stores.chargers,
            auto_register=s.auto_register,
            auto_register_status=s.auto_register_status,
            heartbeat_interval=s.heartbeat_interval,
            allow_unsecured=s.allow_unsecured,
        )
        authorizer = Authorizer(
            stores.id_tags, stores.transactions, clock, unknown_status=s.unknown_id_tag_status
        )
        bus = self.bus
        boots = self._boots = BootBacklog(stores.chargers)
        #: Last connector statuses, so STATUS_CHANGED is published once per change.
        states = ConnectorStates()
        self._tasks = TaskSender(
            self.registry, stores.chargers, mesh_secret=s.mesh_secret, timeout=s.task_timeout
        )
        runner = self._runner = TaskRunner(stores, self._tasks, clock)
        # Tasks a stopped manager left waiting for an answer are over: aborted.
        try:
            stale = await runner.abort_stale()
            if stale:
                log.info("%d tasks left sent by a stopped manager are aborted", stale)
        except StoreError as exc:
            log.warning("could not abort stale tasks: %s", exc)
        signer = None
        if ca is not None:
            signer = self.signer = CertificateSigner(
                ca, stores.security, self._tasks, clock, audit=self.audit
            )
            log.info("chargers' CSRs are signed by the CA %s (%s)", ca.subject, ca.source)
        routers = {
            OcppVersion.V16: build_v16_router(
                stores,
                policy,
                clock,
                authorizer,
                self._vendor_handlers,
                bus,
                boots=boots,
                states=states,
                signer=signer,
            ),
            OcppVersion.V201: build_v201_router(
                stores,
                policy,
                clock,
                bus,
                boots=boots,
                states=states,
                vendor_handlers=self._vendor_handlers,
                authorizer=authorizer,
                signer=signer,
            ),
            OcppVersion.V21: build_v201_router(
                stores,
                policy,
                clock,
                bus,
                boots=boots,
                states=states,
                vendor_handlers=self._vendor_handlers,
                authorizer=authorizer,
                signer=signer,
            ),
        }
        #: Node loss and stale epochs; checks the node leases every second (or sweep).
        self.node_monitor = NodeMonitor(
            self.registry, bus, self._tasks, clock, interval=min(1.0, s.sweep_interval)
        )
        reconnects: ReconnectStatus | None = None
        if s.status_trigger_after > 0:
            reconnects = self._reconnects = ReconnectStatus(
                runner,
                after=s.status_trigger_after,
                interval=s.status_trigger_interval,
                concurrency=s.status_trigger_concurrency,
            )
            reconnects.start()
        watchers: list[ConnectionWatcher] = [states]
        if reconnects is not None:
            watchers.append(reconnects)
        # Queued tasks are sent when their charger connects.
        self._queued = QueuedDelivery(runner)
        watchers.append(self._queued)
        dispatcher = Dispatcher(
            routers,
            stores.chargers,
            connections=watchers,
            gated=policy.gated,
            allowed_while=ALLOWED_WHILE,
        )
        #: Checks each handshake against the charger's security profile (after the policy).
        self.charger_auth = self._charger_auth = ChargerAuthenticator(
            stores.credentials,
            stores.security,
            self.audit,
            clock,
            allow_unsecured=s.allow_unsecured,
            failures_per_charger=s.login_failures_per_charger,
            failures_per_address=s.login_failures_per_address,
            failure_window=s.login_failure_window,
        )
        self.events = EventsServicer(
            dispatcher,
            policy,
            clock,
            bus,
            self.node_monitor,
            self.registry,
            charger_auth=self.charger_auth,
        )
        #: Bearer tokens → callers, cached; AuthService drops a revoked token from it.
        self.authenticator = Authenticator(stores.tokens, admin_token=s.admin_token, clock=clock)
        server = self._server = grpc.aio.server(
            interceptors=[
                # Before the auth check: refused calls are traced and counted too.
                TracingInterceptor(),
                metrics.GrpcMetricsInterceptor("manager"),
                OperatorAuthInterceptor(
                    self.authenticator, mesh_secret=s.mesh_secret, audit=self.audit
                ),
            ],
            options=[
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
            ],
        )
        events_pb2_grpc.add_EventsServicer_to_server(self.events, server)
        charger_api = ChargerServicer(
            stores,
            self.registry,
            runner,
            clock,
            policy=policy,
            charger_tls=s.charger_tls_available,
        )
        chargers_pb2_grpc.add_ChargerServiceServicer_to_server(charger_api, server)
        self._task_api = TaskServicer(
            stores, charger_api, clock, bulk_concurrency=s.bulk_task_concurrency
        )
        tasks_pb2_grpc.add_TaskServiceServicer_to_server(self._task_api, server)
        transactions_pb2_grpc.add_TransactionServiceServicer_to_server(
            TransactionServicer(stores), server
        )
        id_tags_pb2_grpc.add_IdTagServiceServicer_to_server(IdTagServicer(stores, clock), server)
        reservations_pb2_grpc.add_ReservationServiceServicer_to_server(
            ReservationServicer(stores), server
        )
        locations_pb2_grpc.add_LocationServiceServicer_to_server(
            LocationServicer(stores, clock), server
        )
        registry_pb2_grpc.add_RegistryServicer_to_server(RegistryServicer(self.registry), server)
        nodes_pb2_grpc.add_NodeServiceServicer_to_server(
            NodesServicer(self.registry, mesh_secret=s.mesh_secret), server
        )
        watch_pb2_grpc.add_WatchServiceServicer_to_server(WatchServicer(bus), server)
        device_model_pb2_grpc.add_DeviceModelServiceServicer_to_server(
            DeviceModelServicer(stores, self.registry, runner, clock), server
        )
        auth_pb2_grpc.add_AuthServiceServicer_to_server(
            AuthServicer(stores.tokens, self.authenticator, clock), server
        )
        auth_pb2_grpc.add_AuditServiceServicer_to_server(AuditServicer(stores.audit), server)
        if self._journal is None:
            self._journal = _journal_from_settings(s)
        messages = MessageServicer(self._journal, stores.chargers)
        await messages.open()
        messages_pb2_grpc.add_MessageServiceServicer_to_server(messages, server)
        #: gRPC health follows the database and the registry; reflection lists the API.
        self.health = HealthMonitor(
            "manager",
            {"database": stores.ping, "registry": self.registry.ping},
            settings=s.health,
        )
        self.health.serve_on(server, MANAGER_SERVICES)
        self.port = server.add_insecure_port(f"{s.host}:{s.port}")
        if self.port == 0:
            raise OSError(f"cannot listen on {s.host}:{s.port}")
        await server.start()
        await self.health.start()
        self._housekeeping = asyncio.create_task(self._keep_house(), name="housekeeping")
        self._node_checks = asyncio.create_task(self.node_monitor.run(), name="node-checks")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop serving (letting in-flight RPCs finish), then flush and close the stores."""
        if self._closed:
            return
        self._closed = True
        if self.health is not None:  # NOT_SERVING first: balancers stop sending calls
            await self.health.aclose()
        for task in (self._housekeeping, self._node_checks):
            if task is not None:  # both call Redis, where a cancellation can be lost on 3.11
                await cancel_and_wait(task)
        self.bus.close()  # watch streams end now instead of holding the graceful stop
        if self._server is not None:
            await self._server.stop(grace=self.settings.shutdown_grace)
        if self._charger_auth is not None:  # password checks of handshakes cut short
            await self._charger_auth.aclose()
        if self._reconnects is not None:
            await self._reconnects.aclose()
        if self._task_api is not None:
            await self._task_api.aclose()
        if self._queued is not None:
            await self._queued.aclose()
        if self.signer is not None:
            await self.signer.aclose()
        if self._tasks is not None:
            await self._tasks.aclose()
        if self._boots is not None:
            await self._boots.aclose()
        if self._audit_log is not None:
            await self._audit_log.aclose()  # after the server: in-flight calls are recorded
        if self._owns_stores and self._stores is not None:
            await self._stores.aclose()
        if self._owns_journal and self._journal is not None:
            await self._journal.aclose()

    async def _keep_house(self) -> None:
        """Periodic duties: sweep dead nodes' chargers, expire reservations and queued
        tasks, abort tasks a stopped manager left waiting."""
        while True:
            await asyncio.sleep(self.settings.sweep_interval)
            try:
                removed = await self.registry.sweep()
                if removed:
                    log.info("swept %d chargers of expired nodes from the registry", removed)
            except RegistryError as exc:
                log.warning("registry sweep failed: %s", exc)
            try:
                expired = await self.stores.reservations.expire(self._clock())
                if expired:
                    log.info("%d reservations expired", expired)
            except StoreError as exc:
                log.warning("reservation expiry failed: %s", exc)
            if self._runner is not None:
                try:
                    expired = await self._runner.expire()
                    if expired:
                        log.info("%d queued tasks expired", expired)
                    await self._runner.abort_stale()
                except StoreError as exc:
                    log.warning("task expiry failed: %s", exc)


def _journal_from_settings(settings: ManagerSettings) -> Journal | None:
    """The journal JOURNAL_URL names (not opened yet), or None when it is unset or off."""
    if not settings.journal_url or settings.journal_url.lower() == JOURNAL_OFF:
        return None
    return open_journal(settings.journal_url, retention_s=settings.journal_retention_s)
