"""Prometheus metrics of every service: definitions (``_defs``), values read at scrape
time (``_sampled``), the gRPC server interceptor (``_grpc``) and the ``/metrics``
listener (``_listener``). One registry per process (`REGISTRY`); README "Metrics" lists
every metric."""

from services.metrics._defs import (
    KNOWN_ACTIONS,
    KNOWN_ERROR_CODES,
    REGISTRY,
    GroupCommitMetrics,
    connection_closed,
    connection_opened,
    counting_handshakes,
    event_batch_received,
    event_batch_sent,
    frame_in_answer,
    frame_in_call,
    frame_out_answer,
    frame_out_call,
    frame_rejected,
    handshake,
    node_task,
    registry_operation,
    task_finished,
    write_behind_flush_failed,
    write_behind_flushed,
)
from services.metrics._grpc import GrpcMetricsInterceptor
from services.metrics._listener import (
    DEFAULT_EMBEDDED_PORT,
    MetricsListener,
    MetricsSettings,
    is_loopback,
    serve_metrics,
)
from services.metrics._sampled import (
    forget_manager_link,
    forget_write_behind,
    register_journal_writer,
    unregister_journal_writer,
    watch_manager_link,
    watch_write_behind,
)

__all__ = [
    "DEFAULT_EMBEDDED_PORT",
    "KNOWN_ACTIONS",
    "KNOWN_ERROR_CODES",
    "REGISTRY",
    "GroupCommitMetrics",
    "GrpcMetricsInterceptor",
    "MetricsListener",
    "MetricsSettings",
    "connection_closed",
    "connection_opened",
    "counting_handshakes",
    "event_batch_received",
    "event_batch_sent",
    "forget_manager_link",
    "forget_write_behind",
    "frame_in_answer",
    "frame_in_call",
    "frame_out_answer",
    "frame_out_call",
    "frame_rejected",
    "handshake",
    "is_loopback",
    "node_task",
    "register_journal_writer",
    "registry_operation",
    "serve_metrics",
    "task_finished",
    "unregister_journal_writer",
    "watch_manager_link",
    "watch_write_behind",
    "write_behind_flush_failed",
    "write_behind_flushed",
]
