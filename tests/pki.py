"""A throwaway PKI for TLS tests (``cryptography``): a CA, a node's server certificate for
127.0.0.1/localhost, and client certificates whose subject CN is a charger id."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class CertificateAuthority:
    """A CA that issues server and client certificates into `directory`."""

    def __init__(self, directory: Path, name: str = "Test Charger CA") -> None:
        self.directory = directory
        self.key = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / f"{name.replace(' ', '-').lower()}.pem"
        self.path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, common_name: str, *, server: bool = False) -> tuple[Path, Path]:
        """A certificate for `common_name` (server: for 127.0.0.1/localhost) and its key."""
        key = _key()
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
                ),
                critical=False,
            )
        certificate = builder.sign(self.key, hashes.SHA256())
        stem = self.directory / common_name
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        return cert_path, key_path


@dataclass(frozen=True, slots=True)
class ChargerPki:
    """The files of one test PKI: the CA, the node's server pair, chargers' client pairs."""

    ca: CertificateAuthority
    server: tuple[Path, Path]
    clients: dict[str, tuple[Path, Path]]

    @property
    def node_tls(self) -> tuple[str, str, str]:
        """(server cert, key, client CA) for ``running_node(tls=...)``."""
        return str(self.server[0]), str(self.server[1]), str(self.ca.path)

    def client_context(self, charger_id: str | None = None) -> ssl.SSLContext:
        """A charger's TLS context: trusts the CA; with `charger_id`, presents its certificate."""
        context = ssl.create_default_context(cafile=str(self.ca.path))
        if charger_id is not None:
            cert, key = self.clients[charger_id]
            context.load_cert_chain(str(cert), str(key))
        return context


def make_pki(directory: Path, charger_ids: tuple[str, ...]) -> ChargerPki:
    ca = CertificateAuthority(directory)
    return ChargerPki(
        ca=ca,
        server=ca.issue("node.test", server=True),
        clients={charger_id: ca.issue(charger_id) for charger_id in charger_ids},
    )
