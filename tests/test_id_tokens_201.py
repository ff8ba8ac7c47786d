"""Id tags as long as 2.0.1/2.1 idTokens, through the real mesh: node, manager
(PostgreSQL), Redis registry, a 2.0.1 station (`tests.harness.Station201`) and a 1.6 one.

The CSMS keeps id tags of 1..255 characters (2.1 idToken; 2.0.1: 36), so a 2.0.1 station's
long token can be known; a command that sends a tag checks what the charger's OCPP
version can carry (1.6: 20, 2.0.1: 36) and refuses a longer one unsent and unrecorded.
Test names follow the 2.0.1 use cases (C: authorization, D: local list, F: remote start,
H: reservation).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from csms.v1 import (
    chargers_pb2,
    chargers_pb2_grpc,
    id_tags_pb2,
    id_tags_pb2_grpc,
    reservations_pb2,
    reservations_pb2_grpc,
)
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from services.manager import Manager
from services.node import Node
from tests.harness import Station16, Station201, api_channel, charger_url, connected

#: A 30-character token: longer than a 1.6 IdToken (20), within a 2.0.1 idToken (36).
TOKEN_30 = "04A1B2C3D4E5F60718293A4B5C6D7E"
GROUP_30 = "GROUP-" + "G" * 24

assert len(TOKEN_30) == len(GROUP_30) == 30


def rfid(token: str) -> dict[str, str]:
    return {"id_token": token, "type": "ISO14443"}


def in_an_hour() -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime((datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0))
    return stamp


async def rejected(
    call: Awaitable[Any], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> str:
    """The details of the error `call` fails with, after checking its status code."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    return error.value.details() or ""


# --- the system under test ----------------------------------------------------------


@pytest.fixture
async def channel(manager: Manager) -> AsyncIterator[grpc.aio.Channel]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield channel


@pytest.fixture
def api(channel: grpc.aio.Channel) -> chargers_pb2_grpc.ChargerServiceAsyncStub:
    return chargers_pb2_grpc.ChargerServiceStub(channel)


@pytest.fixture
def id_tags(channel: grpc.aio.Channel) -> id_tags_pb2_grpc.IdTagServiceAsyncStub:
    return id_tags_pb2_grpc.IdTagServiceStub(channel)


@pytest.fixture
def reservations(channel: grpc.aio.Channel) -> reservations_pb2_grpc.ReservationServiceAsyncStub:
    return reservations_pb2_grpc.ReservationServiceStub(channel)


@contextlib.asynccontextmanager
async def booted(node: Node, charger_id: str = "CS-1") -> AsyncIterator[Station201]:
    async with connected(Station201, charger_url(node, charger_id), charger_id) as station:
        assert (await station.boot()).status == "Accepted"
        yield station


@pytest.fixture
async def station(node: Node) -> AsyncIterator[Station201]:
    async with booted(node) as station:
        yield station


@pytest.fixture
async def station16(node: Node) -> AsyncIterator[Station16]:
    async with connected(Station16, charger_url(node, "CP-16"), "CP-16") as station:
        assert (await station.boot()).status == "Accepted"
        yield station


async def create_tag(
    id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub, id_tag: str, parent_id_tag: str = ""
) -> id_tags_pb2.IdTag:
    return await id_tags.CreateIdTag(
        id_tags_pb2.CreateIdTagRequest(
            id_tag=id_tags_pb2.IdTag(id_tag=id_tag, parent_id_tag=parent_id_tag)
        )
    )


# --- C: authorization ---------------------------------------------------------------


async def test_c01_authorize_a_30_character_token_created_through_the_api(
    station: Station201, id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub
) -> None:
    """A 30-character token (and group) created through IdTagService is Accepted when a 2.0.1 station presents it."""
    await create_tag(id_tags, GROUP_30)
    created = await create_tag(id_tags, TOKEN_30, parent_id_tag=GROUP_30)
    assert created.id_tag == TOKEN_30
    answer = await station.call(call201.Authorize(id_token=rfid(TOKEN_30)))
    assert answer.id_token_info == {
        "status": "Accepted",
        "group_id_token": {"id_token": GROUP_30, "type": "Central"},
    }
    unknown = await station.call(call201.Authorize(id_token=rfid(TOKEN_30[:-1] + "X")))
    assert unknown.id_token_info == {"status": "Unknown"}


async def test_c01_id_tags_longer_than_255_characters_are_refused(
    manager: Manager, id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub
) -> None:
    """CreateIdTag takes 255 characters (a 2.1 idToken) and refuses 256 with INVALID_ARGUMENT, storing nothing."""
    await create_tag(id_tags, "W" * 255)
    details = await rejected(create_tag(id_tags, "X" * 256))
    assert details.startswith("id_tag.id_tag:")
    assert "255" in details
    details = await rejected(create_tag(id_tags, "TAG-1", parent_id_tag="P" * 256))
    assert details.startswith("id_tag.parent_id_tag:")
    assert await manager.stores.id_tags.get("X" * 256) is None
    assert await manager.stores.id_tags.get("TAG-1") is None


async def test_c01_a_16_charger_is_not_sent_a_group_it_cannot_carry(
    station16: Station16, id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub
) -> None:
    """A 1.6 Authorize of a short tag whose group is longer than 20 characters is answered without parentIdTag."""
    await create_tag(id_tags, GROUP_30)
    await create_tag(id_tags, "CARD-16", parent_id_tag=GROUP_30)
    answer = await station16.call(call16.Authorize(id_tag="CARD-16"))
    assert answer.id_tag_info == {"status": "Accepted"}


