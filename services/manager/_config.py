"""Manager settings, read from the environment by `ManagerSettings.from_env`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from services.common import env_float, env_int, env_str
from services.common._mesh import mesh_secret_from_env

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/csms.sqlite3"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean; use true or false")


@dataclass(slots=True)
class ManagerSettings:
    host: str = "0.0.0.0"
    port: int = 50051  # gRPC: event stream, public API, registry inspection (0 = any free port)
    database_url: str = DEFAULT_DATABASE_URL
    auto_register: bool = True  # admit and register unknown chargers
    heartbeat_interval: int = 300  # seconds, told to chargers at boot
    task_timeout: float = 30.0  # how long a task waits for the charger's answer
    flush_interval: float = 0.2  # write-behind period for heartbeats and status
    sweep_interval: float = 5.0  # how often chargers of dead nodes are swept from the registry
    shutdown_grace: float = 5.0  # graceful stop: how long in-flight RPCs may finish
    unknown_id_tag_status: str = "Invalid"  # idTagInfo.status answered for unknown id tags
    watch_buffer: int = 1_000  # events buffered per WatchEvents watcher before it is dropped
    # A charger that sends no BootNotification this many seconds after connecting is asked
    # for its connector status (TriggerMessage StatusNotification); 0 = never.
    status_trigger_after: float = 30.0
    status_trigger_interval: float = 300.0  # at most one such trigger per charger per this
    status_trigger_concurrency: int = 8  # such triggers in flight at once, fleet-wide
    # Shared secret the nodes present on the event stream and admission, and the manager
    # presents on Node.Send (services/common/_mesh.py). "" only in unit tests of handlers.
    mesh_secret: str = field(default="", repr=False)  # never in logs or tracebacks
    # CSMS_ADMIN_TOKEN: a bearer token accepted as role admin without being stored (it
    # bootstraps the first real tokens); "" = none.
    admin_token: str = ""

    @classmethod
    def from_env(
        cls, *, auto_register_default: bool, mesh_secret: str | None = None
    ) -> ManagerSettings:
        """Settings from MANAGER_* and DATABASE_URL environment variables (see README);
        MESH_SECRET is required unless `mesh_secret` is given (the embedded mode)."""
        return cls(
            host=env_str("MANAGER_HOST", "0.0.0.0"),
            port=env_int("MANAGER_PORT", 50051),
            database_url=env_str("DATABASE_URL", DEFAULT_DATABASE_URL),
            auto_register=env_bool("AUTO_REGISTER", auto_register_default),
            heartbeat_interval=env_int("HEARTBEAT_INTERVAL", 300, minimum=1),
            task_timeout=env_float("TASK_TIMEOUT", 30.0, minimum=0.1),
            flush_interval=env_float("FLUSH_INTERVAL", 0.2, minimum=0.0),
            unknown_id_tag_status=_id_tag_status(env_str("UNKNOWN_ID_TAG_STATUS", "Invalid")),
            watch_buffer=env_int("WATCH_BUFFER", 1_000, minimum=1),
            status_trigger_after=env_float("STATUS_TRIGGER_AFTER", 30.0, minimum=0.0),
            status_trigger_interval=env_float("STATUS_TRIGGER_INTERVAL", 300.0, minimum=0.0),
            status_trigger_concurrency=env_int("STATUS_TRIGGER_CONCURRENCY", 8, minimum=1),
            mesh_secret=mesh_secret if mesh_secret is not None else mesh_secret_from_env(),
        )


def _id_tag_status(value: str) -> str:
    allowed = ("Accepted", "Blocked", "Expired", "Invalid")
    if value not in allowed:
        raise ValueError(f"UNKNOWN_ID_TAG_STATUS={value!r} must be one of {', '.join(allowed)}")
    return value
