"""``store.audit``: batches in, pages out."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bridge.store import AuditEntry, Store
from tests.store.conftest import Clock


def _entry(session_id: int | None, at: datetime, action: str, **detail: object) -> AuditEntry:
    return AuditEntry(0, session_id, at, "account:admin", action, detail)


def test_entries_read_back_by_session_oldest_first(store: Store, clock: Clock) -> None:
    first = clock.now
    store.audit.append(
        [
            _entry(1, first, "open_session"),
            _entry(2, first, "open_session"),
            _entry(None, first, "create_account", username="thu.ky"),
            _entry(1, first + timedelta(seconds=1), "mute", site_id=3, tên="Huế"),
        ]
    )
    entries = store.audit.for_session(1)
    assert [(e.action, dict(e.detail)) for e in entries] == [
        ("open_session", {}),
        ("mute", {"site_id": 3, "tên": "Huế"}),
    ]
    assert entries[1].at == first + timedelta(seconds=1)
    assert entries[1].at.tzinfo is not None
    assert entries[0].by == "account:admin"
    assert [e.session_id for e in entries] == [1, 1]
    assert store.audit.for_session(3) == []


def test_entries_page_on_after_an_id(store: Store, clock: Clock) -> None:
    store.audit.append([_entry(7, clock.now, "leave", n=n) for n in range(25)])
    page = store.audit.for_session(7, limit=10)
    assert [e.detail["n"] for e in page] == list(range(10))
    rest = store.audit.for_session(7, limit=100, after_id=page[-1].id)
    assert [e.detail["n"] for e in rest] == list(range(10, 25))
    assert store.audit.for_session(7, after_id=rest[-1].id) == []
    assert len(store.audit.for_session(7, limit=10_000)) == 25


def test_a_batch_is_one_transaction(store: Store, clock: Clock) -> None:
    naive = datetime(2025, 3, 1, 8, 0)
    with pytest.raises(Exception, match="naive"):
        store.audit.append([_entry(1, clock.now, "ok"), _entry(1, naive, "bad")])
    assert store.audit.for_session(1) == []
    store.audit.append([])


def test_what_json_cannot_hold_is_kept_as_text(store: Store, clock: Clock) -> None:
    store.audit.append([_entry(1, clock.now, "odd", when=clock.now)])
    [entry] = store.audit.for_session(1)
    assert entry.detail == {"when": str(clock.now)}


def test_reading_a_session_uses_the_index(store: Store, db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM audit WHERE session_id = 1 AND id > 5 ORDER BY id"
        ).fetchall()
    assert "ix_audit_session_id_id" in repr(plan)
