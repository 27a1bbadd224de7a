"""A hall on its own network opens its link over HTTPS in real Chromium and is heard and seen.

The hall's Chromium runs in its own network namespace (tests/web/netns.py), so the bridge
is reached at an address that is not loopback: the bridge's first start there serves
HTTPS by itself, from its local CA, and prints https:// links. The hall PC trusts that CA
the way the hall PC kit tells a Debian PC to — imported into the user's NSS store with
``certutil`` — so the page is a secure context only if the chain really verifies (no flag
that ignores certificate errors). The hall must then be heard by another site (FFT of what
it records) and seen by it (decoded frames of the page's camera).

Over plain HTTP from the same PC the page gets no microphone; it must say why, and what to
do (open the https:// link, install the CA from the kit).

Run inside a namespace with only loopback (`make test` does it); see conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from bridge import tls
from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import camera
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge, start_bridge
from tests.web import netns
from tests.web.conftest import (
    CHROMIUM,
    FAKE_MIC_AMPLITUDE,
    FAKE_MIC_HZ,
    chromium_args,
    watch,
    write_tone_wav,
)
from tests.web.test_browser import HALL, OTHER, SENT_DB, VIEWPORT, raw_link, screenshot, until

pytestmark = pytest.mark.browser

SUBNET = "10.203.8"  # the pair's /30: .1 the bridge's end, .2 the hall's
WAIT_MS = 30_000
ROOT = Path(__file__).resolve().parents[2]
I18N = {
    lang: json.loads((ROOT / "endpoints/web/i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("vi", "en")
}


@pytest.fixture
def site_net() -> Iterator[netns.SiteNetwork]:
    with netns.site_network_or_skip(SUBNET, tools=("certutil",)) as net:
        yield net


@pytest.fixture
def listener_ice(site_net: netns.SiteNetwork) -> Iterator[None]:
    """The headless site's ICE on the bridge's end of the pair (a process-wide choice)."""
    with netns.ice_on_bridge_end(site_net):
        yield


def start(tmp_path: Path, net: netns.SiteNetwork, tls_mode: str) -> RunningBridge:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"ice_addresses": [net.host_address]}))
    return start_bridge(
        tmp_path / "var" / "bridge.sqlite3",
        None,
        "--config",
        str(settings),
        host=net.host_address,
        tls=tls_mode,
    )


def hall_home(tmp_path: Path, ca: Path) -> Path:
    """A hall PC user's home whose NSS store trusts the bridge's CA (the kit's steps)."""
    home = tmp_path / "hall-home"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    for args in (
        ["-N", "--empty-password"],
        ["-A", "-t", "C,,", "-n", "Bridge local CA", "-i", str(ca)],
    ):
        subprocess.run(
            ["certutil", "-d", f"sql:{nssdb}", *args], check=True, capture_output=True, timeout=30
        )
    return home


def browser_args(wav: Path, bridge: RunningBridge) -> list[str]:
    """The browser tests' flags, with the bridge's address spared from the rule that makes
    every other name unresolvable. Nothing that relaxes certificate checks."""
    return [
        f"{arg} , EXCLUDE {bridge.host}" if arg.startswith("--host-resolver-rules=") else arg
        for arg in chromium_args(wav)
    ]


async def page_sees_its_warning(page: Page) -> str:
    warning = page.locator("#site-mic-warning")
    await warning.wait_for(state="visible", timeout=WAIT_MS)
    box = await warning.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 10, box
    # In view without the hall scrolling (the page brings it there: it matters most).
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"] + 1, box
    return str(await warning.text_content())


async def test_a_hall_beyond_loopback_joins_over_https_and_is_heard_and_seen(
    tmp_path: Path,
    site_net: netns.SiteNetwork,
    listener_ice: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bridge = start(tmp_path, site_net, "auto")  # the default mode, as a first start would
    base = f"https://{site_net.host_address}:{bridge.port}"
    wav = write_tone_wav(tmp_path / "hall-mic-440.wav", FAKE_MIC_HZ, FAKE_MIC_AMPLITUDE)
    monkeypatch.setenv("SSL_CERT_FILE", str(bridge.ca))  # the headless site trusts it too
    other = SiteClient(bridge.links[OTHER], record_seconds=20, restrict_ice=False)
    operator: OperatorClient | None = None
    page: Page | None = None
    try:
        assert bridge.links[HALL].startswith(f"{base}/site/1#token=")
        assert f"{base}/console" in "\n".join(bridge.output)
        home = hall_home(tmp_path, bridge.ca)
        async with async_playwright() as playwright:
            hall: Browser = await playwright.chromium.launch(
                executable_path=str(site_net.wrapper(CHROMIUM, tmp_path)),
                headless=True,
                args=browser_args(wav, bridge),
                env={**os.environ, "HOME": str(home)},
            )
            try:
                context = await hall.new_context(
                    viewport=VIEWPORT, permissions=["microphone", "camera"]
                )
                page = await context.new_page()
                problems = watch(page, "site")
                await other.join()
                await other.start_media(SilenceTrack(), video=camera("green"))
                response = await page.goto(raw_link(bridge.links[HALL]))
                assert response is not None and response.ok
                assert response.headers["strict-transport-security"] == tls.HSTS
                assert await page.evaluate("() => window.isSecureContext") is True
                security = await response.security_details()
                assert security and security.get("protocol") in ("TLS 1.2", "TLS 1.3"), security
                await page.wait_for_function(
                    "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
                )
                assert await page.locator("#site-mic-warning").is_hidden()
                hall_id = int(await page.evaluate("() => bridgeSite.site.id"))

                async def heard_440() -> float:
                    return tone_level_db(await other.wait_audio(1.0, timeout=10), FAKE_MIC_HZ)

                level = await until(heard_440, lambda db: abs(db - SENT_DB) <= 6, timeout=20)
                assert abs(level - SENT_DB) <= 6, f"the HTTPS hall's 440 Hz at {level:.1f} dB"

                token = bridge.login()
                operator = OperatorClient(bridge.url, session_id=1, token=token)
                await operator.connect()
                await operator.show(hall_id)  # everyone now sees the hall's camera
                before = len(other.video.seen)
                for _ in range(75):
                    if len(other.video.seen) > before + 10:
                        break
                    await asyncio.sleep(0.2)
                assert len(other.video.seen) > before + 10, "the hall's camera did not arrive"
                # A hardware profile over the same HTTPS: pushed, applied, answered, known.
                mark = operator.channel.seq
                was = await page.evaluate("() => bridgeSite.profile.revision")
                clock = {"display": {"clock": True, "banner_height": 10}}
                await asyncio.to_thread(bridge.assign_profile, hall_id, clock, token)
                await page.wait_for_function(
                    """(was) => bridgeSite.profile.revision > was && bridgeSite.profileApplied
                      && bridgeSite.profileApplied.revision === bridgeSite.profile.revision""",
                    arg=was,
                    timeout=5_000,
                )
                assert await page.is_visible("#site-clock")
                await operator.expect(
                    "profile_status",
                    timeout=5,
                    after=mark,
                    where=lambda m: any(
                        s["id"] == hall_id
                        and s["revision"] > was
                        and s["applied_revision"] == s["revision"]
                        for s in m["sites"]
                    ),
                )
                await screenshot(page, "site-https.png")
                # The hall's connection test over the same path: the verdict on its screen,
                # the figures of a real link (its own address, UDP, a round trip) filed.
                await page.click("#site-test-button")
                await page.locator("#site-test-result").wait_for(state="visible", timeout=60_000)
                await page.wait_for_function(
                    "() => /loa/i.test(document.querySelector('#site-test-result').innerText)",
                    timeout=15_000,
                )
                await screenshot(page, "site-https-test.png")
                board = httpx.get(
                    f"{bridge.url}/api/sessions/1/readiness",
                    headers={"authorization": f"Bearer {token}"},
                    verify=bridge.verify,
                ).json()
                row = next(r for r in board["sites"] if r["site_id"] == hall_id)
                figures = row["figures"]
                assert figures["media_connected"] is True, figures
                assert figures["ice_type"] == "host" and figures["ice_protocol"] == "udp", figures
                assert figures["rtt_ms"] is not None and figures["rtt_ms"] < 50, figures
                assert figures["uplink_kbps"] and figures["downlink_kbps"], figures
                assert figures["speaker_loop_verified"] is None  # a fake microphone
                assert [p for p in problems if "pageerror" in p] == []
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(hall.close(), 15)
    finally:
        if operator is not None:
            await operator.close()
        await other.close()
        assert bridge.stop() == 0

    # ---- the same hall PC, the same bridge, plain HTTP --------------------------------
    plain = start(tmp_path, site_net, "off")
    try:
        link = plain.links[HALL]
        assert link.startswith(f"http://{site_net.host_address}:")
        assert "Plain HTTP beyond loopback" in "\n".join(plain.output)  # said at start too
        async with async_playwright() as playwright:
            hall = await playwright.chromium.launch(
                executable_path=str(site_net.wrapper(CHROMIUM, tmp_path)),
                headless=True,
                args=browser_args(wav, plain),
                env={**os.environ, "HOME": str(home)},
            )
            try:
                for lang in ("vi", "en"):
                    context = await hall.new_context(
                        viewport=VIEWPORT, permissions=["microphone"], locale=lang
                    )
                    page = await context.new_page()
                    parts = urlsplit(link)
                    await page.goto(urlunsplit(parts._replace(query=f"raw=1&lang={lang}")))
                    assert await page.evaluate("() => window.isSecureContext") is False
                    text = await page_sees_its_warning(page)
                    assert text == I18N[lang]["site.mic.insecure"]
                    assert "http://" in text and "https://" in text  # why, and what to do
                    await screenshot(page, f"site-insecure-{lang}.png")
                    await context.close()
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(hall.close(), 15)
    finally:
        assert plain.stop() == 0
