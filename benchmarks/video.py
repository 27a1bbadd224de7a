"""Video benchmark: one ~500 kb/s camera forwarded to N viewers; switch latency; clock lateness.

    .venv/bin/python -m benchmarks.video --viewers 50 --pin [--seconds 15] [--switches 10]
    .venv/bin/python -m benchmarks.video --viewers 50 --pin --no-video   # audio-only baseline

It starts ``bridge serve`` (benchmarks/load.py's helpers: fresh SQLite, an operator, a
session of N + 3 sites over the HTTP API). Sites, all in this process: the host and two
provinces are cameras (640x360, 30 fps, VP8 at ~500 kb/s, pre-encoded once: red, blue,
green), the N viewers have a camera too (so they get a video m-line) but, not being
shown, are told to keep it off. Everyone sends pre-encoded room noise as audio, so no
site encodes anything while measuring. ``--pin``: the bridge alone on CPU 0, this
process on CPU 1, as if the halls were other machines.

The bridge forwards to all N viewers, but the clients must not be what is measured: a
viewer receiving through aiortc costs ~50 µs of Python per packet (SRTP, parsing, jitter
buffer, RTCP), and 50 of them saturate a core. So ``--probes`` viewers (5) receive
through aiortc and decode (the colour names the site: "first decoded frame"), and the
rest are light: their socket's datagrams are looked at before aiortc sees them (RTP
headers are not encrypted), counted and dropped; only the first packet of each frame
(the one after a marker bit) is decrypted, and its payload names the camera (each
camera's frames are known) and says whether it is a keyframe.

Phases: warm-up (5 s) with the host shown; the steady window (``--seconds``): bridge CPU
from /proc/PID/stat, the mixer clock's lateness p50/p99 and the video counters from
``GET /api/metrics`` (window reset at its start); then ``--switches`` operator switches,
alternating between the two provinces (each was told to pause its camera while not
shown, so a switch includes its resume): latency from sending ``show`` to the first frame
of the new site at each light viewer (p50/p95 over all viewers and switches), and to the
first decoded frame at the probes; the clock's lateness over the switches alone (reset
when they start).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

from benchmarks.load import (
    cpu_seconds,
    create_session,
    get_metrics,
    reset_metrics,
    start_bridge,
    stop_process,
)
from bridge.media.video_tap import is_keyframe
from endpoints.operator import OperatorClient
from endpoints.prerecorded import EncodedAudioTrack, prerecord, room_noise
from endpoints.session import SiteClient
from endpoints.video import EncodedVideoTrack, encode_picture

CAMERA = {"width": 640, "height": 360, "fps": 30, "seconds": 2.0, "bitrate": 500_000}
SMALL = {"width": 160, "height": 90, "fps": 5, "seconds": 1.0, "bitrate": 50_000}


FIRST_BYTES = 1296  # a VP8 frame's bytes in its first RTP packet (1300 - descriptor)


class LightViewer:
    """A viewer site whose received RTP never reaches aiortc: counted at its socket.

    Video packets are counted (frames by their marker bit); the first packet of each frame
    is decrypted with the connection's own SRTP session and its payload looked up among
    the cameras' frames, which names the site it comes from. Audio packets are dropped.
    STUN, DTLS and RTCP go to aiortc as usual, so the connection stays up."""

    def __init__(self, owners: dict[bytes, str]) -> None:
        self.owners = owners
        self.packets = 0
        self.frames = 0
        self.keyframes = 0
        self.bytes = 0
        self.unknown = 0
        self.arrivals: list[tuple[float, str]] = []
        self._first = True
        self._srtp: Any = None
        self._video_pt = -1

    def attach(self, client: SiteClient) -> None:
        pc = client.pc
        assert pc is not None
        video = next((t for t in pc.getTransceivers() if t.kind == "video"), None)
        if video is not None:
            self._video_pt = video._codecs[0].payloadType
        dtls = pc.getTransceivers()[0].receiver.transport
        self._srtp = dtls._rx_srtp
        for protocol in dtls.transport._connection._protocols:
            protocol.datagram_received = self._wrap(protocol.datagram_received)

    def _wrap(self, inner: Callable[[bytes, Any], None]) -> Callable[[bytes, Any], None]:
        def datagram_received(data: bytes, addr: Any) -> None:
            if len(data) > 12 and 127 < data[0] < 192 and not 63 < data[1] & 0x7F < 96:
                if data[1] & 0x7F == self._video_pt:
                    self._video(data)
                return  # RTP, video or audio: not for aiortc
            inner(data, addr)  # STUN, DTLS, RTCP

        return datagram_received

    def _video(self, data: bytes) -> None:
        self.packets += 1
        self.bytes += len(data)
        if self._first:
            self._identify(data)
        self._first = bool(data[1] & 0x80)
        if self._first:
            self.frames += 1

    def _identify(self, data: bytes) -> None:
        try:
            plain = self._srtp.unprotect(data)
        except Exception:
            self.unknown += 1
            return
        offset = 12 + 4 * (plain[0] & 0x0F)
        if plain[0] & 0x10:  # header extension
            offset += 4 + 4 * int.from_bytes(plain[offset + 2 : offset + 4], "big")
        offset += _vp8_descriptor_size(plain, offset)
        start = bytes(plain[offset:])
        owner = self.owners.get(start[:FIRST_BYTES], "?")
        if owner == "?":
            self.unknown += 1
        if is_keyframe("VP8", start):
            self.keyframes += 1
        if not self.arrivals or self.arrivals[-1][1] != owner:
            self.arrivals.append((time.monotonic(), owner))

    def first_since(self, owner: str, since: float) -> float | None:
        for t, who in self.arrivals:
            if t >= since and who == owner:
                return t
        return None


def _vp8_descriptor_size(data: bytes, offset: int) -> int:
    """RFC 7741 section 4.2: X, then I (7 or 15-bit picture ID), L, T/K octets."""
    size = 1
    if data[offset] & 0x80:
        ext = data[offset + 1]
        size += 1
        if ext & 0x80:
            size += 2 if data[offset + size] & 0x80 else 1
        if ext & 0x40:
            size += 1
        if ext & 0x30:
            size += 1
    return size


def _skipped(bridge: Any) -> int:
    """Ticks the mixer clock skipped since it started (a counter, not reset)."""
    return int(((get_metrics(bridge) or {}).get("clock") or {}).get("skipped") or 0)


def preempted(pid: int | None) -> int:
    """Times the kernel took the CPU from any of ``pid``'s threads (other work on its core):
    a clock tick can be late for that alone, so each window reports it."""
    total = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/task/{tid}/status").read_text().splitlines():
                    if line.startswith("nonvoluntary_ctxt_switches:"):
                        total += int(line.split()[1])
    return total


def cpu_times() -> list[int]:
    """The machine's CPU time counters (/proc/stat "cpu" line, jiffies)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("cpu "):
                return [int(v) for v in line.split()[1:]]
    return []


