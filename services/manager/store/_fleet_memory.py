"""The fleet stores in memory, for unit tests of handlers and the API.

They behave like the SQL ones seen through the interfaces: the same checks, errors,
orders and page tokens. Where the SQL tables have a foreign key to ``chargers``, the
twins consult the charger store they are given (``chargers=``; without one every
charger counts as known), and location assignments live on the ``MemoryChargerStore``'s
records as they live in ``chargers`` rows.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ._common import check_page_size, utc
from ._errors import AlreadyExists, NotFound
from ._fleet_common import (
    check_certificate_type,
    check_configuration_key,
    check_event_type,
    check_location,
    check_location_id,
    decode_event_token,
    decode_location_token,
    encode_event_token,
    encode_location_token,
    profile_record,
)
from ._fleet_records import (
    CertificateRequestRecord,
    ChargingProfileRecord,
    ConfigurationKeyRecord,
    LocationRecord,
    SecurityEventRecord,
)
from ._memory import MemoryChargerStore
from ._protocol import ChargerStore

__all__ = [
    "MemoryChargingProfileStore",
    "MemoryConfigurationStore",
    "MemoryLocationStore",
    "MemorySecurityStore",
]


async def _require_charger(chargers: ChargerStore | None, charger_id: str) -> None:
    """NotFound unless ``chargers`` knows the charger (every charger is known without one)."""
    if chargers is not None and not await chargers.is_known(charger_id):
        raise NotFound(f"charger {charger_id!r} does not exist")


class MemoryChargingProfileStore:
    """``ChargingProfileStore`` in a dict per charger."""

    def __init__(self, *, chargers: ChargerStore | None = None) -> None:
        self._chargers = chargers
        #: charger id → charging profile id → profile.
        self._profiles: dict[str, dict[int, ChargingProfileRecord]] = {}

    async def installed(
        self,
        *,
        charger_id: str,
        connector_id: int,
        charging_profile_id: int,
        stack_level: int,
        purpose: str,
        transaction_id: int | None,
        profile_json: str,
        at: datetime,
    ) -> ChargingProfileRecord:
        record = profile_record(
            charger_id=charger_id,
            connector_id=connector_id,
            charging_profile_id=charging_profile_id,
            stack_level=stack_level,
            purpose=purpose,
            transaction_id=transaction_id,
            profile_json=profile_json,
            at=at,
        )
        await _require_charger(self._chargers, charger_id)
        held = self._profiles.setdefault(charger_id, {})
        for profile_id, profile in list(held.items()):
            if profile_id == charging_profile_id or (
                profile.connector_id == connector_id
                and profile.purpose == purpose
                and profile.stack_level == stack_level
            ):
                del held[profile_id]
        held[charging_profile_id] = record
        return record

    async def cleared(
        self,
        charger_id: str,
        *,
        charging_profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        def matches(profile: ChargingProfileRecord) -> bool:
            if charging_profile_id is not None:
                return profile.charging_profile_id == charging_profile_id
            return (
                (connector_id is None or profile.connector_id == connector_id)
                and (purpose is None or profile.purpose == purpose)
                and (stack_level is None or profile.stack_level == stack_level)
            )

        return self._discard(charger_id, matches)

    async def transaction_ended(self, charger_id: str, transaction_id: int) -> int:
        return self._discard(
            charger_id,
            lambda p: p.purpose == "TxProfile" and p.transaction_id == transaction_id,
        )

    async def list(
        self, charger_id: str, connector_id: int | None = None
    ) -> builtins.list[ChargingProfileRecord]:
        return sorted(
            (
                profile
                for profile in self._profiles.get(charger_id, {}).values()
                if connector_id is None or profile.connector_id == connector_id
            ),
            key=lambda r: (r.connector_id, r.purpose, r.stack_level),
        )

    def _discard(self, charger_id: str, matches: Callable[[ChargingProfileRecord], bool]) -> int:
        held = self._profiles.get(charger_id, {})
        gone = [profile_id for profile_id, profile in held.items() if matches(profile)]
        for profile_id in gone:
            del held[profile_id]
        return len(gone)


class MemoryConfigurationStore:
    """``ConfigurationStore`` in a dict per charger."""

    def __init__(self, *, chargers: ChargerStore | None = None) -> None:
        self._chargers = chargers
        self._keys: dict[str, dict[str, ConfigurationKeyRecord]] = {}

    async def record_read(
        self,
        charger_id: str,
        entries: Sequence[tuple[str, str | None, bool]],
        at: datetime,
        *,
        complete: bool,
    ) -> None:
        at = utc(at)
        read = {
            check_configuration_key(key): ConfigurationKeyRecord(key, value, bool(readonly), at)
            for key, value, readonly in entries
        }
        await _require_charger(self._chargers, charger_id)
        held = self._keys.setdefault(charger_id, {})
        if complete:
            held.clear()
        held.update(read)

    async def record_change(self, charger_id: str, key: str, value: str, at: datetime) -> None:
        check_configuration_key(key)
        at = utc(at)
        await _require_charger(self._chargers, charger_id)
        held = self._keys.setdefault(charger_id, {})
        before = held.get(key)
        held[key] = ConfigurationKeyRecord(
            key, value, before.readonly if before is not None else False, at
        )

    async def list(
        self, charger_id: str
    ) -> tuple[builtins.list[ConfigurationKeyRecord], datetime | None]:
        held = self._keys.get(charger_id, {})
        records = [held[key] for key in sorted(held)]
        return records, max((r.read_at for r in records), default=None)


class MemorySecurityStore:
    """``SecurityStore`` in lists."""

    def __init__(self, *, chargers: ChargerStore | None = None) -> None:
        self._chargers = chargers
        self._events: builtins.list[SecurityEventRecord] = []
        self._requests: builtins.list[CertificateRequestRecord] = []
        #: Ids are issued as the databases do: increasing, never reused.
        self._ids = itertools.count(1)

    async def add_event(
        self, *, charger_id: str, type: str, timestamp: datetime, tech_info: str, at: datetime
    ) -> None:
        record = SecurityEventRecord(
            event_id=0,
            charger_id=charger_id,
            type=check_event_type(type),
            timestamp=utc(timestamp),
            tech_info=tech_info,
            received_at=utc(at),
        )
        await _require_charger(self._chargers, charger_id)
        self._events.append(replace(record, event_id=next(self._ids)))

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[SecurityEventRecord], str]:
        check_page_size(page_size)
        before = decode_event_token(page_token, charger_id) if page_token else None
        matching = sorted(
            (
                event
                for event in self._events
                if event.charger_id == charger_id
                and (before is None or (event.timestamp, event.event_id) < before)
            ),
            key=lambda e: (e.timestamp, e.event_id),
            reverse=True,
        )
        page = matching[:page_size]
        token = ""
        if len(matching) > page_size:
            token = encode_event_token(charger_id, page[-1].timestamp, page[-1].event_id)
        return page, token

    async def add_certificate_request(
        self, *, charger_id: str, csr: str, certificate_type: str, at: datetime
    ) -> int:
        check_certificate_type(certificate_type)
        at = utc(at)
        await _require_charger(self._chargers, charger_id)
        request_id = next(self._ids)
        self._requests.append(
            CertificateRequestRecord(request_id, charger_id, csr, certificate_type, at)
        )
        return request_id

    async def certificate_requests(
        self, charger_id: str
    ) -> builtins.list[CertificateRequestRecord]:
        return [r for r in self._requests if r.charger_id == charger_id]


class MemoryLocationStore:
    """``LocationStore`` in a dict.

    Given ``chargers``, assignments live on its records (``ChargerRecord.location_id``, the
    ``location_id`` list filter) and only its chargers can be assigned; without, any
    charger id can, and the assignments are kept here.
    """

    def __init__(self, *, chargers: MemoryChargerStore | None = None) -> None:
        self._chargers = chargers
        #: Locations without their chargers (``charger_ids`` is filled in on reads).
        self._locations: dict[str, LocationRecord] = {}
        if chargers is not None:  # so it can check a location exists, as the SQL store does
            chargers.location_exists = self._locations.__contains__
        #: charger id → location id, when there is no charger store to keep them.
        self._assigned: dict[str, str] = {}

    async def create(
        self,
        location_id: str,
        *,
        name: str,
        address: str = "",
        city: str = "",
        postal_code: str = "",
        country: str = "",
        at: datetime,
    ) -> LocationRecord:
        fields = check_location(
            {
                "name": name,
                "address": address,
                "city": city,
                "postal_code": postal_code,
                "country": country,
            }
        )
        check_location_id(location_id)
        at = utc(at)
        if location_id in self._locations:
            raise AlreadyExists(f"location {location_id!r} exists already")
        self._locations[location_id] = LocationRecord(
            location_id=location_id, charger_ids=(), created_at=at, updated_at=at, **fields
        )
        return self._read(location_id)

    async def get(self, location_id: str) -> LocationRecord | None:
        return self._read(location_id) if location_id in self._locations else None

    async def update(self, location_id: str, *, at: datetime, **changes: Any) -> LocationRecord:
        fields = check_location(changes)
        at = utc(at)
        self._require(location_id)
        changed: dict[str, Any] = {**fields, "updated_at": at}
        self._locations[location_id] = replace(self._locations[location_id], **changed)
        return self._read(location_id)

    async def delete(self, location_id: str) -> None:
        self._require(location_id)
        for charger_id in self._members(location_id):
            self._place(charger_id, "")
        del self._locations[location_id]

    async def list(
        self, *, page_size: int, page_token: str = ""
    ) -> tuple[builtins.list[LocationRecord], str]:
        check_page_size(page_size)
        after = decode_location_token(page_token) if page_token else None
        matching = [lid for lid in sorted(self._locations) if after is None or lid > after]
        page = [self._read(lid) for lid in matching[:page_size]]
        token = encode_location_token(page[-1].location_id) if len(matching) > page_size else ""
        return page, token

    async def assign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        at = utc(at)
        self._require(location_id)
        previous = await self._location_of(charger_id)
        if previous is None:
            raise NotFound(f"charger {charger_id!r} does not exist")
        if previous != location_id:
            self._place(charger_id, location_id)
            for changed in (location_id, previous):
                if changed:
                    self._locations[changed] = replace(self._locations[changed], updated_at=at)
        return self._read(location_id)

    async def unassign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        at = utc(at)
        self._require(location_id)
        if await self._location_of(charger_id) != location_id:
            raise NotFound(f"charger {charger_id!r} is not assigned to location {location_id!r}")
        self._place(charger_id, "")
        self._locations[location_id] = replace(self._locations[location_id], updated_at=at)
        return self._read(location_id)

    def _require(self, location_id: str) -> None:
        if location_id not in self._locations:
            raise NotFound(f"location {location_id!r} does not exist")

    def _read(self, location_id: str) -> LocationRecord:
        return replace(self._locations[location_id], charger_ids=self._members(location_id))

    async def _location_of(self, charger_id: str) -> str | None:
        """The charger's location id ("" = none), None for an unknown charger."""
        if self._chargers is None:
            return self._assigned.get(charger_id, "")
        charger = await self._chargers.get(charger_id)
        return None if charger is None else charger.location_id

    def _place(self, charger_id: str, location_id: str) -> None:
        if self._chargers is not None:
            self._chargers.set_location(charger_id, location_id)
        elif location_id:
            self._assigned[charger_id] = location_id
        else:
            self._assigned.pop(charger_id, None)

    def _members(self, location_id: str) -> tuple[str, ...]:
        if self._chargers is not None:
            return self._chargers.located_at(location_id)
        return tuple(sorted(cid for cid, lid in self._assigned.items() if lid == location_id))
