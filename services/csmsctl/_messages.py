"""csmsctl messages: a charger's timeline from the frame journal (MessageService).

``csmsctl messages CP-1`` prints the newest exchanges, oldest at the bottom as in a log;
``--follow`` then polls with the response's ``after_token`` and prints what is recorded
since, until Ctrl+C (polling: the manager only reads the journal, which the nodes write).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from typing import Any

from csms.v1 import messages_pb2, messages_pb2_grpc

from services.csmsctl._admin import _positive_int, parse_since
from services.csmsctl._base import EXIT_OK, Context, _manager, _manager_pages, table, to_dict

#: Exchanges asked for per page (the API's maximum is 500).
MESSAGE_PAGE_SIZE = 200
#: How often --follow asks for newer exchanges, by default (seconds).
FOLLOW_INTERVAL = 1.0

_DIRECTIONS = {
    "charger": messages_pb2.MESSAGE_DIRECTION_CHARGER_TO_CSMS,
    "csms": messages_pb2.MESSAGE_DIRECTION_CSMS_TO_CHARGER,
}
#: What the ARROW column shows: who sent the CALL.
_ARROWS = {
    messages_pb2.MESSAGE_DIRECTION_CHARGER_TO_CSMS: "charger→csms",
    messages_pb2.MESSAGE_DIRECTION_CSMS_TO_CHARGER: "csms→charger",
}


def _outcome(message: messages_pb2.ChargerMessage) -> str:
    name = messages_pb2.MessageOutcome.Name(message.outcome).removeprefix("MESSAGE_OUTCOME_")
    text = name.lower()
    return f"{text} {message.error_code}" if message.error_code else text


def _time(message: messages_pb2.ChargerMessage) -> str:
    """The CALL's time to the millisecond (frames of one second are told apart)."""
    at = message.at.ToDatetime()
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _rows(messages: Iterable[messages_pb2.ChargerMessage]) -> list[list[str]]:
    return [
        [
            _time(m),
            _ARROWS.get(m.direction, "?"),
            m.action or "-",
            m.message_id or "-",
            _outcome(m),
            f"{m.latency_ms:.1f} ms" if m.HasField("latency_ms") else "-",
        ]
        for m in messages
    ]


HEADERS = ["AT", "DIRECTION", "ACTION", "MESSAGE ID", "OUTCOME", "LATENCY"]


def _request(args: argparse.Namespace) -> messages_pb2.ListChargerMessagesRequest:
    request = messages_pb2.ListChargerMessagesRequest(
        charger_id=args.charger_id,
        actions=args.action or [],
        direction=_DIRECTIONS[args.direction] if args.direction else 0,  # type: ignore[arg-type]
    )
    if args.since is not None:
        request.since.FromDatetime(args.since)
    return request


def _emit_lines(ctx: Context, messages: Iterable[messages_pb2.ChargerMessage]) -> None:
    """--follow --json: one JSON object per line (JSON Lines), as the export writes them."""
    for m in messages:
        ctx.out.write(json.dumps(to_dict(m), separators=(",", ":")) + "\n")
    ctx.out.flush()


def cmd_messages(ctx: Context) -> int:
    """The newest --limit exchanges (following the pages), printed oldest first; then,
    with --follow, the ones recorded since."""
    args = ctx.args
    stub = messages_pb2_grpc.MessageServiceStub(ctx.channel(args.manager))
    request = _request(args)
    after_tokens: list[str] = []

    def list_page(page_request: Any, **kwargs: Any) -> messages_pb2.ListChargerMessagesResponse:
        page: messages_pb2.ListChargerMessagesResponse = stub.ListChargerMessages(
            page_request, **kwargs
        )
        after_tokens.append(page.after_token)
        return page

    merged = messages_pb2.ListChargerMessagesResponse()
    _manager_pages(
        ctx, list_page, request, merged, "messages", limit=args.limit, page_size=MESSAGE_PAGE_SIZE
    )
    # The newest page says where to poll from next.
    merged.after_token = after_tokens[0]
    oldest_first = list(reversed(merged.messages))
    if args.follow:
        return _follow(ctx, stub, request, oldest_first, merged.after_token)
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    ctx.print(table(HEADERS, _rows(oldest_first)))
    if merged.next_page_token:
        ctx.err.write(f"(older ones: raise --limit above {args.limit}, or use --since)\n")
    return EXIT_OK


def _follow(
    ctx: Context,
    stub: messages_pb2_grpc.MessageServiceStub,
    request: messages_pb2.ListChargerMessagesRequest,
    shown: list[messages_pb2.ChargerMessage],
    token: str,
) -> int:
    """Print `shown`, then what is recorded after `token`, polling every --interval
    seconds until Ctrl+C (main() turns it into exit code 130)."""
    args = ctx.args
    if args.json:
        _emit_lines(ctx, shown)
    else:
        ctx.print(table(HEADERS, _rows(shown)) if shown else "  ".join(HEADERS))
        ctx.out.flush()
    poll = messages_pb2.ListChargerMessagesRequest()
    poll.CopyFrom(request)
    poll.page_token = ""
    poll.page_size = MESSAGE_PAGE_SIZE
    polls = args.polls  # a bound for tests; None = until interrupted
    while polls is None or polls > 0:
        time.sleep(args.interval)
        poll.after_token = token
        page: messages_pb2.ListChargerMessagesResponse = _manager(
            ctx, stub.ListChargerMessages, poll
        )
        token = page.after_token
        if page.messages:
            if args.json:
                _emit_lines(ctx, page.messages)
            else:
                # Rows of a new page are aligned on their own (a table per poll).
                for line in table(HEADERS, _rows(page.messages)).splitlines()[1:]:
                    ctx.print(line)
                ctx.out.flush()
        if polls is not None:
            polls -= 1
    return EXIT_OK


def _direction(text: str) -> str:
    if text not in _DIRECTIONS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a direction: charger (the charger's calls) or csms (tasks)"
        )
    return text


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 3600 seconds: {text!r}")
    return value


def add_messages_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl messages ID [--action A] [--direction charger|csms] [--since T] [--limit N]
    [--follow] [--json]``."""
    help = "a charger's timeline: every OCPP call with its answer and latency (frame journal)"
    p = sub.add_parser("messages", help=help, description=help, parents=[leaf])
    p.set_defaults(func=cmd_messages)
    p.add_argument("charger_id", metavar="ID")
    p.add_argument(
        "--action",
        action="append",
        metavar="ACTION",
        help='only this OCPP action, e.g. "BootNotification" (repeat for several)',
    )
    p.add_argument(
        "--direction",
        type=_direction,
        metavar="WHO",
        help="who sent the call: charger (its calls) or csms (tasks)",
    )
    p.add_argument(
        "--since",
        type=parse_since,
        metavar="T",
        help="only exchanges since T: an age (30m, 2h, 7d) or an ISO 8601 time",
    )
    p.add_argument(
        "--limit",
        type=_positive_int,
        default=50,
        metavar="N",
        help="at most N of the newest (default 50)",
    )
    p.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="then print new exchanges as they are recorded, until Ctrl+C "
        "(with --json: one JSON object per line)",
    )
    p.add_argument(
        "--interval",
        type=_interval,
        default=FOLLOW_INTERVAL,
        metavar="S",
        help=f"--follow: seconds between polls (default {FOLLOW_INTERVAL:g})",
    )
    p.add_argument("--polls", type=_positive_int, default=None, help=argparse.SUPPRESS)
