"""Tables of what OCPP 2.0.1 chargers report: the device model (revision 0005), station
requests and display messages (0006), smart charging reports (0007); on the metadata of
``_schema``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from ._schema import BIG_ID, CHARGER_ID, UtcDateTime, metadata

__all__ = [
    "CHARGER_REQUEST_KINDS",
    "DEVICE_NAME",
    "charger_requests",
    "charging_limits",
    "charging_profile_reports",
    "device_events",
    "device_monitors",
    "device_report_parts",
    "device_reports",
    "device_variables",
    "display_messages",
    "ev_charging_needs",
    "reported_profiles",
]

# -- OCPP 2.0.1 device model: variables, reports, monitors, events (revision 0005) --------

#: Component and variable names and instances (2.0.1 identifierString / string 50),
#: ordered bytewise on both databases like charger ids.
DEVICE_NAME = String(50).with_variant(String(50, collation="C"), "postgresql")

device_variables = Table(
    "device_variables",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("component", DEVICE_NAME, nullable=False),
    # "" = no instance; evse_id 0 = the charger as a whole; connector_id 0 = none.
    Column("component_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("evse_id", Integer, nullable=False, server_default="0"),
    Column("connector_id", Integer, nullable=False, server_default="0"),
    Column("variable", DEVICE_NAME, nullable=False),
    Column("variable_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("attribute_type", String(8), nullable=False),
    # NULL when not known (a WriteOnly variable, or a variable never read).
    Column("value", Text, nullable=True),
    # "" when the charger did not report it.
    Column("mutability", String(10), nullable=False, server_default=""),
    Column("persistent", Boolean, nullable=False, server_default=text("false")),
    Column("constant", Boolean, nullable=False, server_default=text("false")),
    # The variable's characteristics, repeated on each attribute; data_type "" = none.
    Column("data_type", String(16), nullable=False, server_default=""),
    Column("unit", String(16), nullable=False, server_default=""),
    Column("min_limit", Float, nullable=True),
    Column("max_limit", Float, nullable=True),
    Column("values_list", Text, nullable=False, server_default=""),
    Column("supports_monitoring", Boolean, nullable=False, server_default=text("false")),
    # Where the value comes from: report (NotifyReport), get (GetVariables), set.
    Column("value_source", String(8), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint(
        "charger_id",
        "component",
        "component_instance",
        "evse_id",
        "connector_id",
        "variable",
        "variable_instance",
        "attribute_type",
    ),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    CheckConstraint(
        "attribute_type IN ('Actual', 'Target', 'MinSet', 'MaxSet')", name="attribute_type"
    ),
)

device_reports = Table(
    "device_reports",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    # The requestId of the GetBaseReport/GetReport (or of a report nobody asked for).
    Column("request_id", Integer, nullable=False),
    # FullInventory, ConfigurationInventory, SummaryInventory, Custom (GetReport),
    # Unrequested; only a complete FullInventory replaces the model, the others merge.
    Column("kind", String(24), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    # NULL while parts are missing.
    Column("completed_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("charger_id", "request_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
)

device_report_parts = Table(
    "device_report_parts",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("request_id", Integer, nullable=False),
    Column("seq_no", Integer, nullable=False),
    # tbc was false: the report has seq_no + 1 parts.
    Column("is_last", Boolean, nullable=False),
    # The part's variables as JSON, staged until the report is complete.
    Column("data", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "request_id", "seq_no"),
    ForeignKeyConstraint(
        ["charger_id", "request_id"],
        ["device_reports.charger_id", "device_reports.request_id"],
        ondelete="CASCADE",
    ),
)

device_monitors = Table(
    "device_monitors",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("monitor_id", Integer, nullable=False),
    Column("component", DEVICE_NAME, nullable=False),
    Column("component_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("evse_id", Integer, nullable=False, server_default="0"),
    Column("connector_id", Integer, nullable=False, server_default="0"),
    Column("variable", DEVICE_NAME, nullable=False),
    Column("variable_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("type", String(24), nullable=False),
    Column("value", Float, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("transaction_only", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "monitor_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
)

device_events = Table(
    "device_events",
    metadata,
    Column("id", BIG_ID, nullable=False, autoincrement=True),
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("event_id", Integer, nullable=False),
    # When the charger says the event happened.
    Column("timestamp", UtcDateTime, nullable=False),
    Column("event_trigger", String(16), nullable=False),
    Column("cause", Integer, nullable=True),
    Column("actual_value", Text, nullable=False, server_default=""),
    Column("tech_code", String(50), nullable=False, server_default=""),
    Column("tech_info", Text, nullable=False, server_default=""),
    Column("cleared", Boolean, nullable=False, server_default=text("false")),
    Column("transaction_id", String(36), nullable=False, server_default=""),
    Column("component", DEVICE_NAME, nullable=False),
    Column("component_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("evse_id", Integer, nullable=False, server_default="0"),
    Column("connector_id", Integer, nullable=False, server_default="0"),
    Column("variable", DEVICE_NAME, nullable=False),
    Column("variable_instance", DEVICE_NAME, nullable=False, server_default=""),
    Column("variable_monitoring_id", Integer, nullable=True),
    Column("notification_type", String(24), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    # A charger's events newest first, and the pruning to the latest ones.
    Index(None, "charger_id", "id"),
    sqlite_autoincrement=True,
)

# --- OCPP 2.0.1 station messages (migration 0006) ------------------------------------

#: What a charger_requests row is about: the CSMS request whose id the charger reports under.
CHARGER_REQUEST_KINDS = ("Firmware", "Log", "CustomerInformation", "DisplayMessages")

charger_requests = Table(
    "charger_requests",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    # Firmware (UpdateFirmware), Log (GetLog), CustomerInformation, DisplayMessages
    # (GetDisplayMessages): request ids are per kind, as the charger reports them.
    Column("kind", String(24), nullable=False),
    Column("request_id", Integer, nullable=False),
    # The charger's answer, then the latest status it reported.
    Column("status", String(40), nullable=False),
    # Log: the file name; CustomerInformation: the report's parts, concatenated.
    Column("data", Text, nullable=False),
    # The last part appended (seqNo); -1 before the first.
    Column("seq_no", Integer, nullable=False),
    # A final status or the last part (tbc false) arrived.
    Column("complete", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "kind", "request_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    CheckConstraint(
        "kind IN ('Firmware', 'Log', 'CustomerInformation', 'DisplayMessages')", name="kind"
    ),
    # A charger's requests newest first.
    Index(None, "charger_id", "created_at"),
)

display_messages = Table(
    "display_messages",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("message_id", Integer, nullable=False),
    # The 2.0.1 MessageInfo JSON as set (and accepted) or as reported.
    Column("message", Text, nullable=False),
    # "csms" (SetDisplayMessage accepted) or "charger" (NotifyDisplayMessages).
    Column("source", String(8), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "message_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    CheckConstraint("source IN ('csms', 'charger')", name="source"),
)

# --- OCPP 2.0.1 smart charging reports (migration 0007) -------------------------------

charging_limits = Table(
    "charging_limits",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    # 0 = the charger as a whole (NotifyChargingLimit without evseId).
    Column("evse_id", Integer, nullable=False),
    # chargingLimitSource: 2.0.1's enum (EMS, Other, SO, CSO); in 2.1 any string of up
    # to 20 characters (widened from 8 by revision 0010).
    Column("source", String(20), nullable=False),
    # NULL when the charger did not say.
    Column("is_grid_critical", Boolean, nullable=True),
    # The limit's chargingSchedule list as JSON ("[]" when the charger sent none).
    Column("schedules", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "evse_id", "source"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
)

ev_charging_needs = Table(
    "ev_charging_needs",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("evse_id", Integer, nullable=False),
    # EnergyTransferModeEnumType: DC, AC_single_phase, AC_two_phase, AC_three_phase.
    Column("requested_energy_transfer", String(16), nullable=False),
    Column("departure_time", UtcDateTime, nullable=True),
    Column("max_schedule_tuples", Integer, nullable=True),
    # The chargingNeeds JSON as the charger sent it (AC/DC parameters).
    Column("needs", Text, nullable=False),
    # What the CSMS answered: Accepted, Rejected or Processing.
    Column("status", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # The latest needs per EVSE: a new notification replaces them.
    PrimaryKeyConstraint("charger_id", "evse_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
)

charging_profile_reports = Table(
    "charging_profile_reports",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("request_id", Integer, nullable=False),
    # The charger's answer to GetChargingProfiles (Accepted, NoProfiles); "" when the
    # report arrived for a request the CSMS did not send.
    Column("status", String(16), nullable=False),
    # The last part (tbc false) arrived.
    Column("complete", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "request_id"),
    ForeignKeyConstraint(["charger_id"], ["chargers.id"], ondelete="CASCADE"),
    # The latest report of a charger.
    Index(None, "charger_id", "created_at"),
)

reported_profiles = Table(
    "reported_profiles",
    metadata,
    Column("charger_id", CHARGER_ID, nullable=False),
    Column("request_id", Integer, nullable=False),
    # 0 = the charger as a whole.
    Column("evse_id", Integer, nullable=False),
    # chargingLimitSource of the part that carried it (up to 20 characters in 2.1;
    # revision 0010).
    Column("source", String(20), nullable=False),
    Column("charging_profile_id", Integer, nullable=False),
    # The 2.0.1 ChargingProfileType JSON as reported.
    Column("profile", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("charger_id", "request_id", "evse_id", "source", "charging_profile_id"),
    ForeignKeyConstraint(
        ["charger_id", "request_id"],
        ["charging_profile_reports.charger_id", "charging_profile_reports.request_id"],
        ondelete="CASCADE",
    ),
)
