"""The OCPP 2.0.1 device model each charger reported, and the values the CSMS read or set.

``DeviceModelStore`` is the interface; ``SqlDeviceModelStore`` (``_device_model_sql``)
implements it on the shared engine (tables ``device_*``, revision 0005).

Reports come in parts (NotifyReport ``requestId``/``seqNo``/``tbc``). Parts are staged
until every part of the report is there, in any order; then the report is applied in one
database transaction: a FullInventory base report *replaces* the charger's variables,
any other report (ConfigurationInventory, SummaryInventory, GetReport, or one nobody asked
for) is *merged* (its variables upserted, the others kept), since it covers only part of
the model. A new GetBaseReport/GetReport for the charger abandons the staged parts of its
reports still incomplete; the model is never changed by an incomplete report. Parts of a
report already applied are ignored (a charger retrying a part).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "ATTRIBUTE_TYPES",
    "MAX_EVENTS_PER_CHARGER",
    "MAX_NAME",
    "REPORT_KINDS",
    "VALUE_SOURCES",
    "DeviceEventRecord",
    "DeviceModelStore",
    "MonitorRecord",
    "ReportRecord",
    "VariableKey",
    "VariableRecord",
    "check_attribute_type",
    "check_report_kind",
    "check_variable",
]


ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")


#: Kinds of report; only a complete FullInventory replaces the model.
REPORT_KINDS = frozenset(
    {"FullInventory", "ConfigurationInventory", "SummaryInventory", "Custom", "Unrequested"}
)


VALUE_SOURCES = frozenset({"report", "get", "set"})


#: NotifyEvent events kept per charger (older ones are pruned on insert).
MAX_EVENTS_PER_CHARGER = 1_000


MAX_NAME = 50


@dataclass(frozen=True, slots=True, order=True)
class VariableKey:
    """One variable of one component (2.0.1 ComponentType + VariableType)."""

    component: str
    component_instance: str = ""
    #: 0 = the charger as a whole.
    evse_id: int = 0
    #: 0 = none.
    connector_id: int = 0
    variable: str = ""
    variable_instance: str = ""

    def check(self) -> VariableKey:
        """``self`` if it fits the columns, else ValueError."""
        for what, name, empty in (
            ("component", self.component, False),
            ("component instance", self.component_instance, True),
            ("variable", self.variable, False),
            ("variable instance", self.variable_instance, True),
        ):
            if len(name) > MAX_NAME or (not empty and not name):
                low = 0 if empty else 1
                raise ValueError(f"{what} must be {low}..{MAX_NAME} characters, got {name!r}")
        if self.evse_id < 0 or self.connector_id < 0:
            raise ValueError("evse id and connector id must not be negative")
        return self


@dataclass(frozen=True, slots=True)
class VariableRecord:
    """One attribute of one variable, with the variable's characteristics."""

    key: VariableKey
    #: Actual, Target, MinSet or MaxSet.
    attribute_type: str = "Actual"
    #: None when not known (WriteOnly, or never read).
    value: str | None = None
    #: ReadOnly, WriteOnly, ReadWrite; "" when not reported.
    mutability: str = ""
    persistent: bool = False
    constant: bool = False
    #: "" when the variable's characteristics were not reported.
    data_type: str = ""
    unit: str = ""
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: str = ""
    supports_monitoring: bool = False
    #: report, get or set.
    value_source: str = "report"
    updated_at: datetime | None = None

    def sort_key(self) -> tuple[Any, ...]:
        k = self.key
        return (
            k.component,
            k.component_instance,
            k.evse_id,
            k.connector_id,
            k.variable,
            k.variable_instance,
            self.attribute_type,
        )


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A report asked for (or received unasked) and whether it is complete."""

    request_id: int
    kind: str
    requested_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class MonitorRecord:
    """A variable monitor the charger holds (2.0.1 VariableMonitoringType)."""

    monitor_id: int
    key: VariableKey
    #: UpperThreshold, LowerThreshold, Delta, Periodic, PeriodicClockAligned.
    type: str
    value: float
    severity: int
    transaction: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceEventRecord:
    """One NotifyEvent EventData; ``id`` is the CSMS's (0 before it is stored)."""

    event_id: int
    timestamp: datetime
    trigger: str
    actual_value: str
    key: VariableKey
    notification_type: str
    received_at: datetime
    cause: int | None = None
    tech_code: str = ""
    tech_info: str = ""
    cleared: bool = False
    transaction_id: str = ""
    variable_monitoring_id: int | None = None
    id: int = 0


