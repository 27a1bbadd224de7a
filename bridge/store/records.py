"""The plain, immutable values the store hands out. Timestamps are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SiteLevel(StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"

    @property
    def rank(self) -> int:
        """0 for central, growing downwards; a parent's rank is below its child's."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {level: rank for rank, level in enumerate(SiteLevel)}


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class OperatorRole(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    name: str
    level: SiteLevel
    parent_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    title: str
    host_site_id: int
    state: SessionState
    created_at: datetime
    # Site ids in roster order; the host site is always on it.
    roster: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Operator:
    id: int
    username: str
    role: OperatorRole


@dataclass(frozen=True, slots=True)
class JoinGrant:
    """What a valid join token lets its holder do: join this session as this site."""

    session_id: int
    site_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token. The plaintext exists only here; the store keeps a hash."""

    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        # Keep the secret out of logs and tracebacks that print the object.
        return f"IssuedToken(token='…', expires_at={self.expires_at!r})"
