"""OCPP 2.0.1 / 2.1 reservation: ReservationStatusUpdate.

The charger tells the CSMS that a reservation ended without being used: ``Expired``
records it Expired, ``Removed`` (the charger dropped it, e.g. its EVSE became
unavailable) records it Cancelled, and 2.1's ``NoTransaction`` (the reservation was
claimed but no transaction followed) records it Expired. A reservation that is not this
charger's, or not known, or a status this CSMS does not know, is answered all the same
(the response has no status) and logged.
"""

from __future__ import annotations

import logging

from services.manager._context import CallContext, Payload
from services.manager.store import ReservationStore

log = logging.getLogger(__name__)

#: ReservationUpdateStatusEnumType -> the reservation's state.
STATE_OF_UPDATE = {"Expired": "Expired", "Removed": "Cancelled", "NoTransaction": "Expired"}


class Reservation:
    def __init__(self, reservations: ReservationStore) -> None:
        self._reservations = reservations

    async def reservation_status_update(self, ctx: CallContext, req: Payload) -> Payload:
        """Record how the charger ended the reservation."""
        reservation_id = req["reservationId"]
        update = req["reservationUpdateStatus"]
        state = STATE_OF_UPDATE.get(update)
        if state is None:  # a later OCPP version's status: nothing to record
            log.warning(
                "charger %s reported reservation %s %s, a status this CSMS does not know",
                ctx.charger_id,
                reservation_id,
                update,
            )
            return {}
        record = await self._reservations.ended_by_charger(
            reservation_id, charger_id=ctx.charger_id, state=state, at=ctx.received_at
        )
        if record is None:
            log.warning(
                "charger %s reported reservation %s %s, which is not one of its reservations",
                ctx.charger_id,
                reservation_id,
                update,
            )
        return {}
