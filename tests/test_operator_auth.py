"""Operators' authentication and roles (issue 11): every RPC of the manager's server checked by
one interceptor, over real gRPC, through the real Envoy and in `make run`'s process."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import stat
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    device_model_pb2,
    device_model_pb2_grpc,
    events_pb2,
    events_pb2_grpc,
)
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2
from sqlalchemy import text

from services.common import to_proto_version
from services.common._env import ConfigError
from services.manager import Manager, ManagerSettings
from services.manager._access import ACCESS, MESH, PUBLIC, ROLE_LEVELS
from services.manager._audit import AuditRecord
from services.manager._auth import (
    Authenticator,
    OperatorAuthInterceptor,
    hash_secret,
    request_summary,
)
from services.manager._tokens_api import AuthServicer
from services.manager.store import SqlChargerStore, SqlTokenStore
from services.registry import Registry
from tests.harness import (
    ADMIN_TOKEN,
    MESH_SECRET,
    ROOT,
    UNIT,
    api_channel,
    free_port,
    mesh_channel,
)
from tests.test_gateway import gateway_stack, http

DESCRIPTOR = ROOT / "gen" / "csms" / "v1" / "descriptor.binpb"
#: Services in the descriptor set that the manager does not serve (a node serves Node.Send).
NOT_THE_MANAGERS = frozenset({"csms.v1.Node"})
#: Services in the table whose servicer is not on the manager yet: AuditService comes with
#: the audit writer (issue 11). gRPC answers UNIMPLEMENTED before any interceptor decides.
ROLES = ("viewer", "operator", "admin")
REFUSALS = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)


@dataclass(frozen=True)
class Method:
    service: str  # csms.v1.ChargerService
    name: str  # Reset
    client_streaming: bool
    server_streaming: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"


def descriptor_methods() -> list[Method]:
    """Every RPC of every service in gen/csms/v1/descriptor.binpb, and of gRPC health and
    server reflection (served by every server of the mesh)."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes())
    ours = [
        Method(f"{f.package}.{s.name}", m.name, m.client_streaming, m.server_streaming)
        for f in files.file
        for s in f.service
        for m in s.method
    ]
    grpcs = [
        Method(s.full_name, m.name, m.client_streaming, m.server_streaming)
        for module in (health_pb2, reflection_pb2)
        for s in module.DESCRIPTOR.services_by_name.values()
        for m in s.methods
    ]
    return ours + grpcs


def managers_methods() -> list[Method]:
    return [m for m in descriptor_methods() if m.service not in NOT_THE_MANAGERS]


async def call_empty(
    channel: grpc.aio.Channel, method: Method, metadata: tuple[tuple[str, str], ...] = ()
) -> grpc.StatusCode:
    """Call `method` with an empty request; the status it ends with (OK included). A
    stream the server keeps open ends with DEADLINE_EXCEEDED after one UNIT."""
    call: Any
    try:
        if method.client_streaming:
            # Nothing is written: a write racing the server's refusal (authentication
            # refuses before reading) fails on the client with gRPC's INTERNAL instead of
            # the server's status (one xdist run of the suite in three hit it).
            call = channel.stream_stream(method.path)(timeout=UNIT, metadata=metadata)
            while await call.read() != grpc.aio.EOF:
                pass
        elif method.server_streaming:
            call = channel.unary_stream(method.path)
            async for _ in call(b"", timeout=UNIT, metadata=metadata):
                pass
        else:
            call = channel.unary_unary(method.path)
            await call(b"", timeout=10 * UNIT, metadata=metadata)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@dataclass
class RecordingAudit:
    """An AuditSink that keeps what it is given."""

    entries: list[AuditRecord] = field(default_factory=list)

    def record(self, entry: AuditRecord) -> None:
        self.entries.append(entry)


