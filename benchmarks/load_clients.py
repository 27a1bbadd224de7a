"""The load benchmark's sites: many headless endpoints in one process, each nearly free.

Started by benchmarks/load.py, which owns the bridge, the schedule and the report::

    python -m benchmarks.load_clients PLAN.json RESULT.json

Each site joins with its link over the signaling WebSocket and sends pre-encoded Opus
(endpoints/prerecorded.py: a talker a tone, a listener its room's noise) with each packet's
RFC 6464 level, as a browser does, so sending costs only aiortc's packetising and SRTP.
What it receives is tapped as RTP packets, never decoded, except at the few probe sites
whose audio is analysed at the end.

Talking to the parent, one JSON object per line: this process prints
``{"event": "ready", ...}`` once every site has joined (or failed to), then reads one line,
the schedule (``time.monotonic()`` instants, the same clock in every process on Linux):
``{"measure_start", "talk_end", "quiet_start", "quiet_end", "onsets", "offsets", "end"}``,
and ``"test_start"`` when some sites run the connection test (their plan's ``test``): at
that instant each of them sends ``test_start`` at once and plays the hall's side
(endpoints/connection_test.py ``HallTest``) on the probe data channel it opened with its
offer; the window before it is measured apart, as the baseline. At ``talk_end`` the
talkers fall quiet (they send their room's noise); after ``quiet_end`` talker 1 speaks up
at each of ``onsets`` and falls quiet at ``offsets`` (for the onset latency); at ``end``
every site leaves (a test still running is waited for first). The results go to
RESULT.json and ``{"event": "done"}`` is printed. The whole run is bounded by the plan's
``timeout_s``; on any failure the process still leaves, closes and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import math
import signal
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription

from benchmarks.load_probe import probe_report, stream_stats
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from endpoints.connection_test import RESULT_TIMEOUT_S, HallTest
from endpoints.impair import impair
from endpoints.link import parse_link
from endpoints.prerecorded import (
    EncodedAudioTrack,
    Prerecorded,
    TappedPacket,
    decode_payloads,
    prerecord,
    rms_dbfs,
    room_noise,
    send_audio_levels,
    tap_audio_packets,
    tone,
)
from endpoints.session import SiteClient
from endpoints.signaling import AgentError, Message, SignalingChannel

log = logging.getLogger("benchmarks.load_clients")

#: Loops long enough that the repetition of the noise is no pattern a meter could lock on.
NOISE_LOOP_S = 4.0
TONE_LOOP_S = 1.0  # whole seconds and whole hertz: seamless


@dataclass
class SitePlan:
    index: int
    link: str
    frequency: float | None  # a talker's tone; None for a listening hall
    probe: bool
    # endpoints.impair settings for this site's uplink (loss, delay_ms, jitter_ms), if any
    uplink: dict[str, float] | None = None
    test: bool = False  # runs the connection test at the schedule's "test_start"


@dataclass
class LoadSite:
    """One site's connection and everything it received (arrival, sequence, payload)."""

    plan: SitePlan
    noise: Prerecorded
    talk: Prerecorded | None
    channel: SignalingChannel | None = None
    pc: RTCPeerConnection | None = None
    track: EncodedAudioTrack | None = None
    probe: RTCDataChannel | None = None  # the connection test's data channel
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    joined_at: float | None = None
    arrivals: array[float] = field(default_factory=lambda: array("d"))
    seqs: array[int] = field(default_factory=lambda: array("l"))
    timestamps: array[int] = field(default_factory=lambda: array("q"))
    payloads: list[bytes] = field(default_factory=list)
    sent_marks: dict[str, tuple[float, int]] = field(default_factory=dict)

    def on_packet(self, packet: TappedPacket) -> None:
        self.arrivals.append(packet.arrival)
        self.seqs.append(packet.sequence_number)
        self.timestamps.append(packet.timestamp)
        if packet.payload is not None:
            self.payloads.append(packet.payload)

    async def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        link = parse_link(self.plan.link)
        channel = SignalingChannel(link.ws_url)
        self.channel = channel
        await channel.open(timeout)
        mark = channel.seq
        await channel.send(
            {"type": "join", "session_id": link.session_id, "token": link.token, "lang": "en"}
        )
        reply = await channel.expect({"joined", "error"}, timeout=_left(deadline), after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code")), str(reply.get("message")))
        self.ice_servers = list(reply.get("ice_servers") or [])
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        self.pc = pc
        connected = asyncio.Event()
        pc.on(
            "connectionstatechange",
            lambda: connected.set() if pc.connectionState == "connected" else None,
        )
        self.track = EncodedAudioTrack(self.talk if self.talk is not None else self.noise)
        transceiver = pc.addTransceiver(self.track, direction="sendrecv")
        send_audio_levels(transceiver.sender)  # as browsers do (RFC 6464)
        if self.plan.uplink:
            impair(pc, seed=self.plan.index, **self.plan.uplink)
        tap_audio_packets(pc, self.on_packet, keep_payload=self.plan.probe)
        if self.plan.test:  # before the offer, so that it carries the channel (as SiteClient)
            self.probe = pc.createDataChannel("probe", ordered=False, maxRetransmits=0)
        await pc.setLocalDescription(await pc.createOffer())
        mark = channel.seq
        await channel.send({"type": "offer", "sdp": pc.localDescription.sdp, "id": "offer"})
        reply = await channel.expect({"answer", "error"}, timeout=_left(deadline), after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code")), str(reply.get("message")))
        await pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
        try:
            await asyncio.wait_for(connected.wait(), _left(deadline))
        except TimeoutError:
            raise AgentError("ice_timeout", f"not connected ({pc.connectionState})") from None
        self.joined_at = time.monotonic()

    def mark_sent(self, name: str) -> None:
        if self.track is not None:
            self.sent_marks[name] = (time.monotonic(), self.track.sent)

    def fall_quiet(self) -> None:
        if self.talk is not None and self.track is not None:
            self.track.switch(self.noise)

    async def leave(self) -> None:
        if self.channel is not None and not self.channel.closed.is_set():
            with contextlib.suppress(AgentError):
                await self.channel.send({"type": "leave"})
        if self.track is not None:
            self.track.stop()
        if self.pc is not None:
            await self.pc.close()
        if self.channel is not None:
            await self.channel.close()


class TestedHall:
    """What ``HallTest`` uses of a ``SiteClient``, over a load site's own connection: its
    signaling, its peer connection (the tap leaves ``getStats`` working) and the probe
    channel. No camera, no loudspeaker: the test's camera and loudspeaker checks say so."""

    def __init__(self, site: LoadSite) -> None:
        assert site.channel is not None and site.pc is not None
        self.channel = site.channel
        self.pc = site.pc
        self.probe = site.probe
        self.ice_servers = site.ice_servers
        self._video_track = None
        self.speaker = None

    async def send(self, message: Message) -> None:
        await self.channel.send(message)


async def run_test(site: LoadSite, timeout: float) -> dict[str, Any]:
    """One hall's connection test, from its ``test_start``; what the report needs of it."""
    started = time.monotonic()
    out: dict[str, Any] = {"index": site.plan.index, "started": started}
    try:
        test = HallTest(cast(SiteClient, TestedHall(site)))
        result = await test.run(timeout)
    except AgentError as exc:
        out["error"] = f"{exc.code}: {exc.message}"[:200]
        return out
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:200]
        return out
    figures = result.get("figures") or {}
    out.update(
        {
            "finished": time.monotonic(),
            "state": result.get("state"),
            "reasons": [str(r.get("code")) for r in result.get("reasons") or []],
            "unmeasured": list(result.get("unmeasured") or []),
            "duration_ms": figures.get("duration_ms"),
            "uplink_kbps": figures.get("uplink_kbps"),
            "downlink_kbps": figures.get("downlink_kbps"),
            "rtt_ms": figures.get("rtt_ms"),
            "signaling_rtt_ms": figures.get("signaling_rtt_ms"),
            "loss_in_pct": figures.get("loss_in_pct"),
            "mos": figures.get("mos"),
        }
    )
    return out


class GcPauses:
    """How long each of this process's garbage collections took (``gc.callbacks``), so a
    stall of the clients' own event loop (``LoopLag``) can be told apart from a collection
    walking a hundred peer connections' objects."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int, float]] = []  # (end, generation, seconds)
        self._started = 0.0

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        else:
            self.pauses.append((time.monotonic(), info["generation"], now - self._started))

    def report(self, start: float, end: float) -> dict[str, dict[str, float]]:
        out = {}
        for generation in (0, 1, 2):
            took = [p for t, g, p in self.pauses if g == generation and start <= t < end]
            out[str(generation)] = {
                "count": len(took),
                "max_ms": round(max(took, default=0.0) * 1000, 1),
            }
        return out


class LoopLag:
    """How late a 20 ms timer fires on this process's event loop: if the clients' own loop
    lags, what they measure of the bridge is blurred by it."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        deadline = time.monotonic()
        while True:
            deadline += 0.02
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            self.samples.append((now, now - deadline))
            if now - deadline > 0.1:
                deadline = now

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def report(self, start: float, end: float) -> dict[str, float | None]:
        lags = np.array([lag for t, lag in self.samples if start <= t < end]) * 1000
        if lags.size == 0:
            return {"p50": None, "p99": None, "max": None}
        p50, p99 = np.percentile(lags, [50, 99])
        return {"p50": round(p50, 2), "p99": round(p99, 2), "max": round(float(lags.max()), 2)}


def _left(deadline: float) -> float:
    return max(0.01, deadline - time.monotonic())


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def sleep_until(instant: float) -> None:
    await asyncio.sleep(max(0.0, instant - time.monotonic()))


async def read_schedule() -> dict[str, float]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise RuntimeError("the parent closed the schedule pipe")
    schedule: dict[str, float] = json.loads(line)
    return schedule


def prepare(plans: list[SitePlan]) -> tuple[list[LoadSite], float]:
    """Encode every site's sources once; return the sites and the reference room-noise
    level (one hall's noise after one Opus round trip, dBFS RMS)."""
    sites = []
    tones: dict[float, Prerecorded] = {}
    reference: list[float] = []
    for plan in plans:
        noise = prerecord(room_noise(NOISE_LOOP_S, seed=1000 + plan.index))
        if len(reference) < 3:
            reference.append(rms_dbfs(decode_payloads(noise.payloads)))
        talk = None
        if plan.frequency is not None:
            if plan.frequency not in tones:
                tones[plan.frequency] = prerecord(tone(plan.frequency, TONE_LOOP_S))
            talk = tones[plan.frequency]
        sites.append(LoadSite(plan, noise, talk))
    # Average the levels as powers, not dB.
    ref = 10 * math.log10(float(np.mean([10 ** (r / 10) for r in reference])))
    return sites, ref


async def join_all(
    sites: list[LoadSite], interval: float, concurrency: int, timeout: float
) -> None:
    """Join every site, starting one every ``interval`` s with at most ``concurrency`` in
    flight (a hundred DTLS handshakes at once would measure the handshake, not the mix)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(site: LoadSite, delay: float) -> None:
        await asyncio.sleep(delay)
        async with gate:
            try:
                await site.join(timeout)
            except AgentError as exc:
                site.error = f"{exc.code}: {exc.message}"[:200]
            except Exception as exc:
                site.error = f"{type(exc).__name__}: {exc}"[:200]

    await asyncio.gather(*(one(site, i * interval) for i, site in enumerate(sites)))


async def run(plan: dict[str, Any], result_path: Path) -> None:
    restrict_host_addresses(["127.0.0.1"])
    plans = [SitePlan(**s) for s in plan["sites"]]
    frequencies: list[float] = plan["frequencies"]
    sites, reference = prepare(plans)
    lag = LoopLag()
    lag.start()
    tests: list[asyncio.Future[dict[str, Any]]] = []
    gc_pauses = GcPauses()
    gc_pauses.start()
    started = time.monotonic()
    try:
        await join_all(
            sites, plan["join_interval_s"], plan["join_concurrency"], plan["join_timeout_s"]
        )
        joined = [s for s in sites if s.error is None]
        emit(
            {
                "event": "ready",
                "joined": len(joined),
                "failed": {str(s.plan.index): s.error for s in sites if s.error is not None},
                "join_s": round(time.monotonic() - started, 2),
            }
        )
        schedule = await read_schedule()
        await sleep_until(schedule["measure_start"])
        for site in joined:
            site.mark_sent("measure_start")
        testing = [s for s in joined if s.plan.test]
        if "test_start" in schedule:
            await sleep_until(schedule["test_start"])
            for site in joined:
                site.mark_sent("test_start")
            # Every test_start goes out in this one loop turn: the halls ask at one moment.
            tests = [asyncio.ensure_future(run_test(site, RESULT_TIMEOUT_S)) for site in testing]
        await sleep_until(schedule["talk_end"])
        for site in joined:
            site.mark_sent("talk_end")
            site.fall_quiet()
        await sleep_until(schedule["quiet_end"])
        onset_sends = await toggle_first_talker(joined, schedule)
        # A test still running (each is bounded by its own timeout) is waited for here.
        test_results = list(await asyncio.gather(*tests))
    finally:
        for task in tests:
            task.cancel()
        await lag.stop()
        gc_pauses.stop()
        await asyncio.gather(
            *(asyncio.wait_for(s.leave(), 10) for s in sites), return_exceptions=True
        )
    talk = (schedule["measure_start"], schedule["talk_end"])
    quiet = (schedule["quiet_start"], schedule["quiet_end"])
    onsets = (schedule["quiet_end"], schedule["end"])
    baseline: dict[str, Any] | None = None
    if "test_start" in schedule:
        # The talk window is the tests' from their start; before it, the baseline.
        before = (schedule["measure_start"], schedule["test_start"])
        talk = (schedule["test_start"], schedule["talk_end"])
        baseline = {
            "client_loop_lag_ms": lag.report(*before),
            "sites": [site_result(s, before, ("measure_start", "test_start")) for s in sites],
            "probes": [
                {
                    "index": s.plan.index,
                    "talker": s.plan.frequency,
                    **probe_report(s.arrivals, s.seqs, s.payloads, frequencies, before, quiet),
                }
                for s in sites
                if s.plan.probe and s.error is None
            ],
        }
    marks = ("test_start", "talk_end") if baseline is not None else ("measure_start", "talk_end")
    result = {
        "reference_noise_dbfs": round(reference, 2),
        "frequencies": frequencies,
        "client_loop_lag_ms": lag.report(*talk),
        "client_gc": gc_pauses.report(*talk),
        "onset_sends": onset_sends,
        "sites": [site_result(s, talk, marks) for s in sites],
        "probes": [
            {
                "index": s.plan.index,
                "talker": s.plan.frequency,
                **probe_report(s.arrivals, s.seqs, s.payloads, frequencies, talk, quiet, onsets),
            }
            for s in sites
            if s.plan.probe and s.error is None
        ],
        "baseline": baseline,
        "tests": [
            {**t, "started": t["started"] - schedule["test_start"]}
            | ({"finished": t["finished"] - schedule["test_start"]} if "finished" in t else {})
            for t in test_results
        ],
    }
    result_path.write_text(json.dumps(result, allow_nan=False, default=_json_default))
    emit({"event": "done"})


async def toggle_first_talker(sites: list[LoadSite], schedule: dict[str, Any]) -> list[float]:
    """Talker 1 (if it is in this process) speaks up at each ``schedule["onsets"]`` instant
    and falls quiet again at the matching ``schedule["offsets"]`` one; returns when each of
    its first tone packets went to aiortc's sender, for the onset latency."""
    first = next((s for s in sites if s.plan.index == 0 and s.talk is not None), None)
    sends: list[float] = []
    for on, off in zip(schedule["onsets"], schedule["offsets"], strict=True):
        await sleep_until(on)
        if first is not None and first.track is not None and first.talk is not None:
            first.track.switch(first.talk)
        await sleep_until(off)
        if first is not None and first.track is not None:
            if first.track.switched_at is not None:
                sends.append(first.track.switched_at)
            first.fall_quiet()
    await sleep_until(schedule["end"])
    return sends


def site_result(
    site: LoadSite, window: tuple[float, float], marks: tuple[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": site.plan.index,
        "talker": site.plan.frequency,
        "error": site.error,
    }
    if site.error is not None:
        return out
    stats = stream_stats(site.arrivals, site.seqs, *window, timestamps=site.timestamps)
    out.update({k: _finite(v) for k, v in stats.as_dict().items()})
    first, last = marks
    if first in site.sent_marks and last in site.sent_marks:
        (t0, n0), (t1, n1) = site.sent_marks[first], site.sent_marks[last]
        out["sent_fps"] = round((n1 - n0) / (t1 - t0), 2) if t1 > t0 else None
    return out


def _finite(value: float) -> float | None:
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    return value


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("result", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    # Started from a background job, SIGINT arrives ignored; Ctrl-C should still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    plan = json.loads(args.plan.read_text())
    try:
        import uvloop
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run  # as the bridge runs (AIORTC-NOTES.md: ~20 % less CPU)

    async def bounded() -> None:
        async with asyncio.timeout(plan["timeout_s"]):
            await run(plan, args.result)

    try:
        runner(bounded())
    except TimeoutError:
        emit({"event": "error", "error": f"timed out after {plan['timeout_s']} s"})
        return 2
    except Exception as exc:
        emit({"event": "error", "error": f"{type(exc).__name__}: {exc}"[:500]})
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
