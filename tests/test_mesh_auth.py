"""The mesh authenticates itself, and the manager trusts nothing a node forwards blindly
(issue 11): internal RPCs need the mesh secret; Node.Send needs the registry's epoch; a
call forwarded by a node is schema-checked again and handled only for the node that holds
the charger. Real gRPC over loopback, a real node, Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Sequence

import grpc
import orjson
import pytest
from csms.v1 import (
    common_pb2,
    events_pb2,
    events_pb2_grpc,
    node_pb2,
    node_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
    transactions_pb2,
    transactions_pb2_grpc,
)

from services import csmsctl
from services.common import to_proto_version
from services.common._mesh import mesh_metadata
from services.manager import Manager
from services.node import Node, NodeSettings, _manager_link
from services.registry import ChargerLocation, RedisRegistry, registry_server
from tests.harness import (
    MESH_SECRET,
    ROOT,
    UNIT,
    Charger16,
    api_channel,
    charger_url,
    connected,
    eventually,
    mesh_channel,
)

WRONG_SECRET = "not-the-mesh-secret-0123456789"


def channel_with(target: str, secret: str | None) -> grpc.aio.Channel:
    """A channel presenting `secret` on every call, or nothing when None."""
    if secret is None:
        return grpc.aio.insecure_channel(target)
    return mesh_channel(target, secret)


def stream_metadata(secret: str | None) -> tuple[tuple[str, str], ...]:
    """The mesh secret as the node sends it (per call), or nothing when None."""
    return mesh_metadata(secret) if secret is not None else ()


async def located(registry: RedisRegistry, charger_id: str) -> ChargerLocation:
    """The charger's registry entry, once its node has claimed it."""

    async def lookup() -> ChargerLocation | None:
        return await registry.lookup(charger_id)

    location = await eventually(lookup)
    assert location is not None
    return location


def call_event(
    event_id: int,
    charger_id: str,
    epoch: int,
    action: str,
    payload: bytes,
    *,
    version: int = common_pb2.OCPP_VERSION_16,
) -> events_pb2.Event:
    return events_pb2.Event(
        id=event_id,
        kind=events_pb2.Event.KIND_CALL,
        charger_id=charger_id,
        ocpp_version=version,  # type: ignore[arg-type]  # unknown enum values on purpose
        epoch=epoch,
        received_at_ms=1_700_000_000_000,
        message_id=f"m-{event_id}",
        action=action,
        payload=payload,
    )