@pytest.fixture
async def audited(
    registry: Registry, postgres_url: str
) -> AsyncIterator[tuple[Manager, RecordingAudit]]:
    """A manager on PostgreSQL whose audit entries the test can read."""
    audit = RecordingAudit()
    settings = ManagerSettings(
        host="127.0.0.1",
        port=0,
        database_url=postgres_url,
        task_timeout=2 * UNIT,
        flush_interval=0.05,
        sweep_interval=UNIT,
        shutdown_grace=UNIT,
        mesh_secret=MESH_SECRET,
        admin_token=ADMIN_TOKEN,
    )
    async with Manager(settings, registry, audit=audit) as manager:
        yield manager, audit


async def create_token(port: int, name: str, role: str) -> auth_pb2.CreateTokenResponse:
    async with api_channel(f"127.0.0.1:{port}") as channel:
        created: auth_pb2.CreateTokenResponse = await auth_pb2_grpc.AuthServiceStub(
            channel
        ).CreateToken(
            auth_pb2.CreateTokenRequest(name=name, role=getattr(auth_pb2, f"ROLE_{role.upper()}"))
        )
        return created


# -- the table ---------------------------------------------------------------------------------


def test_every_rpc_in_the_descriptor_set_has_a_rule() -> None:
    """Every method the manager could serve is in the access table, and the table names no
    method that does not exist: a new RPC cannot be forgotten."""
    paths = {m.path for m in managers_methods()}
    assert paths, "no methods read from the descriptor set"
    missing = sorted(paths - set(ACCESS))
    assert not missing, f"add these to ACCESS in services/manager/_auth.py: {missing}"
    stale = sorted(set(ACCESS) - paths)
    assert not stale, f"ACCESS names methods that do not exist: {stale}"
    needs = set(ACCESS.values())
    assert needs <= {MESH, PUBLIC, *ROLE_LEVELS}, needs
    # Only the health probes answer without credentials (tests/test_health.py).
    assert {p for p, need in ACCESS.items() if need == PUBLIC} == {
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
    }
    assert {p for p, need in ACCESS.items() if need == MESH} == {
        "/csms.v1.Events/Stream",
        "/csms.v1.Events/Admit",
    }


@pytest.mark.parametrize("presented", ["none", "bogus", "malformed"])
async def test_every_rpc_refuses_a_missing_or_unknown_token(
    manager: Manager, presented: str
) -> None:
    """Without a token, with an unknown one, or with a non-Bearer authorization, every RPC
    answers UNAUTHENTICATED (the mesh's own RPCs too)."""
    target = f"127.0.0.1:{manager.port}"
    if presented == "none":
        channel = grpc.aio.insecure_channel(target)
    elif presented == "bogus":
        channel = api_channel(target, "csms_" + "x" * 43)
    else:  # "Basic <admin token>": the right secret in the wrong scheme
        channel = grpc.aio.insecure_channel(target)
    wrong: dict[str, str] = {}
    async with channel:
        for method in managers_methods():
            if ACCESS[method.path] == PUBLIC:
                continue  # the health probes (tests/test_health.py)
            if presented == "malformed":
                code = await call_empty(
                    channel, method, (("authorization", f"Basic {ADMIN_TOKEN}"),)
                )
            else:
                code = await call_empty(channel, method)
            expected = grpc.StatusCode.UNAUTHENTICATED
            if code != expected:
                wrong[method.path] = code.name
    assert not wrong, wrong


@pytest.mark.parametrize("role", [*ROLES, "bootstrap"])
async def test_each_role_is_held_to_its_verbs(manager: Manager, role: str) -> None:
    """A token may call exactly the methods at or below its role: those above are
    PERMISSION_DENIED, the others are never refused by authentication (whatever else they
    answer to an empty request)."""
    if role == "bootstrap":
        token, level = ADMIN_TOKEN, ROLE_LEVELS["admin"]
    else:
        token = (await create_token(manager.port, f"table-{role}", role)).secret
        level = ROLE_LEVELS[role]
    wrong: dict[str, str] = {}
    checked = 0
    async with api_channel(f"127.0.0.1:{manager.port}", token) as channel:
        for method in managers_methods():
            need = ACCESS[method.path]
            if need in (MESH, PUBLIC):
                continue
            code = await call_empty(channel, method)
            checked += 1
            if ROLE_LEVELS[need] > level:
                if code != grpc.StatusCode.PERMISSION_DENIED:
                    wrong[method.path] = f"{code.name}, expected PERMISSION_DENIED (needs {need})"
            elif code in REFUSALS:
                wrong[method.path] = f"{code.name}, but {role} may call it (needs {need})"
    assert checked > 80
    assert not wrong, wrong


