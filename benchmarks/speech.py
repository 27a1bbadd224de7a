"""Speech as the halls hear it: wideband PESQ through a real bridge, beside its CPU.

    .venv/bin/python -m benchmarks.speech [--sites 10] [--settings default,32000:1]
        [--sweep] [--json out.json]

Vietnamese and English sentences are spoken by ``espeak-ng`` (benchmarks/speech_quality.py:
≥ 8 s each, 48 kHz, −23 dBFS active level) and Opus-encoded once as a browser would
(32 kb/s, complexity 9, no FEC layer on a clean network). For each bridge setting
(``BITRATE:COMPLEXITY``, or ``default`` for the bridge's own defaults) a fresh ``bridge
serve`` is started (benchmarks/load.py) with ``BRIDGE_AUDIO_BITRATE`` and
``BRIDGE_AUDIO_COMPLEXITY`` set, N sites join it over real aiortc peers in this process
(benchmarks/load_clients.py's ``LoadSite``): the host is the talking hall, every other hall
sends a quiet room's noise (−60 dBFS pink noise, with its RFC 6464 level, as browsers do),
and the last hall records the RTP payloads it receives. After a 2 s warm-up the talker plays
the speech, then falls back to room noise. The recording is decoded offline (a gap in the
RTP timestamps is concealed, as a receiver would), aligned to the speech by
cross-correlation, and each language is scored with PESQ-WB (P.862.2, ``pesq`` package)
against the clean speech. Measured while the speech plays: bridge CPU (utime + stime of its
process, /proc/PID/stat) as ms per second per site, and the bridge's own loss/concealment
counters.

Printed beside the live scores: (a) the sender's own encode decoded (the ceiling: nothing
after it can be better), the same settings offline (benchmarks/speech_quality.through_mix:
the bridge's mixer core and encoder without the network), and a mix that sums every hall's
room noise (what talker selection avoids). ``--sweep`` adds an offline bitrate ×
complexity grid. Needs the bench extra (``pip install -e '.[bench]'``: pesq, scipy) and
espeak-ng. Everything is on 127.0.0.1, bounded by ``--timeout``; every process started is
stopped in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.load import (
    Bridge,
    cpu_seconds,
    create_session,
    get_metrics,
    machine,
    start_bridge,
    stop_process,
)
from benchmarks.speech_quality import (
    F32,
    FRAME,
    SAMPLE_RATE,
    SENDER,
    SPEECH_DBFS,
    Encoding,
    MixPlan,
    align,
    decode,
    encode,
    score,
    speech,
    through_mix,
)
from bridge.mixer.mixer import EncodingConfig
from bridge.mixer.opus import libopus_version

LANGUAGES = ("vi", "en")
WARMUP_S = 2.0
TAIL_S = 1.0
MAX_SITES = 60
#: The bridge's settings before this benchmark chose new ones, for the comparison.
OLD_DEFAULTS = Encoding(32_000, complexity=1)
SWEEP_BITRATES = (32_000, 48_000, 64_000, 96_000)
SWEEP_COMPLEXITIES = (1, 5, 10)


@dataclass(frozen=True)
class Setting:
    label: str
    bitrate: int | None  # None: the bridge's default
    complexity: int | None

    def encoding(self) -> Encoding:
        d = EncodingConfig()
        return Encoding(_or(self.bitrate, d.bitrate), complexity=_or(self.complexity, d.complexity))

    def env(self) -> dict[str, str]:
        out = {}
        if self.bitrate is not None:
            out["BRIDGE_AUDIO_BITRATE"] = str(self.bitrate)
        if self.complexity is not None:
            out["BRIDGE_AUDIO_COMPLEXITY"] = str(self.complexity)
        return out


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def parse_setting(text: str) -> Setting:
    if text == "default":
        d = EncodingConfig()
        return Setting(f"default ({d.bitrate // 1000} kb/s, c{d.complexity})", None, None)
    try:
        bitrate, complexity = (int(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: BITRATE:COMPLEXITY or default") from None
    if not (6_000 <= bitrate <= 128_000 and 0 <= complexity <= 10):
        raise argparse.ArgumentTypeError(f"{text!r}: bitrate 6000..128000, complexity 0..10")
    return Setting(f"{bitrate // 1000} kb/s, c{complexity}", bitrate, complexity)


@dataclass
class Program:
    """What the talking hall says: the languages one after another, and where each is."""

    samples: F32
    spans: dict[str, tuple[int, int]]  # language → (start, end) sample of its segment
    payloads: list[bytes]
    levels: list[int]


def make_program(workdir: Path) -> Program:
    from endpoints.prerecorded import frame_levels

    parts, spans, at = [], {}, 0
    for language in LANGUAGES:
        x = speech(language, workdir=workdir)
        parts.append(x)
        spans[language] = (at, at + len(x))
        at += len(x)
    samples = np.concatenate(parts)
    return Program(samples, spans, encode(samples, SENDER), frame_levels(samples))


def score_languages(program: Program, heard: F32) -> dict[str, dict[str, float]]:
    """Align the whole recording once, then score each language's segment (re-aligned
    within ±0.2 s, so a frame skipped by a jitter buffer between them does not matter)."""
    aligned, lag = align(program.samples, heard, max_lag=len(heard))
    out = {}
    for language, (a, b) in program.spans.items():
        pesq, fine = score(program.samples[a:b], aligned[a:b], max_lag_s=0.2)
        out[language] = {
            "pesq_wb": round(pesq, 3),
            "lag_ms": round((lag / SAMPLE_RATE + fine) * 1000, 1),
        }
    return out


# ---- the live run ---------------------------------------------------------------------


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in os.environ while the bridge is started (it inherits them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def recorded_audio(
    timestamps: list[int], payloads: list[bytes], arrivals: list[float], since: float
) -> tuple[F32, int]:
    """The payloads that arrived after ``since``, decoded in RTP timestamp order, and how
    many frames were missing: a gap in the timestamps (a lost packet, or a tick the mixer's
    clock skipped) is concealed, as a receiver would."""
    packets = [
        (ts, p) for ts, p, t in zip(timestamps, payloads, arrivals, strict=True) if t >= since
    ]
    if not packets:
        return np.zeros(0, np.float32), 0
    first = packets[0][0]
    by_frame = {((ts - first) % 2**32) // FRAME: p for ts, p in packets}
    count = max(by_frame) + 1
    return decode([by_frame.get(i) for i in range(count)]), count - len(by_frame)


async def live_run(
    setting: Setting,
    program: Program,
    sites: int,
    workdir: Path,
    deadline: float,
    save_audio: Path | None = None,
) -> dict[str, Any]:
    from benchmarks.load_clients import LoadSite, SitePlan, join_all
    from endpoints.prerecorded import Prerecorded, prerecord, room_noise

    bridge: Bridge | None = None
    members: list[LoadSite] = []
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    try:
        with environment(setting.env()):
            bridge = await asyncio.to_thread(start_bridge, run_dir, deadline)
        _, links = await asyncio.to_thread(create_session, bridge, sites)
        for i, link in enumerate(links):
            noise = prerecord(room_noise(4.0, seed=1000 + i))
            plan = SitePlan(i, link, None, probe=i == len(links) - 1)
            members.append(LoadSite(plan, noise, None))
        await join_all(members, 0.05, 8, 30.0)
        failed = [m.error for m in members if m.error is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} of {sites} sites could not join: {failed[0]}")
        talker, recorder = members[0], members[-1]
        assert talker.track is not None
        await asyncio.sleep(WARMUP_S)
        before = await asyncio.to_thread(get_metrics, bridge) or {}
        cpu0, t0 = cpu_seconds(bridge.pid), time.monotonic()
        talker.track.switch(Prerecorded(tuple(program.payloads), tuple(program.levels)))
        await asyncio.sleep(len(program.payloads) * FRAME / SAMPLE_RATE)
        talker.track.switch(talker.noise)
        cpu1, t1 = cpu_seconds(bridge.pid), time.monotonic()
        after = await asyncio.to_thread(get_metrics, bridge) or {}
        await asyncio.sleep(TAIL_S)
    finally:
        await asyncio.gather(
            *(asyncio.wait_for(m.leave(), 10) for m in members), return_exceptions=True
        )
        if bridge is not None:
            await asyncio.to_thread(stop_process, bridge.process)
    heard, missing = recorded_audio(
        list(recorder.timestamps), recorder.payloads, list(recorder.arrivals), t0 - 0.5
    )
    if save_audio is not None:
        from benchmarks.speech_quality import write_wav

        name = "".join(c if c.isalnum() else "_" for c in setting.label)
        write_wav(save_audio / f"heard_{name}.wav", heard)
    cpu = None
    if cpu0 is not None and cpu1 is not None:
        cpu = round((cpu1 - cpu0) / (t1 - t0) * 1000 / sites, 2)

    def delta(key: str) -> int | None:
        if key in before and key in after:
            return int(after[key]) - int(before[key])
        return None

    return {
        "setting": setting.label,
        "env": setting.env(),
        "scores": score_languages(program, heard),
        "cpu_ms_per_s_per_site": cpu,
        # Time warps PESQ punishes: frames held or concealed by the bridge's jitter buffers
        # (all sites), ticks its clock skipped (late by > 5 ticks), frames missing at the
        # recording hall. On a quiet machine and loopback they are all about zero.
        "bridge": {k: delta(k) for k in ("lost", "concealed", "late", "underruns", "skipped")},
        "recording_missing_frames": missing,
        "load_average": os.getloadavg()[0],
        "latency_ms": after.get("latency_ms"),
    }


# ---- offline ---------------------------------------------------------------------------


def offline_scores(program: Program, mix: Encoding, plan: MixPlan) -> dict[str, float]:
    out = {}
    for language, (a, b) in program.spans.items():
        frames = slice(a // FRAME, b // FRAME)
        heard = through_mix(program.payloads[frames], mix, plan)
        out[language] = round(score(program.samples[a:b], heard)[0], 3)
    return out


def sender_scores(program: Program) -> dict[str, float]:
    own = decode(program.payloads)
    return {
        language: round(score(program.samples[a:b], own[a:b], max_lag_s=0.1)[0], 3)
        for language, (a, b) in program.spans.items()
    }


# ---- the report ------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="bridge-speech-") as tmp:
        workdir = Path(tmp)
        program = make_program(workdir)
        if args.save_audio is not None:
            from benchmarks.speech_quality import write_wav

            args.save_audio.mkdir(parents=True, exist_ok=True)
            write_wav(args.save_audio / "speech.wav", program.samples)
            write_wav(args.save_audio / "sender.wav", decode(program.payloads))
        report: dict[str, Any] = {
            "command": " ".join(shlex.quote(a) for a in [sys.executable, "-m", "benchmarks.speech"])
            + "".join(" " + shlex.quote(a) for a in sys.argv[1:]),
            "machine": {**machine(), "libopus": libopus_version()},
            "sites": args.sites,
            "speech": {
                language: {"seconds": round((b - a) / SAMPLE_RATE, 2), "level_dbfs": SPEECH_DBFS}
                for language, (a, b) in program.spans.items()
            },
            "sender": {**asdict(SENDER), "pesq_wb": sender_scores(program)},
            "live": [],
            "offline": [],
        }
        plan = MixPlan(halls=args.sites)
        offline = {s.encoding(): s.label for s in args.settings}
        if args.sweep:
            for bitrate in SWEEP_BITRATES:
                for complexity in SWEEP_COMPLEXITIES:
                    enc = Encoding(bitrate, complexity=complexity)
                    offline.setdefault(enc, enc.label())
        for enc, label in offline.items():
            report["offline"].append({"mix": label, "pesq_wb": offline_scores(program, enc, plan)})
        summed = MixPlan(halls=args.sites, sum_all=True)
        report["offline"].append(
            {
                "mix": f"every hall summed, {OLD_DEFAULTS.label()}",
                "pesq_wb": offline_scores(program, OLD_DEFAULTS, summed),
            }
        )
        if not args.offline:
            # Interleaved, so a change in the machine's load falls on every setting alike.
            for setting in [s for _ in range(args.repeat) for s in args.settings]:
                left = deadline - time.monotonic()
                if left < 60:
                    raise RuntimeError(f"--timeout reached before the run of {setting.label}")
                run = live_run(setting, program, args.sites, workdir, deadline, args.save_audio)
                result = asyncio.run(asyncio.wait_for(run, left))
                report["live"].append(result)
                print(f"  {setting.label}: {result['scores']}", file=sys.stderr)
    return report


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"# {report['command']}")
    print(f"# {m['model']}, {m['nproc']} cores, Python {m['python']}, {m['libopus']}")
    speech_s = ", ".join(f"{k} {v['seconds']} s" for k, v in report["speech"].items())
    print(f"# speech: {speech_s} at {SPEECH_DBFS} dBFS; {report['sites']} sites")
    print()
    print(
        "| what the hall hears | PESQ-WB vi | PESQ-WB en | bridge CPU, ms/s per site "
        "| concealed / underruns / clock skips | load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    s = report["sender"]["pesq_wb"]
    print(f"| (a) the sender's own encode ({SENDER.label()}) | {s['vi']} | {s['en']} | | | |")
    for r in report["live"]:
        sc, b = r["scores"], r["bridge"]
        print(
            f"| through the bridge, {r['setting']} | {sc['vi']['pesq_wb']} "
            f"| {sc['en']['pesq_wb']} | {r['cpu_ms_per_s_per_site']} "
            f"| {b['concealed']} / {b['underruns']} / {b['skipped']} "
            f"| {r['load_average']:.1f} |"
        )
    for r in report["offline"]:
        sc = r["pesq_wb"]
        print(f"| offline mix, {r['mix']} | {sc['vi']} | {sc['en']} | | | |")
    print()
    for r in report["live"]:
        print(
            f"# {r['setting']}: bridge counters {r['bridge']}, frames missing at the recorder "
            f"{r['recording_missing_frames']}, latency {r['latency_ms']}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speech", description=__doc__.splitlines()[0]
    )
    p.add_argument("--sites", type=int, default=10, help="halls, the talker and recorder too")
    p.add_argument(
        "--settings",
        type=lambda v: [parse_setting(s) for s in v.split(",")],
        default=[parse_setting("default"), parse_setting("32000:1")],
        help="bridge settings to run, BITRATE:COMPLEXITY or default (default,32000:1)",
    )
    p.add_argument("--repeat", type=int, default=1, help="live runs of each setting (1)")
    p.add_argument("--sweep", action="store_true", help="add an offline bitrate × complexity grid")
    p.add_argument("--offline", action="store_true", help="no bridge: offline scores only")
    p.add_argument("--timeout", type=float, help="hard limit for the run, s (180 a live run)")
    p.add_argument("--json", type=Path, help="write the full report here")
    p.add_argument("--save-audio", type=Path, help="write the speech and recordings (WAV) here")
    args = p.parse_args(argv)
    if not 3 <= args.sites <= MAX_SITES:
        p.error(f"--sites must be 3..{MAX_SITES}")
    if not 1 <= args.repeat <= 10:
        p.error("--repeat must be 1..10")
    if args.timeout is None:
        args.timeout = 300.0 + 180.0 * len(args.settings) * args.repeat
    return args


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwind, so `finally` stops the bridge


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    from bridge.media.ice import restrict_host_addresses

    restrict_host_addresses(["127.0.0.1"])
    try:
        report = run(args)
    except (RuntimeError, OSError, TimeoutError) as exc:
        print(f"speech benchmark failed: {exc!r}", file=sys.stderr)
        return 1
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
