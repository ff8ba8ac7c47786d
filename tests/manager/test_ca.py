"""The certificate authority that signs chargers' CSRs (services/manager/_ca.py), without
a network: what it signs, what the certificate says, and what it refuses."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.manager._ca import (
    CaConfigError,
    CertificateAuthority,
    CsrRefused,
    load_or_create_local_ca,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

CsrKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def make_csr(
    common_name: str | None,
    key: CsrKey | None = None,
    *,
    organization: str = "Acme CPO",
    extensions: list[x509.ExtensionType] | None = None,
    algorithm: hashes.SHA224 | hashes.SHA256 | None = None,
) -> str:
    """A PEM CSR for `common_name` (no CN when None), signed by `key` (a new P-256 key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]
    if common_name is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    for extension in extensions or []:
        builder = builder.add_extension(extension, critical=False)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        request = builder.sign(key, None)
    else:
        request = builder.sign(key, algorithm or hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("ca")
    _, created = load_or_create_local_ca(directory, now=NOW)
    assert created
    return directory / "ca.pem", directory / "ca-key.pem"


@pytest.fixture
def ca(ca_files: tuple[Path, Path]) -> CertificateAuthority:
    return CertificateAuthority.from_files(*ca_files, validity_days=365)


def leaf_of(chain_pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(chain_pem.encode())


def test_a_signed_certificate_chains_to_the_ca_and_names_the_charger(
    ca: CertificateAuthority,
) -> None:
    """The chain is leaf + CA; the leaf is signed by the CA, carries the CSR's subject and
    key, and is valid for the configured days from (a little before) now."""
    key = ec.generate_private_key(ec.SECP256R1())
    signed = ca.sign("CP-1", make_csr("CP-1", key), now=NOW)
    leaf, issuer = leaf_of(signed.chain_pem)
    assert issuer == ca.certificate
    leaf.verify_directly_issued_by(ca.certificate)
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-1"
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Acme CPO"
    assert leaf.public_key() == key.public_key()
    assert leaf.not_valid_before_utc <= NOW
    assert leaf.not_valid_after_utc == NOW + timedelta(days=365)
    assert leaf.serial_number == signed.serial_number


def test_the_certificate_is_a_client_certificate_and_no_ca(ca: CertificateAuthority) -> None:
    """basicConstraints CA=false, keyUsage digitalSignature + keyAgreement (EC key),
    extendedKeyUsage clientAuth only."""
    (leaf, _) = leaf_of(ca.sign("CP-1", make_csr("CP-1"), now=NOW).chain_pem)
    constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert not constraints.value.ca
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.digital_signature, usage.key_agreement) == (True, True)
    assert (usage.key_cert_sign, usage.crl_sign, usage.key_encipherment) == (False, False, False)
    extended = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_an_rsa_key_gets_key_encipherment_instead_of_key_agreement(
    ca: CertificateAuthority,
) -> None:
    """An RSA 2048 key is signed; keyAgreement means nothing for RSA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (leaf, _) = leaf_of(ca.sign("CP-1", make_csr("CP-1", key), now=NOW).chain_pem)
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.digital_signature, usage.key_encipherment, usage.key_agreement) == (
        True,
        True,
        False,
    )


def test_extensions_the_csr_asks_for_are_not_copied(ca: CertificateAuthority) -> None:
    """A CSR asking to be a CA (and for other names) gets a plain client certificate."""
    csr = make_csr(
        "CP-1",
        extensions=[
            x509.BasicConstraints(ca=True, path_length=None),
            x509.SubjectAlternativeName([x509.DNSName("csms.example.com")]),
        ],
    )
    (leaf, _) = leaf_of(ca.sign("CP-1", csr, now=NOW).chain_pem)
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with pytest.raises(x509.ExtensionNotFound):
        leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_a_certificate_never_outlives_its_ca(ca_files: tuple[Path, Path]) -> None:
    """With a validity longer than the CA has left, the leaf ends with the CA."""
    ca = CertificateAuthority.from_files(*ca_files, validity_days=100_000)
    (leaf, _) = leaf_of(ca.sign("CP-1", make_csr("CP-1"), now=NOW).chain_pem)
    assert leaf.not_valid_after_utc == ca.certificate.not_valid_after_utc


@pytest.mark.parametrize(
    ("csr", "reason"),
    [
        (make_csr("CP-2"), "commonName (CN) is 'CP-2', not the charger id 'CP-1'"),
        (make_csr("cp-1"), "not the charger id"),
        (make_csr(None), "0 commonName (CN) attributes"),
        (
            make_csr("CP-1", rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "RSA key has 1024 bits; at least 2048",
        ),
        (make_csr("CP-1", ec.generate_private_key(ec.SECP256K1())), "EC key is on secp256k1"),
        (make_csr("CP-1", ed25519.Ed25519PrivateKey.generate()), "key is Ed25519PublicKey"),
        (make_csr("CP-1", algorithm=hashes.SHA224()), "signed with sha224"),
        ("not a csr", "not PEM"),
        (
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
            "cannot be parsed",
        ),
    ],
    ids=[
        "another-charger",
        "case-differs",
        "no-cn",
        "rsa-1024",
        "ec-k1",
        "ed25519",
        "sha224",
        "not-pem",
        "garbage",
    ],
)
def test_refused_csrs_say_why(ca: CertificateAuthority, csr: str, reason: str) -> None:
    """A CSR for another charger, with a weak key or hash, or not a CSR, is refused."""
    with pytest.raises(CsrRefused) as refused:
        ca.sign("CP-1", csr, now=NOW)
    assert reason in refused.value.reason


def test_a_csr_whose_signature_does_not_verify_is_refused(ca: CertificateAuthority) -> None:
    """The CSR's self-signature proves the charger holds the key: a tampered one is refused."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = bytearray(
        x509.load_pem_x509_csr(make_csr("CP-1", key).encode()).public_bytes(
            serialization.Encoding.DER
        )
    )
    der[-1] ^= 0x01  # the DER ends with the RSA signature's last byte
    pem = (
        "-----BEGIN CERTIFICATE REQUEST-----\n"
        + base64.encodebytes(bytes(der)).decode()
        + "-----END CERTIFICATE REQUEST-----\n"
    )
    with pytest.raises(CsrRefused, match="signature does not verify"):
        ca.sign("CP-1", pem, now=NOW)


