"""csmsctl commands on transactions and id tags."""

from __future__ import annotations

from csms.v1 import (
    id_tags_pb2,
    transactions_pb2,
)
from google.protobuf.timestamp_pb2 import Timestamp

from services.csmsctl._base import (
    EXIT_OK,
    Context,
    UsageError,
    _answer,
    _manager,
    _more_hint,
    fmt_time,
    table,
)


def fmt_energy(wh: float) -> str:
    """Energy in kWh with three decimals (the meter's Wh resolution)."""
    return f"{wh / 1000:.3f} kWh"


def cmd_transactions(ctx: Context) -> int:
    args = ctx.args
    stub = ctx.transactions()
    request = transactions_pb2.ListTransactionsRequest(
        page_size=args.page_size,
        page_token=args.page_token,
        charger_id=args.charger or "",
        id_tag=args.tag or "",
    )
    if args.active is not None:
        request.active = args.active
    merged = transactions_pb2.ListTransactionsResponse()
    while True:
        page: transactions_pb2.ListTransactionsResponse = _manager(
            ctx, stub.ListTransactions, request
        )
        merged.transactions.extend(page.transactions)
        merged.next_page_token = page.next_page_token
        if not (args.all and page.next_page_token):
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            str(t.transaction_id),
            t.charger_id,
            str(t.connector_id),
            t.id_tag,
            fmt_time(t.started_at, present=t.HasField("started_at")),
            fmt_time(t.stopped_at, present=t.HasField("stopped_at")) if not t.active else "active",
            fmt_energy(t.energy_wh),
            t.stop_reason or "-",
        ]
        for t in merged.transactions
    ]
    headers = ["ID", "CHARGER", "CONNECTOR", "ID TAG", "STARTED", "STOPPED", "ENERGY", "REASON"]
    ctx.print(table(headers, rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def cmd_transaction(ctx: Context) -> int:
    stub = ctx.transactions()
    t: transactions_pb2.Transaction = _manager(
        ctx,
        stub.GetTransaction,
        transactions_pb2.GetTransactionRequest(transaction_id=ctx.args.transaction_id),
    )
    if ctx.args.json:
        ctx.emit_json(t)
        return EXIT_OK
    details = [
        ("Transaction", str(t.transaction_id)),
        ("Charger", t.charger_id),
        ("Connector", str(t.connector_id)),
        ("Id tag", f"{t.id_tag} ({t.id_tag_status or '-'})"),
        ("Started at", fmt_time(t.started_at, present=t.HasField("started_at"))),
        ("Meter start", f"{t.meter_start_wh} Wh"),
        ("Stopped at", "active" if t.active else fmt_time(t.stopped_at)),
        ("Meter stop", f"{t.meter_stop_wh} Wh" if t.HasField("meter_stop_wh") else "-"),
        ("Stop reason", t.stop_reason or "-"),
        ("Energy", fmt_energy(t.energy_wh)),
    ]
    width = max(len(k) for k, _ in details) + 1
    for key, value in details:
        ctx.print(f"{key + ':':<{width}} {value}")
    return EXIT_OK


_TAG_STATUS_PREFIX = "ID_TAG_STATUS_"


def _tag_status_names() -> list[str]:
    return [
        v.name.removeprefix(_TAG_STATUS_PREFIX).capitalize()
        for v in id_tags_pb2.IdTagStatus.DESCRIPTOR.values
        if v.number != 0
    ]


def parse_tag_status(name: str) -> int:
    """The IdTagStatus value for ``name`` (Accepted, accepted, ...)."""
    for v in id_tags_pb2.IdTagStatus.DESCRIPTOR.values:
        if v.number != 0 and v.name == _TAG_STATUS_PREFIX + name.upper():
            return int(v.number)
    raise UsageError(f"unknown STATUS {name!r}: choose one of {', '.join(_tag_status_names())}")


def fmt_tag_status(status: int) -> str:
    name = id_tags_pb2.IdTagStatus.Name(status)
    return name.removeprefix(_TAG_STATUS_PREFIX).capitalize()


def cmd_tags(ctx: Context) -> int:
    args = ctx.args
    stub = ctx.id_tags()
    request = id_tags_pb2.ListIdTagsRequest(page_size=args.page_size, page_token=args.page_token)
    merged = id_tags_pb2.ListIdTagsResponse()
    while True:
        page: id_tags_pb2.ListIdTagsResponse = _manager(ctx, stub.ListIdTags, request)
        merged.id_tags.extend(page.id_tags)
        merged.next_page_token = page.next_page_token
        if not (args.all and page.next_page_token):
            break
        request.page_token = page.next_page_token
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            t.id_tag,
            fmt_tag_status(t.status),
            fmt_time(t.expiry_date, present=t.HasField("expiry_date")),
            t.parent_id_tag or "-",
            str(t.max_active_transactions or "-"),
        ]
        for t in merged.id_tags
    ]
    ctx.print(table(["ID TAG", "STATUS", "EXPIRES", "PARENT", "MAX ACTIVE"], rows))
    _more_hint(ctx, merged.next_page_token)
    return EXIT_OK


