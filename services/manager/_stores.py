"""All of the manager's stores, opened together on one database engine."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import text

from services.manager.store import (
    AuditStore,
    ChargerStore,
    ChargingProfileStore,
    ConfigurationStore,
    CredentialStore,
    DeviceModelStore,
    IdTagStore,
    LocationStore,
    ReservationStore,
    SecurityStore,
    SmartChargingStore,
    SqlAuditStore,
    SqlChargerStore,
    SqlChargingProfileStore,
    SqlConfigurationStore,
    SqlCredentialStore,
    SqlDeviceModelStore,
    SqlIdTagStore,
    SqlLocationStore,
    SqlReservationStore,
    SqlSecurityStore,
    SqlSmartChargingStore,
    SqlStationStore,
    SqlTaskStore,
    SqlTokenStore,
    SqlTransactionStore,
    StationStore,
    TokenStore,
    TransactionStore,
)
from services.manager.store._sqlbase import SqlStoreBase


@dataclass(frozen=True, slots=True)
class Stores:
    """One store per concern; handlers and servicers take the ones they need."""

    chargers: ChargerStore
    id_tags: IdTagStore
    transactions: TransactionStore
    reservations: ReservationStore
    profiles: ChargingProfileStore
    configuration: ConfigurationStore
    security: SecurityStore
    locations: LocationStore
    device_model: DeviceModelStore
    station: StationStore  # OCPP 2.0.1 requests reported on by id, display messages
    # OCPP 2.0.1 charging limits, EV charging needs, reported profiles
    smart_charging: SmartChargingStore
    # Security profile and password hashes, as the handshake checks them (issue 11)
    credentials: CredentialStore
    tokens: TokenStore  # operators' API tokens (hashed)
    audit: AuditStore  # the audit log (services.manager._audit.AuditLog writes it)
    tasks: SqlTaskStore  # the task history: every command sent to a charger

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, flush_interval: float = 0.2) -> Stores:
        """Open the database at `url` (and migrate it unless ``migrate=False``); every store
        shares its engine."""
        chargers = await SqlChargerStore.open(url, migrate=migrate, flush_interval=flush_interval)
        engine = chargers.engine
        return cls(
            chargers=chargers,
            id_tags=SqlIdTagStore(engine),
            transactions=SqlTransactionStore(engine),
            reservations=SqlReservationStore(engine),
            profiles=SqlChargingProfileStore(engine),
            configuration=SqlConfigurationStore(engine),
            security=SqlSecurityStore(engine),
            locations=SqlLocationStore(engine),
            device_model=SqlDeviceModelStore(engine),
            station=SqlStationStore(engine),
            smart_charging=SqlSmartChargingStore(engine),
            credentials=SqlCredentialStore(engine),
            tokens=SqlTokenStore(engine),
            audit=SqlAuditStore(engine),
            tasks=SqlTaskStore(engine),
        )

    async def ping(self) -> None:
        """Return when the database answers a ``SELECT 1`` (the readiness check); raises
        what the driver raises when it does not."""
        async with self.tasks.engine.connect() as connection:  # every store's one engine
            await connection.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        """Wait for the group commits in flight, flush what is buffered and close the
        database (the engine is the charger store's)."""
        for field in fields(self):
            store = getattr(self, field.name)
            if isinstance(store, SqlStoreBase):
                await store.finish_batches()
        await self.chargers.aclose()
