"""Reservation: ReserveNow issues and records the reservation; CancelReservation."""

from __future__ import annotations

from datetime import UTC

import orjson
from csms.v1 import chargers_pb2

from services.manager import commands
from services.manager._errors import (
    ChargerCallError,
    ChargerNotConnected,
    ChargerTimeout,
    InvalidArgument,
    NodeUnavailable,
    grpc_errors,
)
from services.manager.chargers._base import (
    ChargerCommands,
    Context,
    check_charger_id,
    status_of,
    still_pending,
)


class ReservationCommands(ChargerCommands):
    """ReserveNow, CancelReservation."""

    # --- Reservation --------------------------------------------------------------------

    @grpc_errors
    async def ReserveNow(
        self, request: chargers_pb2.ReserveNowRequest, context: Context
    ) -> chargers_pb2.ReserveNowResponse:
        """Issue a reservation id (recorded Pending), send it, record the charger's answer.

        A tag the CSMS refuses (as for StartCharging) is FAILED_PRECONDITION, nothing sent or
        recorded. When the charger certainly did not take the reservation (CallError, not connected,
        message refused) it is recorded Rejected. When the answer is lost (timeout, node
        gone) the charger may hold it: it stays Pending, so a StartTransaction naming it
        still uses it, CancelReservation can withdraw it, and it expires at expiry_date.
        """
        check_charger_id(request.charger_id)
        commands.check_reserve_now(request)
        now = self._clock()
        expiry = request.expiry_date.ToDatetime(tzinfo=UTC)
        if expiry <= now:
            raise InvalidArgument("expiry_date", "must be in the future")
        location = await self._tasks.locate(request.charger_id)
        commands.check_reserve_now(request, location.ocpp_version)  # before anything is recorded
        previous = await self._tasks.previous(request.charger_id, "ReserveNow")
        if previous is not None:  # a repeated request_id: the first reservation's answer
            first, answer = previous
            sent = orjson.loads(first.payload_json)
            return chargers_pb2.ReserveNowResponse(
                status=status_of(answer),
                reservation_id=int(sent.get("reservationId", sent.get("id", 0))),
            )
        await self._refuse_refused_tag(request.charger_id, request.id_tag)
        reservations = self._stores.reservations
        reservation = await reservations.create(
            charger_id=request.charger_id,
            connector_id=request.connector_id,
            id_tag=request.id_tag,
            parent_id_tag=request.parent_id_tag,
            expiry_date=expiry,
            at=now,
        )
        reservation_id = reservation.reservation_id
        action, payload = commands.reserve_now(
            request.charger_id, location.ocpp_version, request, reservation_id
        )
        try:
            answer = await self._send(location, action, payload)
        except (ChargerCallError, ChargerNotConnected, InvalidArgument):
            await reservations.set_outcome(reservation_id, "Rejected", self._clock())
            raise
        except ChargerTimeout as exc:
            raise ChargerTimeout(f"{exc}; {still_pending(reservation_id)}") from exc
        except NodeUnavailable as exc:
            raise NodeUnavailable(f"{exc}; {still_pending(reservation_id)}") from exc
        status = status_of(answer)
        await reservations.set_outcome(reservation_id, status, self._clock())
        return chargers_pb2.ReserveNowResponse(status=status, reservation_id=reservation_id)

    @grpc_errors
    async def CancelReservation(
        self, request: chargers_pb2.CancelReservationRequest, context: Context
    ) -> chargers_pb2.CancelReservationResponse:
        """A reservation the CSMS knows as another charger's is refused; on Accepted it is
        recorded Cancelled."""
        location, action, payload = await self._prepare(request, commands.cancel_reservation)
        reservations = self._stores.reservations
        reservation = await reservations.get(request.reservation_id)
        if reservation is not None and reservation.charger_id != request.charger_id:
            raise InvalidArgument(
                "reservation_id",
                f"reservation {request.reservation_id} is on charger "
                f"{reservation.charger_id!r}, not {request.charger_id!r}",
            )
        answer = await self._send(location, action, payload)
        return chargers_pb2.CancelReservationResponse(status=status_of(answer))
