"""The site page made for a screen in a hall, measured in real Chromium at the screens halls
have (1280×720, 1366×768, 1920×1080, 1024×768): the picture fills the screen, letterboxed;
the caption, the connection state, the muted and floor banners and the request to speak lie
over it, each fully on screen, none hiding another, no text cut, nothing to scroll. Also:
kiosk mode, the card shown while no picture arrives, the notice when the operator lowers the
hall's hand, and the full-screen message of a page that has stopped (no empty video box).

The halls whose picture is seen are Chromium pages too (their fake camera is a moving test
pattern), so the screenshots in docs/screenshots/ show a real picture. Loopback only
(conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import camera
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import watch

pytestmark = pytest.mark.browser

HOST = "Hội trường Trung ương"
HALL = "Điểm cầu tỉnh Lào Cai"  # the page measured
OTHER = "Điểm cầu tỉnh Quảng Trị"
THIRD = "Điểm cầu tỉnh Cà Mau"
SIZES: list[ViewportSize] = [
    {"width": 1280, "height": 720},
    {"width": 1366, "height": 768},
    {"width": 1920, "height": 1080},
    {"width": 1024, "height": 768},
]
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
WAIT_MS = 30_000  # generous: a small, busy machine
ARTIFACTS = ROOT / "test-artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
VI = json.loads((ROOT / "endpoints" / "web" / "i18n" / "vi.json").read_text(encoding="utf-8"))

# Each element's box, whether it is what is seen at its own centre (not covered by another
# overlay), and any of its boxes whose text overflows (cut, or spilling out). Arrow function
# only: the page's CSP forbids eval of plain expressions.
GEOMETRY_JS = """(ids) => {
  const boxes = {};
  for (const id of ids) {
    const el = document.getElementById(id);
    if (!el) { boxes[id] = null; continue; }
    const r = el.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility === "visible";
    const [cx, cy] = [r.left + r.width / 2, r.top + r.height / 2];
    const hit = shown ? document.elementFromPoint(cx, cy) : null;
    const overflowing = [el, ...el.querySelectorAll("*")]
      .filter((e) => getComputedStyle(e).display !== "inline" && e.clientWidth > 0)
      .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      .map((e) => e.id || e.className || e.tagName);
    boxes[id] = {
      left: r.left, top: r.top, right: r.right, bottom: r.bottom, shown,
      onTop: Boolean(hit && (hit === el || el.contains(hit))),
      text: el.innerText, overflowing,
    };
  }
  const video = document.getElementById("site-remote-video");
  const page = document.scrollingElement;
  return {
    width: innerWidth, height: innerHeight, boxes,
    scrollWidth: page.scrollWidth, scrollHeight: page.scrollHeight,
    fit: getComputedStyle(video).objectFit,
    videoBox: (({left, top, right, bottom}) => ({left, top, right, bottom}))(
      video.getBoundingClientRect()),
  };
}"""

# What must be on a hall's screen while it takes part.
OVERLAYS = [
    "site-shown",
    "site-status",
    "site-corner",
    "site-muted",
    "site-floor",
    "site-hand-block",
]


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and b["top"] < a["bottom"] - 0.5
    )


async def measure(page: Page, size: ViewportSize, ids: list[str]) -> dict[str, Any]:
    await page.set_viewport_size(size)
    await page.wait_for_function(
        f"() => innerWidth === {size['width']} && innerHeight === {size['height']}"
    )
    await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(null)))")
    geometry: dict[str, Any] = await page.evaluate(GEOMETRY_JS, ids)
    return geometry


def assert_on_screen(geometry: dict[str, Any], ids: list[str], label: str) -> None:
    """Every element fully on screen, seen (not under another), its text whole; no two
    overlapping; nothing to scroll."""
    width, height = geometry["width"], geometry["height"]
    where = f"{label} at {width}×{height}"
    assert geometry["scrollHeight"] <= height, f"{where}: the page scrolls"
    assert geometry["scrollWidth"] <= width, f"{where}: the page scrolls sideways"
    boxes = geometry["boxes"]
    for name in ids:
        box = boxes[name]
        assert box is not None and box["shown"], f"{where}: #{name} is not shown"
        assert box["left"] >= 0 and box["top"] >= 0, f"{where}: #{name} off screen {box}"
        assert box["right"] <= width and box["bottom"] <= height, f"{where}: #{name} {box}"
        assert box["onTop"], f"{where}: #{name} is covered"
        assert box["overflowing"] == [], f"{where}: #{name} text cut: {box['overflowing']}"
        assert box["text"].strip(), f"{where}: #{name} says nothing"
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not overlap(boxes[a], boxes[b]), f"{where}: #{a} and #{b} overlap"


def assert_picture_fills(geometry: dict[str, Any], label: str) -> None:
    """The video element is the whole screen and shows the whole picture (letterboxed)."""
    box, width, height = geometry["videoBox"], geometry["width"], geometry["height"]
    assert geometry["fit"] == "contain", label
    assert (box["left"], box["top"], box["right"], box["bottom"]) == (0, 0, width, height), (
        f"{label} at {width}×{height}: the picture is {box}"
    )


async def screenshot(page: Page, name: str, docs: str | None = None) -> None:
    """Into test-artifacts/ every run; into docs/screenshots/ when asked or still missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    await page.screenshot(path=str(path))
    if docs is not None:
        target = DOCS_SCREENSHOTS / docs
        if os.environ.get("BRIDGE_UPDATE_SCREENSHOTS") == "1" or not target.exists():
            shutil.copyfile(path, target)


