"""``python -m services.healthcheck HOST:PORT [--service NAME] [--timeout S]``: ask a gRPC
server of the mesh whether it is ready (``grpc.health.v1.Health/Check``, no credentials).

Exit status 0 when it answers SERVING, 1 otherwise (NOT_SERVING, unknown service, no
answer within the timeout), with the reason on stderr: what a docker compose
``healthcheck`` runs. Kubernetes uses its native ``grpc:`` probe instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _is_address(value: str) -> bool:
    host, _, port = value.rpartition(":")
    return bool(host) and port.isdigit() and 0 < int(port) < 65536


async def check(address: str, *, service: str = "", timeout: float = 5.0) -> tuple[bool, str]:
    """(whether `address` says `service` is SERVING, what it said or why it did not)."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            answer = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return False, f"{address}: no answer within {timeout:g} s"
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return False, f"{address}: no service {service!r} is served there"
            return False, f"{address}: {exc.code().name}: {exc.details()}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    what = f"{address} ({service})" if service else address
    return answer.status == health_pb2.HealthCheckResponse.SERVING, f"{what}: {status}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.healthcheck",
        description="Exit 0 when the gRPC server at HOST:PORT is SERVING, 1 otherwise.",
    )
    parser.add_argument("address", metavar="HOST:PORT", help="the gRPC server to ask")
    parser.add_argument(
        "--service",
        default="",
        help="a full service name (csms.v1.ChargerService); default: the whole server",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for the answer (5)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not _is_address(args.address):
        print(
            f"healthcheck: {args.address!r} is not an address; give the server as HOST:PORT",
            file=sys.stderr,
        )
        return 1
    if not args.timeout > 0:
        print(f"healthcheck: --timeout must be above 0, not {args.timeout:g}", file=sys.stderr)
        return 1
    serving, message = asyncio.run(check(args.address, service=args.service, timeout=args.timeout))
    print(message, file=sys.stderr)
    return 0 if serving else 1


if __name__ == "__main__":
    sys.exit(main())
