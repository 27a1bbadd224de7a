"""The console shows what the logged-in account may do: `ready` lists its actions.

The bridge's own answer is tested against every role elsewhere; here the `ready` frame is
rewritten on its way to the page (Playwright's WebSocket routing), so one browser shows
both boards: an observer's (nothing listed but previews: read-only, every control
disabled and saying why) and an operator's that may mute only.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute

from endpoints.session import SiteClient
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import open_board, watch
from tests.web.test_browser import screenshot

pytestmark = pytest.mark.browser

HALL = "Điểm cầu tỉnh Lào Cai"
VI = json.loads((ROOT / "endpoints" / "web" / "i18n" / "vi.json").read_text(encoding="utf-8"))
WAIT_MS = 30_000


async def board_as(page: Page, bridge: RunningBridge, actions: list[str]) -> None:
    """Open the board with `ready.actions` replaced by `actions`."""

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"ready"' in message:
                frame = json.loads(message)
                if frame.get("type") == "ready":
                    frame["actions"] = actions
                    message = json.dumps(frame)
            ws.send(message)

        server.on_message(to_page)

    await page.route_web_socket("**/ws", route)
    await open_board(page, bridge)


async def test_an_observer_sees_the_board_read_only(
    bridge: RunningBridge, chromium: Browser
) -> None:
    hall = SiteClient(bridge.links[HALL])
    try:
        await hall.join()
        await hall.start_media()
        site_id = int(hall.site["id"]) if hall.site else 0
        page = await (
            await chromium.new_context(viewport={"width": 1366, "height": 768})
        ).new_page()
        problems = watch(page, "console")
        await board_as(page, bridge, ["console.previews"])
        row = f'#roster-body > tr[data-site-id="{site_id}"][data-state="connected"]'
        await page.locator(row).wait_for(timeout=WAIT_MS)
        assert await page.evaluate("() => bridgeConsole.actions") == ["console.previews"]

        controls = [
            f'{row} button[data-action="mute"]',
            f'{row} button[data-action="give_floor"]',
            f'{row} button[data-action="show"]',
            "#board-mute-all",
            "#board-unmute-all",
            "#board-end",
            "#board-voice",
        ]
        for control in controls:
            assert await page.is_disabled(control), control
            assert await page.get_attribute(control, "data-permitted") == "false", control
        title = await page.get_attribute(f'{row} button[data-action="mute"]', "title")
        assert title and VI["console.role.not_permitted"] in title
        assert not await page.is_disabled("#board-density")  # the view is still its own

        await page.click(f"{row} .col-name")  # selecting is reading, not acting
        assert await page.evaluate("() => bridgeConsole.selected") == site_id
        for button in await page.locator("#selected-bar button").all():
            assert await button.is_disabled()
        await page.keyboard.press("m")
        await page.keyboard.press("a")
        await asyncio.sleep(0.5)
        assert not await page.evaluate(
            f"() => bridgeConsole.sites.find((s) => s.id === {site_id}).muted"
        )
        await screenshot(page, "console-observer.png")

        # An account that may mute, and nothing else: mute is enabled, unmute is not.
        page2 = await page.context.new_page()
        await board_as(page2, bridge, ["site.mute"])
        await page2.locator(row).wait_for(timeout=WAIT_MS)
        toggle = f'{row} button[data-action="mute"]'
        assert not await page2.is_disabled(toggle)
        await page2.click(toggle)
        unmute = f'{row} button[data-action="unmute"]'
        await page2.locator(unmute).wait_for(timeout=WAIT_MS)
        assert await page2.is_disabled(unmute)
        assert await page2.get_attribute(unmute, "data-permitted") == "false"
        assert [p for p in problems if "pageerror" in p] == []
    finally:
        await hall.close()


async def test_a_real_observer_account_gets_a_read_only_board_from_the_bridge(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """No rewriting: an observer account assigned to the session logs in; the bridge's own
    `ready` lists only reads, and the board's controls are disabled and say why."""
    import httpx

    admin = {"authorization": f"Bearer {bridge.login()}"}
    async with httpx.AsyncClient(base_url=bridge.url, headers=admin) as http:
        made = await http.post(
            "/api/accounts",
            json={"username": "quan.sat", "password": "mật khẩu quan sát", "role": "observer"},
        )
        assert made.status_code == 201, made.text
        staffed = await http.post(
            "/api/sessions/1/staff",
            json={"account_id": made.json()["account"]["id"], "duty": "observer"},
        )
        assert staffed.status_code == 200, staffed.text
    hall = SiteClient(bridge.links[HALL])
    try:
        await hall.join()
        site_id = int(hall.site["id"]) if hall.site else 0
        page = await (
            await chromium.new_context(viewport={"width": 1366, "height": 768})
        ).new_page()
        problems = watch(page, "console")
        await open_board(page, bridge, username="quan.sat", password="mật khẩu quan sát")
        actions = await page.evaluate("() => bridgeConsole.actions")
        assert "console.join" in actions and "site.mute" not in actions
        row = f'#roster-body > tr[data-site-id="{site_id}"]'
        await page.locator(row).wait_for(timeout=WAIT_MS)
        for control in (f'{row} button[data-action="mute"]', "#board-mute-all", "#board-end"):
            assert await page.is_disabled(control), control
        assert not problems, problems
    finally:
        await hall.close()
