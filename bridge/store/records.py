"""The plain, immutable values the store hands out. Timestamps are timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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


class AccountRole(StrEnum):
    """What kind of account; what each may do is ``bridge.permissions``' business."""

    ADMIN = "admin"
    OFFICE = "office"
    ORGANISER = "organiser"
    OPERATOR = "operator"
    OBSERVER = "observer"


class Duty(StrEnum):
    """What an account assigned to a session does there."""

    OPERATOR = "operator"
    OBSERVER = "observer"


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
    # The account that organises it (None: made before organisers existed, or by the CLI).
    organiser_id: int | None = None
    # Assigned account id -> its duty there.
    staff: Mapping[int, Duty] = field(default_factory=dict)

    @property
    def operator_ids(self) -> frozenset[int]:
        return frozenset(a for a, duty in self.staff.items() if duty is Duty.OPERATOR)

    @property
    def observer_ids(self) -> frozenset[int]:
        return frozenset(a for a, duty in self.staff.items() if duty is Duty.OBSERVER)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a session starts and ends, and its test window's ends when set explicitly
    (None: the default, computed from the start by ``bridge.readiness.window``)."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    test_from: datetime | None = None
    test_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    role: AccountRole


# The names from before there were several kinds of account.
Operator = Account
OperatorRole = AccountRole


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who (``by``, a principal such as "account:admin" or
    "site:3") did what (``action``, with ``detail``) when, in which session if any."""

    id: int
    session_id: int | None
    at: datetime
    by: str
    action: str
    detail: Mapping[str, Any]


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