async def test_permission_denied_names_the_role_needed_and_the_callers(manager: Manager) -> None:
    """The refusal says which role the method needs and which the token has."""
    viewer = await create_token(manager.port, "read-only", "viewer")
    async with api_channel(f"127.0.0.1:{manager.port}", viewer.secret) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await chargers_pb2_grpc.ChargerServiceStub(channel).Reset(
                chargers_pb2.ResetRequest(charger_id="CP-1")
            )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    details = refused.value.details() or ""
    assert "needs role operator" in details, details
    assert "'read-only' has role viewer" in details, details


async def test_unauthenticated_says_how_to_send_a_token(manager: Manager) -> None:
    """A call without a token is told the header to send."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{manager.port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await chargers_pb2_grpc.ChargerServiceStub(channel).ListChargers(
                chargers_pb2.ListChargersRequest()
            )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "authorization: Bearer <token>" in (refused.value.details() or "")


async def test_security_settings_need_admin_though_the_command_needs_operator(
    manager: Manager,
) -> None:
    """ChangeConfiguration of AuthorizationKey and SetVariables of SecurityCtrlr are an
    admin's; the same commands on other keys are an operator's."""
    operator = await create_token(manager.port, "ops", "operator")
    target = f"127.0.0.1:{manager.port}"
    async with api_channel(target, operator.secret) as op, api_channel(target) as admin:
        for channel, key, refused in (
            (op, "AuthorizationKey", True),
            (op, "SecurityProfile", True),
            (op, "HeartbeatInterval", False),
            (admin, "AuthorizationKey", False),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await chargers_pb2_grpc.ChargerServiceStub(channel).ChangeConfiguration(
                    chargers_pb2.ChangeConfigurationRequest(
                        charger_id="NOBODY", key=key, value="0123456789abcdef"
                    )
                )
            denied = failed.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert denied == refused, (key, failed.value.code(), failed.value.details())
        for component, variable, refused in (
            ("SecurityCtrlr", "BasicAuthPassword", True),
            ("OCPPCommCtrlr", "NetworkConfigurationPriority", True),
            ("OCPPCommCtrlr", "HeartbeatInterval", False),
        ):
            item = device_model_pb2.SetVariableItem(
                key=device_model_pb2.VariableKey(component=component, variable=variable),
                value="1",
            )
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await device_model_pb2_grpc.DeviceModelServiceStub(op).SetVariables(
                    device_model_pb2.SetVariablesRequest(charger_id="NOBODY", items=[item])
                )
            denied = failed.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert denied == refused, (variable, failed.value.code(), failed.value.details())


async def test_mesh_rpcs_need_the_mesh_secret_not_a_token(manager: Manager) -> None:
    """Events/Admit and Events/Stream refuse an admin's token (UNAUTHENTICATED); with the
    mesh secret Admit is served."""
    target = f"127.0.0.1:{manager.port}"
    admit = events_pb2.AdmitRequest(
        charger_id="MESH-1", node_id="n-1", ocpp_version=to_proto_version("1.6")
    )
    async with api_channel(target) as admin:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await events_pb2_grpc.EventsStub(admin).Admit(admit)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "mesh secret" in (refused.value.details() or "")
        stream = events_pb2_grpc.EventsStub(admin).Stream(iter([events_pb2.NodeMessage()]))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in stream:
                pass
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with mesh_channel(target, "not-the-mesh-secret-0000") as wrong:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await events_pb2_grpc.EventsStub(wrong).Admit(admit)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    async with mesh_channel(target) as mesh:
        await events_pb2_grpc.EventsStub(mesh).Admit(admit)


@pytest.fixture
async def tokens(sqlite_url: str) -> AsyncIterator[SqlTokenStore]:
    """The token store on a SQLite database of this test's own."""
    owner = await SqlChargerStore.open(sqlite_url)
    try:
        yield SqlTokenStore(owner.engine)
    finally:
        await owner.aclose()


