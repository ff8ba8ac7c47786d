"""In-memory twins of the id tag, transaction and reservation stores, for unit tests.

They behave like the SQL stores as seen through the interfaces: the same checks, errors,
orders and page tokens. Pass ``chargers`` to refuse unknown chargers (the SQL foreign key)
and give ``MemoryTransactionStore`` the ``MemoryReservationStore`` whose reservations a
start may use.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ._authorization import check_id_tag_changes, check_no_parent_loop
from ._common import check_charger_id, check_page_size, utc
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
from ._errors import AlreadyExists, Conflict, NotFound
from ._keyset import (
    check_id_tag,
    check_length,
    check_meter_value,
    decode_keyset,
    encode_keyset,
    from_iso,
    start_key,
    to_iso,
)
from ._protocol import ChargerStore
from ._reservations import ENDED_BY_CHARGER, LIVE_STATES, check_state, outcome_state
from ._transaction_events import EnergyMarks, check_event, event_changes, new_transaction_row
from ._transactions import (
    ANOMALY_KINDS,
    SUPERSEDED_PREFIX,
    SampleKey,
    latest_energy,
    list_filters,
    sample_key,
)

__all__ = ["MemoryIdTagStore", "MemoryReservationStore", "MemoryTransactionStore"]


async def _check_charger(chargers: ChargerStore | None, charger_id: str) -> None:
    if chargers is not None and not await chargers.is_known(charger_id):
        raise NotFound(f"charger {charger_id!r} does not exist")


class MemoryIdTagStore:
    """Id tags in a dict."""

    def __init__(self) -> None:
        self._tags: dict[str, IdTagRecord] = {}

    async def get(self, id_tag: str) -> IdTagRecord | None:
        return self._tags.get(id_tag)

    async def get_many(self, id_tags: Collection[str]) -> dict[str, IdTagRecord]:
        return {tag: self._tags[tag] for tag in id_tags if tag in self._tags}

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
        check_id_tag(id_tag)
        at = utc(at)
        fields = check_id_tag_changes(
            id_tag,
            {
                "status": status,
                "expiry_date": expiry_date,
                "parent_id_tag": parent_id_tag,
                "max_active_transactions": max_active_transactions,
            },
        )
        self._check_parent(fields["parent_id_tag"])
        if id_tag in self._tags:
            raise AlreadyExists(f"id tag {id_tag!r} exists already")
        record = IdTagRecord(id_tag=id_tag, created_at=at, updated_at=at, **fields)
        self._tags[id_tag] = record
        return record

    async def update(self, id_tag: str, *, at: datetime, **changes: Any) -> IdTagRecord:
        at = utc(at)
        fields = check_id_tag_changes(id_tag, changes)
        parent = fields.get("parent_id_tag", "")
        self._check_parent(parent)
        if parent:
            parents = {tag: record.parent_id_tag for tag, record in self._tags.items()}
            check_no_parent_loop(id_tag, parent, parents)
        held = self._tags.get(id_tag)
        if held is None:
            raise NotFound(f"id tag {id_tag!r} does not exist")
        record = replace(held, updated_at=at, **fields)
        self._tags[id_tag] = record
        return record

    async def delete(self, id_tag: str) -> None:
        child = next((t.id_tag for t in self._tags.values() if t.parent_id_tag == id_tag), None)
        if child is not None:
            raise Conflict(
                f"id tag {id_tag!r} is the parent of other tags (e.g. {child!r}): "
                "change their parent first"
            )
        if self._tags.pop(id_tag, None) is None:
            raise NotFound(f"id tag {id_tag!r} does not exist")

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        status: str | None = None,
        parent_id_tag: str | None = None,
    ) -> tuple[builtins.list[IdTagRecord], str]:
        check_page_size(page_size)
        filters = {"status": status, "parent_id_tag": parent_id_tag}
        after = decode_keyset(page_token, "id_tags", filters, (str,))[0] if page_token else None
        matching = [
            self._tags[tag]
            for tag in sorted(self._tags, key=str.encode)
            if (after is None or tag.encode() > after.encode())
            and (status is None or self._tags[tag].status == status)
            and (parent_id_tag is None or self._tags[tag].parent_id_tag == parent_id_tag)
        ]
        page = matching[:page_size]
        more = len(matching) > page_size
        return page, encode_keyset("id_tags", [page[-1].id_tag], filters) if more else ""

    def _check_parent(self, parent_id_tag: str) -> None:
        if parent_id_tag and parent_id_tag not in self._tags:
            raise Conflict(f"parent id tag {parent_id_tag!r} does not exist")


class MemoryReservationStore:
    """Reservations in a dict; ids count up from 1."""

    def __init__(self, *, chargers: ChargerStore | None = None) -> None:
        self._chargers = chargers
        self._reservations: dict[int, ReservationRecord] = {}
        self._ids = itertools.count(1)

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
        check_charger_id(charger_id)
        check_id_tag(id_tag)
        if parent_id_tag:
            check_id_tag(parent_id_tag, "parent id tag")
        at = utc(at)
        expiry_date = utc(expiry_date)
        await _check_charger(self._chargers, charger_id)
        record = ReservationRecord(
            reservation_id=next(self._ids),
            charger_id=charger_id,
            connector_id=connector_id,
            id_tag=id_tag,
            parent_id_tag=parent_id_tag,
            expiry_date=expiry_date,
            state="Pending",
            charger_status="",
            transaction_id=None,
            created_at=at,
            updated_at=at,
        )
        self._reservations[record.reservation_id] = record
        return record

    async def set_outcome(
        self, reservation_id: int, charger_status: str, at: datetime
    ) -> ReservationRecord:
        state = outcome_state(charger_status)
        at = utc(at)
        held = self._held(reservation_id)
        record = replace(
            held,
            charger_status=charger_status,
            state=state if held.state == "Pending" else held.state,
            updated_at=at,
        )
        self._reservations[reservation_id] = record
        return record

    async def cancel(self, reservation_id: int, at: datetime) -> ReservationRecord:
        at = utc(at)
        held = self._held(reservation_id)
        if held.state in LIVE_STATES:
            held = replace(held, state="Cancelled", updated_at=at)
            self._reservations[reservation_id] = held
        return held

    async def get(self, reservation_id: int) -> ReservationRecord | None:
        return self._reservations.get(reservation_id)

    async def list(
        self,
        *,
        page_size: int,
        page_token: str = "",
        charger_id: str | None = None,
        state: str | None = None,
    ) -> tuple[builtins.list[ReservationRecord], str]:
        check_page_size(page_size)
        check_state(state)
        filters = {"charger_id": charger_id, "state": state}
        after = (
            decode_keyset(page_token, "reservations", filters, (int,))[0] if page_token else None
        )
        matching = [
            r
            for rid, r in sorted(self._reservations.items(), reverse=True)
            if (after is None or rid < after)
            and (charger_id is None or r.charger_id == charger_id)
            and (state is None or r.state == state)
        ]
        page = matching[:page_size]
        more = len(matching) > page_size
        return page, encode_keyset(
            "reservations", [page[-1].reservation_id], filters
        ) if more else ""

    async def expire(self, now: datetime) -> int:
        now = utc(now)
        expired = 0
        for rid, r in list(self._reservations.items()):
            if r.state in LIVE_STATES and r.expiry_date <= now:
                self._reservations[rid] = replace(r, state="Expired", updated_at=now)
                expired += 1
        return expired

    async def ended_by_charger(
        self, reservation_id: int, *, charger_id: str, state: str, at: datetime
    ) -> ReservationRecord | None:
        if state not in ENDED_BY_CHARGER:
            raise ValueError(f"state must be one of {list(ENDED_BY_CHARGER)}, got {state!r}")
        held = self._reservations.get(reservation_id)
        if held is None or held.charger_id != charger_id:
            return None
        if held.state in LIVE_STATES:
            held = replace(held, state=state, updated_at=utc(at))
            self._reservations[reservation_id] = held
        return held

    def use(self, reservation_id: int, charger_id: str, transaction_id: int, at: datetime) -> None:
        """A live reservation of ``charger_id`` becomes Used by ``transaction_id``."""
        held = self._reservations.get(reservation_id)
        if held is not None and held.charger_id == charger_id and held.state in LIVE_STATES:
            self._reservations[reservation_id] = replace(
                held, state="Used", transaction_id=transaction_id, updated_at=at
            )

    def _held(self, reservation_id: int) -> ReservationRecord:
        held = self._reservations.get(reservation_id)
        if held is None:
            raise NotFound(f"reservation {reservation_id} does not exist")
        return held


class MemoryTransactionStore:
    """Transactions, meter values and anomalies in lists and dicts; ids count up from 1."""

    def __init__(
        self,
        *,
        chargers: ChargerStore | None = None,
        reservations: MemoryReservationStore | None = None,
    ) -> None:
        self._chargers = chargers
        self._reservations = reservations
        self._transactions: dict[int, TransactionRecord] = {}
        #: Time of each active transaction's last_energy_wh reading.
        self._energy_at: dict[int, datetime] = {}
        self._by_key: dict[str, int] = {}
        #: (sequence number, row) in insertion order: the sequence is the SQL id.
        self._values: list[tuple[int, MeterValueRecord]] = []
        self._anomalies: list[tuple[str, str, int | None, str, datetime]] = []
        self._ids = itertools.count(1)
        #: 2.0.1: (charger, charger's transactionId) -> transaction id.
        self._by_charger_tx: dict[tuple[str, str], int] = {}
        #: 2.0.1: (transaction id, seqNo, digest) received -> the idTokenInfo.status answered.
        self._events: dict[tuple[int, int, str], str] = {}
        #: 2.0.1: (transaction id, seqNo) -> how many events were received with it.
        self._seq_nos: dict[tuple[int, int], int] = {}
        #: The identity of every stored meter value (``uq_meter_values_*``).
        self._samples: set[SampleKey] = set()
        #: 2.0.1: time of each transaction's meter_start reading.
        self._meter_start_at: dict[int, datetime] = {}

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
        check_charger_id(charger_id)
        check_id_tag(id_tag)
        check_length("id_tag_status", id_tag_status, 16, empty=False)
        started_at = utc(started_at)
        key = start_key(charger_id, connector_id, id_tag, started_at, meter_start)
        if key in self._by_key:
            return self._transactions[self._by_key[key]], False
        await _check_charger(self._chargers, charger_id)
        if key in self._by_key:  # a concurrent twin got in during the await
            return self._transactions[self._by_key[key]], False
        record = TransactionRecord(
            transaction_id=next(self._ids),
            charger_id=charger_id,
            connector_id=connector_id,
            id_tag=id_tag,
            id_tag_status=id_tag_status,
            stop_id_tag="",
            meter_start=meter_start,
            meter_stop=None,
            started_at=started_at,
            stopped_at=None,
            stop_reason="",
            reservation_id=reservation_id,
            last_energy_wh=None,
        )
        self._transactions[record.transaction_id] = record
        self._by_key[key] = record.transaction_id
        if reservation_id is not None and self._reservations is not None:
            self._reservations.use(reservation_id, charger_id, record.transaction_id, started_at)
        return record, True

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
        outcome = await self.stop_outcome(
            charger_id=charger_id,
            transaction_id=transaction_id,
            meter_stop=meter_stop,
            stopped_at=stopped_at,
            reason=reason,
            stop_id_tag=stop_id_tag,
        )
        return outcome.transaction

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
        stopped_at = utc(stopped_at)
        check_length("stop reason", reason, 32)
        if stop_id_tag:
            check_id_tag(stop_id_tag, "stop id tag")
        held = self._transactions.get(transaction_id)
        if held is None or held.charger_id != charger_id:
            return StopOutcome(None, False)
        provisional = held.stop_reason.startswith(SUPERSEDED_PREFIX) and held.stop_reason != reason
        if not held.active and not provisional:
            return StopOutcome(held, False)
        record = replace(
            held,
            meter_stop=meter_stop,
            stopped_at=stopped_at,
            stop_reason=reason,
            stop_id_tag=stop_id_tag,
        )
        self._transactions[transaction_id] = record
        return StopOutcome(record, True)

    async def add_meter_values(self, rows: Sequence[MeterValueRecord]) -> set[int]:
        return set((await self.add_meter_values_outcome(rows)).unknown)

    async def add_meter_values_outcome(
        self, rows: Sequence[MeterValueRecord]
    ) -> MeterValuesOutcome:
        for row in rows:
            check_meter_value(row)
            check_charger_id(row.charger_id)
        transaction_of = {
            row.transaction_id: self._transactions[row.transaction_id].charger_id
            for row in rows
            if row.transaction_id is not None and row.transaction_id in self._transactions
        }
        unknown: set[int] = set()
        updated: set[int] = set()
        new_rows = []
        count = 0
        for row in rows:
            tid = row.transaction_id
            stored = replace(row, timestamp=utc(row.timestamp))
            if tid is not None and transaction_of.get(tid) != row.charger_id:
                stored = replace(stored, transaction_id=None)
            if not self._add_sample(stored):
                continue
            count += 1
            if stored.transaction_id is None:
                if tid is not None:
                    unknown.add(tid)
            else:
                updated.add(stored.transaction_id)
                new_rows.append(row)
        for tid, (wh, at) in latest_energy(new_rows, transaction_of).items():
            held = self._transactions[tid]
            if held.active and (tid not in self._energy_at or self._energy_at[tid] <= at):
                self._transactions[tid] = replace(held, last_energy_wh=wh)
                self._energy_at[tid] = at
        return MeterValuesOutcome(count, frozenset(unknown), frozenset(updated))

    def _add_sample(self, row: MeterValueRecord) -> bool:
        """Store ``row`` unless a sample with its identity is stored already."""
        key = sample_key(check_meter_value(row))
        if key in self._samples:
            return False
        self._samples.add(key)
        self._values.append((len(self._values) + 1, row))
        return True

    async def record_event(self, event: TransactionEvent) -> TransactionEventOutcome:
        check_event(event)
        key = (event.charger_id, event.charger_transaction_id)
        created = False
        if key not in self._by_charger_tx:
            await _check_charger(self._chargers, event.charger_id)
        if key not in self._by_charger_tx:  # a concurrent twin may have got in during the await
            fields = new_transaction_row(event, event.evse_id or 0)
            del fields["start_key"]
            record = TransactionRecord(
                transaction_id=next(self._ids),
                stop_id_tag="",
                meter_stop=None,
                stopped_at=None,
                stop_reason="",
                reservation_id=None,
                last_energy_wh=None,
                **fields,
            )
            self._transactions[record.transaction_id] = record
            self._by_charger_tx[key] = record.transaction_id
            created = True
        tid = self._by_charger_tx[key]
        current = self._transactions[tid]
        seen = (tid, event.seq_no, event.digest)
        if seen in self._events:
            return TransactionEventOutcome(
                current,
                created=False,
                duplicate=True,
                ended=False,
                id_token_status=self._events[seen],
            )
        self._events[seen] = event.id_token_status
        before = self._seq_nos.get((tid, event.seq_no), 0)
        self._seq_nos[(tid, event.seq_no)] = before + 1
        connector = event.evse_id or current.connector_id
        for row in event.meter_values:
            self._add_sample(
                replace(
                    row, transaction_id=tid, connector_id=connector, timestamp=utc(row.timestamp)
                )
            )
        marks = EnergyMarks(self._meter_start_at.get(tid), self._energy_at.get(tid))
        changes = event_changes(current, marks, event)
        if "meter_start_at" in changes:
            self._meter_start_at[tid] = changes.pop("meter_start_at")
        if "last_energy_at" in changes:
            self._energy_at[tid] = changes.pop("last_energy_at")
        record = replace(current, **changes)
        self._transactions[tid] = record
        if "reservation_id" in changes and self._reservations is not None:
            self._reservations.use(
                changes["reservation_id"], event.charger_id, tid, utc(event.timestamp)
            )
        return TransactionEventOutcome(
            record,
            created=created,
            duplicate=False,
            ended="stopped_at" in changes,
            id_token_status=event.id_token_status,
            reused_seq_no=before == 1,
        )

    async def get_by_charger_transaction_id(
        self, charger_id: str, charger_transaction_id: str
    ) -> TransactionRecord | None:
        tid = self._by_charger_tx.get((charger_id, charger_transaction_id))
        return None if tid is None else self._transactions[tid]

    async def record_anomaly(
        self, *, charger_id: str, kind: str, transaction_id: int | None, payload: str, at: datetime
    ) -> None:
        if kind not in ANOMALY_KINDS:
            raise ValueError(f"anomaly kind must be one of {sorted(ANOMALY_KINDS)}, got {kind!r}")
        check_charger_id(charger_id)
        self._anomalies.append((charger_id, kind, transaction_id, payload, utc(at)))

    async def anomalies(
        self, charger_id: str
    ) -> builtins.list[tuple[str, int | None, str, datetime]]:
        return [(k, tid, p, at) for cid, k, tid, p, at in self._anomalies if cid == charger_id]

    async def get(self, transaction_id: int) -> TransactionRecord | None:
        return self._transactions.get(transaction_id)

    async def active_on(self, charger_id: str, connector_id: int) -> TransactionRecord | None:
        active = [
            t
            for t in self._transactions.values()
            if t.active and t.charger_id == charger_id and t.connector_id == connector_id
        ]
        return max(active, key=lambda t: (t.started_at, t.transaction_id), default=None)

    async def active_count(self, id_tag: str) -> int:
        return sum(1 for t in self._transactions.values() if t.active and t.id_tag == id_tag)

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
    ) -> tuple[builtins.list[TransactionRecord], str]:
        check_page_size(page_size)
        filters = list_filters(
            charger_id=charger_id,
            id_tag=id_tag,
            started_after=started_after,
            started_before=started_before,
            active=active,
            charger_transaction_id=charger_transaction_id,
            remote_start_id=remote_start_id,
        )
        after: tuple[datetime, int] | None = None
        if page_token:
            at, tid = decode_keyset(page_token, "transactions", filters, (str, int))
            after = (from_iso(at), tid)
        low = None if started_after is None else utc(started_after)
        high = None if started_before is None else utc(started_before)
        matching = [
            t
            for t in sorted(
                self._transactions.values(),
                key=lambda t: (t.started_at, t.transaction_id),
                reverse=True,
            )
            if (after is None or (t.started_at, t.transaction_id) < after)
            and (charger_id is None or t.charger_id == charger_id)
            and (id_tag is None or t.id_tag == id_tag)
            and (low is None or t.started_at >= low)
            and (high is None or t.started_at < high)
            and (active is None or t.active == active)
            and (
                charger_transaction_id is None or t.charger_transaction_id == charger_transaction_id
            )
            and (remote_start_id is None or t.remote_start_id == remote_start_id)
        ]
        page = matching[:page_size]
        token = ""
        if len(matching) > page_size:
            last = page[-1]
            token = encode_keyset(
                "transactions", [to_iso(last.started_at), last.transaction_id], filters
            )
        return page, token

    async def list_meter_values(
        self,
        transaction_id: int,
        *,
        page_size: int,
        page_token: str = "",
        measurand: str | None = None,
    ) -> tuple[builtins.list[MeterValueRecord], str]:
        check_page_size(page_size)
        filters = {"transaction_id": transaction_id, "measurand": measurand}
        after: tuple[datetime, int] | None = None
        if page_token:
            at, seq = decode_keyset(page_token, "meter_values", filters, (str, int))
            after = (from_iso(at), seq)
        matching = sorted(
            (
                (row.timestamp, seq, row)
                for seq, row in self._values
                if row.transaction_id == transaction_id
                and (measurand is None or row.measurand == measurand)
                and (after is None or (row.timestamp, seq) > after)
            ),
            key=lambda item: (item[0], item[1]),
        )
        page = matching[:page_size]
        token = ""
        if len(matching) > page_size:
            token = encode_keyset("meter_values", [to_iso(page[-1][0]), page[-1][1]], filters)
        return [row for _, _, row in page], token
