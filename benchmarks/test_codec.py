"""Cost per 20 ms frame of the mixer's Opus binding (bridge/mixer/opus.py) beside PyAV's
libopus wrapper, and of the jitter buffer (bridge/mixer/jitter.py).

Run: ``.venv/bin/python -m pytest benchmarks/test_codec.py --benchmark-enable --benchmark-only
-q``. Without ``--benchmark-enable`` (the project default) every benchmark runs once, as a smoke
test. Results: docs/performance.md, "Opus and jitter buffer".
"""

from __future__ import annotations

import fractions
import itertools
import random
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bridge.mixer.jitter import JitterBuffer
from bridge.mixer.opus import FRAME_SAMPLES, SAMPLE_RATE, Application, OpusDecoder, OpusEncoder

F32 = npt.NDArray[np.float32]
FRAMES = 50  # one second of signal, cycled


def speech_like(frames: int = FRAMES) -> list[F32]:
    """A 200 Hz harmonic buzz under a 3 Hz envelope plus a little noise, about -25 dBFS."""
    rng = np.random.default_rng(0)
    t = np.arange(frames * FRAME_SAMPLES) / SAMPLE_RATE
    voiced = sum(np.sin(2 * np.pi * 200 * h * t) / h for h in range(1, 16))
    signal = 0.15 * voiced * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    signal += 0.003 * rng.standard_normal(len(t))
    return list(signal.astype(np.float32).reshape(frames, FRAME_SAMPLES))


def packets(bitrate: int = 32_000) -> list[bytes]:
    encoder = OpusEncoder(bitrate)
    return [encoder.encode(frame) for frame in speech_like()]


def test_decode(benchmark: BenchmarkFixture) -> None:
    decoder, source = OpusDecoder(), itertools.cycle(packets())
    benchmark(lambda: decoder.decode(next(source)))


def test_conceal(benchmark: BenchmarkFixture) -> None:
    decoder = OpusDecoder()
    payloads = packets()
    for payload in payloads:
        decoder.decode(payload)

    # A run of concealments fades to silence and gets cheaper; one loss at a time is the
    # realistic cost, so every timed concealment follows a decoded frame (not timed).
    def decode_a_frame() -> None:
        decoder.decode(payloads[10])

    benchmark.pedantic(decoder.conceal, setup=decode_a_frame, rounds=5000, iterations=1)


def test_decode_fec(benchmark: BenchmarkFixture) -> None:
    decoder, source = OpusDecoder(), itertools.cycle(packets())
    benchmark(lambda: decoder.decode_fec(next(source)))


@pytest.mark.parametrize(
    ("application", "complexity", "fec"),
    [
        ("voip", 5, True),  # the bridge's setting: SILK/hybrid with in-band FEC
        ("voip", 10, True),
        ("audio", 10, False),  # what PyAV's libopus encoder runs by default: CELT, no FEC
    ],
)
def test_encode(
    benchmark: BenchmarkFixture, application: Application, complexity: int, fec: bool
) -> None:
    encoder = OpusEncoder(32_000, application=application, complexity=complexity, fec=fec)
    source = itertools.cycle(speech_like())
    benchmark(lambda: encoder.encode(next(source)))


def test_pyav_decode(benchmark: BenchmarkFixture) -> None:
    """PyAV's libopus decoder (the one aiortc uses), asked for mono float."""
    codec = av.CodecContext.create("libopus", "r")
    codec.sample_rate = SAMPLE_RATE
    codec.layout = "mono"
    codec.format = "flt"
    source = itertools.cycle(packets())

    def decode() -> F32:
        frame = codec.decode(av.Packet(next(source)))[0]
        return frame.to_ndarray()[0]

    benchmark(decode)