async def test_a_method_missing_from_the_table_is_refused(tokens: SqlTokenStore) -> None:
    """A served method the access table does not name is PERMISSION_DENIED, even for an
    admin: nothing is allowed by default."""
    authenticator = Authenticator(tokens, admin_token=ADMIN_TOKEN, clock=_now)
    table = {path: need for path, need in ACCESS.items() if not path.endswith("/WhoAmI")}
    interceptor = OperatorAuthInterceptor(
        authenticator, mesh_secret=MESH_SECRET, audit=RecordingAudit(), access=table
    )
    server = grpc.aio.server(interceptors=[interceptor])
    auth_pb2_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(tokens, authenticator, _now), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with api_channel(f"127.0.0.1:{port}") as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.WhoAmI(auth_pb2.WhoAmIRequest())
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "access table" in (refused.value.details() or "")
            listed = await stub.ListTokens(auth_pb2.ListTokensRequest())
            assert list(listed.tokens) == []
    finally:
        await server.stop(None)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# -- tokens ----------------------------------------------------------------------------------


async def test_token_lifecycle(manager: Manager) -> None:
    """An admin creates a token whose secret is shown once and stored only as its SHA-256;
    it works with its role, is listed without its secret, and once revoked is refused at
    once (the cache forgets it), its name free again."""
    target = f"127.0.0.1:{manager.port}"
    created = await create_token(manager.port, "night-shift", "operator")
    secret = created.secret
    assert re.fullmatch(r"csms_[A-Za-z0-9_\-]{43}", secret), secret
    assert re.fullmatch(r"tok_[a-z0-9]{12}", created.token.token_id), created.token.token_id
    assert created.token.name == "night-shift"
    assert created.token.role == auth_pb2.ROLE_OPERATOR
    assert created.token.created_by == "bootstrap"

    tokens = manager.stores.tokens
    assert isinstance(tokens, SqlTokenStore)
    async with tokens.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM api_tokens"))).mappings().all()
    assert len(rows) == 1
    row = dict(rows[0])
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values()), row

    async with api_channel(target, secret) as channel:
        me = await auth_pb2_grpc.AuthServiceStub(channel).WhoAmI(auth_pb2.WhoAmIRequest())
        assert (me.name, me.role) == ("night-shift", auth_pb2.ROLE_OPERATOR)
        with pytest.raises(grpc.aio.AioRpcError) as failed:  # allowed: the charger is unknown
            await chargers_pb2_grpc.ChargerServiceStub(channel).Reset(
                chargers_pb2.ResetRequest(charger_id="NOBODY")
            )
        assert failed.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.aio.AioRpcError) as failed:  # an operator makes no tokens
            await auth_pb2_grpc.AuthServiceStub(channel).CreateToken(
                auth_pb2.CreateTokenRequest(name="mine", role=auth_pb2.ROLE_ADMIN)
            )
        assert failed.value.code() == grpc.StatusCode.PERMISSION_DENIED

    async with api_channel(target) as admin:
        auth = auth_pb2_grpc.AuthServiceStub(admin)
        listed = await auth.ListTokens(auth_pb2.ListTokensRequest())
        assert [t.name for t in listed.tokens] == ["night-shift"]
        assert listed.tokens[0].HasField("last_used_at")
        assert secret not in str(listed)
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await auth.CreateToken(
                auth_pb2.CreateTokenRequest(name="night-shift", role=auth_pb2.ROLE_VIEWER)
            )
        assert failed.value.code() == grpc.StatusCode.ALREADY_EXISTS
        for bad in ("", "x" * 65, " padded"):
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await auth.CreateToken(
                    auth_pb2.CreateTokenRequest(name=bad, role=auth_pb2.ROLE_VIEWER)
                )
            assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT, bad
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await auth.CreateToken(auth_pb2.CreateTokenRequest(name="no-role"))
        assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        revoked = await auth.RevokeToken(
            auth_pb2.RevokeTokenRequest(token_id=created.token.token_id)
        )
        assert revoked.HasField("revoked_at")
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await auth.RevokeToken(auth_pb2.RevokeTokenRequest(token_id="tok_nonexistent"))
        assert failed.value.code() == grpc.StatusCode.NOT_FOUND

    async with api_channel(target, secret) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await auth_pb2_grpc.AuthServiceStub(channel).WhoAmI(auth_pb2.WhoAmIRequest())
        assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED

    async with api_channel(target) as admin:
        auth = auth_pb2_grpc.AuthServiceStub(admin)
        assert list((await auth.ListTokens(auth_pb2.ListTokensRequest())).tokens) == []
        everything = await auth.ListTokens(auth_pb2.ListTokensRequest(include_revoked=True))
        assert [t.token_id for t in everything.tokens] == [created.token.token_id]
        again = await auth.CreateToken(
            auth_pb2.CreateTokenRequest(name="night-shift", role=auth_pb2.ROLE_VIEWER)
        )
        assert again.secret != secret


