"""``store.sites``, ``store.sessions`` (rosters, organiser, staff), ``store.meta``, and
what survives a restart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.store import (
    AccountRole,
    Conflict,
    Duty,
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
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    province = store.sites.create("Hà Nội", SiteLevel.PROVINCE, central.id)
    district = store.sites.create("Ba Đình", SiteLevel.DISTRICT, province.id)
    commune = store.sites.create("Phúc Xá", SiteLevel.COMMUNE, district.id)
    return central, province, district, commune


# -- sites ---------------------------------------------------------------------------------


def test_created_site_reads_back_with_aware_utc_timestamp(store: Store, clock: Clock) -> None:
    tree = _tree(store)
    central, province, _, _ = tree
    assert store.sites.get(province.id) == province
    assert province.parent_id == central.id
    assert province.level is SiteLevel.PROVINCE
    assert province.created_at == clock.now
    assert province.created_at.tzinfo is UTC
    assert store.sites.list() == list(tree)


def test_site_name_is_stripped_and_blank_is_invalid(store: Store) -> None:
    assert store.sites.create("  Huế  ", SiteLevel.PROVINCE).name == "Huế"
    with pytest.raises(InvalidInput):
        store.sites.create("   ", SiteLevel.PROVINCE)
    with pytest.raises(InvalidInput):
        store.sites.create("x" * 201, SiteLevel.PROVINCE)


def test_unknown_level_is_invalid(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.sites.create("Somewhere", "village")  # type: ignore[arg-type]


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
    parent = store.sites.create("Parent", parent_level)
    with pytest.raises(InvalidInput):
        store.sites.create("Child", child_level, parent.id)
    assert [site.id for site in store.sites.list()] == [parent.id]


def test_a_level_may_be_skipped_going_down(store: Store) -> None:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    district = store.sites.create("Côn Đảo", SiteLevel.DISTRICT, central.id)
    assert district.parent_id == central.id


def test_unknown_parent_is_invalid(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.sites.create("Orphan", SiteLevel.PROVINCE, 999)


def test_site_names_are_unique_under_one_parent(store: Store) -> None:
    central, province, _, _ = _tree(store)
    other = store.sites.create("Đà Nẵng", SiteLevel.PROVINCE, central.id)
    with pytest.raises(Conflict):
        store.sites.create("Hà Nội", SiteLevel.PROVINCE, central.id)
    with pytest.raises(Conflict):
        store.sites.create("Trung ương", SiteLevel.CENTRAL)  # top level is one namespace too
    # The same district name in two provinces is two different halls.
    a = store.sites.create("Hải Châu", SiteLevel.DISTRICT, province.id)
    b = store.sites.create("Hải Châu", SiteLevel.DISTRICT, other.id)
    assert a.id != b.id


def test_unknown_site_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.sites.get(42)


# -- sessions ------------------------------------------------------------------------------


def test_roster_keeps_order_and_puts_a_missing_host_first(store: Store) -> None:
    central, province, district, commune = _tree(store)
    roster = [commune.id, province.id, district.id]
    session = store.sessions.create("Giao ban", central.id, roster)
    assert session.roster == (central.id, commune.id, province.id, district.id)
    assert store.sessions.get(session.id) == session
    assert [site.id for site in store.sessions.roster_sites(session.id)] == list(session.roster)


def test_host_already_on_roster_keeps_its_place(store: Store) -> None:
    central, province, district, _ = _tree(store)
    session = store.sessions.create("Giao ban", province.id, [central.id, province.id, district.id])
    assert session.roster == (central.id, province.id, district.id)
    assert session.host_site_id == province.id


def test_roster_with_only_the_host(store: Store) -> None:
    central, *_ = _tree(store)
    assert store.sessions.create("Solo", central.id, []).roster == (central.id,)


def test_roster_rejects_duplicates_unknown_sites_and_unknown_host(store: Store) -> None:
    central, province, _, _ = _tree(store)
    with pytest.raises(InvalidInput):
        store.sessions.create("Dup", central.id, [province.id, province.id])
    with pytest.raises(InvalidInput):
        store.sessions.create("Dup host", central.id, [central.id, province.id, central.id])
    with pytest.raises(InvalidInput):
        store.sessions.create("Ghost", central.id, [province.id, 999])
    with pytest.raises(InvalidInput):
        store.sessions.create("No host", 999, [province.id])
    with pytest.raises(InvalidInput):
        store.sessions.create("  ", central.id, [])
    assert store.sessions.list() == []


def test_sessions_are_listed_newest_first(store: Store, clock: Clock) -> None:
    central, *_ = _tree(store)
    first = store.sessions.create("First", central.id, [])
    clock.advance(timedelta(minutes=1))
    second = store.sessions.create("Second", central.id, [])
    third = store.sessions.create("Third, same instant", central.id, [])
    assert [s.id for s in store.sessions.list()] == [third.id, second.id, first.id]


def test_set_state_writes_what_it_is_given(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.sessions.create("Giao ban", central.id, [])
    assert session.state is SessionState.SCHEDULED
    assert store.sessions.set_state(session.id, SessionState.OPEN).state is SessionState.OPEN
    closed = store.sessions.set_state(session.id, SessionState.CLOSED)
    assert closed.state is SessionState.CLOSED
    assert closed.roster == session.roster
    # Which state may follow which is the lifecycle's rule (bridge.use_cases), not the store's.
    assert store.sessions.set_state(session.id, SessionState.OPEN).state is SessionState.OPEN
    assert store.sessions.get(session.id).state is SessionState.OPEN


def test_set_state_with_expected_refuses_a_state_changed_meanwhile(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.sessions.create("Giao ban", central.id, [])
    store.sessions.set_state(session.id, SessionState.CLOSED)
    with pytest.raises(Conflict):
        store.sessions.set_state(session.id, SessionState.OPEN, expected=SessionState.SCHEDULED)
    assert store.sessions.get(session.id).state is SessionState.CLOSED
    moved = store.sessions.set_state(session.id, SessionState.OPEN, expected=SessionState.CLOSED)
    assert moved.state is SessionState.OPEN


def test_session_may_be_created_open(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.sessions.create("Now", central.id, [], state=SessionState.OPEN)
    assert store.sessions.get(session.id).state is SessionState.OPEN


def test_unknown_session_is_not_found(store: Store) -> None:
    for call in (
        lambda: store.sessions.get(7),
        lambda: store.sessions.roster_sites(7),
        lambda: store.sessions.set_state(7, SessionState.OPEN),
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
    if not store.sites.list():
        central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
        for n in range(8):
            store.sites.create(f"Tỉnh {n}", SiteLevel.PROVINCE, central.id)
    site_ids = [site.id for site in store.sites.list()]
    host = data.draw(st.sampled_from(site_ids))
    roster = data.draw(st.permutations(site_ids).flatmap(lambda p: st.just(p[: len(p) // 2])))
    session = store.sessions.create("Prop", host, roster)
    expected = tuple(roster) if host in roster else (host, *roster)
    assert session.roster == expected
    assert store.sessions.get(session.id).roster == expected
    assert tuple(site.id for site in store.sessions.roster_sites(session.id)) == expected


# -- organiser and staff -------------------------------------------------------------------


def test_session_keeps_its_organiser(store: Store) -> None:
    central, *_ = _tree(store)
    organiser = store.accounts.create("to.chuc", "password1", AccountRole.ORGANISER)
    session = store.sessions.create("Giao ban", central.id, [], organiser_id=organiser.id)
    assert session.organiser_id == organiser.id
    assert store.sessions.get(session.id) == session
    assert store.sessions.create("CLI", central.id, []).organiser_id is None
    with pytest.raises(InvalidInput):
        store.sessions.create("Ghost", central.id, [], organiser_id=999)


def test_staff_are_assigned_reassigned_and_withdrawn(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.sessions.create("Giao ban", central.id, [])
    other = store.sessions.create("Khác", central.id, [])
    op = store.accounts.create("van.hanh", "password1", AccountRole.OPERATOR)
    watcher = store.accounts.create("quan.sat", "password2", AccountRole.OBSERVER)
    store.sessions.assign(session.id, op.id, Duty.OPERATOR)
    store.sessions.assign(session.id, watcher.id, Duty.OPERATOR)
    store.sessions.assign(session.id, watcher.id, Duty.OBSERVER)  # a new duty replaces the old
    assert store.sessions.staff(session.id) == {op.id: Duty.OPERATOR, watcher.id: Duty.OBSERVER}
    read = store.sessions.get(session.id)
    assert read.staff == {op.id: Duty.OPERATOR, watcher.id: Duty.OBSERVER}
    assert (read.operator_ids, read.observer_ids) == ({op.id}, {watcher.id})
    assert store.sessions.staff(other.id) == {}
    assert {s.id: dict(s.staff) for s in store.sessions.list()} == {
        other.id: {},
        session.id: {op.id: Duty.OPERATOR, watcher.id: Duty.OBSERVER},
    }
    assert store.sessions.unassign(session.id, op.id) is True
    assert store.sessions.unassign(session.id, op.id) is False
    assert store.sessions.staff(session.id) == {watcher.id: Duty.OBSERVER}


def test_staff_of_unknown_sessions_or_accounts(store: Store) -> None:
    central, *_ = _tree(store)
    session = store.sessions.create("Giao ban", central.id, [])
    op = store.accounts.create("van.hanh", "password1")
    with pytest.raises(NotFound):
        store.sessions.assign(999, op.id, Duty.OPERATOR)
    with pytest.raises(NotFound):
        store.sessions.assign(session.id, 999, Duty.OPERATOR)
    with pytest.raises(InvalidInput):
        store.sessions.assign(session.id, op.id, "chief")
    for call in (lambda: store.sessions.staff(999), lambda: store.sessions.unassign(999, op.id)):
        with pytest.raises(NotFound):
            call()


# -- meta ----------------------------------------------------------------------------------


def test_meta_is_a_small_key_value_store(store: Store) -> None:
    assert store.meta.get("demo_session") is None
    store.meta.set("demo_session", "1")
    store.meta.set("demo_session", "2")
    store.meta.set("other", "")
    assert store.meta.get("demo_session") == "2"
    assert store.meta.get("other") == ""
    with pytest.raises(InvalidInput):
        store.meta.set("", "x")


# -- the file ------------------------------------------------------------------------------


def test_data_survives_close_and_reopen(db_path: Path, clock: Clock) -> None:
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        central, province, _, _ = _tree(store)
        session = store.sessions.create("Giao ban", central.id, [province.id])
        store.sessions.set_state(session.id, SessionState.OPEN)
        join = store.tokens.issue(session.id, province.id, timedelta(hours=1))
        store.accounts.create("thu.ky", "mật khẩu dài", OperatorRole.ADMIN)
        login = store.accounts.login("thu.ky", "mật khẩu dài", timedelta(hours=1))
        store.meta.set("demo_session", str(session.id))
        sites = store.sites.list()
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        assert store.sites.list() == sites
        assert store.sessions.get(session.id).state is SessionState.OPEN
        assert store.sessions.get(session.id).roster == (central.id, province.id)
        assert store.tokens.check(join.token).site_id == province.id
        assert store.accounts.check_token(login.token).username == "thu.ky"
        assert store.accounts.login("thu.ky", "mật khẩu dài", timedelta(hours=1)).token
        assert store.meta.get("demo_session") == str(session.id)


def test_store_creates_its_folder_and_accepts_a_str_path(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bridge.sqlite3"
    with Store(str(path)) as store:
        store.sites.create("Trung ương", SiteLevel.CENTRAL)
    assert path.is_file()


def test_a_closed_store_refuses_calls(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError):
        store.sites.list()


def test_foreign_keys_hold_in_the_file(store: Store, db_path: Path) -> None:
    central, province, _, _ = _tree(store)
    store.sessions.create("Giao ban", central.id, [province.id])
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("DELETE FROM sites WHERE id = ?", (province.id,))
    raw.close()
