"""The hall page's side of the connection test in real Chromium (fake devices) against a real
bridge: the `probe` data channel is negotiated before the offer and the page still plays
the bridge's sound and picture; the page asks for a test by itself when the session is
testing, answers pings, paces its uplink probe on the real channel, reports what it measured,
and shows the verdict — every reason whole and on screen at the halls' screen sizes.

The bridge's test runner is not part of these tests: the page's WebSocket goes through
Playwright (`Tap`), which keeps the page's `test_*` messages for the test, marks `joined` as
testing, and hands the page the runner's messages as the bridge would. The verdicts shown are
made by the bridge's own `judge()`. Loopback only (conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import asdict
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize, WebSocketRoute

from bridge.readiness.verdict import Measured, judge
from endpoints.audio import ToneTrack
from endpoints.session import SiteClient
from endpoints.video import camera
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import watch
from tests.web.test_site_layout import OVERLAYS, assert_on_screen, measure, screenshot

pytestmark = pytest.mark.browser

HOST = "Hội trường Trung ương"
HALL = "Điểm cầu tỉnh Lào Cai"  # the Chromium page
WAIT_MS = 30_000
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
SMALL: ViewportSize = {"width": 1366, "height": 768}
SIZES: list[ViewportSize] = [
    {"width": 1366, "height": 768},
    {"width": 1920, "height": 1080},
    {"width": 1280, "height": 720},
    {"width": 1024, "height": 768},
]
VI = json.loads((ROOT / "endpoints" / "web" / "i18n" / "vi.json").read_text(encoding="utf-8"))
EN = json.loads((ROOT / "endpoints" / "web" / "i18n" / "en.json").read_text(encoding="utf-8"))
# A TURN server nobody answers at: the page gathers no relay candidate.
DEAD_TURN = {"urls": "turn:127.0.0.1:9?transport=udp", "username": "u", "credential": "p"}


class Tap:
    """The page's WebSocket to the bridge, through Playwright. What the page sends of the
    connection test (`test_*`) stops here (the bridge does not run tests yet) and is kept;
    `joined` is marked testing and given `ice_servers` when asked; `send` hands the page a
    message as if the bridge had sent it."""

    def __init__(
        self,
        testing: bool = False,
        ice_servers: list[dict[str, str]] | None = None,
        forward: bool = False,
    ):
        self.testing = testing
        self.ice_servers = ice_servers
        self.forward = forward  # the bridge runs tests: its test messages pass both ways
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.route: WebSocketRoute | None = None

    async def install(self, page: Page) -> None:
        await page.route_web_socket(re.compile(r"/ws$"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.route = ws

        def from_page(message: str | bytes) -> None:
            data = json.loads(message) if isinstance(message, str) else None
            if isinstance(data, dict) and str(data.get("type", "")).startswith("test_"):
                self.sent.append(data)
                if not self.forward:
                    return
            server.send(message)

        def from_bridge(message: str | bytes) -> None:
            data = json.loads(message)
            self.received.append(data)
            if isinstance(data, dict) and data.get("type") == "joined":
                data["testing"] = self.testing
                if self.ice_servers is not None:
                    data["ice_servers"] = self.ice_servers
            ws.send(json.dumps(data))

        ws.on_message(from_page)
        server.on_message(from_bridge)

    def send(self, message: dict[str, Any]) -> None:
        assert self.route is not None, "the page has no socket"
        self.route.send(json.dumps(message))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["type"] == kind]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while len(self.of(kind)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} from the page: {self.sent}")
            await asyncio.sleep(0.05)
        return self.of(kind)[count - 1]


def result(measured: Measured, test_id: str = "t1") -> dict[str, Any]:
    """A `test_result` as the bridge's runner makes it, from its own verdict."""
    verdict = judge(measured)
    return {
        "type": "test_result",
        "test_id": test_id,
        "state": str(verdict.state),
        "figures": {},
        "reasons": [{**asdict(r), "severity": str(r.severity)} for r in verdict.reasons],
        "unmeasured": list(verdict.unmeasured),
    }


