"""The deployment manifests (docker-compose.yml, deploy/k8s/, deploy/prometheus/) agree with
the code they run. No Docker engine or Kubernetes runs here: `make check-deploy` checks the
files against their schemas; these tests check what a schema cannot: that every variable a
manifest sets is one its service reads (tests/deploy_scan.py finds the reads in the code),
that what a service needs is set, that ports, probes and addresses line up with the
services' settings, and that no secret is written in a manifest."""

from __future__ import annotations

import ast
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy_scan import ROOT, default, entry_file, service_reads

COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
K8S = ROOT / "deploy" / "k8s"
SECRETS_EXAMPLE = K8S / "secrets.env.example"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "csms-dashboard.json"

MANAGER, REGISTRY, NODE, GATEWAY = (
    "services.manager",
    "services.registry",
    "services.node",
    "services.gateway",
)
MESH = (MANAGER, REGISTRY, NODE)

#: The variable holding each mesh service's gRPC port (its health endpoint).
GRPC_PORT = {MANAGER: "MANAGER_PORT", REGISTRY: "REGISTRY_PORT", NODE: "NODE_GRPC_PORT"}

#: Variables a branch in flight is adding to the code, with the services that will read
#: them: until it is merged the scan cannot find the reads, so a manifest may set these;
#: once the code reads one, test_pending_names_are_still_pending fails: delete it then.
PENDING: dict[str, set[str]] = {}
#: Modules the manifests run that a branch in flight adds.
PENDING_MODULES: set[str] = set()

#: What a deployment must set although the code has a default (a default that only suits
#: one machine, or a feature the deployment promises), per service.
DEPLOYMENT_NEEDS: dict[str, set[str]] = {
    MANAGER: {"DATABASE_URL", "REDIS_URL", "MESH_SECRET", "CSMS_ADMIN_TOKEN", "JOURNAL_URL"},
    REGISTRY: {"REDIS_URL", "MESH_SECRET"},
    NODE: {"REDIS_URL", "MESH_SECRET", "MANAGER_ADDRESS", "NODE_ID", "NODE_ADVERTISE_HOST"}
    | {"JOURNAL_URL"},
    GATEWAY: {"GATEWAY_MANAGER", "GATEWAY_NODES"},
}

#: Names whose values are secrets: never written in a manifest.
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|_KEY$")
#: A URL with a password in it (scheme://user:password@host).
URL_PASSWORD = re.compile(r"://[^/:@\s]+:([^@\s]+)@")
#: A compose interpolation that refuses to start without the variable.
REQUIRED_INTERPOLATION = re.compile(r"^\$\{([A-Z0-9_]+):\?[^}]+\}$")
#: Planned chargers per node that node.yaml's terminationGracePeriodSeconds is sized for.
CHARGERS_PER_NODE = 2000


def reads(module: str) -> set[str]:
    """Variables `module` reads, counting those still pending for it."""
    return service_reads(module).names | {
        name for name, modules in PENDING.items() if module in modules
    }


# --- The workloads: every container that runs one of our services -------------------------


@dataclass
class Workload:
    """One process the manifests start: where it is declared, what it runs, its
    environment (value, or None when it comes from a Secret or the pod) and ports."""

    where: str
    module: str
    argv: list[str]
    env: dict[str, str | None]
    secret_env: dict[str, str] = field(default_factory=dict)  # variable -> Secret key
    spec: dict[str, Any] = field(default_factory=dict)

    def port(self, variable: str) -> int:
        """The port the process listens on: `variable`'s value, else the code's default."""
        value = self.env.get(variable)
        return int(value) if value else int(str(default(self.module, variable)))


def _module(argv: list[str]) -> str | None:
    if len(argv) >= 3 and argv[0] == "python" and argv[1] == "-m":
        return argv[2]
    return None


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def compose_workloads() -> list[Workload]:
    found = []
    for name, spec in compose()["services"].items():
        module = _module(spec.get("command") or [])
        if module is None:
            continue
        env = {
            key: None if value is None else str(value) for key, value in spec["environment"].items()
        }
        found.append(
            Workload(f"docker-compose.yml, service {name}", module, spec["command"], env, spec=spec)
        )
    return found