async def open_site(context: BrowserContext, link: str, name: str) -> tuple[Page, list[str]]:
    page = await context.new_page()
    problems = watch(page, name)
    await page.goto(link)
    await page.wait_for_function(
        "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
    )
    return page, problems


async def sees(page: Page, site_id: int) -> None:
    """The page plays the picture of ``site_id``."""
    await page.wait_for_function(
        f"() => bridgeSite.seenId === {site_id} && bridgeSite.videoPlaying"
        " && document.getElementById('site-remote-video').videoWidth > 0",
        timeout=WAIT_MS,
    )


async def test_the_hall_screen_shows_picture_banners_and_hand_at_every_size(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    context = await chromium.new_context(
        viewport=FULL_HD, permissions=["microphone", "camera"], locale="vi-VN"
    )
    pages: dict[str, Page] = {}
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        # Hall (measured), the host and Quảng Trị: three pages, three fake cameras.
        (hall, problems), (host, _), (other, _) = await asyncio.gather(
            open_site(context, bridge.links[HALL], "hall"),
            open_site(context, bridge.links[HOST], "host"),
            open_site(context, bridge.links[OTHER], "other"),
        )
        pages.update(hall=hall, host=host, other=other)
        ids = {
            name: int(await page.evaluate("() => bridgeSite.site.id"))
            for name, page in pages.items()
        }
        await operator.connect()
        await sees(hall, ids["host"])  # the host is shown at first

        # The hall asks to speak — with a remote: an arrow key finds the button, OK presses
        # it; the operator gives Quảng Trị the floor and mutes the hall.
        await hall.keyboard.press("ArrowDown")
        assert await hall.evaluate("() => document.activeElement.id") == "site-hand"
        await hall.keyboard.press("Enter")
        await hall.locator('#site-hand[data-raised="true"]').wait_for(timeout=WAIT_MS)
        await operator.give_floor(ids["other"])
        await operator.mute(ids["hall"])
        await hall.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
        await hall.locator("#site-floor").wait_for(state="visible", timeout=WAIT_MS)
        await sees(hall, ids["other"])
        assert await hall.inner_text("#site-shown-name") == OTHER
        assert await hall.inner_text("#site-floor-name") == OTHER
        assert await hall.is_hidden("#site-floor-own")
        assert await hall.is_hidden("#site-placeholder")
        assert "1" in await hall.inner_text("#site-hand-status")  # first in the queue
        for size in SIZES:
            geometry = await measure(hall, size, OVERLAYS)
            assert_on_screen(geometry, OVERLAYS, "muted, another hall has the floor")
            assert_picture_fills(geometry, "muted")
            assert geometry["boxes"]["site-status"]["text"] == VI["site.status.connected"]
            await screenshot(hall, f"site-layout-muted-{size['width']}x{size['height']}.png")
        # English runs longer than Vietnamese in places: the same on the smallest screens.
        await hall.click('button[data-lang="en"]')
        await hall.wait_for_function("() => document.documentElement.lang === 'en'")
        for size in SIZES[::3]:
            geometry = await measure(hall, size, OVERLAYS)
            assert_on_screen(geometry, OVERLAYS, "in English")
        await hall.click('button[data-lang="vi"]')
        await hall.wait_for_function("() => document.documentElement.lang === 'vi'")
        await measure(hall, FULL_HD, OVERLAYS)
        await asyncio.sleep(1.0)  # a few more frames of the moving test pattern
        await screenshot(hall, "site-layout-muted.png", docs="site.png")

        # The operator lowers the hall's hand: the page says so, for a few seconds.
        await operator.lower_hand(ids["hall"])
        await hall.locator("#site-notice").wait_for(state="visible", timeout=WAIT_MS)
        assert await hall.inner_text("#site-notice") == VI["site.notice.hand_lowered"]
        assert await hall.get_attribute("#site-hand", "data-raised") == "false"
        with_notice = ["site-notice", *OVERLAYS]
        for size in SIZES:
            geometry = await measure(hall, size, with_notice)
            assert_on_screen(geometry, with_notice, "the operator lowered the hand")

        # The hall withdrawing its own request says nothing of the kind.
        await hall.locator("#site-notice").wait_for(state="hidden", timeout=15_000)
        await hall.click("#site-hand")
        await hall.locator('#site-hand[data-raised="true"]').wait_for(timeout=WAIT_MS)
        await hall.click("#site-hand")
        await hall.locator('#site-hand[data-raised="false"]').wait_for(timeout=WAIT_MS)
        await asyncio.sleep(0.5)
        assert await hall.is_hidden("#site-notice")

        # Given the floor (with its hand up): unmuted, the floor banner says it is this hall,
        # no "lowered" notice; it now sees the host.
        await hall.click("#site-hand")
        await hall.locator('#site-hand[data-raised="true"]').wait_for(timeout=WAIT_MS)
        await operator.give_floor(ids["hall"])
        await hall.locator("#site-floor-own").wait_for(state="visible", timeout=WAIT_MS)
        await hall.locator("#site-muted").wait_for(state="hidden", timeout=WAIT_MS)
        await sees(hall, ids["host"])
        await asyncio.sleep(0.5)
        assert await hall.is_hidden("#site-notice")
        assert await hall.inner_text("#site-floor-name") == HALL
        assert await hall.inner_text("#site-shown-name") == HOST
        own = ["site-shown", "site-status", "site-corner", "site-floor", "site-hand-block"]
        for size in SIZES:
            geometry = await measure(hall, size, own)
            assert_on_screen(geometry, own, "this hall has the floor")
            assert_picture_fills(geometry, "own floor")
            await screenshot(hall, f"site-layout-floor-{size['width']}x{size['height']}.png")
        await measure(hall, FULL_HD, own)
        await asyncio.sleep(1.0)
        await screenshot(hall, "site-layout-floor.png", docs="site-floor.png")
        assert problems == []
    finally:
        await operator.close()
        await context.close()


async def test_kiosk_mode_shows_the_picture_caption_and_banners_and_no_controls(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """`#token=…&kiosk=1`: caption and banners over the picture; no hand, no language
    buttons, no cursor; kiosk mode survives the token leaving the address bar."""
    token = bridge.login()
    context = await chromium.new_context(viewport=FULL_HD, permissions=["microphone"])
    host = SiteClient(bridge.links[HOST], record_seconds=5)
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await host.join()
        await host.start_media(SilenceTrack(), video=camera("blue"))
        page, problems = await open_site(context, bridge.links[HALL] + "&kiosk=1", "kiosk")
        assert page.url.endswith("?kiosk=1"), page.url
        assert await page.evaluate("() => bridgeSite.kiosk") is True
        await sees(page, int(host.site["id"]))
        await operator.connect()
        await operator.mute(int(await page.evaluate("() => bridgeSite.site.id")))
        await page.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
        for hidden in ("#site-hand-block", "#site-corner", "#site-status", ".lang-switch"):
            assert await page.is_hidden(hidden), hidden
        assert await page.evaluate("() => getComputedStyle(document.body).cursor") == "none"
        shown = ["site-shown", "site-muted"]
        for size in SIZES:
            geometry = await measure(page, size, shown)
            assert_on_screen(geometry, shown, "kiosk")
            assert_picture_fills(geometry, "kiosk")
        await screenshot(page, "site-layout-kiosk.png")
        await page.reload()
        await page.wait_for_function(
            "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
        )
        assert await page.evaluate("() => bridgeSite.kiosk") is True
        await page.locator("#site-shown").wait_for(state="visible", timeout=WAIT_MS)

        # The session ends: a full-screen message, no video box, even in kiosk mode.
        await operator.end_session()
        await page.wait_for_function("() => bridgeSite.state === 'ended'", timeout=WAIT_MS)
        for hidden in ("#site-video", "#site-shown", "#site-muted", "#site-hand-block"):
            assert await page.is_hidden(hidden), hidden
        for size in SIZES:
            geometry = await measure(page, size, ["site-status"])
            assert_on_screen(geometry, ["site-status"], "session ended")
        assert await page.inner_text("#site-status-text") == VI["site.status.ended"]
        assert problems == []
    finally:
        await operator.close()
        await host.close()
        await context.close()


async def test_the_chairing_hall_never_starts_on_a_black_box(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """The host is shown at first and sees itself shown: it sees another connected hall —
    its picture, or while that has none (no camera here), a card with its name. A picture
    that stops (the bridge switched to a hall without a camera) gives way to the same card,
    not a frozen frame under another hall's name."""
    token = bridge.login()
    context = await chromium.new_context(viewport=FULL_HD, permissions=["microphone"])
    other = SiteClient(bridge.links[OTHER], record_seconds=5)
    third = SiteClient(bridge.links[THIRD], record_seconds=5)
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await other.join()
        await other.start_media(SilenceTrack())  # no camera
        page, problems = await open_site(context, bridge.links[HOST], "host")
        await page.locator("#site-placeholder").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.inner_text("#site-placeholder-name") == OTHER
        assert await page.inner_text("#site-shown-name") == OTHER
        assert await page.evaluate("() => bridgeSite.videoPlaying") is False
        background = await page.evaluate(
            "() => getComputedStyle(document.getElementById('site-video')).backgroundImage"
        )
        assert "gradient" in background  # a calm card, not a black box
        cards = ["site-shown", "site-status", "site-corner", "site-placeholder", "site-hand-block"]
        for size in SIZES:
            geometry = await measure(page, size, cards)
            assert_on_screen(geometry, cards, "no picture yet")
        await measure(page, FULL_HD, cards)
        await screenshot(page, "site-layout-no-picture.png")

        # A hall with a camera is shown: its picture replaces the card.
        await third.join()
        await third.start_media(SilenceTrack(), video=camera("orange"))
        await operator.connect()
        await operator.show(int(third.site["id"]))
        await sees(page, int(third.site["id"]))
        assert await page.is_hidden("#site-placeholder")
        # The hall without a camera is shown: the last frame does not stay up under its name.
        await operator.show(int(other.site["id"]))
        await page.wait_for_function(
            f"() => bridgeSite.seenId === {int(other.site['id'])} && !bridgeSite.videoPlaying",
            timeout=10_000,
        )
        await page.locator("#site-placeholder").wait_for(state="visible", timeout=WAIT_MS)
        assert await page.inner_text("#site-placeholder-name") == OTHER
        assert problems == []
    finally:
        await operator.close()
        for client in (other, third):
            await client.close()
        await context.close()


async def test_a_page_that_stopped_shows_a_full_screen_message_without_a_video_box(
    bridge: RunningBridge, chromium: Browser
) -> None:
    link = bridge.links[HALL]
    base, _, _ = link.partition("#token=")
    context = await chromium.new_context(viewport=FULL_HD)
    page = await context.new_page()
    problems = watch(page, "site")
    try:
        await page.goto(f"{base}#token={'x' * 43}")
        await page.wait_for_function(
            "() => window.bridgeSite && bridgeSite.state === 'invalid_link'", timeout=WAIT_MS
        )
        assert await page.is_hidden("#site-video")
        for hidden in ("#site-shown", "#site-hand-block", "#site-muted", "#site-floor"):
            assert await page.is_hidden(hidden), hidden
        assert await page.inner_text("#site-status-text") == VI["error.invalid_token"]
        for size in SIZES:
            geometry = await measure(page, size, ["site-status"])
            assert_on_screen(geometry, ["site-status"], "invalid link")
            box = geometry["boxes"]["site-status"]
            middle = (box["left"] + box["right"]) / 2
            assert abs(middle - size["width"] / 2) < 2, "the message is centred"
        await screenshot(page, "site-layout-invalid-link.png")
        assert [p for p in problems if "pageerror" in p] == []
    finally:
        with contextlib.suppress(Exception):
            await context.close()
