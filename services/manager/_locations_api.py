"""LocationService: locations and the chargers assigned to them."""

from __future__ import annotations

from collections.abc import Iterable

from csms.v1 import locations_pb2, locations_pb2_grpc
from google.protobuf.empty_pb2 import Empty

from services.manager._api_checks import (
    COUNTRY,
    LOCATION_MASK_PATHS,
    LOCATION_PAGE,
    LOCATION_TEXT_LIMITS,
    Context,
    checked_location_id,
    checked_page_size,
    mask_paths,
)
from services.manager._context import Clock
from services.manager._errors import InvalidArgument, ResourceNotFound, grpc_errors
from services.manager._rows import shown
from services.manager._stores import Stores
from services.manager.chargers import check_charger_id
from services.manager.store import LocationRecord


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
        location_id = checked_location_id("location_id", request.location_id)
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
        location_id = checked_location_id("location.location_id", location.location_id)
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
        location_id = checked_location_id("location.location_id", location.location_id)
        changes = _location_changes(location, mask_paths(request.update_mask, LOCATION_MASK_PATHS))
        record = await self._stores.locations.update(location_id, at=self._clock(), **changes)
        return location_message(record)

    @grpc_errors
    async def DeleteLocation(
        self, request: locations_pb2.DeleteLocationRequest, context: Context
    ) -> Empty:
        await self._stores.locations.delete(checked_location_id("location_id", request.location_id))
        return Empty()

    @grpc_errors
    async def AssignCharger(
        self, request: locations_pb2.AssignChargerRequest, context: Context
    ) -> locations_pb2.Location:
        location_id = checked_location_id("location_id", request.location_id)
        check_charger_id(request.charger_id)
        record = await self._stores.locations.assign(location_id, request.charger_id, self._clock())
        return location_message(record)

    @grpc_errors
    async def UnassignCharger(
        self, request: locations_pb2.UnassignChargerRequest, context: Context
    ) -> locations_pb2.Location:
        location_id = checked_location_id("location_id", request.location_id)
        check_charger_id(request.charger_id)
        record = await self._stores.locations.unassign(
            location_id, request.charger_id, self._clock()
        )
        return location_message(record)