def k8s_documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def k8s_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc["kind"] == kind]


def config_maps() -> dict[str, dict[str, str]]:
    return {doc["metadata"]["name"]: doc.get("data", {}) for doc in k8s_kind("ConfigMap")}


def k8s_workloads() -> list[Workload]:
    maps = config_maps()
    found = []
    for deployment in k8s_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            argv = container.get("command", [])
            module = _module(argv)
            assert module is not None, f"{deployment['metadata']['name']}: no python -m command"
            env: dict[str, str | None] = {}
            secret_env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                env.update(maps[source["configMapRef"]["name"]])
            for item in container.get("env", []):
                if "value" in item:
                    env[item["name"]] = str(item["value"])
                else:
                    env[item["name"]] = None
                    ref = item["valueFrom"].get("secretKeyRef")
                    if ref is not None:
                        secret_env[item["name"]] = ref["key"]
            where = f"deploy/k8s, Deployment {deployment['metadata']['name']} container {container['name']}"
            found.append(Workload(where, module, argv, env, secret_env, container))
    return found


def workloads() -> list[Workload]:
    return compose_workloads() + k8s_workloads()


def _ids(items: list[Workload]) -> list[str]:
    return [item.where for item in items]


ALL = workloads()


# --- Variables --------------------------------------------------------------------------


@pytest.mark.parametrize("workload", ALL, ids=_ids(ALL))
def test_every_variable_set_is_one_the_service_reads(workload: Workload) -> None:
    """A variable a manifest sets that its service never reads is a typo or a leftover:
    the setting it was meant to change silently keeps its default."""
    unread = sorted(set(workload.env) - reads(workload.module))
    assert not unread, (
        f"{workload.where} ({workload.module}) sets {', '.join(unread)}, which "
        f"{workload.module} does not read; it reads: {', '.join(sorted(reads(workload.module)))}"
    )


@pytest.mark.parametrize("workload", ALL, ids=_ids(ALL))
def test_every_variable_the_service_needs_is_set(workload: Workload) -> None:
    """What the code refuses to start (or warns) without, and what a deployment cannot
    leave at its single-machine default, is set; metrics beyond loopback need a token."""
    needed = service_reads(workload.module).required | DEPLOYMENT_NEEDS[workload.module]
    missing = sorted(needed - set(workload.env))
    assert not missing, f"{workload.where} ({workload.module}) does not set {', '.join(missing)}"
    host = workload.env.get("METRICS_HOST")
    if host and not ipaddress.ip_address(host).is_loopback:
        assert "METRICS_TOKEN" in workload.env, (
            f"{workload.where}: METRICS_HOST={host} is not loopback, so METRICS_TOKEN must be set"
        )


def test_pending_names_are_still_pending() -> None:
    """PENDING lists only variables the code does not read yet (and PENDING_MODULES only
    modules that do not exist yet): a merged branch's names are checked for real."""
    stale = [
        f"{module} now reads {name}"
        for name, modules in sorted(PENDING.items())
        for module in sorted(modules)
        if name in service_reads(module).names
    ]
    stale += [f"{module} exists now" for module in PENDING_MODULES if entry_file(module)]
    assert not stale, "delete from PENDING / PENDING_MODULES in tests/test_deploy.py: " + "; ".join(
        stale
    )


#: What a Secret or the pod would give the variables whose values must have a shape.
SECRET_STAND_INS = {
    "NODE_ADVERTISE_HOST": "10.0.0.7",
    "DATABASE_URL": f"postgresql+asyncpg://csms:{'s' * 32}@postgres.example:5432/csms",
    "JOURNAL_URL": f"mongodb://csms:{'s' * 32}@mongo.example:27017/csms?authSource=admin",
}


