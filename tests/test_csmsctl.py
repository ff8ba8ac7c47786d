"""csmsctl against a real gRPC server on port 0 that serves fake ChargerService and Registry.

The fakes return canned data or abort with a chosen status, and record every request,
so the tests check what the CLI sends as well as what it prints.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc, common_pb2, registry_pb2, registry_pb2_grpc
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from services import csmsctl


def _ts(seconds: int) -> Timestamp:
    return Timestamp(seconds=seconds)


# 2026-01-01 00:00:00 UTC
T0 = 1767225600

CHARGERS = [
    chargers_pb2.Charger(
        charger_id="CP-1",
        vendor="ACME",
        model="Fast",
        ocpp_version=common_pb2.OCPP_VERSION_16,
        connected=True,
        node_id="node-a",
        last_seen_at=_ts(T0),
        connectors=[
            chargers_pb2.Connector(evse_id=2, connector_id=1, status="Charging"),
            chargers_pb2.Connector(evse_id=1, connector_id=1, status="Available"),
        ],
    ),
    chargers_pb2.Charger(
        charger_id="CP-2",
        vendor="Volt",
        model="X2",
        ocpp_version=common_pb2.OCPP_VERSION_201,
        connected=False,
        connectors=[chargers_pb2.Connector(evse_id=1, connector_id=1, status="Faulted")],
    ),
    chargers_pb2.Charger(
        charger_id="CP-3",
        ocpp_version=common_pb2.OCPP_VERSION_21,
        connected=True,
        node_id="node-b",
    ),
]


@dataclass
class Fake:
    """Shared state of the fake servicers: requests seen and an optional error to raise."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    # (status, details) every RPC aborts with, when set.
    fail_with: tuple[grpc.StatusCode, str] | None = None
    page_size: int = 2

    def enter(self, name: str, request: Any, context: grpc.ServicerContext) -> None:
        self.calls.append((name, request))
        if self.fail_with is not None:
            context.abort(*self.fail_with)

    def requests(self, name: str) -> list[Any]:
        return [r for n, r in self.calls if n == name]


