"""Chargers over TLS through the gateway: Envoy passes wss:// through at TCP level to the
nodes' TLS ports, so certificates are verified by the node (docs/adr/0012)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from services.gateway import Envoy, GatewaySettings
from services.gateway._config import GatewayConfigError, render
from services.registry import MemoryRegistry
from tests.harness import ROOT, UNIT, Charger16, connected, free_port, running_node
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


async def test_make_run_with_tls(tmp_path: Path) -> None:
    """`make run` with NODE_TLS_* and GATEWAY_TLS_PORT: the banner names both wss:// doors and
    a charger boots through the gateway's TLS port."""
    pki = make_pki(tmp_path, ())
    cert, key, client_ca = pki.node_tls
    gateway_tls_port = free_port()
    env = {
        **os.environ,
        "NODE_PORT": str(free_port()),
        "NODE_HOST": "127.0.0.1",
        "NODE_TLS_PORT": str(free_port()),
        "NODE_TLS_CERT": cert,
        "NODE_TLS_KEY": key,
        "NODE_TLS_CLIENT_CA": client_ca,
        "MANAGER_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_TLS_PORT": str(gateway_tls_port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.embedded", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 40 * UNIT)
            assert line, f"embedded process exited early; printed: {banner!r}"
            banner += line.decode()
        assert f"wss://localhost:{env['NODE_TLS_PORT']}/ocpp/<charger-id>" in banner
        assert f"wss://localhost:{gateway_tls_port}/ocpp/<charger-id>" in banner
        await boots(
            f"wss://127.0.0.1:{gateway_tls_port}/ocpp/EMB-TLS",
            "EMB-TLS",
            ssl=pki.client_context(),
        )
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30 * UNIT)
