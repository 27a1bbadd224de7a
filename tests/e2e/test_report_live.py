"""A session's report from real halls: two headless endpoints join a real ``bridge
serve``, one hall's link is cut and it comes back by itself, the session is closed. The
report's attendance is what the operator's console saw, within 1 s at every boundary (the
reconnection kept); its timeline shows the windows the quality log kept; the summary the
close wrote holds the same connected time; the printable page names both halls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bridge.store import Store
from endpoints.operator import OperatorClient
from tests.conftest import RunningBridge
from tests.e2e.test_attendance import CUT_S, Seen, check
from tests.e2e.test_restart import FLOOR, HOST, TONES, start_hall, until
from tests.endpoints.cuttable import CuttableLink


async def test_the_report_is_what_happened_to_a_hall_cut_off_and_back(
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
            if name == FLOOR:
                url = url.replace(f":{bridge.port}/", f":{link.port}/")
            halls.append(start_hall(url, TONES[name], out, seconds=120))
        await until(lambda: {HOST, FLOOR} <= set(seen.ids()), 10, "the roster")
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
        assert (await http.post("/api/sessions/1/close")).status_code == 200
        await until(lambda: seen.state.get(host) == seen.state.get(cut) == "offline", 5, "closed")

        report = (await http.get("/api/sessions/1/report")).json()
        got = {"end": report["session"]["end"], "sites": report["sites"]}
        check(got, seen, host)
        check(got, seen, cut)
        attendance = (await http.get("/api/sessions/1/attendance")).json()
        assert [s["intervals"] for s in attendance["sites"]] == [
            s["intervals"] for s in report["sites"]
        ]
        rows = {r["site_id"]: r["cells"] for r in report["timeline"]["rows"]}
        for site_id in (host, cut):
            quality = next(s["quality"] for s in report["sites"] if s["site_id"] == site_id)
            assert quality["windows"] >= 1
            assert sum(c != "." for c in rows[site_id]) == quality["windows"]
        assert any(a["action"] == "close_session" for a in report["actions"])

        # The summary written at the close says the same.
        for _ in range(50):
            store = Store(bridge.database)
            try:
                summary = {r.site_id: r for r in store.reports.sites_of(1)}
            finally:
                store.close()
            if summary:
                break
            await asyncio.sleep(0.1)
        by_id = {s["site_id"]: s for s in report["sites"]}
        for site_id in (host, cut):
            assert abs(summary[site_id].connected_s - by_id[site_id]["connected_s"]) < 0.01
        assert summary[cut].reconnections == 1

        page = await http.get("/api/sessions/1/report.html")
        assert page.status_code == 200
        assert seen.name[host] in page.text and seen.name[cut] in page.text
    finally:
        await http.aclose()
        await operator.close()
        for hall in halls:
            if hall.poll() is None:
                hall.kill()
            hall.wait(10)
        await link.close()
