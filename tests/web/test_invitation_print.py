"""A hall's invitation printed by real Chromium from a real `bridge serve`: the page as the
office opens it (its bearer token sent), printed to PDF (A4, the page's own @page
margins), and the PDF's text read back with pypdf: one page, the national title and
motto, GIẤY MỜI, the hall's name whole, the time, the test window and the join link. In
print layout, nothing spills out of the sheet or its column."""

from __future__ import annotations

import unicodedata

import httpx
import pytest
from playwright.async_api import Browser
from pypdf import PdfReader

from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import screenshot

pytestmark = pytest.mark.browser

QUANG_TRI = 3  # the demo's sites
A4_POINTS = (595.0, 842.0)

GEOMETRY = """() => {
  const sheet = document.querySelector("#invitation").getBoundingClientRect();
  const problems = [];
  for (const el of document.querySelectorAll("#invitation *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.left < sheet.left - 0.5 || box.right > sheet.right + 0.5)
      problems.push(`${el.className || el.tagName} outside the sheet`);
    const style = getComputedStyle(el);
    if (style.textOverflow === "ellipsis") problems.push(`${el.className}: ellipsis`);
    if (el.scrollWidth > el.clientWidth + 1 && style.display !== "inline")
      problems.push(`${el.className || el.tagName} cut (${el.scrollWidth} > ${el.clientWidth})`);
  }
  const hall = document.querySelector(".inv-hall");
  return { problems, hall: hall.textContent, hallWidth: hall.getBoundingClientRect().width };
}"""


def squeeze(text: str) -> str:
    """Text without any white space, composed: pypdf splits Vietnamese letters with their
    marks apart and breaks lines wherever the page did."""
    return "".join(unicodedata.normalize("NFC", text).split())


async def test_the_printed_invitation_reads_back_whole(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    auth = {"authorization": f"Bearer {token}"}
    schedule = {"starts_at": "2026-12-10T08:00:00+07:00", "ends_at": "2026-12-10T11:30:00+07:00"}
    reply = httpx.put(f"{bridge.url}/api/sessions/1/schedule", json=schedule, headers=auth)
    assert reply.status_code == 200, reply.text

    context = await chromium.new_context(
        extra_http_headers=auth, viewport={"width": 1366, "height": 768}
    )
    page = await context.new_page()
    problems = watch(page, "invitation")
    response = await page.goto(f"{bridge.url}/api/sessions/1/invitations/{QUANG_TRI}")
    assert response is not None and response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    link = await page.locator(".inv-link").inner_text()
    assert link.startswith(f"{bridge.url}/site/1#token=")
    await screenshot(page, "invitation-screen.png")

    await page.emulate_media(media="print")
    found = await page.evaluate(GEOMETRY)
    assert found["problems"] == [] and found["hall"] == "Điểm cầu tỉnh Quảng Trị"
    pdf = ROOT / "test-artifacts" / "invitation.pdf"
    pdf.parent.mkdir(exist_ok=True)
    await page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=False)

    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_POINTS
    text = squeeze(reader.pages[0].extract_text())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "GIẤY MỜI",
        "Kính gửi: Điểm cầu tỉnh Quảng Trị",
        "từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 10/12/2026",
        "từ 14 giờ 00, thứ Tư, ngày 09/12/2026 đến 08 giờ 00, thứ Năm, ngày 10/12/2026",
        "Nơi nhận:",
        link,
    ):
        assert squeeze(expected) in text, expected
    assert problems == []
    await context.close()