async def test_token_lookups_are_cached_and_use_is_recorded_once_a_minute(
    tokens: SqlTokenStore,
) -> None:
    """Repeated calls with one token read the store once per TTL, and last_used_at is
    written at most once per interval."""
    clock_now = [0.0]
    reads: list[str] = []
    touches: list[str] = []
    original_by_hash, original_touch = tokens.by_hash, tokens.touch

    async def by_hash(token_hash: str) -> Any:
        reads.append(token_hash)
        return await original_by_hash(token_hash)

    async def touch(token_id: str, *, at: Any) -> None:
        touches.append(token_id)
        await original_touch(token_id, at=at)

    tokens.by_hash = by_hash  # type: ignore[method-assign]
    tokens.touch = touch  # type: ignore[method-assign]
    secret = "csms_" + "a" * 43
    await tokens.create(
        token_id="tok_aaaaaaaaaaaa",
        name="cached",
        role="viewer",
        token_hash=hash_secret(secret),
        created_by="test",
        at=_now(),
    )
    auth = Authenticator(
        tokens, admin_token=ADMIN_TOKEN, clock=_now, ttl=5.0, monotonic=lambda: clock_now[0]
    )
    for _ in range(10):
        caller = await auth.authenticate(secret)
        assert caller is not None
        assert caller.name == "cached"
    assert len(reads) == 1
    assert len(touches) == 1
    clock_now[0] = 6.0
    await auth.authenticate(secret)
    assert len(reads) == 2
    assert len(touches) == 1
    clock_now[0] = 61.0
    await auth.authenticate(secret)
    assert len(reads) == 3
    assert len(touches) == 2
    await tokens.revoke("tok_aaaaaaaaaaaa", at=_now())
    auth.forget("tok_aaaaaaaaaaaa")  # within the TTL: only forgetting makes it re-read
    assert await auth.authenticate(secret) is None
    assert len(reads) == 4
    bootstrap = await auth.authenticate(ADMIN_TOKEN)
    assert bootstrap is not None
    assert (bootstrap.name, bootstrap.role) == ("bootstrap", "admin")
    assert len(reads) == 4  # the bootstrap token is never looked up


# -- audit -----------------------------------------------------------------------------------


