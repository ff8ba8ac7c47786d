"""The narrow interface handlers and the API depend on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from ._domain_records import (
    IdTagRecord,
    MeterValueRecord,
    MeterValuesOutcome,
    ReservationRecord,
    StopOutcome,
    TransactionEvent,
    TransactionEventOutcome,
    TransactionRecord,
)
from ._fleet_records import (
    CertificateRequestRecord,
    ChargingProfileRecord,
    ConfigurationKeyRecord,
    LocationRecord,
    SecurityEventRecord,
)
from ._records import BootInfo, ChargerAdmission, ChargerRecord

__all__ = [
    "ChargerStore",
    "ChargingProfileStore",
    "ConfigurationStore",
    "IdTagStore",
    "LocationStore",
    "ReservationStore",
    "SecurityStore",
    "TransactionStore",
]


class ChargerStore(Protocol):
    """Chargers and their connectors.

    ``touch`` and ``set_connector_status`` are write-behind: they are synchronous, do no
    I/O and only remember the latest value per key (by timestamp); ``flush`` writes what
    is buffered, and reads flush first so a read after a write sees it.
    """

    async def is_known(self, charger_id: str) -> bool:
        """Whether a charger row exists for ``charger_id``."""
        ...

    async def register(
        self,
        charger_id: str,
        ocpp_version: str,
        at: datetime,
        *,
        registration_status: str = "Accepted",
    ) -> None:
        """Create the charger if absent (auto-registration: security profile 0 and
        ``registration_status``); no-op if present."""
        ...

    async def admission(self, charger_id: str) -> ChargerAdmission | None:
        """What admitting the charger needs (profile, status, retired, password hashes), or
        None if unknown. Concurrent calls may share one read (a reconnect storm)."""
        ...

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
        """Add a charger before it connects. AlreadyExists if the id exists, retired or not
        (the message says to restore a retired one); NotFound for a missing location."""
        ...

    async def update(self, charger_id: str, *, at: datetime, **changes: Any) -> ChargerRecord:
        """Change ``security_profile``, ``password_hash`` (None = none; clears a rotation in
        progress), ``description``, ``location_id`` ("" = none) and/or
        ``registration_status``; NotFound for the charger or the location."""
        ...

    async def retire(self, charger_id: str, at: datetime) -> ChargerRecord:
        """Set ``retired_at`` (kept if already retired); every row of its history stays.
        NotFound."""
        ...

    async def restore(self, charger_id: str, at: datetime) -> ChargerRecord:
        """Clear ``retired_at`` (a no-op if not retired); NotFound."""
        ...

    async def record_boot(self, charger_id: str, boot: BootInfo, status: str, at: datetime) -> None:
        """Record a boot: identity, ``last_boot_at``, ``boot_status``, ``last_seen_at``.

        Creates the charger row if it does not exist.
        """
        ...

    def touch(self, charger_id: str, at: datetime) -> None:
        """Buffer ``last_seen_at = at`` (write-behind; ignored for unknown chargers)."""
        ...

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
        """Buffer a connector's status (write-behind; ignored for unknown chargers)."""
        ...

    async def flush(self) -> None:
        """Write everything buffered now."""
        ...

    async def get(self, charger_id: str) -> ChargerRecord | None:
        """The charger with its connectors, or None if unknown."""
        ...

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
    ) -> tuple[list[ChargerRecord], str]:
        """One page of chargers ordered by id, and the token of the next page ("" at the end).

        ``retired`` keeps only retired (True) or only active (False) chargers; None keeps all.

        ``status`` keeps chargers with a connector in that status; ``only_ids`` and
        ``exclude_ids`` restrict by id (the "connected" filter; may hold thousands of ids);
        ``location_id`` keeps the chargers assigned to that location ("": to none).
        """
        ...

    async def set_firmware_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a FirmwareStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_diagnostics_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a DiagnosticsStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_log_status(self, charger_id: str, status: str, at: datetime) -> None:
        """Record a LogStatusNotification (a direct write; unknown chargers ignored)."""
        ...

    async def set_local_list_version(self, charger_id: str, version: int, at: datetime) -> None:
        """Record the local list version set or read (a direct write; unknown chargers ignored)."""
        ...

    async def aclose(self) -> None:
        """Flush, then release resources; idempotent."""
        ...


