"""Cost of keeping a live session's state (bridge/live/persist.py): the part on the event
loop (the snapshot and its JSON form, taken when the writer writes) and the write itself
(one SQLite upsert, in a worker thread).

Run: ``.venv/bin/python -m pytest benchmarks/test_live_state.py --benchmark-enable
--benchmark-only -q``. Without ``--benchmark-enable`` every benchmark runs once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bridge.conference import Conference, GiveFloor, Join, Mute, RaiseHand, RosterSite
from bridge.conference.snapshot import to_json
from bridge.store import SessionState, SiteLevel, Store

SITES = [10, 100, 200]


def briefing(n: int) -> Conference:
    roster = [RosterSite(i, f"Điểm cầu {i}", "province") for i in range(1, n + 1)]
    conference = Conference(1, "Giao ban", 1, roster)
    for site in range(1, n + 1):
        conference.handle(Join(site))
    for site in range(2, n + 1, 3):
        conference.handle(Mute(site, "op"))
    for site in range(3, n + 1, 7):
        conference.handle(RaiseHand(site))
    conference.handle(GiveFloor(n, "op"))
    return conference


@pytest.mark.parametrize("n", SITES)
def test_snapshot_on_the_loop(benchmark: BenchmarkFixture, n: int) -> None:
    conference = briefing(n)
    data = benchmark(lambda: to_json(conference.snapshot()))
    assert len(data["sites"]) == n


@pytest.mark.parametrize("n", SITES)
def test_write_in_the_worker_thread(benchmark: BenchmarkFixture, tmp_path: Path, n: int) -> None:
    with Store(tmp_path / "bridge.sqlite3") as store:
        host = store.sites.create("Trung ương", SiteLevel.CENTRAL)
        session = store.sessions.create("Giao ban", host.id, [host.id], SessionState.OPEN)
        data = to_json(briefing(n).snapshot())
        benchmark(store.live_state.save, session.id, data)
        saved = store.live_state.get(session.id)
        assert saved is not None and saved.snapshot == data