async def inject(
    manager: Manager,
    events: Sequence[events_pb2.Event],
    *,
    node_id: str = "intruder",
    secret: str | None = MESH_SECRET,
) -> dict[int, events_pb2.Reply]:
    """Open Events/Stream as node `node_id`, send `events` in one batch and return the
    replies by event id."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel:
        call = events_pb2_grpc.EventsStub(channel).Stream(
            timeout=20 * UNIT, metadata=stream_metadata(secret)
        )
        await call.write(
            events_pb2.NodeMessage(
                hello=events_pb2.NodeHello(node_id=node_id, address="127.0.0.1:1")
            )
        )
        await call.write(events_pb2.NodeMessage(batch=events_pb2.EventBatch(events=list(events))))
        replies: dict[int, events_pb2.Reply] = {}
        while len(replies) < len(events):
            batch = await call.read()
            assert isinstance(batch, events_pb2.ReplyBatch), batch
            replies.update((reply.event_id, reply) for reply in batch.replies)
        await call.done_writing()
        call.cancel()
        return replies


async def transactions_of(manager: Manager, charger_id: str) -> list[transactions_pb2.Transaction]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        listed = await transactions_pb2_grpc.TransactionServiceStub(channel).ListTransactions(
            transactions_pb2.ListTransactionsRequest(charger_id=charger_id)
        )
    return list(listed.transactions)


VALID_START = orjson.dumps(
    {"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": "2026-12-03T10:00:00Z"}
)


# -- (a) Events/Stream and (b) Events/Admit: checked by the manager's interceptor ------------


@pytest.mark.parametrize("secret", [None, WRONG_SECRET], ids=["no-secret", "wrong-secret"])
async def test_event_stream_needs_the_mesh_secret(manager: Manager, secret: str | None) -> None:
    """Events/Stream without the mesh secret, or with a wrong one, is UNAUTHENTICATED."""
    # The server refuses before reading anything: a client writing meanwhile would see its
    # own write fail (gRPC's INTERNAL) instead of the server's status, so read first.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel:
        call = events_pb2_grpc.EventsStub(channel).Stream(
            timeout=20 * UNIT, metadata=stream_metadata(secret)
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call.read()
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, refused.value.details()
    assert "MESH_SECRET" in (refused.value.details() or "")


async def test_event_stream_with_the_mesh_secret_is_served(manager: Manager) -> None:
    """With the mesh secret the stream opens and every event is answered."""
    connected_event = events_pb2.Event(
        id=1,
        kind=events_pb2.Event.KIND_CONNECTED,
        charger_id="CP-MESH",
        ocpp_version=common_pb2.OCPP_VERSION_16,
        epoch=7,
    )
    replies = await inject(manager, [connected_event], node_id="node-mesh")
    assert replies[1].WhichOneof("outcome") is None  # an ack


@pytest.mark.parametrize("secret", [None, WRONG_SECRET], ids=["no-secret", "wrong-secret"])
async def test_admit_needs_the_mesh_secret(manager: Manager, secret: str | None) -> None:
    """Events/Admit without the mesh secret, or with a wrong one, is UNAUTHENTICATED."""
    async with channel_with(f"127.0.0.1:{manager.port}", secret) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await events_pb2_grpc.EventsStub(channel).Admit(
                events_pb2.AdmitRequest(
                    charger_id="CP-ADMIT", node_id="n", ocpp_version=to_proto_version("1.6")
                ),
                timeout=10 * UNIT,
            )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, refused.value.details()


async def test_admit_with_the_mesh_secret_answers(manager: Manager) -> None:
    """With the mesh secret Admit answers (the test manager admits unknown chargers)."""
    async with mesh_channel(f"127.0.0.1:{manager.port}") as channel:
        answer = await events_pb2_grpc.EventsStub(channel).Admit(
            events_pb2.AdmitRequest(
                charger_id="CP-ADMIT", node_id="n", ocpp_version=to_proto_version("1.6")
            ),
            timeout=10 * UNIT,
        )
    assert answer.admitted, answer.reason


async def test_a_node_with_a_wrong_mesh_secret_logs_that_the_manager_refused_it(
    registry: RedisRegistry, manager: Manager, caplog: pytest.LogCaptureFixture
) -> None:
    """A node started with another MESH_SECRET than the manager's logs, at every attempt to
    open its event stream, the manager's UNAUTHENTICATED and what to do: never gRPC's
    INTERNAL of a first write that raced the manager's refusal."""
    settings = NodeSettings(
        node_id="node-wrong-secret",
        host="127.0.0.1",
        port=0,
        grpc_host="127.0.0.1",
        grpc_port=0,
        advertise_host="127.0.0.1",
        manager_address=f"127.0.0.1:{manager.port}",
        lease_seconds=2 * UNIT,
        mesh_secret=WRONG_SECRET,
    )
    caplog.set_level(logging.INFO, logger=_manager_link.__name__)

    def stream_logs() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == _manager_link.__name__ and "event stream" in r.getMessage()
        ]

    async def refused_often() -> bool:
        return len(stream_logs()) >= 5

    async with Node(settings, registry) as node:
        await eventually(refused_often)
        assert not node.link.connected
    messages = stream_logs()
    for message in messages:
        assert "UNAUTHENTICATED" in message, message
        assert "refused this node's MESH_SECRET" in message, message
        assert "same MESH_SECRET" in message, message
    # A refused stream was never open: the node backs off (0.05 s doubling) instead of
    # retrying 20 times a second.
    assert "Retrying in 0.80 s" in messages[4], messages


# -- (c) Node.Send ------------------------------------------------------------------------


def reset_request(charger_id: str, epoch: int) -> node_pb2.SendRequest:
    return node_pb2.SendRequest(
        charger_id=charger_id,
        action="Reset",
        payload=orjson.dumps({"type": "Soft"}),
        epoch=epoch,
        timeout_ms=int(4 * UNIT * 1000),
    )


