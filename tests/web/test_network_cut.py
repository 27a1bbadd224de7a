"""A site page whose network is really cut comes back by itself, and the console shows it.

The hall's Chromium runs in its own network namespace, joined to the bridge's by a veth
pair (tests/web/netns.py); the bridge listens and gathers ICE candidates only on its end of
the pair, so the page's signaling and media both cross it. Cutting the pair (every frame
dropped at both ends: nothing tells either side) must make the page say it is reconnecting,
the bridge notice and the console show the hall as not connected, and the hall's tone stop
for a headless site listening on the other side. Within 3 s of the cut — long before the
WebSocket or ICE give up — the consoles' ``quality`` entry for the hall says "no media"
(graded poor): nothing arrives from it any more. After the pair is restored the page must
rejoin on its own — no reload — the console show it connected and the tone be heard again.

Run inside a namespace with only loopback (`make test` does it); see conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from endpoints.audio import ToneTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge, start_bridge
from tests.web import netns
from tests.web.conftest import (
    CHROMIUM,
    FAKE_MIC_AMPLITUDE,
    FAKE_MIC_HZ,
    chromium_args,
    open_board,
    watch,
    write_tone_wav,
)
from tests.web.test_browser import (
    ARTIFACTS,
    HALL,
    OTHER,
    OTHER_HZ,
    SENT_DB,
    VI,
    VIEWPORT,
    raw_link,
    row,
    screenshot,
    until,
)

pytestmark = pytest.mark.browser

SUBNET = "10.203.0"  # the pair's /30: .1 the bridge's end, .2 the hall's
WAIT_MS = 30_000
NOTICE_S = 20  # a cut must be noticed (page and bridge) within this
JOIN_TIMEOUT_S = 10  # the page gives up a join the bridge does not answer (site.js)
NO_MEDIA_S = 3.0  # a cut hall is flagged "no media" on the consoles within this


@pytest.fixture
def site_net() -> Iterator[netns.SiteNetwork]:
    with netns.site_network_or_skip(SUBNET) as net:
        yield net


@pytest.fixture
def cut_bridge(tmp_path: Path, site_net: netns.SiteNetwork) -> Iterator[RunningBridge]:
    """`bridge serve` on the bridge's end of the pair, ICE on that address only."""
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"ice_addresses": [site_net.host_address]}))
    running = start_bridge(
        tmp_path / "bridge.sqlite3", None, "--config", str(settings), host=site_net.host_address
    )
    yield running
    running.stop()


def browser_args(wav: Path, bridge: RunningBridge) -> list[str]:
    """The browser tests' flags, with the bridge's address spared from the rule that makes
    every other name and address unresolvable, and its origin treated as secure: outside
    loopback, plain http gets no microphone (a real bridge is served over https)."""
    return [
        f"{arg} , EXCLUDE {bridge.host}" if arg.startswith("--host-resolver-rules=") else arg
        for arg in chromium_args(wav)
    ] + [f"--unsafely-treat-insecure-origin-as-secure={bridge.url}"]


@pytest.fixture
def listener_ice(site_net: netns.SiteNetwork) -> Iterator[None]:
    """The headless listener's ICE on the bridge's end of the pair: the choice is
    process-wide, and an earlier test's loopback-only choice must not carry over."""
    with netns.ice_on_bridge_end(site_net):
        yield


async def page_state(page: Page) -> str:
    return str(await page.evaluate("() => window.bridgeSite && bridgeSite.state"))