# A hall with a dead microphone, a long round trip and loudspeakers nobody could verify.
TYPICAL = Measured(
    media_connected=True, rtt_ms=260.0, mic_level_db=-95.0, speaker_loop_verified=None
)
# Everything wrong at once: the most a verdict can say.
WORST = Measured(
    media_connected=False,
    signaling_rtt_ms=2500.0,
    ice_type="relay",
    ice_protocol="tcp",
    turn_ok=False,
    rtt_ms=450.0,
    jitter_in_ms=75.0,
    jitter_out_ms=70.0,
    loss_in_pct=6.5,
    loss_out_pct=7.0,
    uplink_kbps=310.0,
    downlink_kbps=420.0,
    needed_kbps=800.0,
    mic_level_db=-90.0,
    mic_clipping=0.05,
    mic_noise_floor_db=-30.0,
    speaker_loop_verified=False,
    acoustic_delay_ms=260.0,
    echo_return_db=-6.0,
    echo_cancellation=False,
    camera_fps=3.0,
    camera_width=320,
    camera_height=180,
    wanted_fps=25.0,
    wanted_width=1280,
    wanted_height=720,
    mos=2.4,
)

# The verdict panel: its reasons' texts, whether each is whole (nothing cut or spilling) and
# inside the screen, the type sizes, and whether the page scrolls.
PANEL_JS = """() => {
  const box = document.getElementById("site-test-result-box");
  const panel = document.getElementById("site-test-result");
  const inside = (r) => r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5
    && r.bottom <= innerHeight + 0.5 && r.width > 0 && r.height > 0;
  const whole = (e) => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1;
  const parts = [...document.querySelectorAll(
    "#site-test-result-state, #site-test-result-summary, .site-test-reason-text,"
    + " .site-test-reason-advice, #site-test-again, #site-test-dismiss")];
  const reasons = [...document.querySelectorAll(".site-test-reason")].map((li) => ({
    code: li.dataset.code, severity: li.dataset.severity,
    text: li.querySelector(".site-test-reason-text").innerText,
    advice: li.querySelector(".site-test-reason-advice")?.innerText ?? null,
  }));
  const page = document.scrollingElement;
  const stateBox = document.getElementById("site-test-result-state");
  const reasonText = document.querySelector(".site-test-reason-text");
  return {
    shown: !panel.hidden && panel.getBoundingClientRect().width > 0,
    state: panel.dataset.state,
    title: stateBox.innerText,
    reasons,
    boxWhole: whole(box),
    outside: parts.filter((e) => !inside(e.getBoundingClientRect()))
      .map((e) => e.className || e.id),
    cut: parts.filter((e) => getComputedStyle(e).display !== "inline" && !whole(e))
      .map((e) => e.className || e.id),
    onTop: document.elementFromPoint(innerWidth / 2, innerHeight / 2)
      ?.closest("#site-test-result") !== null,
    scrolls: page.scrollHeight > innerHeight || page.scrollWidth > innerWidth,
    titlePx: parseFloat(getComputedStyle(stateBox).fontSize),
    reasonPx: reasonText ? parseFloat(getComputedStyle(reasonText).fontSize) : null,
    focused: document.activeElement && document.activeElement.id,
  };
}"""


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


async def open_hall(page: Page, bridge: RunningBridge, tap: Tap, query: str = "") -> None:
    await tap.install(page)
    link = bridge.links[HALL]
    if query:
        base, _, fragment = link.partition("#")
        link = f"{base}?{query}#{fragment}"
    await page.goto(link)
    await page.wait_for_function(
        "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
    )


async def panel(page: Page, size: ViewportSize) -> dict[str, Any]:
    await page.set_viewport_size(size)
    await page.wait_for_function(
        f"() => innerWidth === {size['width']} && innerHeight === {size['height']}"
    )
    await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(null)))")
    geometry: dict[str, Any] = await page.evaluate(PANEL_JS)
    return geometry


