"""csmsctl: the operator's command line for the CSMS.

It speaks gRPC to the manager's public API (``csms.v1.ChargerService``,
``TransactionService``, ``IdTagService``, ``AuthService``) and to the registry's inspection
API (``csms.v1.Registry``), exactly as any other client does. Every call carries the API
token given with ``--token`` or ``CSMS_TOKEN`` (``authorization: Bearer <token>``).
Output is a plain aligned table by default, or the protobuf messages as JSON with
``--json`` (one document per command).

Exit codes:
  0  success
  1  the server answered with a gRPC error (printed as one line: details and status;
     UNAUTHENTICATED and PERMISSION_DENIED add what to do about the token)
  2  bad usage, invalid input caught before sending, or the server cannot be reached
"""

from __future__ import annotations

import sys
from contextlib import ExitStack

import grpc

from services.csmsctl._admin import parse_since
from services.csmsctl._base import (
    EXIT_RPC_ERROR,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Context,
    Unreachable,
    UsageError,
)
from services.csmsctl._chargers import charger_shorthand
from services.csmsctl._parser import build_parser

__all__ = ["EXIT_RPC_ERROR", "EXIT_USAGE", "main", "parse_since"]


def _rpc_error_line(exc: grpc.RpcError) -> str:
    if not isinstance(exc, grpc.Call):
        return f"gRPC error: {exc}"
    code = exc.code()
    details = exc.details() or ""
    if code == grpc.StatusCode.DEADLINE_EXCEEDED and details == "Deadline Exceeded":
        details = "no answer within the deadline (--timeout)"
    line = f"{details or 'request failed'} ({code.name})"
    if code == grpc.StatusCode.UNAUTHENTICATED:
        line += (
            "\n  pass an API token with --token or CSMS_TOKEN (`make run` prints an admin token; "
            "an admin creates others with `csmsctl token create NAME --role ROLE`)"
        )
    elif code == grpc.StatusCode.PERMISSION_DENIED:
        line += "\n  this token's role cannot do that: use a token with the role named above"
    return line


def main(argv: list[str] | None = None) -> int:
    """Run one csmsctl command; returns the process exit code."""
    out, err = sys.stdout, sys.stderr
    parser = build_parser()
    argv = charger_shorthand(parser, sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.registry is None:
        args.registry = args.manager
    with ExitStack() as stack:
        ctx = Context(args=args, out=out, err=err, stack=stack)
        try:
            code: int = args.func(ctx)
            return code
        except UsageError as exc:
            err.write(f"csmsctl: {exc}\n")
            return EXIT_USAGE
        except Unreachable as exc:
            err.write(f"csmsctl: {exc}\n")
            return EXIT_UNREACHABLE
        except grpc.RpcError as exc:
            err.write(f"csmsctl: {_rpc_error_line(exc)}\n")
            return EXIT_RPC_ERROR
        except KeyboardInterrupt:
            err.write("csmsctl: interrupted\n")
            return 130
