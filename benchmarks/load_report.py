"""The load benchmark's figures: gathered from the clients' results, the bridge's metrics
and CPU counters, judged against the targets, printed as a table (and kept as JSON)."""

from __future__ import annotations

import argparse
import math
import statistics
from dataclasses import dataclass
from typing import Any

from benchmarks.load_probe import match_onsets

#: Targets from the issue. They are reported, never asserted: a busy 2-core machine moves
#: them, and the figures are what the reader needs.
CPU_MS_PER_SITE = 7.0  # at N = 50, bridge CPU ms per second per site
LATENCY_P50_MS = 40.0
LATENCY_P95_MS = 60.0
LATENESS_P99_MS = 5.0
MIN_FPS = 49.0  # at N = 100, every site
FLOOR_MARGIN_DB = 3.0  # a listener's noise floor vs one hall's room noise


@dataclass
class Report:
    data: dict[str, Any]


def build_report(
    *,
    args: argparse.Namespace,
    command: str,
    ready: list[dict[str, Any]],
    results: list[dict[str, Any]],
    window: float,
    cpu_start: list[float | None],
    cpu_end: list[float | None],
    metrics_start: dict[str, Any] | None,
    metrics_end: dict[str, Any] | None,
    metrics_onsets: dict[str, Any] | None,
    metrics_reset: bool,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    machine: dict[str, Any],
) -> Report:
    sites = sorted((s for r in results for s in r["sites"]), key=lambda s: s["index"])
    ok = [s for s in sites if s.get("error") is None]
    n = args.sites
    cores = [_delta(a, b, window) for a, b in zip(cpu_start, cpu_end, strict=True)]
    bridge_cores, client_cores = cores[0], cores[1:]
    fps = [s["fps"] for s in ok]
    expected = sum(s["expected"] for s in ok)
    lost = sum(s["lost"] for s in ok)
    probes = sorted((p for r in results for p in r["probes"]), key=lambda p: p["index"])
    reference = results[0]["reference_noise_dbfs"] if results else None
    frequencies = results[0]["frequencies"] if results else []
    clock = (metrics_end or {}).get("clock") or {}
    lateness = clock.get("lateness_ms") or {}
    latency = (metrics_end or {}).get("latency_ms") or {}
    listeners = [p for p in probes if p["talker"] is None]
    sends = [t for r in results for t in r.get("onset_sends", [])]
    onset_ms = [d for p in listeners for d in match_onsets(sends, p.get("onsets_heard", []))]
    floors = [p["quiet"]["rms_dbfs"] for p in listeners]
    worst_floor = None if not floors else max((f for f in floors if f is not None), default=None)
    data: dict[str, Any] = {
        "command": command,
        "machine": machine,
        "load_average": {"before": list(load[0]), "after": list(load[1])},
        "sites": n,
        "talkers": args.talkers,
        "uplink": {
            "loss": args.uplink_loss,
            "delay_ms": args.uplink_delay_ms,
            "jitter_ms": args.uplink_jitter_ms,
        },
        "seconds": round(window, 2),
        "joined": len(ok),
        "join_seconds": max((r.get("join_s", 0) for r in ready), default=None),
        "join_failures": {k: v for r in ready for k, v in r.get("failed", {}).items()},
        "bridge_cpu": {
            "cores": _r(bridge_cores),
            "ms_per_s_per_site": _r(None if bridge_cores is None else bridge_cores * 1000 / n),
        },
        "client_cpu": {
            "cores": [_r(c) for c in client_cores],
            "total_cores": _r(sum(c for c in client_cores if c is not None)),
            "loop_lag_ms": [r["client_loop_lag_ms"] for r in results],
            "gc": [r.get("client_gc") for r in results],
            "min_sent_fps": _r(min((s.get("sent_fps") or 0 for s in ok), default=None)),
        },
        "received": {
            "fps_min": _r(min(fps, default=math.nan)),
            "fps_median": _r(statistics.median(fps) if fps else None),
            "fps_max": _r(max(fps, default=math.nan)),
            "loss_percent": _r(100 * lost / expected if expected else None, 3),
            "worst_site_loss_percent": _r(
                max((100 * s["lost"] / s["expected"] for s in ok if s["expected"]), default=None),
                3,
            ),
            "reordered": sum(s["reordered"] for s in ok),
            "late_gaps": sum(s["late_gaps"] for s in ok),
            "timestamp_gap_frames": sum(s.get("timestamp_gaps", 0) for s in ok),
            "gap_p99_ms_median": _r(_median(s["gap_p99_ms"] for s in ok)),
            "gap_max_ms": _r(max((s["gap_max_ms"] or 0 for s in ok), default=None)),
            # when the worst site's longest gap ended, seconds into the window
            "gap_max_at_s": _r(
                max(ok, key=lambda s: s["gap_max_ms"] or 0).get("gap_max_at_s") if ok else None
            ),
        },
        "bridge_metrics": {
            "available": metrics_end is not None,
            "reset_at_start": metrics_reset,
            "lateness_p50_ms": lateness.get("p50"),
            "lateness_p99_ms": lateness.get("p99"),
            "latency_p50_ms": latency.get("p50"),
            "latency_p95_ms": latency.get("p95"),
            "ticks": _counter(metrics_start, metrics_end, "ticks"),
            "skipped": _counter(metrics_start, metrics_end, "skipped"),
            "raw_end": metrics_end,
        },
        "onset_latency_ms": {
            "count": len(onset_ms),
            "expected": len(sends) * len(listeners),
            "p50": _r(_median(onset_ms)),
            "max": _r(max(onset_ms, default=math.nan)),
            "all": onset_ms,
            "bridge_latency_ms": (metrics_onsets or {}).get("latency_ms"),
        },
        "audio": {
            "frequencies": frequencies,
            "reference_noise_dbfs": reference,
            "listener_floor_dbfs": floors,
            "floor_minus_reference_db": _r(
                None if worst_floor is None or reference is None else worst_floor - reference
            ),
            "probes": probes,
        },
        "per_site": sites,
    }
    data["targets"] = judge(data, frequencies)
    return Report(data)