def test_the_local_ca_is_created_once_with_a_private_key_file(tmp_path: Path) -> None:
    """make run's CA: created with the key 0600, then reused as it is."""
    first, created = load_or_create_local_ca(tmp_path / "ca", now=NOW)
    assert created
    assert stat.S_IMODE((tmp_path / "ca" / "ca-key.pem").stat().st_mode) == 0o600
    again, created = load_or_create_local_ca(tmp_path / "ca", now=NOW)
    assert not created
    assert again.certificate == first.certificate
    constraints = first.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca


def test_a_half_present_local_ca_is_an_error_not_a_new_ca(tmp_path: Path) -> None:
    """A lost key is not silently replaced (certificates already issued would stop chaining)."""
    load_or_create_local_ca(tmp_path, now=NOW)
    (tmp_path / "ca-key.pem").unlink()
    with pytest.raises(CaConfigError, match=r"ca-key\.pem does not"):
        load_or_create_local_ca(tmp_path, now=NOW)


def _write_ca(
    directory: Path, *, ca: bool = True, password: bytes | None = None
) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Operator CA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.pem", directory / "ca.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return cert_path, key_path


def test_an_operator_ca_with_an_encrypted_key(tmp_path: Path) -> None:
    """CA_KEY_PASSWORD_FILE unlocks an encrypted key; without it the error says to set it."""
    cert_path, key_path = _write_ca(tmp_path, password=b"s3cret-pass")
    password_file = tmp_path / "password"
    password_file.write_text("s3cret-pass\n")
    ca = CertificateAuthority.from_files(cert_path, key_path, password_file=password_file)
    (leaf, _) = leaf_of(ca.sign("CP-1", make_csr("CP-1"), now=NOW).chain_pem)
    leaf.verify_directly_issued_by(ca.certificate)
    with pytest.raises(CaConfigError, match="CA_KEY_PASSWORD_FILE"):
        CertificateAuthority.from_files(cert_path, key_path)


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("not-a-ca", "is not a CA"),
        ("wrong-key", "does not belong to the first certificate"),
        ("missing", "CA_CERT_FILE"),
    ],
)
def test_unusable_ca_files_are_refused_at_start(tmp_path: Path, problem: str, message: str) -> None:
    """A certificate that is no CA, a key of another certificate, a missing file: errors
    naming the file and the fix."""
    cert_path, key_path = _write_ca(tmp_path, ca=problem != "not-a-ca")
    if problem == "wrong-key":
        other = tmp_path / "other"
        other.mkdir()
        _, key_path = _write_ca(other)
    if problem == "missing":
        cert_path = tmp_path / "nowhere.pem"
    with pytest.raises(CaConfigError, match=message):
        CertificateAuthority.from_files(cert_path, key_path)