async def test_site_page_comes_back_by_itself_after_its_network_is_cut(
    tmp_path: Path,
    site_net: netns.SiteNetwork,
    cut_bridge: RunningBridge,
    listener_ice: None,
) -> None:
    for stale in ("failed-cut-site.png", "failed-cut-console.png"):
        (ARTIFACTS / stale).unlink(missing_ok=True)
    wav = write_tone_wav(tmp_path / "hall-mic-440.wav", FAKE_MIC_HZ, FAKE_MIC_AMPLITUDE)
    other = SiteClient(cut_bridge.links[OTHER], record_seconds=20, restrict_ice=False)
    # The consoles' link-quality feed, as the console page gets it.
    operator = OperatorClient(cut_bridge.url, session_id=1, token=cut_bridge.login())
    timeline: list[str] = []
    t0 = time.monotonic()

    def mark(what: str) -> float:
        now = time.monotonic()
        timeline.append(f"{now - t0:6.1f} s  {what}")
        return now

    async def heard_440() -> float:
        return tone_level_db(await other.wait_audio(1.0, timeout=10), FAKE_MIC_HZ)

    async with async_playwright() as playwright:
        hall_browser = await playwright.chromium.launch(
            executable_path=str(site_net.wrapper(CHROMIUM, tmp_path)),
            headless=True,
            args=browser_args(wav, cut_bridge),
        )
        # The console's browser stays outside the namespace: it must see the hall go.
        console_browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=browser_args(wav, cut_bridge)
        )
        site: Page | None = None
        console: Page | None = None
        try:
            site = await (
                await hall_browser.new_context(viewport=VIEWPORT, permissions=["microphone"])
            ).new_page()
            problems = watch(site, "site")
            await other.join()
            await other.start_media(ToneTrack(OTHER_HZ, FAKE_MIC_AMPLITUDE))
            await site.goto(raw_link(cut_bridge.links[HALL]))
            await site.wait_for_function(
                "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
            )
            hall_id = int(await site.evaluate("() => bridgeSite.site.id"))
            # Survives only if the page is never reloaded.
            await site.evaluate("() => { window.__sameDocument = true; }")
            console = await (await console_browser.new_context(viewport=VIEWPORT)).new_page()
            await open_board(console, cut_bridge)
            hall_row = f'#roster-body > tr[data-site-id="{hall_id}"]'
            await console.locator(f'{hall_row}[data-state="connected"]').wait_for(timeout=WAIT_MS)
            level = await until(heard_440, lambda db: abs(db - SENT_DB) <= 6, timeout=20)
            assert abs(level - SENT_DB) <= 6, f"before the cut: 440 Hz at {level:.1f} dB"
            mark("connected and heard")

            await operator.connect()
            await operator.expect(
                "quality",
                where=lambda m: any(
                    e["id"] == hall_id and not e["no_media"] and e["grade"] != "unknown"
                    for e in m["sites"]
                ),
                timeout=10,
            )

            # ---- the cut ------------------------------------------------------------------
            seq = operator.channel.seq
            cut_at = mark("cut")
            site_net.cut("drop")
            flagged = await operator.expect(
                "quality",
                where=lambda m: any(e["id"] == hall_id and e["no_media"] for e in m["sites"]),
                after=seq,
                timeout=NOTICE_S,
            )
            no_media_after = mark("quality: no_media") - cut_at
            [hall_quality] = [e for e in flagged["sites"] if e["id"] == hall_id]
            assert hall_quality["grade"] == "poor"
            assert no_media_after <= NO_MEDIA_S, f"no_media only {no_media_after:.1f} s after"
            # What the operator sees: the real console page's row says so, still "connected".
            await console.locator(f'{hall_row}[data-no-media="true"]').wait_for(
                timeout=max(500, (NO_MEDIA_S + 0.5 - (time.monotonic() - cut_at)) * 1000)
            )
            board_after = mark("console: no media") - cut_at
            assert board_after <= NO_MEDIA_S + 0.5, f"the board said so {board_after:.1f} s after"
            assert VI["console.state.no_media"] in await row(console, hall_id).inner_text()
            await site.wait_for_function(
                "() => bridgeSite.state === 'reconnecting'", timeout=NOTICE_S * 1000
            )
            page_noticed = mark("page: reconnecting") - cut_at
            await console.locator(f'{hall_row}:not([data-state="connected"])').wait_for(
                timeout=NOTICE_S * 1000
            )
            bridge_noticed = (
                mark(f"console: {await row(console, hall_id).get_attribute('data-state')}") - cut_at
            )
            assert await row(console, hall_id).get_attribute("data-state") == "offline"
            silent = await heard_440()
            assert silent < SENT_DB - 20, f"the cut-off hall is still heard: {silent:.1f} dB"
            assert await page_state(site) == "reconnecting"
            assert await site.text_content("#site-status-text") == VI["site.status.reconnecting"]
            # A rejoin attempt made while the network is cut hangs rather than fails: the
            # page must give it up by itself, or it could stay stuck after the restore.
            await site.wait_for_function(
                "() => bridgeSite.lastError === 'join_timeout'",
                timeout=(JOIN_TIMEOUT_S + NOTICE_S) * 1000,
            )
            mark("page: gave up a join attempt")
            assert await page_state(site) == "reconnecting"
            await screenshot(site, "site-network-cut.png")
            await screenshot(console, "console-network-cut.png")

            # ---- restored -----------------------------------------------------------------
            restored_at = mark("restored")
            site_net.restore()
            await site.wait_for_function("() => bridgeSite.state === 'connected'", timeout=WAIT_MS)
            page_back = mark("page: connected") - restored_at
            await console.locator(f'{hall_row}[data-state="connected"]').wait_for(timeout=WAIT_MS)
            mark("console: connected")
            level = await until(heard_440, lambda db: abs(db - SENT_DB) <= 6, timeout=20)
            heard_back = mark(f"heard again at {level:.1f} dB") - restored_at
            assert abs(level - SENT_DB) <= 6, f"after the cut: 440 Hz at {level:.1f} dB"
            assert await site.evaluate("() => window.__sameDocument === true"), "page reloaded"
            assert await site.evaluate("() => bridgeSite.joins") >= 2
            await screenshot(site, "site-network-restored.png")
            assert [p for p in problems if "pageerror" in p] == []
            print(
                f"cut flagged no_media after {no_media_after:.2f} s; "
                f"cut noticed by the page after {page_noticed:.1f} s, by the bridge after "
                f"{bridge_noticed:.1f} s; page back {page_back:.1f} s and heard "
                f"{heard_back:.1f} s after the restore"
            )
        except BaseException:
            for page, name in ((site, "failed-cut-site.png"), (console, "failed-cut-console.png")):
                if page is not None:
                    with contextlib.suppress(Exception):
                        await screenshot(page, name)
            raise
        finally:
            print("\n".join(timeline))
            with contextlib.suppress(OSError):
                ARTIFACTS.mkdir(exist_ok=True)
                (ARTIFACTS / "network-cut-timeline.txt").write_text("\n".join(timeline) + "\n")
            await other.close()
            with contextlib.suppress(Exception):
                await operator.close()
            for browser in (hall_browser, console_browser):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(browser.close(), 15)
