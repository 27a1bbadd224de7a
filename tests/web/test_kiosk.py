"""The hall PC kiosk set-up in Debian's real Chromium: its policies alone grant the camera and
microphone and allow sound, with nobody there to click "Allow".

Chromium is started WITH the kit's policy file (``bridge kit --hall-link``, filled for a real
bridge's real join link) and WITHOUT ``--use-fake-ui-for-media-stream`` or
``--autoplay-policy``: only the policy can grant capture and autoplay. Fake devices stand in
for the hall's camera and microphone. A control run with no policy, same flags otherwise,
must get no capture and no autoplay — so the policy run proves the policy.

Chromium on Linux reads managed policies only from /etc/chromium/policies/managed. The test
never writes the real /etc: Playwright's ``executable_path`` is a wrapper that starts
Chromium in a private mount namespace (``unshare -m``) where a temporary directory is bound
over /etc/chromium (or over its policies/managed directory when that exists).

Observing the site page without touching it matters: Playwright's ``evaluate`` runs as a user
gesture, which would unlock autoplay by itself. So the page reports through an exposed
binding from an init script (neither counts as a gesture) until its sound has started, and
records whether the document had seen any user activation when it did.

Run inside a namespace with only loopback (`make test` does it); see conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from bridge.hall_kiosk import POLICY_FILE, HallLink, hall_link, kiosk_files
from tests.conftest import RunningBridge  # and its `bridge` fixture: a real `bridge serve`
from tests.web.conftest import CHROMIUM, chromium_args, watch, write_tone_wav

pytestmark = pytest.mark.browser

HALL = "Điểm cầu tỉnh Lào Cai"
ETC_CHROMIUM = Path("/etc/chromium")
MANAGED = ETC_CHROMIUM / "policies" / "managed"
WAIT_S = 30.0
# Still applied by this Chromium but marked deprecated: kept for the older Chrome versions
# hall PCs run (docs/hall-pc.md).
DEPRECATED_KEPT = {"PromotionalTabsEnabled"}
# Flags that would grant what the policies must grant: never in these runs.
GRANTING_FLAGS = ("--use-fake-ui-for-media-stream", "--autoplay-policy")


def mount_skip_reason(tmp_path: Path) -> str | None:
    """Why Chromium cannot be given a private /etc/chromium here, or None."""
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) is not installed"
    if not ETC_CHROMIUM.is_dir():
        return f"{ETC_CHROMIUM} does not exist (Debian's chromium package makes it)"
    probe = tmp_path / "mount-probe"
    probe.mkdir()
    try:
        result = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount --bind '{probe}' '{ETC_CHROMIUM}'"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot make a private mount namespace: {exc}"
    if result.returncode != 0:
        return f"cannot make a private mount namespace: {result.stderr.strip()}"
    return None


def policy_wrapper(tmp_path: Path, policy: str | None) -> Path:
    """An executable that runs Debian's Chromium seeing ``policy`` (the text of a policy
    file, or None for none at all) as its only managed policy, in its own mount namespace."""
    if MANAGED.is_dir():  # bind just the managed directory: the rest of /etc/chromium stays
        source, target = tmp_path / "managed", MANAGED
        source.mkdir()
        managed = source
    else:  # a copy of /etc/chromium with policies/managed added, bound over it
        source, target = tmp_path / "etc-chromium", ETC_CHROMIUM
        shutil.copytree(ETC_CHROMIUM, source, symlinks=True)
        managed = source / "policies" / "managed"
        managed.mkdir(parents=True, exist_ok=True)
    if policy is not None:
        (managed / POLICY_FILE).write_text(policy, encoding="utf-8")
    script = tmp_path / "chromium-with-policies"
    # sh -c SCRIPT SOURCE TARGET ARGS…: $0 is SOURCE, $1 TARGET; one shift leaves the ARGS.
    script.write_text(
        "#!/bin/sh\n"
        f'exec unshare -m sh -c \'mount --bind "$0" "$1" && shift && exec {CHROMIUM} "$@"\''
        f' "{source}" "{target}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def flags(wav: Path) -> list[str]:
    args = [a for a in chromium_args(wav) if not a.startswith(GRANTING_FLAGS)]
    assert not any(a.startswith(GRANTING_FLAGS) for a in args)
    return args


@contextlib.asynccontextmanager
async def hall_pc(tmp_path: Path, policy: str | None) -> AsyncIterator[BrowserContext]:
    """A hall PC's Chromium: its own profile (a persistent context, as on the PC), the
    policy or none, fake camera and microphone, nothing that grants anything."""
    if CHROMIUM.exists() is False:
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    reason = mount_skip_reason(tmp_path)
    if reason:
        pytest.skip(reason)
    wav = write_tone_wav(tmp_path / "hall-mic.wav", 440.0, 0.1)
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(policy_wrapper(tmp_path, policy)),
            headless=True,
            args=flags(wav),
        )
        try:
            yield context
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), 15)


def kit_for(bridge: RunningBridge) -> tuple[HallLink, str]:
    """The hall's link as the kit makes it, and the kit's own policy file for it."""
    hall = hall_link(bridge.links[HALL])
    return hall, kiosk_files(hall)[POLICY_FILE][0]


# chrome://policy draws its table in shadow roots: walk them for the policy rows.
POLICY_ROWS_JS = """() => {
  const rows = [];
  const walk = (root) => root.querySelectorAll("*").forEach((el) => {
    if (el.shadowRoot) walk(el.shadowRoot);
    if (el.classList && el.classList.contains("policy") && el.classList.contains("row")) {
      rows.push(el.innerText.replace(/\\s+/g, " ").trim());
    }
  });
  walk(document);
  return rows;
}"""


async def policy_statuses(page: Page) -> dict[str, str]:
    """Policy name -> its status on chrome://policy ("OK", "Deprecated", "Error", …), for the
    policies that are set (unset ones say "Not set.")."""
    await page.goto("chrome://policy")
    deadline = time.monotonic() + WAIT_S
    while True:
        rows = await page.evaluate(POLICY_ROWS_JS)
        found = {r.split(" ")[0]: r.split(" ")[-1] for r in rows if not r.endswith("Not set.")}
        if found or time.monotonic() > deadline or len(rows) > 100:
            return found
        await asyncio.sleep(0.2)


# Installed before the page's own scripts: reports what the page knows every 300 ms through
# the binding, and when anything started playing, whether the user had ever interacted.
REPORTER_JS = """(() => {
  const plays = [];
  let unlockShown = false;
  document.addEventListener("playing", (e) => {
    plays.push({id: e.target.id, activated: navigator.userActivation.hasBeenActive});
  }, true);
  setInterval(() => {
    const s = window.bridgeSite;
    if (!s || !window.__hallReport) return;
    const audio = document.getElementById("site-remote-audio");
    const unlock = document.getElementById("site-unlock-audio");
    if (unlock && !unlock.hidden) unlockShown = true;
    window.__hallReport({
      state: s.state, mic: s.micAvailable, micError: s.micError, camera: s.cameraAvailable,
      audioPaused: audio ? audio.paused : null, unlockShown,
      plays: plays.slice(),
    });
  }, 300);
})()"""


async def watch_site(page: Page, url: str, done: Any) -> dict[str, Any]:
    """Open the site page and wait (bounded) for a report that satisfies ``done``."""
    reports: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await page.expose_function("__hallReport", reports.put_nowait)
    await page.add_init_script(REPORTER_JS)
    await page.goto(url)
    deadline = time.monotonic() + WAIT_S
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            last = await asyncio.wait_for(reports.get(), 5)
        except TimeoutError:
            continue
        if done(last):
            break
    return last


# Plays a short generated tone, on a page of the bridge's origin that captures nothing
# (capturing pages may autoplay anyway): only the autoplay policy lets it play unprompted.
AUTOPLAY_PROBE_JS = """(() => { window.addEventListener("load", async () => {
  const rate = 8000, n = 4000, buf = new ArrayBuffer(44 + n * 2), v = new DataView(buf);
  const w = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
  w(0, "RIFF"); v.setUint32(4, 36 + n * 2, true); w(8, "WAVEfmt "); v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  w(36, "data"); v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, Math.round(8000 * Math.sin(i / 3)), true);
  const audio = new Audio(URL.createObjectURL(new Blob([buf], {type: "audio/wav"})));
  let result;
  try { await audio.play(); result = "played"; } catch (e) { result = e.name; }
  window.__autoplayReport({result, activated: navigator.userActivation.hasBeenActive,
                           context: new AudioContext().state});
}); })()"""


async def autoplay_probe(context: BrowserContext, bridge: RunningBridge) -> dict[str, Any]:
    page = await context.new_page()
    results: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await page.expose_function("__autoplayReport", results.put_nowait)
    await page.add_init_script(AUTOPLAY_PROBE_JS)
    await page.goto(f"{bridge.url}/console")
    result = await asyncio.wait_for(results.get(), WAIT_S)
    await page.close()
    return result


OUTBOUND_AUDIO_JS = """async () => {
  let sent = 0;
  (await bridgeSite.pc.getStats()).forEach((s) => {
    if (s.type === "outbound-rtp" && s.kind === "audio") sent = s.packetsSent || 0;
  });
  return sent;
}"""

PERMISSIONS_JS = """async () => ({
  microphone: (await navigator.permissions.query({name: "microphone"})).state,
  camera: (await navigator.permissions.query({name: "camera"})).state,
})"""


async def test_the_kits_policies_alone_grant_capture_and_sound(
    tmp_path: Path, bridge: RunningBridge
) -> None:
    hall, policy = kit_for(bridge)
    wanted = json.loads(policy)
    assert wanted["VideoCaptureAllowedUrls"] == [bridge.url] == wanted["AudioCaptureAllowedUrls"]
    async with hall_pc(tmp_path, policy) as context:
        page = context.pages[0] if context.pages else await context.new_page()

        # (a) Chromium read every policy of the kit, and knows each one.
        statuses = await policy_statuses(page)
        assert set(wanted) <= set(statuses), f"not read: {set(wanted) - set(statuses)}"
        wrong = {
            name: status
            for name, status in statuses.items()
            if name in wanted and not (status == "OK" or (name in DEPRECATED_KEPT))
        }
        assert wrong == {}, f"policies Chromium does not apply as they are: {wrong}"

        # (b) The hall's page gets its microphone and camera with no prompt, and sends.
        site = await context.new_page()
        problems = watch(site, "site")
        report = await watch_site(
            site,
            hall.link,
            lambda r: (
                r["state"] == "connected"
                and any(p["id"] == "site-remote-audio" for p in r["plays"])
            ),
        )
        assert report.get("state") == "connected", (report, problems)
        assert report["mic"] is True and report["micError"] is None, report
        assert report["camera"] is True, report
        # (c) Its sound started by itself: playing, and the "tap for sound" button it shows
        # when autoplay is refused never appeared. (Chromium itself marks a document the
        # autoplay policy allows as user-activated, so that flag says nothing here; the
        # probe below, on a page that captures nothing, is the control that can fail.)
        assert any(p["id"] == "site-remote-audio" for p in report["plays"]), report
        assert report["audioPaused"] is False and report["unlockShown"] is False, report
        # (From here on a probe may count as a gesture: all that mattered is recorded.)
        assert await site.evaluate(PERMISSIONS_JS) == {"microphone": "granted", "camera": "granted"}
        sent = 0
        for _ in range(50):
            sent = int(await site.evaluate(OUTBOUND_AUDIO_JS))
            if sent > 20:
                break
            await asyncio.sleep(0.2)
        assert sent > 20, "the hall's microphone is not being sent"
        assert await site.evaluate("() => bridgeSite.kiosk") is True  # the kit's ?kiosk=1

        # (c) And on a page that captures nothing, the autoplay policy is what lets it play.
        probe = await autoplay_probe(context, bridge)
        assert probe == {"result": "played", "activated": False, "context": "running"}, probe
        assert [p for p in problems if "pageerror" in p] == []


async def test_without_the_policies_the_same_chromium_gets_no_capture_and_no_sound(
    tmp_path: Path, bridge: RunningBridge
) -> None:
    """The control run: what the policy run proves is the policy's doing."""
    hall, policy = kit_for(bridge)
    async with hall_pc(tmp_path, None) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        statuses = await policy_statuses(page)
        assert not set(json.loads(policy)) & set(statuses), statuses

        site = await context.new_page()
        report = await watch_site(site, hall.link, lambda r: r["mic"] is False)
        assert report.get("mic") is False, report  # refused (headless: no one to ask)
        assert report["micError"] == "NotAllowedError", report
        permissions = await site.evaluate(PERMISSIONS_JS)
        assert permissions["microphone"] in ("denied", "prompt"), permissions
        assert permissions["camera"] in ("denied", "prompt"), permissions

        probe = await autoplay_probe(context, bridge)
        assert probe["result"] == "NotAllowedError" and probe["activated"] is False, probe
        assert probe["context"] == "suspended", probe