async def test_operator_calls_and_refusals_are_audited_without_secrets(
    audited: tuple[Manager, RecordingAudit],
) -> None:
    """A command is audited with its caller, action, charger and outcome; a read is not; a
    refusal is, as anonymous; passwords and security values never reach the audit."""
    manager, audit = audited
    target = f"127.0.0.1:{manager.port}"
    async with api_channel(target) as admin:
        chargers = chargers_pb2_grpc.ChargerServiceStub(admin)
        await chargers.ListChargers(chargers_pb2.ListChargersRequest())
        assert audit.entries == []
        with pytest.raises(grpc.aio.AioRpcError):
            await chargers.Reset(chargers_pb2.ResetRequest(charger_id="AUD-1"))
        with pytest.raises(grpc.aio.AioRpcError):
            await chargers.ChangeConfiguration(
                chargers_pb2.ChangeConfigurationRequest(
                    charger_id="AUD-1", key="AuthorizationKey", value="s3cret-password-123"
                )
            )
        await chargers.CreateCharger(
            chargers_pb2.CreateChargerRequest(
                charger_id="AUD-2", security_profile=1, password="another-s3cret-password"
            )
        )
    async with grpc.aio.insecure_channel(target) as anonymous:
        with pytest.raises(grpc.aio.AioRpcError):
            await chargers_pb2_grpc.ChargerServiceStub(anonymous).Reset(
                chargers_pb2.ResetRequest(charger_id="AUD-1")
            )
    reset, change, create, refused = audit.entries
    assert (reset.actor, reset.role, reset.action, reset.charger_id, reset.outcome) == (
        "bootstrap",
        "admin",
        "ChargerService/Reset",
        "AUD-1",
        "NOT_FOUND",
    )
    assert reset.source.startswith("ipv"), reset.source
    assert '"charger_id":"AUD-1"' in reset.detail
    assert change.action == "ChargerService/ChangeConfiguration"
    assert "AuthorizationKey" in change.detail
    assert (create.action, create.charger_id, create.outcome) == (
        "ChargerService/CreateCharger",
        "AUD-2",
        "OK",
    )
    for entry in (change, create):
        assert "s3cret" not in repr(entry), entry
    assert (refused.actor, refused.outcome, refused.action) == (
        "anonymous",
        "UNAUTHENTICATED",
        "ChargerService/Reset",
    )


# -- through Envoy ---------------------------------------------------------------------------


