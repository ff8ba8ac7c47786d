"""ReservationService: reservations as recorded (ChargerService.ReserveNow makes them)."""

from __future__ import annotations

from csms.v1 import reservations_pb2, reservations_pb2_grpc

from services.manager._api_checks import (
    RESERVATION_PAGE,
    RESERVATION_STATE_NAMES,
    RESERVATION_STATE_VALUES,
    Context,
    charger_filter,
    checked_page_size,
    positive,
    timestamp,
)
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown, shown_one
from services.manager._stores import Stores
from services.manager.store import ReservationRecord


def reservation_message(record: ReservationRecord) -> reservations_pb2.Reservation:
    message = reservations_pb2.Reservation(
        reservation_id=record.reservation_id,
        charger_id=record.charger_id,
        connector_id=record.connector_id,
        id_tag=record.id_tag,
        parent_id_tag=record.parent_id_tag,
        expiry_date=timestamp(record.expiry_date),
        state=RESERVATION_STATE_VALUES.get(
            record.state, reservations_pb2.RESERVATION_STATE_UNSPECIFIED
        ),
        charger_status=record.charger_status,
        created_at=timestamp(record.created_at),
    )
    if record.transaction_id is not None:
        message.transaction_id = record.transaction_id
    return message


def _reservation_named(record: ReservationRecord) -> str:
    return f"reservation {record.reservation_id} of charger {record.charger_id!r}"


class ReservationServicer(reservations_pb2_grpc.ReservationServiceServicer):
    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    @grpc_errors
    async def ListReservations(
        self, request: reservations_pb2.ListReservationsRequest, context: Context
    ) -> reservations_pb2.ListReservationsResponse:
        page_size = checked_page_size(request.page_size, RESERVATION_PAGE)
        charger_id = charger_filter(request.charger_id)
        state: str | None = None
        if request.state != reservations_pb2.RESERVATION_STATE_UNSPECIFIED:
            if request.state not in RESERVATION_STATE_NAMES:
                raise InvalidArgument("state", f"unknown value {request.state}")
            state = RESERVATION_STATE_NAMES[request.state]
        records, token = await self._stores.reservations.list(
            page_size=page_size, page_token=request.page_token, charger_id=charger_id, state=state
        )
        return reservations_pb2.ListReservationsResponse(
            reservations=shown(records, reservation_message, _reservation_named),
            next_page_token=token,
        )

    @grpc_errors
    async def GetReservation(
        self, request: reservations_pb2.GetReservationRequest, context: Context
    ) -> reservations_pb2.Reservation:
        reservation_id = positive("reservation_id", request.reservation_id)
        record = await self._stores.reservations.get(reservation_id)
        if record is None:
            raise ResourceNotFound(f"reservation {reservation_id} does not exist")
        return shown_one(record, reservation_message, _reservation_named(record))
