"""Persistence: sites, sessions and rosters, join tokens, operators, in one SQLite file.

Everything callers need is re-exported here; import from ``bridge.store``.
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
    IssuedToken,
    JoinGrant,
    Operator,
    OperatorRole,
    Session,
    SessionState,
    Site,
    SiteLevel,
)
from bridge.store.repository import Store

__all__ = [
    "Conflict",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidToken",
    "IssuedToken",
    "JoinGrant",
    "NotFound",
    "Operator",
    "OperatorRole",
    "Session",
    "SessionState",
    "Site",
    "SiteLevel",
    "Store",
    "StoreError",
    "TokenExpired",
]