def assert_whole(geometry: dict[str, Any], label: str) -> None:
    assert geometry["shown"], f"{label}: the verdict is not shown"
    assert geometry["onTop"], f"{label}: the verdict is covered"
    assert not geometry["scrolls"], f"{label}: the page scrolls"
    assert geometry["boxWhole"], f"{label}: the panel is cut"
    assert geometry["outside"] == [], f"{label}: off screen: {geometry['outside']}"
    assert geometry["cut"] == [], f"{label}: text cut: {geometry['cut']}"


async def test_the_page_negotiates_the_probe_channel_runs_a_test_and_reports_it(
    bridge: RunningBridge, chromium: Browser
) -> None:
    context = await chromium.new_context(
        viewport=SMALL, permissions=["microphone", "camera"], locale="vi-VN"
    )
    page = await context.new_page()
    problems = watch(page, "hall")
    tap = Tap(testing=True, ice_servers=[DEAD_TURN])
    host = SiteClient(bridge.links[HOST], record_seconds=5)
    try:
        await host.join()
        await host.start_media(ToneTrack(660.0, 0.1), video=camera("blue"))
        await open_hall(page, bridge, tap)

        # The channel is in the offer, the bridge answered it, and it opened — and the bridge's
        # sound and picture still play.
        await page.wait_for_function(
            "() => bridgeSite.probe && bridgeSite.probe.readyState === 'open'", timeout=WAIT_MS
        )
        channel = await page.evaluate(
            """() => ({label: bridgeSite.probe.label, ordered: bridgeSite.probe.ordered,
                 maxRetransmits: bridgeSite.probe.maxRetransmits,
                 offer: /\\nm=application [1-9]/.test(bridgeSite.pc.localDescription.sdp),
                 answer: /\\nm=application [1-9]/.test(bridgeSite.pc.remoteDescription.sdp)})"""
        )
        assert channel == {
            "label": "probe",
            "ordered": False,
            "maxRetransmits": 0,
            "offer": True,
            "answer": True,
        }
        await page.wait_for_function(
            "() => bridgeSite.videoPlaying && bridgeSite.audioActive", timeout=WAIT_MS
        )

        # The session is testing: the page asks for its test once, by itself.
        start = await tap.wait_for("test_start", timeout=15)
        assert set(start) <= {"type", "id"}
        await asyncio.sleep(1.0)
        assert len(tap.of("test_start")) == 1

        tap.send({"type": "test_begin", "test_id": "t1", "media_ms": 10_000})
        await page.locator("#site-test-progress").wait_for(state="visible", timeout=5_000)
        text = await page.inner_text("#site-test-progress-text")
        assert re.fullmatch(r"Đang kiểm tra kết nối… \(\d+ giây\)", text), text
        assert await page.is_hidden("#site-test-button")  # no second test while one runs
        progress_on_screen = ["site-test-progress", *OVERLAYS[:3], "site-hand-block"]
        for size in SIZES[:2]:
            geometry = await measure(page, size, progress_on_screen)
            assert_on_screen(geometry, progress_on_screen, "a test running")
        await screenshot(page, "site-test-running.png")
        await page.set_viewport_size(SMALL)

        # A ping is answered at once, with its own n and t.
        sent_at = time.monotonic()
        tap.send({"type": "test_ping", "n": 7, "t": 1234.5})
        pong = await tap.wait_for("test_pong")
        assert pong == {"type": "test_pong", "n": 7, "t": 1234.5}
        assert time.monotonic() - sent_at < 1.0

        # Up: 1000-byte packets on the real channel at each step's rate in turn.
        tap.send(
            {
                "type": "test_probe",
                "test_id": "t1",
                "direction": "up",
                "steps_kbps": [200, 400],
                "step_ms": 500,
            }
        )
        await asyncio.sleep(1.5)
        up = await page.evaluate(
            """async () => {
              let channel = null;
              (await bridgeSite.pc.getStats()).forEach((s) => {
                if (s.type === "data-channel" && s.label === "probe") channel = s;
              });
              return {sent: bridgeSite.connectionTest.upSent,
                      skipped: bridgeSite.connectionTest.upSkipped,
                      messages: channel.messagesSent, bytes: channel.bytesSent,
                      buffered: bridgeSite.probe.bufferedAmount};
            }"""
        )
        owed = 200 * 500 // 8 // 1000 + 400 * 500 // 8 // 1000  # 12 + 25 packets
        assert owed - 4 <= up["sent"] <= owed, up
        assert up["skipped"] == 0 and up["buffered"] == 0, up
        assert up["messages"] == up["sent"] and up["bytes"] == 1000 * up["sent"], up

        # Down: the bridge's probe packets are counted per step (none come here) while the
        # media's own bytes are sampled at the steps' edges; then the report.
        tap.send(
            {
                "type": "test_probe",
                "test_id": "t1",
                "direction": "down",
                "steps_kbps": [300, 600],
                "step_ms": 500,
            }
        )
        await asyncio.sleep(1.3)
        tap.send({"type": "test_collect", "test_id": "t1"})
        report = await tap.wait_for("test_report")
        assert set(report) == {
            "type",
            "test_id",
            "ice",
            "turn_ok",
            "received",
            "probe_down",
            "media_down_kbps",
            "camera",
            "echo_cancellation",
            "synthetic_microphone",
            "playout_delay_ms",
        }
        assert report["test_id"] == "t1"
        assert report["ice"] == {"local": "host", "protocol": "udp", "relay_protocol": None}
        assert report["turn_ok"] is False  # a TURN server is configured and never answered
        received = report["received"]
        # About 50 packets a second of the bridge's 20 ms Opus since test_begin (some 4 s).
        assert received["packets"] > 100 and received["lost"] == 0, received
        assert received["jitter_ms"] is not None and received["jitter_ms"] < 30, received
        assert report["probe_down"] == [
            {"step": 0, "kbps": 0, "lost": 0, "received": 0},
            {"step": 1, "kbps": 0, "lost": 0, "received": 0},
        ]
        media = report["media_down_kbps"]
        assert len(media) == 2 and all(k > 10 for k in media), media  # Opus and the picture
        assert report["camera"]["width"] > 0 and report["camera"]["height"] > 0
        assert report["camera"]["fps"] > 0
        assert report["echo_cancellation"] is True  # not ?raw=1
        assert report["synthetic_microphone"] is True  # Chromium's "Fake …" device

        # The verdict: on screen until dismissed; the button is back.
        tap.send(result(TYPICAL))
        await page.locator("#site-test-result").wait_for(state="visible", timeout=5_000)
        assert await page.is_hidden("#site-test-progress")
        assert await page.evaluate("() => document.activeElement.id") == "site-test-dismiss"
        await asyncio.sleep(1.0)
        assert await page.is_visible("#site-test-result")
        await page.keyboard.press("Enter")  # the remote's OK
        await page.locator("#site-test-result").wait_for(state="hidden", timeout=5_000)
        await page.locator("#site-test-button").wait_for(state="visible", timeout=5_000)

        # The hall asks again from the button; the bridge's runner cancels it.
        await page.click("#site-test-button")
        await tap.wait_for("test_start", count=2)
        tap.send({"type": "test_begin", "test_id": "t2", "media_ms": 10_000})
        await page.locator("#site-test-progress").wait_for(state="visible", timeout=5_000)
        tap.send({"type": "test_cancelled", "test_id": "t2", "reason": "left"})
        await page.locator("#site-test-progress").wait_for(state="hidden", timeout=5_000)
        assert await page.inner_text("#site-test-note") == VI["site.test.note.cancelled"]
        assert len(tap.of("test_start")) == 2  # a result was shown: no more by itself
        assert problems == []
    finally:
        await host.close()
        await context.close()


