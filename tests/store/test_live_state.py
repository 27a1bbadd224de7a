"""``store.live_state``: a session's live state, saved whole, read back after a restart."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from alembic import command

from bridge.store import Store
from bridge.store.engine import open_engine
from bridge.store.migrations import alembic_config
from tests.store.conftest import Clock

SNAPSHOT = {"version": 1, "sites": [{"id": 1, "muted": True}], "floor": 2, "note": "Lào Cai"}


def session_in(store: Store) -> int:
    host = store.sites.create("Trung ương", "central")
    return store.sessions.create("Giao ban", host.id, [host.id]).id


def test_nothing_saved_reads_as_none(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.live_state.get(session_in(store)) is None


def test_the_latest_save_wins_and_survives_reopening(db_path: Path, clock: Clock) -> None:
    with Store(db_path, now=clock) as store:
        session_id = session_in(store)
        store.live_state.save(session_id, {"version": 1, "floor": None})
        clock.advance(timedelta(seconds=3))
        store.live_state.save(session_id, SNAPSHOT)
    with Store(db_path) as store:
        saved = store.live_state.get(session_id)
        assert saved is not None
        assert saved.snapshot == SNAPSHOT
        assert saved.saved_at == clock.now
        store.live_state.clear(session_id)
        assert store.live_state.get(session_id) is None


def test_a_deleted_session_takes_its_state_with_it(db_path: Path) -> None:
    with Store(db_path) as store:
        session_id = session_in(store)
        store.live_state.save(session_id, SNAPSHOT)
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("DELETE FROM roster")
        raw.execute("DELETE FROM sessions")
        assert raw.execute("SELECT count(*) FROM live_state").fetchone() == (0,)


def test_an_unreadable_row_reads_as_nothing_saved(db_path: Path) -> None:
    with Store(db_path) as store:
        session_id = session_in(store)
        store.live_state.save(session_id, SNAPSHOT)
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE live_state SET snapshot = '{not json'")
    with Store(db_path) as store:
        assert store.live_state.get(session_id) is None


def test_a_0002_file_is_upgraded_with_no_live_state_and_downgrades_back(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    engine = open_engine(db_path, foreign_keys=False, pooled=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0002")
    engine.dispose()
    with Store(db_path) as store:
        session_id = session_in(store)
        assert store.live_state.get(session_id) is None
        store.live_state.save(session_id, SNAPSHOT)
    engine = open_engine(db_path, foreign_keys=False)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
    engine.dispose()
    with sqlite3.connect(db_path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert "live_state" not in tables and "sessions" in tables
