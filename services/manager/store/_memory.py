"""``ChargerStore`` in memory, for unit tests of handlers and the API.

It behaves like ``SqlChargerStore`` as seen through the interface: the same checks and
errors, later timestamps win, writes for unknown chargers are ignored, the same page
tokens. Writes apply at once, so ``flush`` has nothing to do.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from ._common import (
    check_charger_id,
    check_ocpp_version,
    check_page_size,
    decode_page_token,
    encode_page_token,
    is_plausible_connector,
    utc,
)
from ._errors import AlreadyExists, NotFound
from ._fleet_common import check_device_status, check_local_list_version
from ._lifecycle import check_charger_changes, check_registration_status, exists_message
from ._records import BootInfo, ChargerAdmission, ChargerRecord, ConnectorRecord

__all__ = ["MemoryChargerStore"]


class MemoryChargerStore:
    """Chargers in dicts; not shared between processes, gone at exit."""

    def __init__(self) -> None:
        self._chargers: dict[str, ChargerRecord] = {}
        self._connectors: dict[str, dict[tuple[int, int], ConnectorRecord]] = {}
        #: charger id -> (password hash, rotated password hash): never in a ChargerRecord.
        self._passwords: dict[str, tuple[str | None, str | None]] = {}
        #: Whether a location exists (set by a MemoryLocationStore given this store);
        #: without one, any location id is taken.
        self.location_exists: Callable[[str], bool] | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def is_known(self, charger_id: str) -> bool:
        return charger_id in self._chargers

    async def register(
        self,
        charger_id: str,
        ocpp_version: str,
        at: datetime,
        *,
        registration_status: str = "Accepted",
    ) -> None:
        self._check_open()
        check_charger_id(charger_id)
        check_ocpp_version(ocpp_version)
        check_registration_status(registration_status)
        at = utc(at)
        if charger_id not in self._chargers:
            self._chargers[charger_id] = replace(
                _new_charger(charger_id, ocpp_version, at), registration_status=registration_status
            )

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        charger = self._chargers.get(charger_id)
        if charger is None:
            return None
        password_hash, new_password_hash = self._passwords.get(charger_id, (None, None))
        return ChargerAdmission(
            charger_id=charger_id,
            security_profile=charger.security_profile,
            registration_status=charger.registration_status,
            retired=charger.retired_at is not None,
            password_hash=password_hash,
            new_password_hash=new_password_hash,
        )

    async def create(
        self,
        charger_id: str,
        *,
        security_profile: int = 0,
        password_hash: str | None = None,
        description: str = "",
        location_id: str = "",
        registration_status: str = "Accepted",
        at: datetime,
    ) -> ChargerRecord:
        self._check_open()
        check_charger_id(charger_id)
        at = utc(at)
        fields = check_charger_changes(
            {
                "security_profile": security_profile,
                "password_hash": password_hash,
                "description": description,
                "location_id": location_id,
                "registration_status": registration_status,
            }
        )
        held = self._chargers.get(charger_id)
        if held is not None:
            raise AlreadyExists(exists_message(charger_id, held.retired_at is not None))
        self._check_location(location_id)
        # The version it speaks is learnt when it connects; 1.6 until then, as a row needs one.
        self._chargers[charger_id] = _new_charger(charger_id, "1.6", at)
        return await self.update(charger_id, at=at, **fields)

    async def update(self, charger_id: str, *, at: datetime, **changes: Any) -> ChargerRecord:
        self._check_open()
        utc(at)
        fields = check_charger_changes(changes)
        charger = self._chargers.get(charger_id)
        if charger is None:
            raise NotFound(f"charger {charger_id!r} does not exist")
        if "location_id" in fields:
            self._check_location(fields["location_id"])
        if "password_hash" in fields:
            # An operator-set password replaces any rotation in progress.
            self._passwords[charger_id] = (fields.pop("password_hash"), None)
            password_hash = self._passwords[charger_id][0]
            fields["has_password"] = password_hash is not None
            fields["password_rotation_pending"] = False
        self._chargers[charger_id] = replace(charger, **fields)
        return self._with_connectors(self._chargers[charger_id])

    async def retire(self, charger_id: str, at: datetime) -> ChargerRecord:
        self._check_open()
        at = utc(at)
        charger = self._chargers.get(charger_id)
        if charger is None:
            raise NotFound(f"charger {charger_id!r} does not exist")
        if charger.retired_at is None:  # already retired: it keeps its first retired_at
            self._chargers[charger_id] = replace(charger, retired_at=at)
        return self._with_connectors(self._chargers[charger_id])

    async def restore(self, charger_id: str, at: datetime) -> ChargerRecord:
        self._check_open()
        utc(at)
        charger = self._chargers.get(charger_id)
        if charger is None:
            raise NotFound(f"charger {charger_id!r} does not exist")
        self._chargers[charger_id] = replace(charger, retired_at=None)
        return self._with_connectors(self._chargers[charger_id])

    def _check_location(self, location_id: str) -> None:
        exists = self.location_exists
        if location_id and exists is not None and not exists(location_id):
            raise NotFound(f"location {location_id!r} does not exist")

    async def record_boot(self, charger_id: str, boot: BootInfo, status: str, at: datetime) -> None:
        self._check_open()
        check_charger_id(charger_id)
        check_ocpp_version(boot.ocpp_version)
        if not status:
            raise ValueError("boot status must not be empty")
        at = utc(at)
        charger = self._chargers.get(charger_id) or _new_charger(charger_id, boot.ocpp_version, at)
        self._chargers[charger_id] = replace(
            charger,
            vendor=boot.vendor,
            model=boot.model,
            serial_number=boot.serial_number,
            firmware_version=boot.firmware_version,
            ocpp_version=boot.ocpp_version,
            boot_status=status,
            last_boot_at=at,
            last_seen_at=_later(charger.last_seen_at, at),
        )

    def touch(self, charger_id: str, at: datetime) -> None:
        self._check_open()
        check_charger_id(charger_id)
        at = utc(at)
        charger = self._chargers.get(charger_id)
        if charger is not None:
            self._chargers[charger_id] = replace(
                charger, last_seen_at=_later(charger.last_seen_at, at)
            )

    def set_connector_status(
        self,
        charger_id: str,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str,
        info: str,
        vendor_error_code: str,
        at: datetime,
    ) -> None:
        self._check_open()
        check_charger_id(charger_id)
        if not status:
            raise ValueError("connector status must not be empty")
        at = utc(at)
        if charger_id not in self._chargers:
            return
        by_key = self._connectors.setdefault(charger_id, {})
        held = by_key.get((evse_id, connector_id))
        if held is None:
            layout: dict[int, int] = {}
            for evse, connector in by_key:
                layout[evse] = max(layout.get(evse, 0), connector)
            if not is_plausible_connector(layout, evse_id, connector_id):
                return  # a phantom connector (ADR 0010); the SQL store records an anomaly
        if held is None or held.updated_at <= at:
            by_key[(evse_id, connector_id)] = ConnectorRecord(
                evse_id, connector_id, status, error_code, info, vendor_error_code, at
            )

    async def flush(self) -> None:
        """Nothing to do: writes apply at once."""

    async def get(self, charger_id: str) -> ChargerRecord | None:
        charger = self._chargers.get(charger_id)
        return None if charger is None else self._with_connectors(charger)

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        only_ids: Collection[str] | None = None,
        exclude_ids: Collection[str] | None = None,
        location_id: str | None = None,
        retired: bool | None = None,
    ) -> tuple[builtins.list[ChargerRecord], str]:
        check_page_size(page_size)
        after = decode_page_token(page_token, status) if page_token else None
        only = None if only_ids is None else set(only_ids)
        exclude = set(exclude_ids or ())
        matching = [
            charger_id
            for charger_id in sorted(self._chargers)
            if (after is None or charger_id > after)
            and (only is None or charger_id in only)
            and charger_id not in exclude
            and (location_id is None or self._chargers[charger_id].location_id == location_id)
            and (retired is None or (self._chargers[charger_id].retired_at is not None) == retired)
            and (
                status is None
                or any(c.status == status for c in self._connectors.get(charger_id, {}).values())
            )
        ]
        page = [self._with_connectors(self._chargers[cid]) for cid in matching[:page_size]]
        token = encode_page_token(page[-1].charger_id, status) if len(matching) > page_size else ""
        return page, token

    async def set_firmware_status(self, charger_id: str, status: str, at: datetime) -> None:
        self._set_device_status("firmware_status", charger_id, status, at)

    async def set_diagnostics_status(self, charger_id: str, status: str, at: datetime) -> None:
        self._set_device_status("diagnostics_status", charger_id, status, at)

    async def set_log_status(self, charger_id: str, status: str, at: datetime) -> None:
        self._set_device_status("log_status", charger_id, status, at)

    async def set_local_list_version(self, charger_id: str, version: int, at: datetime) -> None:
        self._check_open()
        check_charger_id(charger_id)
        check_local_list_version(version)
        utc(at)
        charger = self._chargers.get(charger_id)
        if charger is not None:
            self._chargers[charger_id] = replace(charger, local_list_version=version)

    def _set_device_status(self, field: str, charger_id: str, status: str, at: datetime) -> None:
        self._check_open()
        check_charger_id(charger_id)
        check_device_status(status)
        at = utc(at)
        charger = self._chargers.get(charger_id)
        if charger is not None:
            changes: dict[str, Any] = {field: status, "status_updated_at": at}
            self._chargers[charger_id] = replace(charger, **changes)

    # -- the charger rows the other in-memory stores refer to (their "foreign keys") ----

    def set_location(self, charger_id: str, location_id: str) -> None:
        """Assign the charger to ``location_id`` ("" = none); for ``MemoryLocationStore``."""
        self._chargers[charger_id] = replace(self._chargers[charger_id], location_id=location_id)

    def located_at(self, location_id: str) -> tuple[str, ...]:
        """The ids of the chargers assigned to ``location_id``, in order."""
        return tuple(
            cid for cid in sorted(self._chargers) if self._chargers[cid].location_id == location_id
        )

    async def aclose(self) -> None:
        self._closed = True

    def _with_connectors(self, charger: ChargerRecord) -> ChargerRecord:
        by_key = self._connectors.get(charger.charger_id, {})
        return replace(charger, connectors=tuple(by_key[key] for key in sorted(by_key)))

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the charger store is closed")


def _new_charger(charger_id: str, ocpp_version: str, at: datetime) -> ChargerRecord:
    return ChargerRecord(
        charger_id=charger_id,
        vendor="",
        model="",
        serial_number="",
        firmware_version="",
        ocpp_version=ocpp_version,
        boot_status="",
        registered_at=at,
        last_boot_at=None,
        last_seen_at=None,
        connectors=(),
    )


def _later(held: datetime | None, at: datetime) -> datetime:
    return at if held is None or held < at else held