@contextlib.asynccontextmanager
async def started(command: list[str], profile: Path, env: dict[str, str]) -> AsyncIterator[Any]:
    """Run ``command`` (a Chromium started the way a hall PC starts it, plus a DevTools port
    chosen by Chromium itself) and connect to it; stopped afterwards."""
    log = profile.parent / f"{profile.name}.log"  # a file: a full pipe would stall Chromium
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    port_file = profile / "DevToolsActivePort"
    try:
        deadline = time.monotonic() + WAIT_S
        while not port_file.exists() and time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the browser exited: {log.read_text()[-2000:]}")
            await asyncio.sleep(0.1)
        assert port_file.exists(), f"no DevTools port: {log.read_text()[-2000:]}"
        port = int(port_file.read_text().split()[0])
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
            try:
                yield browser
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(browser.close(), 15)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def hall_page(browser: Any) -> Page:
    """The page the browser opened by itself on the hall's link, once it has joined."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for context in browser.contexts:
            for page in context.pages:
                if "/site/" in page.url:
                    with contextlib.suppress(Exception):
                        if await page.evaluate("() => window.bridgeSite.state") == "connected":
                            return page
        await asyncio.sleep(0.3)
    pages = [p.url for c in browser.contexts for p in c.pages]
    raise AssertionError(f"no joined hall page among {pages}")


def headless_flags(wav: Path) -> list[str]:
    """What a test adds to the hall PC's own start: headless, a DevTools port, fake devices
    (no flag that grants capture). No flag with a space in it: the launcher splits them."""
    return [
        "--headless",
        "--remote-debugging-port=0",
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--allow-loopback-in-peer-connection",
        "--disable-background-networking",
        "--disable-component-update",
    ]


async def test_the_kits_launcher_opens_the_hall_and_joins_with_its_microphone(
    tmp_path: Path, bridge: RunningBridge
) -> None:
    """The kit's own bridge-hall.sh, as the autostart entry runs it (plus headless and a
    DevTools port): the hall's page opens in kiosk mode, joins and has its microphone."""
    hall, policy = kit_for(bridge)
    reason = mount_skip_reason(tmp_path)
    if reason:
        pytest.skip(reason)
    kit = tmp_path / "kit"
    kit.mkdir()
    launcher = kit / "bridge-hall.sh"
    body, _ = kiosk_files(hall)["bridge-hall.sh"]
    launcher.write_text(body, encoding="utf-8")
    launcher.chmod(0o755)
    wav = write_tone_wav(tmp_path / "hall-mic.wav", 440.0, 0.1)
    profile = tmp_path / "hall-profile"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
        "HOME": str(tmp_path / "home"),
        "BRIDGE_HALL_BROWSER": str(policy_wrapper(tmp_path, policy)),
        "BRIDGE_HALL_PROFILE": str(profile),
        "BRIDGE_HALL_EXTRA_FLAGS": " ".join(headless_flags(wav)),
    }
    async with started([str(launcher)], profile, env) as browser:
        page = await hall_page(browser)
        assert page.url.startswith(hall.link.split("#")[0])  # the token left the address bar
        state = await page.evaluate(
            "() => [bridgeSite.micAvailable, bridgeSite.cameraAvailable, bridgeSite.kiosk]"
        )
        assert state == [True, True, True]


async def test_started_with_no_link_chromium_opens_the_hall_by_policy(
    tmp_path: Path, bridge: RunningBridge
) -> None:
    """RestoreOnStartup 4 + RestoreOnStartupURLs: Chromium started from a menu or by hand,
    with no link, opens the hall's link and joins."""
    hall, policy = kit_for(bridge)
    reason = mount_skip_reason(tmp_path)
    if reason:
        pytest.skip(reason)
    wav = write_tone_wav(tmp_path / "hall-mic.wav", 440.0, 0.1)
    profile = tmp_path / "hall-profile"
    command = [
        str(policy_wrapper(tmp_path, policy)),
        f"--user-data-dir={profile}",
        "--no-first-run",
        *headless_flags(wav),
    ]
    async with started(command, profile, dict(os.environ)) as browser:
        page = await hall_page(browser)
        assert page.url.startswith(hall.link.split("#")[0])  # the policy's link, kiosk=1
        assert await page.evaluate("() => bridgeSite.micAvailable") is True
