"""Who may do what: roles, actions and the one policy. Pure: no I/O."""

from bridge.permissions.actions import INFO, Action, ActionInfo
from bridge.permissions.policy import (
    Decision,
    Forbidden,
    Principal,
    SessionScope,
    allowed_actions,
    authorize,
    require,
)
from bridge.permissions.roles import Role

__all__ = [
    "INFO",
    "Action",
    "ActionInfo",
    "Decision",
    "Forbidden",
    "Principal",
    "Role",
    "SessionScope",
    "allowed_actions",
    "authorize",
    "require",
]
