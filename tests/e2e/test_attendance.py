"""Attendance from real halls: two headless endpoints (``python -m endpoints.agent``) join
a real ``bridge serve``; one hall's link is torn down (``CuttableLink.drop``) and kept
cut for a few seconds, and it rejoins by itself. ``GET /api/sessions/{id}/attendance``,
read while the session is live and again once it is closed, says what the operator's
console saw happen — each connection's start and end, the reconnection, the connected
time — within 1 s; the quality log kept 20 s windows for both halls.

Then a bridge killed (``kill -9``: nothing written, nobody told) and started again: the
hall's first connection ends at its last sign of life before the kill (its last stored
quality window, at most 20 s before), not at its join, and its second begins when it is
back; the time the bridge was down is nobody's."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from endpoints.operator import OperatorClient, entries_of
from tests.conftest import RunningBridge, free_port, start_bridge
from tests.e2e.test_restart import FLOOR, HOST, TONES, start_hall, until
from tests.endpoints.cuttable import CuttableLink

WITHIN_S = 1.0
CUT_S = 4.0


class Seen:
    """Each site's connections as the console sees them: (from, to) when it was connected."""

    def __init__(self, operator: OperatorClient) -> None:
        self.state: dict[int, str] = {}
        self.name: dict[int, str] = {}
        self.spans: dict[int, list[list[datetime | None]]] = {}
        operator.channel.add_listener(self._update)

    def _update(self, message: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        if message.get("type") == "roster":
            for s in message["sites"]:
                self.name[s["id"]] = s["name"]
        for s in entries_of(message):
            before, after = self.state.get(s["id"]), s["state"]
            self.state[s["id"]] = after
            if after == "connected" and before != "connected":
                self.spans.setdefault(s["id"], []).append([now, None])
            elif after != "connected" and before == "connected":
                self.spans[s["id"]][-1][1] = now

    def ids(self) -> dict[str, int]:
        return {name: i for i, name in self.name.items()}


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def check(got: dict[str, Any], seen: Seen, site_id: int) -> None:
    """The site's attendance is what the console saw, to within 1 s at every boundary."""
    site = next(s for s in got["sites"] if s["site_id"] == site_id)
    end = datetime.fromisoformat(got["end"])
    expected = [(a, b or end) for a, b in seen.spans[site_id]]
    intervals = [(_at(i["start"]), _at(i["end"])) for i in site["intervals"]]
    assert len(intervals) == len(expected), (intervals, expected)
    for (a, b), (x, y) in zip(intervals, expected, strict=True):
        assert a is not None and b is not None
        assert abs((a - x).total_seconds()) <= WITHIN_S, (a, x)
        assert abs((b - y).total_seconds()) <= WITHIN_S, (b, y)
    total = sum((b - a).total_seconds() for a, b in expected)
    assert abs(site["connected_s"] - total) <= WITHIN_S, (site["connected_s"], total)
    assert site["reconnections"] == len(expected) - 1


async def test_attendance_is_what_happened_to_halls_cut_off_and_back(
    bridge: RunningBridge, tmp_path: Path
) -> None:
    link = CuttableLink(bridge.port)
    await link.start()
    token = bridge.login()
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    seen = Seen(operator)
    await operator.connect()
    halls = []
    http = httpx.AsyncClient(
        base_url=bridge.url, headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    try:
        for n, name in enumerate((HOST, FLOOR)):
            out = tmp_path / f"hall-{n}"
            out.mkdir()
            url = bridge.links[name]
            if name == FLOOR:  # only its signaling goes through the cuttable link
                url = url.replace(f":{bridge.port}/", f":{link.port}/")
            halls.append(start_hall(url, TONES[name], out, seconds=120))
        ids = seen.ids()
        host, cut = ids[HOST], ids[FLOOR]
        await until(lambda: seen.state.get(host) == seen.state.get(cut) == "connected", 30, "up")
        await asyncio.sleep(3)
        link.up.clear()
        link.drop()
        await until(lambda: seen.state.get(cut) == "offline", 5, "the cut hall gone")
        await asyncio.sleep(CUT_S)
        link.up.set()
        await until(lambda: seen.state.get(cut) == "connected", 20, "the cut hall back")
        await asyncio.sleep(2)

        # Live: to the second, the connections still open ending now.
        started = time.monotonic()
        live = (await http.get("/api/sessions/1/attendance")).json()
        print(f"\nattendance of a live session read in {time.monotonic() - started:.3f} s")
        check(live, seen, host)
        check(live, seen, cut)
        gap = seen.spans[cut][1][0] - seen.spans[cut][0][1]  # type: ignore[operator]
        assert gap.total_seconds() >= CUT_S
        assert len(seen.spans[cut]) == 2 and len(seen.spans[host]) == 1

        # Closed: every connection ends at the close, the span too.
        assert (await http.post("/api/sessions/1/close")).status_code == 200
        await until(lambda: seen.state.get(host) == seen.state.get(cut) == "offline", 5, "closed")
        closed = (await http.get("/api/sessions/1/attendance")).json()
        check(closed, seen, host)
        check(closed, seen, cut)
        by_id = {s["site_id"]: s for s in closed["sites"]}
        assert by_id[host]["last_leave"] is None  # connected to the end
        assert by_id[cut]["reconnections"] == 1

        # The quality log kept both halls' windows, no more seconds than they were there.
        quality = (await http.get("/api/sessions/1/quality")).json()
        windows = {s["site_id"]: s["windows"] for s in quality["sites"]}
        for site_id in (host, cut):
            read = sum(w["seconds"] for w in windows.get(site_id, []))
            assert 0.5 * by_id[site_id]["connected_s"] <= read <= by_id[site_id]["connected_s"] + 2
            assert all(w["grade"] in ("good", "fair") for w in windows[site_id][1:-1])
        assert {s["site_id"] for s in quality["summary"]} >= {host, cut}
    finally:
        await http.aclose()
        await operator.close()
        for hall in halls:
            if hall.poll() is None:
                hall.kill()
            hall.wait(10)
        await link.close()


def stored_windows(database: Path) -> int:
    with sqlite3.connect(database) as raw:
        return int(raw.execute("SELECT count(*) FROM quality_windows").fetchone()[0])


async def test_attendance_across_a_crashed_bridge(tmp_path: Path) -> None:
    database, port = tmp_path / "bridge.sqlite3", free_port()
    first: RunningBridge | None = start_bridge(database, port)
    second: RunningBridge | None = None
    assert first is not None
    token = first.login()
    out = tmp_path / "hall"
    out.mkdir()
    hall = start_hall(first.links[FLOOR], TONES[FLOOR], out, seconds=120)
    http = httpx.AsyncClient(
        base_url=first.url, headers={"authorization": f"Bearer {token}"}, timeout=5
    )

    async def state() -> str:
        try:
            sites = (await http.get("/api/sessions/1/live")).json()["sites"]
        except httpx.HTTPError:
            return "down"
        return next(s["state"] for s in sites if s["name"] == FLOOR)

    try:
        deadline = time.monotonic() + 30
        while await state() != "connected":
            assert time.monotonic() < deadline, "the hall never connected"
            await asyncio.sleep(0.1)
        connected = datetime.now(UTC)
        # A stored window: the bridge has seen the hall after its last entry.
        await until(lambda: stored_windows(database) > 0, 25, "a quality window stored")
        await asyncio.sleep(1.5)
        killed = datetime.now(UTC)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        first = None
        second = start_bridge(database, port)
        deadline = time.monotonic() + 20
        while await state() != "connected":
            assert time.monotonic() < deadline, "the hall never came back"
            await asyncio.sleep(0.1)
        back = datetime.now(UTC)
        await asyncio.sleep(1)

        got = (await http.get("/api/sessions/1/attendance")).json()
        site = next(s for s in got["sites"] if s["name"] == FLOOR)
        (a, b), (c, d) = [(_at(i["start"]), _at(i["end"])) for i in site["intervals"]]
        assert a is not None and b is not None and c is not None and d is not None
        print(
            f"\nconnected {connected:%T.%f}, killed {killed:%T.%f}, back {back:%T.%f}; "
            f"attendance: {a:%T.%f}–{b:%T.%f}, {c:%T.%f}–{d:%T.%f}"
        )
        assert abs((a - connected).total_seconds()) <= WITHIN_S
        # Its last stored window ends at most 20 s (and a second's write) before the kill,
        # later than its last entry (its connection).
        assert (killed - b).total_seconds() <= 21.5 and b <= killed
        assert b.second % 20 == 0 and b.microsecond == 0 and b > a
        assert abs((c - back).total_seconds()) <= WITHIN_S
        assert site["reconnections"] == 1
        entries = (await http.get("/api/sessions/1/audit")).json()["entries"]
        assert [e["action"] for e in entries].count("live_open") >= 2
    finally:
        await http.aclose()
        if hall.poll() is None:
            hall.kill()
        hall.wait(10)
        for running in (first, second):
            if running is not None:
                running.stop()
