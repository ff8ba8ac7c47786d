"""Read and manage APIs for operators and the UI: transactions, id tags, reservations,
locations (Google API design guide: standard methods, page_size/page_token).

Every request is validated completely before a store is touched; a bad field is
``INVALID_ARGUMENT`` whose message starts with the field's path in the request
(``id_tag.status: ...``). Store errors propagate and ``grpc_errors`` maps them (NOT_FOUND,
ALREADY_EXISTS, FAILED_PRECONDITION, a foreign page token as INVALID_ARGUMENT naming
``page_token``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import grpc
from csms.v1 import (
    id_tags_pb2,
    id_tags_pb2_grpc,
    locations_pb2,
    locations_pb2_grpc,
    reservations_pb2,
    reservations_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
)
from google.protobuf.empty_pb2 import Empty
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import to_proto_version
from services.manager._context import Clock
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown, shown_one
from services.manager._stores import Stores
from services.manager.chargers import check_charger_id
from services.manager.store import (
    IdTagRecord,
    LocationRecord,
    MeterValueRecord,
    ReservationRecord,
    TransactionRecord,
)

Context = grpc.aio.ServicerContext[Any, Any]

#: (default, maximum) page size of each list; 0 in a request means the default.
TRANSACTION_PAGE = (50, 1000)
METER_VALUE_PAGE = (500, 5000)
ID_TAG_PAGE = (100, 1000)
RESERVATION_PAGE = (50, 1000)
LOCATION_PAGE = (50, 1000)

#: An id tag: 1 to 255 printable ASCII characters (OCPP 2.1 idToken; 2.0.1: 36, 1.6: 20).
#: Commands that send a tag to a charger check what its OCPP version can carry.
MAX_ID_TAG_LENGTH = 255
MAX_MEASURAND_LENGTH = 64
#: OCPP 2.1 IdToken (2.0.1: 36) as transactions record it; the charger's transactionId.
MAX_ID_TOKEN_LENGTH = 255
MAX_CHARGER_TRANSACTION_ID_LENGTH = 36
#: id_tags.max_active_transactions is a 32-bit integer column.
MAX_ACTIVE_TRANSACTIONS = 2**31 - 1
LOCATION_ID = re.compile(r"[a-z0-9-]{1,64}")
COUNTRY = re.compile(r"[A-Za-z]{2}")
#: Longest accepted value of each free-text location field.
LOCATION_TEXT_LIMITS = {"name": 200, "address": 500, "city": 200, "postal_code": 20}

#: The stored spelling (OCPP 1.6) of each API enum value, both ways.
ID_TAG_STATUS_VALUES: dict[str, id_tags_pb2.IdTagStatus] = {
    "Accepted": id_tags_pb2.ID_TAG_STATUS_ACCEPTED,
    "Blocked": id_tags_pb2.ID_TAG_STATUS_BLOCKED,
    "Expired": id_tags_pb2.ID_TAG_STATUS_EXPIRED,
    "Invalid": id_tags_pb2.ID_TAG_STATUS_INVALID,
}
ID_TAG_STATUS_NAMES: dict[int, str] = {value: name for name, value in ID_TAG_STATUS_VALUES.items()}

RESERVATION_STATE_VALUES: dict[str, reservations_pb2.ReservationState] = {
    "Pending": reservations_pb2.RESERVATION_STATE_PENDING,
    "Accepted": reservations_pb2.RESERVATION_STATE_ACCEPTED,
    "Rejected": reservations_pb2.RESERVATION_STATE_REJECTED,
    "Cancelled": reservations_pb2.RESERVATION_STATE_CANCELLED,
    "Used": reservations_pb2.RESERVATION_STATE_USED,
    "Expired": reservations_pb2.RESERVATION_STATE_EXPIRED,
}
RESERVATION_STATE_NAMES: dict[int, str] = {
    value: name for name, value in RESERVATION_STATE_VALUES.items()
}


ID_TAG_MASK_PATHS = ("status", "expiry_date", "parent_id_tag", "max_active_transactions")
LOCATION_MASK_PATHS = ("name", "address", "city", "postal_code", "country")


# --- request checks: each raises InvalidArgument naming the field ----------------------------


def checked_page_size(page_size: int, limits: tuple[int, int]) -> int:
    """`page_size` checked against `limits` (default, maximum); 0 means the default."""
    default, maximum = limits
    if page_size < 0 or page_size > maximum:
        raise InvalidArgument("page_size", f"must be between 0 and {maximum}")
    return page_size or default


def _id_tag(field: str, value: str, *, required: bool = True) -> str:
    if not value:
        if required:
            raise InvalidArgument(field, "is required")
        return value
    if len(value) > MAX_ID_TAG_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_ID_TAG_LENGTH} characters")
    if not (value.isascii() and value.isprintable()):
        raise InvalidArgument(field, "must be printable ASCII characters")
    return value


def _id_token_filter(field: str, value: str) -> str | None:
    """A transactions filter on the token: a 1.6 tag or a 2.0.1/2.1 idToken."""
    if len(value) > MAX_ID_TOKEN_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_ID_TOKEN_LENGTH} characters")
    return value or None


def _charger_filter(value: str) -> str | None:
    if value:
        check_charger_id(value)
    return value or None


def _positive(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be a positive number")
    return value


def _datetime(field: str, ts: Timestamp) -> datetime:
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument(field, f"is not a valid timestamp ({exc})") from exc


def _location_id(field: str, value: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    if not LOCATION_ID.fullmatch(value):
        raise InvalidArgument(field, "must be 1 to 64 of a-z, 0-9 and '-'")
    return value


def _mask(mask: FieldMask, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The fields an update changes: the mask's paths, all of ``allowed`` when empty or '*'."""
    paths = list(mask.paths)
    if not paths or paths == ["*"]:
        return allowed
    for path in paths:
        if path not in allowed:
            raise InvalidArgument(
                "update_mask", f"unknown path {path!r}; allowed: {', '.join(allowed)}"
            )
    return tuple(p for p in allowed if p in paths)


