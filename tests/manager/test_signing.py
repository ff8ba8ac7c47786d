"""`CertificateSigner` without a network (SQLite stores, in-memory registry): what it records
when the charger cannot be reached, when it is busy, and when the manager shuts down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.common import OcppVersion
from services.manager._ca import load_or_create_local_ca
from services.manager._signing import CertificateSigner, SigningJob
from services.manager._stores import Stores
from services.manager._tasks import TaskSender
from services.registry import MemoryRegistry
from tests.harness import MESH_SECRET

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def csr_for(common_name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
async def parts(
    stores: Stores, tmp_path: Path
) -> AsyncIterator[tuple[Stores, TaskSender, CertificateSigner]]:
    await stores.chargers.register("CP-1", "1.6", NOW)
    registry = MemoryRegistry()
    tasks = TaskSender(registry, stores.chargers, mesh_secret=MESH_SECRET, timeout=1.0)
    ca, _ = load_or_create_local_ca(tmp_path, now=NOW)
    signer = CertificateSigner(ca, stores.security, tasks, lambda: NOW, max_in_flight=1)
    try:
        yield stores, tasks, signer
    finally:
        await signer.aclose()
        await tasks.aclose()
        await registry.aclose()


async def job(stores: Stores, csr: str) -> SigningJob:
    request_id = await stores.security.add_certificate_request(
        charger_id="CP-1", csr=csr, certificate_type="", at=NOW
    )
    return SigningJob(request_id, "CP-1", OcppVersion.V16, csr, "")


async def test_a_charger_that_left_gets_its_request_failed_with_the_chain_kept(
    parts: tuple[Stores, TaskSender, CertificateSigner],
) -> None:
    """Signed, but the charger is not connected: Failed, saying so; the chain stays on the
    request for an operator to send later."""
    stores, _, signer = parts
    assert signer.submit(await job(stores, csr_for("CP-1")))
    await signer.wait_idle()
    (request,) = await stores.security.certificate_requests("CP-1")
    assert request.status == "Failed"
    assert "not connected" in request.status_reason
    assert request.certificate_chain is not None
    assert request.certificate_chain.count("-----BEGIN CERTIFICATE-----") == 2


async def test_a_busy_signer_leaves_the_request_pending(
    parts: tuple[Stores, TaskSender, CertificateSigner],
) -> None:
    """Beyond max_in_flight a request is not taken (the charger asks again later)."""
    stores, _, signer = parts
    first, second = await job(stores, csr_for("CP-1")), await job(stores, csr_for("CP-1"))
    assert signer.submit(first)
    assert not signer.submit(second)
    await signer.wait_idle()
    statuses = [r.status for r in await stores.security.certificate_requests("CP-1")]
    assert statuses == ["Failed", "Pending"]


async def test_a_closed_signer_takes_nothing(
    parts: tuple[Stores, TaskSender, CertificateSigner],
) -> None:
    """After aclose (manager shutdown) nothing more is started."""
    stores, _, signer = parts
    await signer.aclose()
    assert not signer.submit(await job(stores, csr_for("CP-1")))
    (request,) = await stores.security.certificate_requests("CP-1")
    assert request.status == "Pending"
