"""Commands the CSMS's own records say cannot succeed are refused before anything is sent,
and what the CSMS tells a charger about a tag agrees with its Authorize answers.

Real manager (PostgreSQL), real node, real Redis registry; chargers are the `ocpp`
library's ChargePoint scripted by `tests.harness.Station16` / `Station201`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from services.manager import Manager
from services.node import Node
from tests.harness import Station16, Station201, charger_url, connected

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"


@contextlib.asynccontextmanager
async def station16(node: Node, charger_id: str = "CP-1") -> AsyncIterator[Station16]:
    async with connected(Station16, charger_url(node, charger_id), charger_id) as station:
        await station.boot()
        yield station


@contextlib.asynccontextmanager
async def station201(node: Node, charger_id: str = "CS-1") -> AsyncIterator[Station201]:
    async with connected(Station201, charger_url(node, charger_id), charger_id) as station:
        await station.boot()
        yield station


async def refused(call: Awaitable[Any]) -> str:
    """The details of the FAILED_PRECONDITION `call` fails with."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION, error.value.details()
    return error.value.details() or ""


async def blocked_tags(manager: Manager) -> None:
    """BAD (Blocked), GROUP (Blocked) with its member CHILD (Accepted), OLD (expired)."""
    now = datetime.now(UTC)
    tags = manager.stores.id_tags
    await tags.create("BAD", status="Blocked", at=now)
    await tags.create("GROUP", status="Blocked", at=now)
    await tags.create("CHILD", parent_id_tag="GROUP", at=now)
    await tags.create("OLD", expiry_date=now - timedelta(days=1), at=now)
    await tags.create("GOOD", at=now)


# --- item 19: RemoteStart for a tag the CSMS refuses ----------------------------------


async def test_start_charging_refuses_a_tag_the_csms_blocked_16(
    node: Node, api: Api, manager: Manager
) -> None:
    """StartCharging (1.6) for a tag the CSMS would answer Blocked/Expired (itself or via its group) is FAILED_PRECONDITION naming the tag and its status; nothing is sent."""
    await blocked_tags(manager)
    async with station16(node) as station:
        for tag, status in (("BAD", "Blocked"), ("CHILD", "Blocked"), ("OLD", "Expired")):
            details = await refused(
                api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CP-1", id_tag=tag))
            )
            assert tag in details, details
            assert status in details, details
            if tag == "CHILD":
                assert "GROUP" in details, details
        assert station.requests("RemoteStartTransaction") == []
        answer = await api.StartCharging(
            chargers_pb2.StartChargingRequest(charger_id="CP-1", id_tag="GOOD")
        )
        assert answer.status == "Accepted"
        assert [r["id_tag"] for r in station.requests("RemoteStartTransaction")] == ["GOOD"]


async def test_start_charging_refuses_a_tag_the_csms_blocked_201(
    node: Node, api: Api, manager: Manager
) -> None:
    """StartCharging (2.0.1) for a member of a Blocked group is FAILED_PRECONDITION naming the group; nothing is sent."""
    await blocked_tags(manager)
    async with station201(node) as station:
        details = await refused(
            api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag="CHILD"))
        )
        assert "CHILD" in details, details
        assert "GROUP" in details, details
        assert "Blocked" in details, details
        assert station.requests("RequestStartTransaction") == []


async def test_reserve_now_refuses_a_tag_the_csms_blocked(
    node: Node, api: Api, manager: Manager
) -> None:
    """ReserveNow for a member of a Blocked group is FAILED_PRECONDITION naming the group; nothing is sent or recorded."""
    await blocked_tags(manager)
    async with station16(node) as station:
        expiry = Timestamp()
        expiry.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
        details = await refused(
            api.ReserveNow(
                chargers_pb2.ReserveNowRequest(
                    charger_id="CP-1", connector_id=1, id_tag="CHILD", expiry_date=expiry
                )
            )
        )
        assert "GROUP" in details, details
        assert station.requests("ReserveNow") == []
        listed, _ = await manager.stores.reservations.list(page_size=10, charger_id="CP-1")
        assert listed == []


# --- item 19: RemoteStop for a transaction the CSMS does not know ---------------------