async def test_json_api_through_envoy_is_401_403_or_served(sqlite_url: str) -> None:
    """Through the real Envoy: no token is HTTP 401 with a JSON status, a viewer resetting a
    charger 403 naming the role, a viewer's read 200, and an operator's reset reaches the
    manager."""
    async with gateway_stack(sqlite_url) as s:
        viewer = await create_token(s.manager.port, "web-viewer", "viewer")
        operator = await create_token(s.manager.port, "web-operator", "operator")

        anonymous = await http("GET", f"{s.base}/v1/chargers", token=None)
        assert anonymous.status == 401, anonymous.body
        assert anonymous.headers["content-type"] == "application/json"
        assert anonymous.json()["code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
        assert "Authorization: Bearer <token>" in anonymous.json()["message"]

        reset = {"kind": "RESET_KIND_SOFT"}
        denied = await http("POST", f"{s.base}/v1/chargers/GW-1:reset", reset, token=viewer.secret)
        assert denied.status == 403, denied.body
        assert denied.json()["code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]
        assert "needs role operator" in denied.json()["message"]

        listed = await http("GET", f"{s.base}/v1/chargers", token=viewer.secret)
        assert listed.status == 200, listed.body
        me = await http("GET", f"{s.base}/v1/auth/whoami", token=viewer.secret)
        assert me.status == 200, me.body
        assert me.json()["name"] == "web-viewer"

        allowed = await http(
            "POST", f"{s.base}/v1/chargers/GW-1:reset", reset, token=operator.secret
        )
        assert allowed.status == 404, allowed.body  # past authentication: no such charger

        tokens = await http("GET", f"{s.base}/v1/tokens")  # the admin token
        assert tokens.status == 200, tokens.body
        assert {t["name"] for t in tokens.json()["tokens"]} == {"web-viewer", "web-operator"}


# -- make run ---------------------------------------------------------------------------------


async def test_make_run_prints_an_admin_token_that_works_and_keeps_it(tmp_path: Path) -> None:
    """Without CSMS_ADMIN_TOKEN, `make run` generates an admin token, prints it with a curl
    example, keeps it in a 0600 file, and uses the same one on the next run; the JSON API
    accepts it and refuses calls without it; the log (Envoy's access log included) never
    shows it."""
    token_file = tmp_path / "var" / "admin-token"
    printed: list[str] = []
    logs: list[bytes] = []
    for _ in range(2):
        gateway_port = free_port()
        env = {
            **os.environ,
            "NODE_PORT": str(free_port()),
            "NODE_HOST": "127.0.0.1",
            "MANAGER_PORT": str(free_port()),
            "GATEWAY_PORT": str(gateway_port),
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_ADMIN_PORT": "0",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
            "CSMS_ADMIN_TOKEN_FILE": str(token_file),
            "LOG_LEVEL": "INFO",  # as much log as there is, to look for the token in
        }
        for name in ("REDIS_URL", "CSMS_ADMIN_TOKEN", "MESH_SECRET"):
            env.pop(name, None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.embedded",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        log_reader = asyncio.create_task(proc.stderr.read())
        try:
            assert proc.stdout is not None
            banner = ""
            while "Press Ctrl+C" not in banner:
                line = await asyncio.wait_for(proc.stdout.readline(), 40 * UNIT)
                assert line, f"embedded process exited early; printed: {banner!r}"
                banner += line.decode()
            found = re.search(r"admin token: (csms_[A-Za-z0-9_\-]+)", banner)
            assert found, banner
            token = found[1]
            printed.append(token)
            assert f'curl -H "Authorization: Bearer {token}" http://localhost:{gateway_port}/' in (
                banner
            )
            base = f"http://127.0.0.1:{gateway_port}"
            assert (await http("GET", f"{base}/v1/chargers", token=token)).status == 200
            assert (await http("GET", f"{base}/v1/chargers", token=None)).status == 401
        finally:
            if proc.returncode is None:
                proc.terminate()
            await asyncio.wait_for(proc.wait(), 30 * UNIT)
            logs.append(await asyncio.wait_for(log_reader, 10 * UNIT))
    assert printed[0] == printed[1]
    log = b"".join(logs).decode(errors="replace")
    assert "GET /v1/chargers" in log  # the access log is there ...
    assert printed[0] not in log  # ... without the token
    assert token_file.read_text().strip() == printed[0]
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_a_short_admin_token_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """CSMS_ADMIN_TOKEN shorter than 16 characters stops the manager with a message that
    says how to make a good one; a long one is taken as is."""
    monkeypatch.setenv("CSMS_ADMIN_TOKEN", "admin")
    with pytest.raises(ConfigError, match="CSMS_ADMIN_TOKEN is 5 characters long"):
        ManagerSettings.from_env(auto_register_default=False, mesh_secret=MESH_SECRET)
    monkeypatch.setenv("CSMS_ADMIN_TOKEN", ADMIN_TOKEN)
    assert (
        ManagerSettings.from_env(auto_register_default=False, mesh_secret=MESH_SECRET).admin_token
        == ADMIN_TOKEN
    )


def test_audit_summaries_leave_out_secrets() -> None:
    """A request summary keeps ids (charger, page token, OCPP id token) and drops passwords,
    secrets, tokens, security values and raw payloads."""
    summary = request_summary(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="CP-1", key="AuthorizationKey", value="s3cret-s3cret-s3cret"
        )
    )
    assert '"charger_id":"CP-1"' in summary
    assert "s3cret" not in summary
    plain = request_summary(
        chargers_pb2.ChangeConfigurationRequest(
            charger_id="CP-1", key="HeartbeatInterval", value="60"
        )
    )
    assert '"value":"60"' in plain
    item = device_model_pb2.SetVariableItem(
        key=device_model_pb2.VariableKey(component="SecurityCtrlr", variable="BasicAuthPassword"),
        value="s3cret-s3cret-s3cret",
    )
    assert "s3cret" not in request_summary(
        device_model_pb2.SetVariablesRequest(charger_id="CP-1", items=[item])
    )
    created = request_summary(
        chargers_pb2.CreateChargerRequest(charger_id="CP-2", password="s3cret-s3cret-s3cret")
    )
    assert "s3cret" not in created
    assert "CP-2" in created
    raw = request_summary(
        chargers_pb2.SendCallRequest(
            charger_id="CP-1", action="ChangeConfiguration", payload_json='{"value":"s3cret"}'
        )
    )
    assert "s3cret" not in raw
    assert "ChangeConfiguration" in raw
    secret = request_summary(auth_pb2.CreateTokenResponse(secret="csms_s3cret"))
    assert "s3cret" not in secret