async def test_the_verdict_is_whole_and_on_screen_in_vietnamese_and_english(
    bridge: RunningBridge, chromium: Browser
) -> None:
    context = await chromium.new_context(
        viewport=FULL_HD, permissions=["microphone", "camera"], locale="vi-VN"
    )
    page = await context.new_page()
    problems = watch(page, "hall")
    tap = Tap()
    try:
        await open_hall(page, bridge, tap, query="raw=1")
        await page.locator("#site-test-button").wait_for(state="visible", timeout=WAIT_MS)

        # The button: in the corner, out of the picture's way, whole, nothing covering it.
        shown = ["site-status", "site-corner", "site-hand-block"]
        for size in SIZES:
            geometry = await measure(page, size, [*shown, "site-test-button"])
            assert_on_screen(geometry, shown, "with the test button")
            button = geometry["boxes"]["site-test-button"]
            corner = geometry["boxes"]["site-corner"]
            where = f"{size['width']}×{size['height']}"
            assert button["shown"] and button["onTop"] and button["overflowing"] == [], where
            assert button["text"] == VI["site.test.button"], where
            assert corner["left"] <= button["left"] and button["right"] <= corner["right"], where
            assert corner["top"] <= button["top"] and button["bottom"] <= corner["bottom"], where
            assert button["left"] > size["width"] * 0.6, f"{where}: {button}"
            assert button["bottom"] < size["height"] * 0.5, f"{where}: {button}"
        assert not await page.evaluate("() => document.getElementById('site-test-button').disabled")
        await screenshot(page, "site-test-button-1024x768.png")

        # A typical verdict: large type on a full HD screen, every reason with its advice.
        typical = result(TYPICAL)
        tap.send(typical)
        await page.locator("#site-test-result").wait_for(state="visible", timeout=5_000)
        expected = [
            {
                "code": r["code"],
                "severity": r["severity"],
                "text": capital(r["vi"]),
                "advice": capital(r["advice_vi"]),
            }
            for r in typical["reasons"]
        ]
        assert [r["code"] for r in expected] == ["mic_no_signal", "rtt_high", "speaker_unverified"]
        for size in SIZES:
            geometry = await panel(page, size)
            label = f"typical at {size['width']}×{size['height']}"
            assert_whole(geometry, label)
            assert geometry["state"] == "not_ready"
            assert geometry["title"] == VI["site.test.state.not_ready"]
            assert geometry["reasons"] == expected, label
        geometry = await panel(page, FULL_HD)
        # Read from the back of a hall: some 36 px type for the reasons on a 1080-line screen.
        assert geometry["reasonPx"] >= 36 and geometry["titlePx"] >= 80, geometry
        await screenshot(page, "site-test-result.png", docs="site-test-result.png")
        assert (await panel(page, SMALL))["reasonPx"] >= 24

        # In English, the same reasons in English.
        await page.evaluate("() => document.getElementById('site-test-dismiss').blur()")
        await page.keyboard.press("Escape")
        await page.locator("#site-test-result").wait_for(state="hidden", timeout=5_000)
        await page.click('button[data-lang="en"]')
        await page.wait_for_function("() => document.documentElement.lang === 'en'")
        tap.send(result(TYPICAL, "t2"))
        await page.locator("#site-test-result").wait_for(state="visible", timeout=5_000)
        for size in (SMALL, FULL_HD):
            geometry = await panel(page, size)
            assert_whole(geometry, f"English at {size['width']}×{size['height']}")
            assert geometry["title"] == EN["site.test.state.not_ready"]
            assert [r["text"] for r in geometry["reasons"]] == [
                capital(r["en"]) for r in typical["reasons"]
            ]
            assert [r["advice"] for r in geometry["reasons"]] == [
                capital(r["advice_en"]) for r in typical["reasons"]
            ]

        # Everything wrong at once: still all of it, whole, on the smallest screens.
        worst = result(WORST, "t3")
        assert len(worst["reasons"]) >= 18
        for lang in ("en", "vi"):
            await page.keyboard.press("Escape")  # the language buttons lie under the verdict
            await page.locator("#site-test-result").wait_for(state="hidden", timeout=5_000)
            await page.click(f'button[data-lang="{lang}"]')
            await page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
            tap.send(worst)
            await page.locator("#site-test-result").wait_for(state="visible", timeout=5_000)
            for size in SIZES:
                geometry = await panel(page, size)
                label = f"worst, {lang}, {size['width']}×{size['height']}"
                assert_whole(geometry, label)
                assert [r["text"] for r in geometry["reasons"]] == [
                    capital(r[lang]) for r in worst["reasons"]
                ], label
                assert [r["advice"] for r in geometry["reasons"]] == [
                    capital(r[f"advice_{lang}"]) for r in worst["reasons"]
                ], label
        await panel(page, SMALL)
        await screenshot(page, "site-test-result-worst-1366x768.png")

        # Ready: said plainly, nothing to fix.
        tap.send(result(Measured(media_connected=True, speaker_loop_verified=True), "t4"))
        geometry = await panel(page, SMALL)
        assert_whole(geometry, "ready")
        assert geometry["state"] == "ready" and geometry["reasons"] == []
        assert geometry["title"] == VI["site.test.state.ready"]
        assert await page.inner_text("#site-test-result-summary") == VI["site.test.summary.clear"]

        # The session goes live: the verdict leaves the screen by itself.
        session = await page.evaluate("() => bridgeSite.session")
        tap.send({"type": "session", "session": {**session, "state": "scheduled"}})
        await asyncio.sleep(0.3)
        assert await page.is_visible("#site-test-result")
        tap.send({"type": "session", "session": {**session, "state": "open"}})
        await page.locator("#site-test-result").wait_for(state="hidden", timeout=5_000)
        assert problems == []
    finally:
        await context.close()


