"""Join tokens, operator passwords and login tokens."""

from __future__ import annotations

import hashlib
import sqlite3
import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.store import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    JoinGrant,
    NotFound,
    OperatorRole,
    Session,
    SessionState,
    SiteLevel,
    Store,
    TokenExpired,
)
from tests.store.conftest import CHEAP_HASHER, Clock

HOUR = timedelta(hours=1)
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _session(store: Store) -> Session:
    central = store.create_site("Trung ương", SiteLevel.CENTRAL)
    a = store.create_site("Hà Nội", SiteLevel.PROVINCE, central.id)
    b = store.create_site("Huế", SiteLevel.PROVINCE, central.id)
    return store.create_session("Giao ban", central.id, [a.id, b.id])


def _file_bytes(db_path: Path) -> bytes:
    """Everything SQLite wrote: the database file and, in WAL mode, its log."""
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _raw(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as raw:
        return raw.execute(sql).fetchall()


# -- join tokens ---------------------------------------------------------------------------


def test_join_token_checks_back_to_its_grant(store: Store, clock: Clock) -> None:
    session = _session(store)
    site_id = session.roster[1]
    issued = store.issue_join_token(session.id, site_id, HOUR)
    assert issued.expires_at == clock.now + HOUR
    assert store.check_join_token(issued.token) == JoinGrant(session.id, site_id, issued.expires_at)
    # Checking does not use it up: a hall PC that reboots joins again with the same link.
    assert store.check_join_token(issued.token).site_id == site_id


def test_join_token_is_stored_only_as_its_sha256(store: Store, db_path: Path) -> None:
    session = _session(store)
    issued = store.issue_join_token(session.id, session.roster[1], HOUR)
    rows = _raw(db_path, "SELECT * FROM join_tokens")
    assert len(rows) == 1
    assert hashlib.sha256(issued.token.encode()).hexdigest() in rows[0]
    assert issued.token not in repr(rows)
    assert issued.token.encode() not in _file_bytes(db_path)
    assert issued.token not in repr(issued)


def test_join_token_expires_at_its_expiry(store: Store, clock: Clock) -> None:
    session = _session(store)
    issued = store.issue_join_token(session.id, session.roster[1], HOUR)
    clock.advance(HOUR - timedelta(microseconds=1))
    store.check_join_token(issued.token)
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(TokenExpired):
        store.check_join_token(issued.token)


@pytest.mark.parametrize("token", ["", "nope", "x" * 43, "x" * 10_000, "\ud800"])
def test_unknown_join_token_is_invalid(store: Store, token: str) -> None:
    session = _session(store)
    store.issue_join_token(session.id, session.roster[1], HOUR)
    with pytest.raises(InvalidToken):
        store.check_join_token(token)


def test_revoke_join_tokens_of_one_site_or_all(store: Store) -> None:
    session = _session(store)
    host, a, b = session.roster
    first_a = store.issue_join_token(session.id, a, HOUR)
    second_a = store.issue_join_token(session.id, a, HOUR)
    only_b = store.issue_join_token(session.id, b, HOUR)
    host_token = store.issue_join_token(session.id, host, HOUR)
    assert store.revoke_join_tokens(session.id, a) == 2
    for token in (first_a, second_a):
        with pytest.raises(InvalidToken):
            store.check_join_token(token.token)
    assert store.check_join_token(only_b.token).site_id == b
    assert store.revoke_join_tokens(session.id) == 2
    for token in (only_b, host_token):
        with pytest.raises(InvalidToken):
            store.check_join_token(token.token)
    assert store.revoke_join_tokens(session.id) == 0


def test_join_token_only_for_a_roster_site_of_a_live_session(store: Store) -> None:
    session = _session(store)
    outsider = store.create_site("Đà Nẵng", SiteLevel.PROVINCE)
    with pytest.raises(InvalidInput):
        store.issue_join_token(session.id, outsider.id, HOUR)
    with pytest.raises(NotFound):
        store.issue_join_token(999, session.roster[0], HOUR)
    with pytest.raises(InvalidInput):
        store.issue_join_token(session.id, session.roster[0], timedelta(0))
    store.set_session_state(session.id, SessionState.CLOSED)
    with pytest.raises(InvalidInput):
        store.issue_join_token(session.id, session.roster[0], HOUR)


def test_issuing_purges_tokens_a_day_past_expiry(store: Store, clock: Clock, db_path: Path) -> None:
    session = _session(store)
    site_id = session.roster[1]
    old = store.issue_join_token(session.id, site_id, HOUR)
    clock.advance(HOUR + timedelta(hours=23))
    recent = store.issue_join_token(session.id, site_id, HOUR)
    clock.advance(HOUR + timedelta(hours=2))
    store.issue_join_token(session.id, site_id, HOUR)  # purges `old` but not `recent`
    with pytest.raises(InvalidToken):
        store.check_join_token(old.token)
    with pytest.raises(TokenExpired):
        store.check_join_token(recent.token)
    assert len(_raw(db_path, "SELECT 1 FROM join_tokens")) == 2


@PROPERTY
@given(roster_index=st.integers(min_value=0, max_value=2), minutes=st.integers(1, 60 * 24 * 30))
def test_any_issued_join_token_checks_back_to_its_grant(
    store: Store, roster_index: int, minutes: int
) -> None:
    session = store.list_sessions()[0] if store.list_sessions() else _session(store)
    site_id = session.roster[roster_index]
    issued = store.issue_join_token(session.id, site_id, timedelta(minutes=minutes))
    assert store.check_join_token(issued.token) == JoinGrant(session.id, site_id, issued.expires_at)


@PROPERTY
@given(token=st.text(max_size=300))
def test_any_other_string_is_an_invalid_token(store: Store, token: str) -> None:
    if not store.list_sessions():
        session = _session(store)
        store.issue_join_token(session.id, session.roster[1], HOUR)
        store.create_operator("thu.ky", "password1")
        store.login("thu.ky", "password1", HOUR)
    with pytest.raises(InvalidToken):
        store.check_join_token(token)
    with pytest.raises(InvalidToken):
        store.check_operator_token(token)


# -- operators -----------------------------------------------------------------------------


def test_password_is_stored_with_argon2id_not_in_plaintext(tmp_path: Path) -> None:
    db_path = tmp_path / "default-cost.sqlite3"
    with Store(db_path) as store:  # the production parameters, once
        store.create_operator("thu.ky", "correct horse battery")
        assert store.login("thu.ky", "correct horse battery", HOUR).token
    [(stored,)] = _raw(db_path, "SELECT password_hash FROM operators")
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert b"correct horse" not in _file_bytes(db_path)
    assert PasswordHasher().verify(stored, "correct horse battery")


def test_operator_is_created_listed_and_logs_in(store: Store, clock: Clock) -> None:
    admin = store.create_operator("admin", "password1", OperatorRole.ADMIN)
    clerk = store.create_operator("thu.ky", "password2")
    assert clerk.role is OperatorRole.OPERATOR
    assert store.list_operators() == [admin, clerk]
    issued = store.login("thu.ky", "password2", HOUR)
    assert issued.expires_at == clock.now + HOUR
    assert store.check_operator_token(issued.token) == clerk


def test_wrong_password_and_unknown_user_are_one_error(store: Store) -> None:
    store.create_operator("thu.ky", "password1")
    with pytest.raises(InvalidCredentials) as wrong_password:
        store.login("thu.ky", "password2", HOUR)
    with pytest.raises(InvalidCredentials) as unknown_user:
        store.login("nobody", "password1", HOUR)
    assert str(wrong_password.value) == str(unknown_user.value)
    with pytest.raises(InvalidCredentials):
        store.login("thu.ky", "password1" * 200, HOUR)
    with pytest.raises(InvalidCredentials):
        store.login("", "", HOUR)


def test_unknown_user_takes_about_as_long_as_a_wrong_password(tmp_path: Path) -> None:
    # Costly enough (~10 ms) to stand out from the SQLite work around it.
    hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    with Store(tmp_path / "timing.sqlite3", password_hasher=hasher) as store:
        store.create_operator("thu.ky", "password1")

        def median_seconds(username: str) -> float:
            times = []
            for _ in range(7):
                start = time.perf_counter()
                with pytest.raises(InvalidCredentials):
                    store.login(username, "wrong password", HOUR)
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        wrong_password = median_seconds("thu.ky")
        unknown_user = median_seconds("nobody")
    assert unknown_user > 0.5 * wrong_password


def test_usernames_ignore_case(store: Store) -> None:
    store.create_operator("Thu.Ky", "password1")
    with pytest.raises(Conflict):
        store.create_operator("thu.ky", "password2")
    assert store.login("THU.KY", "password1", HOUR).token


def test_operator_input_is_checked(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.create_operator("thu.ky", "short")
    with pytest.raises(InvalidInput):
        store.create_operator("  ", "password1")
    with pytest.raises(InvalidInput):
        store.create_operator("thu.ky", "password1", "root")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        store.login("thu.ky", "password1", timedelta(seconds=-1))
    assert store.list_operators() == []


def test_new_password_replaces_the_old_and_ends_logins(store: Store) -> None:
    store.create_operator("thu.ky", "password1")
    before = store.login("thu.ky", "password1", HOUR)
    store.set_operator_password("thu.ky", "password2")
    with pytest.raises(InvalidToken):
        store.check_operator_token(before.token)
    with pytest.raises(InvalidCredentials):
        store.login("thu.ky", "password1", HOUR)
    assert store.login("thu.ky", "password2", HOUR).token
    with pytest.raises(NotFound):
        store.set_operator_password("nobody", "password3")
    with pytest.raises(InvalidInput):
        store.set_operator_password("thu.ky", "short")


def test_login_rehashes_when_the_parameters_change(db_path: Path, clock: Clock) -> None:
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        store.create_operator("thu.ky", "password1")
    [(cheap,)] = _raw(db_path, "SELECT password_hash FROM operators")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with Store(db_path, now=clock, password_hasher=stronger) as store:
        with pytest.raises(InvalidCredentials):
            store.login("thu.ky", "wrong password", HOUR)
        assert _raw(db_path, "SELECT password_hash FROM operators") == [(cheap,)]
        store.login("thu.ky", "password1", HOUR)
        [(upgraded,)] = _raw(db_path, "SELECT password_hash FROM operators")
        assert upgraded != cheap
        assert isinstance(upgraded, str)
        assert not stronger.check_needs_rehash(upgraded)
        assert store.login("thu.ky", "password1", HOUR).token


def test_operator_token_is_hashed_expires_and_is_revoked(
    store: Store, clock: Clock, db_path: Path
) -> None:
    store.create_operator("thu.ky", "password1")
    issued = store.login("thu.ky", "password1", HOUR)
    [(stored,)] = _raw(db_path, "SELECT token_hash FROM operator_tokens")
    assert stored == hashlib.sha256(issued.token.encode()).hexdigest()
    clock.advance(HOUR)
    with pytest.raises(TokenExpired):
        store.check_operator_token(issued.token)
    live = store.login("thu.ky", "password1", HOUR)
    store.revoke_operator_token(live.token)
    with pytest.raises(InvalidToken):
        store.check_operator_token(live.token)
    store.revoke_operator_token(live.token)  # logging out twice is harmless
    store.revoke_operator_token("")


def test_logins_are_independent(store: Store) -> None:
    store.create_operator("thu.ky", "password1")
    console = store.login("thu.ky", "password1", HOUR)
    laptop = store.login("thu.ky", "password1", HOUR)
    store.revoke_operator_token(console.token)
    assert store.check_operator_token(laptop.token).username == "thu.ky"


@PROPERTY
@given(hours=st.integers(1, 24 * 365))
def test_any_login_token_checks_back_to_its_operator(store: Store, hours: int) -> None:
    if not store.list_operators():
        store.create_operator("thu.ky", "password1")
    issued = store.login("thu.ky", "password1", timedelta(hours=hours))
    assert store.check_operator_token(issued.token).username == "thu.ky"
