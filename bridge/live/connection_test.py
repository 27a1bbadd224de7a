"""A hall's connection test, run by the bridge through the session's real media path.

One ``ConnectionTest`` per hall at a time (``ConnectionTests`` keeps them), ≤ 20 s:

1. **media, 10 s** — the hall sends its microphone and camera (full size, whatever it is
   shown), the bridge its mix. Meanwhile: signaling pings every 0.5 s (`test_ping` →
   `test_pong`: the WebSocket's round trip), the receiver reports' round trips, what arrives
   from the hall (statistics before and after: loss, jitter), its microphone decoded frame by
   frame (level, noise floor, clipping: bridge/probe/microphone.py), its camera's frames
   (rate and size), and at 1 s the **chirp** (bridge/probe/chirp.py) played to this hall
   alone, looked for in what its microphone sends back;
2. **uplink ramp, 3 s** — the hall sends the probe on its data channel at 0.5, 1 and 1.5 ×
   what its profile needs (bridge/readiness/bitrate.py); the bridge counts what arrives;
3. **downlink ramp, 3 s** — the bridge sends, the hall counts;
4. **the hall's report** (`test_collect` → `test_report`): what it received of the bridge's
   audio, its ICE pair, its camera's settings, its echo cancellation, its own loop figures;
5. **the verdict** (bridge/readiness/figures.py → verdict.py), sent to the hall
   (`test_result`), to the consoles (`readiness`) and to the store.

The ramps run for at most ``RAMPS_AT_ONCE`` halls at a time across the bridge (a hall
waits its turn): at 60 halls testing at once their probes would otherwise take the bridge's
whole CPU from the session's audio (docs/performance.md). A hall that leaves, or does not
answer, ends its test with what was measured; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from bridge.probe.chirp import SAMPLE_RATE, Loop, chirp, find_loop
from bridge.probe.microphone import Microphone, analyse
from bridge.probe.pacing import UP, StepCounter
from bridge.readiness.bitrate import Step, needed_kbps, probe_steps
from bridge.readiness.figures import Counts, Raw, measure
from bridge.readiness.verdict import judge

log = logging.getLogger(__name__)

MEDIA_S = 10.0
PING_EVERY_S = 0.5
CHIRP_AT_S = 1.0
STEP_S = 1.0
REPORT_TIMEOUT_S = 3.0
RAMP_WAIT_S = 60.0  # a hall waits at most this long for its turn at the ramps
RAMPS_AT_ONCE = 3
MIN_INTERVAL_S = 30.0  # a hall's tests, at most one per this
MAX_RECORDED_FRAMES = int(MEDIA_S * 50) + 100  # the microphone's frames kept (bounded)
FRAME_S = 0.02
FRAME_SAMPLES = 960

ANALYSES_AT_ONCE = 1  # recordings analysed at a time across the bridge (worker threads)


class _Turns:
    """A bridge-wide limit on how many tests do one thing at once, made on first use (a
    semaphore belongs to the event loop that first waits on it)."""

    def __init__(self, at_once: int) -> None:
        self.at_once = at_once
        self._semaphore: asyncio.Semaphore | None = None

    def __call__(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.at_once)
        return self._semaphore


_ramp_turns = _Turns(RAMPS_AT_ONCE)
_analysis_turns = _Turns(ANALYSES_AT_ONCE)


class Hall(Protocol):
    def send(self, message: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class Wanted:
    """What the hall's profile asks of its camera."""

    width: int
    height: int
    fps: float


class TestRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "test_running", "too_many_requests", "site_offline"


