"""Adding a site to a session's roster and taking one off it: the store and the use cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bridge.store import (
    Conflict,
    InvalidInput,
    InvalidToken,
    NotFound,
    SessionState,
    SiteLevel,
    Store,
)
from bridge.use_cases import RosterClosed, add_roster_site, close_session, remove_roster_site

HOUR = timedelta(hours=1)


def _setup(store: Store) -> tuple[int, list[int]]:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    provinces = [
        store.sites.create(name, SiteLevel.PROVINCE, central.id).id
        for name in ("Huế", "Lào Cai", "Cà Mau")
    ]
    session = store.sessions.create("Giao ban", central.id, [provinces[0]])
    return session.id, [central.id, *provinces]


def test_an_added_site_comes_last_and_a_removed_one_leaves_the_order_as_it_was(
    store: Store,
) -> None:
    session_id, (host, hue, lao_cai, ca_mau) = _setup(store)
    assert store.sessions.add_site(session_id, lao_cai).roster == (host, hue, lao_cai)
    assert store.sessions.add_site(session_id, ca_mau).roster == (host, hue, lao_cai, ca_mau)
    assert store.sessions.remove_site(session_id, lao_cai).roster == (host, hue, ca_mau)
    # back on it: last again, after a gap in the positions
    assert store.sessions.add_site(session_id, lao_cai).roster == (host, hue, ca_mau, lao_cai)
    names = [s.name for s in store.sessions.roster_sites(session_id)]
    assert names == ["Trung ương", "Huế", "Cà Mau", "Lào Cai"]


def test_refusals_name_the_field(store: Store) -> None:
    session_id, (host, hue, lao_cai, _) = _setup(store)
    with pytest.raises(Conflict) as twice:
        store.sessions.add_site(session_id, hue)
    assert (twice.value.field, twice.value.problem) == ("site_id", "on_roster")
    with pytest.raises(InvalidInput) as nothing:
        store.sessions.add_site(session_id, 999)
    assert (nothing.value.field, nothing.value.problem) == ("site_id", "not_found")
    with pytest.raises(Conflict) as chair:
        store.sessions.remove_site(session_id, host)
    assert (chair.value.field, chair.value.problem) == ("site_id", "host")
    with pytest.raises(NotFound) as off:
        store.sessions.remove_site(session_id, lao_cai)
    assert (off.value.field, off.value.problem) == ("site_id", "not_found")
    with pytest.raises(NotFound):
        store.sessions.add_site(999, lao_cai)
    with pytest.raises(NotFound):
        store.sessions.remove_site(999, lao_cai)
    assert store.sessions.get(session_id).roster == (host, hue)


def test_a_removed_site_loses_its_links_and_the_others_keep_theirs(store: Store) -> None:
    session_id, (host, hue, *_) = _setup(store)
    gone = store.tokens.issue(session_id, hue, HOUR)
    kept = store.tokens.issue(session_id, host, HOUR)
    store.sessions.remove_site(session_id, hue)
    with pytest.raises(InvalidToken):
        store.tokens.check(gone.token)
    assert store.tokens.check(kept.token).site_id == host
    store.sessions.add_site(session_id, hue)  # back on the roster: the old link stays dead
    with pytest.raises(InvalidToken):
        store.tokens.check(gone.token)


def test_the_use_case_issues_a_link_that_joins_and_refuses_a_closed_session(
    store: Store,
) -> None:
    session_id, (_, hue, lao_cai, ca_mau) = _setup(store)
    session, site, link = add_roster_site(store, session_id, lao_cai, HOUR, "https://b")
    assert session.roster[-1] == lao_cai and site.name == "Lào Cai"
    assert link["site_id"] == lao_cai and link["site_name"] == "Lào Cai"
    token = link["url"].split("#token=")[1]
    assert link["url"].startswith(f"https://b/site/{session_id}#token=")
    grant = store.tokens.check(token)
    assert (grant.session_id, grant.site_id) == (session_id, lao_cai)
    assert lao_cai not in remove_roster_site(store, session_id, lao_cai).roster
    with pytest.raises(InvalidToken):
        store.tokens.check(token)
    close_session(store, session_id)
    assert store.sessions.get(session_id).state is SessionState.CLOSED
    with pytest.raises(RosterClosed) as closed:
        add_roster_site(store, session_id, ca_mau, HOUR, "https://b")
    assert closed.value.code == "session_closed"
    with pytest.raises(RosterClosed):
        remove_roster_site(store, session_id, hue)
    assert hue in store.sessions.get(session_id).roster
