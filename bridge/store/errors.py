"""What the store raises. Each error carries the stable code that the HTTP and WebSocket
layers put on the wire (see ``docs/protocol.md``), so they can map it without a table; and the
checks on caller input that raise ``InvalidInput``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound=StrEnum)


class StoreError(Exception):
    """``field`` and ``problem`` (a word of the signaling layer's ``Problem``), when the
    refusal is about one field of the caller's input (``profile_id`` / ``not_found``)."""

    code: ClassVar[str] = "internal"

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        problem: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problem = problem
        self.params: Mapping[str, Any] = params or {}


class NotFound(StoreError):
    code: ClassVar[str] = "not_found"


class InvalidToken(StoreError):
    """The token is unknown or was revoked."""

    code: ClassVar[str] = "invalid_token"


class TokenExpired(StoreError):
    code: ClassVar[str] = "token_expired"


class InvalidCredentials(StoreError):
    """Unknown username or wrong password; deliberately one error so neither is revealed."""

    code: ClassVar[str] = "invalid_credentials"


class Conflict(StoreError):
    code: ClassVar[str] = "conflict"


class InvalidInput(StoreError):
    code: ClassVar[str] = "invalid_input"


def clean_text(value: str, what: str, max_chars: int) -> str:
    """``value`` without surrounding blanks; InvalidInput if that leaves nothing or too much."""
    cleaned = value.strip() if isinstance(value, str) else ""
    if not cleaned or len(cleaned) > max_chars:
        raise InvalidInput(f"{what} must be 1 to {max_chars} characters")
    return cleaned


def parse_enum(kind: type[E], value: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a valid {what}") from None


def check_valid_for(valid_for: timedelta) -> None:
    if valid_for <= timedelta(0):
        raise InvalidInput("a token must be valid for a positive time")
