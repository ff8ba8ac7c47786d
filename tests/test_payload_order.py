"""OCPP payloads the CSMS sends have their members in the order of the OCPP JSON schema's
properties, recursively: the replies it answers chargers with (built in that order, for
every action of 1.6, 2.0.1 and 2.1) and the tasks it sends (put in that order when sent).

The schemas are the ``ocpp`` package's; the order check here is written independently of
``commands.in_schema_order``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import ocpp
import orjson
import pytest
from csms.v1 import (
    chargers_pb2,
    chargers_pb2_grpc,
    device_model_pb2_grpc,
    events_pb2,
    smart_charging_pb2,
)
from csms.v1 import device_model_pb2 as dm
from google.protobuf.timestamp_pb2 import Timestamp

from services.common import OcppVersion, to_proto_version
from services.manager import Manager, commands
from services.node import Node
from tests.harness import Station16, Station201, api_channel, charger_url, connected

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"
SCHEMAS = {
    v: Path(ocpp.__file__).parent / p / "schemas"
    for v, p in (("1.6", "v16"), ("2.0.1", "v201"), ("2.1", "v21"))
}
NOW = datetime.now(UTC).replace(microsecond=0)


def load(version: str, name: str) -> dict[str, Any] | None:
    path = SCHEMAS[version] / f"{name}.json"
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return loaded


def request_name(version: str, action: str) -> str:
    return action if version == "1.6" else f"{action}Request"


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["definitions"][node["$ref"].split("/")[-1]]
    return node


def disorder(value: Any, node: dict[str, Any], root: dict[str, Any], path: str = "") -> list[str]:
    """Where `value`'s members are not in the schema's property order (JSON paths)."""
    node = resolve(node, root)
    found: list[str] = []
    if isinstance(value, dict):
        properties = node.get("properties", {})
        named = [k for k in value if k in properties]
        if named != [k for k in properties if k in value]:
            found.append(f"{path or '/'}: {named} is not in schema order {list(properties)}")
        for key in named:
            found += disorder(value[key], properties[key], root, f"{path}/{key}")
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            found += disorder(item, node["items"], root, f"{path}/{i}")
    return found


def sample(node: dict[str, Any], root: dict[str, Any], *, full: bool, backwards: bool) -> Any:
    """A schema-valid value: every property (`full`) or the required ones, members in
    reverse schema order when `backwards`."""
    node = resolve(node, root)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = node.get("properties", {})
        keys = list(properties) if full else list(node.get("required", []))
        if backwards:
            keys.reverse()
        return {k: sample(properties[k], root, full=full, backwards=backwards) for k in keys}
    if kind == "array":
        item = sample(node["items"], root, full=full, backwards=backwards)
        return [item] * max(1, node.get("minItems", 1))
    if kind == "string":
        if node.get("format") == "date-time":
            return NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
        return "TAG"[: node.get("maxLength", 3)] or "T"
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return float(max(1, node.get("minimum", 1)))
    if kind == "boolean":
        return True
    return "TAG"


# --- replies: every action the manager answers, every version -------------------------


async def test_every_reply_is_in_schema_order(manager: Manager) -> None:
    """Every CALLRESULT the manager answers (1.6, 2.0.1, 2.1, every routed action, all optional members requested) has its members in schema property order."""
    now = datetime.now(UTC)
    await manager.stores.id_tags.create("GROUP", at=now)
    await manager.stores.id_tags.create(
        "TAG", parent_id_tag="GROUP", expiry_date=now + timedelta(days=30), at=now
    )
    dispatcher = manager.events.dispatcher
    ids = itertools.count(1)
    problems: list[str] = []
    unanswered: list[str] = []
    answered = 0
    for version, action in sorted(dispatcher.routes):
        charger = f"CP-{version}"
        request = load(version, request_name(version, action))
        response = load(version, f"{action}Response")
        assert request is not None, (version, action)
        assert response is not None, (version, action)
        replies = []
        for full in (True, False):
            event = events_pb2.Event(
                id=next(ids),
                kind=events_pb2.Event.KIND_CALL,
                charger_id=charger,
                ocpp_version=to_proto_version(version),
                epoch=1,
                received_at_ms=int(datetime.now(UTC).timestamp() * 1000),
                message_id=str(next(ids)),
                action=action,
                payload=orjson.dumps(sample(request, request, full=full, backwards=True)),
            )
            outcome = dispatcher.handle(event)
            reply = outcome if isinstance(outcome, events_pb2.Reply) else await outcome
            if reply.HasField("error"):
                continue
            replies.append(orjson.loads(reply.result))
        if not replies:
            unanswered.append(f"{version} {action}")
        for result in replies:
            answered += 1
            problems += [f"{version} {action} {p}" for p in disorder(result, response, response)]
    assert problems == [], "\n".join(problems)
    assert unanswered == []
    assert answered > 60


# --- tasks: put in order when sent ------------------------------------------------------


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_in_schema_order_orders_every_request_schema(version: str) -> None:
    """in_schema_order puts any payload of every request schema of a version (members given backwards, recursively) in schema order."""
    checked = 0
    for path in sorted(SCHEMAS[version].glob("*.json")):
        if path.stem.endswith("Response"):
            continue
        action = path.stem.removesuffix("Request") if version != "1.6" else path.stem
        root = load(version, path.stem)
        assert root is not None
        payload = sample(root, root, full=True, backwards=True)
        ordered = commands.in_schema_order(OcppVersion(version), action, payload)
        assert disorder(ordered, root, root) == [], action
        assert ordered == payload  # same members, same values
        checked += 1
    assert checked > 20


class Recording16(Station16):
    """Station16 that keeps every raw frame the CSMS sends it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.frames: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        self.frames.append(raw_msg)
        await super().route_message(raw_msg)