# --- F: remote start ------------------------------------------------------------------


async def test_f01_start_charging_with_a_30_character_tag(
    station: Station201, station16: Station16, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """StartCharging sends a 30-character tag to a 2.0.1 charger but refuses it for a 1.6 one (20) unsent."""
    answer = await api.StartCharging(
        chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag=TOKEN_30)
    )
    assert answer.status == "Accepted"
    (sent,) = station.requests("RequestStartTransaction")
    assert sent["id_token"] == {"id_token": TOKEN_30, "type": "Central"}
    details = await rejected(
        api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CP-16", id_tag=TOKEN_30))
    )
    assert details.startswith("id_tag:")
    assert "OCPP 1.6 allows at most 20" in details
    assert station16.requests("RemoteStartTransaction") == []


async def test_f01_start_charging_with_a_tag_longer_than_36_characters(
    station: Station201, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """StartCharging refuses a 37-character tag for a 2.0.1 charger (idToken: 36) unsent."""
    details = await rejected(
        api.StartCharging(chargers_pb2.StartChargingRequest(charger_id="CS-1", id_tag="T" * 37))
    )
    assert details.startswith("id_tag:")
    assert "OCPP 2.0.1 allows at most 36" in details
    assert station.requests("RequestStartTransaction") == []


# --- H: reservations --------------------------------------------------------------------


def reservation(charger_id: str, id_tag: str, parent_id_tag: str = "") -> Any:
    return chargers_pb2.ReserveNowRequest(
        charger_id=charger_id,
        connector_id=1,
        expiry_date=in_an_hour(),
        id_tag=id_tag,
        parent_id_tag=parent_id_tag,
    )


async def test_h01_reserve_now_with_30_character_tags(
    station: Station201,
    station16: Station16,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    reservations: reservations_pb2_grpc.ReservationServiceAsyncStub,
) -> None:
    """ReserveNow sends 30-character tags to a 2.0.1 charger; for a 1.6 one it refuses them unsent and records no reservation."""
    answer = await api.ReserveNow(reservation("CS-1", TOKEN_30, GROUP_30))
    assert answer.status == "Accepted"
    (sent,) = station.requests("ReserveNow")
    assert sent["id_token"] == {"id_token": TOKEN_30, "type": "Central"}
    assert sent["group_id_token"] == {"id_token": GROUP_30, "type": "Central"}
    found = await reservations.GetReservation(
        reservations_pb2.GetReservationRequest(reservation_id=answer.reservation_id)
    )
    assert (found.id_tag, found.parent_id_tag) == (TOKEN_30, GROUP_30)
    details = await rejected(api.ReserveNow(reservation("CP-16", TOKEN_30)))
    assert details.startswith("id_tag:")
    assert "OCPP 1.6 allows at most 20" in details
    details = await rejected(api.ReserveNow(reservation("CP-16", "CARD-1", GROUP_30)))
    assert details.startswith("parent_id_tag:")
    assert "OCPP 1.6 allows at most 20" in details
    assert station16.requests("ReserveNow") == []
    listed = await reservations.ListReservations(
        reservations_pb2.ListReservationsRequest(charger_id="CP-16")
    )
    assert list(listed.reservations) == []


# --- D: local authorization list ----------------------------------------------------------


async def test_d01_send_local_list_with_30_character_tags(
    station: Station201,
    station16: Station16,
    api: chargers_pb2_grpc.ChargerServiceAsyncStub,
    id_tags: id_tags_pb2_grpc.IdTagServiceAsyncStub,
) -> None:
    """SendLocalList sends 30-character entries to a 2.0.1 charger; for a 1.6 one it refuses them (and a stored group it cannot carry) unsent."""
    await create_tag(id_tags, GROUP_30)
    await create_tag(id_tags, TOKEN_30, parent_id_tag=GROUP_30)
    await create_tag(id_tags, "CARD-16", parent_id_tag=GROUP_30)

    def full(*tags: str) -> chargers_pb2.SendLocalListRequest:
        return chargers_pb2.SendLocalListRequest(
            update_type=chargers_pb2.LOCAL_LIST_UPDATE_FULL,
            entries=[chargers_pb2.LocalAuthorization(id_tag=tag) for tag in tags],
        )

    request = full(TOKEN_30)
    request.charger_id = "CS-1"
    answer = await api.SendLocalList(request)
    assert answer.status == "Accepted"
    (sent,) = station.requests("SendLocalList")
    (entry,) = sent["local_authorization_list"]
    assert entry["id_token"] == {"id_token": TOKEN_30, "type": "Central"}
    assert entry["id_token_info"]["group_id_token"] == {"id_token": GROUP_30, "type": "Central"}

    request = full("CARD-OK", TOKEN_30)
    request.charger_id = "CP-16"
    details = await rejected(api.SendLocalList(request))
    assert details.startswith("entries[1].id_tag:")
    assert "OCPP 1.6 allows at most 20" in details
    request = full("CARD-16")
    request.charger_id = "CP-16"
    details = await rejected(api.SendLocalList(request))
    assert details.startswith("entries[0].parent_id_tag:"), details
    assert station16.requests("SendLocalList") == []
