"""The certificate authority that signs chargers' certificate signing requests (CSRs).

A charger asks for a certificate with SignCertificate (1.6 security extension, 2.0.1
A02/A03); the CSMS answers it, and later sends the signed chain with CertificateSigned.
`CertificateAuthority` turns a CSR into that chain, or refuses it (`CsrRefused`, with a
reason an operator can act on):

- the CSR must be PEM, and its signature must verify (the charger holds the private key);
  signed with SHA-256, SHA-384 or SHA-512;
- its key must be RSA of at least 2048 bits or EC on P-256 or P-384;
- its subject's commonName must be the charger's id. Both specifications put "the unique
  serial number of the charging station" in the CN of its certificate; this CSMS knows a
  charger by its id (the identity in the connection URL) and binds certificates to it, so
  a CSR whose CN is another charger's is refused rather than signed;
- only the subject is copied. No extension of the CSR reaches the certificate: the CA sets
  basicConstraints CA=false, keyUsage digitalSignature (+ keyAgreement for EC keys,
  keyEncipherment for RSA keys), extendedKeyUsage clientAuth (the charger's TLS client
  certificate towards the CSMS, security profile 3), and key identifiers.

The certificate never outlives the CA. The chain returned is the leaf, then the CA's
certificate file as it is (the issuing CA first, then any parents it holds).

`load_or_create_local_ca` is `make run`'s: a CA kept under ``var/ca/``, created once.

Errors::

    CaError
    ├── CaConfigError   the CA's files cannot be used (names the file and what to do)
    └── CsrRefused      this CSR is not signed (``reason`` says why)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CaConfigError",
    "CaError",
    "CertificateAuthority",
    "CsrRefused",
    "SignedCertificate",
    "load_or_create_local_ca",
]

#: Smallest RSA key signed (the 2.0.1 and 1.6 security specifications ask for 2048).
MIN_RSA_BITS = 2048
#: EC curves signed: the ones the OCPP security specifications name for TLS.
EC_CURVES = frozenset({"secp256r1", "secp384r1"})
#: Hashes a CSR may be signed with.
CSR_HASHES = frozenset({"sha256", "sha384", "sha512"})
#: A certificate's notBefore is this far in the past, for chargers whose clocks run late.
CLOCK_SKEW = timedelta(minutes=5)
#: The local CA's own lifetime.
LOCAL_CA_VALIDITY = timedelta(days=3650)

_CaKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class CaError(Exception):
    """Base of the CA's errors."""


class CaConfigError(CaError):
    """The CA's certificate or key cannot be used; the message names the file and the fix."""


class CsrRefused(CaError):
    """The CSR is not signed; ``reason`` says why, for the operator and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedCertificate:
    """A signed charger certificate and the chain to send with CertificateSigned."""

    #: PEM: the leaf first, then the CA's certificate(s).
    chain_pem: str
    serial_number: int
    not_after: datetime


class CertificateAuthority:
    """Signs chargers' CSRs with one CA certificate and key.

    ``ca_chain``: the issuing CA's certificate first, then any parents to send along."""

    def __init__(
        self,
        ca_chain: list[x509.Certificate],
        key: _CaKey,
        *,
        validity: timedelta = timedelta(days=365),
        source: str = "",
    ) -> None:
        if not ca_chain:
            raise CaConfigError("the CA certificate file holds no certificate")
        if validity <= timedelta(0):
            raise CaConfigError("the certificate validity must be at least one day")
        self._ca = ca_chain[0]
        self._key = key
        self._chain_pem = "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in ca_chain
        )
        self.validity = validity
        #: Where the CA was loaded from, for the banner and the log.
        self.source = source
        _check_ca(self._ca, key, source or "the CA certificate")

    @property
    def certificate(self) -> x509.Certificate:
        return self._ca

    @property
    def subject(self) -> str:
        return self._ca.subject.rfc4514_string()

    @classmethod
    def from_files(
        cls,
        cert_file: str | Path,
        key_file: str | Path,
        *,
        password_file: str | Path | None = None,
        validity_days: int = 365,
    ) -> CertificateAuthority:
        """The CA in PEM files (CA_CERT_FILE, CA_KEY_FILE, CA_KEY_PASSWORD_FILE)."""
        cert_path, key_path = Path(cert_file), Path(key_file)
        chain = _read_certificates(cert_path)
        password: bytes | None = None
        if password_file:
            password = _read(Path(password_file), "CA_KEY_PASSWORD_FILE").strip() or None
        key = _read_key(key_path, password)
        return cls(
            chain, key, validity=timedelta(days=validity_days), source=f"{cert_path} ({key_path})"
        )

    def sign(self, charger_id: str, csr_pem: str, *, now: datetime) -> SignedCertificate:
        """Sign the charger's CSR; `CsrRefused` when it must not be (see the module doc)."""
        csr = _parse_csr(csr_pem)
        _check_csr(charger_id, csr)
        public_key = csr.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        not_after = min(now + self.validity, self._ca.not_valid_after_utc)
        if not_after <= now:
            raise CsrRefused(
                f"the CA certificate expired on {self._ca.not_valid_after_utc:%Y-%m-%d}; "
                "configure a new CA (CA_CERT_FILE, CA_KEY_FILE)"
            )
        serial = x509.random_serial_number()
        ca_public = self._ca.public_key()
        assert isinstance(ca_public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        key_usage_agreement = isinstance(public_key, ec.EllipticCurvePublicKey)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self._ca.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=not key_usage_agreement,
                    data_encipherment=False,
                    key_agreement=key_usage_agreement,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
            )
        )
        leaf = builder.sign(self._key, _hash_for(self._key))
        return SignedCertificate(
            chain_pem=leaf.public_bytes(serialization.Encoding.PEM).decode("ascii")
            + self._chain_pem,
            serial_number=serial,
            not_after=not_after,
        )