async def test_stop_charging_refuses_an_unknown_or_ended_transaction_16(
    node: Node, api: Api, manager: Manager
) -> None:
    """StopCharging (1.6) for a transaction the CSMS never issued or already ended is FAILED_PRECONDITION naming it; nothing is sent."""
    async with station16(node) as station:
        details = await refused(
            api.StopCharging(
                chargers_pb2.StopChargingRequest(charger_id="CP-1", transaction_id=4242)
            )
        )
        assert "4242" in details, details
        assert "not known" in details, details
        transactions = manager.stores.transactions
        tx, _ = await transactions.start(
            charger_id="CP-1",
            connector_id=1,
            id_tag="GOOD",
            id_tag_status="Accepted",
            meter_start=0,
            started_at=datetime.now(UTC),
        )
        await transactions.stop(
            charger_id="CP-1",
            transaction_id=tx.transaction_id,
            meter_stop=10,
            stopped_at=datetime.now(UTC),
            reason="Local",
        )
        details = await refused(
            api.StopCharging(
                chargers_pb2.StopChargingRequest(
                    charger_id="CP-1", transaction_id=tx.transaction_id
                )
            )
        )
        assert str(tx.transaction_id) in details, details
        assert "ended" in details, details
        assert station.requests("RemoteStopTransaction") == []


async def test_stop_charging_refuses_an_unknown_transaction_201(node: Node, api: Api) -> None:
    """StopCharging (2.0.1) for a transaction the CSMS does not know is FAILED_PRECONDITION naming it; nothing is sent."""
    async with station201(node) as station:
        details = await refused(
            api.StopCharging(
                chargers_pb2.StopChargingRequest(charger_id="CS-1", transaction_id=999)
            )
        )
        assert "999" in details, details
        assert "not known" in details, details
        assert station.requests("RequestStopTransaction") == []


# --- item 17: a FULL local list says what Authorize says ------------------------------


async def test_full_local_list_gives_each_tag_its_authorize_status_16(
    node: Node, api: Api, manager: Manager
) -> None:
    """A FULL local list (1.6) gives every tag the status Authorize answers for it, group included (a member of a Blocked group is Blocked)."""
    await blocked_tags(manager)
    tags = ["BAD", "GROUP", "CHILD", "OLD", "GOOD", "STRANGER"]
    async with station16(node) as station:
        answer = await api.SendLocalList(
            chargers_pb2.SendLocalListRequest(
                charger_id="CP-1",
                update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
                entries=[chargers_pb2.LocalAuthorization(id_tag=t) for t in tags],
            )
        )
        assert answer.status == "Accepted"
        (sent,) = station.requests("SendLocalList")
        listed = {e["id_tag"]: e["id_tag_info"]["status"] for e in sent["local_authorization_list"]}
        authorized = {}
        for tag in tags:
            reply = await station.call(call16.Authorize(id_tag=tag))
            authorized[tag] = reply.id_tag_info["status"]
        assert listed == authorized
        assert listed["CHILD"] == "Blocked"


async def test_full_local_list_gives_each_tag_its_authorize_status_201(
    node: Node, api: Api, manager: Manager
) -> None:
    """A FULL local list (2.0.1) gives every tag the status Authorize answers for it, group included."""
    await blocked_tags(manager)
    tags = ["BAD", "CHILD", "OLD", "GOOD"]
    async with station201(node) as station:
        answer = await api.SendLocalList(
            chargers_pb2.SendLocalListRequest(
                charger_id="CS-1",
                update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
                entries=[chargers_pb2.LocalAuthorization(id_tag=t) for t in tags],
            )
        )
        assert answer.status == "Accepted"
        (sent,) = station.requests("SendLocalList")
        listed = {
            e["id_token"]["id_token"]: e["id_token_info"]["status"]
            for e in sent["local_authorization_list"]
        }
        authorized = {}
        for tag in tags:
            reply = await station.call(
                call201.Authorize(id_token={"id_token": tag, "type": "ISO14443"})
            )
            authorized[tag] = reply.id_token_info["status"]
        assert listed == authorized
        assert listed["CHILD"] == "Blocked"
