"""The site page's video in real Chromium: it plays the shown site's picture full width,
names it, and pauses its own camera while nobody sees it. Loopback only (conftest.py)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pytest
from playwright.async_api import Browser, Page, ViewportSize

from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import COLOURS, EncodedVideoTrack, camera, encode_picture
from tests.conftest import RunningBridge
from tests.web.conftest import open_board, watch

pytestmark = pytest.mark.browser

HOST = "Hội trường Trung ương"
HALL = "Điểm cầu tỉnh Lào Cai"  # the Chromium page
OTHER = "Điểm cầu tỉnh Quảng Trị"

VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
WAIT_MS = 30_000  # generous: a small, busy machine


def raw_link(link: str) -> str:
    """The join link with `?raw=1` (no echo cancellation etc. on the fake microphone)."""
    return urlunsplit(urlsplit(link)._replace(query="raw=1"))


MEAN_COLOUR_JS = """(selector) => {
  const v = document.querySelector(selector);
  if (!v || !v.videoWidth) return null;
  const c = document.createElement("canvas");
  c.width = 8; c.height = 8;
  const g = c.getContext("2d");
  g.drawImage(v, 0, 0, 8, 8);
  const d = g.getImageData(0, 0, 8, 8).data;
  let r = 0, gr = 0, b = 0;
  for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
  return [r / 64, gr / 64, b / 64];
}"""

CAMERA_SENDER_JS = """() => {
  const pc = window.bridgeSite && bridgeSite.pc;
  const t = pc && pc.getTransceivers().find((x) => x.receiver.track.kind === "video");
  return t ? {sending: Boolean(t.sender.track), send: bridgeSite.videoSend} : null;
}"""


def nearest(rgb: list[float]) -> str:
    mean = np.asarray(rgb)
    return min(COLOURS, key=lambda name: float(np.sum((mean - COLOURS[name]) ** 2)))


async def page_sees(page: Page, colour: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = None
    while loop.time() < deadline:
        rgb = await page.evaluate(MEAN_COLOUR_JS, "#site-remote-video")
        last = nearest(rgb) if rgb else None
        if last == colour:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the page shows {last}, not {colour}")


async def test_the_page_plays_the_shown_site_names_it_and_pauses_its_camera_unseen(
    bridge: RunningBridge, chromium: Browser
):
    token = bridge.login()
    context = await chromium.new_context(viewport=VIEWPORT, permissions=["microphone", "camera"])
    page = await context.new_page()
    problems = watch(page, "site")
    host, other = (SiteClient(bridge.links[name], record_seconds=5) for name in (HOST, OTHER))
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        for client, colour in ((host, "red"), (other, "green")):
            await client.join()
            await client.start_media(
                SilenceTrack(), video=EncodedVideoTrack(encode_picture(colour, seconds=1))
            )
        await operator.connect()
        await page.goto(raw_link(bridge.links[HALL]))
        await page.wait_for_function(
            "() => window.bridgeSite && bridgeSite.videoPlaying", timeout=WAIT_MS
        )
        await page_sees(page, "red")  # the host is shown at first
        assert (await page.text_content("#site-shown-name")) == HOST
        assert await page.evaluate("() => bridgeSite.cameraAvailable") is True
        assert await page.evaluate(CAMERA_SENDER_JS) == {"sending": False, "send": "off"}

        await operator.show(other.site["id"])
        await page_sees(page, "green")
        await page.wait_for_function(
            f"() => document.getElementById('site-shown-name').textContent === {OTHER!r}",
            timeout=WAIT_MS,
        )

        hall_id = next(s["id"] for s in host.roster if s["name"] == HALL)
        await operator.show(hall_id)
        await page.wait_for_function("() => bridgeSite.videoSend === 'full'", timeout=WAIT_MS)
        assert await page.evaluate(CAMERA_SENDER_JS) == {"sending": True, "send": "full"}
        await page_sees(page, "red")  # the shown hall sees the host
        before = len(other.video.seen)
        for _ in range(50):  # the others now decode the page's (fake) camera
            if len(other.video.seen) > before + 10:
                break
            await asyncio.sleep(0.2)
        assert len(other.video.seen) > before + 10, "the shown page's camera did not arrive"
    finally:
        await operator.close()
        for client in (host, other):
            await client.close()
        await context.close()
    assert problems == []


async def test_the_console_previews_every_site_and_shows_one_or_follows_the_talker(
    bridge: RunningBridge, chromium: Browser
):
    context = await chromium.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    problems = watch(page, "console")
    host, other = (SiteClient(bridge.links[name], record_seconds=5) for name in (HOST, OTHER))
    try:
        for client, colour in ((host, "red"), (other, "green")):
            await client.join()
            await client.start_media(SilenceTrack(), video=camera(colour))
        await open_board(page, bridge)
        for client, colour in ((host, "red"), (other, "green")):
            site_id = client.site["id"]
            loop = asyncio.get_running_loop()
            deadline, seen = loop.time() + 15, None
            while loop.time() < deadline and seen != colour:
                rgb = await page.evaluate(
                    MEAN_COLOUR_JS, f'#roster-body > tr[data-site-id="{site_id}"] video'
                )
                seen = nearest(rgb) if rgb else None
                await asyncio.sleep(0.2)
            assert seen == colour, f"the console's preview of {client.site['name']}: {seen}"
        # The shown host is offered the other hall to look at: it sends in full, not a preview.
        assert other._video_track.mode == "full"

        await page.click(f'button[data-action="show"][data-site-id="{other.site["id"]}"]')
        await host.video.wait_for("green", timeout=5)
        badge = page.locator(f'#roster-body > tr[data-site-id="{other.site["id"]}"] .badge-shown')
        await badge.wait_for(state="visible", timeout=WAIT_MS)

        await page.check("#board-voice")
        await host.expect("shown", where=lambda m: m["mode"] == "voice", timeout=5)
    finally:
        for client in (host, other):
            await client.close()
        await context.close()
    assert problems == []
