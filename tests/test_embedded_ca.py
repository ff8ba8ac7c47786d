"""`make run`'s local CA: created once under LOCAL_CA_DIR (key 0600), announced in the
banner, used to sign a charger's CSR, and kept across restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.v16 import call as call16

from tests.harness import ROOT, UNIT, Station16, connected, eventually, free_port


@asynccontextmanager
async def embedded(tmp_path: Path, ws_port: int) -> AsyncIterator[str]:
    """`python -m services.embedded` with its CA under tmp_path/ca; yields the banner."""
    env = {
        **os.environ,
        "NODE_PORT": str(ws_port),
        "NODE_HOST": "127.0.0.1",
        "MANAGER_PORT": str(free_port()),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}",
        "GATEWAY_ENABLED": "false",
        "LOCAL_CA_DIR": str(tmp_path / "ca"),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "CA_CERT_FILE", "CA_KEY_FILE", "CA_KEY_PASSWORD_FILE"):
        env.pop(name, None)
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
        yield banner
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30 * UNIT) == 0


async def test_make_run_signs_csrs_with_a_local_ca_it_keeps(tmp_path: Path) -> None:
    """The first start creates the CA (key 0600) and says so; a charger's CSR comes back
    signed by it; the next start keeps the same CA and says that."""
    ws_port = free_port()
    ca_cert = tmp_path / "ca" / "ca.pem"
    async with embedded(tmp_path, ws_port) as banner:
        assert f"signed by the local CA {ca_cert} (created now" in banner
        assert stat.S_IMODE((tmp_path / "ca" / "ca-key.pem").stat().st_mode) == 0o600
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EMB-CA")])
        csr = (
            x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
        )
        url = f"ws://127.0.0.1:{ws_port}/ocpp/EMB-CA"
        async with connected(Station16, url, "EMB-CA") as station:
            await station.boot()
            pem = csr.public_bytes(serialization.Encoding.PEM).decode()
            assert (await station.call(call16.SignCertificate(csr=pem))).status == "Accepted"

            async def sent() -> list[dict[str, str]]:
                return station.requests("CertificateSigned")

            (signed,) = await eventually(sent)
    leaf, _ = x509.load_pem_x509_certificates(signed["certificate_chain"].encode())
    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    leaf.verify_directly_issued_by(ca)

    async with embedded(tmp_path, free_port()) as banner:
        assert f"signed by the local CA {ca_cert} (kept from an earlier run" in banner
        # The banner is printed just before SIGTERM's handler is installed: give it time.
        await asyncio.sleep(UNIT)
    assert x509.load_pem_x509_certificate(ca_cert.read_bytes()) == ca
