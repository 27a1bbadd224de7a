"""The period report over a quarter of 1,000 closed sessions of 100 halls each (issue 14:
≤ 2 s): generated summaries in a real SQLite file, then the whole of what
``GET /api/reports?quarter=`` does past the permission check — look for closed sessions
still unsummarised, two range reads (1,000 session rows, 100,000 site rows), the
aggregation (totals, per hall, per organiser, per agency, per month, repeated problems) —
and, apart, the printable page and the CSV drawn from it.

Run: ``.venv/bin/python -m pytest benchmarks/reports.py --benchmark-enable
--benchmark-only -q`` (docs/performance.md, "Reports"). Without ``--benchmark-enable``
each benchmark runs once, and the 2 s bound is still checked.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import insert

from bridge.reports.csv_export import period_csv
from bridge.reports.html import render_period_html
from bridge.reports.period import quarter
from bridge.reports.summaries import SessionSummary, SiteSessionSummary
from bridge.settings import Settings
from bridge.signaling.report_api import build_period_report
from bridge.store import SiteLevel, Store
from bridge.store import schema as t

SESSIONS = 1000
SITES = 100
ORGANISERS = 12
BOUND_S = 2.0
QUARTER = "2026-Q3"
Q_START = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def generated(store: Store, seed: int = 14) -> None:
    """100 halls under 10 provinces, 12 organisers, 1,000 sessions spread over the quarter,
    each with all 100 halls: attendance and quality drawn at random (a few bad halls)."""
    rng = random.Random(seed)
    central = store.sites.create("Hội trường Trung ương", SiteLevel.CENTRAL)
    provinces = [
        store.sites.create(f"Điểm cầu tỉnh số {p}", SiteLevel.PROVINCE, central.id)
        for p in range(10)
    ]
    halls = [p.id for p in provinces] + [
        store.sites.create(f"Điểm cầu huyện số {i}", SiteLevel.DISTRICT, provinces[i % 10].id).id
        for i in range(SITES - 10)
    ]
    bad = set(rng.sample(halls, 5))
    now = datetime.now(UTC)
    with store.db.write() as conn:
        conn.execute(
            insert(t.operators),
            [
                {
                    "id": 100 + o,
                    "username": f"to-chuc-{o}",
                    "password_hash": "x",
                    "role": "organiser",
                    "created_at": now,
                }
                for o in range(ORGANISERS)
            ],
        )
        conn.execute(
            insert(t.sessions),
            [
                {
                    "id": s,
                    "title": f"Giao ban {s}",
                    "host_site_id": provinces[s % 10].id,
                    "state": "closed",
                    "created_at": now,
                    "organiser_id": 100 + s % ORGANISERS,
                }
                for s in range(1, SESSIONS + 1)
            ],
        )
    for s in range(1, SESSIONS + 1):
        start = Q_START + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        length = rng.choice((3600.0, 5400.0, 7200.0))
        windows = int(length // 20)
        rows = []
        for hall in halls:
            connected = length * rng.choice((0.0, 0.5, 0.9, 1.0, 1.0, 1.0))
            # A good hall has a poor window now and then; a bad one, often.
            poor = rng.randrange(0, 40) if hall in bad else int(rng.random() < 0.0002)
            seen = int(windows * connected / length)
            rows.append(
                SiteSessionSummary(
                    s,
                    hall,
                    length,
                    connected,
                    connected >= 0.85 * length,
                    rng.choice((0.0, 0.0, 120.0)),
                    0.0,
                    rng.choice((0, 0, 1, 2)),
                    seen,
                    min(poor, seen),
                    seen,
                    (rng.uniform(2.8, 3.6) if hall in bad else rng.uniform(3.8, 4.4))
                    if seen
                    else None,
                )
            )
        summary = SessionSummary(
            s,
            f"Giao ban {s}",
            100 + s % ORGANISERS,
            provinces[s % 10].name,
            provinces[s % 10].id,
            s % 3 != 0,
            any(r.connected_s > 0 for r in rows),
            start,
            start + timedelta(seconds=length),
            length,
            len(rows),
        )
        store.reports.save(summary, rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Settings]]:
    path: Path = tmp_path_factory.mktemp("reports") / "b.sqlite3"
    store = Store(path)
    generated(store)
    yield store, Settings(database=path)
    store.close()


def _report(store: Store, settings: Settings) -> dict[str, Any]:
    return build_period_report(store, settings, quarter(QUARTER), None, datetime.now(UTC))


def test_a_quarter_of_1000_sessions_of_100_halls(
    benchmark: BenchmarkFixture, world: tuple[Store, Settings]
) -> None:
    store, settings = world
    started = time.perf_counter()
    report = _report(store, settings)
    once = time.perf_counter() - started
    assert report["totals"]["sessions"] == SESSIONS
    assert report["totals"]["places"] == SESSIONS * SITES
    assert len(report["sites"]) == SITES and 5 <= len(report["repeated_problems"]) < 20
    assert once <= BOUND_S, f"{once:.2f} s"
    found = benchmark(_report, store, settings)
    assert found["totals"] == report["totals"]
    if benchmark.stats is not None:
        assert benchmark.stats.stats.max <= BOUND_S


def test_the_quarters_page_and_csv(
    benchmark: BenchmarkFixture, world: tuple[Store, Settings]
) -> None:
    store, settings = world
    report = _report(store, settings)

    def both() -> int:
        page = render_period_html(report, settings.office_timezone, "VĂN PHÒNG")
        return len(page) + len(period_csv(report, "vi"))

    assert benchmark(both) > 0
