"""The deployment shape (docker-compose.yml) publishes only the gateway, and starts each
service after what it needs is healthy. No Docker engine runs on these machines, so the
file itself is what is checked (`make check-deploy` checks it against the compose spec;
tests/test_deploy.py against the code)."""

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
    tools reach the deployment through Envoy only (its 8080). Optional services (a
    profile, e.g. observability's Prometheus) publish on the host's loopback at most."""
    services = _services()
    published = {
        name: spec["ports"]
        for name, spec in services.items()
        if spec.get("ports") and not spec.get("profiles")
    }
    assert published == {"envoy": ["8080:8080"]}
    for name, spec in services.items():
        if spec.get("profiles"):
            for port in spec.get("ports", []):
                assert str(port).startswith("127.0.0.1:"), (
                    f"{name} publishes {port} beyond loopback"
                )


def test_every_service_has_a_health_check() -> None:
    """Each service says when it is ready: datastores with their own tools, the mesh
    services with a gRPC health check (python -m services.healthcheck), Envoy through its
    admin interface."""
    for name, spec in _services().items():
        test = (spec.get("healthcheck") or {}).get("test")
        assert test, f"service {name} has no healthcheck"
        assert test[0] in ("CMD", "CMD-SHELL"), f"service {name}: healthcheck test {test}"
        if name in ("manager", "registry") or name.startswith("node-"):
            assert test[1:4] == ["python", "-m", "services.healthcheck"], name


def test_services_start_after_what_they_need_is_healthy() -> None:
    """Every depends_on names a service that exists and has a health check, and waits for
    it to be healthy (a started container is not a ready one)."""
    services = _services()
    for name, spec in services.items():
        depends = spec.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on must say condition: service_healthy"
        for target, condition in depends.items():
            assert target in services, f"{name} depends on {target}, which is no service"
            assert services[target].get("healthcheck"), (
                f"{name} waits for {target}, which has no healthcheck"
            )
            assert condition == {"condition": "service_healthy"}, f"{name} -> {target}: {condition}"
    needs = {
        "manager": {"postgres", "redis", "mongo"},
        "registry": {"redis"},
        "envoy": {"manager"} | {n for n in services if n.startswith("node-")},
    }
    for name, wanted in needs.items():
        assert wanted <= set(services[name]["depends_on"]), f"{name} does not wait for {wanted}"
    for name in services:
        if name.startswith("node-"):
            assert {"manager", "redis", "mongo"} <= set(services[name]["depends_on"]), name


def test_three_nodes_journal_to_mongodb() -> None:
    """The deployment runs three nodes, and they and the manager use MongoDB (mongo:8) as
    the frame journal."""
    services = _services()
    nodes = sorted(name for name in services if name.startswith("node-"))
    assert nodes == ["node-1", "node-2", "node-3"]
    assert services["mongo"]["image"] == "mongo:8"
    for name in ["manager", *nodes]:
        url = services[name]["environment"]["JOURNAL_URL"]
        assert url.startswith("mongodb://"), name
        assert "@mongo:27017/csms" in url, name


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
