"""Recording benchmark: the recorder's CPU for a 100-site session, and stop → complete.

    .venv/bin/python -m benchmarks.recording [--seconds 30] [--sites 100] [--long-minutes 120]

Streams, pre-encoded once so nothing is encoded while measuring: the shared mix, 50 Opus
packets a second at 64 kb/s (the mixer's ``EncodingConfig``: complexity 10, FEC) of a tone
with noise; the shown hall's camera, VP8 640x360 at ~1 Mb/s and 30 fps (moving noise, a
keyframe every 3 s); and ``--sites`` halls each sending 30 frames a second (the shown
one's frames, so sizes are real) through the recorder's tap filter — the worst case: in
the bridge, halls that are not shown are told to keep their cameras off.

Phase 1, real time (``--seconds``): one event loop calls ``Recorder.audio`` every 20 ms
and ``Recorder.video`` for every hall's frame, as the mixer's and forwarder's hooks do.
Measured: the loop thread's CPU inside those calls (``time.thread_time`` around each
batch: the measurement is counted too) and the worker thread's CPU (its own thread
clock), over the media seconds, as % of one core; the audio ticks' lateness (does the
worker hold the loop up?); the frames the full queue dropped; stop → the file, its
chapters and its manifest written.

Phase 2 (``--long-minutes``, 0 to skip): a long recording fed faster than real time (a
clock of its own; the feeder waits when the queue is half full, so nothing drops), then
stop → complete for that file (the SHA-256 of the whole file is most of it).
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np

from bridge.media.video_tap import EncodedFrame
from bridge.mixer.mixer import EncodingConfig
from bridge.mixer.opus import OpusEncoder
from bridge.recording import Recorder
from bridge.recording.recorder import QUEUE_SIZE

FPS = 30
GOP = 90
NOISE = 6.0


def opus_packets(count: int = 250) -> list[bytes]:
    e = EncodingConfig()
    encoder = OpusEncoder(
        e.bitrate,
        fec=e.fec,
        expected_loss_percent=e.expected_loss_percent,
        complexity=e.complexity,
        max_bandwidth=e.max_bandwidth,
    )
    rng = np.random.default_rng(1)
    packets = []
    for i in range(count):
        t = (np.arange(960) + i * 960) / 48_000
        pcm = 0.1 * np.sin(2 * np.pi * 440 * t) + 0.03 * rng.standard_normal(960)
        packets.append(encoder.encode(pcm.astype(np.float32)))
    return packets


def vp8_frames(count: int = GOP, width: int = 640, height: int = 360) -> list[tuple[bytes, bool]]:
    ctx = av.CodecContext.create("libvpx", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = fractions.Fraction(1, FPS)
    ctx.framerate = FPS
    ctx.bit_rate = 1_000_000
    ctx.gop_size = GOP
    ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = np.random.default_rng(2)
    y, x = np.mgrid[0 : height * 3 // 2, 0:width]
    frames: list[tuple[bytes, bool]] = []
    i = 0
    while len(frames) < count:
        # A moving pattern with some sensor noise: about what a hall camera's 1 Mb/s holds.
        pattern = 128 + 60 * np.sin((x + 4 * i) / 23.0) * np.cos((y - 3 * i) / 17.0)
        noisy = pattern + rng.normal(0, NOISE, pattern.shape)
        picture = av.VideoFrame.from_ndarray(
            np.clip(noisy, 0, 255).astype(np.uint8), format="yuv420p"
        )
        picture.pts = i
        i += 1
        frames += [(bytes(p), bool(p.is_keyframe)) for p in ctx.encode(picture)]
    return frames[:count]


def worker_cpu(recorder: Recorder) -> float:
    ident = recorder._thread.ident
    assert ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


async def real_time(seconds: float, sites: int, folder: Path) -> dict[str, Any]:
    audio, video = opus_packets(), vp8_frames()
    kbps = sum(len(f) for f, _ in video) * 8 / (len(video) / FPS) / 1000
    names = {site: f"Hall {site}" for site in range(1, sites + 1)}
    recorder = Recorder(folder / "real-time", datetime.now(UTC), names, lambda _s: None)
    shown = 1
    recorder.show(shown)
    recorder.floor(shown)
    loop_cpu = 0.0
    worker_before = worker_cpu(recorder)
    start = time.monotonic()
    next_audio = next_video = start
    ticks = frames = 0
    lateness: list[float] = []  # the loop's audio ticks: does the worker hold the loop up?
    thread_time = time.thread_time
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        if now >= next_audio:
            lateness.append(now - next_audio)
            began = thread_time()
            recorder.audio(audio[ticks % len(audio)], ticks * 960)
            loop_cpu += thread_time() - began
            ticks += 1
            next_audio += 0.02
        if now >= next_video:
            data, key = video[frames % len(video)]
            frame = EncodedFrame(data, frames * 3000 & 0xFFFFFFFF, key)
            began = thread_time()
            for site in range(1, sites + 1):  # every hall's frame passes the tap
                recorder.video(site, frame)
            loop_cpu += thread_time() - began
            frames += 1
            next_video += 1 / FPS
            if frames == FPS * 10:  # a switch, with its keyframe wait
                shown = 2
                recorder.show(shown)
                recorder.floor(shown)
        await asyncio.sleep(max(0.0, min(next_audio, next_video) - time.monotonic()))
    media_s = time.monotonic() - start
    stop_began = time.monotonic()
    worker = worker_cpu(recorder) - worker_before
    result = await recorder.stop()
    stop_s = time.monotonic() - stop_began
    return {
        "sites": sites,
        "media_s": round(media_s, 2),
        "video_kbps": round(kbps),
        "audio_packets": ticks,
        "frames_per_hall": frames,
        "tap_calls": frames * sites,
        "loop_cpu_pct": round(100 * loop_cpu / media_s, 3),
        "worker_cpu_pct": round(100 * worker / media_s, 3),
        "total_cpu_pct": round(100 * (loop_cpu + worker) / media_s, 3),
        "loop_us_per_tap_call": round(1e6 * loop_cpu / max(1, frames * sites + ticks), 3),
        "tick_lateness_ms": {
            "p50": round(1000 * float(np.percentile(lateness, 50)), 2),
            "p99": round(1000 * float(np.percentile(lateness, 99)), 2),
            "max": round(1000 * max(lateness), 2),
        },
        "dropped": result.dropped,
        "file_mb": round(result.bytes / 1e6, 2),
        "duration_s": round(result.duration_s, 2),
        "chapters": [c.title for c in result.chapters],
        "stop_to_complete_s": round(stop_s, 3),
    }


async def long_recording(minutes: float, folder: Path) -> dict[str, Any]:
    audio, video = opus_packets(), vp8_frames()
    clock_now = [0.0]
    recorder = Recorder(
        folder / "long",
        datetime.now(UTC),
        {1: "Hall 1"},
        lambda _s: None,
        clock=lambda: clock_now[0],
    )
    recorder.show(1)
    fed_began = time.monotonic()
    ticks = frames = 0
    total_ticks = int(minutes * 60 * 50)
    while ticks < total_ticks:
        recorder.audio(audio[ticks % len(audio)], ticks * 960)
        ticks += 1
        clock_now[0] = ticks * 0.02
        while frames < ticks * 0.02 * FPS:
            data, key = video[frames % len(video)]
            recorder.video(1, EncodedFrame(data, frames * 3000 & 0xFFFFFFFF, key))
            frames += 1
        while recorder._queue.qsize() > QUEUE_SIZE // 2:
            await asyncio.sleep(0.002)
    fed_s = time.monotonic() - fed_began
    stop_began = time.monotonic()
    result = await recorder.stop()
    stop_s = time.monotonic() - stop_began
    size = result.bytes
    result.path.unlink()
    return {
        "minutes": minutes,
        "file_mb": round(size / 1e6, 1),
        "fed_in_s": round(fed_s, 1),
        "dropped": result.dropped,
        "duration_s": round(result.duration_s, 1),
        "stop_to_complete_s": round(stop_s, 3),
        "finish_s": round(result.finish_s, 3),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--long-minutes", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recording-bench-") as folder:
        report = {"real_time": await real_time(args.seconds, args.sites, Path(folder))}
        if args.long_minutes > 0:
            report["long"] = await long_recording(args.long_minutes, Path(folder))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
