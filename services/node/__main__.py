"""``python -m services.node``: one node process of a deployment (registry in Redis).

``python -m services.node drain [--rate N] [--timeout S]`` drains the node of this
container or pod instead (a Kubernetes preStop hook): it calls Node.Drain on this host's
NODE_GRPC_PORT with MESH_SECRET, prints the progress, and exits 0 once the node is
empty, 1 when the drain timed out or failed, 2 when the node cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import grpc
from csms.v1 import node_pb2, node_pb2_grpc

from services.common import env_float, env_int, env_str
from services.common._env import ConfigError
from services.common._mesh import mesh_metadata, mesh_secret_from_env
from services.common._runtime import registry_from_env, run_service, stop_requested
from services.metrics import MetricsSettings, serve_metrics
from services.node import Node, NodeSettings
from services.node._drain import DRAIN_STATE_DRAINED, describe

log = logging.getLogger("services.node")

#: Beyond the node's own drain deadline, how long `drain` waits for the last progress.
DRAIN_WAIT_MARGIN = 30.0


async def main() -> None:
    settings = NodeSettings.from_env()
    metrics_settings = MetricsSettings.from_env()  # METRICS_PORT unset: no listener
    registry = registry_from_env()
    try:
        async with (
            serve_metrics(metrics_settings, what=f"node {settings.node_id}"),
            Node(settings, registry) as node,
        ):
            log.info(
                "node %s: chargers connect to ws://%s:%d/ocpp/<charger-id>; Node.Send on %s; "
                "manager at %s",
                settings.node_id,
                settings.host,
                node.ws_port,
                node.address,
                settings.manager_address,
            )
            if node.tls_port:
                log.info(
                    "node %s: TLS chargers (security profiles 2, 3) connect to "
                    "wss://%s:%d/ocpp/<charger-id>",
                    settings.node_id,
                    settings.host,
                    node.tls_port,
                )
            await stop_requested()
            log.info("shutting down: closing chargers with 1001 so they reconnect elsewhere")
    finally:
        await registry.aclose()


def _local_address() -> str:
    """This container's Node service: NODE_GRPC_HOST (loopback when it listens on all
    addresses) and NODE_GRPC_PORT."""
    host = env_str("NODE_GRPC_HOST", "0.0.0.0")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"{host}:{env_int('NODE_GRPC_PORT', 50060)}"


async def drain(rate: float, timeout: float, address: str) -> int:
    """Drain the node at `address`, printing its progress; the process exit status."""
    metadata = mesh_metadata(mesh_secret_from_env())
    async with grpc.aio.insecure_channel(address) as channel:
        stub = node_pb2_grpc.NodeStub(channel)
        last: node_pb2.DrainProgress | None = None
        try:
            async for progress in stub.Drain(
                node_pb2.DrainRequest(rate=rate), metadata=metadata, timeout=timeout
            ):
                print(describe(progress), flush=True)
                last = progress
        except grpc.aio.AioRpcError as exc:
            print(f"drain of the node at {address}: {exc.details()} ({exc.code().name})")
            return 2 if exc.code() == grpc.StatusCode.UNAVAILABLE and last is None else 1
    return 0 if last is not None and last.state == DRAIN_STATE_DRAINED else 1


def drain_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.node drain",
        description="Drain the node of this container (Node.Drain on NODE_GRPC_PORT with "
        "MESH_SECRET): its chargers move to other nodes. For a Kubernetes preStop hook.",
    )
    parser.add_argument(
        "--rate", type=float, default=0.0, help="chargers closed per second [NODE_DRAIN_RATE]"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for the end [NODE_DRAIN_DEADLINE + 30]",
    )
    args = parser.parse_args(argv)
    try:
        timeout = args.timeout or (
            env_float("NODE_DRAIN_DEADLINE", 600.0, minimum=1.0) + DRAIN_WAIT_MARGIN
        )
        return asyncio.run(drain(args.rate, timeout, _local_address()))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    if sys.argv[1:2] == ["drain"]:
        sys.exit(drain_main(sys.argv[2:]))
    run_service(main, "csms-node")
