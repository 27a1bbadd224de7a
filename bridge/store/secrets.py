"""Token and password hashing.

Tokens are 256 random bits, so a plain SHA-256 of them is enough: nobody can brute-force
that space, and a fast hash keeps every join and API call cheap. Passwords are chosen by
people and need a slow, memory-hard KDF: argon2id (RFC 9106).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from bridge.store.errors import InvalidInput

TOKEN_BYTES = 32
# A token longer than this was not issued by us; refuse it before hashing.
MAX_TOKEN_CHARS = 256
MIN_PASSWORD_CHARS = 8
# argon2 would hash any length, but a megabyte "password" is a cheap way to burn our CPU.
MAX_PASSWORD_CHARS = 1024


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The hex SHA-256 the store keeps in place of ``token``."""
    # surrogatepass: any Python str hashes (a lone surrogate from a bad client is just
    # an unknown token, not a crash).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def presented_digest(token: str) -> str | None:
    """The digest to look a presented token up by; ``None`` for what cannot be one of
    ours (not a string, empty, too long), which then matches nothing."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return token_digest(token)


def check_password(password: str) -> str:
    if not isinstance(password, str) or not (
        MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS
    ):
        raise InvalidInput(
            f"a password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )
    return password


class Passwords:
    """argon2id hashing with a constant-time-ish answer for users that do not exist."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        # OWASP's argon2id baseline (m=19 MiB, t=2, p=1): one lane, ~30 ms here. argon2-cffi's
        # defaults (p=4, 64 MiB) keep both cores of a 2-core bridge busy for ~140 ms, and an
        # operator logging in mid-briefing then starved the mixer clock (audible gaps).
        self._hasher = (
            hasher
            if hasher is not None
            else PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
        )
        if self._hasher.type is not Type.ID:
            raise ValueError("passwords must be hashed with argon2id")
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    def verify_nothing(self, password: str) -> None:
        """Spend the time a real verify takes, so an unknown username is not answered
        faster than a wrong password (which would reveal who has an account)."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(new_token())
        self.verify(self._dummy, password)