def steal_percent(before: list[int], after: list[int]) -> float | None:
    """Share of the machine's CPU time the hypervisor gave to others (steal) in between:
    on a virtual machine that time is lost to every process, the bridge's clock included."""
    if len(before) < 8 or len(after) < 8 or sum(after) <= sum(before):
        return None
    return round(100 * (after[7] - before[7]) / (sum(after) - sum(before)), 1)


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of ``pid`` onto ``cpus`` (threads made later inherit it)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(tid), cpus)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    pictures = {c: encode_picture(c, **CAMERA) for c in ("red", "blue", "green")}  # type: ignore[arg-type]
    small = encode_picture("white", **SMALL)  # type: ignore[arg-type]
    owners = {f[:FIRST_BYTES]: c for c, p in pictures.items() for f in p.frames}
    noise = prerecord(room_noise(2.0))
    workdir = Path(tempfile.mkdtemp(prefix="video-bench-"))
    deadline = time.monotonic() + 600
    bridge = start_bridge(workdir, deadline)
    if args.pin and bridge.pid is not None:
        # The bridge alone on CPU 0, every client on CPU 1: the clock's lateness is then the
        # bridge's own, not the scheduler's choice between it and 50 clients.
        pin(bridge.pid, {0})
        pin(os.getpid(), {1})
    print(f"bridge pid {bridge.pid}", file=sys.stderr, flush=True)
    clients: list[SiteClient] = []
    operator: OperatorClient | None = None
    try:
        session_id, links = create_session(bridge, args.viewers + 3)
        cameras = ["red", "blue", "green"]
        probes = min(args.probes, args.viewers)
        viewers = [LightViewer(owners) for _ in range(args.viewers - probes)]
        for link in links:
            client = SiteClient(link, record_seconds=2)
            clients.append(client)
            await client.join()

        async def start(i: int, client: SiteClient) -> None:
            video = None
            if not args.no_video:
                video = EncodedVideoTrack(pictures[cameras[i]] if i < 3 else small)
            await client.start_media(EncodedAudioTrack(noise), video=video, timeout=60)
            if i >= 3 + probes:  # also without video: the same clients, the same RTCP
                viewers[i - 3 - probes].attach(client)

        for batch in range(0, len(clients), 10):
            await asyncio.gather(
                *(start(i, c) for i, c in enumerate(clients[batch : batch + 10], batch))
            )
        operator = OperatorClient(bridge.url, session_id=session_id, token=bridge.token)
        await operator.connect()
        await asyncio.sleep(args.warmup)

        print(f"steady window from {time.monotonic():.3f}", file=sys.stderr, flush=True)
        skipped0 = _skipped(bridge)
        reset_metrics(bridge)
        cpu0, t0, mine0 = cpu_seconds(bridge.pid), time.monotonic(), _own_cpu()
        preempted0, machine0 = preempted(bridge.pid), cpu_times()
        before = [(v.frames, v.bytes, v.keyframes, v.unknown) for v in viewers]
        await asyncio.sleep(args.seconds)
        cpu1, t1, mine1 = cpu_seconds(bridge.pid), time.monotonic(), _own_cpu()
        preempted1, machine1 = preempted(bridge.pid), cpu_times()
        steady = get_metrics(bridge) or {}
        seconds = t1 - t0
        bridge_cpu = 100 * ((cpu1 or 0) - (cpu0 or 0)) / seconds
        fps = [(v.frames - b[0]) / seconds for v, b in zip(viewers, before, strict=True)]
        kbps = [(v.bytes - b[1]) * 8 / seconds / 1000 for v, b in zip(viewers, before, strict=True)]
        result: dict[str, Any] = {
            "viewers": args.viewers,
            "probes": probes,
            "video": not args.no_video,
            "camera": {**CAMERA, "measured_kbps": round(pictures["red"].bitrate / 1000)},
            "steady_s": round(seconds, 2),
            "bridge_cpu_percent": round(bridge_cpu, 1),
            "bridge_cpu_percent_per_viewer": round(bridge_cpu / max(1, args.viewers), 2),
            "clients_cpu_percent": round(100 * (mine1 - mine0) / seconds, 1),
            "lateness_ms": steady.get("clock", {}).get("lateness_ms"),
            "skipped_ticks": _skipped(bridge) - skipped0,
            "bridge_preempted": preempted1 - preempted0,
            "steal_percent": steal_percent(machine0, machine1),
            "video_counters": steady.get("video"),
        }
        if viewers and not args.no_video:
            result["light_viewers"] = {
                "count": len(viewers),
                "fps_min_median": [round(min(fps), 1), round(statistics.median(fps), 1)],
                "kbps_median": round(statistics.median(kbps)),
                "keyframes": sum(v.keyframes - b[2] for v, b in zip(viewers, before, strict=True)),
                "unidentified_frames": sum(
                    v.unknown - b[3] for v, b in zip(viewers, before, strict=True)
                ),
            }
        if args.no_video or args.switches == 0:
            return result

        print(f"switches from {time.monotonic():.3f}", file=sys.stderr, flush=True)
        skipped0 = _skipped(bridge)
        reset_metrics(bridge)  # the clock's lateness over the switches alone
        cpu0, t0, preempted0 = cpu_seconds(bridge.pid), time.monotonic(), preempted(bridge.pid)
        machine0 = cpu_times()
        latencies: list[float] = []
        decoded: list[float] = []
        ids = [c.site["id"] for c in clients[:3]]  # type: ignore[index]
        for n in range(args.switches):
            target = 1 + n % 2
            colour = cameras[target]
            shown_at = time.monotonic()
            await operator.show(ids[target])
            probe_waits = [
                clients[3 + p].video.wait_for(colour, timeout=5, frames=1) for p in range(probes)
            ]
            for seen_at in await asyncio.gather(*probe_waits, return_exceptions=True):
                if isinstance(seen_at, float):
                    decoded.append(seen_at - shown_at)
            await asyncio.sleep(max(0.0, shown_at + args.switch_gap - time.monotonic()))
            for viewer in viewers:
                first = viewer.first_since(colour, shown_at)
                if first is not None:
                    latencies.append(first - shown_at)
        cpu1, t1, preempted1 = cpu_seconds(bridge.pid), time.monotonic(), preempted(bridge.pid)
        machine1 = cpu_times()
        after = get_metrics(bridge) or {}
        result["switch_ms"] = {
            "p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p95": round(1000 * percentile(latencies, 95), 1) if latencies else None,
            "samples": len(latencies),
            "expected": args.switches * len(viewers),
        }
        result["switch_decoded_ms"] = {
            "p50": round(1000 * statistics.median(decoded), 1) if decoded else None,
            "p95": round(1000 * percentile(decoded, 95), 1) if decoded else None,
            "samples": len(decoded),
            "expected": args.switches * probes,
        }
        result["during_switches"] = {
            "seconds": round(t1 - t0, 1),
            "bridge_cpu_percent": round(100 * ((cpu1 or 0) - (cpu0 or 0)) / (t1 - t0), 1),
            "lateness_ms": after.get("clock", {}).get("lateness_ms"),
            "skipped_ticks": _skipped(bridge) - skipped0,
            "bridge_preempted": preempted1 - preempted0,
            "steal_percent": steal_percent(machine0, machine1),
            "video_counters": after.get("video"),
        }
        return result
    finally:
        if operator is not None:
            await operator.close()
        for client in clients:
            await client.close()
        stop_process(bridge.process)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--switches", type=int, default=10)
    parser.add_argument("--switch-gap", type=float, default=1.5)
    parser.add_argument(
        "--probes", type=int, default=5, help="viewers that receive through aiortc and decode"
    )
    parser.add_argument("--no-video", action="store_true", help="audio only (the baseline)")
    parser.add_argument(
        "--pin", action="store_true", help="the bridge on CPU 0, this process on CPU 1"
    )
    parser.add_argument("--json", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = uvloop.run(run(args))  # as the bridge: the clients' loop costs less
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
