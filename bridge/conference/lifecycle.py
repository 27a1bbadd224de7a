"""A session's life: scheduled, then open, then closed, for good.

Pure rules on state names (the store's ``SessionState`` values are these strings), applied
by ``bridge.use_cases`` for HTTP, CLI and WebSocket alike.
"""

from __future__ import annotations

from bridge.conference.session import ConferenceError

SCHEDULED = "scheduled"
OPEN = "open"
CLOSED = "closed"
STATES = (SCHEDULED, OPEN, CLOSED)


class TransitionRefused(ConferenceError):
    """The session cannot go from its state to the one asked for."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a {current} session cannot become {target}")
        self.current = current
        self.target = target


class SessionIsClosed(ConferenceError):
    """What the session was asked for needs it not closed yet."""

    def __init__(self) -> None:
        super().__init__("the session is closed")


def check_transition(current: str, target: str) -> None:
    """Nothing if ``current`` may become ``target``, else ``TransitionRefused``.

    Closing is final: a closed session never reopens (nor goes back to scheduled). Asking
    for the state a session is already in is allowed: two operators pressing "end" at
    once both succeed."""
    if current not in STATES or target not in STATES:
        raise TransitionRefused(current, target)
    if current == CLOSED and target != CLOSED:
        raise TransitionRefused(current, target)


def check_links(state: str) -> None:
    """Join links are issued for a session that has not closed."""
    if state == CLOSED:
        raise SessionIsClosed()
