"""A session's report and the quarter's report printed by real Chromium from a real
`bridge serve`: the demo session given an hour of attendance and quality windows in its
database, closed over HTTP, its report page opened as the office opens it (the bearer
token sent), printed to PDF (A4, the page's own @page margins) and read back with pypdf:
the national title and motto, BÁO CÁO, the session's title, every hall's name whole, the
roll call's reason. In print layout nothing spills out of the sheet, nothing is cut; the
quarter's page prints with its charts the same way."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page
from pypdf import PdfReader

from bridge.attendance import RollCall, RollCallMark
from bridge.reports.windows import QualityWindow
from bridge.store import Store
from bridge.store.records import AuditEntry
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import screenshot

pytestmark = pytest.mark.browser

A4_POINTS = (595.0, 842.0)
HALLS = (
    "Hội trường Trung ương",
    "Điểm cầu tỉnh Lào Cai",
    "Điểm cầu tỉnh Quảng Trị",
    "Điểm cầu tỉnh Cà Mau",
)
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội

GEOMETRY = """() => {
  const sheet = document.querySelector("#report").getBoundingClientRect();
  const problems = [];
  for (const el of document.querySelectorAll("#report *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const name = (el.className && el.className.baseVal !== undefined)
      ? el.className.baseVal : el.className;
    if (box.left < sheet.left - 0.5 || box.right > sheet.right + 0.5)
      problems.push(`${name || el.tagName} outside the sheet`);
    const style = getComputedStyle(el);
    if (style.textOverflow === "ellipsis") problems.push(`${name}: ellipsis`);
    if (el instanceof HTMLElement && el.scrollWidth > el.clientWidth + 1
        && style.display !== "inline")
      problems.push(`${name || el.tagName} cut (${el.scrollWidth} > ${el.clientWidth})`);
  }
  return problems;
}"""


def squeeze(text: str) -> str:
    """Text without white space, composed (pypdf splits letters from their marks)."""
    return "".join(unicodedata.normalize("NFC", text).split())


def an_hour_of_briefing(database: str) -> None:
    """What the live side would have written of session 1: each hall on from 08:00 (Cà
    Mau cut at 08:30), quality windows, the roll call, the schedule."""
    store = Store(database)
    try:
        store.sessions.set_schedule(1, START, START + timedelta(hours=1))
        entries = []
        for site_id in (1, 2, 3, 4):
            detail = {"site_id": site_id, "muted": False, "hand_raised": False, "removed": False}
            entries.append(
                AuditEntry(
                    0,
                    1,
                    START,
                    f"site:{site_id}",
                    "media_connected",
                    detail | {"state": "connected"},
                )
            )
        cut = {"site_id": 4, "muted": False, "hand_raised": False, "removed": False}
        entries.append(
            AuditEntry(
                0, 1, START + timedelta(minutes=30), "site:4", "media_lost", cut | {"state": "x"}
            )
        )
        store.audit.append(entries)
        store.attendance.mark(1, RollCall(3, RollCallMark.ABSENT, "mất điện", by="account:op"))
        grades = ("good", "fair", "poor")
        store.quality.append(
            [
                QualityWindow(
                    1,
                    site_id,
                    START + timedelta(seconds=20 * k),
                    20,
                    1.0,
                    1.0,
                    60.0,
                    5.0,
                    5.0,
                    0.0,
                    grades[(site_id + k // 40) % 3],
                    4.0,
                )
                for site_id in (1, 2, 4)
                for k in range(180 if site_id != 4 else 90)
            ]
        )
    finally:
        store.close()


async def printed(page: Page, name: str) -> str:
    """Print the page as it is (A4, its own margins): the PDF's text, squeezed."""
    await page.emulate_media(media="print")
    assert await page.evaluate(GEOMETRY) == []
    pdf = ROOT / "test-artifacts" / name
    pdf.parent.mkdir(exist_ok=True)
    await page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=False)
    reader = PdfReader(str(pdf))
    for sheet in reader.pages:
        box = sheet.mediabox
        assert (round(float(box.width)), round(float(box.height))) == A4_POINTS
    return squeeze("".join(sheet.extract_text() for sheet in reader.pages))


async def test_the_printed_reports_read_back_whole(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    auth = {"authorization": f"Bearer {token}"}
    an_hour_of_briefing(str(bridge.database))
    reply = httpx.post(f"{bridge.url}/api/sessions/1/close", headers=auth)
    assert reply.status_code == 200, reply.text

    context = await chromium.new_context(
        extra_http_headers=auth, viewport={"width": 1366, "height": 768}
    )
    page = await context.new_page()
    problems = watch(page, "report")
    response = await page.goto(f"{bridge.url}/api/sessions/1/report.html")
    assert response is not None and response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert await page.locator("svg.timeline").count() == 1
    await screenshot(page, "report-screen.png")
    text = await printed(page, "session-report.pdf")
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "BÁO CÁO",
        "I. Điểm danh và tham dự",
        "Vắng (mất điện)",
        "từ 08 giờ 00 đến 09 giờ 00, thứ Hai, ngày 30/11/2026",
        "08:00–08:30",
        "Nơi nhận:",
        *HALLS,
    ):
        assert squeeze(expected) in text, expected

    response = await page.goto(f"{bridge.url}/api/reports.html?quarter=2026-Q4")
    assert response is not None and response.status == 200
    assert await page.locator("svg.chart").count() == 2  # months, attendance rates
    text = await printed(page, "period-report.pdf")
    for expected in ("BÁO CÁO", "Quý IV năm 2026", "Số phiên họp", *HALLS[1:]):
        assert squeeze(expected) in text, expected
    assert problems == []
    await context.close()


async def test_the_office_page_shows_the_quarter_and_a_closed_sessions_report(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    auth = {"authorization": f"Bearer {token}"}
    an_hour_of_briefing(str(bridge.database))
    assert httpx.post(f"{bridge.url}/api/sessions/1/close", headers=auth).status_code == 200

    context = await chromium.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    problems = watch(page, "office")
    await page.goto(f"{bridge.url}/office")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.wait_for_function("() => bridgeOffice.state === 'ready'", timeout=10_000)

    await page.click("#tab-reports")
    await page.fill("#reports-year", "2026")
    await page.select_option("#reports-quarter", "4")
    await page.click("#reports-submit")
    summary = page.locator("#reports-summary")
    await summary.locator("h2").wait_for(timeout=10_000)
    text = await summary.inner_text()
    assert "2026-Q4" in text and "1 phiên" in text and "50.0 %" in text  # 2 of 4 present
    await summary.locator('button[data-report="print"][data-report-period]').click()
    await page.locator("#print-view article.report.period-report").wait_for(timeout=10_000)
    assert "Quý IV năm 2026" in await page.locator("#print-sheet").inner_text()
    await page.click("#print-close")

    # The period's closed sessions are listed, each with its own report.
    listed = summary.locator('.report-session[data-session-id="1"]')
    assert "Giao ban" in await listed.inner_text()
    await listed.locator('button[data-report="print"]').click()
    sheet = page.locator("#print-view article.report.session-report")
    await sheet.wait_for(timeout=10_000)
    for hall in HALLS:
        assert hall in await sheet.inner_text()
    assert problems == []
    await context.close()
