"""The quality log on a live session (fakes for the media): only connected halls' readings
count, windows close as time passes and all at the session's close, the writer stores them
in batches, a full queue drops and counts, and the session reads its links with no
console attached."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bridge.conference import Conference, RosterSite
from bridge.live import LiveSession
from bridge.live.quality_log import QualityLog
from bridge.reports.windows import QualityWindow
from tests.live.fakes import FakeMedia, FakeParticipant

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOST, HALL, IDLE = 1, 2, 3


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def entry(site_id: int, loss: float) -> dict[str, object]:
    return {
        "id": site_id,
        "grade": "good",
        "rtt_ms": 30.0,
        "loss_in_pct": loss,
        "loss_out_pct": 0.0,
        "jitter_in_ms": 1.0,
        "jitter_out_ms": 1.0,
        "no_media": False,
    }


async def make() -> tuple[LiveSession, FakeMedia]:
    roster = [
        RosterSite(HOST, "Trung ương", "central"),
        RosterSite(HALL, "Lào Cai", "province"),
        RosterSite(IDLE, "Cà Mau", "province"),
    ]
    media = FakeMedia()
    live = LiveSession(Conference(9, "Giao ban", HOST, roster), media, [], now=lambda: T0)
    return live, media


async def test_windows_of_connected_halls_are_written_as_they_close() -> None:
    live, media = await make()
    written: list[list[QualityWindow]] = []
    clock = Clock()
    log = QualityLog(written.append, clock=clock)
    log.subscribe(live)
    assert live._meters is not None  # reading the links with no console attached
    hall = FakeParticipant("hall")
    live.attach_site(HALL, hall, "site:2")
    await live.offer(HALL, hall, "offer")
    media.transports[-1].connect()
    feed = live.quality_feeds[-1]
    for second in range(25):
        clock.now = T0 + timedelta(seconds=second)
        # The idle hall is not connected: its stale figures are not kept.
        feed([entry(HALL, 2.0 if second < 20 else 8.0), entry(IDLE, 50.0)])
    await log.flush()
    assert [[(w.site_id, w.start, w.seconds, w.loss_in_pct) for w in b] for b in written] == [
        [(HALL, T0, 20.0, 2.0)]
    ]
    assert [(w.seconds, w.loss_in_pct) for w in log.pending(9)] == [(5.0, 8.0)]
    await live.close("account:op")  # the open window is closed with the session
    await log.flush()
    assert [(w.start, w.seconds, w.grade) for w in written[-1]] == [
        (T0 + timedelta(seconds=20), 5.0, "poor")
    ]
    assert log.pending(9) == [] and live._meters is None


async def test_a_full_queue_drops_and_counts() -> None:
    live, _ = await make()
    log = QualityLog(lambda batch: None, limit=2)
    window = QualityWindow(9, HALL, T0, 20, 0, 0, 30, 1, 1, 0, "good", 4.4)
    for _ in range(5):
        log.put(window)
    assert log.dropped == 3
    task = asyncio.get_running_loop().create_task(log.run())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await live.close()
