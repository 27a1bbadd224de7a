"""From stored records to what the permission policy decides on."""

from __future__ import annotations

from bridge.permissions import Principal, Role, SessionScope
from bridge.store import Account, Session


def principal_of(account: Account) -> Principal:
    """A logged-in account as a principal."""
    return Principal(role=Role(str(account.role)), account_id=account.id, name=account.username)


def session_scope(session: Session) -> SessionScope:
    """A stored session's organiser and staff, as the policy needs them."""
    return SessionScope(
        id=session.id,
        organiser_id=session.organiser_id,
        operator_ids=session.operator_ids,
        observer_ids=session.observer_ids,
    )