class IdTagStore(Protocol):
    """Id tags (OCPP 1.6 IdTokens) the CSMS authorizes, with their groups (parent tags)."""

    async def get(self, id_tag: str) -> IdTagRecord | None:
        """The tag, or None if unknown (tags are case-sensitive)."""
        ...

    async def get_many(self, id_tags: Collection[str]) -> dict[str, IdTagRecord]:
        """The known tags among ``id_tags``, by tag (a local-list or cache refill)."""
        ...

    async def create(
        self,
        id_tag: str,
        *,
        status: str = "Accepted",
        expiry_date: datetime | None = None,
        parent_id_tag: str = "",
        max_active_transactions: int = 0,
        at: datetime,
    ) -> IdTagRecord:
        """A new tag; AlreadyExists if it exists, Conflict if the parent does not."""
        ...

    async def update(self, id_tag: str, *, at: datetime, **changes: Any) -> IdTagRecord:
        """Change ``status``, ``expiry_date``, ``parent_id_tag`` ("" = none) and/or
        ``max_active_transactions``; NotFound; Conflict for a missing parent or the tag itself.
        """
        ...

    async def delete(self, id_tag: str) -> None:
        """Remove the tag; NotFound; Conflict while other tags name it as their parent."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        parent_id_tag: str | None = None,
    ) -> tuple[list[IdTagRecord], str]:
        """One page ordered by tag and the next page's token ("" at the end).

        ``parent_id_tag=""`` keeps the tags without a parent.
        """
        ...


class TransactionStore(Protocol):
    """Charging transactions, their meter values, and stops/values that fit no transaction."""

    async def start(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        id_tag_status: str,
        meter_start: int,
        started_at: datetime,
        reservation_id: int | None = None,
    ) -> tuple[TransactionRecord, bool]:
        """Issue a transaction id; ``(record, created)``. Idempotent: a retried
        StartTransaction (same charger, connector, tag, timestamp and meter_start) returns the
        existing record with ``created=False``. A Pending/Accepted reservation
        ``reservation_id`` of this charger becomes Used by it, in the same database
        transaction. NotFound if the charger does not exist.
        """
        ...

    async def stop(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> TransactionRecord | None:
        """Stop it; None when the id is unknown or another charger's (the caller records an
        anomaly). An already stopped transaction is returned unchanged (a retried Stop).
        """
        ...

    async def stop_outcome(
        self,
        *,
        charger_id: str,
        transaction_id: int,
        meter_stop: int,
        stopped_at: datetime,
        reason: str,
        stop_id_tag: str = "",
    ) -> StopOutcome:
        """``stop``, also telling whether this call stopped it (False for a retry). A
        transaction ended provisionally as superseded (stop reason ``Superseded by N``)
        takes its charger's own stop when that arrives late: ``stopped`` is True again.
        """
        ...

    async def add_meter_values(self, rows: Sequence[MeterValueRecord]) -> set[int]:
        """Store ``rows`` in one bulk insert. Rows naming a transaction that is not their
        charger's are stored with transaction_id None; those named ids are returned (the
        caller records the anomaly). The latest total Energy.Active.Import.Register reading
        (Wh or kWh; not Transaction.Begin) becomes the ``last_energy_wh`` of an active
        transaction (a later timestamp wins). Concurrent calls may share one database
        transaction (group commit); each returns once its rows are committed.

        A value is stored once per (charger, connector, transaction or none, timestamp,
        measurand, phase, context, location), whichever copy of a retried call comes
        first: a later copy stores nothing and names no unknown transaction again.
        """
        ...

    async def add_meter_values_outcome(
        self, rows: Sequence[MeterValueRecord]
    ) -> MeterValuesOutcome:
        """``add_meter_values``, telling what this call newly stored."""
        ...

    async def record_event(self, event: TransactionEvent) -> TransactionEventOutcome:
        """Apply an OCPP 2.0.1 TransactionEvent to the charger's transaction
        ``event.charger_transaction_id``, creating it (with a new CSMS id) if it is the
        first event of it received, whatever its type. An event received before (the same
        seqNo and ``digest``) is a duplicate: nothing changes and the status answered the
        first time is returned; a seqNo received before with another digest is another
        event (some chargers number every event 0), applied, with ``reused_seq_no`` set
        the first time that seqNo of the transaction is reused. Otherwise the event's
        meter values are stored once each (connector_id = the transaction's EVSE) and the
        rules of ``_transaction_events`` applied: earliest timestamp/energy reading start
        it, the latest reading is its energy, Ended stops it once and nothing reopens it.
        A reservation it names becomes Used. All in one database transaction; NotFound if
        the charger does not exist.
        """
        ...

    async def get_by_charger_transaction_id(
        self, charger_id: str, charger_transaction_id: str
    ) -> TransactionRecord | None:
        """The charger's 2.0.1 transaction with that transactionId, or None."""
        ...

    async def record_anomaly(
        self, *, charger_id: str, kind: str, transaction_id: int | None, payload: str, at: datetime
    ) -> None:
        """Keep a call that fits no transaction (kind: unknown-transaction-stop, ...)."""
        ...

    async def anomalies(self, charger_id: str) -> list[tuple[str, int | None, str, datetime]]:
        """The charger's anomalies, oldest first: (kind, transaction_id, payload, at)."""
        ...

    async def get(self, transaction_id: int) -> TransactionRecord | None:
        """The transaction, or None."""
        ...

    async def active_on(self, charger_id: str, connector_id: int) -> TransactionRecord | None:
        """The active transaction on that connector (the newest if several), or None."""
        ...

    async def active_count(self, id_tag: str) -> int:
        """How many active transactions ``id_tag`` has."""
        ...

    async def list_meter_values(
        self,
        transaction_id: int,
        *,
        page_size: int,
        page_token: str = "",
        measurand: str | None = None,
    ) -> tuple[list[MeterValueRecord], str]:
        """One page of a transaction's values, oldest first (keyset on (timestamp, id))."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        id_tag: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        active: bool | None = None,
        charger_transaction_id: str | None = None,
        remote_start_id: int | None = None,
    ) -> tuple[list[TransactionRecord], str]:
        """One page, newest first (keyset on (started_at, id)), and the next page's token.

        ``started_after <= started_at < started_before``; ``active`` True/False keeps
        running/stopped transactions; ``charger_transaction_id`` and ``remote_start_id``
        (2.0.1) keep the transactions with that id.
        """
        ...


class ReservationStore(Protocol):
    """Reservations the CSMS issued (ReserveNow) and what became of them."""

    async def create(
        self,
        *,
        charger_id: str,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str,
        expiry_date: datetime,
        at: datetime,
    ) -> ReservationRecord:
        """A Pending reservation with a new id; NotFound if the charger does not exist."""
        ...

    async def set_outcome(
        self, reservation_id: int, charger_status: str, at: datetime
    ) -> ReservationRecord:
        """Record the charger's ReserveNow answer: Accepted → Accepted; Faulted, Occupied,
        Rejected, Unavailable → Rejected (only a Pending reservation changes state); NotFound.
        """
        ...

    async def cancel(self, reservation_id: int, at: datetime) -> ReservationRecord:
        """Pending/Accepted → Cancelled (other states are final: returned unchanged); NotFound."""
        ...

    async def get(self, reservation_id: int) -> ReservationRecord | None:
        """The reservation, or None."""
        ...

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        state: str | None = None,
    ) -> tuple[list[ReservationRecord], str]:
        """One page, newest (highest id) first, and the next page's token."""
        ...

    async def expire(self, now: datetime) -> int:
        """Pending/Accepted reservations with ``expiry_date <= now`` become Expired; how many."""
        ...

    async def ended_by_charger(
        self, reservation_id: int, *, charger_id: str, state: str, at: datetime
    ) -> ReservationRecord | None:
        """A charger ended its reservation (2.0.1 ReservationStatusUpdate): a Pending/Accepted
        one becomes ``state`` (Expired or Cancelled), others are returned unchanged; None
        when the id is unknown or another charger's.
        """
        ...


class ChargingProfileStore(Protocol):
    """The charging profiles each charger accepted, as the CSMS recorded them."""

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
        """Record a profile the charger accepted; NotFound for an unknown charger.

        As the charger does (OCPP 1.6), it replaces the profile with the same id and the
        one on the same connector with the same purpose and stack level.
        """
        ...

    async def cleared(
        self,
        charger_id: str,
        *,
        charging_profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Forget the profiles a ClearChargingProfile removed; how many.

        As in OCPP 1.6: ``charging_profile_id`` alone (the others are then ignored), or
        every profile matching all of the other criteria given (none given: all).
        """
        ...

    async def transaction_ended(self, charger_id: str, transaction_id: int) -> int:
        """Discard the TxProfiles of a transaction that ended; how many."""
        ...

    async def list(
        self, charger_id: str, connector_id: int | None = None
    ) -> list[ChargingProfileRecord]:
        """The charger's profiles (of one connector), by (connector, purpose, stack level)."""
        ...


class ConfigurationStore(Protocol):
    """Each charger's configuration keys as last read (1.6 GetConfiguration)."""

    async def record_read(
        self,
        charger_id: str,
        entries: Sequence[tuple[str, str | None, bool]],
        at: datetime,
        *,
        complete: bool,
    ) -> None:
        """Store ``(key, value, readonly)`` entries read at ``at``; NotFound for an unknown
        charger. ``complete``: every key was read, so keys not in ``entries`` are removed.
        """
        ...

    async def record_change(self, charger_id: str, key: str, value: str, at: datetime) -> None:
        """Store a value the charger accepted (ChangeConfiguration); NotFound if unknown."""
        ...

    async def list(self, charger_id: str) -> tuple[list[ConfigurationKeyRecord], datetime | None]:
        """The keys by name, and the latest ``read_at`` among them (None when none)."""
        ...


class SecurityStore(Protocol):
    """Security events and certificate signing requests chargers sent."""

    async def add_event(
        self, *, charger_id: str, type: str, timestamp: datetime, tech_info: str, at: datetime
    ) -> None:
        """Record a SecurityEventNotification received at ``at``; NotFound if unknown."""
        ...

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[list[SecurityEventRecord], str]:
        """One page of the charger's events, newest first, and the next page's token."""
        ...

    async def add_certificate_request(
        self, *, charger_id: str, csr: str, certificate_type: str, at: datetime
    ) -> int:
        """Record a SignCertificate request; its id. NotFound for an unknown charger."""
        ...

    async def certificate_requests(self, charger_id: str) -> list[CertificateRequestRecord]:
        """The charger's certificate requests, oldest first."""
        ...


class LocationStore(Protocol):
    """Sites, and the chargers assigned to them (a charger is at most at one)."""

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
        """A new location without chargers; AlreadyExists; ValueError for a bad id/country."""
        ...

    async def get(self, location_id: str) -> LocationRecord | None:
        """The location with its chargers, or None."""
        ...

    async def update(self, location_id: str, *, at: datetime, **changes: Any) -> LocationRecord:
        """Change name, address, city, postal_code and/or country; NotFound."""
        ...

    async def delete(self, location_id: str) -> None:
        """Delete the location; its chargers become unassigned. NotFound."""
        ...

    async def list(
        self, *, page_size: int, page_token: str = ""
    ) -> tuple[list[LocationRecord], str]:
        """One page of locations by id, and the next page's token ("" at the end)."""
        ...

    async def assign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        """Assign the charger here, moving it from its previous location; NotFound for either."""
        ...

    async def unassign(self, location_id: str, charger_id: str, at: datetime) -> LocationRecord:
        """Unassign the charger; NotFound unless it is assigned to this location."""
        ...
