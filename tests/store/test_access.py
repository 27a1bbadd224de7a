"""``store.tokens`` and ``store.accounts``: join tokens, passwords and login tokens."""

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
    Account,
    AccountRole,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    JoinGrant,
    NotFound,
    Operator,
    OperatorRole,
    Session,
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
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    a = store.sites.create("Hà Nội", SiteLevel.PROVINCE, central.id)
    b = store.sites.create("Huế", SiteLevel.PROVINCE, central.id)
    return store.sessions.create("Giao ban", central.id, [a.id, b.id])


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
    issued = store.tokens.issue(session.id, site_id, HOUR)
    assert issued.expires_at == clock.now + HOUR
    assert store.tokens.check(issued.token) == JoinGrant(session.id, site_id, issued.expires_at)
    # Checking does not use it up: a hall PC that reboots joins again with the same link.
    assert store.tokens.check(issued.token).site_id == site_id


def test_join_token_is_stored_only_as_its_sha256(store: Store, db_path: Path) -> None:
    session = _session(store)
    issued = store.tokens.issue(session.id, session.roster[1], HOUR)
    rows = _raw(db_path, "SELECT * FROM join_tokens")
    assert len(rows) == 1
    assert hashlib.sha256(issued.token.encode()).hexdigest() in rows[0]
    assert issued.token not in repr(rows)
    assert issued.token.encode() not in _file_bytes(db_path)
    assert issued.token not in repr(issued)


def test_join_token_expires_at_its_expiry(store: Store, clock: Clock) -> None:
    session = _session(store)
    issued = store.tokens.issue(session.id, session.roster[1], HOUR)
    clock.advance(HOUR - timedelta(microseconds=1))
    store.tokens.check(issued.token)
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(TokenExpired):
        store.tokens.check(issued.token)


@pytest.mark.parametrize("token", ["", "nope", "x" * 43, "x" * 10_000, "\ud800"])
def test_unknown_join_token_is_invalid(store: Store, token: str) -> None:
    session = _session(store)
    store.tokens.issue(session.id, session.roster[1], HOUR)
    with pytest.raises(InvalidToken):
        store.tokens.check(token)


def test_revoke_join_tokens_of_one_site_or_all(store: Store) -> None:
    session = _session(store)
    host, a, b = session.roster
    first_a = store.tokens.issue(session.id, a, HOUR)
    second_a = store.tokens.issue(session.id, a, HOUR)
    only_b = store.tokens.issue(session.id, b, HOUR)
    host_token = store.tokens.issue(session.id, host, HOUR)
    assert store.tokens.revoke(session.id, a) == 2
    for token in (first_a, second_a):
        with pytest.raises(InvalidToken):
            store.tokens.check(token.token)
    assert store.tokens.check(only_b.token).site_id == b
    assert store.tokens.revoke(session.id) == 2
    for token in (only_b, host_token):
        with pytest.raises(InvalidToken):
            store.tokens.check(token.token)
    assert store.tokens.revoke(session.id) == 0


def test_join_token_only_for_a_roster_site(store: Store) -> None:
    session = _session(store)
    outsider = store.sites.create("Đà Nẵng", SiteLevel.PROVINCE)
    with pytest.raises(InvalidInput):
        store.tokens.issue(session.id, outsider.id, HOUR)
    with pytest.raises(NotFound):
        store.tokens.issue(999, session.roster[0], HOUR)
    with pytest.raises(InvalidInput):
        store.tokens.issue(session.id, session.roster[0], timedelta(0))


def test_issuing_purges_tokens_a_day_past_expiry(store: Store, clock: Clock, db_path: Path) -> None:
    session = _session(store)
    site_id = session.roster[1]
    old = store.tokens.issue(session.id, site_id, HOUR)
    clock.advance(HOUR + timedelta(hours=23))
    recent = store.tokens.issue(session.id, site_id, HOUR)
    clock.advance(HOUR + timedelta(hours=2))
    store.tokens.issue(session.id, site_id, HOUR)  # purges `old` but not `recent`
    with pytest.raises(InvalidToken):
        store.tokens.check(old.token)
    with pytest.raises(TokenExpired):
        store.tokens.check(recent.token)
    assert len(_raw(db_path, "SELECT 1 FROM join_tokens")) == 2


@PROPERTY
@given(roster_index=st.integers(min_value=0, max_value=2), minutes=st.integers(1, 60 * 24 * 30))
def test_any_issued_join_token_checks_back_to_its_grant(
    store: Store, roster_index: int, minutes: int
) -> None:
    session = store.sessions.list()[0] if store.sessions.list() else _session(store)
    site_id = session.roster[roster_index]
    issued = store.tokens.issue(session.id, site_id, timedelta(minutes=minutes))
    assert store.tokens.check(issued.token) == JoinGrant(session.id, site_id, issued.expires_at)


@PROPERTY
@given(token=st.text(max_size=300))
def test_any_other_string_is_an_invalid_token(store: Store, token: str) -> None:
    if not store.sessions.list():
        session = _session(store)
        store.tokens.issue(session.id, session.roster[1], HOUR)
        store.accounts.create("thu.ky", "password1")
        store.accounts.login("thu.ky", "password1", HOUR)
    with pytest.raises(InvalidToken):
        store.tokens.check(token)
    with pytest.raises(InvalidToken):
        store.accounts.check_token(token)


# -- accounts ------------------------------------------------------------------------------


def test_password_is_stored_with_argon2id_not_in_plaintext(tmp_path: Path) -> None:
    db_path = tmp_path / "default-cost.sqlite3"
    with Store(db_path) as store:  # the production parameters, once
        store.accounts.create("thu.ky", "correct horse battery")
        assert store.accounts.login("thu.ky", "correct horse battery", HOUR).token
    [(stored,)] = _raw(db_path, "SELECT password_hash FROM operators")
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert b"correct horse" not in _file_bytes(db_path)
    assert PasswordHasher().verify(stored, "correct horse battery")


def test_operator_is_created_listed_and_logs_in(store: Store, clock: Clock) -> None:
    admin = store.accounts.create("admin", "password1", OperatorRole.ADMIN)
    clerk = store.accounts.create("thu.ky", "password2")
    assert clerk.role is OperatorRole.OPERATOR
    assert store.accounts.list() == [admin, clerk]
    issued = store.accounts.login("thu.ky", "password2", HOUR)
    assert issued.expires_at == clock.now + HOUR
    assert store.accounts.check_token(issued.token) == clerk


def test_every_kind_of_account_can_be_made(store: Store) -> None:
    made = [store.accounts.create(role.value, "password1", role).role for role in AccountRole]
    assert made == ["admin", "office", "organiser", "operator", "observer"]
    assert [a.role for a in store.accounts.list()] == sorted(made)
    # The old names still work.
    assert OperatorRole is AccountRole and Operator is Account
    assert store.accounts.get(1) == Account(1, "admin", AccountRole.ADMIN)
    with pytest.raises(NotFound):
        store.accounts.get(999)


def test_wrong_password_and_unknown_user_are_one_error(store: Store) -> None:
    store.accounts.create("thu.ky", "password1")
    with pytest.raises(InvalidCredentials) as wrong_password:
        store.accounts.login("thu.ky", "password2", HOUR)
    with pytest.raises(InvalidCredentials) as unknown_user:
        store.accounts.login("nobody", "password1", HOUR)
    assert str(wrong_password.value) == str(unknown_user.value)
    with pytest.raises(InvalidCredentials):
        store.accounts.login("thu.ky", "password1" * 200, HOUR)
    with pytest.raises(InvalidCredentials):
        store.accounts.login("", "", HOUR)


def test_unknown_user_takes_about_as_long_as_a_wrong_password(tmp_path: Path) -> None:
    # Costly enough (~10 ms) to stand out from the SQLite work around it.
    hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    with Store(tmp_path / "timing.sqlite3", password_hasher=hasher) as store:
        store.accounts.create("thu.ky", "password1")

        def median_seconds(username: str) -> float:
            times = []
            for _ in range(7):
                start = time.perf_counter()
                with pytest.raises(InvalidCredentials):
                    store.accounts.login(username, "wrong password", HOUR)
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        wrong_password = median_seconds("thu.ky")
        unknown_user = median_seconds("nobody")
    assert unknown_user > 0.5 * wrong_password


def test_usernames_ignore_case(store: Store) -> None:
    store.accounts.create("Thu.Ky", "password1")
    with pytest.raises(Conflict):
        store.accounts.create("thu.ky", "password2")
    assert store.accounts.login("THU.KY", "password1", HOUR).token


def test_operator_input_is_checked(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.accounts.create("thu.ky", "short")
    with pytest.raises(InvalidInput):
        store.accounts.create("  ", "password1")
    with pytest.raises(InvalidInput):
        store.accounts.create("thu.ky", "password1", "root")
    with pytest.raises(InvalidInput):
        store.accounts.login("thu.ky", "password1", timedelta(seconds=-1))
    assert store.accounts.list() == []


def test_new_password_replaces_the_old_and_ends_logins(store: Store) -> None:
    store.accounts.create("thu.ky", "password1")
    before = store.accounts.login("thu.ky", "password1", HOUR)
    store.accounts.set_password("thu.ky", "password2")
    with pytest.raises(InvalidToken):
        store.accounts.check_token(before.token)
    with pytest.raises(InvalidCredentials):
        store.accounts.login("thu.ky", "password1", HOUR)
    assert store.accounts.login("thu.ky", "password2", HOUR).token
    with pytest.raises(NotFound):
        store.accounts.set_password("nobody", "password3")
    with pytest.raises(InvalidInput):
        store.accounts.set_password("thu.ky", "short")


def test_login_rehashes_when_the_parameters_change(db_path: Path, clock: Clock) -> None:
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        store.accounts.create("thu.ky", "password1")
    [(cheap,)] = _raw(db_path, "SELECT password_hash FROM operators")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with Store(db_path, now=clock, password_hasher=stronger) as store:
        with pytest.raises(InvalidCredentials):
            store.accounts.login("thu.ky", "wrong password", HOUR)
        assert _raw(db_path, "SELECT password_hash FROM operators") == [(cheap,)]
        store.accounts.login("thu.ky", "password1", HOUR)
        [(upgraded,)] = _raw(db_path, "SELECT password_hash FROM operators")
        assert upgraded != cheap
        assert isinstance(upgraded, str)
        assert not stronger.check_needs_rehash(upgraded)
        assert store.accounts.login("thu.ky", "password1", HOUR).token


def test_operator_token_is_hashed_expires_and_is_revoked(
    store: Store, clock: Clock, db_path: Path
) -> None:
    store.accounts.create("thu.ky", "password1")
    issued = store.accounts.login("thu.ky", "password1", HOUR)
    [(stored,)] = _raw(db_path, "SELECT token_hash FROM operator_tokens")
    assert stored == hashlib.sha256(issued.token.encode()).hexdigest()
    clock.advance(HOUR)
    with pytest.raises(TokenExpired):
        store.accounts.check_token(issued.token)
    live = store.accounts.login("thu.ky", "password1", HOUR)
    store.accounts.revoke_token(live.token)
    with pytest.raises(InvalidToken):
        store.accounts.check_token(live.token)
    store.accounts.revoke_token(live.token)  # logging out twice is harmless
    store.accounts.revoke_token("")


def test_logins_are_independent(store: Store) -> None:
    store.accounts.create("thu.ky", "password1")
    console = store.accounts.login("thu.ky", "password1", HOUR)
    laptop = store.accounts.login("thu.ky", "password1", HOUR)
    store.accounts.revoke_token(console.token)
    assert store.accounts.check_token(laptop.token).username == "thu.ky"


@PROPERTY
@given(hours=st.integers(1, 24 * 365))
def test_any_login_token_checks_back_to_its_operator(store: Store, hours: int) -> None:
    if not store.accounts.list():
        store.accounts.create("thu.ky", "password1")
    issued = store.accounts.login("thu.ky", "password1", timedelta(hours=hours))
    assert store.accounts.check_token(issued.token).username == "thu.ky"
