"""The real pages in real Chromium against a real `bridge serve`, over loopback only.

A hall's site page (fake microphone: a 440 Hz sine) and a headless site (660 Hz) join the
demo session; an operator console page mutes and unmutes the hall. What is asserted is what
arrived: the tone levels the headless site records, the audio the page plays (sampled
from its <audio> element with WebAudio and measured with the same FFT), the pages' DOM.

Run inside a namespace with only loopback (`make test` does it); see conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pytest
from playwright.async_api import Browser, Locator, Page, ViewportSize

from endpoints.audio import ToneTrack
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import ROOT, RunningBridge, start_bridge
from tests.web.conftest import FAKE_MIC_AMPLITUDE, FAKE_MIC_HZ, open_board, watch

pytestmark = pytest.mark.browser

HALL = "Điểm cầu tỉnh Lào Cai"  # the Chromium page
OTHER = "Điểm cầu tỉnh Quảng Trị"  # the headless site
OTHER_HZ = 660.0
SENT_DB = tone_level_db(
    ToneTrack(FAKE_MIC_HZ, FAKE_MIC_AMPLITUDE, paced=False).next_samples(48_000), FAKE_MIC_HZ
)
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
ARTIFACTS = ROOT / "test-artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
VI = json.loads((ROOT / "endpoints" / "web" / "i18n" / "vi.json").read_text(encoding="utf-8"))
WAIT_MS = 30_000  # generous: a small, busy machine

T = TypeVar("T")


def raw_link(link: str) -> str:
    """The join link with `?raw=1` in its path part (the fragment keeps the token)."""
    parts = urlsplit(link)
    return urlunsplit(parts._replace(query="raw=1"))


async def listen(client: SiteClient, seconds: float) -> np.ndarray:
    """The next ``seconds`` of what ``client`` hears (waits for them to arrive)."""
    return await client.wait_audio(seconds, timeout=seconds + 10)


async def until(measure: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float) -> T:
    """Measure repeatedly until ``ok`` or ``timeout``; the last measurement either way."""
    deadline = time.monotonic() + timeout
    while True:
        value = await measure()
        if ok(value) or time.monotonic() > deadline:
            return value


# In-page probes. Arrow functions only: the page's CSP forbids eval of plain expressions.
CAPTURE_JS = """async (ms) => {
  const el = document.getElementById("site-remote-audio");
  if (!el || !el.srcObject) return null;
  const ctx = window.__testAudio || (window.__testAudio = new AudioContext({sampleRate: 48000}));
  await ctx.resume();
  const source = ctx.createMediaStreamSource(el.srcObject);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 32768;
  source.connect(analyser);
  await new Promise((r) => setTimeout(r, ms));
  const buf = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(buf);
  source.disconnect();
  return {rate: ctx.sampleRate, samples: Array.from(buf)};
}"""

INBOUND_JS = """async () => {
  const pc = window.bridgeSite && bridgeSite.pc;
  if (!pc) return null;
  let found = null;
  (await pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      found = {samples: s.totalSamplesReceived || 0, packets: s.packetsReceived || 0,
               energy: s.totalAudioEnergy || 0, duration: s.totalSamplesDuration || 0};
    }
  });
  return found;
}"""


async def page_hears(page: Page) -> dict[float, float]:
    """What the page's <audio> element plays (0.68 s, after 1 s of listening): tone levels
    in dB, measured like the headless site's recordings."""
    captured = await page.evaluate(CAPTURE_JS, 1000)
    assert captured is not None, "the page has no remote audio stream"
    assert captured["rate"] == 48_000
    samples = np.asarray(captured["samples"], dtype=np.float64)
    return {hz: tone_level_db(samples, hz) for hz in (FAKE_MIC_HZ, OTHER_HZ)}


async def inbound(page: Page) -> dict[str, Any]:
    stats = await page.evaluate(INBOUND_JS)
    assert stats is not None, "the page's peer connection has no inbound audio"
    return stats


def level_between(first: dict[str, Any], later: dict[str, Any]) -> float:
    """Chromium's own measure of what it received between two getStats() readings, in dB
    (totalAudioEnergy is the integral of audioLevel² over time: a 0.1 sine reads about -20)."""
    energy = later["energy"] - first["energy"]
    duration = later["duration"] - first["duration"]
    return 10 * math.log10(energy / duration) if energy > 0 and duration > 0 else -200.0


