"""Charger Basic auth passwords: stored only as argon2id hashes (``argon2-cffi``).

Verification costs tens of milliseconds of CPU on purpose; callers on an event loop run
`verify_password` in a thread (the manager's ChargerAuthenticator in its own threads) so
one handshake does not stall every charger of the process.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: OCPP's limits: 1.6 security whitepaper AuthorizationKey and 2.0.1
#: SecurityCtrlr.BasicAuthPassword are 16 to 40 characters.
MIN_PASSWORD_LENGTH = 16
MAX_PASSWORD_LENGTH = 40

#: argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 25 ms of
#: CPU per verification here, against 157 ms for the library's default (64 MiB, t=3, p=4),
#: so a manager restart under a fleet of profile-1 chargers is not a 13-per-second trickle.
#: Hashes carry their parameters: ones made with other parameters still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


class PasswordPolicyError(ValueError):
    """A password OCPP does not allow; the message says what is wrong."""


def check_password_policy(password: str) -> None:
    """Raise PasswordPolicyError unless `password` is 16 to 40 printable ASCII characters
    (what a charger can store in AuthorizationKey / BasicAuthPassword)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password is {len(password)} characters long; OCPP requires "
            f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}"
        )
    if not (password.isascii() and password.isprintable()):
        raise PasswordPolicyError("the password must be printable ASCII characters only")


def hash_password(password: str) -> str:
    """The argon2id hash to store (salted; includes its own parameters)."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash` (False for a corrupt hash too)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
