"""Chargers' CSRs signed by the configured CA and sent back with CertificateSigned (issue 11),
through the real mesh: manager, node, PostgreSQL, Redis; chargers played by the `ocpp`
library (tests.harness.Station16 / Station201), CSRs built with `cryptography`.

OCPP 1.6 security whitepaper and 2.0.1 A02/A03: the charger sends SignCertificate, the CSMS
answers Accepted and later sends CertificateSigned with the chain; the certificate's CN is
the charger's identity.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from csms.v1 import chargers_pb2, chargers_pb2_grpc
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from services.manager import Manager
from services.manager._ca import CaConfigError, load_or_create_local_ca
from services.manager._context import utc_now
from services.node import Node
from services.registry import RedisRegistry
from tests.harness import (
    UNIT,
    Station16,
    Station201,
    api_channel,
    charger_url,
    connected,
    eventually,
    running_manager,
    running_node,
)

Api: TypeAlias = "chargers_pb2_grpc.ChargerServiceAsyncStub"


def make_csr(common_name: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """A PEM CSR for `common_name` (O = the CPO, as chargers put CpoName there), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme CPO"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key


@pytest.fixture
def ca_files(tmp_path: Path) -> tuple[Path, Path]:
    load_or_create_local_ca(tmp_path / "ca", now=utc_now())
    return tmp_path / "ca" / "ca.pem", tmp_path / "ca" / "ca-key.pem"


@contextlib.asynccontextmanager
async def mesh(
    registry: RedisRegistry, postgres_url: str, ca_files: tuple[Path, Path] | None
) -> AsyncIterator[tuple[Manager, Node, Api]]:
    async with (
        running_manager(registry, postgres_url, ca_files=ca_files) as manager,
        running_node(registry, manager.port, "node-ca") as node,
        api_channel(f"127.0.0.1:{manager.port}") as channel,
    ):
        yield manager, node, chargers_pb2_grpc.ChargerServiceStub(channel)


@pytest.fixture
async def with_ca(
    registry: RedisRegistry, postgres_url: str, ca_files: tuple[Path, Path]
) -> AsyncIterator[tuple[Manager, Node, Api]]:
    async with mesh(registry, postgres_url, ca_files) as running:
        yield running


@pytest.fixture
async def without_ca(
    registry: RedisRegistry, postgres_url: str
) -> AsyncIterator[tuple[Manager, Node, Api]]:
    async with mesh(registry, postgres_url, None) as running:
        yield running


async def requests_of(api: Api, charger_id: str) -> list[chargers_pb2.CertificateRequest]:
    listed = await api.ListCertificateRequests(
        chargers_pb2.ListCertificateRequestsRequest(charger_id=charger_id)
    )
    return list(listed.requests)


async def settled(api: Api, charger_id: str) -> chargers_pb2.CertificateRequest:
    """The charger's only certificate request, once its status is no longer Pending/Signed."""

    async def check() -> chargers_pb2.CertificateRequest | None:
        (request,) = await requests_of(api, charger_id)
        return request if request.status not in ("Pending", "Signed") else None

    request = await eventually(check)
    assert request is not None
    return request


def certificate_signed(
    station: Station16 | Station201,
) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    """A check for `eventually`: the CertificateSigned requests the station received."""

    async def check() -> list[dict[str, Any]]:
        return station.requests("CertificateSigned")

    return check


def verify_chain(
    chain_pem: str, ca_cert: Path, charger_id: str, key: ec.EllipticCurvePrivateKey
) -> None:
    """The chain is leaf + CA; the leaf is issued by the CA for `charger_id`'s key."""
    leaf, issuer = x509.load_pem_x509_certificates(chain_pem.encode())
    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    assert issuer == ca
    leaf.verify_directly_issued_by(ca)
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == charger_id
    assert leaf.public_key() == key.public_key()
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


async def test_a_16_charger_gets_its_csr_signed_and_sent_back(
    with_ca: tuple[Manager, Node, Api], ca_files: tuple[Path, Path]
) -> None:
    """1.6: SignCertificate is Accepted; CertificateSigned follows with a chain that verifies
    against the CA and names the charger; the request ends Accepted, with the chain."""
    _, node, api = with_ca
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        assert (await station.boot()).status == "Accepted"
        csr, key = make_csr("CP-1")
        assert (await station.call(call16.SignCertificate(csr=csr))).status == "Accepted"
        (sent,) = await eventually(certificate_signed(station))
        assert set(sent) == {"certificate_chain"}  # 1.6 has no certificateType
        verify_chain(sent["certificate_chain"], ca_files[0], "CP-1", key)
        request = await settled(api, "CP-1")
    assert (request.status, request.status_reason) == ("Accepted", "")
    assert request.certificate_chain == sent["certificate_chain"]
    assert request.csr == csr
    assert request.updated_at.seconds >= request.received_at.seconds


