"""BootNotification while the database is unavailable (unit tests of the 1.6 and 2.0.1
handlers over a SQLite charger store that can be switched off). The same rule is checked
end to end, with a real PostgreSQL stopped, in tests/test_fault_drills.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.common import OcppVersion
from services.manager._context import CallContext, Reply
from services.manager._policy import ChargerPolicy
from services.manager._provisioning import BootBacklog
from services.manager._watch import EventBus
from services.manager.store import (
    BootInfo,
    ChargerAdmission,
    SqlChargerStore,
    StoreUnavailable,
)
from services.manager.v16 import messages as v16
from services.manager.v16.provisioning import Provisioning as Provisioning16
from services.manager.v201 import messages as v201
from services.manager.v201.provisioning import Provisioning as Provisioning201
from tests.harness import eventually

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

BOOT16: v16.BootNotificationRequest = {"chargePointVendor": "Acme", "chargePointModel": "Wallbox-1"}
BOOT201: v201.BootNotificationRequest = {
    "chargingStation": {"vendorName": "Volt", "model": "Station-2"},
    "reason": "PowerUp",
}


class SwitchableStore(SqlChargerStore):
    """The SQL charger store, whose database can be 'down'."""

    down = False

    def _fail(self) -> None:
        if self.down:
            raise StoreUnavailable("database unavailable while testing: connection refused")

    async def is_known(self, charger_id: str) -> bool:
        self._fail()
        return await super().is_known(charger_id)

    async def register(
        self,
        charger_id: str,
        ocpp_version: str,
        at: datetime,
        *,
        registration_status: str = "Accepted",
    ) -> None:
        self._fail()
        await super().register(
            charger_id, ocpp_version, at, registration_status=registration_status
        )

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        self._fail()
        return await super().admission(charger_id)

    async def record_boot(self, charger_id: str, boot: BootInfo, status: str, at: datetime) -> None:
        self._fail()
        await super().record_boot(charger_id, boot, status, at)


@pytest.fixture
async def store(migrated_sqlite_url: str) -> AsyncIterator[SwitchableStore]:
    """A switchable charger store on this test's own SQLite database."""
    opened = await SwitchableStore.open(migrated_sqlite_url, migrate=False)
    try:
        yield opened
    finally:
        opened.down = False
        await opened.aclose()


class Setup:
    def __init__(self, store: SwitchableStore, *, auto_register: bool) -> None:
        self.store = store
        self.policy = ChargerPolicy(self.store, auto_register=auto_register, heartbeat_interval=120)
        self.backlog = BootBacklog(self.store, retry_min=0.01, retry_max=0.05)
        bus = EventBus(clock=lambda: NOW)
        self.v16 = Provisioning16(self.store, self.policy, lambda: NOW, bus, self.backlog)
        self.v201 = Provisioning201(self.store, self.policy, lambda: NOW, bus, self.backlog)

    async def boot(self, version: str, charger_id: str) -> Reply:
        ctx = CallContext(charger_id, OcppVersion(version), 1, "m-1", NOW)
        if version == "1.6":
            return await self.v16.boot_notification(ctx, BOOT16)
        return await self.v201.boot_notification(ctx, BOOT201)


@pytest.fixture(params=[True, False], ids=["auto-register", "registered-only"])
async def setup(request: pytest.FixtureRequest, store: SwitchableStore) -> AsyncIterator[Setup]:
    s = Setup(store, auto_register=request.param)
    try:
        yield s
    finally:
        await s.backlog.aclose()


VERSIONS = pytest.mark.parametrize("version", ["1.6", "2.0.1"])


@VERSIONS
async def test_known_charger_boot_is_accepted_while_the_database_is_down(
    setup: Setup, version: str
) -> None:
    """A charger the manager knows is Accepted with its heartbeat interval while the database
    is down, and its boot is recorded once the database is back."""
    await setup.store.register("CP-1", version, NOW)
    assert await setup.policy.admit("CP-1", version, NOW)  # the manager now knows it
    setup.store.down = True
    answer = await setup.boot(version, "CP-1")
    assert (answer["status"], answer["interval"]) == ("Accepted", 120)
    assert len(setup.backlog) == 1
    setup.store.down = False
    await eventually(lambda: _backlog_empty(setup.backlog), timeout=10.0)
    record = await setup.store.get("CP-1")
    assert record is not None
    assert (record.vendor, record.boot_status) == (
        "Acme" if version == "1.6" else "Volt",
        "Accepted",
    )


@VERSIONS
async def test_unknown_charger_boot_is_pending_while_the_database_is_down(
    setup: Setup, version: str
) -> None:
    """A charger the manager cannot vouch for without the database is told Pending with a
    retry interval (never InternalError), and nothing is kept for it."""
    setup.store.down = True
    answer = await setup.boot(version, "CP-NEW")
    assert answer["status"] == "Pending"
    assert answer["interval"] == Provisioning16.pending_interval > 0
    if version == "2.0.1":
        assert answer["statusInfo"]["reasonCode"] == "InternalError"
        assert "database" in answer["statusInfo"]["additionalInfo"]
    else:
        assert "statusInfo" not in answer
    assert len(setup.backlog) == 0


async def test_a_later_recorded_boot_replaces_the_kept_one(setup: Setup) -> None:
    """A boot recorded after the outage wins over the one kept during it."""
    await setup.store.register("CP-2", "1.6", NOW)
    assert await setup.policy.admit("CP-2", "1.6", NOW)
    setup.backlog._retry_min = setup.backlog._retry_max = 60.0  # no retry during this test
    setup.store.down = True
    await setup.boot("1.6", "CP-2")
    setup.store.down = False
    ctx = CallContext("CP-2", OcppVersion.V16, 1, "m-2", NOW)
    await setup.v16.boot_notification(ctx, {**BOOT16, "chargePointVendor": "Later"})
    assert len(setup.backlog) == 0
    record = await setup.store.get("CP-2")
    assert record is not None
    assert record.vendor == "Later"


async def test_backlog_is_bounded(store: SwitchableStore) -> None:
    """Beyond its limit the backlog drops the oldest kept boot and counts it."""
    store.down = True
    backlog = BootBacklog(store, limit=2, retry_min=60.0, retry_max=60.0)
    info = BootInfo(
        vendor="A", model="M", serial_number="", firmware_version="", ocpp_version="1.6"
    )
    try:
        for cid in ("A", "B", "C"):
            backlog.keep(cid, info, NOW)
        assert (len(backlog), backlog.dropped) == (2, 1)
    finally:
        store.down = False
        await backlog.aclose()
    assert backlog.written == 2


async def _backlog_empty(backlog: BootBacklog) -> bool:
    return len(backlog) == 0
