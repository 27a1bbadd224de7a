"""The console's readiness board at 100 halls, in real Chromium, at 1366×768 and 1920×1080.

The console's page and login come from a real `bridge serve`; its WebSocket is the
100-hall `ProtocolBridge` of test_console_hundred.py (a real `Conference`, the real
outbound messages), listing the readiness permissions in `ready`, recording what the
console sends. The board's rows (GET /api/sessions/{id}/readiness) and its CSV are
fulfilled by Playwright routes; each row's verdict and reasons are the real
`bridge.readiness.verdict.judge` of its figures and its MOS the real E-model, so the
reasons on screen are the bridge's own sentences.

Asserted from the page: every hall is on the board with its whole name (nothing cut, no
row overlaps another, nothing wider than the window) at both sizes with the header still
on top after scrolling; the default order is by state severity; a header click sorts by
that column, a second click the other way, and the sort survives a reload; the counts
are the rows'; a live `readiness` message changes its row within a second; "Xuất CSV"
fetches the CSV with the console's token and saves it; "Kiểm tra lại" and "Kiểm tra tất
cả" send `test_run`; a row opens every reason with its advice, in Vietnamese and then in
English; the hall cards carry a readiness badge and still keep their names and buttons.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import asdict
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, ViewportSize

from bridge.conference import commands as c
from bridge.conference.session import Conference, ConnectionState
from bridge.permissions.actions import Action
from bridge.readiness import emodel
from bridge.readiness.verdict import Measured, judge
from bridge.signaling import outbound
from tests.conftest import RunningBridge
from tests.web.conftest import watch
from tests.web.test_browser import ARTIFACTS, screenshot
from tests.web.test_console_hundred import (
    CLICKABLE,
    EN,
    LARGE,
    LONG_TASKS,
    SMALL,
    VI,
    WAIT_MS,
    ProtocolBridge,
    check_geometry,
    collecting,
    conference,
    display_name,
    open_console,
)

pytestmark = pytest.mark.browser

SEVERITY = ["not_ready", "warning", "testing", "not_tested", "ready"]
# The board's permissions as the console reads them (js/console/readiness-api.js, actions.js).
READINESS_ACTIONS = ["readiness.view", "readiness.test"]


class ReadinessBridge(ProtocolBridge):
    """The 100-hall bridge, with the readiness permissions in `ready`; `test_run` is
    recorded (the runner is the bridge's, not the page's)."""

    def on_message(self, raw: str | bytes) -> None:
        message = json.loads(raw)
        if message["type"] != "operator":
            return super().on_message(raw)
        self.received.append(message)
        actions = [a.value for a in Action] + READINESS_ACTIONS
        self.send(outbound.ready(message.get("id"), "admin", "admin", self.conf, actions))
        self.send(outbound.roster(self.conf))
        self.send(outbound.shown(self.conf.shown.state))
        self.send(outbound.floor(self.conf.floor))
        self.send_quality()
        return None


def measured(site_id: int) -> Measured | None:
    """A hall's test figures, by its number: most ready, some warned, some not ready for
    different reasons; None: not tested (or testing)."""
    kind = site_id % 10
    rtt, loss, up = 40.0 + site_id % 30, 0.3, 2400.0
    speaker: bool | None = True
    mic = -32.0
    if kind == 3:
        mic = -95.0  # a dead microphone: not ready
    elif kind == 5:
        rtt, loss = 260.0, 1.8  # a slow, lossy line: warning
    elif kind == 7:
        up = 900.0  # too little uplink: not ready
    elif kind == 8:
        speaker = None  # the chirp could not be verified: warning
    r = emodel.r_factor(rtt, 40.0, loss)
    return Measured(
        media_connected=True,
        signaling_rtt_ms=rtt + 5,
        ice_type="host",
        ice_protocol="udp",
        turn_ok=True,
        rtt_ms=rtt,
        jitter_in_ms=6.0,
        jitter_out_ms=4.0 + site_id % 5,
        loss_in_pct=loss,
        loss_out_pct=0.2,
        uplink_kbps=up,
        downlink_kbps=3000.0,
        needed_kbps=1200.0,
        mic_level_db=mic,
        mic_clipping=0.0,
        mic_noise_floor_db=-60.0,
        speaker_loop_verified=speaker,
        acoustic_delay_ms=30.0 if speaker else None,
        echo_return_db=-25.0 if speaker else None,
        echo_cancellation=True,
        camera_fps=25.0,
        camera_width=1280,
        camera_height=720,
        wanted_fps=25.0,
        wanted_width=1280,
        wanted_height=720,
        mos=emodel.mos(r),
    )


def board_row(site_id: int, name: str, level: str, position: int) -> dict[str, Any]:
    """One row of the board as docs/connection-tests.md gives it."""
    trend = [
        {
            "session_id": 6 - i,
            "finished_at": f"2026-11-{25 - i:02d}T07:00:00Z",
            "state": ("ready", "warning", "not_ready")[(site_id + i) % 3],
            "mos": 4.2 - 0.3 * ((site_id + i) % 3),
        }
        for i in range(site_id % 6)
    ]
    row: dict[str, Any] = {
        "site_id": site_id,
        "name": name,
        "level": level,
        "position": position,
        "trend": trend,
    }
    figures = measured(site_id)
    if site_id % 11 == 0 or figures is None:
        return {
            **row,
            "state": "not_tested",
            "at": None,
            "source": None,
            "figures": None,
            "reasons": [],
            "unmeasured": [],
        }
    if site_id % 23 == 0:
        return {
            **row,
            "state": "testing",
            "at": None,
            "source": "operator",
            "figures": None,
            "reasons": [],
            "unmeasured": [],
        }
    verdict = judge(figures)
    return {
        **row,
        "state": str(verdict.state),
        "at": f"2026-12-01T{7 + site_id % 3:02d}:{site_id % 60:02d}:00Z",
        "source": "hall",
        "figures": {
            **asdict(figures),
            "r_factor": 80.0,
            "uplink_video": "1280x720",
            "downlink_video": "1280x720",
            "ice_relay_protocol": None,
            "duration_ms": 18000,
        },
        "reasons": [
            {
                "code": r.code,
                "severity": str(r.severity),
                "vi": r.vi,
                "en": r.en,
                "advice_vi": r.advice_vi,
                "advice_en": r.advice_en,
                "field": r.field,
            }
            for r in verdict.reasons
        ],
        "unmeasured": list(verdict.unmeasured),
    }


def board(conf: Conference) -> dict[str, Any]:
    sites = [board_row(s.id, s.name, s.level, i + 1) for i, s in enumerate(conf.roster())]
    window = {"opens": "2026-11-30T07:00:00Z", "closes": "2026-12-01T01:00:00Z", "default": True}
    return {"session_id": 1, "window": window, "testing": True, "sites": sites}


class ReadinessRoutes:
    """GET …/readiness and …/readiness.csv, recording the requests' headers."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.requests: list[Request] = []
        self.csv = "position,name,state\n1,Hội trường Trung ương,Sẵn sàng\n"

    async def board(self, route: Route) -> None:
        self.requests.append(route.request)
        await route.fulfill(content_type="application/json", body=json.dumps(self.data))

    async def csv_file(self, route: Route) -> None:
        self.requests.append(route.request)
        await route.fulfill(
            content_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="readiness-session-1.csv"'},
            body=self.csv.encode("utf-8"),
        )

    async def attach(self, context: BrowserContext) -> None:
        await context.route("**/api/sessions/*/readiness", self.board)
        await context.route("**/api/sessions/*/readiness.csv", self.csv_file)