def test_pyav_encode(benchmark: BenchmarkFixture) -> None:
    """PyAV's libopus encoder: mono float, 32 kb/s, FFmpeg's defaults otherwise (complexity
    10, no FEC). It codes this signal in CELT mode even when asked for "voip"."""
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = SAMPLE_RATE
    codec.layout = "mono"
    codec.format = "flt"
    codec.bit_rate = 32_000
    codec.time_base = fractions.Fraction(1, SAMPLE_RATE)
    codec.options = {"application": "voip"}
    frames = speech_like()
    pts = itertools.count(0, FRAME_SAMPLES)
    source = itertools.cycle(frames)

    def encode() -> list[bytes]:
        frame = av.AudioFrame.from_ndarray(next(source).reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = next(pts)
        return [bytes(p) for p in codec.encode(frame)]

    benchmark(encode)


def test_jitter_push_pop(benchmark: BenchmarkFixture) -> None:
    """One packet in and one tick out, steady state (the per-site cost per 20 ms)."""
    jb = JitterBuffer()
    payload = bytes(80)
    counter = itertools.count()

    def push_pop() -> object:
        i = next(counter)
        jb.push(i & 0xFFFF, (i * FRAME_SAMPLES) & 0xFFFFFFFF, payload, i * 0.02, 40)
        return jb.pop(i * 0.02 + 0.005)

    benchmark(push_pop)
    assert jb.stats.played >= jb.stats.received - 2


# -- Jitter buffer behaviour on simulated links (not a timing; run this module as a script) --

Delay = Callable[[random.Random, int], float | None]

SCENARIOS: dict[str, Delay] = {
    "clean (0-1 ms)": lambda rng, i: rng.uniform(0, 0.001),
    "5 % loss": lambda rng, i: None if rng.random() < 0.05 else rng.uniform(0, 0.001),
    "jitter 0-20 ms": lambda rng, i: rng.uniform(0, 0.020),
    "jitter 0-60 ms": lambda rng, i: rng.uniform(0, 0.060),
    "jitter 0-60 ms + 5 % loss": lambda rng, i: (
        None if rng.random() < 0.05 else rng.uniform(0, 0.060)
    ),
    "150 ms spike every 10 s": lambda rng, i: 0.15 if i % 500 == 250 else rng.uniform(0, 0.002),
}


def jitter_scenario(delay: Delay, frames: int = 15_000, rate: float = 1.0) -> dict[str, float]:
    """Packet i is sent at i × 20 ms / rate and arrives ``delay`` later (None: lost); the tick
    pops every 20 ms, 7 ms into each packet period. Returns the buffer's counters and the mean
    and 95th-percentile arrival → playout time of played packets, in ms."""
    rng = random.Random(1)
    arrivals = sorted(
        (i * 0.02 / rate + d, i) for i in range(frames) if (d := delay(rng, i)) is not None
    )
    jb, j, waits = JitterBuffer(), 0, []
    for tick in range(int(frames / rate)):
        now = tick * 0.02 + 0.007
        while j < len(arrivals) and arrivals[j][0] <= now:
            at, i = arrivals[j]
            jb.push(i & 0xFFFF, (i * FRAME_SAMPLES) & 0xFFFFFFFF, b"", at)
            j += 1
        playout = jb.pop(now)
        if playout.kind == "frame" and playout.arrival is not None:
            waits.append(1000 * (now - playout.arrival))
    s = jb.stats
    return {
        "mean_ms": float(np.mean(waits)),
        "p95_ms": float(np.percentile(waits, 95)),
        "concealed_pct": 100 * s.concealed / frames,
        "lost": s.lost,
        "fec": s.fec_candidates,
        "late": s.late,
        "skipped": s.skipped,
        "target": s.target,
    }


if __name__ == "__main__":
    print("| link | mean / p95 wait (ms) | concealed | lost | with fec | late | skipped | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = [(name, jitter_scenario(delay)) for name, delay in SCENARIOS.items()]
    rows.append(("sender clock 1 % fast", jitter_scenario(SCENARIOS["clean (0-1 ms)"], rate=1.01)))
    for name, r in rows:
        print(
            f"| {name} | {r['mean_ms']:.0f} / {r['p95_ms']:.0f} | {r['concealed_pct']:.1f} % "
            f"| {r['lost']} | {r['fec']} | {r['late']} | {r['skipped']} | {r['target']} |"
        )
