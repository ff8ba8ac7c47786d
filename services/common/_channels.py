"""gRPC channel options shared by the internal links (node -> manager, manager -> node).

gRPC's default reconnect back-off starts at 1 s and grows by 1.6x up to 120 s, so after a
peer was down for a few minutes a channel may wait another minute or two before it even
tries again: the node's event stream (every charger answered 503 meanwhile) and the
manager's tasks to a node stay down long after the peer is back. The links cap it:
``INITIAL_RECONNECT_BACKOFF`` to ``MAX_RECONNECT_BACKOFF`` (docs/operations.md).
"""

from __future__ import annotations

INITIAL_RECONNECT_BACKOFF = 0.05  # seconds: first retry after a lost connection
MAX_RECONNECT_BACKOFF = 2.0  # seconds: the retry interval never grows beyond this
# gRPC uses the "min" back-off as the least time one connection attempt may take (its
# connect deadline; default 20 s); one second is ample on a LAN and keeps a black-holed
# peer from holding an attempt for long.
MIN_CONNECT_TIMEOUT = 1.0


def reconnect_backoff_options(
    initial: float = INITIAL_RECONNECT_BACKOFF,
    maximum: float = MAX_RECONNECT_BACKOFF,
    min_connect: float = MIN_CONNECT_TIMEOUT,
) -> list[tuple[str, int]]:
    """Channel options capping gRPC's reconnect back-off to `initial`..`maximum` seconds."""
    return [
        ("grpc.initial_reconnect_backoff_ms", int(initial * 1000)),
        ("grpc.min_reconnect_backoff_ms", int(min_connect * 1000)),
        ("grpc.max_reconnect_backoff_ms", int(maximum * 1000)),
    ]
