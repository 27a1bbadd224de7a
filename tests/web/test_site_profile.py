"""The site page applies a hall's hardware profile live (docs/profiles.md): real Chromium with
fake devices against a real bridge. A `profile` push changes the tracks' settings, the layout,
the clock and the banners within 2 s and `profile_applied` reads them back; a device the
profile names but the hall lacks falls back and is reported `missing`; the inventory lists
Chrome's fake devices; `device_health` comes about once a second. Loopback only
(conftest.py).

Profiles are assigned to the hall's site through the bridge's HTTP API
(`PUT /api/sites/{id}/profile`, every field set on the site itself), so what reaches the page
is the bridge's own push; what the page answers is `bridgeSite.profileApplied` /
`bridgeSite.deviceHealth` (also sent to the bridge).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize

from bridge.profiles.schema import Profile
from bridge.signaling.messages import DeviceHealthMessage, ProfileAppliedMessage
from endpoints.operator import OperatorClient
from tests.conftest import RunningBridge
from tests.web.conftest import watch

pytestmark = pytest.mark.browser

HALL = "Điểm cầu tỉnh Lào Cai"
WAIT_MS = 30_000
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
HD: ViewportSize = {"width": 1280, "height": 720}


def profile(**sections: dict[str, Any]) -> dict[str, Any]:
    """A whole profile (validated by the bridge's own model): the defaults, then ``sections``."""
    base = Profile().model_dump()
    for name, fields in sections.items():
        base[name].update(fields)
    return Profile.model_validate(base).model_dump()


async def open_hall(
    chromium: Browser, bridge: RunningBridge, size: ViewportSize
) -> tuple[Page, list[str]]:
    context = await chromium.new_context(
        viewport=size, permissions=["microphone", "camera"], locale="vi-VN"
    )
    page = await context.new_page()
    problems = watch(page, "hall")
    await page.goto(bridge.links[HALL])
    await page.wait_for_function(
        "() => window.bridgeSite && bridgeSite.state === 'connected'", timeout=WAIT_MS
    )
    return page, problems


ANSWERED_JS = """(before) => bridgeSite.profile && bridgeSite.profile.revision > before
  && bridgeSite.profileApplied
  && bridgeSite.profileApplied.revision === bridgeSite.profile.revision"""


async def push(page: Page, bridge: RunningBridge, body: dict[str, Any]) -> dict[str, Any]:
    """Assign ``body`` to the page's hall and wait for the page's answer to the bridge's push;
    the time from the API call to the answer is ``took``."""
    site_id = int(await page.evaluate("() => bridgeSite.site.id"))
    before = await page.evaluate("() => bridgeSite.profile ? bridgeSite.profile.revision : 0")
    started = time.monotonic()
    await asyncio.to_thread(bridge.assign_profile, site_id, body)
    await page.wait_for_function(ANSWERED_JS, arg=before, timeout=WAIT_MS)
    answer: dict[str, Any] = await page.evaluate("() => bridgeSite.profileApplied")
    answer["took"] = time.monotonic() - started
    assert await page.evaluate("() => bridgeSite.profile.profile") == body
    return answer


SETTINGS_JS = """() => {
  const tracks = bridgeSite.pc.getSenders().map((s) => s.track).filter(Boolean);
  const mic = tracks.find((t) => t.kind === "audio");
  const cam = tracks.find((t) => t.kind === "video");
  return {mic: mic ? mic.getSettings() : null, cam: cam ? cam.getSettings() : null};
}"""

# The geometry of what the hall reads: boxes, and the title lines' font size in px.
GEOMETRY_JS = """(ids) => {
  const out = {height: innerHeight, width: innerWidth, boxes: {}};
  for (const id of ids) {
    const el = document.getElementById(id);
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    out.boxes[id] = {
      left: r.left, top: r.top, right: r.right, bottom: r.bottom,
      shown: !el.hidden && style.display !== "none" && r.height > 0,
      font: parseFloat(style.fontSize),
      text: el.innerText,
    };
  }
  const title = document.querySelector("#site-muted .site-muted-title");
  out.mutedTitleFont = parseFloat(getComputedStyle(title).fontSize);
  const t = title.getBoundingClientRect();
  out.mutedTitleFits = title.scrollWidth <= title.clientWidth + 1 && t.height > 0;
  const own = document.querySelector(".site-floor-own-title");
  out.floorFont = parseFloat(getComputedStyle(own).fontSize);
  return out;
}"""


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and b["top"] < a["bottom"] - 0.5
    )


