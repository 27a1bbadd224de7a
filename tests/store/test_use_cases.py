"""The lifecycle rule and the use cases that apply it to the store."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bridge.conference.lifecycle import (
    STATES,
    SessionIsClosed,
    TransitionRefused,
    check_links,
    check_transition,
)
from bridge.signaling.errors import HTTP_STATUS, ErrorCode
from bridge.store import (
    Conflict,
    NotFound,
    Session,
    SessionState,
    SiteLevel,
    Store,
)
from bridge.use_cases import close_session, issue_join_links, open_session


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATES, STATES)))
def test_only_a_closed_session_refuses_to_move(current: str, target: str) -> None:
    if current == "closed" and target != "closed":
        with pytest.raises(TransitionRefused):
            check_transition(current, target)
    else:
        check_transition(current, target)


def test_unknown_states_and_links_of_a_closed_session() -> None:
    with pytest.raises(TransitionRefused):
        check_transition("open", "paused")
    check_links("open")
    with pytest.raises(SessionIsClosed):
        check_links("closed")


def _session_id(store: Store) -> int:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    province = store.sites.create("Huế", SiteLevel.PROVINCE, central.id)
    return store.sessions.create("Giao ban", central.id, [province.id]).id


def test_a_closed_session_never_reopens(store: Store) -> None:
    session_id = _session_id(store)
    assert open_session(store, session_id).state is SessionState.OPEN
    assert open_session(store, session_id).state is SessionState.OPEN
    assert close_session(store, session_id).state is SessionState.CLOSED
    # Closing twice is harmless (two operators pressing "end" at once).
    assert close_session(store, session_id).state is SessionState.CLOSED
    with pytest.raises(Conflict) as refused:
        open_session(store, session_id)
    assert HTTP_STATUS[ErrorCode(refused.value.code)] == 409
    assert store.sessions.get(session_id).state is SessionState.CLOSED
    with pytest.raises(NotFound):
        open_session(store, 999)


def test_a_session_closed_between_the_check_and_the_write_stays_closed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = _session_id(store)
    real_get = store.sessions.get

    def get_then_close(sid: int) -> Session:
        seen = real_get(sid)
        store.sessions.set_state(sid, SessionState.CLOSED)  # another operator, meanwhile
        return seen

    monkeypatch.setattr(store.sessions, "get", get_then_close)
    with pytest.raises(Conflict):
        open_session(store, session_id)
    monkeypatch.undo()
    assert store.sessions.get(session_id).state is SessionState.CLOSED


def test_join_links_for_every_roster_site_but_not_once_closed(store: Store) -> None:
    session_id = _session_id(store)
    links = issue_join_links(store, session_id, timedelta(hours=1), "https://cau.example")
    assert [link["site_name"] for link in links] == ["Trung ương", "Huế"]
    token = links[1]["url"].partition("#token=")[2]
    assert links[1]["url"].startswith(f"https://cau.example/site/{session_id}#token=")
    assert store.tokens.check(token).site_id == links[1]["site_id"]
    close_session(store, session_id)
    with pytest.raises(Conflict):
        issue_join_links(store, session_id, timedelta(hours=1), "https://cau.example")
    with pytest.raises(NotFound):
        issue_join_links(store, 999, timedelta(hours=1), "https://cau.example")
