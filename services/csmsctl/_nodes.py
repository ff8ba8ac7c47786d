"""csmsctl node drain: move a node's chargers to other nodes before restarting it
(NodeService.DrainNode, admin)."""

from __future__ import annotations

import argparse
import json

import grpc
from csms.v1 import node_pb2, nodes_pb2, nodes_pb2_grpc

from services.csmsctl._base import (
    EXIT_OK,
    EXIT_RPC_ERROR,
    Context,
    Unreachable,
    _channel_ready,
    _positive_float,
    to_dict,
)
from services.node._drain import describe

#: How long `node drain` follows a drain by default (the node's NODE_DRAIN_DEADLINE, 600 s
#: by default, ends it sooner); the node drains on when csmsctl stops following.
DEFAULT_DRAIN_WAIT = 900.0


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of chargers/s: {text!r}")
    return value


def cmd_node_drain(ctx: Context) -> int:
    """Drain a node, printing its progress until it is empty (exit 0) or its drain timed
    out (exit 1)."""
    args = ctx.args
    stub = nodes_pb2_grpc.NodeServiceStub(ctx.channel(args.manager))
    request = nodes_pb2.DrainNodeRequest(node_id=args.node_id, rate=args.rate or 0.0)
    last: node_pb2.DrainProgress | None = None
    try:
        for progress in stub.DrainNode(request, timeout=args.wait, metadata=ctx.metadata):
            last = progress
            if args.json:
                ctx.print(json.dumps(to_dict(progress)))  # one document per line
            else:
                ctx.print(describe(progress))
    except grpc.RpcError as exc:
        if (
            last is None
            and isinstance(exc, grpc.Call)
            and exc.code() == grpc.StatusCode.UNAVAILABLE
            and not _channel_ready(ctx.channel(args.manager))
        ):
            raise Unreachable("manager", args.manager) from exc
        raise
    if last is not None and last.state == node_pb2.DRAIN_STATE_DRAINED:
        return EXIT_OK
    ctx.err.write(
        f"csmsctl: node {args.node_id} is not drained yet: its chargers not closed by its "
        "NODE_DRAIN_DEADLINE are closed when it stops\n"
    )
    return EXIT_RPC_ERROR


def add_node_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl node drain NODE [--rate N] [--wait S]``."""
    p = sub.add_parser("node", help="operate the nodes: drain one before a restart (admin)")
    verbs = p.add_subparsers(dest="node_command", required=True, metavar="COMMAND")
    help = (
        "close a node's chargers with 1001 in waves so they reconnect to other nodes, "
        "printing progress until it is empty"
    )
    q = verbs.add_parser("drain", help=help, description=help, parents=[leaf])
    q.set_defaults(func=cmd_node_drain)
    q.add_argument("node_id", metavar="NODE", help="a node id, as `csmsctl registry nodes` lists")
    q.add_argument(
        "--rate",
        type=_rate,
        metavar="N",
        help="chargers closed per second (default: the node's NODE_DRAIN_RATE)",
    )
    q.add_argument(
        "--wait",
        type=_positive_float,
        default=DEFAULT_DRAIN_WAIT,
        metavar="SECONDS",
        help="follow the drain this long at most; the node drains on without csmsctl "
        "(default %(default)g)",
    )