def cmd_tag_add(ctx: Context) -> int:
    args = ctx.args
    tag = id_tags_pb2.IdTag(
        id_tag=args.id_tag,
        status=parse_tag_status(args.status),  # type: ignore[arg-type]
        parent_id_tag=args.parent or "",
        max_active_transactions=args.max_active,
    )
    created: id_tags_pb2.IdTag = _manager(
        ctx, ctx.id_tags().CreateIdTag, id_tags_pb2.CreateIdTagRequest(id_tag=tag)
    )
    return _answer(ctx, created, f"{created.id_tag} {fmt_tag_status(created.status)}")


def cmd_tag_block(ctx: Context) -> int:
    blocked: id_tags_pb2.IdTag = _manager(
        ctx, ctx.id_tags().BlockIdTag, id_tags_pb2.BlockIdTagRequest(id_tag=ctx.args.id_tag)
    )
    return _answer(ctx, blocked, f"{blocked.id_tag} {fmt_tag_status(blocked.status)}")


def _parse_time(text: str) -> Timestamp:
    ts = Timestamp()
    try:
        ts.FromJsonString(text if text.endswith("Z") or "+" in text else text + "Z")
    except ValueError:
        raise UsageError(
            f"--expires {text!r} is not an RFC 3339 time (2027-01-31T00:00:00Z)"
        ) from None
    return ts


def cmd_tag_edit(ctx: Context) -> int:
    args = ctx.args
    tag = id_tags_pb2.IdTag(id_tag=args.id_tag)
    paths: list[str] = []
    if args.status:
        tag.status = parse_tag_status(args.status)  # type: ignore[assignment]
        paths.append("status")
    if args.expires is not None:
        if args.expires:  # "" = never
            tag.expiry_date.CopyFrom(_parse_time(args.expires))
        paths.append("expiry_date")
    if args.parent is not None:
        tag.parent_id_tag = args.parent
        paths.append("parent_id_tag")
    if args.max_active is not None:
        tag.max_active_transactions = args.max_active
        paths.append("max_active_transactions")
    if not paths:
        raise UsageError("nothing to change: give --status, --expires, --parent or --max-active")
    request = id_tags_pb2.UpdateIdTagRequest(id_tag=tag)
    request.update_mask.paths.extend(paths)
    updated: id_tags_pb2.IdTag = _manager(ctx, ctx.id_tags().UpdateIdTag, request)
    return _answer(ctx, updated, f"{updated.id_tag} {fmt_tag_status(updated.status)}")


def cmd_tag_unblock(ctx: Context) -> int:
    """Status back to Accepted: UpdateIdTag with the mask ``status`` (one PATCH, like any edit)."""
    request = id_tags_pb2.UpdateIdTagRequest(
        id_tag=id_tags_pb2.IdTag(id_tag=ctx.args.id_tag, status=id_tags_pb2.ID_TAG_STATUS_ACCEPTED)
    )
    request.update_mask.paths.append("status")
    updated: id_tags_pb2.IdTag = _manager(ctx, ctx.id_tags().UpdateIdTag, request)
    return _answer(ctx, updated, f"{updated.id_tag} {fmt_tag_status(updated.status)}")