@pytest.mark.parametrize("secret", [None, WRONG_SECRET], ids=["no-secret", "wrong-secret"])
async def test_node_send_needs_the_mesh_secret(
    node: Node, registry: RedisRegistry, secret: str | None
) -> None:
    """Node.Send without the mesh secret, or with a wrong one, is UNAUTHENTICATED and the
    charger receives nothing."""
    async with connected(Charger16, charger_url(node, "CP-SEND"), "CP-SEND") as cp:
        location = await located(registry, "CP-SEND")
        async with channel_with(node.address, secret) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await node_pb2_grpc.NodeStub(channel).Send(
                    reset_request("CP-SEND", location.epoch), timeout=10 * UNIT
                )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "MESH_SECRET" in (refused.value.details() or "")
        assert cp.resets == []


async def test_node_send_with_the_mesh_secret_reaches_the_charger(
    node: Node, registry: RedisRegistry
) -> None:
    """With the mesh secret and the registry's epoch, Node.Send delivers and answers."""
    async with connected(Charger16, charger_url(node, "CP-SEND"), "CP-SEND") as cp:
        location = await located(registry, "CP-SEND")
        async with mesh_channel(node.address) as channel:
            answer = await node_pb2_grpc.NodeStub(channel).Send(
                reset_request("CP-SEND", location.epoch), timeout=10 * UNIT
            )
        assert orjson.loads(answer.result) == {"status": "Accepted"}
        assert cp.resets == ["Soft"]


async def test_node_send_refuses_epoch_0_and_other_epochs(
    node: Node, registry: RedisRegistry
) -> None:
    """Epoch 0 is no wildcard: INVALID_ARGUMENT naming the epoch; another epoch is
    NOT_FOUND; the charger receives neither."""
    async with connected(Charger16, charger_url(node, "CP-EPOCH"), "CP-EPOCH") as cp:
        location = await located(registry, "CP-EPOCH")
        async with mesh_channel(node.address) as channel:
            stub = node_pb2_grpc.NodeStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as zero:
                await stub.Send(reset_request("CP-EPOCH", 0), timeout=10 * UNIT)
            with pytest.raises(grpc.aio.AioRpcError) as other:
                await stub.Send(reset_request("CP-EPOCH", location.epoch + 1), timeout=10 * UNIT)
        assert zero.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "epoch is required" in (zero.value.details() or "")
        assert other.value.code() == grpc.StatusCode.NOT_FOUND
        assert cp.resets == []


# -- (d) the standalone registry service -----------------------------------------------------


@pytest.fixture
async def registry_service(registry: RedisRegistry) -> AsyncIterator[str]:
    """The standalone registry service's server over the test's Redis registry."""
    server = registry_server(registry, MESH_SECRET)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(None)


@pytest.mark.parametrize("secret", [None, WRONG_SECRET], ids=["no-secret", "wrong-secret"])
async def test_registry_service_needs_the_mesh_secret(
    registry: RedisRegistry, registry_service: str, secret: str | None
) -> None:
    """The registry service tells nobody without the mesh secret where chargers are."""
    await registry.register_node("node-r", "10.0.0.1:7000")
    await registry.claim("CP-R", "node-r", "1.6")
    async with channel_with(registry_service, secret) as channel:
        stub = registry_pb2_grpc.RegistryStub(channel)
        calls: list[Awaitable[object]] = [
            stub.GetChargerLocation(
                registry_pb2.GetChargerLocationRequest(charger_id="CP-R"), timeout=10 * UNIT
            ),
            stub.ListChargerLocations(
                registry_pb2.ListChargerLocationsRequest(), timeout=10 * UNIT
            ),
            stub.ListNodes(registry_pb2.ListNodesRequest(), timeout=10 * UNIT),
        ]
        for rpc in calls:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await rpc
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_registry_service_answers_with_the_mesh_secret(
    registry: RedisRegistry, registry_service: str
) -> None:
    """With the mesh secret the registry service answers."""
    await registry.register_node("node-r", "10.0.0.1:7000")
    await registry.claim("CP-R", "node-r", "1.6")
    async with mesh_channel(registry_service) as channel:
        found = await registry_pb2_grpc.RegistryStub(channel).GetChargerLocation(
            registry_pb2.GetChargerLocationRequest(charger_id="CP-R"), timeout=10 * UNIT
        )
    assert (found.charger_id, found.node_id) == ("CP-R", "node-r")


