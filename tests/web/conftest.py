"""Real headless Chromium (Debian's, never a downloaded one) for the `browser` tests.

Tests may only use loopback. Once it has media permission Chromium offers ICE host
candidates on every interface, so the browser tests run only where loopback is the only
address: inside the fresh network namespace `make test` creates (`unshare -n`). Anywhere
else they are skipped with the reason, never run against the machine's other addresses.
"""

from __future__ import annotations

import ipaddress
import math
import shutil
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import ifaddr
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import RunningBridge

CHROMIUM = Path("/usr/bin/chromium")
FAKE_MIC_HZ = 440.0
FAKE_MIC_AMPLITUDE = 0.1  # -20 dBFS peak: the mixer's levelling target, so it stays put
SAMPLE_RATE = 48_000


def non_loopback_addresses() -> list[str]:
    """Every interface address that is not loopback (IPv4 and IPv6, link-local included)."""
    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]  # IPv6: (addr, flow, scope)
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                continue
            if not address.is_loopback:
                found.append(f"{adapter.nice_name}:{address}")
    return found


def browser_skip_reason() -> str | None:
    others = non_loopback_addresses()
    if others:
        return (
            "run via `make test`: needs a network namespace with only loopback "
            f"(this one also has {', '.join(others[:4])}{' …' if len(others) > 4 else ''})"
        )
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return "run via `make test`: Debian's chromium is not installed (/usr/bin/chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    reason = browser_skip_reason()
    if reason:
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=reason))


def write_tone_wav(path: Path, hz: float, amplitude: float, seconds: float = 10.0) -> Path:
    """48 kHz mono 16-bit sine; a whole number of cycles, so Chromium's looping is seamless."""
    count = int(seconds * SAMPLE_RATE)
    peak = amplitude * 32767
    frames = b"".join(
        struct.pack("<h", round(peak * math.sin(2 * math.pi * hz * i / SAMPLE_RATE)))
        for i in range(count)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)
    return path


def chromium_args(fake_audio: Path) -> list[str]:
    # No --disable-features here: Playwright passes its own list, and a second one would
    # replace it rather than merge (docs: AIORTC-NOTES "Real Chromium").
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_audio}",
        "--autoplay-policy=no-user-gesture-required",
        "--allow-loopback-in-peer-connection",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-sandbox",
    ]


@pytest.fixture
async def chromium(tmp_path: Path) -> AsyncIterator[Browser]:
    """One headless Chromium whose fake microphone plays a 440 Hz, 0.1-amplitude sine.

    One process per test (the fake-audio file is per process); give it several contexts
    rather than starting a second browser: each one costs a CPU on a small machine.
    """
    wav = write_tone_wav(tmp_path / "fake-mic-440.wav", FAKE_MIC_HZ, FAKE_MIC_AMPLITUDE)
    executable = CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=chromium_args(wav)
        )
        try:
            yield browser
        finally:
            await browser.close()


async def open_board(
    page: Page,
    bridge: RunningBridge,
    wait_ms: float = 30_000,
    username: str = "admin",
    password: str | None = None,
) -> None:
    """Log in to the console (as admin unless told) and open the demo session's board."""
    await page.goto(f"{bridge.url}/console")
    await page.fill("#login-username", username)
    await page.fill("#login-password", password or str(bridge.password))
    await page.click("#login-submit")
    await page.click('#session-list button.session-open[data-session-id="1"]', timeout=wait_ms)
    await page.wait_for_function(
        "() => window.bridgeConsole && bridgeConsole.state === 'ready'", timeout=wait_ms
    )


def watch(page: Page, name: str) -> list[str]:
    """Collect a page's uncaught errors and console errors (for assertions and messages)."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"{name} pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{name} console.{msg.type}: {msg.text}")
            if msg.type == "error"
            else None
        ),
    )
    return problems
