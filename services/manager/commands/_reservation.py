"""Reservation commands."""

from __future__ import annotations

from typing import Any

from csms.v1 import chargers_pb2

from services.common import OcppVersion
from services.manager._errors import InvalidArgument
from services.manager.commands._common import Call, check_connector, check_id_tag, timestamp


def reserve_now(
    charger_id: str, version: OcppVersion, req: chargers_pb2.ReserveNowRequest, reservation_id: int
) -> Call:
    check_reserve_now(req, version)
    if not req.HasField("expiry_date"):
        raise InvalidArgument("expiry_date", "is required")
    connector = check_connector("connector_id", req.connector_id, minimum=0)
    expiry = timestamp(req.expiry_date)
    if version.is_16:
        payload: dict[str, Any] = {
            "connectorId": connector,
            "expiryDate": expiry,
            "idTag": req.id_tag,
            "reservationId": reservation_id,
        }
        if req.parent_id_tag:
            payload["parentIdTag"] = req.parent_id_tag
        return "ReserveNow", payload
    payload = {
        "id": reservation_id,
        "expiryDateTime": expiry,
        "idToken": {"idToken": req.id_tag, "type": "Central"},
    }
    if connector:
        payload["evseId"] = connector
    if req.parent_id_tag:
        payload["groupIdToken"] = {"idToken": req.parent_id_tag, "type": "Central"}
    return "ReserveNow", payload


def check_reserve_now(
    req: chargers_pb2.ReserveNowRequest, version: OcppVersion | None = None
) -> None:
    """The checks run before a reservation id is issued; given the charger's OCPP `version`,
    also that its tags fit what such a charger can carry."""
    check_id_tag("id_tag", req.id_tag, version)
    if req.parent_id_tag:
        check_id_tag("parent_id_tag", req.parent_id_tag, version)
    if not req.HasField("expiry_date"):
        raise InvalidArgument("expiry_date", "is required")
    check_connector("connector_id", req.connector_id, minimum=0)


def cancel_reservation(
    charger_id: str, version: OcppVersion, req: chargers_pb2.CancelReservationRequest
) -> Call:
    if req.reservation_id <= 0:
        raise InvalidArgument("reservation_id", "must be a reservation id issued by this CSMS")
    return "CancelReservation", {"reservationId": req.reservation_id}
