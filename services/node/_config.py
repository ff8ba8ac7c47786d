"""Node settings, read from the environment by `NodeSettings.from_env`."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from services.common import env_float, env_int, env_str
from services.common._mesh import mesh_secret_from_env
from services.journal import JournalSettings


def _default_node_id() -> str:
    return f"node-{socket.gethostname()}-{os.getpid()}"


@dataclass(slots=True)
class NodeSettings:
    """Everything a node needs to know; every wait has a named timeout."""

    node_id: str = field(default_factory=_default_node_id)
    host: str = "0.0.0.0"  # websocket listen address
    port: int = 9000  # websocket port (0 = any free port)
    grpc_host: str = "127.0.0.1"  # Node.Send listen address
    grpc_port: int = 50060  # Node.Send port (0 = any free port)
    advertise_host: str = "127.0.0.1"  # host the manager uses to reach Node.Send
    manager_address: str = "127.0.0.1:50051"
    max_frame_bytes: int = 65_536  # larger OCPP-J frames get a CallError
    max_websocket_bytes: int = 1_048_576  # larger websocket messages close the connection (1009)
    call_timeout: float = 10.0  # how long a charger's call waits for the manager's reply
    task_timeout: float = 30.0  # default wait for a charger's answer to a task
    close_timeout: float = 5.0  # websocket closing handshake
    # The whole opening handshake (request, admission, response): a client that has not
    # completed it by then is disconnected, so half-open handshakes cannot pile up.
    handshake_timeout: float = 10.0
    drain_timeout: float = 5.0  # graceful shutdown: wait for in-flight calls
    outbox_size: int = 10_000
    max_batch: int = 1_000
    ping_interval: float | None = 60.0  # websocket pings to detect dead chargers
    ping_timeout: float | None = 20.0  # a charger not answering a ping in time is closed
    lease_seconds: float = 15.0  # registry lease; renewed every third of it
    startup_timeout: float = 10.0  # how long start-up waits for the registry
    # Shared secret presented to the manager and required on Node.Send (MESH_SECRET).
    mesh_secret: str = field(default="", repr=False)  # never in logs or tracebacks
    # The TLS websocket port for security profiles 2 and 3 (wss://; docs/adr/0012): None =
    # no TLS listener, 0 = any free port. The server certificate chain and key (PEM) are
    # required with it; with a client CA, chargers may present a certificate it issued
    # (verified here; its CN is the charger's proof for profile 3), without one none can.
    tls_port: int | None = None
    tls_cert: str = ""  # NODE_TLS_CERT: PEM file, server certificate (+ chain)
    tls_key: str = ""  # NODE_TLS_KEY: PEM file, its private key
    tls_client_ca: str = ""  # NODE_TLS_CLIENT_CA: PEM file, CA(s) of charger certificates
    # Addresses of proxies in front of the node (the gateway): for their connections the
    # charger's address is the last X-Forwarded-For entry (NODE_TRUSTED_PROXIES, commas).
    trusted_proxies: tuple[str, ...] = ()
    # The frame journal (JOURNAL_*; docs/adr/0014): url "" = not set (one warning at
    # start), "off" = none.
    journal: JournalSettings = field(default_factory=JournalSettings)

    @classmethod
    def from_env(
        cls, *, mesh_secret: str | None = None, journal_default_url: str = ""
    ) -> NodeSettings:
        """Settings from NODE_* and JOURNAL_* environment variables (see README);
        MESH_SECRET is required unless `mesh_secret` is given (the embedded mode shares its
        own); JOURNAL_URL defaults to `journal_default_url` (the embedded mode's file)."""
        return cls(
            node_id=env_str("NODE_ID", _default_node_id()),
            host=env_str("NODE_HOST", "0.0.0.0"),
            port=env_int("NODE_PORT", 9000),
            grpc_host=env_str("NODE_GRPC_HOST", "0.0.0.0"),
            grpc_port=env_int("NODE_GRPC_PORT", 50060),
            advertise_host=env_str("NODE_ADVERTISE_HOST", socket.gethostname()),
            manager_address=env_str("MANAGER_ADDRESS", "127.0.0.1:50051"),
            max_frame_bytes=env_int("NODE_MAX_FRAME_BYTES", 65_536, minimum=1024),
            call_timeout=env_float("NODE_CALL_TIMEOUT", 10.0, minimum=0.1),
            handshake_timeout=env_float("NODE_HANDSHAKE_TIMEOUT", 10.0, minimum=0.1),
            task_timeout=env_float("NODE_TASK_TIMEOUT", 30.0, minimum=0.1),
            outbox_size=env_int("NODE_OUTBOX_SIZE", 10_000, minimum=1),
            lease_seconds=env_float("LEASE_SECONDS", 15.0, minimum=0.5),
            tls_port=env_int("NODE_TLS_PORT", 0) if env_str("NODE_TLS_PORT", "") else None,
            tls_cert=env_str("NODE_TLS_CERT", ""),
            tls_key=env_str("NODE_TLS_KEY", ""),
            tls_client_ca=env_str("NODE_TLS_CLIENT_CA", ""),
            trusted_proxies=tuple(
                p.strip() for p in env_str("NODE_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            mesh_secret=mesh_secret if mesh_secret is not None else mesh_secret_from_env(),
            journal=JournalSettings.from_env(default_url=journal_default_url),
        )