def desired_readback(body: dict[str, Any]) -> dict[str, Any]:
    """The readback a page that did everything asked would give."""
    mic, cam, display = body["microphone"], body["camera"], body["display"]
    return {
        "microphone.echo_cancellation": mic["echo_cancellation"],
        "microphone.noise_suppression": mic["noise_suppression"],
        "microphone.auto_gain_control": mic["auto_gain_control"],
        "microphone.channel_count": mic["channel_count"],
        "microphone.sample_rate": mic["sample_rate"],
        "camera.width": cam["width"],
        "camera.height": cam["height"],
        "camera.frame_rate": cam["frame_rate"],
        "speaker.volume": body["speaker"]["volume"],
        **{f"display.{name}": value for name, value in display.items()},
    }


async def test_a_pushed_profile_changes_the_tracks_and_the_screen_and_is_read_back(
    bridge: RunningBridge, chromium: Browser
) -> None:
    page, problems = await open_hall(chromium, bridge, FULL_HD)
    before = profile(
        camera={"width": 640, "height": 360, "frame_rate": 15},
        display={"layout": "inset", "clock": False, "banner_height": 6},
    )
    first = await push(page, bridge, before)
    assert first["readback"] == first["readback"] | desired_readback(before)
    settings = await page.evaluate(SETTINGS_JS)
    assert (settings["cam"]["width"], settings["cam"]["height"]) == (640, 360)
    assert settings["mic"]["echoCancellation"] is True
    assert await page.get_attribute("body", "data-layout") == "inset"
    assert await page.is_hidden("#site-clock")

    after = profile(
        microphone={"echo_cancellation": False},
        speaker={"volume": 0.5},
        camera={"width": 320, "height": 240, "frame_rate": 10},
        display={"layout": "full", "clock": True, "banner_height": 15},
    )
    answer = await push(page, bridge, after)
    assert answer["took"] < 2.0, answer["took"]
    ProfileAppliedMessage.model_validate({k: v for k, v in answer.items() if k != "took"})
    want = desired_readback(after)
    assert {k: answer["readback"].get(k) for k in want} == want
    assert {k: answer["applied"].get(k) for k in want} == want
    assert answer["problems"] == [] and answer["missing"] == []
    # The browser agrees: the tracks' own settings, the element, the page drawn.
    settings = await page.evaluate(SETTINGS_JS)
    cam, mic = settings["cam"], settings["mic"]
    assert (cam["width"], cam["height"], cam["frameRate"]) == (320, 240, 10)
    assert mic["echoCancellation"] is False
    assert await page.evaluate("() => document.getElementById('site-remote-audio').volume") == 0.5
    assert await page.get_attribute("body", "data-layout") == "full"
    assert await page.is_visible("#site-clock")
    clock = await page.inner_text("#site-clock")
    assert len(clock) == 5 and clock[2] == ":" and clock.replace(":", "").isdigit()
    banner = await page.evaluate(
        "() => parseFloat(getComputedStyle(document.getElementById('site-muted')).height)"
    )
    assert round(banner / 1080 * 100) == 15
    # The camera still goes out (the sender carries the new track, at its new size).
    assert await page.evaluate(
        "() => bridgeSite.pc.getSenders().some((s) => s.track && s.track.kind === 'video'"
        " && s.track.getSettings().width === 320)"
    )
    # The preview the consoles watch: the profile's size and rate, as sender encodings.
    small = profile(
        camera={
            "width": 640,
            "height": 360,
            "frame_rate": 15,
            "preview_width": 160,
            "preview_height": 90,
            "preview_frame_rate": 5,
        }
    )
    await push(page, bridge, small)
    for send, scale, rate in (("preview", 4, 5), ("full", 1, 15)):
        await page.evaluate("(s) => bridgeSite.feed({type: 'video', send: s})", send)
        await page.wait_for_function(
            """([scale, rate]) => {
              const s = bridgeSite.pc.getSenders().find((x) => x.track && x.track.kind === "video");
              const e = s && s.getParameters().encodings[0];
              return e && e.scaleResolutionDownBy === scale && e.maxFramerate === rate;
            }""",
            arg=[scale, rate],
            timeout=5_000,
        )
    assert [p for p in problems if "pageerror" in p] == []