async def test_a_201_station_gets_a_charging_station_certificate(
    with_ca: tuple[Manager, Node, Api], ca_files: tuple[Path, Path]
) -> None:
    """2.0.1 (A02/A03): CertificateSigned carries the chain and certificateType
    ChargingStationCertificate; the station's Rejected, with its reason, is recorded."""
    _, node, api = with_ca
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        assert (await station.boot()).status == "Accepted"
        station.answers["CertificateSigned"] = {
            "status": "Rejected",
            "status_info": {"reason_code": "InvalidCertificate"},
        }
        csr, key = make_csr("CS-1")
        answer = await station.call(
            call201.SignCertificate(csr=csr, certificate_type="ChargingStationCertificate")
        )
        assert answer.status == "Accepted"
        (sent,) = await eventually(certificate_signed(station))
        assert sent["certificate_type"] == "ChargingStationCertificate"
        verify_chain(sent["certificate_chain"], ca_files[0], "CS-1", key)
        request = await settled(api, "CS-1")
    assert (request.status, request.status_reason) == ("Rejected", "InvalidCertificate")


async def test_a_csr_for_another_charger_is_refused_and_nothing_is_sent(
    with_ca: tuple[Manager, Node, Api],
) -> None:
    """A CSR whose CN is another charger's id is answered Accepted (the call never fails)
    but not signed: no CertificateSigned, the request Refused with the reason."""
    manager, node, api = with_ca
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        await station.boot()
        csr, _ = make_csr("CP-2")
        assert (await station.call(call16.SignCertificate(csr=csr))).status == "Accepted"
        request = await settled(api, "CP-1")
        assert manager.signer is not None
        await manager.signer.wait_idle()
        await asyncio.sleep(UNIT)  # a CertificateSigned would have arrived by now
        assert station.requests("CertificateSigned") == []
    assert request.status == "Refused"
    assert "'CP-2', not the charger id 'CP-1'" in request.status_reason
    assert request.certificate_chain == ""


async def test_a_v2g_csr_is_left_for_the_operator(with_ca: tuple[Manager, Node, Api]) -> None:
    """2.0.1: a V2GCertificate comes from the V2G PKI, not from this CA: it stays Pending,
    saying so, and nothing is sent."""
    manager, node, api = with_ca
    async with connected(Station201, charger_url(node, "CS-1"), "CS-1") as station:
        await station.boot()
        csr, _ = make_csr("CS-1")
        answer = await station.call(
            call201.SignCertificate(csr=csr, certificate_type="V2GCertificate")
        )
        assert answer.status == "Accepted"

        async def explained() -> chargers_pb2.CertificateRequest | None:
            (request,) = await requests_of(api, "CS-1")
            return request if request.status_reason else None

        request = await eventually(explained)
        assert request is not None
        assert manager.signer is not None
        await manager.signer.wait_idle()
        assert station.requests("CertificateSigned") == []
    assert request.status == "Pending"
    assert "V2G PKI" in request.status_reason


async def test_a_certificate_the_charger_cannot_take_is_recorded_failed(
    with_ca: tuple[Manager, Node, Api],
) -> None:
    """A CallError in answer to CertificateSigned marks the request Failed, with the error."""
    _, node, api = with_ca
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        await station.boot()
        station.answers["CertificateSigned"] = {}  # the handler fails: InternalError
        csr, _ = make_csr("CP-1")
        assert (await station.call(call16.SignCertificate(csr=csr))).status == "Accepted"
        request = await settled(api, "CP-1")
    assert request.status == "Failed"
    assert "InternalError" in request.status_reason
    assert "-----BEGIN CERTIFICATE-----" in request.certificate_chain


async def test_without_a_ca_csrs_are_only_recorded(
    without_ca: tuple[Manager, Node, Api],
) -> None:
    """No CA configured: SignCertificate is Accepted and recorded Pending, as before;
    nothing is signed or sent."""
    manager, node, api = without_ca
    assert manager.signer is None
    async with connected(Station16, charger_url(node, "CP-1"), "CP-1") as station:
        await station.boot()
        csr, _ = make_csr("CP-1")
        assert (await station.call(call16.SignCertificate(csr=csr))).status == "Accepted"
        await asyncio.sleep(UNIT)  # a CertificateSigned would have arrived by now
        assert station.requests("CertificateSigned") == []
    (request,) = await requests_of(api, "CP-1")
    assert (request.status, request.status_reason, request.certificate_chain) == (
        "Pending",
        "",
        "",
    )
    assert not request.HasField("updated_at")


async def test_unusable_ca_files_stop_the_manager_from_starting(
    registry: RedisRegistry, postgres_url: str, ca_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """A CA key file that does not exist: the manager does not start, and says which file."""
    with pytest.raises(CaConfigError, match=r"CA_KEY_FILE .*missing\.pem"):
        async with running_manager(
            registry, postgres_url, ca_files=(ca_files[0], tmp_path / "missing.pem")
        ):
            pass
