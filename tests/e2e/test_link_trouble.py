"""A hall whose endpoint freezes shows "no media" on the consoles within 3 s, and recovers.

A real `bridge serve`, a real headless endpoint (``python -m endpoints.agent``) in its own
process, stopped with SIGSTOP as a frozen hall PC would be (nothing more leaves it: no
RTP, no RTCP, no WebSocket ping), then resumed with SIGCONT. An operator's WebSocket
receives the ``quality`` messages the console renders. The network-cut case is
tests/web/test_network_cut.py.

The other side of the rule: a browser hall whose microphone picks up nothing at all still
sends a packet every 20 ms (the bridge negotiates no DTX), so it is never "no media".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from endpoints.operator import OperatorClient
from endpoints.session import AgentError
from tests.conftest import ROOT, RunningBridge
from tests.web.conftest import CHROMIUM, browser_skip_reason, chromium_args, write_tone_wav
from tests.web.test_browser import HALL, raw_link

NOTICE_S = 3.0  # the promise to operators: a silent hall is flagged within this


@pytest.fixture
def hall(bridge: RunningBridge) -> Iterator[subprocess.Popen[str]]:
    link = next(iter(bridge.links.values()))
    process = subprocess.Popen(
        [sys.executable, "-m", "endpoints.agent", link, "--tone", "440", "--seconds", "60"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def entry(message: dict, site_id: int | None = None) -> dict | None:
    for site in message["sites"]:
        if site_id is None or site["id"] == site_id:
            return site
    return None


async def test_a_frozen_hall_shows_no_media_within_3_s_and_recovers_when_it_resumes(
    bridge: RunningBridge, hall: subprocess.Popen[str]
) -> None:
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    await operator.connect()
    try:
        # Connected and measured: the hall's first graded entry.
        first = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m)) is not None and e["grade"] != "unknown",
            timeout=30,
        )
        site = entry(first)
        assert site is not None and site["no_media"] is False and site["grade"] == "good"
        site_id = site["id"]

        mark = operator.channel.seq
        os.kill(hall.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        frozen = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m, site_id)) is not None and e["no_media"],
            after=mark,
            timeout=10,
        )
        noticed = time.monotonic() - stopped
        assert entry(frozen, site_id)["grade"] == "poor"

        mark = operator.channel.seq
        os.kill(hall.pid, signal.SIGCONT)
        resumed = time.monotonic()
        back = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m, site_id)) is not None and not e["no_media"],
            after=mark,
            timeout=10,
        )
        recovered = time.monotonic() - resumed
        print(
            f"SIGSTOP → no_media after {noticed:.2f} s; SIGCONT → media again after "
            f"{recovered:.2f} s"
        )
        assert noticed <= NOTICE_S, f"a frozen hall was flagged only after {noticed:.1f} s"
        assert recovered <= NOTICE_S
        assert entry(back, site_id)["grade"] in ("good", "fair", "poor")
        assert hall.poll() is None, hall.stderr.read() if hall.stderr else ""
    finally:
        await operator.close()


@pytest.mark.browser
async def test_a_silent_browser_hall_is_never_no_media(bridge: RunningBridge, tmp_path: Path):
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    silence = write_tone_wav(tmp_path / "silence.wav", 440, 0.0)
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    await operator.connect()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=chromium_args(silence)
        )
        try:
            context = await browser.new_context(permissions=["microphone"])
            page = await context.new_page()
            await page.goto(raw_link(bridge.links[HALL]))
            await page.wait_for_function(
                "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=30_000
            )
            hall_id = int(await page.evaluate("() => bridgeSite.site.id"))
            await operator.expect(
                "quality",
                where=lambda m: any(
                    e["id"] == hall_id and e["grade"] != "unknown" for e in m["sites"]
                ),
                timeout=15,
            )
            seq = operator.channel.seq
            await asyncio.sleep(8.0)  # four times the no-media bound, in silence
            with pytest.raises(AgentError):  # no such message: the timeout
                flagged = await operator.expect(
                    "quality",
                    where=lambda m: any(e["id"] == hall_id and e["no_media"] for e in m["sites"]),
                    after=seq,
                    timeout=0.5,
                )
                pytest.fail(f"a silent hall was flagged: {flagged}")
            assert await page.evaluate("() => bridgeSite.state") == "connected"
        finally:
            await operator.close()
            await browser.close()
