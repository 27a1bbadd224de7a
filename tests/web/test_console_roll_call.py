"""The console's roll call at 100 halls, in real Chromium at 1366×768, against a real
`bridge serve`: every hall is listed with its whole name, the panel fits the screen and
its last row can be reached and marked; a mark the API refuses (absent without a reason)
says why on its row; the marks saved are the ones the API then lists; an observer reads
the panel but cannot mark."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.conftest import RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import screenshot

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
HALLS = 100


def hall_name(i: int) -> str:
    return f"Điểm cầu xã Hướng Lập số {i}, huyện Hướng Hóa, tỉnh Quảng Trị"


async def make_session(bridge: RunningBridge, admin: str) -> tuple[int, list[int], int]:
    """A session of 100 halls (the demo's host and 99 communes) with an observer on it."""
    async with httpx.AsyncClient(
        base_url=bridge.url, headers={"authorization": f"Bearer {admin}"}, timeout=10
    ) as http:
        sites = (await http.get("/api/sites")).json()["sites"]
        host = sites[0]["id"]
        parent = next(s["id"] for s in sites if s["level"] == "province")
        roster = [host]
        for i in range(1, HALLS):
            made = await http.post(
                "/api/sites", json={"name": hall_name(i), "level": "commune", "parent_id": parent}
            )
            assert made.status_code == 201, made.text
            roster.append(made.json()["site"]["id"])
        session = await http.post(
            "/api/sessions",
            json={
                "title": "Giao ban 100 điểm cầu",
                "host_site_id": host,
                "roster": roster,
                "state": "open",
            },
        )
        sid = session.json()["session"]["id"]
        observer = await http.post(
            "/api/accounts",
            json={"username": "quan.sat", "password": "mật khẩu quan sát", "role": "observer"},
        )
        await http.post(
            f"/api/sessions/{sid}/staff",
            json={"account_id": observer.json()["account"]["id"], "duty": "observer"},
        )
        return sid, roster, host


async def open_roll_call(page: Page, bridge: RunningBridge, sid: int, user: str, password: str):
    await page.goto(f"{bridge.url}/console")
    await page.fill("#login-username", user)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await page.click(f'#session-list button.session-open[data-session-id="{sid}"]', timeout=WAIT_MS)
    await page.wait_for_function("() => bridgeConsole.state === 'ready'", timeout=WAIT_MS)
    await page.click("#board-roll-call")
    await page.wait_for_function(
        f"() => document.querySelectorAll('#roll-call-body > tr').length === {HALLS}"
        " && document.getElementById('roll-call-summary').textContent !== ''",
        timeout=WAIT_MS,
    )


async def result_of(page: Page, site_id: int, want: str) -> str:
    cell = f'#roll-call-body > tr[data-site-id="{site_id}"] .rc-result'
    await page.wait_for_function(
        f"() => document.querySelector('{cell}').dataset.result === '{want}'", timeout=WAIT_MS
    )
    return str(await page.text_content(cell))


async def test_the_roll_call_of_100_halls(bridge: RunningBridge, chromium: Browser) -> None:
    admin = bridge.login()
    sid, roster, host = await make_session(bridge, admin)
    page = await (await chromium.new_context(viewport={"width": 1366, "height": 768})).new_page()
    problems = watch(page, "console")
    await open_roll_call(page, bridge, sid, "admin", str(bridge.password))

    # Fits the screen; every name whole (nothing cut: its box holds its text).
    box = await page.locator("#roll-call-dialog").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366
    names = await page.evaluate(
        """() => [...document.querySelectorAll('#roll-call-body .rc-name')].map((el) => ({
            text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1,
            over: el.getBoundingClientRect().right > window.innerWidth }))"""
    )
    assert [n["text"] for n in names][1:] == [hall_name(i) for i in range(1, HALLS)]
    assert not [n for n in names if n["cut"] or n["over"]]
    assert "0/100" in str(await page.text_content("#roll-call-summary"))

    # The last hall: absent without a reason is refused on its row, then saved with one.
    last = roster[-1]
    row = f'#roll-call-body > tr[data-site-id="{last}"]'
    await page.locator(row).scroll_into_view_if_needed()
    await page.select_option(f"{row} select.rc-mark", "absent")
    await page.click(f"{row} button.rc-save")
    said = await result_of(page, last, "error")
    assert said.strip(), "the refusal is said on the row"
    await page.fill(f"{row} input.rc-reason", "Mất điện lưới")
    await page.click(f"{row} button.rc-save")
    await result_of(page, last, "saved")
    # Another in person at the host's hall; a third present.
    second, third = roster[1], roster[2]
    row2 = f'#roll-call-body > tr[data-site-id="{second}"]'
    await page.locator(row2).scroll_into_view_if_needed()
    await page.select_option(f"{row2} select.rc-mark", "elsewhere")
    await page.select_option(f"{row2} select.rc-at", str(host))
    await page.click(f"{row2} button.rc-save")
    await result_of(page, second, "saved")
    row3 = f'#roll-call-body > tr[data-site-id="{third}"]'
    await page.select_option(f"{row3} select.rc-mark", "present")
    await page.click(f"{row3} button.rc-save")
    await result_of(page, third, "saved")
    summary = str(await page.text_content("#roll-call-summary"))
    assert "3/100" in summary and "2" in summary.split("·")[1]  # absent is not present
    await screenshot(page, "console-roll-call.png")

    async with httpx.AsyncClient(
        base_url=bridge.url, headers={"authorization": f"Bearer {admin}"}, timeout=10
    ) as http:
        marks = (await http.get(f"/api/sessions/{sid}/roll-call")).json()["roll_calls"]
    assert [(m["site_id"], m["mark"], m["reason"], m["at_site_id"]) for m in marks] == [
        (second, "elsewhere", "", host),
        (third, "present", "", None),
        (last, "absent", "Mất điện lưới", None),
    ]
    await page.click("#roll-call-refresh")
    await page.wait_for_function(
        "() => document.getElementById('roll-call-summary').textContent.includes('3/100')",
        timeout=WAIT_MS,
    )
    assert await page.input_value(f"{row} input.rc-reason") == "Mất điện lưới"
    # In English, opened again: the same marks in the other language.
    await page.click('#roll-call-dialog button[type="submit"]')
    await page.click('[data-lang="en"]')
    await page.click("#board-roll-call")
    await page.wait_for_function(
        "() => document.getElementById('roll-call-summary').textContent.includes('halls marked')",
        timeout=WAIT_MS,
    )
    chosen = await page.evaluate(
        f"() => document.querySelector('{row} select.rc-mark').selectedOptions[0].textContent"
    )
    assert chosen == "Absent"
    assert await page.text_content("#roll-call-title") == "Roll call of the halls"
    # The refusal asked for: the browser logs the 422 it was answered, nothing else.
    assert [p for p in problems if "status of 422" not in p] == [], problems

    # An observer reads the panel (the marks as they are) but cannot mark.
    observer = await (
        await chromium.new_context(viewport={"width": 1366, "height": 768})
    ).new_page()
    await open_roll_call(observer, bridge, sid, "quan.sat", "mật khẩu quan sát")
    await observer.wait_for_function(
        "() => document.getElementById('roll-call-summary').textContent.includes('3/100')",
        timeout=WAIT_MS,
    )
    assert await observer.input_value(f"{row2} select.rc-mark") == "elsewhere"
    assert await observer.is_disabled(f"{row2} select.rc-mark")
    assert await observer.get_attribute(f"{row2} button.rc-save", "data-permitted") == "false"

    # A mark made at one console reaches the roll call open at another, without a refresh.
    fourth = roster[3]
    row4 = f'#roll-call-body > tr[data-site-id="{fourth}"]'
    await page.select_option(f"{row4} select.rc-mark", "present")
    await page.click(f"{row4} button.rc-save")
    await result_of(page, fourth, "saved")
    await observer.wait_for_function(
        "() => document.getElementById('roll-call-summary').textContent.includes('4/100')",
        timeout=5_000,
    )
    assert await observer.input_value(f"{row4} select.rc-mark") == "present"
