"""Result handlers of the task tables (v16/tasks.py, v201/tasks.py): what a charger's answer
changes in the CSMS, one handler at a time, on the manager's real stores (a SQLite database
of the test's own, as embedded mode runs) and a fixed clock. No charger, node or network:
the end-to-end side is tests/test_send_call_effects.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from services.common import OcppVersion
from services.manager._stores import Stores
from services.manager._task_results import TaskResults
from services.manager._task_table import SentTask

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHARGER = "CP-1"


@pytest.fixture
async def results(stores: Stores) -> TaskResults:
    await stores.chargers.register(CHARGER, "1.6", NOW)
    await stores.chargers.register("CP-2", "1.6", NOW)
    return TaskResults(stores, lambda: NOW)


def sent(
    version: OcppVersion | str, action: str, payload: dict[str, Any], charger: str = CHARGER
) -> SentTask:
    return SentTask(
        charger, OcppVersion.parse(version), action, payload, NOW - timedelta(seconds=1)
    )


async def list_version(stores: Stores) -> int:
    record = await stores.chargers.get(CHARGER)
    assert record is not None
    return record.local_list_version


async def reservation_state(stores: Stores, reservation_id: int) -> str:
    record = await stores.reservations.get(reservation_id)
    assert record is not None
    return record.state


async def answer(
    results: TaskResults, version: str, action: str, payload: dict[str, Any], reply: dict[str, Any]
) -> None:
    task = sent(version, action, payload)
    await results.before(task)
    await results.after(task, reply)


# --- 1.6 configuration ------------------------------------------------------------------


async def test_configuration_read_keeps_keys_but_never_the_password(
    results: TaskResults, stores: Stores
) -> None:
    """GetConfiguration of all keys records them (write-only AuthorizationKey excepted) and
    when they were read."""
    reply = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "value": "300", "readonly": False},
            {"key": "AuthorizationKey", "value": "00ff", "readonly": False},
            {"key": "NumberOfConnectors", "value": "2", "readonly": True},
        ]
    }
    await answer(results, "1.6", "GetConfiguration", {}, reply)
    keys, read_at = await stores.configuration.list(CHARGER)
    assert [(k.key, k.value, k.readonly) for k in keys] == [
        ("HeartbeatInterval", "300", False),
        ("NumberOfConnectors", "2", True),
    ]
    assert read_at == NOW


@pytest.mark.parametrize(
    ("status", "recorded"),
    [("Accepted", True), ("RebootRequired", True), ("Rejected", False), ("NotSupported", False)],
)
async def test_configuration_change_is_recorded_only_when_taken(
    results: TaskResults, stores: Stores, status: str, recorded: bool
) -> None:
    """A value the charger took is recorded; a refused one is not."""
    payload = {"key": "HeartbeatInterval", "value": "60"}
    await answer(results, "1.6", "ChangeConfiguration", payload, {"status": status})
    keys, _ = await stores.configuration.list(CHARGER)
    assert [(k.key, k.value) for k in keys] == ([("HeartbeatInterval", "60")] if recorded else [])


async def test_a_new_password_is_never_recorded_as_a_key(
    results: TaskResults, stores: Stores
) -> None:
    payload = {"key": "authorizationKey", "value": "3132333435363738393031323334353637"}
    await answer(results, "1.6", "ChangeConfiguration", payload, {"status": "Accepted"})
    assert (await stores.configuration.list(CHARGER))[0] == []


# --- local list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "payload"),
    [
        ("1.6", {"listVersion": 7, "updateType": "Full"}),
        ("2.0.1", {"versionNumber": 7, "updateType": "Full"}),
    ],
)
async def test_local_list_version_follows_an_accepted_list_only(
    results: TaskResults, stores: Stores, version: str, payload: dict[str, Any]
) -> None:
    before = await list_version(stores)
    await answer(results, version, "SendLocalList", payload, {"status": "Failed"})
    assert await list_version(stores) == before
    await answer(results, version, "SendLocalList", payload, {"status": "Accepted"})
    assert await list_version(stores) == 7


@pytest.mark.parametrize(
    ("version", "reply"), [("1.6", {"listVersion": 3}), ("2.0.1", {"versionNumber": 3})]
)
async def test_local_list_version_answered_is_recorded(
    results: TaskResults, stores: Stores, version: str, reply: dict[str, Any]
) -> None:
    await answer(results, version, "GetLocalListVersion", {}, reply)
    assert await list_version(stores) == 3


# --- smart charging ---------------------------------------------------------------------

SCHEDULE = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}


async def test_profile_set_16_then_cleared(results: TaskResults, stores: Stores) -> None:
    """An accepted 1.6 profile is installed as sent; a matching ClearChargingProfile
    forgets it; a rejected one installs nothing."""
    profile = {
        "chargingProfileId": 5,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": SCHEDULE,
    }
    payload = {"connectorId": 2, "csChargingProfiles": profile}
    await answer(results, "1.6", "SetChargingProfile", payload, {"status": "Rejected"})
    assert await stores.profiles.list(CHARGER, None) == []
    await answer(results, "1.6", "SetChargingProfile", payload, {"status": "Accepted"})
    [installed] = await stores.profiles.list(CHARGER, None)
    assert (installed.connector_id, installed.charging_profile_id, installed.purpose) == (
        2,
        5,
        "TxDefaultProfile",
    )
    assert orjson.loads(installed.profile_json) == profile
    assert installed.installed_at == NOW
    await answer(results, "1.6", "ClearChargingProfile", {"id": 5}, {"status": "Accepted"})
    assert await stores.profiles.list(CHARGER, None) == []


async def test_profile_set_201_is_recorded_under_its_16_purpose(
    results: TaskResults, stores: Stores
) -> None:
    """A 2.0.1 profile is recorded with the 1.6 name of its purpose, on its EVSE; cleared by
    criteria (purpose) it is forgotten."""
    profile = {
        "id": 9,
        "stackLevel": 0,
        "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [{"id": 1, **SCHEDULE}],
    }
    await answer(
        results,
        "2.0.1",
        "SetChargingProfile",
        {"evseId": 0, "chargingProfile": profile},
        {"status": "Accepted"},
    )
    [installed] = await stores.profiles.list(CHARGER, None)
    assert (installed.connector_id, installed.purpose) == (0, "ChargePointMaxProfile")
    assert installed.transaction_id is None
    criteria = {"chargingProfileCriteria": {"chargingProfilePurpose": "TxDefaultProfile"}}
    await answer(results, "2.0.1", "ClearChargingProfile", criteria, {"status": "Accepted"})
    assert len(await stores.profiles.list(CHARGER, None)) == 1  # another purpose: kept
    criteria = {"chargingProfileCriteria": {"chargingProfilePurpose": "ChargingStationMaxProfile"}}
    await answer(results, "2.0.1", "ClearChargingProfile", criteria, {"status": "Accepted"})
    assert await stores.profiles.list(CHARGER, None) == []


async def test_get_charging_profiles_is_recorded_before_it_is_sent(
    results: TaskResults, stores: Stores
) -> None:
    """The request exists before the answer (the charger may report first); the answer
    sets its status."""
    task = sent("2.0.1", "GetChargingProfiles", {"requestId": 42, "chargingProfile": {}})
    await results.before(task)
    report = await stores.smart_charging.profile_report(CHARGER, 42)
    assert report is not None
    assert (report[0].status, report[0].complete) == ("", False)
    await results.after(task, {"status": "NoProfiles"})
    report = await stores.smart_charging.profile_report(CHARGER, 42)
    assert report is not None
    assert report[0].status == "NoProfiles"


# --- reservations, display messages, requests reported on later -------------------------


async def test_cancel_reservation_cancels_only_this_chargers(
    results: TaskResults, stores: Stores
) -> None:
    """Accepted: this charger's reservation is Cancelled; another charger's with the same id
    is left alone; a refusal changes nothing."""
    mine = await stores.reservations.create(
        charger_id=CHARGER,
        connector_id=1,
        id_tag="T",
        parent_id_tag="",
        expiry_date=NOW + timedelta(hours=1),
        at=NOW,
    )
    theirs = await stores.reservations.create(
        charger_id="CP-2",
        connector_id=1,
        id_tag="T",
        parent_id_tag="",
        expiry_date=NOW + timedelta(hours=1),
        at=NOW,
    )
    payload = {"reservationId": mine.reservation_id}
    await answer(results, "1.6", "CancelReservation", payload, {"status": "Rejected"})
    assert await reservation_state(stores, mine.reservation_id) == "Pending"
    await answer(results, "1.6", "CancelReservation", payload, {"status": "Accepted"})
    assert await reservation_state(stores, mine.reservation_id) == "Cancelled"
    payload = {"reservationId": theirs.reservation_id}
    await answer(results, "2.0.1", "CancelReservation", payload, {"status": "Accepted"})
    assert await reservation_state(stores, theirs.reservation_id) == "Pending"


async def test_display_message_set_then_cleared(results: TaskResults, stores: Stores) -> None:
    message = {"id": 3, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
    await answer(
        results, "2.0.1", "SetDisplayMessage", {"message": message}, {"status": "Rejected"}
    )
    assert await stores.station.display_messages(CHARGER) == []
    await answer(
        results, "2.0.1", "SetDisplayMessage", {"message": message}, {"status": "Accepted"}
    )
    [shown] = await stores.station.display_messages(CHARGER)
    assert orjson.loads(shown.message_json) == message
    # Unknown: the charger no longer has it; forgotten all the same.
    await answer(results, "2.0.1", "ClearDisplayMessage", {"id": 3}, {"status": "Unknown"})
    assert await stores.station.display_messages(CHARGER) == []


@pytest.mark.parametrize(("status", "complete"), [("Accepted", False), ("Rejected", True)])
async def test_a_request_reported_on_later_is_recorded_under_its_id(
    results: TaskResults, stores: Stores, status: str, complete: bool
) -> None:
    """GetLog taken: open until the charger reports; refused: complete at once."""
    payload = {"logType": "DiagnosticsLog", "requestId": 77, "log": {"remoteLocation": "ftp://x"}}
    await answer(results, "2.0.1", "GetLog", payload, {"status": status, "filename": "a.log"})
    [request] = await stores.station.list_requests(CHARGER, kind="Log", request_id=77, limit=5)
    assert (request.status, request.complete, request.data) == (status, complete, "a.log")


async def test_a_16_update_firmware_records_nothing(results: TaskResults, stores: Stores) -> None:
    """1.6 UpdateFirmware has no requestId and an empty answer: nothing to record."""
    payload = {"location": "ftp://fw", "retrieveDate": "2026-12-01T12:00:00Z"}
    await answer(results, "1.6", "UpdateFirmware", payload, {})
    assert await stores.station.list_requests(CHARGER, kind=None, request_id=None, limit=5) == []


async def test_an_action_without_a_handler_changes_nothing(
    results: TaskResults, stores: Stores
) -> None:
    """Reset (no result handler) and an action no table lists are no-ops, not errors."""
    await answer(results, "1.6", "Reset", {"type": "Soft"}, {"status": "Accepted"})
    await answer(results, "2.0.1", "NoSuchAction", {}, {"status": "Accepted"})
    assert (await stores.configuration.list(CHARGER))[0] == []