class ConnectionTest:
    def __init__(
        self,
        site_id: int,
        hall: Hall,
        probe: Any | None,
        wanted: Wanted,
        source: str,
        by: str,
        turn_configured: bool,
    ) -> None:
        self.site_id = site_id
        self.id = secrets.token_hex(8)
        self.hall = hall
        self.probe = probe
        self.wanted = wanted
        self.source = source
        self.by = by
        self.turn_configured = turn_configured
        self.started_at = datetime.now(UTC)
        self._pongs: list[float] = []
        self._sent_pings: dict[int, float] = {}
        self._report: asyncio.Future[dict[str, Any]] | None = None
        self._down_steps: list[float] = []  # the downlink probe's rates, for the report

    # ---- what the hall answers -------------------------------------------------------

    def pong(self, n: int, t: float) -> None:
        sent = self._sent_pings.pop(n, None)
        if sent is not None and sent == t:
            self._pongs.append((time.monotonic() - sent) * 1000.0)

    def report(self, test_id: str, payload: dict[str, Any]) -> bool:
        if test_id != self.id or self._report is None or self._report.done():
            return False
        self._report.set_result(payload)
        return True

    # ---- the run ---------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        raw = Raw(needed_kbps=needed_kbps(self.wanted.width, self.wanted.height, self.wanted.fps))
        raw.wanted_fps, raw.wanted_width, raw.wanted_height = (
            self.wanted.fps,
            self.wanted.width,
            self.wanted.height,
        )
        self.hall.send({"type": "test_begin", "test_id": self.id, "media_ms": int(MEDIA_S * 1000)})
        probe = self.probe
        started = time.monotonic()
        report: dict[str, Any] = {}
        if probe is not None and probe.connected:
            raw.media_connected = True
            try:
                await self._media_phase(probe, raw)
                await self._ramps(probe, raw)
            except Exception:  # a hall gone mid-test: judge what was measured
                log.exception("site %s: connection test cut short", self.site_id)
        else:
            await self._pings_only()
        report = await self._collect()
        self._apply_report(report, raw)
        raw.signaling_rtts_ms = list(self._pongs)
        measured, extra = measure(raw)
        verdict = judge(measured)
        figures = {
            **asdict(measured),
            **extra,
            "duration_ms": int(1000 * (time.monotonic() - started)),
        }
        figures["ice_relay_protocol"] = (report.get("ice") or {}).get("relay_protocol")
        return {
            "test_id": self.id,
            "site_id": self.site_id,
            "source": self.source,
            "by": self.by,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "state": str(verdict.state),
            "figures": figures,
            "reasons": [
                asdict(reason) | {"severity": str(reason.severity)} for reason in verdict.reasons
            ],
            "unmeasured": list(verdict.unmeasured),
        }

    async def _ping(self, n: int) -> None:
        t = time.monotonic()
        self._sent_pings[n] = t
        self.hall.send({"type": "test_ping", "n": n, "t": t})

    async def _pings_only(self) -> None:
        for n in range(4):
            await self._ping(n)
            await asyncio.sleep(PING_EVERY_S)

    async def _media_phase(self, probe: Any, raw: Raw) -> None:
        peer = probe.peer
        recording = Recording()
        frames: list[float] = []
        sizes: list[tuple[int, int]] = []

        def on_frame(frame: Any) -> None:
            if len(frames) < 2000:
                frames.append(time.monotonic())
            if frame.keyframe:
                size = vp8_size(frame.data)
                if size is not None:
                    sizes.append(size)

        before = await _received(peer)
        played_before = probe.concealed()
        probe.listen(recording.add)
        peer.frame_watcher = on_frame
        peer.request_keyframe()  # the camera's size is read from a keyframe
        link = peer.arrivals()
        reports = link.reports if link is not None else 0
        chirp_sent: list[float] = []
        sweep = chirp()
        listen_from = time.monotonic()
        n = 0
        try:
            while (elapsed := time.monotonic() - listen_from) < MEDIA_S:
                await self._ping(n)
                n += 1
                if not chirp_sent and elapsed >= CHIRP_AT_S:
                    chirp_sent.append(0.0)  # asked; the mixer says when it went
                    probe.play(sweep, lambda at: chirp_sent.__setitem__(0, at))
                await asyncio.sleep(PING_EVERY_S / 2)
                if link is not None and link.reports != reports and link.last_rtt_s is not None:
                    reports = link.reports
                    raw.rtts_ms.append(link.last_rtt_s * 1000.0)
                await asyncio.sleep(PING_EVERY_S / 2)
        finally:
            probe.listen(None)
            peer.frame_watcher = None
        after = await _received(peer)
        raw.in_before, raw.in_after = before, after
        raw.jitter_in_ms = await _jitter_in(peer)
        raw.jitter_buffer_ms = probe.jitter_delay_ms()
        played_after = probe.concealed()
        if played_before is not None and played_after is not None:
            played = played_after[0] - played_before[0]
            hidden = played_after[1] - played_before[1]
            if played + hidden > 0:
                raw.concealed_in_pct = 100.0 * hidden / (played + hidden)
        pair = peer.ice_pair()
        if pair is not None:
            raw.ice_type, raw.ice_protocol = pair[1]  # the hall's side, as the bridge saw it
        played_at = chirp_sent[0] if chirp_sent and chirp_sent[0] > 0 else None
        # ~50 ms of numpy for 10 s of audio: in a worker thread, one test's at a time, so
        # that halls whose media phases end together do not hold up the mixer's clock.
        async with _analysis_turns():
            mic, loop = await asyncio.to_thread(hear, recording, sweep, played_at)
        if mic is not None:
            raw.mic_level_db = mic.level_db
            raw.mic_noise_floor_db = mic.noise_floor_db
            raw.mic_clipping = mic.clipping
        if loop is not None:
            raw.loop_found = True
            raw.loop_total_ms = loop.delay_ms
            raw.echo_return_db = loop.echo_return_db
        if len(frames) >= 2 and frames[-1] > frames[0]:
            raw.camera_fps = (len(frames) - 1) / (frames[-1] - frames[0])
        elif not frames:
            raw.camera_fps = 0.0
        if sizes:
            raw.camera_width, raw.camera_height = sizes[-1]

    async def _ramps(self, probe: Any, raw: Raw) -> None:
        peer = probe.peer
        channel = peer.probe
        if not channel.open:
            return
        needed = raw.needed_kbps or 0.0
        turns = _ramp_turns()
        try:
            await asyncio.wait_for(turns.acquire(), RAMP_WAIT_S)
        except TimeoutError:
            return
        try:
            link = peer.arrivals()
            # uplink: the hall sends, the bridge counts (the probe and all else that arrives)
            steps = probe_steps(needed)
            channel.up = StepCounter(UP)
            self.hall.send(
                {
                    "type": "test_probe",
                    "test_id": self.id,
                    "direction": "up",
                    "steps_kbps": steps,
                    "step_ms": int(STEP_S * 1000),
                }
            )
            windows = await _byte_windows(link, len(steps))
            await asyncio.sleep(0.3)  # the last packets in flight
            raw.up_steps = _up_steps(steps, channel.up, windows)
            # downlink: the bridge sends, the hall counts and reports
            steps = probe_steps(needed)
            self._down_steps = steps
            self.hall.send(
                {
                    "type": "test_probe",
                    "test_id": self.id,
                    "direction": "down",
                    "steps_kbps": steps,
                    "step_ms": int(STEP_S * 1000),
                }
            )
            await asyncio.sleep(0.1)
            await channel.send_down(steps, STEP_S)
            await asyncio.sleep(0.3)
        finally:
            turns.release()

    async def _collect(self) -> dict[str, Any]:
        self._report = asyncio.get_running_loop().create_future()
        self.hall.send({"type": "test_collect", "test_id": self.id})
        try:
            return await asyncio.wait_for(self._report, REPORT_TIMEOUT_S)
        except TimeoutError:
            return {}

    def _apply_report(self, report: dict[str, Any], raw: Raw) -> None:
        ice = report.get("ice") or {}
        if ice.get("local"):
            kind = "srflx" if ice["local"] == "prflx" else ice["local"]
            raw.ice_type = kind
        if ice.get("protocol"):
            raw.ice_protocol = ice["protocol"]
        raw.turn_ok = report.get("turn_ok") if self.turn_configured else None
        received = report.get("received") or {}
        packets, lost = received.get("packets"), received.get("lost")
        if isinstance(packets, int) and isinstance(lost, int) and packets + lost > 0:
            raw.loss_out_pct = 100.0 * max(0, lost) / (packets + max(0, lost))
        raw.jitter_out_ms = received.get("jitter_ms")
        down = report.get("probe_down") or []
        media = report.get("media_down_kbps") or []
        sent = self._down_steps
        steps = []
        for entry in down:
            i = entry.get("step", -1)
            if not 0 <= i < len(sent):
                continue
            steps.append(
                Step(
                    sent_kbps=sent[i],
                    received_kbps=float(entry.get("kbps", 0.0)),
                    sent=int(entry.get("received", 0)) + int(entry.get("lost", 0)),
                    received=int(entry.get("received", 0)),
                    media_kbps=float(media[i]) if i < len(media) and media[i] else 0.0,
                )
            )
        raw.down_steps = steps
        camera = report.get("camera") or {}
        if raw.camera_width is None and camera.get("width"):
            raw.camera_width, raw.camera_height = int(camera["width"]), int(camera["height"])
        if raw.camera_fps is None and camera.get("fps"):
            raw.camera_fps = float(camera["fps"])
        raw.echo_cancellation = report.get("echo_cancellation")
        raw.synthetic_microphone = bool(report.get("synthetic_microphone"))
        acoustic = report.get("acoustic") or {}
        if acoustic.get("delay_ms") is not None:
            # the hall measured its own loop (the headless endpoint does): exact, no network
            raw.acoustic_delay_ms = float(acoustic["delay_ms"])
            if acoustic.get("echo_return_db") is not None:
                raw.echo_return_db = float(acoustic["echo_return_db"])
        elif raw.loop_total_ms is not None:
            # the chirp's round trip less the network's and the buffers' share of it
            playout = float(report.get("playout_delay_ms") or 0.0)
            rtt = sorted(raw.rtts_ms)[len(raw.rtts_ms) // 2] if raw.rtts_ms else 0.0
            raw.acoustic_delay_ms = max(0.0, raw.loop_total_ms - rtt - playout)


async def _received(peer: Any) -> Counts | None:
    try:
        rows = await peer.received_statistics()
    except Exception:
        return None
    # The link's loss is the audio's: nothing retransmits it. No audio stream yet (a hall
    # testing the moment it connects) reads as nothing received so far: a reading all the same.
    audio = [r for r in rows if r[0] == "audio"]
    return Counts(sum(r[1] for r in audio), sum(r[2] for r in audio))


async def _jitter_in(peer: Any) -> float | None:
    try:
        rows = await peer.received_statistics()
    except Exception:
        return None
    for kind, _, _, jitter in rows:
        if kind == "audio" and jitter is not None:
            return 1000.0 * float(jitter) / 48_000
    return None


class Recording:
    """A hall's microphone as the bridge received it, placed by RTP timestamp: frames the
    jitter buffer skipped or concealed leave their place empty rather than shifting what
    follows, so a sound's place in the recording is when the hall sent it. Bounded: at most
    ``MAX_RECORDED_FRAMES`` frames, the span ``MEDIA_S`` + 2 s."""

    def __init__(self) -> None:
        self.frames: list[tuple[int, float, np.ndarray]] = []

    def add(self, row: np.ndarray, arrival: float, timestamp: int) -> None:
        if len(self.frames) < MAX_RECORDED_FRAMES:
            self.frames.append((timestamp, arrival, row))

    def timeline(self) -> tuple[np.ndarray | None, float | None]:
        """The recording, and when its first sample was sent on the bridge's clock: each
        frame's arrival less its place, the earliest (least delayed) of them, less the
        frame's own 20 ms (a packet leaves once its 20 ms have been captured)."""
        if not self.frames:
            return None, None
        first = min(ts for ts, _, _ in self.frames)
        span = int((MEDIA_S + 2.0) * SAMPLE_RATE)
        audio = np.zeros(span, np.float32)
        start = None
        for ts, arrival, row in self.frames:
            at = ts - first
            if at + len(row) > span:
                continue
            audio[at : at + len(row)] = row
            sent = arrival - at / SAMPLE_RATE
            start = sent if start is None or sent < start else start
        end = max(ts - first for ts, _, _ in self.frames) + FRAME_SAMPLES
        return audio[: min(end, span)], None if start is None else start - FRAME_S


def hear(
    recording: Recording, sweep: np.ndarray, played_at: float | None
) -> tuple[Microphone | None, Loop | None]:
    """What the hall's microphone sent: its level figures, and the chirp's loop if it was
    played (``played_at``: when its first block went, on the monotonic clock). Pure numpy
    over a finished recording, so it may run off the event loop."""
    audio, start = recording.timeline()
    if audio is None:
        return None, None
    mic = analyse(audio)
    if played_at is None or start is None:
        return mic, None
    loop = find_loop(
        sweep,
        audio,
        SAMPLE_RATE,
        max_delay_ms=2000,
        recording_offset_ms=(start - played_at) * 1000.0,
    )
    return mic, loop


async def _byte_windows(link: Any, steps: int) -> list[tuple[int, float]]:
    """The link's received bytes at each step's boundary (``steps`` + 1 readings)."""
    readings = []
    start = time.monotonic()
    for i in range(steps + 1):
        readings.append((link.bytes_in if link is not None else 0, time.monotonic()))
        if i < steps:
            await asyncio.sleep(max(0.0, start + (i + 1) * STEP_S - time.monotonic()))
    return readings


def _up_steps(
    steps: list[float], counter: StepCounter, windows: list[tuple[int, float]]
) -> list[Step]:
    found = []
    for i, rate in enumerate(steps):
        count = counter.steps.get(i)
        if count is None:
            found.append(Step(rate, 0.0, 0, 0))
            continue
        total = 0.0
        if i + 1 < len(windows):
            (b0, t0), (b1, t1) = windows[i], windows[i + 1]
            if t1 > t0:
                total = (b1 - b0) * 8 / (t1 - t0) / 1000.0
        media = max(0.0, total - count.kbps)
        found.append(Step(rate, count.kbps, count.sent, count.received, media))
    return found


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """A VP8 keyframe's width and height (RFC 6386, 9.1), None for anything else."""
    if len(data) < 10 or data[0] & 1 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


class ConnectionTests:
    """The tests of one live session's halls: at most one running per hall, at most one
    started per hall per ``MIN_INTERVAL_S`` (unless staff start it); results to the
    ``on_result`` callbacks (the store, the consoles)."""

    def __init__(self) -> None:
        self.running: dict[int, ConnectionTest] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._last_start: dict[int, float] = {}
        self.on_start: list[Callable[[ConnectionTest], None]] = []
        self.on_result: list[Callable[[dict[str, Any]], None]] = []

    def start(self, test: ConnectionTest, *, forced: bool = False) -> None:
        if test.site_id in self.running:
            raise TestRefused("test_running")
        now = time.monotonic()
        last = self._last_start.get(test.site_id)
        if not forced and last is not None and now - last < MIN_INTERVAL_S:
            raise TestRefused("too_many_requests")
        self._last_start[test.site_id] = now
        self.running[test.site_id] = test
        for hook in self.on_start:
            hook(test)
        self._tasks[test.site_id] = asyncio.get_running_loop().create_task(self._run(test))

    async def _run(self, test: ConnectionTest) -> None:
        try:
            result = await test.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("site %s: connection test failed", test.site_id)
            return
        finally:
            if self.running.get(test.site_id) is test:
                del self.running[test.site_id]
                self._tasks.pop(test.site_id, None)
        test.hall.send(
            {
                "type": "test_result",
                "test_id": test.id,
                "state": result["state"],
                "figures": result["figures"],
                "reasons": result["reasons"],
                "unmeasured": result["unmeasured"],
            }
        )
        for hook in self.on_result:
            try:
                hook(result)
            except Exception:
                log.exception("site %s: a test result was not passed on", test.site_id)

    def cancel(self, site_id: int, reason: str) -> ConnectionTest | None:
        """Stop the hall's running test (it left): nothing is judged or stored."""
        test = self.running.pop(site_id, None)
        task = self._tasks.pop(site_id, None)
        if task is not None:
            task.cancel()
        if test is not None:
            with contextlib.suppress(Exception):
                test.hall.send({"type": "test_cancelled", "test_id": test.id, "reason": reason})
        return test

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        self.running.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
