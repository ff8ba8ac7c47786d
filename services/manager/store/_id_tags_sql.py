"""``IdTagStore`` on PostgreSQL or SQLite."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.manager.domain import MAX_PARENT_DEPTH

from ._common import check_page_size, utc
from ._errors import AlreadyExists, Conflict, NotFound
from ._group import GroupCommit
from ._id_tags import IdTagRecord, check_id_tag_changes, check_no_parent_loop
from ._keyset import check_id_tag, decode_keyset, encode_keyset
from ._schema import id_tags
from ._sqlbase import SqlStoreBase, unavailable

__all__ = ["SqlIdTagStore"]


class SqlIdTagStore(SqlStoreBase):
    """Id tags in the ``id_tags`` table.

    Concurrent ``get`` calls (Authorize and StartTransaction under load) are one read
    (``get_many`` through ``GroupCommit``: a lone call goes at once, and each call is
    queued before its read starts, so it sees every change committed before it).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._reads: GroupCommit[str, dict[str, IdTagRecord]] = GroupCommit(self._read_id_tags)

    async def get(self, id_tag: str) -> IdTagRecord | None:
        return (await self._reads.submit(id_tag)).get(id_tag)

    async def _read_id_tags(self, wanted: builtins.list[str]) -> dict[str, IdTagRecord]:
        """The batch read of concurrent ``get`` calls (writer label ``id_tags``)."""
        return await self.get_many(wanted)

    async def get_many(self, id_tags_wanted: Collection[str]) -> dict[str, IdTagRecord]:
        if not id_tags_wanted:
            return {}
        query = select(id_tags).where(self._in(id_tags.c.id_tag, id_tags_wanted))
        async with unavailable("reading id tags"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row.id_tag: _record(row) for row in rows}

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
        values = {
            **fields,
            "id_tag": id_tag,
            "parent_id_tag": fields["parent_id_tag"] or None,
            "created_at": at,
            "updated_at": at,
        }
        statement = (
            self._insert(id_tags)
            .values(values)
            .on_conflict_do_nothing(index_elements=[id_tags.c.id_tag])
            .returning(*id_tags.c)
        )
        async with unavailable("creating an id tag"):
            try:
                async with self._engine.begin() as conn:
                    await _check_parent(conn, fields["parent_id_tag"])
                    row = (await conn.execute(statement)).first()
            except IntegrityError as exc:  # the parent was deleted meanwhile
                raise Conflict(f"parent id tag {parent_id_tag!r} does not exist") from exc
        if row is None:
            raise AlreadyExists(f"id tag {id_tag!r} exists already")
        return _record(row)

    async def update(self, id_tag: str, *, at: datetime, **changes: Any) -> IdTagRecord:
        at = utc(at)
        fields = check_id_tag_changes(id_tag, changes)
        if "parent_id_tag" in fields:
            fields["parent_id_tag"] = fields["parent_id_tag"] or None
        statement = (
            update(id_tags)
            .where(id_tags.c.id_tag == id_tag)
            .values(**fields, updated_at=at)
            .returning(*id_tags.c)
        )
        parent = fields.get("parent_id_tag") or ""
        async with unavailable("updating an id tag"):
            try:
                async with self._engine.begin() as conn:
                    await _check_parent(conn, parent)
                    if parent:
                        await self._check_no_loop(conn, id_tag, parent)
                    row = (await conn.execute(statement)).first()
            except IntegrityError as exc:
                raise Conflict(
                    f"parent id tag {changes.get('parent_id_tag')!r} does not exist"
                ) from exc
        if row is None:
            raise NotFound(f"id tag {id_tag!r} does not exist")
        return _record(row)

    async def delete(self, id_tag: str) -> None:
        async with unavailable("deleting an id tag"):
            try:
                async with self._engine.begin() as conn:
                    child = await conn.scalar(
                        select(id_tags.c.id_tag).where(id_tags.c.parent_id_tag == id_tag).limit(1)
                    )
                    if child is not None:
                        raise Conflict(
                            f"id tag {id_tag!r} is the parent of other tags (e.g. {child!r}): "
                            "change their parent first"
                        )
                    result = await conn.execute(delete(id_tags).where(id_tags.c.id_tag == id_tag))
            except IntegrityError as exc:  # a child was added meanwhile
                raise Conflict(f"id tag {id_tag!r} is the parent of other tags") from exc
        if result.rowcount == 0:
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
        query = select(id_tags).order_by(id_tags.c.id_tag).limit(page_size + 1)
        if page_token:
            (after,) = decode_keyset(page_token, "id_tags", filters, (str,))
            query = query.where(id_tags.c.id_tag > after)
        if status is not None:
            query = query.where(id_tags.c.status == status)
        if parent_id_tag == "":
            query = query.where(id_tags.c.parent_id_tag.is_(None))
        elif parent_id_tag is not None:
            query = query.where(id_tags.c.parent_id_tag == parent_id_tag)
        async with unavailable("listing id tags"), self._reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_record(row) for row in rows[:page_size]]
        token = (
            encode_keyset("id_tags", [page[-1].id_tag], filters) if len(rows) > page_size else ""
        )
        return page, token

    async def _check_no_loop(self, conn: AsyncConnection, id_tag: str, parent: str) -> None:
        """Conflict if ``parent`` descends from ``id_tag``. Parent changes are serialized
        (a transaction-scoped advisory lock on PostgreSQL; SQLite serializes writers), so
        two concurrent changes cannot close a loop together."""
        if self._dialect == "postgresql":
            await conn.execute(select(func.pg_advisory_xact_lock(_PARENT_LOCK)))
        chain = await conn.execute(_PARENT_CHAIN, {"parent": parent, "depth": MAX_PARENT_DEPTH})
        check_no_parent_loop(id_tag, parent, {tag: up or "" for tag, up in chain})


#: The advisory lock key of parent changes ("idtagpar" in ASCII).
_PARENT_LOCK = 0x6964746167706172


#: The tags up the chain from :parent, each with its parent.
_PARENT_CHAIN = text(
    """
    WITH RECURSIVE chain(id_tag, parent_id_tag, depth) AS (
        SELECT id_tag, parent_id_tag, 1 FROM id_tags WHERE id_tag = :parent
        UNION ALL
        SELECT t.id_tag, t.parent_id_tag, chain.depth + 1
        FROM id_tags AS t JOIN chain ON t.id_tag = chain.parent_id_tag
        WHERE chain.depth <= :depth
    )
    SELECT id_tag, parent_id_tag FROM chain
    """
)


async def _check_parent(conn: AsyncConnection, parent_id_tag: str) -> None:
    if parent_id_tag and not await conn.scalar(
        select(exists().where(id_tags.c.id_tag == parent_id_tag))
    ):
        raise Conflict(f"parent id tag {parent_id_tag!r} does not exist")


def _record(row: Row[Any]) -> IdTagRecord:
    return IdTagRecord(
        id_tag=row.id_tag,
        status=row.status,
        expiry_date=row.expiry_date,
        parent_id_tag=row.parent_id_tag or "",
        max_active_transactions=row.max_active_transactions,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