async def open_with_routes(
    chromium: Browser,
    bridge: RunningBridge,
    fake: ProtocolBridge,
    routes: ReadinessRoutes,
    viewport: ViewportSize,
) -> tuple[BrowserContext, Page, list[str]]:
    """test_console_hundred's `open_console`, with the board's routes in place before the
    console connects (it reads the board in the background on `ready`)."""
    context = await chromium.new_context(viewport=viewport, accept_downloads=True)
    await context.route_web_socket("**/ws", fake.attach)
    await routes.attach(context)
    await context.add_init_script(LONG_TASKS)
    page = await context.new_page()
    problems = watch(page, "console")
    await page.goto(f"{bridge.url}/console")
    await page.fill("#login-username", "admin")
    await page.fill("#login-password", str(bridge.password))
    await page.click("#login-submit")
    await page.click('#session-list button.session-open[data-session-id="1"]', timeout=WAIT_MS)
    count = len(fake.conf.roster())
    await page.wait_for_function(
        f"() => window.bridgeConsole && bridgeConsole.state === 'ready' "
        f"&& bridgeConsole.sites.length === {count}",
        timeout=WAIT_MS,
    )
    return context, page, problems


READINESS_GEOMETRY = """() => {
  const rows = [...document.querySelectorAll("#readiness-body > tr")];
  const wrap = document.querySelector(".readiness-wrap");
  const problems = [];
  const boxes = rows.map((tr) => tr.getBoundingClientRect());
  for (const [i, tr] of rows.entries()) {
    const id = tr.dataset.siteId;
    for (const el of tr.querySelectorAll(".site-name-text, .rd-name, .rd-level, .rd-reason, "
                                         + ".rd-state, .ready-state, .rd-actions")) {
      const style = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 && style.display !== "inline")
        problems.push(`${id}: ${el.className} cut (${el.scrollWidth} > ${el.clientWidth})`);
      if (style.textOverflow === "ellipsis") problems.push(`${id}: ellipsis on ${el.className}`);
    }
    const n = tr.querySelector(".site-name-text").getBoundingClientRect();
    const b = boxes[i];
    if (n.width === 0 || n.right > b.right + 0.5 || n.bottom > b.bottom + 0.5)
      problems.push(`${id}: name outside its row`);
    for (const button of tr.querySelectorAll("button")) {
      const r = button.getBoundingClientRect();
      if (r.width === 0 || r.right > b.right + 0.5 || r.bottom > b.bottom + 0.5)
        problems.push(`${id}: button outside its row`);
    }
  }
  for (let i = 1; i < boxes.length; i++)
    if (boxes[i].top < boxes[i - 1].bottom - 0.5)
      problems.push(`rows ${rows[i - 1].dataset.siteId} and ${rows[i].dataset.siteId} overlap`);
  const doc = document.scrollingElement;
  return {
    rows: rows.length,
    names: Object.fromEntries(rows.map((tr) => [tr.dataset.siteId,
      tr.querySelector(".site-name-text").textContent])),
    problems,
    pageOverflowX: doc.scrollWidth - doc.clientWidth,
    pageOverflowY: doc.scrollHeight - doc.clientHeight,
    wrapOverflowX: wrap.scrollWidth - wrap.clientWidth,
  };
}"""

