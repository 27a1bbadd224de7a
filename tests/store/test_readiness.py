"""A session's schedule and test window, and the connection tests' results with history, in
a real SQLite file; migration 0005 from empty and from a 0004 file with data."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command

from bridge.readiness.window import TestWindow
from bridge.store import InvalidInput, NotFound, Schedule, SiteLevel, Store
from bridge.store.engine import open_engine
from bridge.store.migrations import alembic_config

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 14, 9, tzinfo=ICT)  # a Monday


@pytest.fixture
def world(store: Store) -> dict[str, int]:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    lao_cai = store.sites.create("Tỉnh Lào Cai", SiteLevel.PROVINCE, central.id)
    ca_mau = store.sites.create("Tỉnh Cà Mau", SiteLevel.PROVINCE, central.id)
    outside = store.sites.create("Tỉnh Điện Biên", SiteLevel.PROVINCE, central.id)
    session = store.sessions.create("Giao ban tháng 12", central.id, [lao_cai.id, ca_mau.id])
    return {
        "central": central.id,
        "lao_cai": lao_cai.id,
        "ca_mau": ca_mau.id,
        "outside": outside.id,
        "session": session.id,
    }


def result(
    session_id: int,
    site_id: int,
    finished: datetime,
    state: str = "ready",
    mos: float | None = 4.3,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "session_id": session_id,
        "source": "hall",
        "by": f"site:{site_id}",
        "started_at": (finished - timedelta(seconds=18)).isoformat(),
        "finished_at": finished.isoformat(),
        "state": state,
        "figures": {"mos": mos, "rtt_ms": 42.0, "r_factor": 88.1, "duration_ms": 18000},
        "reasons": [],
        "unmeasured": ["camera_fps"],
        **extra,
    }


# ---- schedule --------------------------------------------------------------------------


def test_a_new_session_has_no_schedule_and_no_window(store: Store, world: dict[str, int]) -> None:
    assert store.sessions.schedule(world["session"]) == Schedule()
    assert store.sessions.test_window(world["session"]) is None


def test_the_schedule_is_kept_and_gives_the_default_window(
    store: Store, world: dict[str, int]
) -> None:
    ends = START + timedelta(hours=2)
    made = store.sessions.set_schedule(world["session"], START, ends)
    assert made == Schedule(START, ends)
    read = store.sessions.schedule(world["session"])
    assert read == Schedule(START.astimezone(UTC), ends.astimezone(UTC))
    assert read.starts_at is not None and read.starts_at.tzinfo is UTC
    friday = datetime(2026, 12, 11, 14, tzinfo=ICT)
    assert store.sessions.test_window(world["session"]) == TestWindow(friday, START, True)


def test_explicit_ends_are_kept_and_a_new_schedule_replaces_the_old_whole(
    store: Store, world: dict[str, int]
) -> None:
    sid = world["session"]
    test_from = datetime(2026, 12, 10, 8, tzinfo=ICT)
    test_until = START - timedelta(minutes=15)
    store.sessions.set_schedule(sid, START, None, test_from, test_until)
    assert store.sessions.test_window(sid) == TestWindow(test_from, test_until, False)
    store.sessions.set_schedule(sid, START + timedelta(days=1))
    assert store.sessions.schedule(sid) == Schedule(START + timedelta(days=1))
    store.sessions.set_schedule(sid, None)
    assert store.sessions.schedule(sid) == Schedule()
    # Nothing else of the session changed.
    assert store.sessions.get(sid).roster == (world["central"], world["lao_cai"], world["ca_mau"])


def test_a_schedule_that_cannot_be_is_refused_naming_the_field(
    store: Store, world: dict[str, int]
) -> None:
    sid = world["session"]
    with pytest.raises(InvalidInput) as caught:
        store.sessions.set_schedule(sid, START, START - timedelta(hours=1))
    assert (caught.value.field, caught.value.problem) == ("ends_at", "too_small")
    assert caught.value.params == {"limit": START.isoformat(), "exclusive": True}
    with pytest.raises(InvalidInput) as caught:
        store.sessions.set_schedule(sid, None, test_from=START)
    assert caught.value.field == "test_from"
    with pytest.raises(InvalidInput) as caught:
        store.sessions.set_schedule(sid, datetime(2026, 12, 14, 9))
    assert (caught.value.field, caught.value.problem) == ("starts_at", "invalid")
    assert store.sessions.schedule(sid) == Schedule()  # nothing written
    with pytest.raises(NotFound):
        store.sessions.set_schedule(999, START)
    with pytest.raises(NotFound):
        store.sessions.schedule(999)


# ---- results ---------------------------------------------------------------------------


def test_a_result_is_kept_whole_and_is_the_latest_of_its_site(
    store: Store, world: dict[str, int]
) -> None:
    sid, lao_cai = world["session"], world["lao_cai"]
    first = result(sid, lao_cai, datetime(2026, 12, 11, 14, 5, tzinfo=ICT), "not_ready", 2.1)
    second = result(sid, lao_cai, datetime(2026, 12, 11, 15, tzinfo=ICT), "warning", 3.4)
    ids = [store.readiness.record(first), store.readiness.record(second)]
    assert ids[1] > ids[0]
    latest = store.readiness.latest(sid)
    assert list(latest) == [lao_cai]
    assert latest[lao_cai]["state"] == "warning"
    # The times come back in UTC; the rest exactly as given.
    assert latest[lao_cai]["finished_at"] == "2026-12-11T08:00:00+00:00"
    assert {k: v for k, v in latest[lao_cai].items() if not k.endswith("_at")} == {
        k: v for k, v in second.items() if not k.endswith("_at")
    }
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT state, mos, rtt_ms FROM connection_tests").fetchall() == [
            ("not_ready", 2.1, 42.0),
            ("warning", 3.4, 42.0),
        ]


def test_the_latest_is_the_last_to_finish_whatever_the_order_they_were_filed_in(
    store: Store, world: dict[str, int]
) -> None:
    sid, ca_mau = world["session"], world["ca_mau"]
    store.readiness.record(result(sid, ca_mau, datetime(2026, 12, 11, 16, tzinfo=ICT), "ready"))
    store.readiness.record(result(sid, ca_mau, datetime(2026, 12, 11, 15, tzinfo=ICT), "warning"))
    assert store.readiness.latest(sid)[ca_mau]["state"] == "ready"
    assert store.readiness.latest(999) == {}


def test_history_and_trend_of_a_site_over_its_sessions(store: Store, world: dict[str, int]) -> None:
    lao_cai = world["lao_cai"]
    sessions = [
        store.sessions.create(f"Giao ban tháng {m}", world["central"], [lao_cai]).id
        for m in range(1, 8)
    ]
    at = datetime(2026, 1, 5, 14, tzinfo=ICT)
    for n, sid in enumerate(sessions):
        # Two tests a session: a failing one, then a retest that passes.
        store.readiness.record(result(sid, lao_cai, at + timedelta(days=30 * n), "not_ready", 2.0))
        store.readiness.record(
            result(sid, lao_cai, at + timedelta(days=30 * n, minutes=20), "ready", 4.0 + n / 10)
        )
    history = store.readiness.history(lao_cai)
    assert len(history) == 5
    assert [h["session_id"] for h in history] == [sessions[6], sessions[6], sessions[5],
                                                  sessions[5], sessions[4]]  # fmt: skip
    assert [h["state"] for h in history][:2] == ["ready", "not_ready"]
    others = store.readiness.history(lao_cai, limit=3, exclude_session=sessions[6])
    assert {h["session_id"] for h in others} == {sessions[5], sessions[4]}
    assert store.readiness.history(lao_cai, limit=0) == []

    trend = store.readiness.trends([lao_cai, world["ca_mau"]], exclude_session=sessions[6])
    assert list(trend) == [lao_cai]  # Cà Mau has never been tested
    points = trend[lao_cai]
    # One point per session (its last test), the five sessions before, newest first.
    assert [p["session_id"] for p in points] == sessions[5:0:-1]
    assert all(p["state"] == "ready" for p in points)
    assert points[0] == {
        "session_id": sessions[5],
        "finished_at": (at + timedelta(days=150, minutes=20)).astimezone(UTC).isoformat(),
        "state": "ready",
        "mos": 4.5,
    }
    assert store.readiness.trends([], exclude_session=1) == {}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"site_id": "2"}, "site_id", "wrong_type"),
        ({"session_id": None}, "session_id", "wrong_type"),
        ({"source": "phone"}, "source", "not_allowed"),
        ({"state": "fine"}, "state", "not_allowed"),
        ({"started_at": "yesterday"}, "started_at", "invalid"),
        ({"finished_at": "2026-12-11T15:00:00"}, "finished_at", "invalid"),
        ({"finished_at": "2026-12-01T15:00:00+07:00"}, "finished_at", "too_small"),
        ({"by": "x" * 201}, "by", "invalid"),
        ({"figures": [1, 2]}, "figures", "wrong_type"),
        ({"figures": {"mos": float("nan")}}, "figures", "invalid"),
    ],
)
def test_a_result_that_is_not_one_is_refused_naming_the_field(
    store: Store, world: dict[str, int], change: dict[str, Any], field: str, problem: str
) -> None:
    bad = {**result(world["session"], world["lao_cai"], START), **change}
    with pytest.raises(InvalidInput) as caught:
        store.readiness.record(bad)
    assert (caught.value.field, caught.value.problem) == (field, problem)
    assert store.readiness.latest(world["session"]) == {}


def test_a_result_for_a_site_off_the_roster_is_refused(store: Store, world: dict[str, int]) -> None:
    with pytest.raises(NotFound):
        store.readiness.record(result(world["session"], world["outside"], START))
    with pytest.raises(NotFound):
        store.readiness.record(result(999, world["lao_cai"], START))


# ---- migration 0005 --------------------------------------------------------------------


def test_a_0004_file_with_data_is_upgraded_and_downgrades_back(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    engine = open_engine(db_path, foreign_keys=False, pooled=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
    engine.dispose()
    created = "2025-03-01 07:00:00.000000"
    with sqlite3.connect(db_path) as raw:
        raw.executescript(
            f"""
            INSERT INTO sites VALUES (1, 'Trung ương', 'central', NULL, '{created}');
            INSERT INTO sites VALUES (2, 'Hà Nội', 'province', 1, '{created}');
            INSERT INTO operators VALUES (1, 'admin', 'x', 'admin', '{created}');
            INSERT INTO sessions VALUES (1, 'Giao ban', 1, 'scheduled', '{created}', 1);
            INSERT INTO roster VALUES (1, 1, 0), (1, 2, 1);
            INSERT INTO session_staff VALUES (1, 1, 'operator');
            INSERT INTO live_state VALUES (1, '{{"x": 1}}', '{created}');
            """
        )
    with Store(db_path) as store:
        session = store.sessions.get(1)
        assert (session.title, session.roster, session.organiser_id) == ("Giao ban", (1, 2), 1)
        assert session.operator_ids == {1}
        assert store.sessions.schedule(1) == Schedule()
        assert store.readiness.latest(1) == {}
        store.sessions.set_schedule(1, START)
        store.readiness.record(result(1, 2, START - timedelta(hours=18)))
        assert store.readiness.latest(1)[2]["state"] == "ready"
    engine = open_engine(db_path, foreign_keys=False)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    engine.dispose()
    with sqlite3.connect(db_path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        columns = {row[1] for row in raw.execute("PRAGMA table_info(sessions)")}
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("SELECT id, title, organiser_id FROM sessions").fetchall() == [
            (1, "Giao ban", 1)
        ]
    assert "connection_tests" not in tables and "live_state" in tables
    assert not columns & {"starts_at", "ends_at", "test_from", "test_until"}
    # And up again, the schedule gone with the columns.
    with Store(db_path) as store:
        assert store.sessions.schedule(1) == Schedule()


def test_a_new_file_keeps_results_and_deleting_a_session_takes_its_results(
    store: Store, world: dict[str, int]
) -> None:
    store.readiness.record(result(world["session"], world["lao_cai"], START))
    with sqlite3.connect(store.path) as raw:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("DELETE FROM sessions WHERE id = ?", (world["session"],))
        assert raw.execute("SELECT COUNT(*) FROM connection_tests").fetchone() == (0,)
