"""The mesh end to end: chargers, nodes, manager, Redis registry, PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime

import asyncpg
import grpc
import pytest
import websockets
from csms.v1 import chargers_pb2, chargers_pb2_grpc, common_pb2
from websockets.typing import Subprotocol

from services.manager import Manager
from services.node import Node
from services.registry import ChargerLocation, RedisRegistry
from tests.harness import (
    UNIT,
    Charger16,
    Charger201,
    charger_url,
    connected,
    eventually,
    running_manager,
    running_node,
)


@pytest.fixture
async def node_a(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-a") as node:
        yield node


@pytest.fixture
async def node_b(registry: RedisRegistry, manager: Manager) -> AsyncIterator[Node]:
    async with running_node(registry, manager.port, "node-b") as node:
        yield node


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_chargers_of_both_versions_boot_heartbeat_and_report_status(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub, postgres_url: str
) -> None:
    """A 1.6 and a 2.0.1 charger boot, heartbeat and report status; the API and PostgreSQL show it."""
    async with (
        connected(Charger16, charger_url(node_a, "CP-16"), "CP-16") as cp16,
        connected(Charger201, charger_url(node_a, "CS-201"), "CS-201") as cs201,
    ):
        boot16 = await cp16.boot()
        boot201 = await cs201.boot()
        assert boot16.status == "Accepted"
        assert boot16.interval == 300
        assert boot201.status == "Accepted"
        assert (await cp16.heartbeat()).current_time.endswith("Z")
        assert (await cs201.heartbeat()).current_time.endswith("Z")
        await cp16.status(1, "Charging")
        await cp16.status(2, "Faulted", error_code="GroundFailure")
        await cs201.status(1, 1, "Occupied")

        charger16 = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CP-16"))
        assert charger16.connected
        assert charger16.node_id == "node-a"
        assert charger16.ocpp_version == common_pb2.OCPP_VERSION_16
        assert (charger16.vendor, charger16.model) == ("Acme", "Wallbox-1")
        assert [(c.evse_id, c.status, c.error_code) for c in charger16.connectors] == [
            (1, "Charging", "NoError"),
            (2, "Faulted", "GroundFailure"),
        ]
        charger201 = await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id="CS-201"))
        assert charger201.ocpp_version == common_pb2.OCPP_VERSION_201
        assert [(c.evse_id, c.connector_id, c.status) for c in charger201.connectors] == [
            (1, 1, "Occupied")
        ]

        listed = await api.ListChargers(chargers_pb2.ListChargersRequest(status="Faulted"))
        assert [c.charger_id for c in listed.chargers] == ["CP-16"]

    conn = await asyncpg.connect(_pg(postgres_url))
    try:
        rows = await conn.fetch(
            "select id, vendor, ocpp_version, last_seen_at from chargers order by id"
        )
        assert [(r["id"], r["vendor"], r["ocpp_version"]) for r in rows] == [
            ("CP-16", "Acme", "1.6"),
            ("CS-201", "Volt", "2.0.1"),
        ]
        assert all(r["last_seen_at"] is not None for r in rows)
        statuses = await conn.fetch(
            "select charger_id, evse_id, connector_id, status from connectors order by 1, 2"
        )
        assert [tuple(r) for r in statuses] == [
            ("CP-16", 1, 1, "Charging"),
            ("CP-16", 2, 1, "Faulted"),
            ("CS-201", 1, 1, "Occupied"),
        ]
    finally:
        await conn.close()


async def test_reset_reaches_only_the_owning_node(
    node_a: Node, node_b: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A Reset for a charger on node B goes to B's Node.Send only and returns the charger's answer."""
    async with (
        connected(Charger16, charger_url(node_a, "CP-A"), "CP-A") as on_a,
        connected(Charger16, charger_url(node_b, "CP-B"), "CP-B") as on_b,
    ):
        await on_a.boot()
        await on_b.boot()
        answer = await api.Reset(
            chargers_pb2.ResetRequest(charger_id="CP-B", kind=chargers_pb2.RESET_KIND_HARD)
        )
        assert answer.status == "Accepted"
        assert on_b.resets == ["Hard"]
        assert on_a.resets == []
        assert node_b.tasks_received == 1
        assert node_a.tasks_received == 0


