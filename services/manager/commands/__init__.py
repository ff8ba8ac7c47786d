"""Version-neutral commands translated to each OCPP version's message, one module per
feature profile. Each function takes the charger id, its OCPP version and the typed
request and returns (action, payload), raising InvalidArgument (naming the field) or
UnsupportedByProtocol before anything is sent; ``*_result`` functions read answers.
Every task is put in the schema's member order when it is sent (``in_schema_order``)."""

from services.manager.commands import _device_model as device_model
from services.manager.commands._common import Call, is_16
from services.manager.commands._core import (
    KEYS_16_TO_201,
    change_availability,
    change_configuration,
    change_configuration_status,
    clear_cache,
    data_transfer,
    get_configuration,
    get_configuration_result,
    remote_start_id,
    reset,
    send_call,
    start_charging,
    stop_charging,
    trigger_message,
    unlock_connector,
)
from services.manager.commands._display import (
    clear_display_message,
    customer_information,
    display_message,
    get_display_messages,
    set_display_message,
)
from services.manager.commands._firmware import (
    get_diagnostics,
    get_log,
    signed_update_firmware,
    update_firmware,
)
from services.manager.commands._local_auth import (
    check_send_local_list,
    get_local_list_version,
    local_list_version_result,
    send_local_list,
)
from services.manager.commands._reservation import (
    cancel_reservation,
    check_reserve_now,
    reserve_now,
)
from services.manager.commands._schema_order import in_schema_order, schema
from services.manager.commands._security import (
    certificate_signed,
    delete_certificate,
    get_installed_certificate_ids,
    install_certificate,
    installed_certificate_ids_result,
    set_network_profile,
)
from services.manager.commands._smart_charging import (
    CHARGING_LIMIT_SOURCES,
    PURPOSE_16,
    PURPOSE_FROM_16,
    PURPOSE_FROM_201,
    clear_charging_profile,
    composite_schedule_result,
    get_charging_profiles,
    get_composite_schedule,
    profile_from_ocpp,
    profile_to_ocpp,
    schedule_from_ocpp,
    set_charging_profile,
    status_reason,
)
from services.manager.commands._transactions import (
    get_transaction_status,
    transaction_status_result,
)

__all__ = [
    "CHARGING_LIMIT_SOURCES",
    "KEYS_16_TO_201",
    "PURPOSE_16",
    "PURPOSE_FROM_16",
    "PURPOSE_FROM_201",
    "Call",
    "cancel_reservation",
    "certificate_signed",
    "change_availability",
    "change_configuration",
    "change_configuration_status",
    "check_reserve_now",
    "check_send_local_list",
    "clear_cache",
    "clear_charging_profile",
    "clear_display_message",
    "composite_schedule_result",
    "customer_information",
    "data_transfer",
    "delete_certificate",
    "device_model",
    "display_message",
    "get_charging_profiles",
    "get_composite_schedule",
    "get_configuration",
    "get_configuration_result",
    "get_diagnostics",
    "get_display_messages",
    "get_installed_certificate_ids",
    "get_local_list_version",
    "get_log",
    "get_transaction_status",
    "in_schema_order",
    "install_certificate",
    "installed_certificate_ids_result",
    "is_16",
    "local_list_version_result",
    "profile_from_ocpp",
    "profile_to_ocpp",
    "remote_start_id",
    "reserve_now",
    "reset",
    "schedule_from_ocpp",
    "schema",
    "send_call",
    "send_local_list",
    "set_charging_profile",
    "set_display_message",
    "set_network_profile",
    "signed_update_firmware",
    "start_charging",
    "status_reason",
    "stop_charging",
    "transaction_status_result",
    "trigger_message",
    "unlock_connector",
    "update_firmware",
]
