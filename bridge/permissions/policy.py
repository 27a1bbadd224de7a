"""One policy: may this principal take this action (on this session)?

Two questions, asked in order. Does the role allow the action at all (``_BY_ROLE``, a
table)? And for an action about one session, is the principal tied to it — the organiser
of it, an operator or observer assigned to it, a hall holding a token for it? Admin and
office are tied to every session. Everything not granted is refused; the reason says which
question failed, for the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.permissions.actions import INFO, Action
from bridge.permissions.roles import Role

A = Action
_ANYONE = frozenset({A.LOGIN, A.PING})
_HALL = frozenset({A.SITE_JOIN, A.SITE_MEDIA, A.SITE_HAND, A.SITE_LEAVE})
# D: a hall reads its session's notices (and their documents) and confirms reading them.
_HALL = _HALL | {A.SITE_NOTICES}
# Everything about one session that only reads (board, readiness, audit, previews), taken
# from the actions' own metadata so that a new write can never slip into an observer's hands.
_CONSOLE_READ = frozenset(
    a for a, info in INFO.items() if info.scoped and not info.writes and a not in _HALL
)
_LIVE_CONTROLS = frozenset(
    {
        A.SITE_MUTE,
        A.SITE_UNMUTE,
        A.SITE_SHOW,
        A.VOICE_SET,
        A.HAND_LOWER,
        A.FLOOR_GIVE,
        A.MUTE_ALL_EXCEPT_HOST,
        A.UNMUTE_ALL,
        A.SITE_REMOVE,
    }
)
# What running a session means, for whoever runs it (organiser or operator).
_RUN = frozenset({A.SESSION_OPEN, A.SESSION_CLOSE, A.SESSION_LINKS, A.SESSION_END})
_STAFF = frozenset(a for a in Action if a not in _HALL)
# Hardware profiles: every account reads them (what a hall is set to is no secret among
# staff); admin and office keep the catalogue of custom profiles; the operator, the
# technician who tunes the halls, assigns them to sites (fields and locks included). Not
# scoped: a profile is about a hall's hardware, whatever session it is in.
_PROFILE_READ = frozenset({A.PROFILE_LIST, A.PROFILE_VIEW, A.SITE_PROFILE_VIEW})
_PROFILE_ASSIGN = frozenset({A.SITE_PROFILE_ASSIGN, A.SITE_PROFILE_UNASSIGN})
# Connection tests. The board is a console read (in _CONSOLE_READ, for whoever may see the
# session). Running a test is the technician's, as the live controls are: the operator's,
# and admin's and office's. The schedule is part of booking: the organiser's (and admin's
# and office's). A site's results across sessions are for the staff who see sites.
_TESTS_RUN = frozenset({A.READINESS_TEST})
_SCHEDULE = frozenset({A.SESSION_SCHEDULE})
_SITE_TESTS = frozenset({A.SITE_TESTS_VIEW})
# Issue 13, part C: the roster is the organiser's (of its own session), the office's and
# an admin's, before the session and during it; never an operator's or an observer's.
_ROSTER = frozenset({A.SESSION_ROSTER})
# Issue 13 B: bookings. An organiser books, reads its own bookings and the calendar,
# answers the office's proposals and cancels its own; the office (and admin, who have every
# staff action) decide and declare the days. Operators and observers run and watch
# sessions: bookings are none of theirs.
_BOOKING = frozenset(
    {
        A.BOOKING_LIST,
        A.BOOKING_REQUEST,
        A.BOOKING_VIEW,
        A.BOOKING_RESPOND,
        A.BOOKING_CANCEL,
        A.CALENDAR_VIEW,
        A.NOTIFICATION_LIST,
    }
)
_OFFICE_ONLY = frozenset({A.BOOKING_DECIDE, A.OFFICE_DAYS_EDIT}) | _BOOKING
# D: notices. Reading them (with the receipts) is a console read (_CONSOLE_READ, from the
# action's metadata); posting and withdrawing is the organiser's (its own sessions), the
# office's and admin's — the session's official channel, not the operator's.
_NOTICES = frozenset({A.NOTICE_POST})

_BY_ROLE: dict[Role, frozenset[Action]] = {
    Role.ADMIN: _STAFF,
    # The office runs everything but the accounts.
    Role.OFFICE: _STAFF - {A.ACCOUNT_LIST, A.ACCOUNT_CREATE},
    # An organiser books and owns its sessions, but does not operate them: the live
    # controls are the operator's, so two people never fight over one hall's microphone.
    Role.ORGANISER: frozenset({A.LOGOUT, A.SITE_LIST, A.SESSION_LIST, A.SESSION_CREATE})
    | _CONSOLE_READ
    | _RUN
    | {A.SESSION_STAFF}
    | _SCHEDULE
    | _SITE_TESTS
    | _PROFILE_READ
    | _ROSTER
    | _BOOKING
    | _NOTICES,
    Role.OPERATOR: (
        frozenset({A.LOGOUT, A.SITE_LIST, A.SESSION_LIST})
        | _CONSOLE_READ
        | _RUN
        | _LIVE_CONTROLS
        | _TESTS_RUN
        | _SITE_TESTS
        | _PROFILE_READ
        | _PROFILE_ASSIGN
    )
    - _OFFICE_ONLY,
    Role.OBSERVER: (frozenset({A.LOGOUT, A.SESSION_LIST}) | _CONSOLE_READ | _PROFILE_READ)
    - _OFFICE_ONLY,
    Role.SITE: _HALL,
}
# Issue 13, part E: a hall's invitation (and the fresh join link it carries) is sent by
# whoever owns the session's booking: its organiser, the office, an admin (they have it
# through _STAFF); not an operator or observer.
_INVITATIONS = frozenset({A.SESSION_INVITATIONS})
_BY_ROLE[Role.ORGANISER] = _BY_ROLE[Role.ORGANISER] | _INVITATIONS
# Issue 14: the roll call is taken by whoever runs the session — its operator, its
# organiser, the office, an admin — never an observer (it only reads) or a hall. Reading
# attendance is a console read (_CONSOLE_READ, from the action's metadata).
_ROLL_CALL = frozenset({A.ATTENDANCE_ROLL_CALL})
_BY_ROLE[Role.ORGANISER] = _BY_ROLE[Role.ORGANISER] | _ROLL_CALL
_BY_ROLE[Role.OPERATOR] = _BY_ROLE[Role.OPERATOR] | _ROLL_CALL
# Issue 14: recording. Starting and stopping it is the operator's (it runs the session)
# and the organiser's (its own session; a booking may ask for it), the office's and an
# admin's. Downloading a recording is the organiser's (its own), the office's and an
# admin's only: an operator runs the hall's sound, the file is the body's record — not an
# operator's by default, never a hall's or an observer's. Listing them (what exists, its
# manifest) is a console read, for whoever may see the session.
_RECORDING_CONTROL = frozenset({A.RECORDING_CONTROL})
_BY_ROLE[Role.ORGANISER] = _BY_ROLE[Role.ORGANISER] | _RECORDING_CONTROL | {A.RECORDING_DOWNLOAD}
_BY_ROLE[Role.OPERATOR] = _BY_ROLE[Role.OPERATOR] | _RECORDING_CONTROL
# Issue 14: the period report is the office's (and admin's, through _STAFF) and an
# organiser's over its own sessions (the route filters); operators and observers see the
# reports of their sessions only. A session's report is a console read (_CONSOLE_READ).
_BY_ROLE[Role.ORGANISER] = _BY_ROLE[Role.ORGANISER] | {A.REPORTS_PERIOD}
_EVERY_SESSION = frozenset({Role.ADMIN, Role.OFFICE})


@dataclass(frozen=True)
class Principal:
    """Who acts: an account (``account_id``, ``name`` its username) or a hall's join token
    (``site_id`` of ``session_id``)."""

    role: Role
    account_id: int | None = None
    name: str = ""
    site_id: int | None = None
    session_id: int | None = None

    @property
    def by(self) -> str:
        """The principal as the audit log and events name it."""
        if self.role is Role.SITE:
            return f"site:{self.site_id}"
        return f"account:{self.name}"


@dataclass(frozen=True)
class SessionScope:
    """A session as the policy sees it: who organises it and who is assigned to it."""

    id: int
    organiser_id: int | None = None
    operator_ids: frozenset[int] = field(default_factory=frozenset)
    observer_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "ok", or why not: role, no_session, other_session, not_organiser, not_assigned

    def __bool__(self) -> bool:
        return self.allowed


class Forbidden(Exception):
    """Refused by the policy; the HTTP and WebSocket shells answer ``forbidden``."""

    def __init__(self, action: Action, reason: str) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason


def _tied(principal: Principal, session: SessionScope) -> str | None:
    """None if the principal is tied to the session, else why not."""
    role, account = principal.role, principal.account_id
    if role in _EVERY_SESSION:
        return None
    if role is Role.SITE:
        return None if principal.session_id == session.id else "other_session"
    if role is Role.ORGANISER:
        return None if account is not None and account == session.organiser_id else "not_organiser"
    if role is Role.OPERATOR:
        return None if account in session.operator_ids else "not_assigned"
    # An observer watches the sessions it is assigned to, as observer or as operator.
    assigned = session.observer_ids | session.operator_ids
    return None if account in assigned else "not_assigned"


def authorize(principal: Principal, action: Action, session: SessionScope | None) -> Decision:
    """Allowed or not, and why; ``session`` is the one a session-scoped action is about."""
    if action in _ANYONE:
        return Decision(True, "ok")
    if action not in _BY_ROLE[principal.role]:
        return Decision(False, "role")
    if not INFO[action].scoped:
        return Decision(True, "ok")
    if session is None:
        return Decision(False, "no_session")
    why_not = _tied(principal, session)
    return Decision(why_not is None, why_not or "ok")


def require(principal: Principal, action: Action, session: SessionScope | None) -> None:
    """Raise ``Forbidden`` unless ``authorize`` allows."""
    decision = authorize(principal, action, session)
    if not decision.allowed:
        raise Forbidden(action, decision.reason)


def allowed_actions(principal: Principal, session: SessionScope | None) -> frozenset[Action]:
    """Every action the principal may take (on ``session``): what a console is told."""
    return frozenset(a for a in Action if authorize(principal, a, session).allowed)
