"""The schema is made by alembic migrations, on open, once."""

from __future__ import annotations

import logging
import sqlite3
import warnings
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from bridge.store import SiteLevel, Store
from bridge.store.engine import migrate, open_engine
from bridge.store.migrations import alembic_config, current_revision, head_revision
from bridge.store.schema import metadata


def _ddl(path: Path) -> dict[str, list[str]]:
    """Each table's and index's SQL as a sorted list of lines, so that two schemas that
    differ only in the order constraints are listed in compare equal."""
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        ).fetchall()
    return {
        name: sorted(line.strip().rstrip(",") for line in sql.splitlines()) for name, sql in rows
    }


def test_fresh_file_is_migrated_to_head(db_path: Path) -> None:
    Store(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
    assert head_revision() == "0001"


def test_reopening_runs_no_migration(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="alembic")
    with Store(db_path) as store:
        store.create_site("Trung ương", SiteLevel.CENTRAL)
    assert "Running upgrade  -> 0001" in caplog.text
    caplog.clear()
    with Store(db_path) as store:
        assert [site.name for site in store.list_sites()] == ["Trung ương"]
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
        assert store.list_sites() == []


def test_engine_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    db_path = tmp_path / "bridge.sqlite3"
    migrate(db_path)
    engine = open_engine(db_path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
