"""Video benchmark: one ~500 kb/s camera forwarded to N viewers; switch latency; clock lateness.

    .venv/bin/python -m benchmarks.video --viewers 10 [--seconds 15] [--switches 10] [--json f]
    .venv/bin/python -m benchmarks.video --viewers 50 --no-video     # the audio-only baseline

It starts ``bridge serve`` (benchmarks/load.py's helpers: fresh SQLite, an operator, a
session of N + 3 sites over the HTTP API). Sites, all in this process: the host and two
provinces are cameras (640x360, 30 fps, VP8 at ~500 kb/s, pre-encoded once: red, blue,
green), the N viewers have a camera too (so they get a video m-line) but, not being
shown, are told to keep it off. Everyone sends pre-encoded room noise as audio, so no
site encodes anything while measuring.

Viewers do not decode: each received frame is identified by its bytes (each camera's
frames are known), at no cost. Two probe viewers decode (aiortc's decoder) and name the
colour, for "first decoded frame" latency.

Phases: warm-up (5 s) with the host shown; the steady window (``--seconds``): bridge CPU
from /proc/PID/stat, the mixer clock's lateness p50/p99 and the video counters from
``GET /api/metrics`` (window reset at its start); then ``--switches`` operator switches,
alternating between the two provinces (each was told to pause its camera while not
shown, so a switch includes its resume): latency from sending ``show`` to the first frame
of the new site at each viewer (p50/p95 over all viewers and switches), and to the first
decoded frame at the probes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.load import (
    cpu_seconds,
    create_session,
    get_metrics,
    reset_metrics,
    start_bridge,
    stop_process,
)
from bridge.media.video_tap import EncodedFrame
from endpoints.operator import OperatorClient
from endpoints.prerecorded import EncodedAudioTrack, prerecord, room_noise
from endpoints.session import SiteClient
from endpoints.video import EncodedVideoTrack, encode_picture

CAMERA = {"width": 640, "height": 360, "fps": 30, "seconds": 2.0, "bitrate": 500_000}
SMALL = {"width": 160, "height": 90, "fps": 5, "seconds": 1.0, "bitrate": 50_000}


class Viewer:
    """A viewer that identifies each received frame by its bytes (no decode)."""

    def __init__(self, owners: dict[bytes, str]) -> None:
        self.owners = owners
        self.frames = 0
        self.bytes = 0
        self.arrivals: list[tuple[float, str]] = []

    def on_frame(self, frame: EncodedFrame) -> None:
        self.frames += 1
        self.bytes += len(frame.data)
        owner = self.owners.get(frame.data, "?")
        if not self.arrivals or self.arrivals[-1][1] != owner:
            self.arrivals.append((time.monotonic(), owner))

    def first_since(self, owner: str, since: float) -> float | None:
        for t, who in self.arrivals:
            if t >= since and who == owner:
                return t
        return None


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    pictures = {c: encode_picture(c, **CAMERA) for c in ("red", "blue", "green")}  # type: ignore[arg-type]
    small = encode_picture("white", **SMALL)  # type: ignore[arg-type]
    owners = {f: c for c, p in pictures.items() for f in p.frames}
    noise = prerecord(room_noise(2.0))
    workdir = Path(tempfile.mkdtemp(prefix="video-bench-"))
    deadline = time.monotonic() + 600
    bridge = start_bridge(workdir, deadline)
    clients: list[SiteClient] = []
    operator: OperatorClient | None = None
    try:
        session_id, links = create_session(bridge, args.viewers + 3)
        cameras = ["red", "blue", "green"]
        viewers = [Viewer(owners) for _ in range(args.viewers)]
        probes = min(2, args.viewers)
        for link in links:
            client = SiteClient(link, record_seconds=2)
            clients.append(client)
            await client.join()
        starts = []
        for i, client in enumerate(clients):
            video = None
            on_frame = None
            if not args.no_video:
                picture = pictures[cameras[i]] if i < 3 else small
                video = EncodedVideoTrack(picture)
                if i >= 3 + probes:
                    on_frame = viewers[i - 3].on_frame
            starts.append(
                client.start_media(
                    EncodedAudioTrack(noise), video=video, on_video_frame=on_frame, timeout=60
                )
            )
        for batch in range(0, len(starts), 10):
            await asyncio.gather(*starts[batch : batch + 10])
        operator = OperatorClient(bridge.url, session_id=session_id, token=bridge.token)
        await operator.connect()
        await asyncio.sleep(args.warmup)

        reset_metrics(bridge)
        cpu0, t0, mine0 = cpu_seconds(bridge.pid), time.monotonic(), _own_cpu()
        frames0 = sum(v.frames for v in viewers)
        bytes0 = sum(v.bytes for v in viewers)
        await asyncio.sleep(args.seconds)
        cpu1, t1, mine1 = cpu_seconds(bridge.pid), time.monotonic(), _own_cpu()
        steady = get_metrics(bridge) or {}
        frames1 = sum(v.frames for v in viewers)
        bytes1 = sum(v.bytes for v in viewers)
        counted = max(1, len([v for v in viewers if v.frames]))
        result: dict[str, Any] = {
            "viewers": args.viewers,
            "video": not args.no_video,
            "camera": {**CAMERA, "measured_kbps": round(pictures["red"].bitrate / 1000)},
            "steady_s": round(t1 - t0, 2),
            "bridge_cpu_percent": round(100 * ((cpu1 or 0) - (cpu0 or 0)) / (t1 - t0), 1),
            "clients_cpu_percent": round(100 * (mine1 - mine0) / (t1 - t0), 1),
            "lateness_ms": steady.get("clock", {}).get("lateness_ms"),
            "skipped_ticks": steady.get("clock", {}).get("skipped"),
            "video_counters": steady.get("video"),
            "viewer_fps": round((frames1 - frames0) / counted / (t1 - t0), 1),
            "viewer_kbps": round((bytes1 - bytes0) * 8 / counted / (t1 - t0) / 1000),
        }
        if args.no_video or args.switches == 0:
            return result

        latencies: list[float] = []
        decoded: list[float] = []
        ids = [c.site["id"] for c in clients[:3]]  # type: ignore[index]
        for n in range(args.switches):
            target = 1 + n % 2
            colour = cameras[target]
            reset_at = time.monotonic()
            await operator.show(ids[target])
            probe_waits = [
                clients[3 + p].video.wait_for(colour, timeout=5, frames=1) for p in range(probes)
            ]
            for seen_at in await asyncio.gather(*probe_waits, return_exceptions=True):
                if isinstance(seen_at, float):
                    decoded.append(seen_at - reset_at)
            await asyncio.sleep(args.switch_gap)
            for viewer in viewers[probes:]:
                first = viewer.first_since(colour, reset_at)
                if first is not None:
                    latencies.append(first - reset_at)
        after = get_metrics(bridge) or {}
        result["switch_ms"] = {
            "p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p95": round(1000 * percentile(latencies, 95), 1) if latencies else None,
            "samples": len(latencies),
            "expected": args.switches * (args.viewers - probes),
        }
        result["switch_decoded_ms"] = {
            "p50": round(1000 * statistics.median(decoded), 1) if decoded else None,
            "p95": round(1000 * percentile(decoded, 95), 1) if decoded else None,
            "samples": len(decoded),
        }
        result["after_switches"] = {
            "video": after.get("video"),
            "lateness_ms": after.get("clock", {}).get("lateness_ms"),
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
    parser.add_argument("--no-video", action="store_true", help="audio only (the baseline)")
    parser.add_argument("--json", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
