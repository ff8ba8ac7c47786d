"""The audit log's entry and the interface that takes entries (the writer lands in issue 11).

Who did what, when, to which charger, and the outcome: every command sent, every change to
chargers, id tags, tokens and security settings, and every refused login (operator or
charger). Callers hand an `AuditRecord` to an `AuditSink`, which never blocks and never
raises: auditing must not slow or fail the call it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit entry (the columns of ``audit_log``)."""

    actor: str  # token name, "charger:<id>" for a charger's refused login, or "anonymous"
    action: str  # "ChargerService/Reset", "charger.login", ...
    outcome: str  # "OK" or a gRPC status code name ("PERMISSION_DENIED", ...)
    role: str = ""  # viewer | operator | admin | ""
    charger_id: str = ""
    target: str = ""  # other object concerned: id tag, token id, location
    detail: str = ""  # request summary without secrets, or the refusal's reason
    source: str = ""  # peer address
    at: datetime | None = None  # None = when the sink takes it


class AuditSink(Protocol):
    def record(self, entry: AuditRecord) -> None:
        """Take `entry` for writing; never blocks, never raises."""


class DiscardAudit:
    """An `AuditSink` that keeps nothing (unit tests of single handlers)."""

    def record(self, entry: AuditRecord) -> None:
        pass
