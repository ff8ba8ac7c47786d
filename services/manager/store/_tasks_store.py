"""The task history (the command outbox): ``tasks`` and ``bulk_tasks``, records and SQL.

A task is one OCPP call to one charger, recorded before it is sent. Its ``state`` moves
``queued`` → ``sent`` → ``answered`` | ``call_error`` | ``timed_out`` | ``aborted``, or
``queued`` → ``expired`` | ``aborted`` (cancelled); a final state never changes. Every
transition is one conditional UPDATE (``... WHERE state = <expected>``), so two managers
never both claim a queued task, and an outcome never overwrites another.

``(requested_by, request_id)`` is unique where ``request_id`` is set (NULL otherwise: NULLs
never collide on PostgreSQL or SQLite): ``create`` raises ``AlreadyExists`` on a repeated
key and the caller reads the first task (``by_request``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common import OcppVersion

from ._common import utc
from ._errors import AlreadyExists, NotFound
from ._keyset import decode_keyset, encode_keyset
from ._schema import BIG_ID, CHARGER_ID, UtcDateTime, metadata
from ._sqlbase import SqlStoreBase, unavailable

__all__ = [
    "FINAL_TASK_STATES",
    "TASK_STATES",
    "BulkTaskRecord",
    "SqlTaskStore",
    "TaskFilters",
    "TaskRecord",
]

QUEUED, SENT = "queued", "sent"
#: Every state a task can be in; the last five are final.
TASK_STATES = ("queued", "sent", "answered", "call_error", "timed_out", "aborted", "expired")
FINAL_TASK_STATES = frozenset(TASK_STATES[2:])

tasks = Table(
    "tasks",
    metadata,
    Column("seq", BIG_ID, nullable=False, autoincrement=True),  # creation order
    Column("id", String(32), nullable=False),  # the public id, "task_..."
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("action", String(64), nullable=False),
    Column("ocpp_version", String(8), nullable=False),
    Column("payload_json", Text, nullable=False),  # as sent, secrets redacted
    Column("answer_json", Text, nullable=True),
    Column("error_code", String(64), nullable=False, server_default=""),
    Column("error_description", Text, nullable=False, server_default=""),
    Column("requested_by", String(80), nullable=False, server_default=""),
    Column("request_id", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("deliver_by", UtcDateTime, nullable=True),
    Column("bulk_id", String(32), nullable=True),
    PrimaryKeyConstraint("seq"),
    UniqueConstraint("id"),
    UniqueConstraint("requested_by", "request_id"),
    # A charger's tasks by time; its queued ones in order; a bulk's; the sweeps.
    Index(None, "charger_id", "seq"),
    Index(None, "charger_id", "state", "seq"),
    Index(None, "bulk_id", "seq"),
    Index(None, "state", "deliver_by"),
    sqlite_autoincrement=True,
)

bulk_tasks = Table(
    "bulk_tasks",
    metadata,
    Column("id", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("requested_by", String(80), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("total", Integer, nullable=False),
    Column("refused_json", Text, nullable=False, server_default="{}"),
    PrimaryKeyConstraint("id"),
)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    task_id: str
    charger_id: str
    action: str
    ocpp_version: OcppVersion
    payload_json: str
    state: str
    created_at: datetime
    requested_by: str = ""
    request_id: str = ""
    answer_json: str | None = None
    error_code: str = ""
    error_description: str = ""
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    deliver_by: datetime | None = None
    bulk_id: str = ""

    @property
    def final(self) -> bool:
        return self.state in FINAL_TASK_STATES


@dataclass(frozen=True, slots=True)
class BulkTaskRecord:
    bulk_id: str
    action: str
    requested_by: str
    created_at: datetime
    total: int
    refused: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class TaskFilters:
    charger_id: str = ""
    state: str = ""
    action: str = ""
    bulk_id: str = ""


def _record(row: Row[Any]) -> TaskRecord:
    m = row._mapping
    return TaskRecord(
        task_id=m["id"],
        charger_id=m["charger_id"],
        action=m["action"],
        ocpp_version=OcppVersion.parse(m["ocpp_version"]),
        payload_json=m["payload_json"],
        state=m["state"],
        created_at=m["created_at"],
        requested_by=m["requested_by"],
        request_id=m["request_id"] or "",
        answer_json=m["answer_json"],
        error_code=m["error_code"],
        error_description=m["error_description"],
        sent_at=m["sent_at"],
        finished_at=m["finished_at"],
        deliver_by=m["deliver_by"],
        bulk_id=m["bulk_id"] or "",
    )


def _check_state(state: str) -> str:
    if state not in TASK_STATES:
        raise ValueError(f"task state must be one of {', '.join(TASK_STATES)}, got {state!r}")
    return state


class SqlTaskStore(SqlStoreBase):
    """The task history on PostgreSQL or SQLite."""

    def _one_statement(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for ONE write statement on a command's path. PostgreSQL: in
        autocommit, the statement commits itself (durably): one round trip instead of
        BEGIN, statement, COMMIT, each of which waits its turn in an event loop the charger
        events keep busy (the command lane). SQLite: a transaction."""
        if self._dialect == "postgresql":
            return self._reader.connect()
        return self._engine.begin()

    async def create(self, task: TaskRecord) -> TaskRecord:
        """Record a new task (state queued or sent); AlreadyExists when its caller used its
        request_id before."""
        _check_state(task.state)
        if task.state not in (QUEUED, SENT):
            raise ValueError(f"a task is created queued or sent, not {task.state!r}")
        values = {
            "id": task.task_id,
            "charger_id": task.charger_id,
            "action": task.action,
            "ocpp_version": task.ocpp_version,
            "payload_json": task.payload_json,
            "requested_by": task.requested_by[:80],
            "request_id": task.request_id or None,
            "state": task.state,
            "created_at": utc(task.created_at),
            "sent_at": utc(task.sent_at) if task.sent_at else None,
            "deliver_by": utc(task.deliver_by) if task.deliver_by else None,
            "bulk_id": task.bulk_id or None,
        }
        async with unavailable("recording a task"), self._one_statement() as conn:
            try:
                await conn.execute(tasks.insert().values(**values))
            except IntegrityError as exc:  # the unique keys: id (random) and the request
                raise AlreadyExists(
                    f"request_id {task.request_id!r} was used before by {task.requested_by!r}"
                ) from exc
        return task

    async def get(self, task_id: str) -> TaskRecord | None:
        async with unavailable("reading a task"), self._reader.connect() as conn:
            row = (await conn.execute(select(tasks).where(tasks.c.id == task_id))).first()
        return None if row is None else _record(row)

    async def by_request(self, requested_by: str, request_id: str) -> TaskRecord | None:
        query = select(tasks).where(
            tasks.c.requested_by == requested_by[:80], tasks.c.request_id == request_id
        )
        async with unavailable("reading a task"), self._reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _record(row)

    async def finish(
        self,
        task_id: str,
        state: str,
        *,
        at: datetime,
        answer_json: str | None = None,
        error_code: str = "",
        error_description: str = "",
    ) -> TaskRecord | None:
        """Record the outcome of a sent task; None when it is not ``sent`` (any more: an
        outcome is recorded once)."""
        if _check_state(state) not in FINAL_TASK_STATES:
            raise ValueError(f"{state!r} is not an outcome")
        return await self._move(
            task_id,
            SENT,
            state=state,
            finished_at=utc(at),
            answer_json=answer_json,
            error_code=error_code[:64],
            error_description=error_description,
            relaxed=True,
        )

    async def cancel(self, task_id: str, *, at: datetime) -> tuple[TaskRecord, bool]:
        """A queued task → aborted: (the task, True); NotFound; any other task as it is:
        (the task, False)."""
        moved = await self._move(
            task_id,
            QUEUED,
            state="aborted",
            finished_at=utc(at),
            error_code="Cancelled",
            error_description="cancelled before it was sent",
        )
        if moved is not None:
            return moved, True
        current = await self.get(task_id)
        if current is None:
            raise NotFound(f"task {task_id!r} does not exist")
        return current, False

    async def requeue(self, task_id: str, *, deliver_by: datetime) -> TaskRecord | None:
        """A sent task that never reached the charger (it was not connected after all) →
        queued again until `deliver_by`; None when it is not ``sent``."""
        return await self._move(
            task_id, SENT, state=QUEUED, sent_at=None, deliver_by=utc(deliver_by)
        )

    async def _move(
        self, task_id: str, expected: str, *, relaxed: bool = False, **values: Any
    ) -> TaskRecord | None:
        """`relaxed` (an outcome, on the command's path): one statement committing itself
        (`_one_statement`), not a transaction of several round trips."""
        statement = (
            update(tasks)
            .where(tasks.c.id == task_id, tasks.c.state == expected)
            .values(**values)
            .returning(*tasks.c)
        )
        connect = self._one_statement if relaxed else self._engine.begin
        async with unavailable("updating a task"), connect() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else _record(row)

    async def claim_next_queued(self, charger_id: str, *, at: datetime) -> TaskRecord | None:
        """The charger's oldest queued task not past its deadline, moved to ``sent`` by
        THIS call (atomic: of two managers claiming, one gets it), or None."""
        now = utc(at)
        while True:
            oldest = (
                select(tasks.c.seq)
                .where(
                    tasks.c.charger_id == charger_id,
                    tasks.c.state == QUEUED,
                    tasks.c.deliver_by > now,
                )
                .order_by(tasks.c.seq)
                .limit(1)
            )
            async with unavailable("reading queued tasks"), self._reader.connect() as conn:
                seq = await conn.scalar(oldest)
            if seq is None:
                return None
            statement = (
                update(tasks)
                .where(tasks.c.seq == seq, tasks.c.state == QUEUED)
                .values(state=SENT, sent_at=now)
                .returning(*tasks.c)
            )
            async with unavailable("claiming a queued task"), self._engine.begin() as conn:
                row = (await conn.execute(statement)).first()
            if row is not None:
                return _record(row)
            # another manager claimed (or cancelled) it first: take the next one

    async def expire(self, *, at: datetime) -> int:
        """Queued tasks whose deliver_by has passed → expired; how many."""
        now = utc(at)
        statement = (
            update(tasks)
            .where(tasks.c.state == QUEUED, tasks.c.deliver_by <= now)
            .values(
                state="expired",
                finished_at=now,
                error_code="Expired",
                error_description="the charger did not connect before deliver_by",
            )
        )
        async with unavailable("expiring queued tasks"), self._engine.begin() as conn:
            return int((await conn.execute(statement)).rowcount or 0)

    async def abort_stale(self, *, sent_before: datetime, at: datetime) -> int:
        """Tasks left ``sent`` since before `sent_before` (their manager stopped while it
        waited for the answer) → aborted; how many."""
        statement = (
            update(tasks)
            .where(tasks.c.state == SENT, tasks.c.sent_at < utc(sent_before))
            .values(
                state="aborted",
                finished_at=utc(at),
                error_code="ManagerRestarted",
                error_description=(
                    "the manager stopped while waiting for the answer; the charger may "
                    "have acted on it"
                ),
            )
        )
        async with unavailable("aborting stale tasks"), self._engine.begin() as conn:
            return int((await conn.execute(statement)).rowcount or 0)

    async def list(
        self, filters: TaskFilters, *, page_size: int, page_token: str = ""
    ) -> tuple[list[TaskRecord], str]:
        """Tasks newest first, and the next page's token ("" on the last page)."""
        keys = {
            "charger_id": filters.charger_id,
            "state": filters.state,
            "action": filters.action,
            "bulk_id": filters.bulk_id,
        }
        query = select(tasks)
        for name, value in keys.items():
            if value:
                query = query.where(tasks.c[name] == value)
        if page_token:
            (after,) = decode_keyset(page_token, "tasks", keys, (int,))
            query = query.where(tasks.c.seq < after)
        query = query.order_by(tasks.c.seq.desc()).limit(page_size + 1)
        async with unavailable("listing tasks"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        token = ""
        if len(rows) > page_size:
            rows = rows[:page_size]
            token = encode_keyset("tasks", [int(rows[-1]._mapping["seq"])], keys)
        return [_record(r) for r in rows], token

    # --- bulk tasks ---------------------------------------------------------------------

    async def create_bulk(self, bulk: BulkTaskRecord) -> BulkTaskRecord:
        values = {
            "id": bulk.bulk_id,
            "action": bulk.action,
            "requested_by": bulk.requested_by[:80],
            "created_at": utc(bulk.created_at),
            "total": bulk.total,
            "refused_json": json.dumps(dict(bulk.refused)),
        }
        async with unavailable("recording a bulk task"), self._engine.begin() as conn:
            await conn.execute(bulk_tasks.insert().values(**values))
        return bulk

    async def set_bulk_refused(self, bulk_id: str, refused: Mapping[str, str]) -> None:
        statement = (
            update(bulk_tasks)
            .where(bulk_tasks.c.id == bulk_id)
            .values(refused_json=json.dumps(dict(refused)))
        )
        async with unavailable("updating a bulk task"), self._engine.begin() as conn:
            await conn.execute(statement)

    async def get_bulk(self, bulk_id: str) -> tuple[BulkTaskRecord, dict[str, int]] | None:
        """The bulk task and its tasks' count per state, or None."""
        counts_query = (
            select(tasks.c.state, func.count())
            .where(tasks.c.bulk_id == bulk_id)
            .group_by(tasks.c.state)
        )
        async with unavailable("reading a bulk task"), self._reader.connect() as conn:
            row = (await conn.execute(select(bulk_tasks).where(bulk_tasks.c.id == bulk_id))).first()
            if row is None:
                return None
            counts = {str(state): int(n) for state, n in (await conn.execute(counts_query)).all()}
        m = row._mapping
        record = BulkTaskRecord(
            bulk_id=m["id"],
            action=m["action"],
            requested_by=m["requested_by"],
            created_at=m["created_at"],
            total=int(m["total"]),
            refused=json.loads(m["refused_json"] or "{}"),
        )
        return record, counts
