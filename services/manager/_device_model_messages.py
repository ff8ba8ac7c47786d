"""Device model records as the API's messages (variables, monitors, events), and API
variable keys as the store's."""

from __future__ import annotations

from typing import Any

import grpc
from csms.v1 import device_model_pb2 as dm

from services.manager import commands
from services.manager._api_checks import stamp
from services.manager.store import (
    DeviceEventRecord,
    MonitorRecord,
    VariableKey,
    VariableRecord,
)

Context = grpc.aio.ServicerContext[Any, Any]
cmd = commands.device_model


def key_message(key: VariableKey) -> dm.VariableKey:
    return dm.VariableKey(
        component=key.component,
        component_instance=key.component_instance,
        evse_id=key.evse_id,
        connector_id=key.connector_id,
        variable=key.variable,
        variable_instance=key.variable_instance,
    )


def store_key(key: dm.VariableKey) -> VariableKey:
    return VariableKey(
        key.component,
        key.component_instance,
        key.evse_id,
        key.connector_id,
        key.variable,
        key.variable_instance,
    )


def variable_message(record: VariableRecord) -> dm.Variable:
    variable = dm.Variable(
        key=key_message(record.key),
        attribute_type=record.attribute_type,
        mutability=record.mutability,
        persistent=record.persistent,
        constant=record.constant,
        value_source=record.value_source,
    )
    if record.value is not None:
        variable.value = record.value
    if record.data_type:
        chars = variable.characteristics
        chars.data_type = record.data_type
        chars.unit = record.unit
        chars.values_list = record.values_list
        chars.supports_monitoring = record.supports_monitoring
        if record.min_limit is not None:
            chars.min_limit = record.min_limit
        if record.max_limit is not None:
            chars.max_limit = record.max_limit
    stamp(variable, "updated_at", record.updated_at)
    return variable


def monitor_message(record: MonitorRecord) -> dm.Monitor:
    monitor = dm.Monitor(
        id=record.monitor_id,
        key=key_message(record.key),
        type=record.type,
        value=record.value,
        severity=record.severity,
        transaction=record.transaction,
    )
    stamp(monitor, "updated_at", record.updated_at)
    return monitor


def event_message(record: DeviceEventRecord) -> dm.DeviceEvent:
    event = dm.DeviceEvent(
        event_id=record.event_id,
        trigger=record.trigger,
        actual_value=record.actual_value,
        tech_code=record.tech_code,
        tech_info=record.tech_info,
        cleared=record.cleared,
        transaction_id=record.transaction_id,
        key=key_message(record.key),
        notification_type=record.notification_type,
    )
    if record.cause is not None:
        event.cause = record.cause
    if record.variable_monitoring_id is not None:
        event.variable_monitoring_id = record.variable_monitoring_id
    stamp(event, "timestamp", record.timestamp)
    stamp(event, "received_at", record.received_at)
    return event