async def test_a_missing_device_falls_back_and_the_inventory_lists_the_fake_devices(
    bridge: RunningBridge, chromium: Browser
) -> None:
    page, problems = await open_hall(chromium, bridge, FULL_HD)
    body = profile(
        microphone={"labels": ["Sennheiser*", "*TCC 2*"]}, camera={"labels": ["fake_device_*"]}
    )
    answer = await push(page, bridge, body)
    assert answer["missing"] == [
        {
            "kind": "microphone",
            "patterns": ["Sennheiser*", "*TCC 2*"],
            "used": "Fake Default Audio Input",
        }
    ]
    assert answer["devices"]["microphone"] == "Fake Default Audio Input"
    assert answer["devices"]["camera"] == "fake_device_0"
    labels = {(d["kind"], d["label"]) for d in answer["inventory"]}
    assert {("audioinput", "Fake Default Audio Input"), ("videoinput", "fake_device_0")} <= labels
    assert any(kind == "audiooutput" for kind, _ in labels)
    caps = next(d["capabilities"] for d in answer["inventory"] if d["kind"] == "videoinput")
    assert caps["width"]["max"] >= 640 and "frameRate" in caps
    # The technician sees it in the corner, in Vietnamese.
    warning = page.locator("#site-device-warning")
    await warning.wait_for(state="visible", timeout=WAIT_MS)
    assert "«Sennheiser*»" in await warning.inner_text() and "micrô" in await warning.inner_text()

    # A pattern that does match picks that device (the mic reopened on it) and clears it.
    answer = await push(page, bridge, profile(microphone={"labels": ["fake audio input 2"]}))
    assert answer["missing"] == [] and answer["devices"]["microphone"] == "Fake Audio Input 2"
    assert await page.evaluate(
        "() => bridgeSite.pc.getSenders()"
        ".some((s) => s.track && s.track.label === 'Fake Audio Input 2')"
    )
    await warning.wait_for(state="hidden", timeout=WAIT_MS)
    assert [p for p in problems if "pageerror" in p] == []