# --- records -> messages ----------------------------------------------------------------------


def _timestamp(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def transaction_message(record: TransactionRecord) -> transactions_pb2.Transaction:
    message = transactions_pb2.Transaction(
        transaction_id=record.transaction_id,
        charger_id=record.charger_id,
        connector_id=record.connector_id,
        id_tag=record.id_tag,
        stop_id_tag=record.stop_id_tag,
        meter_start_wh=record.meter_start,
        started_at=_timestamp(record.started_at),
        stop_reason=record.stop_reason,
        energy_wh=record.energy_wh,
        active=record.active,
        id_tag_status=record.id_tag_status,
    )
    if record.meter_stop is not None:
        message.meter_stop_wh = record.meter_stop
    if record.stopped_at is not None:
        message.stopped_at.CopyFrom(_timestamp(record.stopped_at))
    if record.reservation_id is not None:
        message.reservation_id = record.reservation_id
    message.evse_id = record.connector_id
    message.ocpp_version = to_proto_version(record.ocpp_version)
    message.charger_transaction_id = record.charger_transaction_id
    if record.remote_start_id is not None:
        message.remote_start_id = record.remote_start_id
    message.offline = record.offline
    message.id_token_type = record.id_token_type
    message.charging_state = record.charging_state
    return message


def meter_value_message(record: MeterValueRecord) -> transactions_pb2.MeterValue:
    message = transactions_pb2.MeterValue(
        timestamp=_timestamp(record.timestamp),
        value=record.value,
        measurand=record.measurand,
        phase=record.phase,
        unit=record.unit,
        context=record.context,
        location=record.location,
        format=record.format,
        connector_id=record.connector_id,
        signed_data=record.signed_data,
    )
    if record.transaction_id is not None:
        message.transaction_id = record.transaction_id
    return message


def id_tag_message(record: IdTagRecord) -> id_tags_pb2.IdTag:
    message = id_tags_pb2.IdTag(
        id_tag=record.id_tag,
        status=ID_TAG_STATUS_VALUES.get(record.status, id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED),
        parent_id_tag=record.parent_id_tag,
        max_active_transactions=record.max_active_transactions,
        created_at=_timestamp(record.created_at),
        updated_at=_timestamp(record.updated_at),
    )
    if record.expiry_date is not None:
        message.expiry_date.CopyFrom(_timestamp(record.expiry_date))
    return message


def reservation_message(record: ReservationRecord) -> reservations_pb2.Reservation:
    message = reservations_pb2.Reservation(
        reservation_id=record.reservation_id,
        charger_id=record.charger_id,
        connector_id=record.connector_id,
        id_tag=record.id_tag,
        parent_id_tag=record.parent_id_tag,
        expiry_date=_timestamp(record.expiry_date),
        state=RESERVATION_STATE_VALUES.get(
            record.state, reservations_pb2.RESERVATION_STATE_UNSPECIFIED
        ),
        charger_status=record.charger_status,
        created_at=_timestamp(record.created_at),
    )
    if record.transaction_id is not None:
        message.transaction_id = record.transaction_id
    return message


def location_message(record: LocationRecord) -> locations_pb2.Location:
    return locations_pb2.Location(
        location_id=record.location_id,
        name=record.name,
        address=record.address,
        city=record.city,
        postal_code=record.postal_code,
        country=record.country,
        charger_ids=list(record.charger_ids),
    )


def _transaction_named(record: TransactionRecord) -> str:
    return f"transaction {record.transaction_id} of charger {record.charger_id!r}"


def _reservation_named(record: ReservationRecord) -> str:
    return f"reservation {record.reservation_id} of charger {record.charger_id!r}"


# --- servicers --------------------------------------------------------------------------------


class TransactionServicer(transactions_pb2_grpc.TransactionServiceServicer):
    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    @grpc_errors
    async def ListTransactions(
        self, request: transactions_pb2.ListTransactionsRequest, context: Context
    ) -> transactions_pb2.ListTransactionsResponse:
        page_size = checked_page_size(request.page_size, TRANSACTION_PAGE)
        charger_id = _charger_filter(request.charger_id)
        id_tag = _id_token_filter("id_tag", request.id_tag)
        charger_tx = request.charger_transaction_id or None
        if charger_tx is not None:
            if charger_id is None:
                raise InvalidArgument(
                    "charger_id", "is required with charger_transaction_id (ids are per charger)"
                )
            if len(charger_tx) > MAX_CHARGER_TRANSACTION_ID_LENGTH:
                raise InvalidArgument(
                    "charger_transaction_id",
                    f"is longer than {MAX_CHARGER_TRANSACTION_ID_LENGTH} characters",
                )
        after = (
            _datetime("started_after", request.started_after)
            if request.HasField("started_after")
            else None
        )
        before = (
            _datetime("started_before", request.started_before)
            if request.HasField("started_before")
            else None
        )
        if after is not None and before is not None and before <= after:
            raise InvalidArgument("started_before", "must be later than started_after")
        records, token = await self._stores.transactions.list(
            page_size=page_size,
            page_token=request.page_token,
            charger_id=charger_id,
            id_tag=id_tag,
            started_after=after,
            started_before=before,
            active=request.active if request.HasField("active") else None,
            charger_transaction_id=charger_tx,
            remote_start_id=(
                request.remote_start_id if request.HasField("remote_start_id") else None
            ),
        )
        return transactions_pb2.ListTransactionsResponse(
            transactions=shown(records, transaction_message, _transaction_named),
            next_page_token=token,
        )

    @grpc_errors
    async def GetTransaction(
        self, request: transactions_pb2.GetTransactionRequest, context: Context
    ) -> transactions_pb2.Transaction:
        transaction_id = _positive("transaction_id", request.transaction_id)
        record = await self._stores.transactions.get(transaction_id)
        if record is None:
            raise ResourceNotFound(f"transaction {transaction_id} does not exist")
        return shown_one(record, transaction_message, _transaction_named(record))

    @grpc_errors
    async def ListMeterValues(
        self, request: transactions_pb2.ListMeterValuesRequest, context: Context
    ) -> transactions_pb2.ListMeterValuesResponse:
        transaction_id = _positive("transaction_id", request.transaction_id)
        page_size = checked_page_size(request.page_size, METER_VALUE_PAGE)
        if len(request.measurand) > MAX_MEASURAND_LENGTH:
            raise InvalidArgument("measurand", f"is longer than {MAX_MEASURAND_LENGTH} characters")
        records, token = await self._stores.transactions.list_meter_values(
            transaction_id,
            page_size=page_size,
            page_token=request.page_token,
            measurand=request.measurand or None,
        )
        # Values exist only for an existing transaction: look it up only for an empty page.
        if not records and await self._stores.transactions.get(transaction_id) is None:
            raise ResourceNotFound(f"transaction {transaction_id} does not exist")
        return transactions_pb2.ListMeterValuesResponse(
            meter_values=shown(
                records,
                meter_value_message,
                lambda r: f"a meter value of transaction {transaction_id} at {r.timestamp}",
            ),
            next_page_token=token,
        )


def _id_tag_changes(
    tag: id_tags_pb2.IdTag, fields: Collection[str], own_tag: str
) -> dict[str, Any]:
    """The store's keyword arguments for ``fields`` of ``tag`` (checked; field paths under
    ``id_tag.``)."""
    changes: dict[str, Any] = {}
    if "status" in fields:
        if tag.status == id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            raise InvalidArgument("id_tag.status", "is required")
        if tag.status not in ID_TAG_STATUS_NAMES:
            raise InvalidArgument("id_tag.status", f"unknown value {tag.status}")
        changes["status"] = ID_TAG_STATUS_NAMES[tag.status]
    if "expiry_date" in fields:
        changes["expiry_date"] = (
            _datetime("id_tag.expiry_date", tag.expiry_date)
            if tag.HasField("expiry_date")
            else None
        )
    if "parent_id_tag" in fields:
        parent = _id_tag("id_tag.parent_id_tag", tag.parent_id_tag, required=False)
        if parent == own_tag:
            raise InvalidArgument("id_tag.parent_id_tag", "must not be the tag itself")
        changes["parent_id_tag"] = parent
    if "max_active_transactions" in fields:
        if tag.max_active_transactions > MAX_ACTIVE_TRANSACTIONS:
            raise InvalidArgument(
                "id_tag.max_active_transactions", f"must be at most {MAX_ACTIVE_TRANSACTIONS}"
            )
        changes["max_active_transactions"] = tag.max_active_transactions
    return changes


class IdTagServicer(id_tags_pb2_grpc.IdTagServiceServicer):
    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock

    @grpc_errors
    async def ListIdTags(
        self, request: id_tags_pb2.ListIdTagsRequest, context: Context
    ) -> id_tags_pb2.ListIdTagsResponse:
        page_size = checked_page_size(request.page_size, ID_TAG_PAGE)
        status: str | None = None
        if request.status != id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            if request.status not in ID_TAG_STATUS_NAMES:
                raise InvalidArgument("status", f"unknown value {request.status}")
            status = ID_TAG_STATUS_NAMES[request.status]
        parent = _id_tag("parent_id_tag", request.parent_id_tag, required=False) or None
        records, token = await self._stores.id_tags.list(
            page_size=page_size, page_token=request.page_token, status=status, parent_id_tag=parent
        )
        return id_tags_pb2.ListIdTagsResponse(
            id_tags=shown(records, id_tag_message, lambda r: f"id tag {r.id_tag!r}"),
            next_page_token=token,
        )

    @grpc_errors
    async def GetIdTag(
        self, request: id_tags_pb2.GetIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        id_tag = _id_tag("id_tag", request.id_tag)
        record = await self._stores.id_tags.get(id_tag)
        if record is None:
            raise ResourceNotFound(f"id tag {id_tag!r} does not exist")
        return id_tag_message(record)

    @grpc_errors
    async def CreateIdTag(
        self, request: id_tags_pb2.CreateIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        """Create a tag; an UNSPECIFIED status means Accepted."""
        if not request.HasField("id_tag"):
            raise InvalidArgument("id_tag", "is required")
        tag = request.id_tag
        id_tag = _id_tag("id_tag.id_tag", tag.id_tag)
        fields = list(ID_TAG_MASK_PATHS)
        if tag.status == id_tags_pb2.ID_TAG_STATUS_UNSPECIFIED:
            fields.remove("status")
        changes = _id_tag_changes(tag, fields, id_tag)
        record = await self._stores.id_tags.create(id_tag, at=self._clock(), **changes)
        return id_tag_message(record)

    @grpc_errors
    async def UpdateIdTag(
        self, request: id_tags_pb2.UpdateIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        """Change the fields named in update_mask (all updatable fields when it is empty)."""
        if not request.HasField("id_tag"):
            raise InvalidArgument("id_tag", "is required")
        tag = request.id_tag
        id_tag = _id_tag("id_tag.id_tag", tag.id_tag)
        fields = _mask(request.update_mask, ID_TAG_MASK_PATHS)
        changes = _id_tag_changes(tag, fields, id_tag)
        record = await self._stores.id_tags.update(id_tag, at=self._clock(), **changes)
        return id_tag_message(record)

    @grpc_errors
    async def DeleteIdTag(self, request: id_tags_pb2.DeleteIdTagRequest, context: Context) -> Empty:
        await self._stores.id_tags.delete(_id_tag("id_tag", request.id_tag))
        return Empty()

    @grpc_errors
    async def BlockIdTag(
        self, request: id_tags_pb2.BlockIdTagRequest, context: Context
    ) -> id_tags_pb2.IdTag:
        id_tag = _id_tag("id_tag", request.id_tag)
        record = await self._stores.id_tags.update(id_tag, at=self._clock(), status="Blocked")
        return id_tag_message(record)


class ReservationServicer(reservations_pb2_grpc.ReservationServiceServicer):
    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    @grpc_errors
    async def ListReservations(
        self, request: reservations_pb2.ListReservationsRequest, context: Context
    ) -> reservations_pb2.ListReservationsResponse:
        page_size = checked_page_size(request.page_size, RESERVATION_PAGE)
        charger_id = _charger_filter(request.charger_id)
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
        reservation_id = _positive("reservation_id", request.reservation_id)
        record = await self._stores.reservations.get(reservation_id)
        if record is None:
            raise ResourceNotFound(f"reservation {reservation_id} does not exist")
        return shown_one(record, reservation_message, _reservation_named(record))


def _location_changes(location: locations_pb2.Location, fields: Iterable[str]) -> dict[str, str]:
    """The store's keyword arguments for ``fields`` of ``location`` (checked)."""
    changes: dict[str, str] = {}
    for field in fields:
        value: str = getattr(location, field)
        if field == "country":
            if value and not (value.isascii() and COUNTRY.fullmatch(value)):
                raise InvalidArgument(
                    "location.country", "must be an ISO 3166-1 alpha-2 code (2 letters)"
                )
            value = value.upper()
        else:
            limit = LOCATION_TEXT_LIMITS[field]
            if field == "name" and not value.strip():
                raise InvalidArgument("location.name", "is required")
            if len(value) > limit:
                raise InvalidArgument(f"location.{field}", f"is longer than {limit} characters")
        changes[field] = value
    return changes


class LocationServicer(locations_pb2_grpc.LocationServiceServicer):
    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock

    @grpc_errors
    async def ListLocations(
        self, request: locations_pb2.ListLocationsRequest, context: Context
    ) -> locations_pb2.ListLocationsResponse:
        page_size = checked_page_size(request.page_size, LOCATION_PAGE)
        records, token = await self._stores.locations.list(
            page_size=page_size, page_token=request.page_token
        )
        return locations_pb2.ListLocationsResponse(
            locations=shown(records, location_message, lambda r: f"location {r.location_id!r}"),
            next_page_token=token,
        )

    @grpc_errors
    async def GetLocation(
        self, request: locations_pb2.GetLocationRequest, context: Context
    ) -> locations_pb2.Location:
        location_id = _location_id("location_id", request.location_id)
        record = await self._stores.locations.get(location_id)
        if record is None:
            raise ResourceNotFound(f"location {location_id!r} does not exist")
        return location_message(record)

    @grpc_errors
    async def CreateLocation(
        self, request: locations_pb2.CreateLocationRequest, context: Context
    ) -> locations_pb2.Location:
        if not request.HasField("location"):
            raise InvalidArgument("location", "is required")
        location = request.location
        location_id = _location_id("location.location_id", location.location_id)
        changes = _location_changes(location, LOCATION_MASK_PATHS)
        record = await self._stores.locations.create(location_id, at=self._clock(), **changes)
        return location_message(record)

    @grpc_errors
    async def UpdateLocation(
        self, request: locations_pb2.UpdateLocationRequest, context: Context
    ) -> locations_pb2.Location:
        """Change the fields named in update_mask (all updatable fields when it is empty)."""
        if not request.HasField("location"):
            raise InvalidArgument("location", "is required")
        location = request.location
        location_id = _location_id("location.location_id", location.location_id)
        changes = _location_changes(location, _mask(request.update_mask, LOCATION_MASK_PATHS))
        record = await self._stores.locations.update(location_id, at=self._clock(), **changes)
        return location_message(record)

    @grpc_errors
    async def DeleteLocation(
        self, request: locations_pb2.DeleteLocationRequest, context: Context
    ) -> Empty:
        await self._stores.locations.delete(_location_id("location_id", request.location_id))
        return Empty()

    @grpc_errors
    async def AssignCharger(
        self, request: locations_pb2.AssignChargerRequest, context: Context
    ) -> locations_pb2.Location:
        location_id = _location_id("location_id", request.location_id)
        check_charger_id(request.charger_id)
        record = await self._stores.locations.assign(location_id, request.charger_id, self._clock())
        return location_message(record)

    @grpc_errors
    async def UnassignCharger(
        self, request: locations_pb2.UnassignChargerRequest, context: Context
    ) -> locations_pb2.Location:
        location_id = _location_id("location_id", request.location_id)
        check_charger_id(request.charger_id)
        record = await self._stores.locations.unassign(
            location_id, request.charger_id, self._clock()
        )
        return location_message(record)