class DeviceModelStore(Protocol):
    """The device model of each 2.0.1 charger; see the module docstring for reports."""

    async def report_requested(
        self, charger_id: str, request_id: int, kind: str, at: datetime
    ) -> None:
        """Record a GetBaseReport/GetReport about to be sent (before sending: the parts may
        come before the answer) and abandon the charger's incomplete reports; NotFound."""
        ...

    async def add_report_part(
        self,
        charger_id: str,
        request_id: int,
        seq_no: int,
        last: bool,
        variables: Sequence[VariableRecord],
        at: datetime,
    ) -> bool:
        """Stage one NotifyReport part; when it completes the report, apply the report.

        True when the model was changed. ``last`` is ``not tbc``. NotFound.
        """
        ...

    async def record_values(
        self,
        charger_id: str,
        values: Sequence[tuple[VariableKey, str, str]],
        source: str,
        at: datetime,
    ) -> None:
        """Store ``(key, attribute_type, value)`` read (source "get") or set ("set"),
        keeping what the report said about the variable; NotFound."""
        ...

    async def list_variables(
        self,
        charger_id: str,
        *,
        page_size: int,
        page_token: str = "",
        component: str = "",
        component_instance: str = "",
        evse_id: int | None = None,
        variable: str = "",
    ) -> tuple[list[VariableRecord], str]:
        """One page in key order and the next page's token; the string filters are
        case-insensitive exact matches ("" = any)."""
        ...

    async def reports(self, charger_id: str) -> list[ReportRecord]:
        """The charger's reports still incomplete and its latest complete one, by request id."""
        ...

    async def set_monitors(
        self, charger_id: str, monitors: Sequence[MonitorRecord], *, replace_all: bool = False
    ) -> None:
        """Upsert monitors by id (``replace_all``: forget the others); NotFound."""
        ...

    async def remove_monitors(self, charger_id: str, monitor_ids: Iterable[int]) -> int:
        """Forget these monitors; how many were known."""
        ...

    async def list_monitors(self, charger_id: str) -> list[MonitorRecord]:
        """The charger's monitors by id."""
        ...

    async def add_events(
        self, charger_id: str, events: Sequence[DeviceEventRecord], *, keep: int = ...
    ) -> None:
        """Store NotifyEvent events and prune the charger's to the latest ``keep``; NotFound."""
        ...

    async def list_events(
        self, charger_id: str, *, page_size: int, page_token: str = ""
    ) -> tuple[list[DeviceEventRecord], str]:
        """One page of the charger's events, newest first, and the next page's token."""
        ...


def check_report_kind(kind: str) -> str:
    if kind not in REPORT_KINDS:
        raise ValueError(f"report kind must be one of {sorted(REPORT_KINDS)}, got {kind!r}")
    return kind


def check_attribute_type(attribute_type: str) -> str:
    if attribute_type not in ATTRIBUTE_TYPES:
        raise ValueError(f"attribute type must be one of {ATTRIBUTE_TYPES}, got {attribute_type!r}")
    return attribute_type


def check_variable(record: VariableRecord) -> VariableRecord:
    record.key.check()
    check_attribute_type(record.attribute_type)
    if record.value_source not in VALUE_SOURCES:
        raise ValueError(f"value source must be one of {sorted(VALUE_SOURCES)}")
    return record