async def test_a_profile_assigned_before_the_hall_joins_and_rapid_pushes_end_in_the_latest(
    bridge: RunningBridge, chromium: Browser
) -> None:
    context = await chromium.new_context(viewport=HD, permissions=["microphone", "camera"])
    page = await context.new_page()
    problems = watch(page, "hall")
    # The hall is offline: it gets the profile when it joins, and opens its camera with it.
    sites = httpx.get(
        f"{bridge.url}/api/sites",
        headers={"authorization": f"Bearer {bridge.login()}"},
        timeout=10,
    ).json()["sites"]
    site_id = next(s["id"] for s in sites if s["name"] == HALL)
    early = profile(camera={"width": 320, "height": 180, "frame_rate": 10})
    await asyncio.to_thread(bridge.assign_profile, site_id, early)
    await page.goto(bridge.links[HALL])
    await page.wait_for_function(ANSWERED_JS, arg=0, timeout=WAIT_MS)
    assert await page.evaluate("() => bridgeSite.profile.profile") == early
    # (Nobody else is in the session, so the bridge may have paused the camera's sender:
    # the camera track's own settings are in the readback.)
    readback = await page.evaluate("() => bridgeSite.profileApplied.readback")
    assert (readback["camera.width"], readback["camera.height"]) == (320, 180)
    await page.wait_for_function("() => bridgeSite.state === 'connected'", timeout=WAIT_MS)

    # Three pushes in a row: the last one is what the page ends in, and answers.
    before = await page.evaluate("() => bridgeSite.profile.revision")
    for width in (640, 480, 800):
        body = profile(camera={"width": width, "height": width * 9 // 16, "frame_rate": 10})
        await asyncio.to_thread(bridge.assign_profile, site_id, body)
    last = time.monotonic()
    await page.wait_for_function(
        """(before) => bridgeSite.profile.revision >= before + 3
          && bridgeSite.profileApplied.revision === bridgeSite.profile.revision""",
        arg=before,
        timeout=WAIT_MS,
    )
    assert time.monotonic() - last < 2.0
    answer = await page.evaluate("() => bridgeSite.profileApplied")
    assert (answer["readback"]["camera.width"], answer["readback"]["camera.height"]) == (800, 450)
    assert [p for p in problems if "pageerror" in p] == []


async def test_device_health_comes_once_a_second_with_the_fake_microphone_and_camera(
    bridge: RunningBridge, chromium: Browser
) -> None:
    page, problems = await open_hall(chromium, bridge, HD)
    start = await page.evaluate("() => bridgeSite.deviceHealthSent")
    await asyncio.sleep(4.2)
    count = await page.evaluate("() => bridgeSite.deviceHealthSent") - start
    assert 3 <= count <= 5, count
    health = await page.evaluate("() => bridgeSite.deviceHealth")
    DeviceHealthMessage.model_validate(health)
    mic, camera, speaker = health["microphone"], health["camera"], health["speaker"]
    assert mic["live"] is True and mic["level_db"] > -60 and mic["peak_db"] >= mic["level_db"]
    assert 0 <= mic["clipping"] < 0.5
    assert camera["live"] is True and camera["fps"] > 0 and camera["width"] > 0
    assert await page.evaluate("() => bridgeSite.deviceHealthSource") == "media-source"
    assert speaker["playing"] is True and speaker["device"]
    assert [p for p in problems if "pageerror" in p] == []


@pytest.mark.parametrize("size", [FULL_HD, HD], ids=["1920x1080", "1280x720"])
async def test_the_clock_and_banners_are_readable_and_clear_of_the_hand_and_status(
    bridge: RunningBridge, chromium: Browser, size: ViewportSize
) -> None:
    token = bridge.login()
    page, problems = await open_hall(chromium, bridge, size)
    hall_id = int(await page.evaluate("() => bridgeSite.site.id"))
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        ids = ["site-clock", "site-muted", "site-hand-block", "site-status"]
        for height in (6, 10, 15):
            await push(page, bridge, profile(display={"clock": True, "banner_height": height}))
            await operator.mute(hall_id)
            await page.locator("#site-muted").wait_for(state="visible", timeout=WAIT_MS)
            geometry = await page.evaluate(GEOMETRY_JS, ids)
            boxes, screen = geometry["boxes"], geometry["height"]
            where = f"{size['width']}x{size['height']} banner {height} %"
            assert all(boxes[i]["shown"] for i in ids), (where, boxes)
            assert boxes["site-clock"]["font"] >= 0.03 * screen, where
            assert geometry["mutedTitleFont"] >= 0.03 * screen, where
            assert geometry["mutedTitleFits"], where
            muted = boxes["site-muted"]
            assert round((muted["bottom"] - muted["top"]) / screen * 100) == height, (where, muted)
            for a in ("site-clock", "site-muted"):
                for b in ("site-hand-block", "site-status"):
                    assert not overlap(boxes[a], boxes[b]), (where, a, b, boxes)
            assert not overlap(boxes["site-clock"], boxes["site-muted"]), where
            answer = await page.evaluate("() => bridgeSite.profileApplied")
            assert answer["readback"]["display.banner_height"] == height
            await operator.unmute(hall_id)
            await page.locator("#site-muted").wait_for(state="hidden", timeout=WAIT_MS)
        # Given the floor: the hall's own floor banner, as big.
        await operator.give_floor(hall_id)
        await page.locator("#site-floor-own").wait_for(state="visible", timeout=WAIT_MS)
        geometry = await page.evaluate(GEOMETRY_JS, ["site-floor", "site-hand-block", "site-clock"])
        floor = geometry["boxes"]["site-floor"]
        assert round((floor["bottom"] - floor["top"]) / geometry["height"] * 100) == 15
        assert geometry["floorFont"] >= 0.03 * geometry["height"]
        assert not overlap(floor, geometry["boxes"]["site-hand-block"])
    finally:
        await operator.close()
    assert [p for p in problems if "pageerror" in p] == []