def _placeholder_env(workload: Workload) -> dict[str, str]:
    """The workload's environment with a stand-in for every secret and pod field, and
    compose's ${NAME:?...} interpolations resolved to a stand-in secret."""
    stand_in = "s" * 32
    env = {}
    for name, value in workload.env.items():
        if value is None:
            value = SECRET_STAND_INS.get(name, stand_in)
        env[name] = re.sub(r"\$\{[A-Z0-9_]+(:\?[^}]*)?\}", stand_in, value)
    return env


@pytest.mark.parametrize(
    "workload",
    [item for item in ALL if item.module in (MANAGER, NODE, GATEWAY)],
    ids=_ids([item for item in ALL if item.module in (MANAGER, NODE, GATEWAY)]),
)
def test_the_service_accepts_its_settings(
    workload: Workload, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's own settings loader accepts the manifest's values (a bad number, an
    unknown AUTO_REGISTER or a short secret would stop it at start-up)."""
    from services.gateway._config import GatewaySettings
    from services.manager._config import ManagerSettings
    from services.node import NodeSettings

    for name in reads(workload.module):
        monkeypatch.delenv(name, raising=False)
    for name, value in _placeholder_env(workload).items():
        monkeypatch.setenv(name, value)
    try:
        if workload.module == MANAGER:
            settings: object = ManagerSettings.from_env(auto_register_default=False)
        elif workload.module == NODE:
            settings = NodeSettings.from_env()
        else:
            settings = GatewaySettings.from_env()
    except ValueError as exc:
        pytest.fail(f"{workload.where}: {workload.module} refuses its settings: {exc}")
    assert settings is not None


# --- Secrets ----------------------------------------------------------------------------


def _secret_problem(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    password = URL_PASSWORD.search(value)
    if password and not REQUIRED_INTERPOLATION.match(password.group(1)):
        return f"{name} has a password written in its URL"
    if SECRET_NAME.search(name) and value and not REQUIRED_INTERPOLATION.match(value):
        return f"{name} is written in the manifest"
    return None


def test_compose_writes_no_secret() -> None:
    """Every secret in docker-compose.yml is a ${NAME:?...} interpolation from .env, so
    compose refuses to start without it and no value is committed."""
    for name, spec in compose()["services"].items():
        for variable, value in (spec.get("environment") or {}).items():
            problem = _secret_problem(variable, None if value is None else str(value))
            assert problem is None, f"docker-compose.yml, service {name}: {problem}"


def _strings(node: object) -> Iterator[str]:
    """Every string value in a parsed YAML document (comments are gone)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_env_example_lists_every_variable_compose_interpolates_and_fills_none() -> None:
    """.env.example documents each ${NAME} compose needs, each with an empty value (a
    copy that was not filled in does not start)."""
    needed = {
        name for value in _strings(compose()) for name in re.findall(r"\$\{([A-Z0-9_]+)", value)
    }
    listed = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert needed <= set(listed), f".env.example lacks {sorted(needed - set(listed))}"
    assert set(listed) <= needed, f".env.example lists unused {sorted(set(listed) - needed)}"
    filled = sorted(name for name, value in listed.items() if value.strip())
    assert not filled, f".env.example has values for {filled}: leave them empty"


def test_kubernetes_writes_no_secret() -> None:
    """Secret-like variables come from the Secret (secretKeyRef), never from a value or a
    ConfigMap, and ConfigMaps hold no URL with a password."""
    for workload in k8s_workloads():
        for name in workload.env:
            if SECRET_NAME.search(name):
                assert name in workload.secret_env, (
                    f"{workload.where}: {name} is not from the Secret"
                )
        for item in workload.spec.get("env", []):
            problem = _secret_problem(item["name"], item.get("value"))
            assert problem is None, f"{workload.where}: {problem}"
    for map_name, data in config_maps().items():
        for name, value in data.items():
            problem = _secret_problem(name, str(value))
            assert problem is None, f"deploy/k8s ConfigMap {map_name}: {problem}"


def test_the_kubernetes_secret_is_a_template() -> None:
    """The Secret is generated from secrets.env (git-ignored), which secrets.env.example
    documents with empty values; every key a Deployment reads is in it."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    generators = {g["name"]: g for g in kustomization.get("secretGenerator", [])}
    assert generators["csms-secrets"]["envs"] == ["secrets.env"]
    assert "deploy/k8s/secrets.env" in (ROOT / ".gitignore").read_text().split()
    assert not (K8S / "secrets.env").exists() or not _tracked(K8S / "secrets.env")
    listed = dict(
        line.split("=", 1)
        for line in SECRETS_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    filled = sorted(name for name, value in listed.items() if value.strip())
    assert not filled, f"secrets.env.example has values for {filled}: leave them empty"
    for workload in k8s_workloads():
        for variable, key in workload.secret_env.items():
            assert key in listed, (
                f"{workload.where}: {variable} reads Secret key {key}, not in secrets.env.example"
            )
    assert not k8s_kind("Secret"), "no Secret manifest: secrets come from secrets.env"


def _tracked(path: Path) -> bool:
    import subprocess

    result = subprocess.run(
        ["git", "ls-files", "--error-unmatch", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_every_config_map_is_used() -> None:
    """Each ConfigMap is loaded by some container (envFrom), so each of its keys is checked
    against a service's reads; none lies there unused."""
    used = {
        source["configMapRef"]["name"]
        for workload in k8s_workloads()
        for source in workload.spec.get("envFrom", [])
    }
    unused = sorted(set(config_maps()) - used)
    assert not unused, f"deploy/k8s: no container loads ConfigMap {', '.join(unused)}"


def test_kustomization_lists_every_manifest() -> None:
    """`kubectl apply -k deploy/k8s` applies every manifest in the directory, and only those."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    for document in k8s_documents():
        assert "namespace" not in document["metadata"], (
            f"{document['kind']} {document['metadata']['name']} names a namespace: the "
            "manifests are namespace-agnostic (kubectl apply -k deploy/k8s -n NAMESPACE)"
        )


# --- Ports and addresses ----------------------------------------------------------------


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.strip().rpartition(":")
    return host, int(port)


def _compose_by_module(module: str) -> dict[str, Workload]:
    return {w.where.rsplit(" ", 1)[1]: w for w in compose_workloads() if w.module == module}


def test_compose_health_checks_ask_each_service_on_its_grpc_port() -> None:
    """Each mesh service's health check is a gRPC health check of its own gRPC port."""
    for workload in compose_workloads():
        if workload.module not in MESH:
            continue
        test = workload.spec["healthcheck"]["test"]
        assert test[:4] == ["CMD", "python", "-m", "services.healthcheck"], workload.where
        host, port = _address(test[4])
        assert host == "127.0.0.1", f"{workload.where}: the check asks its own container"
        expected = workload.port(GRPC_PORT[workload.module])
        assert port == expected, (
            f"{workload.where}: its health check asks port {port}, but "
            f"{GRPC_PORT[workload.module]} is {expected}"
        )


def test_compose_addresses_name_services_and_their_ports() -> None:
    """MANAGER_ADDRESS and GATEWAY_MANAGER name the manager's service and gRPC port;
    GATEWAY_NODES names every node's service and websocket port; Envoy's published port
    is its GATEWAY_PORT and its health check asks its GATEWAY_ADMIN_PORT."""
    managers = _compose_by_module(MANAGER)
    nodes = _compose_by_module(NODE)
    for workload in compose_workloads():
        for variable in ("MANAGER_ADDRESS", "GATEWAY_MANAGER"):
            if variable in workload.env:
                host, port = _address(str(workload.env[variable]))
                assert host in managers, f"{workload.where}: {variable} names {host}, no manager"
                assert port == managers[host].port("MANAGER_PORT"), (
                    f"{workload.where}: {variable} port"
                )
    (gateway,) = _compose_by_module(GATEWAY).values()
    named = {}
    for address in str(gateway.env["GATEWAY_NODES"]).split(","):
        host, port = _address(address)
        assert host in nodes, f"{gateway.where}: GATEWAY_NODES names {host}, which is no node"
        assert port == nodes[host].port("NODE_PORT"), (
            f"{gateway.where}: {host}'s port is not its NODE_PORT"
        )
        named[host] = port
    assert set(named) == set(nodes), (
        f"{gateway.where}: GATEWAY_NODES misses {set(nodes) - set(named)}"
    )
    assert len(nodes) >= 3, "the deployment runs three nodes"
    published = gateway.spec["ports"]
    assert [p.rsplit(":", 1)[1] for p in published] == [str(gateway.port("GATEWAY_PORT"))]
    admin = gateway.port("GATEWAY_ADMIN_PORT")
    assert f"127.0.0.1:{admin}/ready" in " ".join(gateway.spec["healthcheck"]["test"])


def _pods() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"]["template"] for d in k8s_kind("Deployment")}


def _container_ports(template: dict[str, Any]) -> dict[str, int]:
    return {
        port["name"]: port["containerPort"]
        for container in template["spec"]["containers"]
        for port in container.get("ports", [])
    }


#: The variable behind each named container port.
PORT_VARIABLE = {
    "ws": "NODE_PORT",
    "metrics": "METRICS_PORT",
    "http": "GATEWAY_PORT",
    "stats": "GATEWAY_STATS_PORT",
}


def test_kubernetes_ports_and_probes_match_the_settings() -> None:
    """Each named container port is where the service listens (its variable or default),
    readiness is a native gRPC health probe on the gRPC port, liveness a TCP probe of it."""
    for workload in k8s_workloads():
        ports = {p["name"]: p["containerPort"] for p in workload.spec.get("ports", [])}
        for name, port in ports.items():
            variable = GRPC_PORT[workload.module] if name == "grpc" else PORT_VARIABLE[name]
            assert port == workload.port(variable), (
                f"{workload.where}: port {name} is {port}, but {variable} is {workload.port(variable)}"
            )
        if workload.module in MESH:
            grpc = workload.port(GRPC_PORT[workload.module])
            readiness = workload.spec["readinessProbe"].get("grpc", {}).get("port")
            liveness = workload.spec["livenessProbe"].get("tcpSocket", {}).get("port")
            assert readiness == grpc, (
                f"{workload.where}: readinessProbe must be a grpc probe of port {grpc} "
                f"({GRPC_PORT[workload.module]}), not {readiness}"
            )
            assert liveness == grpc, (
                f"{workload.where}: livenessProbe must be a tcpSocket probe of port {grpc}, "
                f"not {liveness}"
            )
        else:
            admin = workload.port("GATEWAY_ADMIN_PORT")
            probe = " ".join(workload.spec["readinessProbe"]["exec"]["command"])
            assert f"127.0.0.1:{admin}/ready" in probe, workload.where


def _services() -> dict[str, dict[str, Any]]:
    return {s["metadata"]["name"]: s for s in k8s_kind("Service")}


def _service_target(service: str, port: int) -> tuple[str, int]:
    """(Deployment, container port) that `service:port` reaches."""
    spec = _services()[service]["spec"]
    (deployment, template), *others = [
        (name, template)
        for name, template in _pods().items()
        if spec["selector"].items() <= template["metadata"]["labels"].items()
    ]
    assert not others, f"Service {service} selects several Deployments"
    (entry,) = [p for p in spec["ports"] if p["port"] == port]
    target = entry.get("targetPort", port)
    container_ports = _container_ports(template)
    if isinstance(target, str):
        assert target in container_ports, f"Service {service}: no container port named {target}"
        target = container_ports[target]
    return deployment, target


def test_kubernetes_services_reach_named_ports() -> None:
    """Every Service selects one Deployment and targets one of its container ports."""
    for name, service in _services().items():
        for port in service["spec"]["ports"]:
            _service_target(name, port["port"])


def test_kubernetes_addresses_reach_the_right_ports() -> None:
    """MANAGER_ADDRESS / GATEWAY_MANAGER reach the manager's gRPC port and GATEWAY_NODES
    the nodes' websocket port, through Services (the nodes' one headless)."""
    by_deployment = {w.where.split("Deployment ")[1].split(" ")[0]: w for w in k8s_workloads()}
    for workload in k8s_workloads():
        for variable, module, port_variable in (
            ("MANAGER_ADDRESS", MANAGER, "MANAGER_PORT"),
            ("GATEWAY_MANAGER", MANAGER, "MANAGER_PORT"),
            ("GATEWAY_NODES", NODE, "NODE_PORT"),
        ):
            if variable not in workload.env:
                continue
            for address in str(workload.env[variable]).split(","):
                host, port = _address(address)
                assert host in _services(), f"{workload.where}: {variable} names no Service {host}"
                deployment, target = _service_target(host, port)
                upstream = by_deployment[deployment]
                assert upstream.module == module, (
                    f"{workload.where}: {variable} reaches {deployment}"
                )
                assert target == upstream.port(port_variable), f"{workload.where}: {variable} port"
    assert _services()["csms-node-ws"]["spec"]["clusterIP"] == "None"


def test_only_the_gateway_is_exposed_outside_the_cluster() -> None:
    """The gateway's Service is the only LoadBalancer/NodePort; the rest are ClusterIP."""
    exposed = {
        name
        for name, service in _services().items()
        if service["spec"].get("type", "ClusterIP") in ("LoadBalancer", "NodePort")
    }
    assert exposed == {"csms-gateway"}
    assert not k8s_kind("Ingress")


# --- Pods -------------------------------------------------------------------------------


def test_pods_run_as_the_images_non_root_user_with_a_read_only_root() -> None:
    """Every pod runs as the Dockerfile's user (non-root), every container has a read-only
    root filesystem, no privilege escalation, resource requests and limits, and an
    emptyDir on /tmp (where the gateway renders Envoy's config)."""
    user = re.search(r"^USER (\d+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert user is not None, "the Dockerfile sets a numeric USER"
    for name, template in _pods().items():
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == int(user.group(1)), name
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert {"requests", "limits"} <= set(container["resources"]), name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in empty_dirs, f"{name}: /tmp is not an emptyDir"


def test_nodes_drain_before_they_stop_within_their_grace_period() -> None:
    """A node pod's preStop drains it, its grace period fits the drain of
    CHARGERS_PER_NODE chargers at NODE_DRAIN_RATE plus in-flight calls, and a
    PodDisruptionBudget keeps all but one node up."""
    (node,) = [w for w in k8s_workloads() if w.module == NODE]
    assert node.spec["lifecycle"]["preStop"]["exec"]["command"] == [
        "python",
        "-m",
        "services.node",
        "drain",
    ]
    pod = _pods()["csms-node"]["spec"]
    rate = float(str(node.env["NODE_DRAIN_RATE"]))
    deadline = float(str(node.env["NODE_DRAIN_DEADLINE"]))
    drain = CHARGERS_PER_NODE / rate
    assert deadline >= drain, (
        f"{node.where}: NODE_DRAIN_DEADLINE={deadline:g} s is shorter than the drain of "
        f"{CHARGERS_PER_NODE} chargers at NODE_DRAIN_RATE={rate:g}/s ({drain:g} s)"
    )
    call_timeout = float(str(default(NODE, "NODE_CALL_TIMEOUT")))
    needed = deadline + call_timeout
    grace = pod["terminationGracePeriodSeconds"]
    assert grace >= needed, (
        f"{node.where}: terminationGracePeriodSeconds {grace} < {needed:g} s "
        f"(NODE_DRAIN_DEADLINE {deadline:g} s + NODE_CALL_TIMEOUT {call_timeout:g} s)"
    )
    (budget,) = k8s_kind("PodDisruptionBudget")
    labels = _pods()["csms-node"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["maxUnavailable"] == 1


# --- Prometheus and Grafana -------------------------------------------------------------


def _scrape_targets() -> Iterator[tuple[str, dict[str, Any], str]]:
    config = yaml.safe_load(PROMETHEUS.read_text())
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                yield job["job_name"], job, target


def test_prometheus_scrapes_every_service_where_it_serves_metrics() -> None:
    """Each mesh service of docker-compose.yml is scraped at its METRICS_PORT with the
    bearer token from a file, and Envoy at its GATEWAY_STATS_PORT (/stats/prometheus)."""
    services = {w.where.rsplit(" ", 1)[1]: w for w in compose_workloads()}
    scraped = set()
    for job_name, job, target in _scrape_targets():
        host, port = _address(target)
        assert host in services, f"prometheus.yml job {job_name}: {host} is no compose service"
        workload = services[host]
        scraped.add(host)
        if workload.module in MESH:
            assert port == workload.port("METRICS_PORT"), f"job {job_name}: {target}"
            assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
            assert "credentials" not in job["authorization"]
        else:
            assert port == workload.port("GATEWAY_STATS_PORT"), f"job {job_name}: {target}"
            assert job["metrics_path"] == "/stats/prometheus"
            stats_host = workload.env.get("GATEWAY_STATS_HOST") or "127.0.0.1"
            assert not ipaddress.ip_address(stats_host).is_loopback, (
                f"{workload.where}: Prometheus scrapes {target}, but GATEWAY_STATS_HOST "
                f"({stats_host}) keeps the stats listener on loopback"
            )
    assert scraped == set(services), f"not scraped: {set(services) - scraped}"
    prometheus = compose()["services"]["prometheus"]
    assert prometheus["profiles"] == ["observability"]
    assert compose()["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}


#: A call that defines a metric: prometheus-client's classes or a helper named after them.
METRIC_FACTORY = re.compile(r"counter|gauge|histogram|summary|metric", re.IGNORECASE)


def _code_metrics() -> set[str]:
    """Metric names the code defines: ``Counter("csms_...", ...)`` and the like (or a
    helper whose name says counter/gauge/histogram/summary/metric) under services/."""
    names: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            called = (
                node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            )
            arguments = node.args[:1] + [k.value for k in node.keywords if k.arg == "name"]
            if METRIC_FACTORY.search(called):
                names.update(
                    str(a.value)
                    for a in arguments
                    if isinstance(a, ast.Constant) and str(a.value).startswith("csms_")
                )
    return names


def test_the_dashboard_uses_metrics_that_exist() -> None:
    """Every csms_ series the Grafana dashboard queries is one the code defines (with the
    _total/_bucket/_sum/_count suffixes prometheus-client adds); Envoy's are envoy_."""
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    assert expressions, "the dashboard has panels with queries"
    used = {name for expr in expressions for name in re.findall(r"\b(csms_[a-z0-9_]+)", expr)}
    defined = _code_metrics()
    if not defined:
        pytest.skip("no csms_ metric in the code yet (helper 'metrics' adds them)")
    suffixes = ("_total", "_bucket", "_sum", "_count", "_created", "")
    unknown = sorted(
        name
        for name in used
        if not any(name.endswith(s) and name.removesuffix(s) in defined for s in suffixes if s)
        and name not in defined
    )
    assert not unknown, f"csms-dashboard.json queries {unknown}, which no code defines"


# --- The image --------------------------------------------------------------------------


def _dockerfile_copies() -> set[str]:
    """Top-level paths the Dockerfile copies into the image."""
    copied: set[str] = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            copied.update(Path(source).parts[0] for source in words[1:-1])
    return copied


def test_the_image_holds_what_the_services_read_and_no_secret() -> None:
    """The Dockerfile copies the code, gen/ and the gateway's template, UI and OpenAPI
    document (wherever the gateway's defaults point under the repository); .dockerignore
    keeps the secrets files out; no ENV line sets a secret."""
    from services.gateway._config import OPENAPI, TEMPLATE, UI_DIR

    copied = _dockerfile_copies()
    needed = {"services", "gen", "pyproject.toml", "README.md"} | {
        path.relative_to(ROOT).parts[0] for path in (TEMPLATE, UI_DIR, OPENAPI)
    }
    assert needed <= copied, f"the Dockerfile does not copy {sorted(needed - copied)}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "deploy/k8s/secrets.env"} <= set(ignored)
    assert not any(part in ignored for part in needed), "the image needs what .dockerignore drops"
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("ENV "):
            assert not SECRET_NAME.search(line.split("=")[0]), f"Dockerfile: {line}"