# --- CSR checks ----------------------------------------------------------------------


def _parse_csr(csr_pem: str) -> x509.CertificateSigningRequest:
    if "-----BEGIN CERTIFICATE REQUEST-----" not in csr_pem:
        raise CsrRefused("the csr is not PEM (-----BEGIN CERTIFICATE REQUEST-----)")
    try:
        return x509.load_pem_x509_csr(csr_pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CsrRefused(f"the csr cannot be parsed as a PKCS#10 request: {exc}") from exc


def _check_csr(charger_id: str, csr: x509.CertificateSigningRequest) -> None:
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrRefused(
                f"the csr's RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are needed"
            )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in EC_CURVES:
            raise CsrRefused(
                f"the csr's EC key is on {key.curve.name}; use P-256 (secp256r1) or "
                "P-384 (secp384r1)"
            )
    else:
        raise CsrRefused(
            f"the csr's key is {type(key).__name__.removeprefix('_')}; "
            "use RSA (2048 bits or more) or EC (P-256, P-384)"
        )
    try:
        hash_name = csr.signature_hash_algorithm.name if csr.signature_hash_algorithm else ""
    except UnsupportedAlgorithm:
        hash_name = "unsupported"
    if hash_name not in CSR_HASHES:
        raise CsrRefused(
            f"the csr is signed with {hash_name or 'no hash'}; use SHA-256, SHA-384 or SHA-512"
        )
    if not csr.is_signature_valid:
        raise CsrRefused("the csr's signature does not verify (it was not made with its key)")
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise CsrRefused(
            f"the csr's subject has {len(names)} commonName (CN) attributes; it needs exactly "
            f"one, the charger id {charger_id!r}"
        )
    common_name = names[0].value
    if common_name != charger_id:
        raise CsrRefused(
            f"the csr's commonName (CN) is {common_name!r}, not the charger id {charger_id!r}: "
            "a charger gets a certificate only for its own id"
        )


# --- the CA's files --------------------------------------------------------------------


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CaConfigError(f"{setting} {path}: cannot be read ({exc.strerror or exc})") from exc


def _read_certificates(path: Path) -> list[x509.Certificate]:
    data = _read(path, "CA_CERT_FILE")
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CaConfigError(
            f"CA_CERT_FILE {path}: not PEM certificates (-----BEGIN CERTIFICATE-----): {exc}"
        ) from exc
    return chain


def _read_key(path: Path, password: bytes | None) -> _CaKey:
    data = _read(path, "CA_KEY_FILE")
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:  # encrypted without a password, or a password for a plain key
        raise CaConfigError(
            f"CA_KEY_FILE {path}: {exc}; set CA_KEY_PASSWORD_FILE to a file holding the "
            "password when the key is encrypted, and only then"
        ) from exc
    except ValueError as exc:
        raise CaConfigError(
            f"CA_KEY_FILE {path}: not a PEM private key, or the password is wrong ({exc})"
        ) from exc
    except UnsupportedAlgorithm as exc:
        raise CaConfigError(f"CA_KEY_FILE {path}: unsupported key type ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CaConfigError(
            f"CA_KEY_FILE {path}: a {type(key).__name__.removeprefix('_')} key; the CA's key "
            "must be RSA or EC"
        )
    return key


def _check_ca(ca: x509.Certificate, key: _CaKey, source: str) -> None:
    if ca.public_key() != key.public_key():
        raise CaConfigError(
            f"{source}: the key does not belong to the first certificate of CA_CERT_FILE "
            "(the issuing CA must come first)"
        )
    try:
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise CaConfigError(
            f"{source}: the certificate ({ca.subject.rfc4514_string()}) is not a CA "
            "(basicConstraints CA=true is missing)"
        )
    if constraints.path_length is not None and constraints.path_length < 0:
        raise CaConfigError(f"{source}: invalid pathLenConstraint")
    try:
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_cert_sign:
        raise CaConfigError(f"{source}: the CA certificate's keyUsage lacks keyCertSign")


def _hash_for(key: _CaKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


# --- make run's local CA ---------------------------------------------------------------

LOCAL_CA_CERT = "ca.pem"
LOCAL_CA_KEY = "ca-key.pem"


def load_or_create_local_ca(
    directory: Path, *, now: datetime, validity_days: int = 365
) -> tuple[CertificateAuthority, bool]:
    """The CA under `directory` (``ca.pem``, ``ca-key.pem``), created when neither exists;
    and whether it was created now. The key is written with mode 0600."""
    cert_path, key_path = directory / LOCAL_CA_CERT, directory / LOCAL_CA_KEY
    if cert_path.exists() and key_path.exists():
        return CertificateAuthority.from_files(
            cert_path, key_path, validity_days=validity_days
        ), False
    if cert_path.exists() or key_path.exists():
        present, missing = (cert_path, key_path) if cert_path.exists() else (key_path, cert_path)
        raise CaConfigError(
            f"local CA: {present} exists but {missing} does not; restore it, or remove "
            f"{present} to create a new CA (chargers then need certificates from the new one)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCPP CSMS (make run)"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"CSMS local CA {secrets.token_hex(4)}"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + LOCAL_CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The key first, created 0600 (never readable by others, even for an instant).
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    ca = CertificateAuthority(
        [certificate],
        key,
        validity=timedelta(days=validity_days),
        source=f"{cert_path} ({key_path})",
    )
    return ca, True
