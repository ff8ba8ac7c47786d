"""Manager settings, read from the environment by `ManagerSettings.from_env`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from services.common import env_float, env_int, env_str
from services.common._env import ConfigError
from services.common._health import HealthSettings
from services.common._mesh import GENERATE_HINT, mesh_secret_from_env
from services.journal import DEFAULT_RETENTION_S, JournalSettings
from services.manager._ca import CaConfigError, CertificateAuthority

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
    auto_register: bool = True  # admit and register unknown chargers (profile 0)
    # The registration status auto-registered chargers get: Accepted, or Pending so that
    # an operator approves each (AUTO_REGISTER=pending).
    auto_register_status: str = "Accepted"
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
    # The CA that signs chargers' CSRs (SignCertificate), PEM files: the CA certificate
    # (then any parents to send along), its key, and a file holding the key's password
    # when it is encrypted. "" = no CA: CSRs are only recorded for an operator.
    ca_cert_file: str = ""
    ca_key_file: str = ""
    ca_key_password_file: str = ""
    cert_validity_days: int = 365  # how long a charger certificate the CA signs is valid
    # Admit chargers configured for security profile 0 (no credentials). Off by default;
    # on in `make run` (ALLOW_UNSECURED_CHARGERS), whose banner says so.
    allow_unsecured: bool = False
    # Failed charger logins allowed per charger id and per source address in
    # `login_failure_window` seconds before the handshake answers 429 (per manager).
    login_failures_per_charger: int = 5
    login_failures_per_address: int = 20
    login_failure_window: float = 60.0
    # Whether the nodes have a TLS port for chargers (NODE_TLS_PORT): SetSecurityProfile
    # refuses profiles 2 and 3 without one (CHARGER_TLS_AVAILABLE).
    charger_tls_available: bool = False
    # Audit entries waiting to be written (the database is down or slow) before new ones
    # are dropped, counted and logged.
    audit_queue: int = 10_000
    # Tasks of one bulk task (TaskService.CreateBulkTask) in flight at once.
    bulk_task_concurrency: int = 16
    # The frame journal the timeline API reads (JOURNAL_URL; the nodes write it): "" or
    # "off" = none, and MessageService answers FAILED_PRECONDITION.
    journal_url: str = field(default="", repr=False)  # may hold a database password
    # JOURNAL_RETENTION, as the nodes have it: MongoDB's TTL index is created with it.
    journal_retention_s: float = DEFAULT_RETENTION_S
    # Readiness checks behind gRPC health (database, registry): HEALTH_CHECK_INTERVAL/TIMEOUT.
    health: HealthSettings = field(default_factory=HealthSettings)

    @classmethod
    def from_env(
        cls,
        *,
        auto_register_default: bool,
        allow_unsecured_default: bool = False,
        mesh_secret: str | None = None,
    ) -> ManagerSettings:
        """Settings from MANAGER_* and DATABASE_URL environment variables (see README);
        MESH_SECRET is required unless `mesh_secret` is given (the embedded mode)."""
        auto_register, auto_register_status = _auto_register(auto_register_default)
        journal = JournalSettings.from_env()  # the URL checked; the writer's settings unused
        return cls(
            host=env_str("MANAGER_HOST", "0.0.0.0"),
            port=env_int("MANAGER_PORT", 50051),
            database_url=env_str("DATABASE_URL", DEFAULT_DATABASE_URL),
            auto_register=auto_register,
            auto_register_status=auto_register_status,
            heartbeat_interval=env_int("HEARTBEAT_INTERVAL", 300, minimum=1),
            task_timeout=env_float("TASK_TIMEOUT", 30.0, minimum=0.1),
            flush_interval=env_float("FLUSH_INTERVAL", 0.2, minimum=0.0),
            unknown_id_tag_status=_id_tag_status(env_str("UNKNOWN_ID_TAG_STATUS", "Invalid")),
            watch_buffer=env_int("WATCH_BUFFER", 1_000, minimum=1),
            status_trigger_after=env_float("STATUS_TRIGGER_AFTER", 30.0, minimum=0.0),
            status_trigger_interval=env_float("STATUS_TRIGGER_INTERVAL", 300.0, minimum=0.0),
            status_trigger_concurrency=env_int("STATUS_TRIGGER_CONCURRENCY", 8, minimum=1),
            ca_cert_file=env_str("CA_CERT_FILE", ""),
            ca_key_file=env_str("CA_KEY_FILE", ""),
            ca_key_password_file=env_str("CA_KEY_PASSWORD_FILE", ""),
            cert_validity_days=env_int("CERT_VALIDITY_DAYS", 365, minimum=1),
            allow_unsecured=env_bool("ALLOW_UNSECURED_CHARGERS", allow_unsecured_default),
            login_failures_per_charger=env_int("LOGIN_FAILURES_PER_CHARGER", 5, minimum=1),
            login_failures_per_address=env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1),
            login_failure_window=env_float("LOGIN_FAILURE_WINDOW", 60.0, minimum=1.0),
            charger_tls_available=env_bool("CHARGER_TLS_AVAILABLE", False),
            mesh_secret=mesh_secret if mesh_secret is not None else mesh_secret_from_env(),
            admin_token=admin_token_from_env(),
            audit_queue=env_int("AUDIT_QUEUE", 10_000, minimum=1),
            bulk_task_concurrency=env_int("BULK_TASK_CONCURRENCY", 16, minimum=1),
            journal_url=journal.url if journal.enabled else "",
            journal_retention_s=journal.retention_s,
            health=HealthSettings.from_env(),
        )


def load_certificate_authority(settings: ManagerSettings) -> CertificateAuthority | None:
    """The CA of CA_CERT_FILE / CA_KEY_FILE, or None when neither is set; CaConfigError
    when only one is, or when the files cannot be used."""
    if not settings.ca_cert_file and not settings.ca_key_file:
        if settings.ca_key_password_file:
            raise CaConfigError("CA_KEY_PASSWORD_FILE is set without CA_CERT_FILE and CA_KEY_FILE")
        return None
    if not (settings.ca_cert_file and settings.ca_key_file):
        missing = "CA_KEY_FILE" if settings.ca_cert_file else "CA_CERT_FILE"
        raise CaConfigError(
            f"{missing} is not set: the CA that signs chargers' CSRs needs both CA_CERT_FILE "
            "and CA_KEY_FILE (or neither, to only record the CSRs)"
        )
    return CertificateAuthority.from_files(
        settings.ca_cert_file,
        settings.ca_key_file,
        password_file=settings.ca_key_password_file or None,
        validity_days=settings.cert_validity_days,
    )


#: AUTO_REGISTER's values: the registration status a new charger gets, None = off.
_AUTO_REGISTER = {
    "off": None,
    "false": None,
    "no": None,
    "0": None,
    "pending": "Pending",
    "accepted": "Accepted",
    "true": "Accepted",
    "yes": "Accepted",
    "on": "Accepted",
    "1": "Accepted",
}


def _auto_register(default: bool) -> tuple[bool, str]:
    """AUTO_REGISTER: off, pending or accepted (true and false keep meaning accepted and
    off): whether unknown chargers are registered, and with which registration status."""
    raw = os.environ.get("AUTO_REGISTER", "").strip().lower()
    if not raw:
        return default, "Accepted"
    if raw not in _AUTO_REGISTER:
        raise ValueError(
            f"AUTO_REGISTER={raw!r} must be off, pending or accepted (true = accepted, false = off)"
        )
    status = _AUTO_REGISTER[raw]
    return status is not None, status or "Accepted"


#: A bootstrap token anyone could guess protects nothing.
MIN_ADMIN_TOKEN_LENGTH = 16


def admin_token_from_env() -> str:
    """``CSMS_ADMIN_TOKEN``: "" when unset; ConfigError when too short to be a secret."""
    value = os.environ.get("CSMS_ADMIN_TOKEN", "").strip()
    if value and len(value) < MIN_ADMIN_TOKEN_LENGTH:
        raise ConfigError(
            f"CSMS_ADMIN_TOKEN is {len(value)} characters long; use at least "
            f"{MIN_ADMIN_TOKEN_LENGTH} random ones ({GENERATE_HINT})"
        )
    return value


def _id_tag_status(value: str) -> str:
    allowed = ("Accepted", "Blocked", "Expired", "Invalid")
    if value not in allowed:
        raise ValueError(f"UNKNOWN_ID_TAG_STATUS={value!r} must be one of {', '.join(allowed)}")
    return value
