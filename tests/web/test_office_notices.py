"""A session's notices from the office page, in real Chromium at 1366×768 against a real
`bridge serve` with 100 halls (nothing answered by the test): admin opens a session's
panel, posts a notice with a PDF (multipart/form-data, the login token as the bearer) and
sees it listed; a blank title and an executable renamed `.pdf` are refused, each next to
its field in the page's language; two halls read the notice — one over its WebSocket
(`notice_read`, a headless ``SiteClient``), one over the hall route with its join token —
and after a refresh the panel names every hall whole, the two read with their times, the
others not yet; the notice is withdrawn after its confirmation.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, FilePayload

from endpoints.session import SiteClient
from tests.conftest import RunningBridge
from tests.notices import samples
from tests.web.conftest import watch
from tests.web.test_browser import screenshot
from tests.web.test_catalogue import VI
from tests.web.test_office_page import LONGEST_HALL, SMALL, WAIT_MS, check_geometry, make_halls

pytestmark = pytest.mark.browser

OFFICE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SESSION_TITLE = "Hội nghị trực tuyến sơ kết công tác cải cách hành chính 6 tháng đầu năm"
NOTICE_TITLE = "Giấy mời họp sơ kết công tác cải cách hành chính của Ủy ban nhân dân tỉnh"
FILE_NAME = "Giấy mời họp sơ kết.pdf"


def call(bridge: RunningBridge, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{bridge.url}{path}",
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
        **kw,
    )


def make_session(bridge: RunningBridge, token: str, ids: dict[str, int]) -> tuple[int, list[int]]:
    """An open session today (office time) with 20 halls, the longest names among them."""
    longest = sorted((n for n in ids if n != LONGEST_HALL), key=len, reverse=True)
    names = [LONGEST_HALL, *longest[:19]]
    roster = [ids[n] for n in names]
    created = call(
        bridge,
        token,
        "POST",
        "/api/sessions",
        json={"title": SESSION_TITLE, "host_site_id": roster[0], "roster": roster, "state": "open"},
    )
    assert created.status_code == 201, created.text
    session_id = int(created.json()["session"]["id"])
    today = datetime.now(OFFICE_ZONE).date().isoformat()
    schedule = {"starts_at": f"{today}T00:05:00+07:00", "ends_at": f"{today}T23:55:00+07:00"}
    reply = call(bridge, token, "PUT", f"/api/sessions/{session_id}/schedule", json=schedule)
    assert reply.status_code == 200, reply.text
    return session_id, roster


def notices(bridge: RunningBridge, token: str, session_id: int) -> list[dict[str, Any]]:
    reply = call(bridge, token, "GET", f"/api/sessions/{session_id}/notices")
    assert reply.status_code == 200, reply.text
    return list(reply.json()["notices"])


async def test_the_office_posts_a_notice_sees_each_halls_receipt_and_withdraws_it(
    bridge: RunningBridge, chromium: Browser
) -> None:
    token = bridge.login()
    ids = make_halls(bridge, token)
    names = {site_id: name for name, site_id in ids.items()}
    session_id, roster = make_session(bridge, token, ids)
    links = call(bridge, token, "POST", f"/api/sessions/{session_id}/links", json={}).json()
    link_of = {x["site_id"]: x["url"] for x in links["links"]}

    context = await chromium.new_context(viewport=SMALL)
    page = await context.new_page()
    problems = watch(page, "office")
    await page.goto(f"{bridge.url}/office")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.wait_for_function("() => bridgeOffice.state === 'ready'", timeout=WAIT_MS)
    item = page.locator(
        f'#cal-grid .cal-item[data-item-kind="session"][data-item-id="{session_id}"]'
    )
    await item.first.click(timeout=WAIT_MS)
    await page.locator("#notice-form").wait_for(timeout=WAIT_MS)
    assert await page.locator("#detail-notices").inner_text() == VI["office.notices.none"]
    kinds = await page.locator("#notice-kind option").all_inner_texts()
    assert kinds == ["Giấy mời", "Chương trình", "Tài liệu", "Khác"]

    # A blank title: the bridge's 422 names it, shown under the title, in Vietnamese.
    await page.click("#notice-submit")
    title_error = page.locator("#notice-title-error")
    await title_error.wait_for(state="visible", timeout=WAIT_MS)
    assert "«title»" in await title_error.inner_text()
    assert await page.get_attribute("#notice-title", "aria-invalid") == "true"

    # The notice with its PDF, sent as multipart/form-data: listed at once.
    await page.select_option("#notice-kind", "invitation")
    await page.fill("#notice-title", NOTICE_TITLE)
    await page.fill("#notice-body", "Đề nghị các điểm cầu kiểm tra kết nối trước 30 phút.")
    pdf: FilePayload = {"name": FILE_NAME, "mimeType": "application/pdf", "buffer": samples.PDF}
    await page.set_input_files("#notice-file", files=[pdf])
    await page.click("#notice-submit")
    listed = page.locator("#detail-notices .detail-notice")
    await listed.first.wait_for(timeout=WAIT_MS)
    assert await title_error.is_hidden()
    assert await listed.locator(".detail-notice-title").inner_text() == NOTICE_TITLE
    meta = await listed.locator(".detail-notice-meta").inner_text()
    assert VI["office.notices.file_name"].replace("{name}", FILE_NAME) in meta
    assert await listed.locator(".notice-kind").inner_text() == "Giấy mời"
    assert await page.input_value("#notice-title") == ""  # the form is cleared for the next
    [posted] = await asyncio.to_thread(notices, bridge, token, session_id)
    assert posted["title"] == NOTICE_TITLE and posted["file_name"] == FILE_NAME
    assert posted["file_type"] == "pdf" and posted["kind"] == "invitation"

    # An executable renamed .pdf: refused (415), said under the document, nothing posted.
    await page.fill("#notice-title", "Tài liệu hội nghị")
    exe: FilePayload = {
        "name": "tai-lieu-hoi-nghi.pdf",
        "mimeType": "application/pdf",
        "buffer": samples.EXE,
    }
    await page.set_input_files("#notice-file", files=[exe])
    await page.click("#notice-submit")
    file_error = page.locator("#notice-file-error")
    await file_error.wait_for(state="visible", timeout=WAIT_MS)
    assert await file_error.inner_text() == VI["error.unsupported_file_type"]
    assert await page.get_attribute("#notice-file", "aria-invalid") == "true"
    assert len(await asyncio.to_thread(notices, bridge, token, session_id)) == 1
    assert await listed.count() == 1

    # Two halls read it: one over its WebSocket, one over the hall route with its join token.
    by_socket, by_route = roster[1], roster[2]
    hall = SiteClient(link_of[by_socket])
    try:
        await hall.join()
        await hall.send({"type": "notice_read", "notice_id": posted["id"]})
        join_token = link_of[by_route].split("#token=", 1)[1]
        reply = await asyncio.to_thread(
            call,
            bridge,
            join_token,
            "POST",
            f"/api/sessions/{session_id}/hall/notices/{posted['id']}/read",
        )
        assert reply.status_code == 200, reply.text
        for _ in range(100):
            [seen] = await asyncio.to_thread(notices, bridge, token, session_id)
            if len(seen["reads"]) == 2:
                break
            await asyncio.sleep(0.1)
        read_at = {r["site_id"]: r["read_at"] for r in seen["reads"]}
        assert set(read_at) == {by_socket, by_route}, seen

        # After a refresh the panel names every hall whole: the two with their times.
        await page.click("#notices-refresh")
        summary = (
            VI["office.notices.reads"]
            .replace("{read}", "2")
            .replace("{unread}", str(len(roster) - 2))
        )
        await page.wait_for_function(
            "(text) => document.querySelector('#detail-notices .detail-notice-reads')"
            "?.textContent === text",
            arg=summary,
            timeout=WAIT_MS,
        )
        await listed.locator(".detail-notice-reads").click()  # the receipts open
        receipts = listed.locator(".receipt")
        assert await receipts.count() == len(roster)
        shown = await receipts.locator(".receipt-name").all_inner_texts()
        assert shown[:2] == sorted(
            [names[by_socket], names[by_route]], key=lambda n: read_at[ids[n]]
        ), "the first reader first"
        assert sorted(shown) == sorted(names[s] for s in roster), "every hall named whole, once"
        for site_id in (by_socket, by_route):
            row = listed.locator(f'.receipt[data-site-id="{site_id}"]')
            assert await row.get_attribute("data-read") == "true"
            at = datetime.fromisoformat(read_at[site_id]).astimezone(OFFICE_ZONE)
            text = await row.locator(".receipt-time").inner_text()
            assert text.startswith(VI["office.notices.read_at"].split("{at}")[0]), text
            assert at.strftime("%H:%M:%S") in text and at.strftime("%d/%m/%Y") in text, text
        unread = listed.locator('.receipt[data-read="false"] .receipt-time')
        assert await unread.count() == len(roster) - 2
        assert set(await unread.all_inner_texts()) == {VI["office.notices.unread"]}
        seen_counts = await check_geometry(
            page,
            [
                ("#item-detail", None),
                ("#detail-body .receipt-name", ".receipt"),
                ("#detail-body .receipt-time", ".receipt"),
                ("#detail-body .detail-notice-title", ".detail-notice"),
                ("#detail-body .detail-notice-meta", ".detail-notice"),
                ("#detail-body .detail-hall-name", ".detail-hall"),
                ("#notice-form label", "#notice-form"),
                ("#notice-file-error", "#notice-form"),
                ("#notice-submit", "#item-detail"),
            ],
        )
        assert seen_counts["#detail-body .receipt-name"] == len(roster)
        assert seen_counts["#detail-body .detail-hall-name"] == len(roster)
        panel = await page.locator("#item-detail").bounding_box()
        assert panel is not None and panel["x"] + panel["width"] <= SMALL["width"]
        await screenshot(page, "office-notices-1366x768.png")

        # Withdrawing asks first; "no" keeps it, "yes" withdraws it, for the halls too.
        await listed.locator(".notice-withdraw").click()
        confirm = listed.locator(".notice-confirm")
        await confirm.wait_for(timeout=WAIT_MS)
        assert NOTICE_TITLE in await confirm.inner_text()
        await confirm.locator('[data-notice-do="withdraw-no"]').click()
        await confirm.wait_for(state="detached", timeout=WAIT_MS)
        assert await listed.get_attribute("data-withdrawn") == "false"
        await listed.locator(".notice-withdraw").click()
        await confirm.locator('[data-notice-do="withdraw-yes"]').click()
        await page.locator('#detail-notices .detail-notice[data-withdrawn="true"]').wait_for(
            timeout=WAIT_MS
        )
        meta = await listed.locator(".detail-notice-meta").inner_text()
        assert VI["office.notices.withdrawn_at"].split("{at}")[0] in meta
        assert await listed.locator(".notice-withdraw").count() == 0
        told = await hall.expect(
            "notice",
            timeout=10,
            where=lambda m: m["notice"]["id"] == posted["id"] and m["notice"]["withdrawn_at"],
        )
        assert told["notice"]["title"] == NOTICE_TITLE
        [after] = await asyncio.to_thread(notices, bridge, token, session_id)
        assert after["withdrawn_at"] is not None
    finally:
        await hall.close()
    assert [p for p in problems if "pageerror" in p] == []
    await context.close()
