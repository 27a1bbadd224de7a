"""The session's notices and their read receipts through real hall pages (Chromium, fake
devices) against a real bridge: a notice posted over the API appears at once on a live
hall's screen — a button in the corner, never over the picture's middle nor over another
overlay, its words whole at a hall TV's sizes; the hall opens it (a TV remote's OK), which
sends its receipt, and the organiser's list shows that hall read it and the others not; its
document downloads under its own name; a withdrawn notice leaves the screen. A hall
waiting for its session (before the test window) sees the notices too and confirms
reading them over HTTP. Loopback only (conftest.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize

from endpoints.operator import OperatorClient
from tests.conftest import RunningBridge
from tests.notices import samples
from tests.web.conftest import watch
from tests.web.test_site_layout import VI, assert_on_screen, measure, overlap, screenshot

pytestmark = pytest.mark.browser

HALL = "Điểm cầu tỉnh Lào Cai"
WAIT_MS = 30_000
TV_SIZES: list[ViewportSize] = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}]
TITLE = "Giấy mời họp giao ban trực tuyến quý IV năm 2026 với các điểm cầu tỉnh, thành phố"
FILE_NAME = "Giấy mời họp giao ban.pdf"
# What lies over the picture while a hall takes part (test_site_layout.OVERLAYS' seen ones;
# the button is in the corner, #site-corner).
SEEN = ["site-shown", "site-status", "site-hand-block"]


def api(bridge: RunningBridge, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{bridge.url}{path}",
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
        **kw,
    )


def post_notice(bridge: RunningBridge, token: str, session_id: int, **fields: Any) -> dict:
    files = fields.pop("files", None)
    reply = api(
        bridge,
        token,
        "POST",
        f"/api/sessions/{session_id}/notices",
        data={"kind": "invitation", "title": TITLE, **fields},
        files=files,
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["notice"])


def notices(bridge: RunningBridge, token: str, session_id: int) -> list[dict]:
    reply = api(bridge, token, "GET", f"/api/sessions/{session_id}/notices")
    assert reply.status_code == 200, reply.text
    return list(reply.json()["notices"])


async def wait_read(bridge: RunningBridge, token: str, session_id: int, site_id: int) -> dict:
    for _ in range(100):
        found = await asyncio.to_thread(notices, bridge, token, session_id)
        if any(r["site_id"] == site_id for r in found[-1]["reads"]):
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"site {site_id} never read the notice: {found}")


async def open_hall(browser: Browser, link: str, state: str) -> tuple[Page, list[str]]:
    context = await browser.new_context(
        viewport=TV_SIZES[0],
        permissions=["microphone", "camera"],
        locale="vi-VN",
        accept_downloads=True,
    )
    page = await context.new_page()
    problems = watch(page, "hall")
    await page.goto(link)
    await page.wait_for_function(
        f"() => window.bridgeSite && bridgeSite.state === '{state}'", timeout=WAIT_MS
    )
    return page, problems


async def test_a_posted_notice_appears_on_the_hall_and_opening_it_is_its_receipt(
    bridge: RunningBridge, chromium: Browser, tmp_path: Path
) -> None:
    admin = bridge.login()
    page, problems = await open_hall(chromium, bridge.links[HALL], "connected")
    operator = OperatorClient(bridge.url, session_id=1, token=admin)
    try:
        await operator.connect()
        hall_id = int(await page.evaluate("() => bridgeSite.site.id"))
        assert await page.evaluate("() => bridgeSite.notices") == []  # `notices` on joining
        assert await page.is_hidden("#site-notices-button")

        notice = await asyncio.to_thread(
            post_notice,
            bridge,
            admin,
            1,
            body="Kính mời các điểm cầu dự họp lúc 8 giờ 00.\nĐề nghị kiểm tra kết nối trước.",
            files={"file": (FILE_NAME, samples.PDF, "application/pdf")},
        )
        await page.locator('#site-notices-button[data-unread="true"]').wait_for(timeout=WAIT_MS)
        label = await page.inner_text("#site-notices-button")
        assert VI["site.notices.button"].replace("{count}", "1") in label
        assert VI["site.notices.unread"].replace("{count}", "1") in label

        # The button lies in the corner: on screen, whole, over no other overlay and clear of
        # the picture's middle, at a hall TV's sizes.
        ids = [*SEEN, "site-notices-button"]
        for size in TV_SIZES:
            geometry = await measure(page, size, [*ids, "site-corner"])
            assert_on_screen(geometry, ids, "notices")
            boxes = geometry["boxes"]
            button, corner = boxes["site-notices-button"], boxes["site-corner"]
            assert corner["left"] <= button["left"] and button["right"] <= corner["right"]
            assert corner["top"] <= button["top"] and button["bottom"] <= corner["bottom"]
            w, h = geometry["width"], geometry["height"]
            # The picture's essentials: its middle third across, half down (the speaker).
            middle = {"left": w / 3, "right": w * 2 / 3, "top": h / 4, "bottom": h * 3 / 4}
            assert not overlap(geometry["boxes"]["site-notices-button"], middle), size
        await screenshot(page, "site-notices-button.png")

        # The hall opens it with a TV remote: focus on the button, OK.
        await page.focus("#site-notices-button")
        await page.keyboard.press("Enter")
        await page.locator("#site-notices").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.inner_text("#site-notice-title") == TITLE
        assert "Đề nghị kiểm tra kết nối trước." in await page.inner_text("#site-notice-body")
        assert FILE_NAME in await page.inner_text("#site-notice-file")
        panel = ["site-notices-heading", "site-notices-list", "site-notice-detail"]
        for size in TV_SIZES:
            geometry = await measure(page, size, panel)
            assert_on_screen(geometry, panel, "notices panel")
            item = geometry["boxes"]["site-notices-list"]["text"]
            assert TITLE in item.replace("\n", " "), item  # the title whole in the list
        await screenshot(page, "site-notices-panel.png", docs="site-notices.png")

        # Opening it was reading it: consoles hear it, the organiser's list says so.
        told = await operator.expect(
            "notice_read", timeout=10, where=lambda m: m["notice_id"] == notice["id"]
        )
        assert told["site_id"] == hall_id
        seen = await wait_read(bridge, admin, 1, hall_id)
        assert [r["site_id"] for r in seen["reads"]] == [hall_id]
        roster = api(bridge, admin, "GET", "/api/sessions/1").json()["session"]["roster"]
        assert seen["unread_site_ids"] == [s for s in roster if s != hall_id]
        assert await page.evaluate("() => bridgeSite.noticeReadsSent") == [notice["id"]]

        # Its document downloads under its own name, fetched with the hall's join token.
        async with page.expect_download() as downloading:
            await page.click("#site-notice-file")
        download = await downloading.value
        assert download.suggested_filename == FILE_NAME
        saved = tmp_path / "saved.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == samples.PDF

        # Closed with the remote's Back (Escape); the button is no longer amber.
        await page.keyboard.press("Escape")
        await page.locator("#site-notices").wait_for(state="hidden", timeout=WAIT_MS)
        assert await page.get_attribute("#site-notices-button", "data-unread") == "false"

        # Withdrawn: it leaves the hall's screen at once.
        path = f"/api/sessions/1/notices/{notice['id']}"
        assert (await asyncio.to_thread(api, bridge, admin, "DELETE", path)).status_code == 200
        await page.locator("#site-notices-button").wait_for(state="hidden", timeout=WAIT_MS)
        assert await page.evaluate("() => bridgeSite.notices") == []
        assert problems == []
    finally:
        await operator.close()


async def test_a_hall_waiting_for_its_session_reads_the_notices_before_it(
    bridge: RunningBridge, chromium: Browser
) -> None:
    admin = bridge.login()
    sites = api(bridge, admin, "GET", "/api/sites").json()["sites"]
    roster = [s["id"] for s in sites[:3]]
    created = api(
        bridge,
        admin,
        "POST",
        "/api/sessions",
        json={"title": "Họp tuần sau", "host_site_id": roster[0], "roster": roster},
    )
    session_id = created.json()["session"]["id"]  # scheduled, no test window: not joinable
    links = api(bridge, admin, "POST", f"/api/sessions/{session_id}/links", json={}).json()
    link = next(x for x in links["links"] if x["site_id"] == roster[1])
    agenda = post_notice(
        bridge, admin, session_id, kind="agenda", title="Chương trình họp", body="1. Khai mạc"
    )
    page, problems = await open_hall(chromium, link["url"], "waiting")
    await page.locator('#site-notices-button[data-unread="true"]').wait_for(timeout=WAIT_MS)
    geometry = await measure(page, TV_SIZES[1], ["site-status", "site-notices-button"])
    assert_on_screen(geometry, ["site-status", "site-notices-button"], "waiting")
    await page.click("#site-notices-button")
    assert await page.inner_text("#site-notice-title") == "Chương trình họp"
    assert await page.text_content("#site-notice-kind") == VI["site.notices.kind.agenda"]
    seen = await wait_read(bridge, admin, session_id, roster[1])
    assert seen["id"] == agenda["id"] and seen["unread_site_ids"] == [roster[0], roster[2]]
    assert problems == []
