"""Every page says that the session is being recorded — in real Chromium against a real
`bridge serve`: the operator's console starts recording (after its question), the hall's
page shows "● ĐANG GHI" at once, big, white on red, fully on screen and covering nothing
at a TV's 1280×720 and 1920×1080 (and "● RECORDING" in English); the office's calendar and
session panel mark it; stopped, the badge goes; the closed session's panel lists the
recording, complete, and the office downloads it. Loopback only (conftest.py).
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page

from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import camera
from tests.conftest import RunningBridge
from tests.web.conftest import open_board, watch
from tests.web.test_catalogue import VI
from tests.web.test_site_layout import (
    HALL,
    OTHER,
    OVERLAYS,
    WAIT_MS,
    assert_on_screen,
    measure,
    open_site,
    screenshot,
)

pytestmark = pytest.mark.browser

TV_SIZES = [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}]
BADGE = ["site-recording", *OVERLAYS]
OFFICE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def schedule_today(bridge: RunningBridge, token: str, session_id: int) -> None:
    today = datetime.now(OFFICE_ZONE).date().isoformat()
    reply = httpx.put(
        f"{bridge.url}/api/sessions/{session_id}/schedule",
        json={"starts_at": f"{today}T00:05:00+07:00", "ends_at": f"{today}T23:55:00+07:00"},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text


async def font_px(page: Page, selector: str) -> float:
    size: str = await page.eval_on_selector(selector, "(e) => getComputedStyle(e).fontSize")
    return float(size.removesuffix("px"))


async def confirm(page: Page) -> None:
    await page.locator("#confirm-dialog").wait_for(state="visible", timeout=WAIT_MS)
    await page.click("#confirm-ok")


async def test_every_page_shows_the_recording_and_the_office_downloads_it(
    bridge: RunningBridge, chromium: Browser, tmp_path: Path
) -> None:
    token = bridge.login()
    await asyncio.to_thread(schedule_today, bridge, token, 1)
    context = await chromium.new_context(
        viewport=TV_SIZES[1],
        permissions=["microphone", "camera"],
        locale="vi-VN",
        accept_downloads=True,
    )
    hall, problems = await open_site(context, bridge.links[HALL], "hall")
    console = await context.new_page()
    problems += watch(console, "console")
    await open_board(console, bridge)
    assert await hall.is_hidden("#site-recording")
    assert await console.is_hidden("#board-recording")
    assert await console.inner_text("#board-record") == VI["console.action.record_start"]

    # Asked first: cancelling records nothing.
    await console.click("#board-record")
    await console.locator("#confirm-dialog").wait_for(state="visible", timeout=WAIT_MS)
    assert await console.inner_text("#confirm-title") == VI["console.confirm.record_start_title"]
    await console.click('#confirm-dialog button[value="cancel"]')
    await asyncio.sleep(0.5)
    assert await hall.is_hidden("#site-recording")
    await console.click("#board-record")
    await confirm(console)
    await hall.locator("#site-recording").wait_for(state="visible", timeout=WAIT_MS)
    await console.locator("#board-recording").wait_for(state="visible", timeout=WAIT_MS)
    assert await console.inner_text("#board-record") == VI["console.action.record_stop"]
    badge = await console.inner_text("#board-recording")
    assert VI["console.recording.badge"] in badge and ":" in badge  # since when
    await console.set_viewport_size({"width": 1366, "height": 768})
    for selector in ("#board-recording", "#board-record", "#board-end", "#board-floor"):
        box = await console.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, selector
        assert box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, selector
    await screenshot(console, "console-recording.png")

    # The hall's badge on a TV — with the most on screen: the hall muted, another hall
    # given the floor — whole, on top, apart from everything else, big.
    other = SiteClient(bridge.links[OTHER], record_seconds=1)
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    await other.join()
    await other.start_media(SilenceTrack(), video=camera("green"))
    await operator.connect()
    hall_id = int(await hall.evaluate("() => bridgeSite.site.id"))
    await operator.give_floor(int(other.site["id"]))
    await operator.mute(hall_id)
    await hall.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
    await hall.locator("#site-floor").wait_for(state="visible", timeout=WAIT_MS)
    for size in TV_SIZES:
        geometry = await measure(hall, size, BADGE)
        assert_on_screen(geometry, BADGE, "recording")
        text = geometry["boxes"]["site-recording"]["text"].split()
        assert text == ["●", *VI["site.recording.badge"].split()], text
        px = await font_px(hall, "#site-recording")
        assert px >= 0.044 * size["height"], f"{px}px at {size}"
        box = geometry["boxes"]["site-recording"]
        assert box["bottom"] - box["top"] >= 0.05 * size["height"]
        colour = await hall.eval_on_selector(
            "#site-recording", "(e) => getComputedStyle(e).backgroundColor"
        )
        assert colour == "rgb(198, 40, 40)"
        await screenshot(hall, f"site-recording-{size['width']}x{size['height']}.png")
    await hall.click('button[data-lang="en"]')
    await hall.wait_for_function("() => document.documentElement.lang === 'en'")
    geometry = await measure(hall, TV_SIZES[0], BADGE)
    assert_on_screen(geometry, BADGE, "recording, in English")
    assert geometry["boxes"]["site-recording"]["text"].split() == ["●", "RECORDING"]
    await hall.click('button[data-lang="vi"]')  # the language is the browser's, for every page
    await hall.wait_for_function("() => document.documentElement.lang === 'vi'")

    # The office: the calendar marks the session, its panel says since when.
    office = await context.new_page()
    problems += watch(office, "office")
    await office.set_viewport_size({"width": 1366, "height": 768})
    await office.goto(f"{bridge.url}/office")
    await office.fill("#login-username", "admin")
    await office.fill("#login-password", str(bridge.password))
    await office.click("#login-submit")
    await office.wait_for_function("() => bridgeOffice.state === 'ready'", timeout=WAIT_MS)
    item = office.locator('#cal-grid .cal-item[data-item-kind="session"][data-item-id="1"]')
    await item.first.wait_for(timeout=WAIT_MS)
    assert await item.first.locator(".pill-recording").inner_text() == VI["office.recording.badge"]
    await item.first.click()
    office_badge = office.locator("#detail-recording-badge")
    await office_badge.wait_for(timeout=WAIT_MS)
    assert (await office_badge.inner_text()).startswith(VI["office.recording.badge"])

    # Stopped (asked first): the badges go.
    await asyncio.sleep(2.0)  # a few seconds of the hall's fake camera and microphone
    await console.click("#board-record")
    await confirm(console)
    await hall.locator("#site-recording").wait_for(state="hidden", timeout=WAIT_MS)
    await console.locator("#board-recording").wait_for(state="hidden", timeout=WAIT_MS)
    assert await console.inner_text("#board-record") == VI["console.action.record_start"]

    # The session ends; its panel lists the recording, complete; the office downloads it.
    reply = httpx.post(
        f"{bridge.url}/api/sessions/1/close",
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    listed = office.locator('#detail-recordings .detail-recording[data-state="complete"]')
    for _ in range(50):
        await office.click("#detail-close")
        await item.first.click()
        await office.locator("#detail-recordings").wait_for(timeout=WAIT_MS)
        if await listed.count():
            break
        await asyncio.sleep(0.2)
    assert await listed.count() == 1
    assert await office.locator("#detail-recording-badge").count() == 0
    async with office.expect_download() as download_info:
        await listed.locator('button[data-do="download-recording"]').click()
    download = await download_info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    found = httpx.get(
        f"{bridge.url}/api/sessions/1/recordings",
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["recordings"]
    assert saved.name == found[0]["file"] and saved.stat().st_size == found[0]["bytes"]
    # The calendar left open catches up by itself: the session ended, no longer recorded.
    await item.first.locator(".pill-recording").wait_for(state="detached", timeout=20_000)
    recording_line = office.locator("#detail-recordings .detail-recording-when")
    when = await recording_line.inner_text()  # "06:00–06:07 03/12/2026", the office's format
    assert re.match(r"\d\d:\d\d[–\s].*\d\d/\d\d/\d{4}$", when), when
    await operator.close()
    await other.close()
    await screenshot(office, "office-recordings.png")
    assert problems == []