# After scrolling the table to its end: the header row is still at the top of the table's box.
HEADER_STAYS = """() => {
  const wrap = document.querySelector(".readiness-wrap");
  wrap.scrollTop = wrap.scrollHeight;
  const head = document.querySelector("#readiness-table thead th").getBoundingClientRect();
  const box = wrap.getBoundingClientRect();
  const last = document.querySelector("#readiness-body > tr:last-child").getBoundingClientRect();
  const result = { scrolled: wrap.scrollTop, headTop: head.top - box.top,
                   lastVisible: last.bottom <= box.bottom + 1 };
  wrap.scrollTop = 0;
  return result;
}"""

ORDER = "els => els.map((e) => Number(e.dataset.siteId))"


async def open_readiness(page: Page, count: int) -> None:
    await page.click("#board-readiness")
    await page.locator("#readiness-view").wait_for(state="visible")
    await page.wait_for_function(
        f"() => document.querySelectorAll('#readiness-body > tr').length === {count}",
        timeout=10_000,
    )


async def column(page: Page, selector: str) -> list[str]:
    return await page.eval_on_selector_all(
        f"#readiness-body > tr {selector}", "els => els.map((e) => e.textContent)"
    )


async def test_the_readiness_board_of_a_hundred_halls(
    bridge: RunningBridge, chromium: Browser
) -> None:
    conf = conference(100)
    fake = ReadinessBridge(conf)
    data = board(conf)
    rows = {r["site_id"]: r for r in data["sites"]}
    routes = ReadinessRoutes(data)
    context, page, problems = await open_with_routes(chromium, bridge, fake, routes, SMALL)
    with collecting(problems):
        # The background read for the cards' badges (the bridge lists the permission).
        await page.wait_for_function("() => bridgeConsole.readiness.size === 100")
        await open_readiness(page, 100)
        assert await page.inner_text("#readiness-heading") == VI["console.readiness.heading"]
        board_get = [r for r in routes.requests if r.url.endswith("/api/sessions/1/readiness")]
        assert board_get, "the board was not read"
        token = await page.evaluate(
            "() => JSON.parse(sessionStorage.getItem('bridge.console.auth')).token"
        )
        assert board_get[-1].headers["authorization"] == f"Bearer {token}"

        # The counts are the rows', in severity order, in words.
        want = {s: sum(r["state"] == s for r in rows.values()) for s in SEVERITY}
        assert all(want[s] > 0 for s in SEVERITY), want
        counts = await page.eval_on_selector_all(
            "#readiness-counts > .count",
            "els => els.map((e) => [e.dataset.count, Number(e.dataset.value), e.textContent])",
        )
        assert [c[0] for c in counts] == SEVERITY
        for state, value, text in counts:
            assert value == want[state]
            assert text == VI[f"console.readiness.count.{state}"].format(count=want[state])
        assert VI["console.readiness.testing_now"] in await page.inner_text("#readiness-window")

        # Default order: the most severe first, then the roster's order.
        order = await page.eval_on_selector_all("#readiness-body > tr", ORDER)
        ranks = [SEVERITY.index(rows[i]["state"]) for i in order]
        assert ranks == sorted(ranks)
        for a, b in itertools.pairwise(order):
            if rows[a]["state"] == rows[b]["state"]:
                assert rows[a]["position"] < rows[b]["position"]
        # State said in words and a glyph beside the colour, for every row.
        states = await page.eval_on_selector_all(
            "#readiness-body > tr",
            "els => els.map((e) => [Number(e.dataset.siteId), "
            "e.querySelector('.ready-text').textContent, "
            "e.querySelector('.ready-glyph').textContent])",
        )
        for site_id, text, glyph in states:
            assert text == VI[f"console.readiness.state.{rows[site_id]['state']}"]
            assert glyph.strip()
        # A dead microphone's row: its reason in Vietnamese, its figures.
        dead = page.locator('#readiness-body > tr[data-site-id="13"]')
        assert await dead.get_attribute("data-state") == "not_ready"
        reason = rows[13]["reasons"][0]
        assert reason["code"] == "mic_no_signal"
        assert reason["vi"] in await dead.locator(".rd-reason").inner_text()
        assert await dead.locator(".rd-mic").inner_text() == "-95"
        assert (
            await dead.locator(".rd-speaker").inner_text()
            == VI["console.readiness.speaker.verified"]
        )
        short = page.locator('#readiness-body > tr[data-site-id="17"]')  # 900 kb/s up
        assert await short.locator(".rd-uplink").get_attribute("data-fit") == "short"
        assert "900" in await short.locator(".rd-uplink").inner_text()
        assert await short.locator(".trend-mark").count() == 17 % 6

        # Whole names, no overlap, the header on top, at both sizes.
        expected = {str(s.id): display_name(s.name) for s in conf.roster()}
        for viewport, label in ((SMALL, "1366x768"), (LARGE, "1920x1080")):
            await page.set_viewport_size(viewport)
            await asyncio.sleep(0.3)
            layout = await page.evaluate(READINESS_GEOMETRY)
            assert layout["rows"] == 100, label
            assert layout["problems"] == [], (label, layout["problems"][:20])
            assert layout["names"] == expected, label
            assert layout["pageOverflowX"] <= 0 and layout["wrapOverflowX"] <= 0, (label, layout)
            assert layout["pageOverflowY"] <= 0, (label, layout)  # only the table scrolls
            stays = await page.evaluate(HEADER_STAYS)
            assert stays["scrolled"] > 0 and abs(stays["headTop"]) <= 1.5, (label, stays)
            assert stays["lastVisible"], (label, stays)
            await screenshot(page, f"console-readiness-100-{label}.png")
        await page.set_viewport_size(SMALL)

        # Sort by a header: RTT, the highest first; again: the lowest; no figure: last.
        await page.click('#readiness-table thead button[data-sort="rtt"]')
        order = await page.eval_on_selector_all("#readiness-body > tr", ORDER)
        rtts: list[float | None] = [(rows[i]["figures"] or {}).get("rtt_ms") for i in order]
        measured_rtts = [x for x in rtts if x is not None]
        assert measured_rtts == sorted(measured_rtts, reverse=True)
        assert rtts[len(measured_rtts) :] == [None] * (100 - len(measured_rtts))
        assert (
            await page.get_attribute('#readiness-table th[data-sort="rtt"]', "aria-sort")
            == "descending"
        )
        await page.click('#readiness-table thead button[data-sort="rtt"]')
        order = await page.eval_on_selector_all("#readiness-body > tr", ORDER)
        rising = [x for i in order if (x := (rows[i]["figures"] or {}).get("rtt_ms")) is not None]
        assert rising == sorted(rising)
        await page.click('#readiness-table thead button[data-sort="name"]')
        names = await column(page, ".site-name-text")
        in_order = await page.evaluate(
            "(xs) => { const c = new Intl.Collator('vi', {sensitivity: 'base', numeric: true});"
            " return xs.every((x, i) => i === 0 || c.compare(xs[i - 1], x) <= 0); }",
            names,
        )
        assert in_order, names[:10]
        # Remembered, as the hall list's sort is: after a reload the board is by name still.
        await page.reload()
        await page.wait_for_function(
            "() => window.bridgeConsole && bridgeConsole.state === 'ready'", timeout=30_000
        )
        await open_readiness(page, 100)
        assert (
            await page.get_attribute('#readiness-table th[data-sort="name"]', "aria-sort")
            == "ascending"
        )
        assert await column(page, ".site-name-text") == names
        await page.click('#readiness-table thead button[data-sort="state"]')  # the default again
        assert (
            await page.get_attribute('#readiness-table th[data-sort="state"]', "aria-sort")
            == "ascending"
        )

        # Live: a `readiness` message with one changed row changes it within a second;
        # the counts follow.
        hall = 20  # ready, in the roster order
        assert rows[hall]["state"] == "ready"
        changed = {
            **board_row(13, "", "", 0),
            "site_id": hall,
            "name": rows[hall]["name"],
            "level": rows[hall]["level"],
            "position": rows[hall]["position"],
        }
        start = time.monotonic()
        fake.send({"type": "readiness", "sites": [changed]})
        await page.locator(
            f'#readiness-body > tr[data-site-id="{hall}"][data-state="not_ready"]'
        ).wait_for(timeout=1000)
        took = time.monotonic() - start
        assert took < 1.0, took
        row20 = page.locator(f'#readiness-body > tr[data-site-id="{hall}"]')
        assert reason["vi"] in await row20.locator(".rd-reason").inner_text()
        value = await page.get_attribute('#readiness-counts [data-count="not_ready"]', "data-value")
        assert value == str(want["not_ready"] + 1)
        # by state, the changed hall moved up among the not ready
        order = await page.eval_on_selector_all("#readiness-body > tr", ORDER)
        assert order.index(hall) < want["not_ready"] + 1
        # a row only in state: testing (no other field) keeps its name and trend
        fake.send({"type": "readiness", "sites": [{"site_id": 2, "state": "testing"}]})
        testing = page.locator('#readiness-body > tr[data-site-id="2"][data-state="testing"]')
        await testing.wait_for(timeout=1000)
        assert await testing.locator(".site-name-text").inner_text() == expected["2"]
        assert await testing.locator("button[data-readiness-action]").is_disabled()

        # "Xuất CSV": the CSV's URL with the console's token, saved as a file.
        async with page.expect_download() as info:
            await page.click("#readiness-csv")
        download = await info.value
        csv_get = [r for r in routes.requests if r.url.endswith("/readiness.csv")]
        assert csv_get and csv_get[-1].url.endswith("/api/sessions/1/readiness.csv")
        assert csv_get[-1].headers["authorization"] == f"Bearer {token}"
        assert csv_get[-1].headers["accept-language"] == "vi"
        assert download.suggested_filename == "readiness-session-1.csv"
        saved = ARTIFACTS / "readiness-session-1.csv"
        await download.save_as(saved)
        assert saved.read_text(encoding="utf-8") == routes.csv

        # "Kiểm tra lại" on a connected hall: test_run with its site id; an offline hall's
        # button is off and says why; "Kiểm tra tất cả": test_run without a site.
        target = 31
        assert conf.site(target).state is ConnectionState.CONNECTED
        retest = f'#readiness-body button[data-readiness-action][data-site-id="{target}"]'
        await page.click(retest)
        offline = next(s.id for s in conf.roster() if s.state is ConnectionState.OFFLINE)
        off = page.locator(
            f'#readiness-body button[data-readiness-action][data-site-id="{offline}"]'
        )
        assert await off.is_disabled()
        assert await off.get_attribute("title") == VI["console.readiness.offline"]
        # ... until the hall joins: then it can be tested, without reopening the board.
        for command in (c.Join(offline), c.MediaConnected(offline)):
            for event in conf.handle(command):
                fake.send(outbound.for_event(event, conf))
        await page.wait_for_function(
            "(id) => !document.querySelector("
            '`#readiness-body button[data-readiness-action][data-site-id="${id}"]`).disabled',
            arg=offline,
            timeout=2000,
        )
        await page.click("#readiness-test-all")
        await page.wait_for_function(
            "() => [...document.querySelectorAll('#event-log > li')].length > 0"
        )
        for _ in range(20):
            if sum(m["type"] == "test_run" for m in fake.received) >= 2:
                break
            await asyncio.sleep(0.05)
        runs = [m for m in fake.received if m["type"] == "test_run"]
        assert runs[0]["site_id"] == target
        assert "site_id" not in runs[1]
        log = await page.locator("#event-log > li").all_inner_texts()
        assert any(
            VI["console.log.sent_test_run"].format(name=conf.site(target).name) in x for x in log
        )

        # A row opens its detail: every reason with its advice.
        many = next(i for i, r in rows.items() if len(r["reasons"]) >= 2)
        await page.click(f'#readiness-body > tr[data-site-id="{many}"] .rd-name')
        dialog = page.locator("#readiness-dialog")
        await dialog.wait_for(state="visible")
        assert await page.inner_text("#readiness-dialog-title") == rows[many]["name"]
        items = await page.locator("#readiness-dialog-reasons > li").all_inner_texts()
        assert len(items) == len(rows[many]["reasons"])
        for text, r in zip(items, rows[many]["reasons"], strict=True):
            assert r["vi"] in text and r["advice_vi"] in text
        figures = await page.inner_text("#readiness-dialog-figures")
        assert VI["console.readiness.f.mos"] in figures
        await screenshot(page, "console-readiness-detail-vi.png")
        await page.keyboard.press("Escape")
        await dialog.wait_for(state="hidden")
        # In English: the board's words and the same reasons in English; Enter on a
        # focused row opens it too.
        await page.click('[data-lang="en"]')
        await page.wait_for_function("() => document.documentElement.lang === 'en'")
        assert await page.inner_text("#readiness-heading") == EN["console.readiness.heading"]
        counts_en = await page.inner_text("#readiness-counts")
        ready_now = want["ready"] - 2  # hall 20 not ready now, hall 2 testing
        assert EN["console.readiness.count.ready"].format(count=ready_now) in counts_en
        assert reason["en"] in await row20.locator(".rd-reason").inner_text()
        await page.focus(f'#readiness-body > tr[data-site-id="{many}"]')
        await page.keyboard.press("Enter")
        await dialog.wait_for(state="visible")
        items = await page.locator("#readiness-dialog-reasons > li").all_inner_texts()
        for text, r in zip(items, rows[many]["reasons"], strict=True):
            assert r["en"] in text and r["advice_en"] in text
        await screenshot(page, "console-readiness-detail-en.png")
        await page.keyboard.press("Escape")
        await dialog.wait_for(state="hidden")
        await page.click('[data-lang="vi"]')
        await page.wait_for_function("() => document.documentElement.lang === 'vi'")

        # Back on the live board: every card carries its badge and keeps its whole name
        # and its buttons, at both sizes.
        await page.click("#readiness-back")
        await page.locator("#board-view").wait_for(state="visible")
        badges = await page.eval_on_selector_all(
            "#roster-body > tr",
            "els => els.map((e) => [Number(e.dataset.siteId), "
            "e.querySelector('.ready-badge:not([hidden])')?.dataset.state ?? null])",
        )
        now = {**{i: r["state"] for i, r in rows.items()}, hall: "not_ready", 2: "testing"}
        assert dict(badges) == now
        for viewport, label in ((SMALL, "1366x768"), (LARGE, "1920x1080")):
            await page.set_viewport_size(viewport)
            await asyncio.sleep(0.3)
            await check_geometry(page, conf, f"badges {label}")
            show = await page.evaluate(CLICKABLE, '#roster-body button[data-action="show"]')
            assert show == [], (label, show)
            await screenshot(page, f"console-100-readiness-badges-{label}.png")
    await context.close()


async def test_without_the_permission_the_board_button_says_why(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """A bridge that does not list the board's permission (an account without it): the
    button is off, says why, and the board is not read in the background."""
    conf = conference(60)
    fake = ProtocolBridge(conf)
    fake.withheld = {"readiness.view", "readiness.test"}
    context, page, problems = await open_console(chromium, bridge, fake, SMALL)
    with collecting(problems):
        button = page.locator("#board-readiness")
        assert await button.is_disabled()
        assert await button.get_attribute("title") == VI["console.role.not_permitted"]
        assert await page.locator("#roster-body .ready-badge").count() == 0
    await context.close()
