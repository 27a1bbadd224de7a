"""Sites, sessions and rosters, meta, and what survives a restart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.store import (
    Conflict,
    InvalidInput,
    NotFound,
    OperatorRole,
    SessionState,
    Site,
    SiteLevel,
    Store,
    StoreError,
)
from tests.store.conftest import CHEAP_HASHER, Clock


def _tree(store: Store) -> tuple[Site, Site, Site, Site]:
    central = store.create_site("Trung ương", SiteLevel.CENTRAL)
    province = store.create_site("Hà Nội", SiteLevel.PROVINCE, central.id)
    district = store.create_site("Ba Đình", SiteLevel.DISTRICT, province.id)
    commune = store.create_site("Phúc Xá", SiteLevel.COMMUNE, district.id)
    return central, province, district, commune


# -- sites ---------------------------------------------------------------------------------


def test_created_site_reads_back_with_aware_utc_timestamp(store: Store, clock: Clock) -> None:
    tree = _tree(store)
    central, province, _, _ = tree
    assert store.get_site(province.id) == province
    assert province.parent_id == central.id
    assert province.level is SiteLevel.PROVINCE
    assert province.created_at == clock.now
    assert province.created_at.tzinfo is UTC
    assert store.list_sites() == list(tree)


def test_site_name_is_stripped_and_blank_is_invalid(store: Store) -> None:
    assert store.create_site("  Huế  ", SiteLevel.PROVINCE).name == "Huế"
    with pytest.raises(InvalidInput):
        store.create_site("   ", SiteLevel.PROVINCE)
    with pytest.raises(InvalidInput):
        store.create_site("x" * 201, SiteLevel.PROVINCE)


def test_unknown_level_is_invalid(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.create_site("Somewhere", "village")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parent_level", "child_level"),
    [
        (SiteLevel.PROVINCE, SiteLevel.PROVINCE),
        (SiteLevel.PROVINCE, SiteLevel.CENTRAL),
        (SiteLevel.COMMUNE, SiteLevel.DISTRICT),
        (SiteLevel.DISTRICT, SiteLevel.PROVINCE),
        (SiteLevel.COMMUNE, SiteLevel.COMMUNE),
    ],
)
def test_parent_must_be_of_a_higher_level(
    store: Store, parent_level: SiteLevel, child_level: SiteLevel
) -> None:
    parent = store.create_site("Parent", parent_level)
    with pytest.raises(InvalidInput):
        store.create_site("Child", child_level, parent.id)
    assert [site.id for site in store.list_sites()] == [parent.id]


def test_a_level_may_be_skipped_going_down(store: Store) -> None:
    central = store.create_site("Trung ương", SiteLevel.CENTRAL)
    district = store.create_site("Côn Đảo", SiteLevel.DISTRICT, central.id)
    assert district.parent_id == central.id


def test_unknown_parent_is_invalid(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.create_site("Orphan", SiteLevel.PROVINCE, 999)


def test_site_names_are_unique_under_one_parent(store: Store) -> None:
    central, province, _, _ = _tree(store)
    other = store.create_site("Đà Nẵng", SiteLevel.PROVINCE, central.id)
    with pytest.raises(Conflict):
        store.create_site("Hà Nội", SiteLevel.PROVINCE, central.id)
    with pytest.raises(Conflict):
        store.create_site("Trung ương", SiteLevel.CENTRAL)  # top level is one namespace too
    # The same district name in two provinces is two different halls.
    a = store.create_site("Hải Châu", SiteLevel.DISTRICT, province.id)
    b = store.create_site("Hải Châu", SiteLevel.DISTRICT, other.id)
    assert a.id != b.id


def test_unknown_site_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_site(42)


# -- sessions ------------------------------------------------------------------------------


def test_roster_keeps_order_and_puts_a_missing_host_first(store: Store) -> None:
    central, province, district, commune = _tree(store)
    roster = [commune.id, province.id, district.id]
    session = store.create_session("Giao ban", central.id, roster)
    assert session.roster == (central.id, commune.id, province.id, district.id)
    assert store.get_session(session.id) == session
    assert [site.id for site in store.roster_sites(session.id)] == list(session.roster)


def test_host_already_on_roster_keeps_its_place(store: Store) -> None:
    central, province, district, _ = _tree(store)
    session = store.create_session("Giao ban", province.id, [central.id, province.id, district.id])
    assert session.roster == (central.id, province.id, district.id)
    assert session.host_site_id == province.id


def test_roster_with_only_the_host(store: Store) -> None:
    central, *_ = _tree(store)
    assert store.create_session("Solo", central.id, []).roster == (central.id,)


def test_roster_rejects_duplicates_unknown_sites_and_unknown_host(store: Store) -> None:
    central, province, _, _ = _tree(store)
    with pytest.raises(InvalidInput):
        store.create_session("Dup", central.id, [province.id, province.id])
    with pytest.raises(InvalidInput):
        store.create_session("Dup host", central.id, [central.id, province.id, central.id])
    with pytest.raises(InvalidInput):
        store.create_session("Ghost", central.id, [province.id, 999])
    with pytest.raises(InvalidInput):
        store.create_session("No host", 999, [province.id])
    with pytest.raises(InvalidInput):
        store.create_session("  ", central.id, [])
    assert store.list_sessions() == []


def test_sessions_are_listed_newest_first(store: Store, clock: Clock) -> None:
    central, *_ = _tree(store)
    first = store.create_session("First", central.id, [])
    clock.advance(timedelta(minutes=1))
    second = store.create_session("Second", central.id, [])
    third = store.create_session("Third, same instant", central.id, [])
    assert [s.id for s in store.list_sessions()] == [third.id, second.id, first.id]


def test_session_states_move_and_closed_is_final(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.create_session("Giao ban", central.id, [])
    assert session.state is SessionState.SCHEDULED
    assert store.set_session_state(session.id, SessionState.OPEN).state is SessionState.OPEN
    closed = store.set_session_state(session.id, SessionState.CLOSED)
    assert closed.state is SessionState.CLOSED
    assert closed.roster == session.roster
    for state in (SessionState.OPEN, SessionState.SCHEDULED):
        with pytest.raises(InvalidInput):
            store.set_session_state(session.id, state)
    # Closing twice is harmless (two operators pressing "end" at once).
    assert store.set_session_state(session.id, SessionState.CLOSED).state is SessionState.CLOSED
    assert store.get_session(session.id).state is SessionState.CLOSED


def test_session_may_be_created_open(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.create_session("Now", central.id, [], state=SessionState.OPEN)
    assert store.get_session(session.id).state is SessionState.OPEN


def test_unknown_session_is_not_found(store: Store) -> None:
    for call in (
        lambda: store.get_session(7),
        lambda: store.roster_sites(7),
        lambda: store.set_session_state(7, SessionState.OPEN),
    ):
        with pytest.raises(NotFound):
            call()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_roster_reads_back_in_the_order_given(store: Store, data: st.DataObject) -> None:
    if not store.list_sites():
        central = store.create_site("Trung ương", SiteLevel.CENTRAL)
        for n in range(8):
            store.create_site(f"Tỉnh {n}", SiteLevel.PROVINCE, central.id)
    site_ids = [site.id for site in store.list_sites()]
    host = data.draw(st.sampled_from(site_ids))
    roster = data.draw(st.permutations(site_ids).flatmap(lambda p: st.just(p[: len(p) // 2])))
    session = store.create_session("Prop", host, roster)
    expected = tuple(roster) if host in roster else (host, *roster)
    assert session.roster == expected
    assert store.get_session(session.id).roster == expected
    assert tuple(site.id for site in store.roster_sites(session.id)) == expected


# -- meta ----------------------------------------------------------------------------------


def test_meta_is_a_small_key_value_store(store: Store) -> None:
    assert store.get_meta("demo_session") is None
    store.set_meta("demo_session", "1")
    store.set_meta("demo_session", "2")
    store.set_meta("other", "")
    assert store.get_meta("demo_session") == "2"
    assert store.get_meta("other") == ""
    with pytest.raises(InvalidInput):
        store.set_meta("", "x")


# -- the file ------------------------------------------------------------------------------


def test_data_survives_close_and_reopen(db_path: Path, clock: Clock) -> None:
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        central, province, _, _ = _tree(store)
        session = store.create_session("Giao ban", central.id, [province.id])
        store.set_session_state(session.id, SessionState.OPEN)
        join = store.issue_join_token(session.id, province.id, timedelta(hours=1))
        store.create_operator("thu.ky", "mật khẩu dài", OperatorRole.ADMIN)
        login = store.login("thu.ky", "mật khẩu dài", timedelta(hours=1))
        store.set_meta("demo_session", str(session.id))
        sites = store.list_sites()
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        assert store.list_sites() == sites
        assert store.get_session(session.id).state is SessionState.OPEN
        assert store.get_session(session.id).roster == (central.id, province.id)
        assert store.check_join_token(join.token).site_id == province.id
        assert store.check_operator_token(login.token).username == "thu.ky"
        assert store.login("thu.ky", "mật khẩu dài", timedelta(hours=1)).token
        assert store.get_meta("demo_session") == str(session.id)


def test_store_creates_its_folder_and_accepts_a_str_path(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bridge.sqlite3"
    with Store(str(path)) as store:
        store.create_site("Trung ương", SiteLevel.CENTRAL)
    assert path.is_file()


def test_a_closed_store_refuses_calls(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError):
        store.list_sites()


def test_foreign_keys_hold_in_the_file(store: Store, db_path: Path) -> None:
    central, province, _, _ = _tree(store)
    store.create_session("Giao ban", central.id, [province.id])
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("DELETE FROM sites WHERE id = ?", (province.id,))
    raw.close()
