"""From stored records to what the permission policy decides on."""

from __future__ import annotations

from typing import Any

from bridge.permissions import Principal, Role, SessionScope


def principal_of(account: Any) -> Principal:
    """A logged-in account (``bridge.store`` record) as a principal."""
    return Principal(
        role=Role(str(account.role)),
        account_id=account.id,
        name=account.username,
        site_id=None,
        session_id=None,
    )


def session_scope(session: Any) -> SessionScope:
    """A stored session's owner and staff, as the policy needs them."""
    staff: dict[int, str] = dict(getattr(session, "staff", {}) or {})
    return SessionScope(
        id=session.id,
        organiser_id=getattr(session, "organiser_id", None),
        operator_ids=frozenset(a for a, duty in staff.items() if duty == "operator"),
        observer_ids=frozenset(a for a, duty in staff.items() if duty == "observer"),
    )