def summarize_tests(tests: list[dict[str, Any]], asked: int) -> dict[str, Any]:
    """The connection tests of a ``--testing`` run: how many of the ``asked`` finished with
    a verdict, the verdicts, durations (the bridge's ``duration_ms``, and from each hall's
    ``test_start`` to its result, on the clients' clock), the reasons given, and how many
    got their bitrate ramps (the others waited past their turn)."""
    done = [t for t in tests if t.get("state") is not None]
    states: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for t in done:
        states[str(t["state"])] = states.get(str(t["state"]), 0) + 1
        for code in t.get("reasons") or []:
            reasons[code] = reasons.get(code, 0) + 1
    bridge_s = [t["duration_ms"] / 1000 for t in done if t.get("duration_ms") is not None]
    hall_s = [t["finished"] - t["started"] for t in done if "finished" in t]
    errors: dict[str, int] = {}
    for t in tests:
        if t.get("error"):
            errors[str(t["error"])] = errors.get(str(t["error"]), 0) + 1
    return {
        "asked": asked,
        "finished": len(done),
        "states": dict(sorted(states.items())),
        "errors": errors,
        "ramped": sum(1 for t in done if t.get("uplink_kbps") is not None),
        "duration_s": {
            "median": _r(_median(bridge_s)),
            "max": _r(max(bridge_s, default=math.nan)),
        },
        "hall_s": {"median": _r(_median(hall_s)), "max": _r(max(hall_s, default=math.nan))},
        "last_finished_s": _r(max((t["finished"] for t in done if "finished" in t), default=None)),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "rtt_ms_max": _r(
            max((t["rtt_ms"] for t in done if t.get("rtt_ms") is not None), default=None)
        ),
    }


#: What the baseline window keeps of its own report, beside the tests' window.
BASELINE_KEYS = ("seconds", "bridge_cpu", "client_cpu", "received", "bridge_metrics", "targets")