class FakeChargers(chargers_pb2_grpc.ChargerServiceServicer):
    def __init__(self, fake: Fake) -> None:
        self.fake = fake

    def ListChargers(
        self, request: chargers_pb2.ListChargersRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.ListChargersResponse:
        self.fake.enter("ListChargers", request, context)
        start = int(request.page_token or 0)
        end = start + self.fake.page_size
        token = str(end) if end < len(CHARGERS) else ""
        return chargers_pb2.ListChargersResponse(
            chargers=CHARGERS[start:end], next_page_token=token
        )

    def GetCharger(
        self, request: chargers_pb2.GetChargerRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.Charger:
        self.fake.enter("GetCharger", request, context)
        for c in CHARGERS:
            if c.charger_id == request.charger_id:
                return c
        context.abort(grpc.StatusCode.NOT_FOUND, f"charger {request.charger_id} is unknown")
        raise AssertionError("abort returned")

    def Reset(
        self, request: chargers_pb2.ResetRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.ResetResponse:
        self.fake.enter("Reset", request, context)
        return chargers_pb2.ResetResponse(status="Accepted")

    def TriggerMessage(
        self, request: chargers_pb2.TriggerMessageRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.TriggerMessageResponse:
        self.fake.enter("TriggerMessage", request, context)
        return chargers_pb2.TriggerMessageResponse(status="NotImplemented")

    def GetConfiguration(
        self, request: chargers_pb2.GetConfigurationRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.GetConfigurationResponse:
        self.fake.enter("GetConfiguration", request, context)
        return chargers_pb2.GetConfigurationResponse(
            entries=[
                chargers_pb2.ConfigurationEntry(key="HeartbeatInterval", value="300"),
                chargers_pb2.ConfigurationEntry(key="NumberOfConnectors", value="2", readonly=True),
            ],
            unknown_keys=["Nope"],
        )

    def ChangeConfiguration(
        self, request: chargers_pb2.ChangeConfigurationRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.ChangeConfigurationResponse:
        self.fake.enter("ChangeConfiguration", request, context)
        return chargers_pb2.ChangeConfigurationResponse(status="RebootRequired")

    def SendCall(
        self, request: chargers_pb2.SendCallRequest, context: grpc.ServicerContext
    ) -> chargers_pb2.SendCallResponse:
        self.fake.enter("SendCall", request, context)
        return chargers_pb2.SendCallResponse(
            result_json='{"status":"Accepted","data":"pong"}',
            ocpp_version=common_pb2.OCPP_VERSION_16,
        )


LOCATIONS = [
    registry_pb2.ChargerLocation(
        charger_id=f"CP-{i}",
        node_id="node-a" if i % 2 else "node-b",
        node_address=f"10.0.0.{i}:50061",
        epoch=i * 10,
        connected_at=_ts(T0 + i),
        ocpp_version=common_pb2.OCPP_VERSION_16,
    )
    for i in range(1, 4)
]


class FakeRegistry(registry_pb2_grpc.RegistryServicer):
    def __init__(self, fake: Fake) -> None:
        self.fake = fake

    def GetChargerLocation(
        self, request: registry_pb2.GetChargerLocationRequest, context: grpc.ServicerContext
    ) -> registry_pb2.ChargerLocation:
        # csmsctl never asks for a single location; answer as the generated base class does.
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!")

    def ListChargerLocations(
        self, request: registry_pb2.ListChargerLocationsRequest, context: grpc.ServicerContext
    ) -> registry_pb2.ListChargerLocationsResponse:
        self.fake.enter("ListChargerLocations", request, context)
        chosen = [x for x in LOCATIONS if not request.node_id or x.node_id == request.node_id]
        start = int(request.page_token or 0)
        end = start + self.fake.page_size
        token = str(end) if end < len(chosen) else ""
        return registry_pb2.ListChargerLocationsResponse(
            chargers=chosen[start:end], next_page_token=token
        )

    def ListNodes(
        self, request: registry_pb2.ListNodesRequest, context: grpc.ServicerContext
    ) -> registry_pb2.ListNodesResponse:
        self.fake.enter("ListNodes", request, context)
        return registry_pb2.ListNodesResponse(
            nodes=[
                registry_pb2.NodeInfo(
                    node_id="node-a",
                    address="10.0.0.1:50061",
                    lease_expires_at=_ts(T0 + 30),
                    charger_count=2,
                )
            ]
        )


@dataclass
class Server:
    address: str
    fake: Fake


@pytest.fixture
def server() -> Iterator[Server]:
    """A gRPC server on 127.0.0.1, port 0, serving both fakes (like the embedded process)."""
    fake = Fake()
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    # The fake implements only what csmsctl calls; the generated base class answers
    # UNIMPLEMENTED for the rest at run time, though its type stub declares them abstract.
    chargers_pb2_grpc.add_ChargerServiceServicer_to_server(FakeChargers(fake), srv)  # type: ignore[abstract]
    registry_pb2_grpc.add_RegistryServicer_to_server(FakeRegistry(fake), srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    try:
        yield Server(f"127.0.0.1:{port}", fake)
    finally:
        srv.stop(None).wait(5)


def run(server: Server, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run csmsctl against the server; returns (exit code, stdout, stderr)."""
    code = csmsctl.main(["--manager", server.address, "--timeout", "5", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(out: str) -> list[list[str]]:
    """Table lines split on runs of two or more spaces."""

    return [re.split(r"\s{2,}", line.strip()) for line in out.strip().splitlines()]


def test_chargers_table_has_one_row_per_charger(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chargers` prints a header and one aligned row per charger of the first page."""
    code, out, err = run(server, capsys, "chargers")
    assert code == 0
    table = rows(out)
    assert table[0] == [
        "ID",
        "PROTOCOL",
        "CONNECTED",
        "NODE",
        "STATUS",
        "VENDOR/MODEL",
        "LAST SEEN",
    ]
    assert table[1] == [
        "CP-1",
        "1.6",
        "yes",
        "node-a",
        "1:Available 2:Charging",
        "ACME/Fast",
        "2026-01-01 00:00:00Z",
    ]
    assert table[2] == ["CP-2", "2.0.1", "no", "-", "1:Faulted", "Volt/X2", "-"]
    assert len(table) == 3
    assert "--all" in err  # a hint that more pages exist


def test_chargers_all_follows_page_tokens(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """`chargers --all` requests pages until next_page_token is empty."""
    code, out, _ = run(server, capsys, "chargers", "--all", "--page-size", "2")
    assert code == 0
    assert [r[0] for r in rows(out)[1:]] == ["CP-1", "CP-2", "CP-3"]
    requests = server.fake.requests("ListChargers")
    assert [r.page_token for r in requests] == ["", "2"]
    assert all(r.page_size == 2 for r in requests)


def test_chargers_filters_are_sent(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """--status and --disconnected become the request's status and connected=false."""
    code, _, _ = run(server, capsys, "chargers", "--status", "Faulted", "--disconnected")
    assert code == 0
    (request,) = server.fake.requests("ListChargers")
    assert request.status == "Faulted"
    assert request.HasField("connected")
    assert request.connected is False


def test_chargers_json_round_trips(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json chargers --all` prints one JSON document that parses back to the same chargers."""
    code, out, _ = run(server, capsys, "--json", "chargers", "--all")
    assert code == 0
    doc = json.loads(out)
    parsed = json_format.ParseDict(doc, chargers_pb2.ListChargersResponse())
    assert list(parsed.chargers) == CHARGERS
    assert parsed.next_page_token == ""


def test_charger_shows_details_and_connectors(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """`charger ID` prints the charger's fields and a row per connector."""
    code, out, _ = run(server, capsys, "charger", "CP-1")
    assert code == 0
    assert "Charger:" in out
    assert "CP-1" in out
    assert "yes, on node node-a" in out
    assert "ACME" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("EVSE"))
    assert [r[:3] for r in rows("\n".join(lines[header + 1 :]))] == [
        ["1", "1", "Available"],
        ["2", "1", "Charging"],
    ]


def test_registry_ls_uses_the_manager_address_by_default(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """`registry ls --all` reaches the registry at the manager's address and lists every location."""
    code, out, _ = run(server, capsys, "registry", "ls", "--all")
    assert code == 0
    table = rows(out)
    assert table[0] == ["CHARGER", "NODE", "ADDRESS", "EPOCH", "CONNECTED AT", "PROTOCOL"]
    assert table[1] == ["CP-1", "node-a", "10.0.0.1:50061", "10", "2026-01-01 00:00:01Z", "1.6"]
    assert [r[0] for r in table[1:]] == ["CP-1", "CP-2", "CP-3"]


def test_registry_ls_node_filter(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`registry ls --node` sends the node id and shows only that node's chargers."""
    code, out, _ = run(server, capsys, "registry", "ls", "--node", "node-b")
    assert code == 0
    assert [r[0] for r in rows(out)[1:]] == ["CP-2"]
    assert server.fake.requests("ListChargerLocations")[0].node_id == "node-b"


def test_registry_nodes(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`registry nodes` lists each node with its lease expiry and charger count."""
    code, out, _ = run(server, capsys, "--registry", server.address, "registry", "nodes")
    assert code == 0
    assert rows(out)[1] == ["node-a", "10.0.0.1:50061", "2026-01-01 00:00:30Z", "2"]


def test_reset_prints_the_answer(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`reset ID --hard` sends a hard reset and prints the charger's answer."""
    code, out, _ = run(server, capsys, "reset", "CP-1", "--hard")
    assert code == 0
    assert out == "Accepted\n"
    (request,) = server.fake.requests("Reset")
    assert request.charger_id == "CP-1"
    assert request.kind == chargers_pb2.RESET_KIND_HARD


def test_reset_json(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json reset ID` prints the response message as JSON; the default reset is soft."""
    code, out, _ = run(server, capsys, "--json", "reset", "CP-1")
    assert code == 0
    assert json.loads(out) == {"status": "Accepted", "reason": ""}
    assert server.fake.requests("Reset")[0].kind == chargers_pb2.RESET_KIND_SOFT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BootNotification", chargers_pb2.TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION),
        ("status_notification", chargers_pb2.TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION),
        ("LogStatusNotification", chargers_pb2.TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION),
    ],
)
def test_trigger_maps_message_names(
    server: Server, capsys: pytest.CaptureFixture[str], name: str, expected: int
) -> None:
    """`trigger ID MESSAGE --connector N` sends the matching enum and connector id."""
    code, out, _ = run(server, capsys, "trigger", "CP-1", name, "--connector", "2")
    assert code == 0
    assert out == "NotImplemented\n"
    (request,) = server.fake.requests("TriggerMessage")
    assert request.requested_message == expected
    assert request.connector_id == 2


def test_trigger_unknown_message_is_usage_error(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown MESSAGE exits 2, lists the choices and sends nothing."""
    code, _, err = run(server, capsys, "trigger", "CP-1", "Bogus")
    assert code == 2
    assert "unknown MESSAGE 'Bogus'" in err
    assert "BootNotification" in err
    assert server.fake.calls == []


def test_config_get_and_set(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`config get` prints a key table and unknown keys; `config set` prints the answer."""
    code, out, _ = run(server, capsys, "config", "get", "CP-1", "HeartbeatInterval", "Nope")
    assert code == 0
    table = rows(out)
    assert table[1] == ["HeartbeatInterval", "300", "no"]
    assert table[2] == ["NumberOfConnectors", "2", "yes"]
    assert "unknown keys: Nope" in out
    assert list(server.fake.requests("GetConfiguration")[0].keys) == ["HeartbeatInterval", "Nope"]

    code, out, _ = run(server, capsys, "config", "set", "CP-1", "HeartbeatInterval", "60")
    assert code == 0
    assert out == "RebootRequired\n"
    (request,) = server.fake.requests("ChangeConfiguration")
    assert (request.key, request.value) == ("HeartbeatInterval", "60")


def test_call_prints_result_json(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`call ID ACTION JSON` sends the payload as is and prints the result JSON."""
    payload = '{"vendorId": "acme", "data": "ping"}'
    code, out, _ = run(server, capsys, "call", "CP-1", "DataTransfer", payload)
    assert code == 0
    assert json.loads(out) == {"status": "Accepted", "data": "pong"}
    (request,) = server.fake.requests("SendCall")
    assert (request.action, request.payload_json) == ("DataTransfer", payload)


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]"])
def test_call_invalid_json_sends_nothing(
    server: Server, capsys: pytest.CaptureFixture[str], payload: str
) -> None:
    """A payload that is not a JSON object exits 2 naming the argument, before any call."""
    code, out, err = run(server, capsys, "call", "CP-1", "DataTransfer", payload)
    assert code == 2
    assert out == ""
    assert err.startswith("csmsctl: argument JSON ")
    assert len(err.splitlines()) == 1
    assert server.fake.calls == []


@pytest.mark.parametrize(
    ("status", "details"),
    [
        (grpc.StatusCode.UNAVAILABLE, "charger CP-9 is not connected"),
        (grpc.StatusCode.NOT_FOUND, "charger CP-9 is unknown"),
        (grpc.StatusCode.INVALID_ARGUMENT, "connector_id: must be > 0"),
    ],
)
def test_grpc_error_is_one_line_and_exit_1(
    server: Server, capsys: pytest.CaptureFixture[str], status: grpc.StatusCode, details: str
) -> None:
    """A status from the server prints `csmsctl: <details> (<STATUS>)` on stderr and exits 1."""
    server.fake.fail_with = (status, details)
    code, out, err = run(server, capsys, "reset", "CP-9")
    assert code == 1
    assert out == ""
    assert err == f"csmsctl: {details} ({status.name})\n"


def test_nothing_listening_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An address where nothing listens gives exit 2 and the "cannot reach" message."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    code = csmsctl.main(["--manager", address, "--timeout", "5", "chargers"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"csmsctl: cannot reach the manager at {address}: is it running? (make run)\n"


def test_manager_address_from_environment(
    server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CSMS_MANAGER sets the manager (and so the registry) address when no option is given."""
    monkeypatch.setenv("CSMS_MANAGER", server.address)
    monkeypatch.delenv("CSMS_REGISTRY", raising=False)
    assert csmsctl.main(["registry", "nodes"]) == 0
    assert "node-a" in capsys.readouterr().out


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing argument is an argparse usage error with exit 2."""
    assert csmsctl.main(["reset"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_json_option_after_the_command(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` is accepted after the command as well as before it."""
    code, out, _ = run(server, capsys, "registry", "nodes", "--json")
    assert code == 0
    parsed = json_format.ParseDict(json.loads(out), registry_pb2.ListNodesResponse())
    assert parsed.nodes[0].charger_count == 2