# -- start-up without MESH_SECRET -------------------------------------------------------------


@pytest.mark.parametrize("service", ["services.manager", "services.node", "services.registry"])
@pytest.mark.parametrize("value", ["", "too-short"], ids=["unset", "short"])
async def test_services_refuse_to_start_without_a_mesh_secret(service: str, value: str) -> None:
    """`python -m services.{manager,node,registry}` without a usable MESH_SECRET exits with
    status 2 and a message naming MESH_SECRET, before touching any server."""
    env = {k: v for k, v in os.environ.items() if k != "MESH_SECRET"}
    if value:
        env["MESH_SECRET"] = value
    # Nothing listens on these: a service that ignored MESH_SECRET would fail differently.
    env.update(REDIS_URL="redis://127.0.0.1:1/0", DATABASE_URL="sqlite+aiosqlite:///:memory:")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        service,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    assert proc.returncode == 2, stderr.decode()
    assert b"MESH_SECRET" in stderr
    assert b"Traceback" not in stderr


# -- the manager validates what a node forwards ---------------------------------------------


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b'{"connectorId": 1, "idTag": "TAG-1", "timestamp": "2026-12-03T10:00:00Z"}',
         "OccurenceConstraintViolation"),
        (b'{"connectorId": 1, "idTag": "TAG-1", "meterStart": "lots", '
         b'"timestamp": "2026-12-03T10:00:00Z"}', "TypeConstraintViolation"),
        (b'{"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": "yesterday"}',
         "PropertyConstraintViolation"),
        (b'{"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, '
         b'"timestamp": "2026-12-03T10:00:00Z", "extra": 1}', "FormationViolation"),
        (b"not json", "FormationViolation"),
        (b"[1, 2]", "FormationViolation"),
    ],
    ids=["missing-meterStart", "string-meterStart", "bad-timestamp", "extra-field", "not-json",
         "array"],
)  # fmt: skip
async def test_injected_malformed_start_transaction_is_a_call_error_and_changes_nothing(
    manager: Manager, registry: RedisRegistry, payload: bytes, code: str
) -> None:
    """A node (with the mesh secret, holding the charger) forwarding a StartTransaction that
    breaks the 1.6 schema gets the node framer's CallError; no transaction is created, and
    the stream goes on serving."""
    await registry.register_node("intruder", "127.0.0.1:1")
    location = await registry.claim("CP-INJ", "intruder", "1.6")
    replies = await inject(
        manager,
        [
            call_event(1, "CP-INJ", location.epoch, "StartTransaction", payload),
            call_event(2, "CP-INJ", location.epoch, "Heartbeat", b"{}"),
        ],
    )
    assert replies[1].WhichOneof("outcome") == "error", replies[1]
    assert replies[1].error.code == code, replies[1].error.description
    assert "StartTransaction" in replies[1].error.description
    assert replies[2].WhichOneof("outcome") == "result"  # the stream survived
    assert await transactions_of(manager, "CP-INJ") == []


@pytest.mark.parametrize(
    ("action", "version", "code"),
    [
        ("FlyToTheMoon", common_pb2.OCPP_VERSION_16, "NotImplemented"),
        ("Reset", common_pb2.OCPP_VERSION_16, "NotSupported"),  # a CSMS's action
        ("Heartbeat", 99, "NotImplemented"),
        ("Heartbeat", common_pb2.OCPP_VERSION_UNSPECIFIED, "NotImplemented"),
    ],
    ids=["unknown-action", "csms-action", "unknown-version", "unspecified-version"],
)
async def test_unknown_actions_and_versions_from_a_node_are_call_errors(
    manager: Manager, registry: RedisRegistry, action: str, version: int, code: str
) -> None:
    """An action or OCPP version the CSMS does not know gets a CallError, not a crash of
    the stream."""
    await registry.register_node("intruder", "127.0.0.1:1")
    location = await registry.claim("CP-UNK", "intruder", "1.6")
    replies = await inject(
        manager,
        [
            call_event(1, "CP-UNK", location.epoch, action, b"{}", version=version),
            call_event(2, "CP-UNK", location.epoch, "Heartbeat", b"{}"),
        ],
    )
    assert replies[1].WhichOneof("outcome") == "error", replies[1]
    assert replies[1].error.code == code, replies[1].error.description
    assert replies[2].WhichOneof("outcome") == "result"


