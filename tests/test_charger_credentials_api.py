"""Password rotation and security profile upgrade from the API (issue 11, acceptance 2).

Chargers are the `ocpp` library's ChargePoint over real websockets, authenticating with
HTTP Basic (and TLS where the profile asks); the API is called over real gRPC as admin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from ocpp.routing import on
from ocpp.v16 import call_result as result16
from websockets.asyncio.client import ClientConnection

from services.manager import Manager
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    Charger16,
    Station201,
    api_channel,
    charger_url,
    connected,
)
from tests.pki import ChargerPki, make_pki
from tests.secured import (
    RecordingAudit,
    add_charger,
    basic,
    boots,
    refused,
    secured_manager,
    wss_url,
)

OLD_PASSWORD = "old-password-0123"  # 17 characters


class Rotating16(Charger16):
    """A 1.6 charger that keeps the AuthorizationKey and SecurityProfile it is sent
    (decoding the key from hexadecimal, as the security whitepaper says) or refuses them."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection)
        self.accept = True
        self.authorization_key: str | None = None
        self.security_profile: str | None = None

    @on("ChangeConfiguration")  # type: ignore[untyped-decorator]
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> result16.ChangeConfiguration:
        if not self.accept:
            return result16.ChangeConfiguration(status="Rejected")
        if key == "AuthorizationKey":
            self.authorization_key = bytes.fromhex(value).decode()
        elif key == "SecurityProfile":
            self.security_profile = value
        else:
            return result16.ChangeConfiguration(status="NotSupported")
        return result16.ChangeConfiguration(status="Accepted")


def set_variables_answer(status: str, component: str, variable: str) -> dict[str, Any]:
    return {
        "set_variable_result": [
            {
                "attribute_status": status,
                "component": {"name": component},
                "variable": {"name": variable},
            }
        ]
    }


@pytest.fixture
def pki(tmp_path: Path) -> ChargerPki:
    return make_pki(tmp_path, ("CP-1",))


@pytest.fixture
async def manager(registry: RedisRegistry, postgres_url: str) -> AsyncIterator[Manager]:
    async with secured_manager(registry, postgres_url, RecordingAudit(), charger_tls=True) as m:
        yield m


@pytest.fixture
def node_tls(pki: ChargerPki) -> tuple[str, str, str]:
    """The shared ``node`` fixture opens its wss:// port with the test PKI."""
    return pki.node_tls


@pytest.fixture
async def api(manager: Manager) -> AsyncIterator[chargers_pb2_grpc.ChargerServiceAsyncStub]:
    async with api_channel(f"127.0.0.1:{manager.port}") as channel:
        yield chargers_pb2_grpc.ChargerServiceStub(channel)


async def get(
    api: chargers_pb2_grpc.ChargerServiceAsyncStub, charger_id: str
) -> chargers_pb2.Charger:
    return await api.GetCharger(chargers_pb2.GetChargerRequest(charger_id=charger_id))


