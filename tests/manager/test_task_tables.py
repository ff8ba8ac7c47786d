"""The task tables (``v16/tasks.py``, ``v201/tasks.py``): one per OCPP version, naming every
action the CSMS sends, and nothing else. No processes: the tables and the ``ocpp`` schemas."""

from __future__ import annotations

import inspect

import pytest

from services.common import OcppVersion
from services.common._framing import CSMS_ACTIONS
from services.manager import commands
from services.manager._task_results import TABLES

# The CSMS-initiated actions of each version, as the specifications list them (1.6 edition 2
# with the security whitepaper's; 2.0.1 part 2; 2.1 adds to 2.0.1).
CSMS_TO_CHARGER = {
    "1.6": {
        "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
        "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration",
        "GetDiagnostics", "GetLocalListVersion", "RemoteStartTransaction",
        "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile",
        "TriggerMessage", "UnlockConnector", "UpdateFirmware",
        # security whitepaper
        "CertificateSigned", "DeleteCertificate", "ExtendedTriggerMessage",
        "GetInstalledCertificateIds", "GetLog", "InstallCertificate", "SignedUpdateFirmware",
    },
    "2.0.1": {
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache",
        "ClearChargingProfile", "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated",
        "CustomerInformation", "DataTransfer", "DeleteCertificate", "GetBaseReport",
        "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages",
        "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport",
        "GetReport", "GetTransactionStatus", "GetVariables", "InstallCertificate",
        "PublishFirmware", "RequestStartTransaction", "RequestStopTransaction", "ReserveNow",
        "Reset", "SendLocalList", "SetChargingProfile", "SetDisplayMessage",
        "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile", "SetVariableMonitoring",
        "SetVariables", "TriggerMessage", "UnlockConnector", "UnpublishFirmware",
        "UpdateFirmware",
    },
}  # fmt: skip


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201])
def test_each_table_lists_exactly_the_actions_the_csms_sends(version: OcppVersion) -> None:
    """Every CSMS-initiated action of the version is in its table, and nothing else is."""
    assert set(TABLES[version]) == CSMS_TO_CHARGER[version]


@pytest.mark.parametrize("version", list(OcppVersion))
def test_the_tables_and_the_framer_agree_on_what_the_csms_sends(version: OcppVersion) -> None:
    """The node lets the CSMS send exactly the actions the version's table lists."""
    assert set(TABLES[version]) == CSMS_ACTIONS[version]


def test_the_21_table_is_201s_and_more() -> None:
    """2.1 keeps every 2.0.1 route as is and adds its own actions."""
    assert {
        a: r for a, r in TABLES[OcppVersion.V21].items() if a in TABLES[OcppVersion.V201]
    } == TABLES[OcppVersion.V201]
    assert set(TABLES[OcppVersion.V21]) > set(TABLES[OcppVersion.V201])


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_route_is_an_action_of_its_version(version: OcppVersion) -> None:
    """Each action has a request schema in the version (the node validates against it), and
    each route's parts are what they claim: a commands/ builder, coroutine handlers."""
    for action, route in TABLES[version].items():
        assert commands.schema(version, action) is not None, (version, action)
        assert commands.schema(version, action, response=True) is not None, (version, action)
        if route.build is not None:
            assert route.build.__module__.startswith("services.manager.commands"), action
        else:
            assert route.sent_by == "SendCall only", action
        for handler in (route.result, route.before):
            assert handler is None or inspect.iscoroutinefunction(handler), action
        # A route either records what its answer changes or says why a raw call does not.
        assert not (route.result is not None and route.unrecorded), action
