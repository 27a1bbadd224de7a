"""Many threads on one store, and many stores on one file, as the async server uses it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bridge.store import SessionState, SiteLevel, Store
from tests.store.conftest import CHEAP_HASHER


def test_concurrent_writers_neither_fail_nor_lose_writes(store: Store) -> None:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)

    def work(worker: int) -> None:
        for n in range(20):
            site = store.sites.create(f"Tỉnh {worker}-{n}", SiteLevel.PROVINCE, central.id)
            session = store.sessions.create(f"Phiên {worker}-{n}", central.id, [site.id])
            token = store.tokens.issue(session.id, site.id, timedelta(hours=1))
            assert store.tokens.check(token.token).site_id == site.id
            store.sessions.set_state(session.id, SessionState.OPEN)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert len(store.sites.list()) == 1 + 8 * 20
    assert {s.state for s in store.sessions.list()} == {SessionState.OPEN}


def test_two_stores_opening_one_new_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"

    def open_and_write(worker: int) -> int:
        with Store(path, password_hasher=CHEAP_HASHER) as store:
            return store.sites.create(f"Site {worker}", SiteLevel.PROVINCE).id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(open_and_write, range(4)))
    assert sorted(ids) == [1, 2, 3, 4]
