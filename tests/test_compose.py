"""The deployment shape (docker-compose.yml) publishes only the gateway. No Docker engine
runs on these machines, so the file itself is what is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def _services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(COMPOSE.read_text())
    services: dict[str, dict[str, Any]] = document["services"]
    return services


def test_only_the_gateway_is_published() -> None:
    """Manager, registry, nodes and the databases publish no port: chargers, the UI and
    tools reach the deployment through Envoy only (its 8080)."""
    published = {name: spec["ports"] for name, spec in _services().items() if spec.get("ports")}
    assert published == {"envoy": ["8080:8080"]}


def test_the_gateway_still_reaches_every_internal_service() -> None:
    """Unpublished is not unreachable inside the deployment: Envoy is pointed at the
    manager and at every node by their service names."""
    services = _services()
    gateway = services["envoy"]["environment"]
    assert gateway["GATEWAY_MANAGER"] == "manager:50051"
    nodes = {address.split(":")[0] for address in gateway["GATEWAY_NODES"].split(",")}
    assert nodes == {name for name in services if name.startswith("node-")}


def test_the_mesh_services_require_the_mesh_secret_and_envoy_does_not_get_it() -> None:
    """Manager, registry API and every node take MESH_SECRET from the environment, and
    compose refuses to start without it (``${MESH_SECRET:?...}``); the gateway and the
    databases never see it."""
    services = _services()
    mesh = {"manager", "registry"} | {name for name in services if name.startswith("node-")}
    for name, spec in services.items():
        value = (spec.get("environment") or {}).get("MESH_SECRET")
        if name in mesh:
            assert isinstance(value, str), name
            assert value.startswith("${MESH_SECRET:?"), name
            assert "MESH_SECRET" in value.split(":?", 1)[1], "the error names the variable"
        else:
            assert value is None, f"{name} must not get the mesh secret"