def add_tests(report: Report, baseline: Report, tests: list[dict[str, Any]], asked: int) -> None:
    """Put a ``--testing`` run's baseline window and its tests' summary into ``report``
    (whose own figures are then those of the window from the tests' start)."""
    before = {k: baseline.data[k] for k in BASELINE_KEYS}
    before["bridge_metrics"] = {k: v for k, v in before["bridge_metrics"].items() if k != "raw_end"}
    before["tones_heard"] = {
        str(p["index"]): p["talk"]["tones_heard"] for p in baseline.data["audio"]["probes"]
    }
    report.data["baseline"] = before
    report.data["connection_tests"] = summarize_tests(tests, asked)
    report.data["connection_tests"]["per_site"] = tests


def judge(data: dict[str, Any], frequencies: list[float]) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it was met (None: not measurable)."""
    cpu = data["bridge_cpu"]["ms_per_s_per_site"]
    m = data["bridge_metrics"]
    r = data["received"]
    audio = data["audio"]
    floors = audio["listener_floor_dbfs"]
    ref = audio["reference_noise_dbfs"]
    floor_ok: bool | None = None
    if floors and ref is not None:
        # A floor of None is digital silence: nothing added up, so it meets the target.
        floor_ok = all(f is None or f <= ref + FLOOR_MARGIN_DB for f in floors)
    heard_ok: bool | None = None
    if audio["probes"]:
        wanted = {int(f) for f in frequencies}
        heard_ok = True
        for probe in audio["probes"]:
            expect = wanted - ({int(probe["talker"])} if probe["talker"] else set())
            heard_ok = heard_ok and set(probe["talk"]["tones_heard"]) == expect

    def le(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    fps, loss = r["fps_min"], r["loss_percent"]
    rows = [
        ("bridge CPU, ms/s per site", f"≤ {CPU_MS_PER_SITE:g} (N=50)", cpu, CPU_MS_PER_SITE),
        ("latency p50, ms", f"≤ {LATENCY_P50_MS:g}", m["latency_p50_ms"], LATENCY_P50_MS),
        ("latency p95, ms", f"≤ {LATENCY_P95_MS:g}", m["latency_p95_ms"], LATENCY_P95_MS),
        ("clock lateness p99, ms", f"≤ {LATENESS_P99_MS:g}", m["lateness_p99_ms"], LATENESS_P99_MS),
        (
            "min frames/s at a site",
            f"≥ {MIN_FPS:g} (N=100)",
            fps,
            None if fps is None else fps >= MIN_FPS,
        ),
        ("loss, %", "0 (N=100)", loss, None if loss is None else loss == 0),
        (
            "listener noise floor − one hall, dB",
            f"≤ +{FLOOR_MARGIN_DB:g}",
            audio["floor_minus_reference_db"],
            floor_ok,
        ),
        ("talkers heard as expected", "all tones, never one's own", heard_ok, heard_ok),
    ]
    judged = []
    for name, target, value, met in rows:
        if isinstance(met, float):  # a limit: met when the value is at most that
            met = le(value, met)
        judged.append({"name": name, "target": target, "value": value, "met": met})
    return judged


def print_report(report: Report) -> None:
    d = report.data
    m = d["bridge_metrics"]
    r = d["received"]
    c = d["client_cpu"]
    a = d["audio"]
    o = d["onset_latency_ms"]
    mach = d["machine"]
    print(f"command:  {d['command']}")
    print(f"machine:  {mach['nproc']} cores, {mach['model']}, Python {mach['python']}")
    print(
        "load avg: before {} / after {}".format(
            _triple(d["load_average"]["before"]), _triple(d["load_average"]["after"])
        )
    )
    print(
        f"sites:    {d['joined']}/{d['sites']} joined in {d['join_seconds']} s, "
        f"{d['talkers']} talking, window {d['seconds']} s"
    )
    if any(d["uplink"].values()):
        u = d["uplink"]
        print(
            f"uplinks:  every site loss {u['loss']:g}, delay {u['delay_ms']:g} ms, "
            f"jitter ±{u['jitter_ms']:g} ms (endpoints/impair.py)"
        )
    if d["join_failures"]:
        print(f"failed:   {d['join_failures']}")
    rows = [
        (
            "bridge CPU",
            f"{_f(d['bridge_cpu']['cores'])} cores = "
            f"{_f(d['bridge_cpu']['ms_per_s_per_site'])} ms/s per site",
        ),
        (
            "client CPU",
            f"{_f(c['total_cores'])} cores ({', '.join(_f(x) for x in c['cores'])}); "
            f"loop lag p99 {', '.join(_f(x['p99']) for x in c['loop_lag_ms'])} ms; "
            f"min sent {_f(c['min_sent_fps'])} pkt/s",
        ),
        (
            "received frames/s",
            f"min {_f(r['fps_min'])}, median {_f(r['fps_median'])}, max {_f(r['fps_max'])}",
        ),
        (
            "loss",
            f"{_f(r['loss_percent'], 3)} % "
            f"(worst site {_f(r['worst_site_loss_percent'], 3)} %), reordered {r['reordered']}, "
            f"{r['timestamp_gap_frames']} frames skipped in RTP timestamps",
        ),
        (
            "arrival gaps",
            f"p99 {_f(r['gap_p99_ms_median'])} ms (median site), "
            f"max {_f(r['gap_max_ms'])} ms, {r['late_gaps']} over 60 ms",
        ),
        (
            "clock lateness",
            _na(m, "lateness_p50_ms", "lateness_p99_ms", "p50", "p99")
            + (f"; ticks {m['ticks']}, skipped {m['skipped']}" if m["available"] else ""),
        ),
        ("bridge latency", _na(m, "latency_p50_ms", "latency_p95_ms", "p50", "p95")),
        (
            "onset latency",
            f"p50 {_f(o['p50'])} ms, max {_f(o['max'])} ms ({o['count']}/{o['expected']} "
            "onsets; talker 1 → listener, client-timed, ±20 ms); bridge latency then "
            + _latency(o["bridge_latency_ms"]),
        ),
        (
            "noise floor",
            f"listeners {', '.join(_f(x) for x in a['listener_floor_dbfs'])} dBFS "
            f"vs one hall {_f(a['reference_noise_dbfs'])} dBFS "
            f"({_signed(a['floor_minus_reference_db'])} dB)",
        ),
    ]
    for probe in a["probes"]:
        who = f"talker {int(probe['talker'])} Hz" if probe["talker"] else "listener"
        tones = ", ".join(f"{k} Hz {_f(v)}" for k, v in probe["talk"]["tones_dbfs"].items())
        rows.append(
            (
                f"probe site {probe['index']}",
                f"{who}: {tones} dBFS; heard {probe['talk']['tones_heard']}",
            )
        )
    width = max(len(name) for name, _ in rows)
    print()
    for name, text in rows:
        print(f"  {name:<{width}}  {text}")
    print()
    if "connection_tests" in d:
        print_tests(d)
        print()
        print(f"  {'target':<38} {'goal':<28} {'baseline':>10}  met  {'tests':>10}  met")
        before = {t["name"]: t for t in d["baseline"]["targets"]}
        for t in d["targets"]:
            b = before.get(t["name"], {"value": None, "met": None})
            print(
                f"  {t['name']:<38} {t['target']:<28} {_value(b['value']):>10}  "
                f"{_met(b['met']):<3}  {_value(t['value']):>10}  {_met(t['met'])}"
            )
        return
    print(f"  {'target':<38} {'goal':<28} {'measured':>10}  met")
    for t in d["targets"]:
        print(f"  {t['name']:<38} {t['target']:<28} {_value(t['value']):>10}  {_met(t['met'])}")


def print_tests(d: dict[str, Any]) -> None:
    """The connection tests' summary, and the baseline window beside the tests' window."""
    t = d["connection_tests"]
    b = d["baseline"]
    states = ", ".join(f"{k} {v}" for k, v in t["states"].items()) or "none"
    print(
        f"  connection tests: {t['finished']}/{t['asked']} finished ({states}); "
        f"{t['ramped']} got their ramps; duration median {_f(t['duration_s']['median'])} s, "
        f"max {_f(t['duration_s']['max'])} s; last result {_f(t['last_finished_s'])} s "
        "after the start"
    )
    if t["errors"]:
        print(f"  test errors: {t['errors']}")
    print(f"  reasons: {', '.join(f'{k} {v}' for k, v in t['reasons'].items())}")
    rows = [
        ("window, s", b["seconds"], d["seconds"]),
        ("bridge CPU, cores", b["bridge_cpu"]["cores"], d["bridge_cpu"]["cores"]),
        (
            "clock lateness p50, ms",
            b["bridge_metrics"]["lateness_p50_ms"],
            d["bridge_metrics"]["lateness_p50_ms"],
        ),
        (
            "clock lateness p99, ms",
            b["bridge_metrics"]["lateness_p99_ms"],
            d["bridge_metrics"]["lateness_p99_ms"],
        ),
        ("ticks skipped", b["bridge_metrics"]["skipped"], d["bridge_metrics"]["skipped"]),
        (
            "bridge latency p50, ms",
            b["bridge_metrics"]["latency_p50_ms"],
            d["bridge_metrics"]["latency_p50_ms"],
        ),
        (
            "bridge latency p95, ms",
            b["bridge_metrics"]["latency_p95_ms"],
            d["bridge_metrics"]["latency_p95_ms"],
        ),
        ("frames/s, worst site", b["received"]["fps_min"], d["received"]["fps_min"]),
        ("loss, %", b["received"]["loss_percent"], d["received"]["loss_percent"]),
        (
            "frames skipped in RTP timestamps",
            b["received"]["timestamp_gap_frames"],
            d["received"]["timestamp_gap_frames"],
        ),
        ("arrival gap max, ms", b["received"]["gap_max_ms"], d["received"]["gap_max_ms"]),
        (
            "  ending, s into the window",
            b["received"]["gap_max_at_s"],
            d["received"]["gap_max_at_s"],
        ),
        ("arrival gaps over 60 ms", b["received"]["late_gaps"], d["received"]["late_gaps"]),
        ("client loop lag p99, ms", _lag(b["client_cpu"]), _lag(d["client_cpu"])),
    ]
    print()
    print(f"  {'':<34} {'baseline':>10} {'tests':>10}")
    for name, before, during in rows:
        print(f"  {name:<34} {_value(before):>10} {_value(during):>10}")


def _lag(client_cpu: dict[str, Any]) -> float | None:
    lags = [x.get("p99") for x in client_cpu["loop_lag_ms"]]
    return max((x for x in lags if x is not None), default=None)


def _value(value: Any) -> str:
    return str(value) if isinstance(value, bool) else _f(value)


def _met(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[met]


def _latency(latency: dict[str, float] | None) -> str:
    if not latency:
        return "n/a"
    return f"p50 {_f(latency.get('p50'))} ms, p95 {_f(latency.get('p95'))} ms"


def _delta(a: float | None, b: float | None, window: float) -> float | None:
    if a is None or b is None or window <= 0:
        return None
    return (b - a) / window


def _counter(start: dict[str, Any] | None, end: dict[str, Any] | None, key: str) -> int | None:
    def get(m: dict[str, Any] | None) -> int | None:
        value = ((m or {}).get("clock") or {}).get(key)
        return int(value) if isinstance(value, int | float) else None

    a, b = get(start), get(end)
    return None if a is None or b is None else b - a


def _median(values: Any) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def _r(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}"


def _triple(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def _na(m: dict[str, Any], k1: str, k2: str, l1: str, l2: str) -> str:
    if not m["available"]:
        return "n/a (no GET /api/metrics)"
    return f"{l1} {_f(m[k1])} ms, {l2} {_f(m[k2])} ms"
