"""Quality per 20 s window from a real link under loss: two halls (aiortc peers in this
process) on a real ``bridge serve``, one losing 15 % of the RTP it sends (``endpoints.
impair``, in user space: the kernel here has no netem). ``GET /api/sessions/{id}/quality``
shows the lossy hall's windows with that loss, graded poor and scored below the clean
hall, which shows none."""

from __future__ import annotations

import asyncio
import time

import httpx

from endpoints.audio import ToneTrack
from endpoints.impair import impair
from endpoints.session import SiteClient
from tests.conftest import RunningBridge

LOSS = 0.15
SETTLE_S = 25.0


async def test_windows_show_the_loss_a_hall_suffers(bridge: RunningBridge) -> None:
    lossy_link, clean_link = list(bridge.links.values())[1:3]
    lossy, clean = SiteClient(lossy_link), SiteClient(clean_link)
    token = bridge.login()
    http = httpx.AsyncClient(
        base_url=bridge.url, headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    try:
        for client in (lossy, clean):
            await client.join()
        await asyncio.gather(
            lossy.start_media(ToneTrack(440, 0.1)), clean.start_media(ToneTrack(660, 0.1))
        )
        assert lossy.pc is not None
        impairment = impair(lossy.pc, loss=LOSS, seed=14)
        lossy_id, clean_id = lossy.site["id"], clean.site["id"]
        deadline = time.monotonic() + SETTLE_S
        found = None
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            reply = (await http.get("/api/sessions/1/quality")).json()
            windows = {s["site_id"]: s["windows"] for s in reply["sites"]}
            lossy_windows = [w for w in windows.get(lossy_id, []) if w["seconds"] >= 6]
            clean_windows = [w for w in windows.get(clean_id, []) if w["seconds"] >= 6]
            if lossy_windows and clean_windows:
                found = (lossy_windows[-1], clean_windows[-1], reply)
                if found[0]["loss_in_pct"] and found[0]["loss_in_pct"] > 8:
                    break
        assert found is not None, "no windows of both halls"
        bad, good, reply = found
        print(f"\nlossy window: {bad}\nclean window: {good}\ndropped {impairment.dropped}")
        assert impairment.dropped > 0
        assert 8 <= bad["loss_in_pct"] <= 25, bad
        assert bad["grade"] == "poor" and bad["mos"] is not None
        assert good["loss_in_pct"] is not None and good["loss_in_pct"] < 1, good
        assert good["mos"] is not None and good["mos"] - bad["mos"] >= 0.5
        assert reply["worst"][0]["site_id"] == lossy_id
        summary = {s["site_id"]: s for s in reply["summary"]}
        assert summary[lossy_id]["poor"] >= 1
    finally:
        await http.aclose()
        for client in (lossy, clean):
            await client.close()