async def test_the_page_runs_its_test_with_the_bridges_runner_and_shows_the_verdict(
    bridge: RunningBridge, chromium: Browser
) -> None:
    """End to end: the hall presses the button; the bridge's runner pings, probes both ways,
    collects the page's report (accepted: no error), judges, and the page shows the verdict.
    Chromium's fake microphone cannot hear the loudspeakers: "could not be verified"."""
    context = await chromium.new_context(
        viewport=FULL_HD, permissions=["microphone", "camera"], locale="vi-VN"
    )
    page = await context.new_page()
    problems = watch(page, "hall")
    tap = Tap(forward=True)
    host = SiteClient(bridge.links[HOST], record_seconds=5)
    try:
        await host.join()
        await host.start_media(ToneTrack(660.0, 0.1), video=camera("blue"))
        await open_hall(page, bridge, tap)
        await page.wait_for_function(
            "() => bridgeSite.probe && bridgeSite.probe.readyState === 'open'", timeout=WAIT_MS
        )
        await page.click("#site-test-button")
        await page.locator("#site-test-progress").wait_for(state="visible", timeout=10_000)
        await page.locator("#site-test-result").wait_for(state="visible", timeout=40_000)
        errors = [m for m in tap.received if m.get("type") == "error"]
        assert errors == [], errors
        report = tap.of("test_report")[-1]
        assert len(tap.of("test_pong")) >= 10
        assert tap.of("test_pong")[0]["n"] == 0
        assert await page.evaluate("() => bridgeSite.connectionTest.upSent") > 100
        assert await page.evaluate("() => bridgeSite.connectionTest.downReceived") > 100
        assert [s["received"] > 0 for s in report["probe_down"]] == [True] * len(
            report["probe_down"]
        ), report
        result_message = next(m for m in tap.received if m.get("type") == "test_result")
        figures = result_message["figures"]
        print(json.dumps(report, indent=1), json.dumps(figures, indent=1, ensure_ascii=False))
        assert figures["media_connected"] is True
        assert figures["signaling_rtt_ms"] is not None
        assert figures["ice_type"] == "host" and figures["ice_protocol"] == "udp"
        assert figures["loss_out_pct"] == 0 and figures["jitter_out_ms"] is not None
        assert figures["uplink_kbps"] and figures["downlink_kbps"]
        assert figures["echo_cancellation"] is True
        assert figures["speaker_loop_verified"] is None
        codes = [r["code"] for r in result_message["reasons"]]
        assert "speaker_unverified" in codes
        geometry = await panel(page, FULL_HD)
        assert_whole(geometry, "the runner's verdict")
        assert [r["code"] for r in geometry["reasons"]] == codes
        await screenshot(page, "site-test-result-runner.png")
        assert problems == []
    finally:
        await host.close()
        await context.close()