async def test_same_api_call_resets_a_16_and_a_201_charger(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """Reset is version-neutral: Soft becomes 1.6 'Soft' and 2.0.1 'OnIdle'."""
    async with (
        connected(Charger16, charger_url(node_a, "V16"), "V16") as cp16,
        connected(Charger201, charger_url(node_a, "V201"), "V201") as cs201,
    ):
        for charger_id in ("V16", "V201"):
            answer = await api.Reset(
                chargers_pb2.ResetRequest(charger_id=charger_id, kind=chargers_pb2.RESET_KIND_SOFT)
            )
            assert answer.status == "Accepted"
        assert cp16.resets == ["Soft"]
        assert cs201.resets == ["OnIdle"]


async def test_configuration_maps_to_variables_on_201(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """GetConfiguration/ChangeConfiguration reach a 1.6 charger as such and a 2.0.1 one as Get/SetVariables."""
    async with (
        connected(Charger16, charger_url(node_a, "K16"), "K16"),
        connected(Charger201, charger_url(node_a, "K201"), "K201") as cs201,
    ):
        for charger_id, unknown in (("K16", "NoSuchKey"), ("K201", "OCPPCommCtrlr/NoSuchVariable")):
            got = await api.GetConfiguration(
                chargers_pb2.GetConfigurationRequest(
                    charger_id=charger_id, keys=["HeartbeatInterval", unknown]
                )
            )
            assert [(e.key, e.value) for e in got.entries] == [("HeartbeatInterval", "300")]
            assert list(got.unknown_keys) == [unknown]
        with pytest.raises(grpc.aio.AioRpcError) as unmappable:
            await api.GetConfiguration(
                chargers_pb2.GetConfigurationRequest(charger_id="K201", keys=["NoSuchKey"])
            )
        assert unmappable.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "Component/Variable" in (unmappable.value.details() or "")
        changed = await api.ChangeConfiguration(
            chargers_pb2.ChangeConfigurationRequest(
                charger_id="K201", key="HeartbeatInterval", value="60"
            )
        )
        assert changed.status == "Accepted"
        assert cs201.variables[("OCPPCommCtrlr", "HeartbeatInterval")] == "60"


async def test_task_errors_have_precise_statuses(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """Unknown charger → NOT_FOUND, known but offline → UNAVAILABLE, bad field → INVALID_ARGUMENT naming it."""
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await api.Reset(
            chargers_pb2.ResetRequest(charger_id="NOPE", kind=chargers_pb2.RESET_KIND_SOFT)
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert "NOPE" in (unknown.value.details() or "")

    async with connected(Charger16, charger_url(node_a, "GONE"), "GONE") as cp:
        await cp.boot()
    with pytest.raises(grpc.aio.AioRpcError) as offline:
        await eventually(
            lambda: api.Reset(
                chargers_pb2.ResetRequest(charger_id="GONE", kind=chargers_pb2.RESET_KIND_SOFT)
            ),
            timeout=4 * UNIT,
        )
    assert offline.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "not connected" in (offline.value.details() or "")

    async with connected(Charger16, charger_url(node_a, "HERE"), "HERE"):
        with pytest.raises(grpc.aio.AioRpcError) as bad_kind:
            await api.Reset(chargers_pb2.ResetRequest(charger_id="HERE"))
        assert bad_kind.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (bad_kind.value.details() or "").startswith("kind:")
        with pytest.raises(grpc.aio.AioRpcError) as bad_json:
            await api.SendCall(
                chargers_pb2.SendCallRequest(
                    charger_id="HERE", action="DataTransfer", payload_json="{"
                )
            )
        assert bad_json.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (bad_json.value.details() or "").startswith("payload_json:")
        with pytest.raises(grpc.aio.AioRpcError) as bad_payload:
            await api.SendCall(
                chargers_pb2.SendCallRequest(
                    charger_id="HERE", action="Reset", payload_json='{"type": "Sideways"}'
                )
            )
        assert bad_payload.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "type" in (bad_payload.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as evse_on_16:
            await api.Reset(
                chargers_pb2.ResetRequest(
                    charger_id="HERE", kind=chargers_pb2.RESET_KIND_SOFT, evse_id=1
                )
            )
        assert evse_on_16.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "OCPP 1.6" in (evse_on_16.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as bad_page:
            await api.ListChargers(chargers_pb2.ListChargersRequest(page_size=5000))
        assert bad_page.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (bad_page.value.details() or "").startswith("page_size:")


async def test_charger_call_error_carries_its_code(
    registry: RedisRegistry, node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A CallError from the charger becomes FAILED_PRECONDITION with the OCPP code in message and metadata."""
    async with connected(Charger16, charger_url(node_a, "NOTRIG"), "NOTRIG"):
        # The node claims the charger just after the handshake: wait for it (no boot here).
        await eventually(lambda: _owned_by(registry, "NOTRIG", "node-a"))
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            # Charger16 has no handler for UnlockConnector: the ocpp library answers NotImplemented.
            await api.SendCall(
                chargers_pb2.SendCallRequest(
                    charger_id="NOTRIG", action="UnlockConnector", payload_json='{"connectorId": 1}'
                )
            )
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "NotImplemented" in (failed.value.details() or "")
    trailing = dict(failed.value.trailing_metadata() or ())
    assert trailing.get("ocpp-error-code") == "NotImplemented"


async def test_reconnect_on_another_node_takes_over(
    registry: RedisRegistry,
    node_a: Node,
    node_b: Node,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
) -> None:
    """A charger reconnecting on B gets a higher epoch; A closes its stale socket; tasks go to B."""
    async with connected(Charger16, charger_url(node_a, "ROAM"), "ROAM") as first:
        await first.boot()
        before = await registry.lookup("ROAM")
        assert before is not None
        assert before.node_id == "node-a"
        async with connected(Charger16, charger_url(node_b, "ROAM"), "ROAM") as second:
            after = await eventually(lambda: _owned_by(registry, "ROAM", "node-b"))
            assert after is not None
            assert after.epoch > before.epoch
            await asyncio.wait_for(first._connection.wait_closed(), 8 * UNIT)
            assert first._connection.close_code == 4000
            assert "ROAM" not in node_a.connections
            answer = await api.Reset(
                chargers_pb2.ResetRequest(charger_id="ROAM", kind=chargers_pb2.RESET_KIND_HARD)
            )
            assert answer.status == "Accepted"
            assert second.resets == ["Hard"]
            assert first.resets == []
            # A's release of its stale connection did not remove B's ownership.
            still = await registry.lookup("ROAM")
            assert still is not None
            assert (still.node_id, still.epoch) == ("node-b", after.epoch)


async def _owned_by(
    registry: RedisRegistry, charger_id: str, node_id: str
) -> ChargerLocation | None:
    location = await registry.lookup(charger_id)
    return location if location is not None and location.node_id == node_id else None


async def test_unknown_charger_refused_when_auto_registration_is_off(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """With auto-registration off an unknown id is refused at the handshake (HTTP 403 with the reason)."""
    async with (
        running_manager(registry, postgres_url, auto_register=False) as manager,
        running_node(registry, manager.port, "node-strict") as node,
    ):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(
                charger_url(node, "STRANGER"), subprotocols=[Subprotocol("ocpp1.6")]
            ):
                pass
        assert refused.value.response.status_code == 403
        assert (
            b"unknown charger STRANGER: an admin must add it first" in refused.value.response.body
        )
        assert await registry.lookup("STRANGER") is None
        await manager.stores.chargers.register("FRIEND", "1.6", datetime.now(UTC))
        async with connected(Charger16, charger_url(node, "FRIEND"), "FRIEND") as friend:
            assert (await friend.boot()).status == "Accepted"


async def test_unsupported_subprotocol_and_bad_ids_are_refused(node_a: Node) -> None:
    """A charger offering no supported subprotocol, or a path without a valid id, is refused with a reason."""
    with pytest.raises(websockets.InvalidStatus) as no_proto:
        async with websockets.connect(
            charger_url(node_a, "CP"), subprotocols=[Subprotocol("ocpp1.5")]
        ):
            pass
    assert no_proto.value.response.status_code == 400
    assert b"ocpp1.6" in no_proto.value.response.body
    with pytest.raises(websockets.InvalidStatus) as too_long:
        async with websockets.connect(
            charger_url(node_a, "X" * 49), subprotocols=[Subprotocol("ocpp1.6")]
        ):
            pass
    assert too_long.value.response.status_code == 404
    assert b"48" in too_long.value.response.body


async def test_list_filters_by_connection_and_pages(
    node_a: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """ListChargers filters on the registry's connected set and pages with tokens."""
    async with connected(Charger16, charger_url(node_a, "OFF-1"), "OFF-1") as gone:
        await gone.boot()
    async with (
        connected(Charger16, charger_url(node_a, "ON-1"), "ON-1") as on1,
        connected(Charger201, charger_url(node_a, "ON-2"), "ON-2") as on2,
    ):
        await on1.boot()
        await on2.boot()

        async def online_ids() -> list[str]:
            page = await api.ListChargers(chargers_pb2.ListChargersRequest(connected=True))
            return [c.charger_id for c in page.chargers]

        assert await eventually(lambda: _equal(online_ids(), ["ON-1", "ON-2"]))
        offline = await api.ListChargers(chargers_pb2.ListChargersRequest(connected=False))
        assert [c.charger_id for c in offline.chargers] == ["OFF-1"]
        assert not offline.chargers[0].connected

        first = await api.ListChargers(chargers_pb2.ListChargersRequest(page_size=2))
        assert [c.charger_id for c in first.chargers] == ["OFF-1", "ON-1"]
        assert first.next_page_token
        second = await api.ListChargers(
            chargers_pb2.ListChargersRequest(page_size=2, page_token=first.next_page_token)
        )
        assert [c.charger_id for c in second.chargers] == ["ON-2"]
        assert second.next_page_token == ""
        with pytest.raises(grpc.aio.AioRpcError) as bad_token:
            await api.ListChargers(chargers_pb2.ListChargersRequest(page_token="garbage!"))
        assert bad_token.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (bad_token.value.details() or "").startswith("page_token:")


async def _equal(values: Awaitable[list[str]], expected: list[str]) -> bool:
    return await values == expected
