"""Chargers over TLS through the gateway: Envoy passes wss:// through at TCP level to the
nodes' TLS ports, so certificates are verified by the node (docs/adr/0012)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway import Envoy, GatewaySettings
from services.gateway._config import GatewayConfigError, render
from services.registry import MemoryRegistry
from tests.harness import UNIT, Charger16, connected, free_port, running_node
from tests.pki import make_pki
from tests.secured import (
    RecordingAudit,
    add_charger,
    basic,
    boots,
    refused,
    secured_manager,
)

PASSWORD = "gateway-password-01"


async def test_profile_2_and_3_through_the_gateway(sqlite_url: str, tmp_path: Path) -> None:
    """A profile 2 charger (wss:// + Basic) and a profile 3 charger (its client certificate)
    boot through GATEWAY_TLS_PORT; another charger's certificate is still refused there."""
    pki = make_pki(tmp_path, ("CP-2", "CP-3", "CP-X"))
    registry = MemoryRegistry(lease_seconds=4 * UNIT)
    try:
        async with (
            secured_manager(registry, sqlite_url, RecordingAudit()) as manager,
            running_node(registry, manager.port, "gw-tls", tls=pki.node_tls) as node,
            Envoy(
                GatewaySettings(
                    manager_address=f"127.0.0.1:{manager.port}",
                    node_addresses=(f"127.0.0.1:{node.ws_port}",),
                    listen_host="127.0.0.1",
                    listen_port=free_port(),
                    admin_port=0,
                    concurrency=1,
                    ui_dir=None,
                    tls_port=free_port(),
                    tls_node_addresses=(f"127.0.0.1:{node.tls_port}",),
                ),
                start_timeout=20 * UNIT,
            ) as envoy,
        ):
            await add_charger(manager, "CP-2", 2, PASSWORD)
            await add_charger(manager, "CP-3", 3)
            base = f"wss://127.0.0.1:{envoy.settings.tls_port}/ocpp"
            await boots(
                f"{base}/CP-2",
                "CP-2",
                additional_headers=basic("CP-2", PASSWORD),
                ssl=pki.client_context(),
            )
            async with connected(
                Charger16, f"{base}/CP-3", "CP-3", ssl=pki.client_context("CP-3")
            ) as cp:
                assert (await cp.boot()).status == "Accepted"
            error = await refused(f"{base}/CP-3", "CP-3", ssl=pki.client_context("CP-X"))
            assert error.response.status_code == 401
    finally:
        await registry.aclose()


def test_tls_port_needs_node_addresses(tmp_path: Path) -> None:
    """GATEWAY_TLS_PORT without the nodes' TLS addresses is a configuration error naming
    GATEWAY_TLS_NODES."""
    settings = GatewaySettings(ui_dir=tmp_path, tls_port=8443)
    with pytest.raises(GatewayConfigError, match="GATEWAY_TLS_NODES"):
        render(settings)
