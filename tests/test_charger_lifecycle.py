"""The charger lifecycle over real gRPC, a real node and OCPP chargers (issue 11): create,
update, retire (the socket closes, the handshake refuses), restore; the registration status
answered at BootNotification and approving a pending charger; auto-registration policies."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc, common_pb2
from google.protobuf.field_mask_pb2 import FieldMask
from ocpp.exceptions import SecurityError
from ocpp.routing import after, on
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

from services.common._passwords import verify_password
from services.manager import Manager
from services.manager._config import ManagerSettings
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    MESH_SECRET,
    UNIT,
    Charger16,
    Charger201,
    api_channel,
    charger_url,
    connected,
    eventually,
    running_manager,
    running_node,
)

PASSWORD = "correct-horse-battery-1"  # 23 characters: within OCPP's 16 to 40


class Booting16(Charger16):
    """A 1.6 charger that boots again when asked (TriggerMessage BootNotification)."""

    boots: list[str]

    def __init__(self, charger_id: str, connection: Any) -> None:
        super().__init__(charger_id, connection)
        self.boots = []

    @after("TriggerMessage")  # type: ignore[untyped-decorator]
    async def boot_when_asked(self, requested_message: str, **_: Any) -> None:
        if requested_message == "BootNotification":
            self.boots.append((await self.boot()).status)


class Booting201(Charger201):
    """A 2.0.1 station that boots again when asked (TriggerMessage BootNotification)."""

    boots: list[str]

    def __init__(self, charger_id: str, connection: Any) -> None:
        super().__init__(charger_id, connection)
        self.boots = []

    @on("TriggerMessage")  # type: ignore[untyped-decorator]
    def on_trigger(self, requested_message: str, **_: Any) -> result201.TriggerMessage:
        return result201.TriggerMessage(status="Accepted")

    @after("TriggerMessage")  # type: ignore[untyped-decorator]
    async def boot_when_asked(self, requested_message: str, **_: Any) -> None:
        if requested_message == "BootNotification":
            self.boots.append((await self.boot()).status)


@dataclass
class Mesh:
    manager: Manager
    node: Node
    api: chargers_pb2_grpc.ChargerServiceAsyncStub


@contextlib.asynccontextmanager
async def mesh(
    registry: RedisRegistry, postgres_url: str, **manager_settings: Any
) -> AsyncIterator[Mesh]:
    async with (
        running_manager(registry, postgres_url, **manager_settings) as manager,
        running_node(registry, manager.port, "node-life") as node,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        yield Mesh(manager, node, chargers_pb2_grpc.ChargerServiceStub(channel))


@pytest.fixture
async def strict(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Mesh]:
    """A manager with auto-registration off (the deployment default) and one node."""
    async with mesh(registry, postgres_url, auto_register=False) as m:
        yield m


async def refused(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"charger_id": ""}, "charger_id"),
        ({"charger_id": "site/CP-1"}, "charger_id"),
        ({"charger_id": "C" * 49}, "charger_id"),
        ({"charger_id": "CP\t1"}, "charger_id"),
        ({"charger_id": "CP-1", "security_profile": 4}, "security_profile"),
        ({"charger_id": "CP-1", "security_profile": -1}, "security_profile"),
        ({"charger_id": "CP-1", "security_profile": 1}, "password"),
        ({"charger_id": "CP-1", "security_profile": 2, "password": "short"}, "password"),
        ({"charger_id": "CP-1", "password": "x" * 41}, "password"),
        ({"charger_id": "CP-1", "description": "d" * 501}, "description"),
        ({"charger_id": "CP-1", "location_id": "nowhere"}, "location_id"),
        ({"charger_id": "CP-1", "registration_status": 9}, "registration_status"),
    ],
)
async def test_create_refuses_invalid_requests_naming_the_field(
    strict: Mesh, request_fields: dict[str, Any], field: str
) -> None:
    """A bad id, profile, password, description, location or status is INVALID_ARGUMENT
    whose message starts with the field's name, and nothing is created."""
    error = await refused(
        strict.api.CreateCharger(chargers_pb2.CreateChargerRequest(**request_fields))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert (error.details() or "").startswith(f"{field}:"), error.details()
    listed = await strict.api.ListChargers(chargers_pb2.ListChargersRequest())
    assert list(listed.chargers) == []


async def test_create_returns_the_charger_and_stores_only_a_hash(strict: Mesh) -> None:
    """A created charger comes back with its profile, status and description, has_password
    set and no password anywhere; the stored hash verifies the password."""
    created = await strict.api.CreateCharger(
        chargers_pb2.CreateChargerRequest(
            charger_id="CP-1",
            security_profile=1,
            password=PASSWORD,
            description="car park, level 2",
            registration_status=chargers_pb2.REGISTRATION_STATUS_PENDING,
        )
    )
    assert (created.charger_id, created.security_profile, created.description) == (
        "CP-1",
        1,
        "car park, level 2",
    )
    assert created.registration_status == chargers_pb2.REGISTRATION_STATUS_PENDING
    assert created.has_password
    assert not created.HasField("retired_at")
    assert created.ocpp_version == common_pb2.OCPP_VERSION_UNSPECIFIED  # never connected
    assert PASSWORD not in str(created)
    assert await strict.api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-1")) == created
    admission = await strict.manager.stores.chargers.admission("CP-1")
    assert admission is not None
    assert admission.password_hash is not None
    assert PASSWORD not in admission.password_hash
    assert verify_password(admission.password_hash, PASSWORD)


async def test_create_of_an_existing_or_retired_id_is_already_exists(strict: Mesh) -> None:
    """Creating an id that exists is ALREADY_EXISTS; for a retired one the message says to
    restore it."""
    await strict.api.CreateCharger(chargers_pb2.CreateChargerRequest(charger_id="CP-1"))
    error = await refused(
        strict.api.CreateCharger(chargers_pb2.CreateChargerRequest(charger_id="CP-1"))
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    await strict.api.DeleteCharger(chargers_pb2.DeleteChargerRequest(charger_id="CP-1"))
    error = await refused(
        strict.api.CreateCharger(chargers_pb2.CreateChargerRequest(charger_id="CP-1"))
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "restore" in (error.details() or "")


async def test_update_changes_what_the_mask_names(strict: Mesh) -> None:
    """UpdateCharger changes the masked fields only; an empty mask means the fields set; a
    profile that needs a password without one, or an unknown path, is INVALID_ARGUMENT."""
    await strict.api.CreateCharger(
        chargers_pb2.CreateChargerRequest(charger_id="CP-1", description="old")
    )
    updated = await strict.api.UpdateCharger(
        chargers_pb2.UpdateChargerRequest(
            charger_id="CP-1",
            description="new",
            security_profile=3,
            update_mask=FieldMask(paths=["description"]),
        )
    )
    assert (updated.description, updated.security_profile) == ("new", 0)
    updated = await strict.api.UpdateCharger(
        chargers_pb2.UpdateChargerRequest(charger_id="CP-1", security_profile=2, password=PASSWORD)
    )
    assert (updated.security_profile, updated.has_password, updated.description) == (2, True, "new")

    error = await refused(
        strict.api.UpdateCharger(
            chargers_pb2.UpdateChargerRequest(
                charger_id="CP-1", update_mask=FieldMask(paths=["password"])
            )
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("password:")
    error = await refused(
        strict.api.UpdateCharger(
            chargers_pb2.UpdateChargerRequest(
                charger_id="CP-1", update_mask=FieldMask(paths=["vendor"])
            )
        )
    )
    assert (error.details() or "").startswith("update_mask:")
    error = await refused(
        strict.api.UpdateCharger(
            chargers_pb2.UpdateChargerRequest(charger_id="GHOST", description="x")
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


# --- retire and restore ----------------------------------------------------------------


async def test_retire_closes_the_socket_refuses_the_charger_and_restore_lets_it_back(
    strict: Mesh,
) -> None:
    """DeleteCharger retires a connected charger: its socket closes within a second or two
    (1008, naming the reason), the handshake refuses it (403), its history stays, List hides
    it unless asked; RestoreCharger lets it connect and boot again."""
    api, node = strict.api, strict.node
    await api.CreateCharger(chargers_pb2.CreateChargerRequest(charger_id="CP-R"))
    async with connected(Charger16, charger_url(node, "CP-R"), "CP-R") as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        started = asyncio.get_running_loop().time()
        retired = await api.DeleteCharger(chargers_pb2.DeleteChargerRequest(charger_id="CP-R"))
        assert retired.HasField("retired_at")
        async with asyncio.timeout(4 * UNIT):
            await cp._connection.wait_closed()
        assert asyncio.get_running_loop().time() - started < 2.0
        assert cp._connection.close_code == 1008
        assert "retired" in (cp._connection.close_reason or "")
    await eventually(lambda: _gone(strict, "CP-R"))

    with pytest.raises(websockets.InvalidStatus) as refusal:
        async with connected(Charger16, charger_url(node, "CP-R"), "CP-R"):
            pass
    assert refusal.value.response.status_code == 403
    assert b"charger CP-R is retired; an admin can restore it" in refusal.value.response.body

    got = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-R"))
    assert got.HasField("retired_at")
    assert [(c.evse_id, c.status) for c in got.connectors] == [(1, "Available")]  # history kept
    assert [
        c.charger_id for c in (await api.ListChargers(chargers_pb2.ListChargersRequest())).chargers
    ] == []
    only_retired = await api.ListChargers(chargers_pb2.ListChargersRequest(retired=True))
    assert [c.charger_id for c in only_retired.chargers] == ["CP-R"]

    restored = await api.RestoreCharger(chargers_pb2.RestoreChargerRequest(charger_id="CP-R"))
    assert not restored.HasField("retired_at")
    async with connected(Charger16, charger_url(node, "CP-R"), "CP-R") as cp:
        assert (await cp.boot()).status == "Accepted"
    listed = await api.ListChargers(chargers_pb2.ListChargersRequest())
    assert [c.charger_id for c in listed.chargers] == ["CP-R"]


async def test_retire_and_restore_of_an_unknown_charger_is_not_found(strict: Mesh) -> None:
    """Retiring or restoring an id the CSMS does not know is NOT_FOUND."""
    for call in (
        strict.api.DeleteCharger(chargers_pb2.DeleteChargerRequest(charger_id="GHOST")),
        strict.api.RestoreCharger(chargers_pb2.RestoreChargerRequest(charger_id="GHOST")),
    ):
        assert (await refused(call)).code() == grpc.StatusCode.NOT_FOUND


async def _gone(m: Mesh, charger_id: str) -> bool:
    return await m.manager.registry.lookup(charger_id) is None


# --- registration status ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_pending_charger_is_held_until_approved(strict: Mesh, version: str) -> None:
    """A Pending charger is answered Pending with an interval and may not send other calls
    (SecurityError, no status recorded); approving it asks it to boot again, and it is
    Accepted and served."""
    api = strict.api
    await api.CreateCharger(
        chargers_pb2.CreateChargerRequest(
            charger_id="CP-P", registration_status=chargers_pb2.REGISTRATION_STATUS_PENDING
        )
    )
    cls: type[Booting16] | type[Booting201] = Booting16 if version == "1.6" else Booting201
    async with connected(cls, charger_url(strict.node, "CP-P"), "CP-P") as cp:
        boot = await cp.boot()
        assert boot.status == "Pending"
        assert boot.interval > 0
        status_call: Any = (
            call16.StatusNotification(connector_id=1, error_code="NoError", status="Available")
            if version == "1.6"
            else call201.StatusNotification(
                timestamp="2026-12-03T10:00:00Z",
                connector_status="Available",
                evse_id=1,
                connector_id=1,
            )
        )
        with pytest.raises(SecurityError):
            await cp.call(status_call, suppress=False)
        await cp.heartbeat()  # allowed while Pending

        approved = await api.UpdateCharger(
            chargers_pb2.UpdateChargerRequest(
                charger_id="CP-P",
                registration_status=chargers_pb2.REGISTRATION_STATUS_ACCEPTED,
            )
        )
        assert approved.registration_status == chargers_pb2.REGISTRATION_STATUS_ACCEPTED
        await eventually(lambda: _booted(cp, "Accepted"))
        await cp.call(status_call, suppress=False)
    got = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-P"))
    assert got.boot_status == "Accepted"
    assert [c.status for c in got.connectors] == ["Available"]


async def _booted(cp: Booting16 | Booting201, status: str) -> bool:
    return status in cp.boots


async def test_rejected_charger_is_answered_rejected_and_may_only_boot(strict: Mesh) -> None:
    """A Rejected charger is admitted (it may boot again) but answered Rejected, and any
    other call is refused."""
    await strict.api.CreateCharger(
        chargers_pb2.CreateChargerRequest(
            charger_id="CP-X", registration_status=chargers_pb2.REGISTRATION_STATUS_REJECTED
        )
    )
    async with connected(Charger16, charger_url(strict.node, "CP-X"), "CP-X") as cp:
        assert (await cp.boot()).status == "Rejected"
        with pytest.raises(SecurityError):
            await cp.call(call16.Heartbeat(), suppress=False)


# --- auto-registration ---------------------------------------------------------------


async def test_auto_register_pending_registers_unknown_chargers_as_pending(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """With AUTO_REGISTER=pending an unknown charger is admitted and registered with
    profile 0 and status Pending, and told Pending at boot."""
    async with mesh(registry, postgres_url, auto_register_status="Pending") as m:
        async with connected(Charger16, charger_url(m.node, "NEW-1"), "NEW-1") as cp:
            assert (await cp.boot()).status == "Pending"
        got = await m.api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="NEW-1"))
        assert got.registration_status == chargers_pb2.REGISTRATION_STATUS_PENDING
        assert got.security_profile == 0


async def test_auto_register_accepted_registers_unknown_chargers_as_accepted(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """With AUTO_REGISTER=accepted (make run) an unknown charger boots Accepted at once."""
    async with mesh(registry, postgres_url) as m:
        async with connected(Charger201, charger_url(m.node, "NEW-2"), "NEW-2") as cp:
            assert (await cp.boot()).status == "Accepted"
        got = await m.api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="NEW-2"))
        assert got.registration_status == chargers_pb2.REGISTRATION_STATUS_ACCEPTED


async def test_auto_register_off_refuses_unknown_chargers_naming_how_to_add_them(
    strict: Mesh,
) -> None:
    """With auto-registration off an unknown charger is refused at the handshake (403) with
    how to add it, and nothing is registered."""
    with pytest.raises(websockets.InvalidStatus) as refusal:
        async with connected(Charger16, charger_url(strict.node, "STRANGER"), "STRANGER"):
            pass
    assert refusal.value.response.status_code == 403
    assert refusal.value.response.body == (
        b"unknown charger STRANGER: an admin must add it first with POST /v1/chargers or "
        b"`csmsctl charger add STRANGER`\n"
    )
    assert not await strict.manager.stores.chargers.is_known("STRANGER")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("off", (False, "Accepted")),
        ("false", (False, "Accepted")),
        ("pending", (True, "Pending")),
        ("Accepted", (True, "Accepted")),
        ("true", (True, "Accepted")),
    ],
)
def test_auto_register_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[bool, str]
) -> None:
    """AUTO_REGISTER takes off, pending or accepted, and true/false as before."""
    monkeypatch.setenv("AUTO_REGISTER", value)
    settings = ManagerSettings.from_env(auto_register_default=False, mesh_secret=MESH_SECRET)
    assert (settings.auto_register, settings.auto_register_status) == expected


def test_auto_register_setting_refuses_other_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any other AUTO_REGISTER value stops the manager with what is allowed."""
    monkeypatch.setenv("AUTO_REGISTER", "sometimes")
    with pytest.raises(ValueError, match="off, pending or accepted"):
        ManagerSettings.from_env(auto_register_default=False, mesh_secret=MESH_SECRET)


def test_make_run_keeps_accepting_unknown_chargers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without AUTO_REGISTER the embedded default (make run) auto-registers as Accepted."""
    monkeypatch.delenv("AUTO_REGISTER", raising=False)
    settings = ManagerSettings.from_env(auto_register_default=True, mesh_secret=MESH_SECRET)
    assert (settings.auto_register, settings.auto_register_status) == (True, "Accepted")
