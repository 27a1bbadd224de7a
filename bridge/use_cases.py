"""What HTTP, CLI and WebSocket do alike to a session: the domain's rules applied to the
store. Synchronous, like the store (async callers run them in a thread).

Errors are the store's (``StoreError`` and its ``.code``): a refused transition is a
``Conflict`` (HTTP 409), and so are links for a closed session.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bridge.conference.lifecycle import (
    SessionIsClosed,
    TransitionRefused,
    check_links,
    check_transition,
)
from bridge.readiness.window import OFFICE_TIMEZONE
from bridge.store import Conflict, NotFound, Schedule, Session, SessionState, Site, Store

# A state write that loses a race is read and checked again this many times.
_ATTEMPTS = 3


def open_session(store: Store, session_id: int) -> Session:
    return move_session(store, session_id, SessionState.OPEN)


def close_session(store: Store, session_id: int) -> Session:
    return move_session(store, session_id, SessionState.CLOSED)


def move_session(store: Store, session_id: int, target: SessionState) -> Session:
    """Move the session to ``target`` if the lifecycle allows it from its current state.

    The check and the write are two transactions; the write names the state the check
    saw, so a change in between (an operator closing the session meanwhile) is seen and
    the rule applied again to the new state."""
    for attempt in range(_ATTEMPTS):
        session = store.sessions.get(session_id)
        try:
            check_transition(session.state, target)
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        if session.state == target:
            return session
        try:
            return store.sessions.set_state(session_id, target, expected=session.state)
        except Conflict:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def issue_join_links(
    store: Store, session_id: int, valid_for: timedelta, base_url: str
) -> list[dict[str, Any]]:
    """A fresh join link for every roster site (older links stay valid until they expire)."""
    _links_allowed(store, session_id)
    return [
        _join_link(store, session_id, site, valid_for, base_url)
        for site in store.sessions.roster_sites(session_id)
    ]


def _links_allowed(store: Store, session_id: int) -> None:
    """Links are issued for a session not closed (``Conflict`` otherwise)."""
    try:
        check_links(store.sessions.get(session_id).state)
    except SessionIsClosed as exc:
        raise Conflict(f"session {session_id} is closed") from exc


def _join_link(
    store: Store, session_id: int, site: Site, valid_for: timedelta, base_url: str
) -> dict[str, Any]:
    issued = store.tokens.issue(session_id, site.id, valid_for)
    return {
        "site_id": site.id,
        "site_name": site.name,
        "url": f"{base_url}/site/{session_id}#token={issued.token}",
        "expires_at": issued.expires_at.isoformat(),
    }


# Invitations (issue 13, part E): one site's link, for its own invitation.
def issue_join_link(
    store: Store, session_id: int, site_id: int, valid_for: timedelta, base_url: str
) -> dict[str, Any]:
    """A fresh join link for one roster site, shaped as ``issue_join_links``' entries.
    A site off the roster is ``NotFound``; a closed session ``Conflict``."""
    _links_allowed(store, session_id)
    site = next((x for x in store.sessions.roster_sites(session_id) if x.id == site_id), None)
    if site is None:
        raise NotFound(f"site {site_id} is not on session {session_id}'s roster")
    return _join_link(store, session_id, site, valid_for, base_url)


def schedule_session(
    store: Store,
    session_id: int,
    starts_at: datetime | None,
    ends_at: datetime | None = None,
    test_from: datetime | None = None,
    test_until: datetime | None = None,
    *,
    tz: str = OFFICE_TIMEZONE,
) -> Schedule:
    """Replace the session's schedule, unless it is closed (``Conflict``): a closed
    session's schedule is what happened, kept as it was."""
    session = store.sessions.get(session_id)
    if session.state is SessionState.CLOSED:
        raise Conflict(f"session {session_id} is closed: its schedule is kept as it was")
    return store.sessions.set_schedule(session_id, starts_at, ends_at, test_from, test_until, tz=tz)


# ---- roster ownership (docs/office.md, "Rosters") --------------------------------------


class RosterClosed(Conflict):
    """A closed session's roster is who took part: it is kept as it was (HTTP 409
    ``session_closed``)."""

    code = "session_closed"


def _check_roster_open(store: Store, session_id: int) -> Session:
    session = store.sessions.get(session_id)
    if session.state is SessionState.CLOSED:
        raise RosterClosed(f"session {session_id} is closed: its roster is kept as it was")
    return session


def add_roster_site(
    store: Store, session_id: int, site_id: int, valid_for: timedelta, base_url: str
) -> tuple[Session, Site, dict[str, Any]]:
    """Put the site last on the roster of a session that is not closed, and issue its join
    link at once (before the session or during it: the hall can join with it now). The
    store refuses a site that does not exist or is on the roster already."""
    _check_roster_open(store, session_id)
    session = store.sessions.add_site(session_id, site_id)
    site = store.sites.get(site_id)
    return session, site, _join_link(store, session_id, site, valid_for, base_url)


def remove_roster_site(store: Store, session_id: int, site_id: int) -> Session:
    """Take the site off the roster of a session that is not closed; its join tokens for
    the session go with it (the store refuses the host)."""
    _check_roster_open(store, session_id)
    return store.sessions.remove_site(session_id, site_id)
