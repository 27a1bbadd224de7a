"""The recording plays in a standard player: real headless Chromium loads the file in a
``<video>`` element, knows its duration and size, and decodes both its tracks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.recording.test_recorder import record_session
from tests.web.conftest import CHROMIUM, browser_skip_reason

pytestmark = pytest.mark.browser

PAGE = '<!doctype html><meta charset="utf-8"><video id="v" src="{name}" muted></video>'


async def test_chromium_plays_the_recording(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    result, _ = await record_session(tmp_path)
    page_file = tmp_path / "play.html"
    page_file.write_text(PAGE.format(name=result.path.name), "utf-8")
    executable = CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        try:
            page = await browser.new_page()
            await page.goto(page_file.as_uri())
            played = await page.evaluate(
                """async () => {
                    const v = document.getElementById("v");
                    if (v.readyState < 1) {
                        await new Promise((ok, fail) => {
                            v.onloadedmetadata = ok;
                            v.onerror = () => fail(new Error(String(v.error && v.error.code)));
                        });
                    }
                    const meta = {duration: v.duration, width: v.videoWidth, height: v.videoHeight};
                    v.playbackRate = 4;
                    await v.play();
                    await new Promise((ok) => { v.onended = ok; });
                    return {...meta, at: v.currentTime,
                            frames: v.getVideoPlaybackQuality().totalVideoFrames,
                            audio_bytes: v.webkitAudioDecodedByteCount,
                            end_width: v.videoWidth, end_height: v.videoHeight};
                }"""
            )
        finally:
            await browser.close()
    assert abs(played["duration"] - 10.0) < 1.0, played
    assert (played["width"], played["height"]) == (160, 120)  # hall 1, shown first
    assert (played["end_width"], played["end_height"]) == (320, 240)  # hall 2 after the switch
    assert played["frames"] >= 250 and played["audio_bytes"] > 0, played