async def screenshot(page: Page, name: str, *, docs: str | None = None) -> None:
    """Into test-artifacts/ every run; into docs/screenshots/ when asked or still missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    await page.screenshot(path=str(path))
    if docs is not None:
        target = DOCS_SCREENSHOTS / docs
        if os.environ.get("BRIDGE_UPDATE_SCREENSHOTS") == "1" or not target.exists():
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def row(page: Page, site_id: int) -> Locator:
    return page.locator(f'#roster-body > tr[data-site-id="{site_id}"]')


async def test_site_page_in_chromium_is_heard_hears_others_and_is_muted_from_the_console(
    bridge: RunningBridge, chromium: Browser
) -> None:
    for stale in ("failed-site.png", "failed-console.png"):
        (ARTIFACTS / stale).unlink(missing_ok=True)
    site_context = await chromium.new_context(viewport=VIEWPORT, permissions=["microphone"])
    site = await site_context.new_page()
    problems = watch(site, "site")
    other = SiteClient(bridge.links[OTHER], record_seconds=20)
    console: Page | None = None

    async def other_joins() -> None:
        await other.join()
        await other.start_media(ToneTrack(OTHER_HZ, FAKE_MIC_AMPLITUDE))

    try:
        # The hall opens its link; the headless site joins at the same time.
        await asyncio.gather(site.goto(raw_link(bridge.links[HALL])), other_joins())
        await site.wait_for_function(
            "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
        )
        assert await site.get_attribute("body", "data-state") == "connected"
        assert (await site.text_content("#site-name")) == HALL
        assert await site.is_visible("#site-name")
        assert "token=" not in site.url, "the join token stays in the address bar"
        hall_id = await site.evaluate("() => bridgeSite.site.id")
        assert await site.evaluate("() => bridgeSite.raw") is True
        assert await site.evaluate("() => bridgeSite.micAvailable") is True

        # The headless site hears the page's microphone (440 Hz) through the bridge.
        async def heard_440() -> float:
            return tone_level_db(await listen(other, 2.0), FAKE_MIC_HZ)

        level = await until(heard_440, lambda db: abs(db - SENT_DB) <= 6, timeout=20)
        assert abs(level - SENT_DB) <= 6, f"the page's 440 Hz arrives at {level:.1f} dB"

        # The page hears the other site (660 Hz), and not itself.
        await site.wait_for_function(
            "() => bridgeSite.audioActive && bridgeSite.levelDb > -40", timeout=WAIT_MS
        )
        first = await inbound(site)
        heard = await until(
            lambda: page_hears(site), lambda h: abs(h[OTHER_HZ] - SENT_DB) <= 6, timeout=15
        )
        assert abs(heard[OTHER_HZ] - SENT_DB) <= 6, f"page hears 660 Hz at {heard[OTHER_HZ]:.1f}"
        assert heard[FAKE_MIC_HZ] < SENT_DB - 20, f"page hears itself: {heard[FAKE_MIC_HZ]:.1f}"
        later = await inbound(site)
        assert later["samples"] > first["samples"] + 24_000, (first, later)
        assert later["packets"] > first["packets"], (first, later)
        received_db = level_between(first, later)
        assert received_db > SENT_DB - 10, f"getStats: {received_db:.1f} dB received"
        await screenshot(site, "site.png")

        # The operator console shows both sites connected.
        console = await (await chromium.new_context(viewport=VIEWPORT)).new_page()
        console_problems = watch(console, "console")
        await open_board(console, bridge)
        assert other.site is not None
        other_id = int(other.site["id"])
        for site_id in (hall_id, other_id):
            await console.locator(
                f'#roster-body > tr[data-site-id="{site_id}"][data-state="connected"]'
            ).wait_for(timeout=WAIT_MS)
        assert await row(console, hall_id).get_attribute("data-muted") == "false"
        # Both halls send a tone: the console's meters show them talking, near -23 dBFS.
        for site_id in (hall_id, other_id):
            await console.locator(
                f'#roster-body > tr[data-site-id="{site_id}"] td.col-audio[data-talking="true"]'
            ).wait_for(timeout=WAIT_MS)
        levels = await console.evaluate(
            "() => Object.fromEntries([...bridgeConsole.meters].map(([id, m]) => [id, m.level]))"
        )
        assert all(-30 < levels[str(i)] < -15 for i in (hall_id, other_id)), levels
        width = await console.eval_on_selector(
            f'#roster-body > tr[data-site-id="{hall_id}"] .meter-fill', "el => el.style.width"
        )
        assert 40 <= int(width.rstrip("%")) <= 80, width  # -23 dBFS on a -60..0 bar
        assert HALL in (await row(console, hall_id).inner_text())
        assert OTHER in (await row(console, other_id).inner_text())

        # Mute the hall from the console: the page says so, and its tone stops.
        mark = other.channel.seq
        await console.click(f'button[data-action="mute"][data-site-id="{hall_id}"]')
        await site.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
        assert await site.get_attribute("body", "data-muted") == "true"
        assert VI["site.muted.title"] in str(await site.text_content("#site-muted"))
        await other.expect(
            "site",
            where=lambda m: m["site"]["id"] == hall_id and m["site"]["muted"],
            after=mark,
            timeout=10,
        )
        await console.locator(
            f'#roster-body > tr[data-site-id="{hall_id}"][data-muted="true"]'
        ).wait_for(timeout=WAIT_MS)
        await asyncio.sleep(0.5)  # what was already in flight
        during = await listen(other, 2.0)
        hears_during = await page_hears(site)
        await screenshot(console, "console.png")
        await screenshot(site, "site-muted.png")
        assert tone_level_db(during, FAKE_MIC_HZ) < SENT_DB - 20, "a muted hall is still heard"
        # Nothing else broke: both still connected, the muted hall still hears the other site.
        assert await site.evaluate("() => bridgeSite.state") == "connected"
        assert other.connected
        assert abs(hears_during[OTHER_HZ] - SENT_DB) <= 6, hears_during
        assert await row(console, other_id).get_attribute("data-muted") == "false"

        # Unmute: the banner goes and the tone is back.
        mark = other.channel.seq
        await console.click(f'button[data-action="unmute"][data-site-id="{hall_id}"]')
        await site.locator("#site-muted").wait_for(state="hidden", timeout=WAIT_MS)
        assert await site.get_attribute("body", "data-muted") == "false"
        await other.expect(
            "site",
            where=lambda m: m["site"]["id"] == hall_id and not m["site"]["muted"],
            after=mark,
            timeout=10,
        )
        level = await until(heard_440, lambda db: abs(db - SENT_DB) <= 6, timeout=15)
        assert abs(level - SENT_DB) <= 6, f"after unmute the 440 Hz arrives at {level:.1f} dB"
        log = await console.locator("#event-log > li").all_inner_texts()
        assert any(HALL in entry for entry in log), f"no event about the hall logged: {log}"
        assert problems + console_problems == []
    except BaseException:
        # What each page showed when it went wrong, for the person reading the failure.
        for page, name in ((site, "failed-site.png"), (console, "failed-console.png")):
            if page is not None:
                with contextlib.suppress(Exception):
                    await screenshot(page, name)
        raise
    finally:
        with contextlib.suppress(Exception):
            ARTIFACTS.mkdir(exist_ok=True)
            other.recorder.write_wav(ARTIFACTS / "heard-by-headless-site.wav")
        await other.close()


async def test_site_page_shows_a_clear_message_for_an_invalid_link(
    bridge: RunningBridge, chromium: Browser
) -> None:
    link = bridge.links[HALL]
    base, _, _ = link.partition("#token=")
    context = await chromium.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    problems = watch(page, "site")
    await page.goto(f"{base}#token={'x' * 43}")
    await page.wait_for_function(
        "() => window.bridgeSite && bridgeSite.state === 'invalid_link'", timeout=WAIT_MS
    )
    assert await page.get_attribute("body", "data-state") == "invalid_link"
    assert await page.evaluate("() => bridgeSite.lastError") == "invalid_token"
    status = await page.inner_text("#site-status-text")
    detail = await page.inner_text("#site-status-detail")
    assert status == VI["error.invalid_token"]
    assert "liên hệ" in detail and detail == VI["site.detail.invalid_link"]
    assert await page.is_visible("#site-status-text")
    assert await page.is_hidden("#site-muted")
    await screenshot(page, "site-invalid-link.png")
    assert [p for p in problems if "pageerror" in p] == []


async def test_site_page_retries_at_once_when_the_pc_says_its_network_is_back(
    tmp_path, chromium: Browser
) -> None:
    """After a long outage the page's backoff has grown; when the PC reports its network
    back (the browser's ``online`` event) the page rejoins now, not when the backoff ends."""
    database = tmp_path / "bridge.sqlite3"
    first = start_bridge(database)
    second: RunningBridge | None = None
    context = await chromium.new_context(viewport=VIEWPORT)
    try:
        page = await context.new_page()
        await page.goto(first.links[HALL])
        await page.wait_for_function("() => bridgeSite.joins === 1", timeout=WAIT_MS)
        assert first.stop() == 0  # the bridge goes away: the page retries with backoff
        await page.wait_for_function(
            "() => bridgeSite.state === 'reconnecting' && bridgeSite.retryAt - Date.now() > 4000",
            timeout=WAIT_MS,
        )
        second = start_bridge(database, first.port)
        waiting_ms = await page.evaluate("() => bridgeSite.retryAt - Date.now()")
        started = time.monotonic()
        # What Chromium dispatches when the operating system reports the network back (its
        # offline emulation does not fire it; the real cut is tests/web/test_network_cut.py).
        await page.evaluate("() => window.dispatchEvent(new Event('online'))")
        await page.wait_for_function("() => bridgeSite.joins === 2", timeout=WAIT_MS)
        took_ms = (time.monotonic() - started) * 1000
        assert took_ms < waiting_ms - 1000, (took_ms, waiting_ms)
    finally:
        await context.close()
        if second is not None:
            second.stop()