async def test_an_injected_event_for_a_charger_another_node_holds_is_refused(
    manager: Manager, node: Node, registry: RedisRegistry
) -> None:
    """A process with the mesh secret, claiming to be a node, cannot act for a charger a
    real node holds: whatever epoch it names (the real one, 0, a newer one) its
    StartTransaction is refused and no transaction is created; the real charger is
    untouched."""
    async with connected(Charger16, charger_url(node, "CP-HELD"), "CP-HELD") as cp:
        assert (await cp.boot()).status == "Accepted"
        location = await located(registry, "CP-HELD")
        epochs = [location.epoch, 0, location.epoch + 1_000]
        replies = await inject(
            manager,
            [
                call_event(i, "CP-HELD", epoch, "StartTransaction", VALID_START)
                for i, epoch in enumerate(epochs, start=1)
            ],
        )
        for event_id in (1, 2, 3):
            assert replies[event_id].WhichOneof("outcome") != "result", replies[event_id]
        assert replies[1].error.code == "SecurityError"
        assert await transactions_of(manager, "CP-HELD") == []
        assert (await cp.heartbeat()).current_time  # the real charger is still served


async def test_csmsctl_reads_the_standalone_registry_with_mesh_secret_from_its_environment(
    registry: RedisRegistry,
    registry_service: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`csmsctl --registry` naming the registry service sends MESH_SECRET from the
    environment; without it the refusal names MESH_SECRET."""
    await registry.register_node("node-ctl", "10.0.0.9:7000")
    argv = ["--manager", "127.0.0.1:1", "--registry", registry_service, "--timeout", "5"]
    monkeypatch.delenv("MESH_SECRET", raising=False)
    assert await asyncio.to_thread(csmsctl.main, [*argv, "registry", "nodes"]) == 1
    out, err = capsys.readouterr()
    assert "UNAUTHENTICATED" in err
    assert "MESH_SECRET" in err
    monkeypatch.setenv("MESH_SECRET", MESH_SECRET)
    assert await asyncio.to_thread(csmsctl.main, [*argv, "registry", "nodes"]) == 0
    out, _ = capsys.readouterr()
    assert "node-ctl" in out


def test_settings_never_show_the_mesh_secret() -> None:
    """The secret is left out of the settings' repr, so a logged or printed settings
    object does not leak it."""
    from services.manager import ManagerSettings
    from services.node import NodeSettings

    assert MESH_SECRET not in repr(ManagerSettings(mesh_secret=MESH_SECRET))
    assert MESH_SECRET not in repr(NodeSettings(mesh_secret=MESH_SECRET))


async def test_a_forged_connection_event_does_not_cut_off_the_real_charger(
    manager: Manager, node: Node, registry: RedisRegistry
) -> None:
    """A process with the mesh secret announcing a newer connection of a charger another
    node holds (CONNECTED with a made-up epoch) does not make the manager refuse the real
    connection's calls as superseded: the registry is believed."""
    async with connected(Charger16, charger_url(node, "CP-FORGED"), "CP-FORGED") as cp:
        assert (await cp.boot()).status == "Accepted"
        location = await located(registry, "CP-FORGED")
        forged = events_pb2.Event(
            id=1,
            kind=events_pb2.Event.KIND_CONNECTED,
            charger_id="CP-FORGED",
            ocpp_version=common_pb2.OCPP_VERSION_16,
            epoch=location.epoch + 1_000_000,
        )
        await inject(manager, [forged])
        assert (await cp.heartbeat()).current_time  # answered, not closed as superseded
        assert "CP-FORGED" in node.connections