async def test_rotation_16_old_password_works_until_the_new_one_is_used(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """1.6: a generated password goes out hex-encoded in AuthorizationKey and is returned
    once; both passwords work until the charger connects with the new one, then only the
    new one does. The key's value is never recorded as configuration."""
    await add_charger(manager, "CP-16", 1, OLD_PASSWORD)
    url = charger_url(node, "CP-16")
    async with connected(
        Rotating16, url, "CP-16", additional_headers=basic("CP-16", OLD_PASSWORD), node=node
    ) as cp:
        await cp.boot()
        answer = await api.RotateChargerPassword(
            chargers_pb2.RotateChargerPasswordRequest(charger_id="CP-16")
        )
        assert answer.status == "Accepted"
        new_password = answer.password
        assert len(new_password) == 20  # the AuthorizationKey's 20 bytes
        assert cp.authorization_key == new_password
    charger = await get(api, "CP-16")
    assert charger.has_password
    assert charger.password_rotation_pending
    keys = await api.ListConfigurationKeys(
        chargers_pb2.ListConfigurationKeysRequest(charger_id="CP-16")
    )
    assert "AuthorizationKey" not in [entry.key for entry in keys.entries]

    await boots(url, "CP-16", additional_headers=basic("CP-16", OLD_PASSWORD))
    await boots(url, "CP-16", additional_headers=basic("CP-16", new_password))
    assert not (await get(api, "CP-16")).password_rotation_pending
    error = await refused(url, "CP-16", additional_headers=basic("CP-16", OLD_PASSWORD))
    assert error.response.status_code == 401
    await boots(url, "CP-16", additional_headers=basic("CP-16", new_password))


async def test_rotation_16_rejected_changes_nothing(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """1.6: a charger that rejects the new AuthorizationKey leaves everything as it was,
    and the caller gets FAILED_PRECONDITION naming the answer."""
    await add_charger(manager, "CP-16", 1, OLD_PASSWORD)
    url = charger_url(node, "CP-16")
    async with connected(
        Rotating16, url, "CP-16", additional_headers=basic("CP-16", OLD_PASSWORD), node=node
    ) as cp:
        cp.accept = False
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await api.RotateChargerPassword(
                chargers_pb2.RotateChargerPasswordRequest(
                    charger_id="CP-16", password="a-new-password-16"
                )
            )
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "answered Rejected" in (caught.value.details() or "")
    charger = await get(api, "CP-16")
    assert not charger.password_rotation_pending
    error = await refused(url, "CP-16", additional_headers=basic("CP-16", "a-new-password-16"))
    assert error.response.status_code == 401
    await boots(url, "CP-16", additional_headers=basic("CP-16", OLD_PASSWORD))


async def test_rotation_201_end_to_end(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """2.0.1: the password given goes out in SetVariables SecurityCtrlr.BasicAuthPassword and
    is not echoed back; after the charger connects with it the old one is refused. A
    charger answering Rejected changes nothing."""
    await add_charger(manager, "CS-2", 1, OLD_PASSWORD)
    url = charger_url(node, "CS-2")
    headers = basic("CS-2", OLD_PASSWORD)
    async with connected(Station201, url, "CS-2", additional_headers=headers, node=node) as cs:
        cs.answers["SetVariables"] = set_variables_answer(
            "Rejected", "SecurityCtrlr", "BasicAuthPassword"
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await api.RotateChargerPassword(
                chargers_pb2.RotateChargerPasswordRequest(
                    charger_id="CS-2", password="rejected-password-1"
                )
            )
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert not (await get(api, "CS-2")).password_rotation_pending

        cs.answers["SetVariables"] = set_variables_answer(
            "Accepted", "SecurityCtrlr", "BasicAuthPassword"
        )
        answer = await api.RotateChargerPassword(
            chargers_pb2.RotateChargerPasswordRequest(
                charger_id="CS-2", password="new-password-2.0.1"
            )
        )
        assert answer.status == "Accepted"
        assert answer.password == ""
        sent = cs.requests("SetVariables")[-1]["set_variable_data"][0]
        assert sent["attribute_value"] == "new-password-2.0.1"
        assert sent["component"]["name"] == "SecurityCtrlr"
        assert sent["variable"]["name"] == "BasicAuthPassword"
    assert (await get(api, "CS-2")).password_rotation_pending
    async with connected(
        Station201, url, "CS-2", additional_headers=basic("CS-2", "new-password-2.0.1"), node=node
    ) as cs:
        assert (await cs.boot()).status == "Accepted"
    error = await refused(url, "CS-2", subprotocol="ocpp2.0.1", additional_headers=headers)
    assert error.response.status_code == 401


async def test_rotation_refuses_a_password_the_version_cannot_hold(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A password too short, or too long for 1.6's 20-byte AuthorizationKey, is
    INVALID_ARGUMENT naming the field, before anything is sent."""
    await add_charger(manager, "CP-16", 1, OLD_PASSWORD)
    async with connected(
        Rotating16,
        charger_url(node, "CP-16"),
        "CP-16",
        additional_headers=basic("CP-16", OLD_PASSWORD),
        node=node,
    ) as cp:
        for password in ("short", "x" * 21):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await api.RotateChargerPassword(
                    chargers_pb2.RotateChargerPasswordRequest(charger_id="CP-16", password=password)
                )
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "password" in (caught.value.details() or "")
        assert cp.authorization_key is None


async def test_change_configuration_refuses_credential_keys(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """ChangeConfiguration of AuthorizationKey or SecurityProfile is refused, naming the RPC
    that keeps the CSMS's record in step."""
    await add_charger(manager, "CP-16", 1, OLD_PASSWORD)
    async with connected(
        Rotating16,
        charger_url(node, "CP-16"),
        "CP-16",
        additional_headers=basic("CP-16", OLD_PASSWORD),
        node=node,
    ):
        for key, rpc in (
            ("AuthorizationKey", "RotateChargerPassword"),
            ("securityprofile", "SetSecurityProfile"),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await api.ChangeConfiguration(
                    chargers_pb2.ChangeConfigurationRequest(charger_id="CP-16", key=key, value="1")
                )
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert rpc in (caught.value.details() or "")


async def test_security_profile_upgrade_16(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub, pki: ChargerPki
) -> None:
    """1.6: SetSecurityProfile 1 -> 2 sends ChangeConfiguration SecurityProfile and records
    2 once accepted: plain ws is refused from then on, wss:// with the password boots; a
    downgrade back to 1 is FAILED_PRECONDITION."""
    await add_charger(manager, "CP-1", 1, OLD_PASSWORD)
    url = charger_url(node, "CP-1")
    headers = basic("CP-1", OLD_PASSWORD)
    async with connected(Rotating16, url, "CP-1", additional_headers=headers, node=node) as cp:
        answer = await api.SetSecurityProfile(
            chargers_pb2.SetSecurityProfileRequest(charger_id="CP-1", security_profile=2)
        )
        assert answer.status == "Accepted"
        assert answer.security_profile == 2
        assert cp.security_profile == "2"
    assert (await get(api, "CP-1")).security_profile == 2
    error = await refused(url, "CP-1", additional_headers=headers)
    assert error.response.status_code == 401
    await boots(wss_url(node, "CP-1"), "CP-1", additional_headers=headers, ssl=pki.client_context())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.SetSecurityProfile(
            chargers_pb2.SetSecurityProfileRequest(charger_id="CP-1", security_profile=1)
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "downgrade" in (caught.value.details() or "")


async def test_security_profile_upgrade_rejected_keeps_the_profile(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """A charger that rejects the new SecurityProfile keeps its recorded profile."""
    await add_charger(manager, "CP-1", 1, OLD_PASSWORD)
    url = charger_url(node, "CP-1")
    async with connected(
        Rotating16, url, "CP-1", additional_headers=basic("CP-1", OLD_PASSWORD), node=node
    ) as cp:
        cp.accept = False
        answer = await api.SetSecurityProfile(
            chargers_pb2.SetSecurityProfileRequest(charger_id="CP-1", security_profile=2)
        )
        assert answer.status == "Rejected"
        assert answer.security_profile == 1
    assert (await get(api, "CP-1")).security_profile == 1


async def test_security_profile_upgrade_201_uses_the_network_slot(
    manager: Manager, node: Node, api: chargers_pb2_grpc.ChargerServiceAsyncStub
) -> None:
    """2.0.1: SetSecurityProfile needs the slot a SetNetworkProfile filled; it sets
    NetworkConfigurationPriority to it, then resets the station OnIdle (A05), and records
    the profile."""
    await add_charger(manager, "CS-2", 1, OLD_PASSWORD)
    url = charger_url(node, "CS-2")
    async with connected(
        Station201, url, "CS-2", additional_headers=basic("CS-2", OLD_PASSWORD), node=node
    ) as cs:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await api.SetSecurityProfile(
                chargers_pb2.SetSecurityProfileRequest(charger_id="CS-2", security_profile=2)
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "configuration_slot" in (caught.value.details() or "")
        cs.answers["SetVariables"] = set_variables_answer(
            "Accepted", "OCPPCommCtrlr", "NetworkConfigurationPriority"
        )
        answer = await api.SetSecurityProfile(
            chargers_pb2.SetSecurityProfileRequest(
                charger_id="CS-2", security_profile=2, configuration_slot=2
            )
        )
        assert answer.status == "Accepted"
        sent = cs.requests("SetVariables")[-1]["set_variable_data"][0]
        assert sent["variable"]["name"] == "NetworkConfigurationPriority"
        assert sent["attribute_value"] == "2"
        assert cs.requests("Reset") == [{"type": "OnIdle"}]
    assert (await get(api, "CS-2")).security_profile == 2


async def test_security_profile_needs_tls_where_none_is_offered(
    registry: RedisRegistry, postgres_url: str
) -> None:
    """Profiles 2 and 3 are refused (FAILED_PRECONDITION naming the settings) where chargers
    have no TLS port, before anything is sent; profile 1 needs a password first."""
    async with (
        secured_manager(registry, postgres_url, RecordingAudit(), charger_tls=False) as manager,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        api = chargers_pb2_grpc.ChargerServiceStub(channel)
        await add_charger(manager, "CP-1", 1, OLD_PASSWORD)
        await add_charger(manager, "CP-0", 0)
        for charger_id, profile, expected in (
            ("CP-1", 2, "NODE_TLS_PORT"),
            ("CP-1", 3, "NODE_TLS_PORT"),
            ("CP-0", 1, "RotateChargerPassword"),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await api.SetSecurityProfile(
                    chargers_pb2.SetSecurityProfileRequest(
                        charger_id=charger_id, security_profile=profile
                    )
                )
            assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert expected in (caught.value.details() or "")
