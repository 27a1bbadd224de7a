"""The session controls in real Chromium against a real `bridge serve`, loopback only:
two hall pages and an operator console. A hall asks to speak, the console gives it the
floor, mutes everyone but the host and unmutes them, removes a hall and ends the session;
the keyboard shortcuts do the same; 60 sites fit a 1366×768 console.

What is asserted is what the pages show (their DOM and state) and, for the store, what the
API says. Screenshots go to test-artifacts/ (and docs/screenshots/ with
BRIDGE_UPDATE_SCREENSHOTS=1). Run inside a namespace with only loopback (conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize

from endpoints.session import SiteClient
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import open_board, watch
from tests.web.test_browser import ARTIFACTS, raw_link, screenshot

pytestmark = pytest.mark.browser

HOST = "Hội trường Trung ương"
HALL = "Điểm cầu tỉnh Lào Cai"  # Chromium page A
OTHER = "Điểm cầu tỉnh Quảng Trị"  # Chromium page B
THIRD = "Điểm cầu tỉnh Cà Mau"
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
WAIT_MS = 30_000
VI = json.loads((ROOT / "endpoints" / "web" / "i18n" / "vi.json").read_text(encoding="utf-8"))


def row(page: Page, site_id: int, extra: str = "") -> str:
    return f'#roster-body > tr[data-site-id="{site_id}"]{extra}'


async def open_site(browser: Browser, link: str, name: str) -> tuple[Page, list[str]]:
    context = await browser.new_context(viewport=VIEWPORT, permissions=["microphone", "camera"])
    page = await context.new_page()
    problems = watch(page, name)
    await page.goto(raw_link(link))
    await page.wait_for_function(
        "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
    )
    return page, problems


async def site_id_of(page: Page) -> int:
    return int(await page.evaluate("() => bridgeSite.site.id"))


async def test_hand_floor_mute_all_remove_and_end_from_the_console_reach_the_hall_pages(
    bridge: RunningBridge, chromium: Browser
) -> None:
    pages: dict[str, Page] = {}
    try:
        (a, a_problems), (b, b_problems) = await asyncio.gather(
            open_site(chromium, bridge.links[HALL], "hall A"),
            open_site(chromium, bridge.links[OTHER], "hall B"),
        )
        pages.update({"site-a": a, "site-b": b})
        a_id, b_id = await site_id_of(a), await site_id_of(b)
        console = await (await chromium.new_context(viewport=VIEWPORT)).new_page()
        pages["console"] = console
        console_problems = watch(console, "console")
        await open_board(console, bridge)
        await console.locator(row(console, a_id, '[data-state="connected"]')).wait_for(
            timeout=WAIT_MS
        )

        # Hall A asks to speak: a big button; its page and the console both show it.
        assert await a.is_visible("#site-hand")
        assert (await a.inner_text("#site-hand")) == VI["site.hand.raise"]
        await a.click("#site-hand")
        await a.locator('#site-hand[data-raised="true"]').wait_for(timeout=WAIT_MS)
        assert (await a.inner_text("#site-hand")) == VI["site.hand.lower"]
        assert "1" in await a.inner_text("#site-hand-status")
        await console.locator(row(console, a_id, '[data-hand="true"]')).wait_for(timeout=WAIT_MS)
        await console.locator(f'#hand-list > li[data-site-id="{a_id}"]').wait_for(timeout=WAIT_MS)
        assert await console.get_attribute("#hands-panel", "data-count") == "1"
        # Hall B asks after it: second in the queue, in that order on the console.
        await b.click("#site-hand")
        await console.locator(f'#hand-list > li[data-site-id="{b_id}"]').wait_for(timeout=WAIT_MS)
        queue = await console.eval_on_selector_all(
            "#hand-list > li", "items => items.map((li) => Number(li.dataset.siteId))"
        )
        assert queue == [a_id, b_id]

        # The console gives A the floor from the queue: A is unmuted, shown, hand lowered,
        # and both pages name it as the floor holder (B also as the shown site).
        await console.click(f'#hand-list button[data-action="give_floor"][data-site-id="{a_id}"]')
        for page in (a, b):
            await page.wait_for_function(f"() => bridgeSite.floor === {a_id}", timeout=WAIT_MS)
            await page.locator("#site-floor").wait_for(state="visible", timeout=WAIT_MS)
            assert (await page.inner_text("#site-floor-name")) == HALL
        await b.wait_for_function(
            f"() => bridgeSite.shown && bridgeSite.shown.site_id === {a_id}", timeout=WAIT_MS
        )
        assert (await b.inner_text("#site-shown-name")) == HALL
        assert (await a.inner_text("#site-shown-name")) == HOST  # the shown hall sees the host
        assert await a.is_visible("#site-floor-own")
        await a.locator('#site-hand[data-raised="false"]').wait_for(timeout=WAIT_MS)
        assert await a.is_disabled("#site-hand")  # nothing to ask for while it has the floor
        await console.locator(
            row(console, a_id, '[data-floor="true"][data-hand="false"]')
        ).wait_for(timeout=WAIT_MS)
        assert (await console.inner_text("#board-floor")) == HALL
        assert (await console.inner_text("#board-shown")) == HALL
        await b.locator('#site-hand[data-raised="true"]').wait_for(timeout=WAIT_MS)
        await asyncio.sleep(1.5)  # a quality reading or two for the screenshot
        await screenshot(console, "console-controls.png")
        await screenshot(b, "site-hand-floor.png")  # docs/screenshots/site.png: test_site_layout.py

        # Mute all except the host: both halls see their banner; the floor ends.
        await console.click("#board-mute-all")
        for page in (a, b):
            await page.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
            await page.locator("#site-floor").wait_for(state="hidden", timeout=WAIT_MS)
        host_row = console.locator('#roster-body > tr[data-host="true"]')
        assert await host_row.get_attribute("data-muted") == "false"
        await console.locator(row(console, b_id, '[data-muted="true"]')).wait_for(timeout=WAIT_MS)
        log = await console.locator("#event-log > li").all_inner_texts()
        assert sum("Đã tắt tiếng 3 điểm cầu" in entry for entry in log) == 1, log
        # Unmute all: the banners go.
        await console.click("#board-unmute-all")
        for page in (a, b):
            await page.locator("#site-muted").wait_for(state="hidden", timeout=WAIT_MS)

        # Remove hall B (selected row → "remove" → confirm): its page says so and stays.
        await console.click(row(console, b_id, " .col-index"))
        assert await console.get_attribute(row(console, b_id), "data-selected") == "true"
        await console.click('#selected-bar button[data-selected-action="remove"]')
        await console.locator("#confirm-dialog[open]").wait_for(timeout=WAIT_MS)
        assert OTHER in await console.inner_text("#confirm-dialog")
        await console.click("#confirm-ok")
        await b.wait_for_function("() => bridgeSite.state === 'removed'", timeout=WAIT_MS)
        assert (await b.inner_text("#site-status-text")) == VI["site.status.removed"]
        assert (await b.inner_text("#site-status-detail")) == VI["site.detail.removed"]
        assert await b.evaluate("() => bridgeSite.lastError") == "removed"
        await console.locator(
            row(console, b_id, '[data-removed="true"][data-state="offline"]')
        ).wait_for(timeout=WAIT_MS)
        joins = await b.evaluate("() => bridgeSite.joins")
        await asyncio.sleep(3)  # longer than the first reconnect delay
        assert await b.evaluate("() => [bridgeSite.state, bridgeSite.joins]") == ["removed", joins]
        await screenshot(b, "site-removed.png")

        # End the session: confirm, then every page says it has ended; the store agrees.
        await console.click("#board-end")
        await console.locator("#confirm-dialog[open]").wait_for(timeout=WAIT_MS)
        await console.click("#confirm-ok")
        await a.wait_for_function("() => bridgeSite.state === 'ended'", timeout=WAIT_MS)
        assert (await a.inner_text("#site-status-text")) == VI["site.status.ended"]
        await console.wait_for_function("() => bridgeConsole.state === 'ended'", timeout=WAIT_MS)
        await screenshot(a, "site-ended.png")
        async with httpx.AsyncClient(base_url=bridge.url) as http:
            headers = {"Authorization": f"Bearer {bridge.login()}"}
            session = (await http.get("/api/sessions/1", headers=headers)).json()["session"]
        assert session["state"] == "closed"
        errors = [p for p in a_problems + b_problems + console_problems if "pageerror" in p]
        assert errors == []
    except BaseException:
        for name, page in pages.items():
            with contextlib.suppress(Exception):
                await screenshot(page, f"failed-controls-{name}.png")
        raise


SHORTCUT_JS = """() => ({
  selected: bridgeConsole.selected,
  floor: bridgeConsole.floor,
  shown: bridgeConsole.shown && bridgeConsole.shown.site_id,
  mode: bridgeConsole.shown && bridgeConsole.shown.mode,
  muted: Object.fromEntries(bridgeConsole.sites.map((s) => [s.id, s.muted])),
})"""


async def test_console_keyboard_shortcuts_act_on_the_selected_row_and_never_while_typing(
    bridge: RunningBridge, chromium: Browser
) -> None:
    clients = [SiteClient(bridge.links[name]) for name in (HALL, OTHER)]
    try:
        for client in clients:
            await client.join()
        await asyncio.gather(*(c.start_media() for c in clients))
        console = await (await chromium.new_context(viewport=VIEWPORT)).new_page()
        problems = watch(console, "console")
        await open_board(console, bridge)
        ids = [int(c.site["id"]) for c in clients if c.site]
        for site_id in ids:
            await console.locator(row(console, site_id, '[data-state="connected"]')).wait_for(
                timeout=WAIT_MS
            )
        roster = await console.evaluate("() => bridgeConsole.sites.map((s) => s.id)")

        async def state() -> dict:
            return await console.evaluate(SHORTCUT_JS)

        async def until(js: str) -> None:
            await console.wait_for_function(f"() => {js}", timeout=WAIT_MS)

        await console.keyboard.press("j")
        assert (await state())["selected"] == roster[0]
        await console.keyboard.press("j")
        await console.keyboard.press("ArrowDown")
        await console.keyboard.press("k")
        assert (await state())["selected"] == roster[1] == ids[0]
        await console.keyboard.press("m")
        await until(f"bridgeConsole.sites.find((s) => s.id === {ids[0]}).muted")
        await console.keyboard.press("M")  # either case
        await until(f"!bridgeConsole.sites.find((s) => s.id === {ids[0]}).muted")
        await console.keyboard.press("f")
        await until(f"bridgeConsole.floor === {ids[0]}")
        assert (await state())["shown"] == ids[0]
        await console.keyboard.press("j")
        await console.keyboard.press("s")
        await until(f"bridgeConsole.shown.site_id === {ids[1]}")
        await console.keyboard.press("a")
        await until("bridgeConsole.sites.filter((s) => !s.host).every((s) => s.muted)")
        assert (await state())["floor"] is None  # muting the floor holder ended its floor
        await console.keyboard.press("u")
        await until("bridgeConsole.sites.every((s) => !s.muted)")
        await console.keyboard.press("v")
        await until("bridgeConsole.shown.mode === 'voice'")
        assert await console.is_checked("#board-voice")
        await console.keyboard.press("v")
        await until("bridgeConsole.shown.mode === 'manual'")
        # A hand raised by a hall: N gives the floor to the first in line.
        await clients[1].raise_hand()
        await console.locator(row(console, ids[1], '[data-hand="true"]')).wait_for(timeout=WAIT_MS)
        await console.keyboard.press("n")
        await until(f"bridgeConsole.floor === {ids[1]}")

        # ? opens the help, listing every shortcut in the catalogue's words; Esc closes it.
        await console.keyboard.press("?")
        await console.locator("#help-dialog[open]").wait_for(timeout=WAIT_MS)
        help_text = await console.inner_text("#help-dialog")
        for key in ("console.keys.mute", "console.keys.floor", "console.keys.mute_all"):
            assert VI[key] in help_text
        await screenshot(console, "console-help.png")
        await console.keyboard.press("m")  # the dialog has the keyboard: nothing happens
        await console.keyboard.press("Escape")
        await console.locator("#help-dialog").wait_for(state="hidden", timeout=WAIT_MS)
        assert not (await state())["muted"][str(ids[1])]

        # Typing in a field never triggers a shortcut.
        await console.evaluate(
            """() => {
              const input = document.createElement("input");
              input.id = "typing-test";
              input.type = "text";
              document.querySelector(".board-meta").append(input);
            }"""
        )
        before = await state()
        await console.fill("#typing-test", "")
        await console.type("#typing-test", "amuvfsjk")
        await asyncio.sleep(1.0)
        assert await state() == before
        assert await console.input_value("#typing-test") == "amuvfsjk"
        assert [p for p in problems if "pageerror" in p] == []
    finally:
        for client in clients:
            await client.close()


COMMUNES = [
    "Xã Tả Van",
    "Xã Bản Hồ",
    "Phường Đông Hà",
    "Xã Đất Mũi",
    "Xã Hướng Hóa",
    "Xã Sín Chéng",
    "Phường Cam Đường",
    "Xã Năm Căn",
    "Xã Vĩnh Linh",
    "Xã Bát Xát",
]


async def test_sixty_sites_fit_a_1366x768_console_without_scrolling(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=bridge.url, headers=headers, timeout=30) as http:
        sites = (await http.get("/api/sites")).json()["sites"]
        host = next(s for s in sites if s["name"] == HOST)
        roster = [s["id"] for s in sites]
        for i in range(60 - len(roster)):
            name = f"{COMMUNES[i % len(COMMUNES)]} – điểm cầu số {i + 1:02d}"
            reply = await http.post(
                "/api/sites", json={"name": name, "level": "commune", "parent_id": host["id"]}
            )
            reply.raise_for_status()
            roster.append(reply.json()["site"]["id"])
        reply = await http.post(
            "/api/sessions",
            json={
                "title": "Giao ban trực tuyến toàn tỉnh (60 điểm cầu)",
                "host_site_id": host["id"],
                "roster": roster,
                "state": "open",
            },
        )
        reply.raise_for_status()
        session_id = reply.json()["session"]["id"]
    assert len(roster) == 60

    page = await (await chromium.new_context(viewport=VIEWPORT)).new_page()
    problems = watch(page, "console")
    await page.goto(f"{bridge.url}/console")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.click(f'#session-list button.session-open[data-session-id="{session_id}"]')
    await page.wait_for_function(
        "() => window.bridgeConsole && bridgeConsole.state === 'ready' "
        "&& bridgeConsole.sites.length === 60",
        timeout=WAIT_MS,
    )
    await page.keyboard.press("j")  # a selected row, as an operator would have
    await asyncio.sleep(0.5)
    assert await page.get_attribute("#roster-table", "data-density") == "dense"
    layout = await page.evaluate(
        """() => {
          const vw = window.innerWidth, vh = window.innerHeight;
          const wrap = document.querySelector(".roster-wrap").getBoundingClientRect();
          const rows = [...document.querySelectorAll("#roster-body > tr")];
          const inside = (r) =>
            r.top >= Math.max(0, wrap.top) - 0.5 && r.bottom <= Math.min(vh, wrap.bottom) + 0.5 &&
            r.left >= Math.max(0, wrap.left) - 0.5 && r.right <= Math.min(vw, wrap.right) + 0.5;
          const visible = rows.filter((tr) => inside(tr.getBoundingClientRect()));
          // Every row's actions are inside the row (not cut off) and clickable.
          const clipped = rows.filter((tr) => {
            const r = tr.getBoundingClientRect();
            const shown = [...tr.querySelectorAll(".col-actions button")].filter(
              (b) => getComputedStyle(b).display !== "none",
            );
            return shown.length < 3 || shown.some((b) => {
              const br = b.getBoundingClientRect();
              return br.width === 0 || br.right > r.right + 0.5 || br.left < r.left - 0.5;
            });
          });
          // Every name whole: nothing cut, no ellipsis (names.js drops only "Điểm cầu"
          // and the unit, shown as the level tag).
          const cut = rows.filter((tr) => {
            const cell = tr.querySelector(".col-name");
            return cell.scrollWidth > cell.clientWidth + 1 ||
              getComputedStyle(cell).textOverflow === "ellipsis";
          });
          const doc = document.scrollingElement;
          const rosterWrap = document.querySelector(".roster-wrap");
          return {
            cut: cut.map((tr) => tr.dataset.siteId),
            rows: rows.length,
            visible: visible.length,
            clipped: clipped.length,
            rowHeight: rows[0].getBoundingClientRect().height,
            pageOverflowX: doc.scrollWidth - doc.clientWidth,
            pageOverflowY: doc.scrollHeight - doc.clientHeight,
            rosterOverflowX: rosterWrap.scrollWidth - rosterWrap.clientWidth,
            toolbar: [...document.querySelectorAll(
              "#board-mute-all, #board-unmute-all, #board-end, #board-help",
            )].every((b) => {
              const r = b.getBoundingClientRect();
              return r.width > 0 && r.bottom <= vh && r.right <= vw;
            }),
          };
        }"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-60-sites.png"))
    assert layout["rows"] == 60, layout
    assert layout["visible"] == 60, f"only {layout['visible']} of 60 rows fully visible: {layout}"
    assert layout["clipped"] == 0, layout
    assert layout["cut"] == [], layout
    assert layout["pageOverflowX"] <= 0 and layout["rosterOverflowX"] <= 0, layout
    assert layout["pageOverflowY"] <= 0, layout
    assert layout["toolbar"], layout
    # Nothing went wrong on the way (e.g. a preview offer too large for 60 sites).
    assert await page.locator('#event-log > li[data-kind="error"]').all_inner_texts() == []
    # The compact row still reaches its actions: mute from row 40.
    site_40 = roster[39]
    await page.click(f'button[data-action="mute"][data-site-id="{site_40}"]')
    await page.locator(row(page, site_40, '[data-muted="true"]')).wait_for(timeout=WAIT_MS)
    assert [p for p in problems if "pageerror" in p] == []
