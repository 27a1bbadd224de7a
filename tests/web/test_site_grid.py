"""The site page's extra pictures in real Chromium: a grid of the other halls around the
shown one, and the host's inset, each cell decoded from the bridge's forwarded streams.

Three headless halls send solid colours (endpoints/video.py: the host red, Quảng Trị green,
Cà Mau blue); the Chromium page (Lào Cai) is given its layout by assigning its hall a
profile through the HTTP API (the bridge pushes it; the page draws it). Loopback only
(conftest.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import camera
from tests.conftest import RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import screenshot
from tests.web.test_site_video import MEAN_COLOUR_JS, nearest, raw_link

pytestmark = pytest.mark.browser

HOST = "Hội trường Trung ương"
HALL = "Điểm cầu tỉnh Lào Cai"  # the Chromium page
GREEN = "Điểm cầu tỉnh Quảng Trị"
BLUE = "Điểm cầu tỉnh Cà Mau"
COLOUR = {HOST: "red", GREEN: "green", BLUE: "blue"}
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
WAIT_MS = 30_000


def set_layout(bridge: RunningBridge, token: str, site_id: int, layout: str, sites: int) -> None:
    """The hall's profile, through the HTTP API: the bridge pushes it to the page."""
    bridge.assign_profile(site_id, {"display": {"layout": layout, "grid_sites": sites}}, token)


TOLD_JS = "(cells) => JSON.stringify(bridgeSite.grid.told) === JSON.stringify(cells)"
BOX_JS = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const shown = r.width > 0 && r.height > 0 && getComputedStyle(el).display !== "none";
  return shown ? {left: r.left, top: r.top, right: r.right, bottom: r.bottom} : null;
}"""


def cell(index: int) -> str:
    return f'#site-grid .site-cell[data-index="{index}"] video'


async def cell_sees(page: Page, index: int, colour: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline, seen = loop.time() + timeout, None
    while loop.time() < deadline:
        rgb = await page.evaluate(MEAN_COLOUR_JS, cell(index))
        seen = nearest(rgb) if rgb else None
        if seen == colour:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"cell {index} shows {seen}, not {colour}")


async def told(page: Page, cells: list[int | None]) -> None:
    await page.wait_for_function(TOLD_JS, arg=cells, timeout=WAIT_MS)


async def mode_becomes(client: SiteClient, mode: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if client._video_track is not None and client._video_track.mode == mode:
            return
        await asyncio.sleep(0.1)
    track: Any = client._video_track
    raise AssertionError(f"{client.site['name']} sends {track and track.mode}, not {mode}")


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


async def test_the_grid_shows_the_other_halls_and_the_inset_the_host(
    bridge: RunningBridge, chromium: Browser
):
    token = bridge.login()
    context = await chromium.new_context(viewport=VIEWPORT, permissions=["microphone", "camera"])
    page = await context.new_page()
    problems = watch(page, "site")
    clients = {name: SiteClient(bridge.links[name], record_seconds=5) for name in COLOUR}
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        for name, client in clients.items():
            await client.join()
            await client.start_media(SilenceTrack(), video=camera(COLOUR[name]))
        ids = {s["name"]: s["id"] for s in clients[HOST].roster}
        await operator.connect()
        await page.goto(raw_link(bridge.links[HALL]))
        await page.wait_for_function(
            "() => window.bridgeSite && bridgeSite.videoPlaying", timeout=WAIT_MS
        )
        # Nobody watches previews yet: Cà Mau, neither shown nor seen by the shown host,
        # sends nothing.
        await mode_becomes(clients[BLUE], "off")

        # A grid of four: the host is the large picture; the cells the two other halls
        # (roster order) and an empty one.
        await asyncio.to_thread(set_layout, bridge, token, ids[HALL], "grid", 4)
        await told(page, [ids[GREEN], ids[BLUE], None])
        await mode_becomes(clients[BLUE], "preview")  # the grid shows previews
        await cell_sees(page, 0, "green")
        await cell_sees(page, 1, "blue")
        state = await page.evaluate(
            "() => bridgeSite.grid.cells.map((c) => [c.siteId, c.name, c.playing])"
        )
        assert state[2] == [None, "", False]
        assert [s[:2] for s in state[:2]] == [[ids[GREEN], GREEN], [ids[BLUE], BLUE]]
        await page.wait_for_function(
            "() => bridgeSite.grid.cells[0].playing && bridgeSite.grid.cells[1].playing",
            timeout=WAIT_MS,
        )
        await screenshot(page, "site-grid-1366x768.png")
        captions = await page.locator("#site-grid .site-cell-caption").all_text_contents()
        assert captions[:2] == [GREEN, BLUE]
        # The large picture keeps two thirds of the screen; the controls stay over it.
        large = await page.evaluate(BOX_JS, "#site-video")
        first = await page.evaluate(BOX_JS, '#site-grid .site-cell[data-index="0"]')
        hand = await page.evaluate(BOX_JS, "#site-hand-block")
        assert large["right"] == pytest.approx(VIEWPORT["width"] * 2 / 3, abs=8)
        assert first["left"] >= large["right"]
        assert hand is not None and hand["right"] <= large["right"] + 1

        # Quảng Trị is shown: the host comes into the first cell.
        await operator.show(ids[GREEN])
        await told(page, [ids[HOST], ids[BLUE], None])
        await cell_sees(page, 0, "red")
        await cell_sees(page, 1, "blue")

        # The inset: the host, bottom right, clear of the controls.
        await asyncio.to_thread(set_layout, bridge, token, ids[HALL], "inset", 4)
        await told(page, [ids[HOST]])
        await cell_sees(page, 0, "red")
        await screenshot(page, "site-inset-1366x768.png")
        await mode_becomes(clients[BLUE], "off")  # an inset needs no previews
        inset = await page.evaluate(BOX_JS, '#site-grid .site-cell[data-index="0"]')
        assert inset is not None
        assert inset["right"] > VIEWPORT["width"] * 0.9
        assert inset["bottom"] > VIEWPORT["height"] * 0.4
        assert inset["right"] - inset["left"] == pytest.approx(VIEWPORT["width"] * 0.22, abs=4)
        for other in ("#site-hand-block", "#site-status", "#site-corner", "#site-shown"):
            box = await page.evaluate(BOX_JS, other)
            assert box is None or not overlaps(inset, box), f"the inset covers {other}"

        # The host shown: nothing in the inset (the host is the large picture).
        await operator.show(ids[HOST])
        await told(page, [None])
        assert await page.evaluate(BOX_JS, '#site-grid .site-cell[data-index="0"]') is None

        # Back to full: the grid peer is closed.
        await asyncio.to_thread(set_layout, bridge, token, ids[HALL], "full", 4)
        await page.wait_for_function("() => bridgeSite.grid.pc === null", timeout=WAIT_MS)
        assert await page.locator("#site-grid .site-cell").count() == 0
    finally:
        await operator.close()
        for client in clients.values():
            await client.close()
        await context.close()
    assert problems == []
