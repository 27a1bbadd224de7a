"""Persistence: sites, sessions with their rosters and staff, join tokens, accounts, the
audit log, in one SQLite file.

Everything callers need is re-exported here; import from ``bridge.store``. A ``Store`` is
one ``Database`` and a repository per aggregate: ``store.sites``, ``store.sessions``,
``store.tokens``, ``store.accounts``, ``store.audit``, ``store.meta``,
``store.live_state``, ``store.profiles``, ``store.readiness``.
"""

from bridge.store.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotFound,
    StoreError,
    TokenExpired,
)
from bridge.store.records import (
    Account,
    AccountRole,
    AuditEntry,
    Duty,
    IssuedToken,
    JoinGrant,
    Operator,
    OperatorRole,
    Schedule,
    Session,
    SessionState,
    Site,
    SiteLevel,
)
from bridge.store.store import Store

__all__ = [
    "Account",
    "AccountRole",
    "AuditEntry",
    "Conflict",
    "Duty",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidToken",
    "IssuedToken",
    "JoinGrant",
    "NotFound",
    "Operator",
    "OperatorRole",
    "Schedule",
    "Session",
    "SessionState",
    "Site",
    "SiteLevel",
    "Store",
    "StoreError",
    "TokenExpired",
]
