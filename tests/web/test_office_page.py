"""The office page in real Chromium at 1366×768 and 1920×1080, against a real `bridge
serve` with 100 halls: the login, the sites, the sessions and the invitations are the
bridge's own; the bookings API (`/api/calendar`, `/api/bookings…`, `/api/notifications`)
is answered in the test with the JSON shapes docs/api.md gives it (``BookingsApi``), so
the page is tested whatever the state of the bookings backend.

Asserted from the page: every hall's and session's name whole (no ellipsis, nothing cut,
nothing outside its box, rows never overlapping) in the week and the month calendar, the
occupancy table and the roster picker; the booking form's feedback names the earliest
day the lead time allows and the session a hall is already booked into, after a debounced
check; the queue's buttons send what they say (approve, reject with its reason, the
refusal shown); a session's hall invitation opens in the print view.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, ViewportSize

from tests.conftest import RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import screenshot
from tests.web.test_console_hundred import hall_names

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
SMALL: ViewportSize = {"width": 1366, "height": 768}
LARGE: ViewportSize = {"width": 1920, "height": 1080}
LONG_TITLE = (
    "Hội nghị trực tuyến toàn quốc triển khai nhiệm vụ phát triển kinh tế - xã hội, "
    "bảo đảm quốc phòng, an ninh năm 2027"
)
OTHER_TITLE = "Hội nghị tổng kết công tác năm 2026 của Ủy ban nhân dân tỉnh"
LONGEST_HALL = "Điểm cầu Sở Giáo dục và Đào tạo tỉnh Quảng Trị"


def iso(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+07:00"


class BookingsApi:
    """The bookings routes as docs/api.md says they answer, over a few fixed items placed
    on whatever range the page asks for."""

    def __init__(self, site_ids: list[int], longest: int) -> None:
        self.sites = site_ids
        self.longest = longest
        self.calls: list[tuple[str, str, Any]] = []
        self.bookings: list[dict[str, Any]] = []

    def booking(self, booking_id: int, day: date, title: str, roster: list[int]) -> dict[str, Any]:
        return {
            "id": booking_id,
            "title": title,
            "agenda": "",
            "notes": "",
            "host_site_id": roster[0],
            "roster": roster,
            "starts_at": iso(day, 8),
            "ends_at": iso(day, 11, 30),
            "test_from": None,
            "test_until": None,
            "state": "requested",
            "organiser": {"id": 5, "username": "so.noi.vu"},
            "reason": None,
            "proposed": None,
            "lead_time": {
                "ok": booking_id != 11,
                "earliest_day": day.isoformat(),
                "days": 3,
                "override_reason": None,
            },
            "conflicts": [
                {
                    "kind": "session",
                    "id": 1,
                    "title": OTHER_TITLE,
                    "sites": [{"id": self.longest, "name": LONGEST_HALL}],
                    "from": iso(day, 7),
                    "until": iso(day, 9),
                    "through_test_window": False,
                }
            ]
            if booking_id == 12
            else [],
            "session_id": None,
            "series_id": None,
            "history": [],
        }

    def items(self, first: date) -> list[dict[str, Any]]:
        tuesday = first + timedelta(days=1)
        wednesday = first + timedelta(days=2)
        every = self.sites
        return [
            {
                "kind": "session",
                "id": 1,
                "title": OTHER_TITLE,
                "state": "scheduled",
                "starts_at": iso(tuesday, 7),
                "ends_at": iso(tuesday, 9),
                "test_from": None,
                "test_until": None,
                "site_ids": every,
            },
            {
                "kind": "booking",
                "id": 12,
                "title": LONG_TITLE,
                "state": "requested",
                "starts_at": iso(tuesday, 8),
                "ends_at": iso(tuesday, 11, 30),
                "test_from": None,
                "test_until": None,
                "site_ids": [every[0], self.longest],
            },
            {
                "kind": "booking",
                "id": 11,
                "title": "Giao ban công tác cải cách hành chính",
                "state": "requested",
                "starts_at": iso(wednesday, 14),
                "ends_at": iso(wednesday, 16),
                "test_from": None,
                "test_until": None,
                "site_ids": every[:40],
            },
        ]

    async def handle(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append((request.method, url.path, body))
        path = url.path
        if path == "/api/calendar":
            query = parse_qs(url.query)
            first = date.fromisoformat(query["from"][0])
            until = date.fromisoformat(query["until"][0])
            days = []
            day = first
            while day <= until:
                days.append(
                    {
                        "date": day.isoformat(),
                        "working": day.weekday() < 5,
                        "holiday": None,
                        "declared": None,
                    }
                )
                day += timedelta(days=1)
            days[3]["holiday"] = "Ngày nghỉ bù do văn phòng công bố"
            days[3]["working"] = False
            days[3]["declared"] = "off"
            await self.json(route, {"days": days, "items": self.items(first)})
        elif path == "/api/bookings" and request.method == "GET":
            await self.json(route, {"bookings": self.bookings})
        elif path == "/api/bookings/check":
            await self.json(
                route,
                {
                    "check": {
                        "lead_time": {
                            "ok": False,
                            "earliest_day": "2026-12-10",
                            "days": 3,
                            "short_by": 2,
                        },
                        "conflicts": [
                            {
                                "kind": "session",
                                "id": 1,
                                "title": OTHER_TITLE,
                                "sites": [{"id": self.longest, "name": LONGEST_HALL}],
                                "from": "2026-12-08T00:00:00+00:00",
                                "until": "2026-12-08T02:00:00+00:00",
                                "through_test_window": False,
                            }
                        ],
                        "working_day": True,
                        "holiday": None,
                    }
                },
            )
        elif path.startswith("/api/bookings/") and request.method == "POST":
            booking_id, action = int(path.split("/")[3]), path.split("/")[4]
            booking = next(b for b in self.bookings if b["id"] == booking_id)
            if action == "reject" and not (body or {}).get("reason"):
                await self.json(
                    route,
                    {
                        "error": {
                            "code": "invalid_input",
                            "message": "Trường «reason» bị thiếu.",
                            "field": "reason",
                            "problem": "missing",
                        }
                    },
                    422,
                )
                return
            booking["state"] = {"approve": "approved", "reject": "rejected"}.get(action, action)
            await self.json(route, {"booking": booking})
        elif path == "/api/notifications":
            await self.json(route, {"notifications": []})
        else:
            await route.continue_()

    @staticmethod
    async def json(route: Route, data: Any, status: int = 200) -> None:
        await route.fulfill(status=status, content_type="application/json", body=json.dumps(data))


GEOMETRY = """(selectors) => {
  const problems = [];
  const seen = new Map();
  for (const [selector, container] of selectors) {
    const els = [...document.querySelectorAll(selector)].filter((el) => el.offsetParent !== null);
    seen.set(selector, els.length);
    for (const el of els) {
      const style = getComputedStyle(el);
      const name = `${selector} «${el.textContent.slice(0, 40)}»`;
      if (style.textOverflow === "ellipsis") problems.push(`${name}: ellipsis`);
      if (el.scrollWidth > el.clientWidth + 1 && style.display !== "inline")
        problems.push(`${name}: cut (${el.scrollWidth} > ${el.clientWidth})`);
      if (el.scrollHeight > el.clientHeight + 1 && style.overflowY === "hidden")
        problems.push(`${name}: cut vertically`);
      const box = el.getBoundingClientRect();
      if (box.width === 0) problems.push(`${name}: no width`);
      const outer = container && el.closest(container);
      if (outer) {
        const o = outer.getBoundingClientRect();
        if (box.left < o.left - 0.5 || box.right > o.right + 0.5 || box.bottom > o.bottom + 0.5)
          problems.push(`${name}: outside ${container}`);
      }
    }
  }
  // Siblings never overlap: calendar entries in a day, occupancy rows, roster options,
  // a session panel's halls, notices and receipts.
  const lists = ["#cal-grid .cal-item-li", "#occupancy tbody tr", "#roster-options li",
    ".queue-card", "#detail-body .detail-hall", "#detail-body .detail-notice",
    "#detail-body .receipt"];
  for (const selector of lists) {
    const boxes = [...document.querySelectorAll(selector)].filter((el) => el.offsetParent !== null)
      .map((el) => [el.parentElement, el.getBoundingClientRect()]);
    for (let i = 1; i < boxes.length; i++) {
      const [parent, b] = boxes[i];
      const [prevParent, a] = boxes[i - 1];
      const across = b.left < a.right - 0.5 && a.left < b.right - 0.5;
      if (parent === prevParent && b.top < a.bottom - 0.5 && across)
        problems.push(`${selector} ${i} overlaps the one before`);
    }
  }
  return { problems, seen: Object.fromEntries(seen) };
}"""


async def check_geometry(page: Page, selectors: list[tuple[str, str | None]]) -> dict[str, int]:
    found = await page.evaluate(GEOMETRY, selectors)
    assert found["problems"] == [], found["problems"][:10]
    return dict(found["seen"])


def make_halls(bridge: RunningBridge, token: str) -> dict[str, int]:
    """The 100 halls of the console's test, made through the API (the demo's four stay)."""
    auth = {"authorization": f"Bearer {token}"}
    ids: dict[str, int] = {}
    with httpx.Client(base_url=bridge.url, headers=auth, timeout=10) as api:
        for site in api.get("/api/sites").json()["sites"]:
            ids[site["name"]] = site["id"]
        for name, level in hall_names(100):
            if name in ids:
                continue
            reply = api.post("/api/sites", json={"name": name, "level": level})
            assert reply.status_code == 201, reply.text
            ids[name] = reply.json()["site"]["id"]
        schedule = {
            "starts_at": "2026-12-10T08:00:00+07:00",
            "ends_at": "2026-12-10T11:00:00+07:00",
        }
        assert api.put("/api/sessions/1/schedule", json=schedule).status_code == 200
    return ids


@pytest.mark.parametrize("viewport", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
async def test_the_office_page_shows_every_name_whole_and_its_controls_act(
    bridge: RunningBridge, chromium: Browser, viewport: ViewportSize
) -> None:
    token = bridge.login()
    ids = make_halls(bridge, token)
    fake = BookingsApi(sorted(ids.values()), ids[LONGEST_HALL])
    today = date.today()
    fake.bookings = [
        fake.booking(12, today + timedelta(days=1), LONG_TITLE, [ids[LONGEST_HALL], 2, 3]),
        fake.booking(11, today + timedelta(days=2), "Giao ban cải cách hành chính", [1, 2]),
    ]
    context = await chromium.new_context(viewport=viewport)
    page = await context.new_page()
    problems = watch(page, "office")
    for pattern in ("**/api/calendar*", "**/api/bookings**", "**/api/notifications**"):
        await page.route(pattern, fake.handle)
    size = f"{viewport['width']}x{viewport['height']}"

    await page.goto(f"{bridge.url}/office")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.wait_for_function("() => bridgeOffice.state === 'ready'", timeout=WAIT_MS)
    await page.wait_for_selector("#cal-grid .cal-item", timeout=WAIT_MS)
    await page.wait_for_selector("#occupancy tbody tr", timeout=WAIT_MS)

    # The week: seven days, the three items, 100 busy halls listed whole.
    titles = await page.locator("#cal-grid .cal-item-title").all_inner_texts()
    assert LONG_TITLE in titles and OTHER_TITLE in titles
    names = await page.locator("#occupancy .occ-name").all_inner_texts()
    assert sorted(names) == sorted(ids), "every busy hall named whole, once"
    assert await page.locator("#cal-grid .cal-day").count() == 7
    assert (
        "Ngày nghỉ bù do văn phòng công bố" in await page.locator(".cal-holiday").all_inner_texts()
    )
    seen = await check_geometry(
        page,
        [
            ("#cal-grid .cal-item-title", ".cal-day"),
            ("#cal-grid .cal-item", ".cal-day"),
            ("#cal-grid .cal-holiday", ".cal-day"),
            ("#occupancy .occ-name", "tr"),
            ("#occupancy .occ-item", "td"),
        ],
    )
    assert seen["#occupancy .occ-name"] == len(ids)
    clashes = page.locator(
        f'#occupancy tr[data-site-id="{ids[LONGEST_HALL]}"] .occ-item[data-clash="true"]'
    )
    assert await clashes.count() == 2  # the booking over the session at the same hall
    await screenshot(page, f"office-week-{size}.png")

    # The month: the same items, the grid whole.
    await page.click('[data-cal-mode="month"]')
    await page.wait_for_function(
        "() => document.querySelector('#cal-grid').dataset.mode === 'month'"
        " && document.querySelectorAll('#cal-grid .cal-day').length >= 28",
        timeout=WAIT_MS,
    )
    await page.wait_for_selector("#cal-grid .cal-item", timeout=WAIT_MS)
    await check_geometry(
        page,
        [
            ("#cal-grid .cal-item-title", ".cal-day"),
            ("#cal-grid .cal-item", ".cal-day"),
            ("#occupancy .occ-name", "tr"),
            ("#occupancy .occ-item", "td"),
        ],
    )
    await screenshot(page, f"office-month-{size}.png")

    # A session's invitation, from the calendar: the bridge's own page in the print view.
    await page.click('[data-cal-mode="week"]')
    await page.click('#cal-grid .cal-item[data-item-kind="session"]')
    hall = page.locator('#detail-body .detail-hall[data-site-id="3"]')
    await hall.wait_for(timeout=WAIT_MS)
    assert await hall.locator(".detail-hall-name").inner_text() == "Điểm cầu tỉnh Quảng Trị"
    await check_geometry(page, [("#detail-body .detail-hall-name", ".detail-hall")])
    await hall.locator('button[data-do="print"]').click()
    await page.wait_for_selector("#print-sheet article.invitation", timeout=WAIT_MS)
    assert await page.locator("#print-sheet .inv-hall").inner_text() == "Điểm cầu tỉnh Quảng Trị"
    assert await page.locator("#print-sheet .inv-kind").inner_text() == "GIẤY MỜI"
    await screenshot(page, f"office-invitation-{size}.png")
    await page.click("#print-close")

    # The booking form: a hundred halls to pick from, filtered; the check's feedback.
    await page.click("#tab-book")
    assert await page.locator("#roster-options li").count() == len(ids)
    await check_geometry(page, [("#roster-options .roster-name", "li")])
    await page.fill("#roster-filter", "quang tri")
    shown = await page.locator("#roster-options .roster-name").all_inner_texts()
    assert len(shown) == 7 and all("Quảng Trị" in name for name in shown), shown
    await page.click("#roster-all")
    await page.select_option("#booking-host", str(ids["Hội trường Trung ương"]))
    await page.fill("#booking-starts", "2026-12-08T07:30")
    await page.fill("#booking-ends", "2026-12-08T10:00")
    before = await page.evaluate("() => bridgeOffice.checks")
    await page.type("#booking-title", "Giao ban chuyên đề", delay=20)
    bad = page.locator('#booking-feedback .feedback-line[data-key="office.check.lead_short"]')
    await bad.wait_for(timeout=WAIT_MS)
    assert "10/12/2026" in await bad.inner_text()
    conflict = page.locator('#booking-feedback .feedback-line[data-key="office.check.conflict"]')
    text = await conflict.inner_text()
    assert OTHER_TITLE in text and LONGEST_HALL in text
    checks = await page.evaluate("() => bridgeOffice.checks") - before
    assert 1 <= checks <= 3, f"{checks} checks for one title typed: not debounced"
    assert await page.locator("#lead-override").is_visible()  # the office may override
    await check_geometry(page, [("#booking-feedback .feedback-line", ".booking-check")])
    await screenshot(page, f"office-booking-{size}.png")

    # The queue: approve acts; reject without a reason is refused and says so; with one, acts.
    await page.click("#tab-queue")
    card = page.locator('.queue-card[data-booking-id="11"]')
    await card.wait_for(timeout=WAIT_MS)
    await check_geometry(
        page, [(".queue-card .queue-title", ".queue-card"), (".queue-warn", ".queue-card")]
    )
    await screenshot(page, f"office-queue-{size}.png")
    long_card = page.locator('.queue-card[data-booking-id="12"]')
    assert await long_card.locator(".queue-title").inner_text() == LONG_TITLE
    assert OTHER_TITLE in await long_card.locator(".queue-warn").inner_text()
    await long_card.locator('button[data-act="reject"]').click()
    error = long_card.locator(".queue-error")
    await error.wait_for(state="visible", timeout=WAIT_MS)
    assert "reason" in await error.inner_text()
    await long_card.locator(".queue-reason").fill("Trùng lịch hội trường")
    await card.locator(".queue-reason").fill("Chỉ đạo khẩn của tỉnh")  # kept as 12 goes
    await long_card.locator('button[data-act="reject"]').click()
    await long_card.wait_for(state="detached", timeout=WAIT_MS)
    assert await card.locator(".queue-reason").input_value() == "Chỉ đạo khẩn của tỉnh"
    await card.locator('button[data-act="approve"]').click()
    await page.wait_for_function(
        "() => document.querySelectorAll('.queue-card').length === 0", timeout=WAIT_MS
    )
    posts = [
        (path, body)
        for method, path, body in fake.calls
        if method == "POST" and "/api/bookings/1" in path
    ]
    assert posts == [
        ("/api/bookings/12/reject", {}),
        ("/api/bookings/12/reject", {"reason": "Trùng lịch hội trường"}),
        ("/api/bookings/11/approve", {"lead_override_reason": "Chỉ đạo khẩn của tỉnh"}),
    ]
    assert [p for p in problems if "pageerror" in p] == []
    await context.close()


async def test_the_office_page_books_and_approves_through_the_real_bookings_api(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """No route answered by the test: the form's check and request, the queue and the
    calendar are the bridge's own bookings API."""
    context = await chromium.new_context(viewport=SMALL)
    page = await context.new_page()
    problems = watch(page, "office")
    await page.goto(f"{bridge.url}/office")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.wait_for_function("() => bridgeOffice.state === 'ready'", timeout=WAIT_MS)

    # Tomorrow at 08:00 is short of three working days: the check says the earliest day.
    tomorrow = date.today() + timedelta(days=1)
    await page.click("#tab-book")
    await page.fill("#booking-title", "Giao ban đột xuất về phòng chống bão")
    await page.select_option("#booking-host", "1")
    await page.check('#roster-options input[value="2"]')
    await page.fill("#booking-starts", f"{tomorrow.isoformat()}T08:00")
    await page.fill("#booking-ends", f"{tomorrow.isoformat()}T10:00")
    short = page.locator('#booking-feedback .feedback-line[data-key="office.check.lead_short"]')
    await short.wait_for(timeout=WAIT_MS)
    check = await page.evaluate("() => bridgeOffice.lastCheck")
    earliest = date.fromisoformat(check["lead_time"]["earliest_day"])
    assert earliest > tomorrow
    assert earliest.strftime("%d/%m/%Y") in await short.inner_text()
    await page.fill("#booking-lead-reason", "Chỉ đạo khẩn của Ủy ban nhân dân tỉnh")
    await page.click("#booking-submit")
    await page.locator("#booking-done").wait_for(state="visible", timeout=WAIT_MS)

    await page.click("#tab-queue")
    card = page.locator(".queue-card").first
    await card.wait_for(timeout=WAIT_MS)
    assert await card.locator(".queue-title").inner_text() == "Giao ban đột xuất về phòng chống bão"
    await card.locator('button[data-act="approve"]').click()
    await page.wait_for_function(
        "() => bridgeOffice.bookings.some((b) => b.state === 'approved')", timeout=WAIT_MS
    )
    await page.click("#tab-calendar")
    if tomorrow.weekday() == 0:  # today is Sunday: tomorrow is in next week
        await page.click("#cal-next")
    await page.wait_for_function(
        "() => bridgeOffice.calendar.items.some((i) => i.kind === 'session'"
        " && i.title === 'Giao ban đột xuất về phòng chống bão')",
        timeout=WAIT_MS,
    )
    await screenshot(page, "office-real-api-1366x768.png")
    assert [p for p in problems if "pageerror" in p] == []
    await context.close()
