"""csmsctl commands for administrators: API tokens and the audit log."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
)

from services.csmsctl._base import (
    EXIT_OK,
    Context,
    _answer,
    _manager,
    _manager_pages,
    _non_negative_int,
    fmt_time,
    table,
)

# --- API tokens -------------------------------------------------------------------------

_ROLE_VALUES = {
    "viewer": auth_pb2.ROLE_VIEWER,
    "operator": auth_pb2.ROLE_OPERATOR,
    "admin": auth_pb2.ROLE_ADMIN,
}


_ROLE_NAMES: dict[int, str] = {int(v): k for k, v in _ROLE_VALUES.items()}


def fmt_role(role: int) -> str:
    return _ROLE_NAMES.get(int(role), "-")


def _token_row(token: auth_pb2.ApiToken) -> list[str]:
    return [
        token.token_id,
        token.name,
        fmt_role(token.role),
        token.created_by or "-",
        fmt_time(token.created_at),
        fmt_time(token.last_used_at),
        fmt_time(token.revoked_at),
    ]


_TOKEN_HEADERS = ["ID", "NAME", "ROLE", "CREATED BY", "CREATED", "LAST USED", "REVOKED"]


def cmd_token_create(ctx: Context) -> int:
    args = ctx.args
    request = auth_pb2.CreateTokenRequest(name=args.name, role=_ROLE_VALUES[args.role])
    resp: auth_pb2.CreateTokenResponse = _manager(ctx, ctx.auth().CreateToken, request)
    if args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    ctx.print(resp.secret)
    ctx.err.write(
        f"csmsctl: token {resp.token.token_id} ({resp.token.name}, {args.role}) created; "
        "the secret above is shown only now: keep it (csmsctl --token / CSMS_TOKEN)\n"
    )
    return EXIT_OK


def cmd_token_list(ctx: Context) -> int:
    request = auth_pb2.ListTokensRequest(include_revoked=ctx.args.all)
    resp: auth_pb2.ListTokensResponse = _manager(ctx, ctx.auth().ListTokens, request)
    if ctx.args.json:
        ctx.emit_json(resp)
        return EXIT_OK
    ctx.print(table(_TOKEN_HEADERS, [_token_row(t) for t in resp.tokens]))
    return EXIT_OK


def cmd_token_revoke(ctx: Context) -> int:
    request = auth_pb2.RevokeTokenRequest(token_id=ctx.args.token_id)
    revoked: auth_pb2.ApiToken = _manager(ctx, ctx.auth().RevokeToken, request)
    return _answer(ctx, revoked, f"{revoked.token_id} ({revoked.name}) revoked")


def cmd_whoami(ctx: Context) -> int:
    me: auth_pb2.ApiToken = _manager(ctx, ctx.auth().WhoAmI, auth_pb2.WhoAmIRequest())
    return _answer(ctx, me, f"{me.name} ({fmt_role(me.role)})")


# --- the audit log (csmsctl audit) -------------------------------------------------------

_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ROLE_NAMES = {
    auth_pb2.ROLE_VIEWER: "viewer",
    auth_pb2.ROLE_OPERATOR: "operator",
    auth_pb2.ROLE_ADMIN: "admin",
}
AUDIT_PAGE_SIZE = 1000  # the API's maximum page


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: an age (``30m``, ``2h``, ``7d``) or an ISO 8601 time (UTC if no zone)."""
    value = text.strip()
    unit = _DURATION_UNITS.get(value[-1:].lower())
    if unit is not None and value[:-1].isdigit():
        return (now or datetime.now(UTC)) - timedelta(seconds=int(value[:-1]) * unit)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an age (30m, 2h, 7d) nor an ISO 8601 time (2026-12-03T10:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def cmd_audit(ctx: Context) -> int:
    """The audit log, newest first: up to --limit entries, following the pages."""
    args = ctx.args
    request = auth_pb2.ListAuditEntriesRequest(
        charger_id=args.charger or "",
        actor=args.actor or "",
        action=args.action or "",
        outcome=args.outcome or "",
    )
    if args.since is not None:
        request.since.FromDatetime(args.since)
    stub = auth_pb2_grpc.AuditServiceStub(ctx.channel(args.manager))
    merged = auth_pb2.ListAuditEntriesResponse()
    _manager_pages(
        ctx,
        stub.ListAuditEntries,
        request,
        merged,
        "entries",
        limit=args.limit,
        page_size=AUDIT_PAGE_SIZE,
    )
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            fmt_time(e.at),
            e.actor or "-",
            _ROLE_NAMES.get(e.role, "-"),
            e.action,
            e.charger_id or "-",
            e.target or "-",
            e.outcome,
            " ".join(e.detail.split()) or "-",
        ]
        for e in merged.entries
    ]
    headers = ["TIME", "ACTOR", "ROLE", "ACTION", "CHARGER", "TARGET", "OUTCOME", "DETAIL"]
    ctx.print(table(headers, rows))
    if merged.next_page_token:
        ctx.err.write(f"(more: raise --limit above {args.limit}, or narrow the filters)\n")
    return EXIT_OK


def add_audit_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl audit [--charger ID] [--actor A] [--action X] [--outcome O] [--since T] [--limit N]``."""
    help = "the audit log, newest first (role admin)"
    p = sub.add_parser("audit", help=help, description=help, parents=[leaf])
    p.set_defaults(func=cmd_audit)
    p.add_argument("--charger", metavar="ID", help="only entries about this charger")
    p.add_argument("--actor", metavar="NAME", help='only this token\'s, or "charger:<id>"')
    p.add_argument("--action", metavar="ACTION", help='e.g. "ChargerService/Reset"')
    p.add_argument("--outcome", metavar="OUTCOME", help='"OK" or a status, e.g. PERMISSION_DENIED')
    p.add_argument(
        "--since",
        type=parse_since,
        metavar="T",
        help="only entries since T: an age (30m, 2h, 7d) or an ISO 8601 time",
    )
    p.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="at most N (default 50)"
    )