class Recording201(Station201):
    """Station201 that keeps every raw frame the CSMS sends it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.frames: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        self.frames.append(raw_msg)
        await super().route_message(raw_msg)


def calls_out_of_order(version: str, frames: list[str]) -> tuple[int, list[str]]:
    """How many CALL frames were received, and where any is out of schema order."""
    found: list[str] = []
    calls = 0
    for frame in frames:
        message = json.loads(frame)  # json keeps the members' order, as sent
        if message[0] != 2:
            continue
        calls += 1
        root = load(version, request_name(version, message[2]))
        assert root is not None, message[2]
        found += [f"{message[2]} {p}" for p in disorder(message[3], root, root)]
    return calls, found


def schedule() -> smart_charging_pb2.ChargingSchedule:
    start = smart_charging_pb2.ChargingSchedule()
    start.start_schedule.FromDatetime(NOW)
    start.duration = 3600
    start.rate_unit = smart_charging_pb2.CHARGING_RATE_UNIT_W
    start.periods.add(start_period=0, limit=11000.0, number_phases=3)
    return start


def profile(
    purpose: smart_charging_pb2.ChargingProfilePurpose,
) -> smart_charging_pb2.ChargingProfile:
    p = smart_charging_pb2.ChargingProfile(
        charging_profile_id=7,
        stack_level=1,
        purpose=purpose,
        kind=smart_charging_pb2.CHARGING_PROFILE_KIND_ABSOLUTE,
        schedule=schedule(),
    )
    p.valid_from.FromDatetime(NOW)
    p.valid_to.FromDatetime(NOW + timedelta(days=1))
    return p


async def test_tasks_arrive_in_schema_order(node: Node, api: Api, manager: Manager) -> None:
    """Tasks a real charger receives (typed commands whose builders list members in another order, SendCall, DeviceModelService) are in schema order on the wire."""
    now = datetime.now(UTC)
    await manager.stores.id_tags.create("GROUP", at=now)
    await manager.stores.id_tags.create(
        "TAG", parent_id_tag="GROUP", expiry_date=now + timedelta(days=30), at=now
    )
    full = chargers_pb2.LOCAL_LIST_UPDATE_FULL
    async with contextlib.AsyncExitStack() as stack:
        cp = await stack.enter_async_context(
            connected(Recording16, charger_url(node, "CP-1"), "CP-1")
        )
        cs = await stack.enter_async_context(
            connected(Recording201, charger_url(node, "CS-1"), "CS-1")
        )
        await cp.boot()
        await cs.boot()
        cs.answers["GetVariables"] = {
            "get_variable_result": [
                {
                    "attribute_status": "Accepted",
                    "attribute_value": "11000",
                    "component": {"name": "EVSE"},
                    "variable": {"name": "Power"},
                }
            ]
        }
        device_model = device_model_pb2_grpc.DeviceModelServiceStub(
            await stack.enter_async_context(api_channel(f"127.0.0.1:{manager.port}"))
        )
        for charger_id in ("CP-1", "CS-1"):
            await api.SetChargingProfile(
                chargers_pb2.SetChargingProfileRequest(
                    charger_id=charger_id,
                    connector_id=1,
                    profile=profile(smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_DEFAULT_PROFILE),
                )
            )
            await api.StartCharging(
                chargers_pb2.StartChargingRequest(
                    charger_id=charger_id,
                    id_tag="TAG",
                    connector_id=1,
                    charging_profile=profile(
                        smart_charging_pb2.CHARGING_PROFILE_PURPOSE_TX_PROFILE
                    ),
                )
            )
            await api.SendLocalList(
                chargers_pb2.SendLocalListRequest(
                    charger_id=charger_id,
                    update_type=full,
                    entries=[chargers_pb2.LocalAuthorization(id_tag="TAG")],
                )
            )
            await api.ReserveNow(
                chargers_pb2.ReserveNowRequest(
                    charger_id=charger_id,
                    connector_id=1,
                    id_tag="TAG",
                    parent_id_tag="GROUP",
                    expiry_date=_ts(now + timedelta(hours=1)),
                )
            )
            await api.ChangeAvailability(
                chargers_pb2.ChangeAvailabilityRequest(
                    charger_id=charger_id,
                    connector_id=1,
                    kind=chargers_pb2.AVAILABILITY_KIND_INOPERATIVE,
                )
            )
            await api.SendCall(
                chargers_pb2.SendCallRequest(
                    charger_id=charger_id,
                    action="DataTransfer",
                    payload_json='{"data": "x", "messageId": "m", "vendorId": "acme"}',
                )
            )
        await device_model.GetVariables(
            dm.GetVariablesRequest(
                charger_id="CS-1",
                items=[
                    dm.GetVariableItem(
                        key=dm.VariableKey(
                            component="EVSE",
                            component_instance="x",
                            evse_id=1,
                            connector_id=1,
                            variable="Power",
                            variable_instance="y",
                        ),
                        attribute_type="Target",
                    )
                ],
            )
        )
    for version, station in (("1.6", cp), ("2.0.1", cs)):
        calls, found = calls_out_of_order(version, station.frames)
        assert found == []
        assert calls >= 6


def _ts(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp
