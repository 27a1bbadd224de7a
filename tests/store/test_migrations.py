"""The schema is made by alembic migrations, on open, once."""

from __future__ import annotations

import logging
import sqlite3
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from bridge.store import AccountRole, Conflict, Duty, SessionState, SiteLevel, Store
from bridge.store.engine import migrate, open_engine
from bridge.store.migrations import alembic_config, current_revision, head_revision
from bridge.store.schema import metadata
from bridge.store.secrets import token_digest
from tests.store.conftest import CHEAP_HASHER, Clock


def _ddl(path: Path) -> dict[str, list[str]]:
    """Each table's and index's SQL as a sorted list of lines, so that two schemas that
    differ only in the order constraints are listed in compare equal."""
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        ).fetchall()
    # Batch mode rebuilds a table under a temporary name and renames it back, which
    # leaves the name quoted: 'CREATE TABLE "sessions"' says the same as 'CREATE TABLE sessions'.
    return {
        name: sorted(
            line.strip().rstrip(",").replace(f'TABLE "{name}"', f"TABLE {name}")
            for line in sql.splitlines()
        )
        for name, sql in rows
    }


def test_fresh_file_is_migrated_to_head(db_path: Path) -> None:
    Store(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
    assert head_revision() == "0010"


def test_reopening_runs_no_migration(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="alembic")
    with Store(db_path) as store:
        store.sites.create("Trung ương", SiteLevel.CENTRAL)
    assert "Running upgrade  -> 0001" in caplog.text
    caplog.clear()
    with Store(db_path) as store:
        assert [site.name for site in store.sites.list()] == ["Trung ương"]
    assert "Running upgrade" not in caplog.text
    assert migrate(db_path) is False


def test_migrations_make_exactly_the_tables_schema_py_describes(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated.sqlite3"
    migrate(migrated)
    reference = tmp_path / "reference.sqlite3"
    engine = create_engine(f"sqlite:///{reference}")
    metadata.create_all(engine)  # only as a yardstick: the store never does this
    engine.dispose()
    assert _ddl(migrated) == _ddl(reference)

    # alembic's own comparison, which also sees types and nullability the same way a
    # future autogenerate would.
    engine = open_engine(migrated)
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the expression index; the DDL comparison above covers it.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    db_path = tmp_path / "bridge.sqlite3"
    migrate(db_path)
    engine = open_engine(db_path, foreign_keys=False)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
        assert current_revision(conn) is None
    engine.dispose()
    assert set(_ddl(db_path)) == set()
    assert migrate(db_path) is True
    with Store(db_path) as store:
        assert store.sites.list() == []


def test_engine_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    db_path = tmp_path / "bridge.sqlite3"
    migrate(db_path)
    engine = open_engine(db_path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_0001_file_with_data_is_upgraded_and_keeps_it(db_path: Path) -> None:
    """A bridge installed before accounts had kinds: its data survives the upgrade, and
    what is new starts empty (no organiser, no staff, no audit)."""
    db_path.parent.mkdir(parents=True)
    engine = open_engine(db_path, foreign_keys=False, pooled=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    join, login = "join-token-from-before", "login-token-from-before"
    created, expires = "2025-03-01 07:00:00.000000", "2025-03-02 07:00:00.000000"
    with sqlite3.connect(db_path) as raw:
        raw.executescript(
            f"""
            INSERT INTO sites VALUES (1, 'Trung ương', 'central', NULL, '{created}');
            INSERT INTO sites VALUES (2, 'Hà Nội', 'province', 1, '{created}');
            INSERT INTO sessions VALUES (1, 'Giao ban', 1, 'open', '{created}');
            INSERT INTO sessions VALUES (2, 'Đã xong', 2, 'closed', '{created}');
            INSERT INTO roster VALUES (1, 1, 0), (1, 2, 1), (2, 2, 0), (2, 1, 1);
            INSERT INTO join_tokens VALUES ('{token_digest(join)}', 1, 2, '{expires}', '{created}');
            INSERT INTO operators VALUES
                (1, 'Admin', '{CHEAP_HASHER.hash("password1")}', 'admin', '{created}'),
                (2, 'thu.ky', '{CHEAP_HASHER.hash("password2")}', 'operator', '{created}');
            INSERT INTO operator_tokens
                VALUES ('{token_digest(login)}', 2, '{expires}', '{created}');
            INSERT INTO meta VALUES ('demo_session_id', '1');
            """
        )
    clock = Clock()
    with Store(db_path, now=clock, password_hasher=CHEAP_HASHER) as store:
        assert [(s.id, s.name, s.parent_id) for s in store.sites.list()] == [
            (1, "Trung ương", None),
            (2, "Hà Nội", 1),
        ]
        assert store.sites.get(1).created_at == datetime(2025, 3, 1, 7, tzinfo=UTC)
        sessions = {s.id: s for s in store.sessions.list()}
        assert sessions[1].roster == (1, 2) and sessions[2].roster == (2, 1)
        assert sessions[1].state is SessionState.OPEN
        assert sessions[2].state is SessionState.CLOSED
        assert all(s.organiser_id is None and s.staff == {} for s in sessions.values())
        assert store.tokens.check(join).site_id == 2
        assert store.accounts.check_token(login).username == "thu.ky"
        assert [(a.username, a.role) for a in store.accounts.list()] == [
            ("Admin", AccountRole.ADMIN),
            ("thu.ky", AccountRole.OPERATOR),
        ]
        # The username still ignores case after the table was rebuilt.
        assert store.accounts.login("ADMIN", "password1", timedelta(hours=1)).token
        with pytest.raises(Conflict):
            store.accounts.create("admin", "password3")
        assert store.meta.get("demo_session_id") == "1"
        assert store.audit.for_session(1) == []
        # And what is new works on the old data.
        organiser = store.accounts.create("to.chuc", "password4", AccountRole.ORGANISER)
        store.sessions.assign(1, 2, Duty.OPERATOR)
        assert store.sessions.get(1).operator_ids == {2}
        made = store.sessions.create("Mới", 1, [2], organiser_id=organiser.id)
        assert store.sessions.get(made.id).organiser_id == organiser.id
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]


def test_downgrading_0002_drops_the_new_kinds_of_account(db_path: Path) -> None:
    with Store(db_path, password_hasher=CHEAP_HASHER) as store:
        store.accounts.create("admin", "password1", AccountRole.ADMIN)
        store.accounts.create("van.phong", "password2", AccountRole.OFFICE)
        store.accounts.login("van.phong", "password2", timedelta(hours=1))
    engine = open_engine(db_path, foreign_keys=False)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        names = conn.exec_driver_sql("SELECT username FROM operators").scalars().all()
        assert names == ["admin"]
    engine.dispose()
    assert "audit" not in _ddl(db_path)
    assert migrate(db_path) is True
