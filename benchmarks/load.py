"""Load benchmark, "briefing" workload: N sites on one session, K talk, the rest listen.

    .venv/bin/python -m benchmarks.load --sites 50 --seconds 30 [--talkers 3] [--json out.json]
    .venv/bin/python -m benchmarks.load --bridge-url http://127.0.0.1:8080 --token TOKEN \\
        [--bridge-pid PID] --sites 50

By default (``--start-bridge``) it starts ``python -m bridge serve`` on a free loopback port
with a fresh SQLite file, creates an operator with the CLI, then over the HTTP API a central
host site and N - 1 province sites, an open session with all N on the roster, and one join
link each. The N sites run in a separate process (benchmarks/load_clients.py; ``--client-
procs 2`` splits them over two): talkers 1..K send tones of distinct, not harmonically
related frequencies (the host is talker 1), everyone else a quiet room's noise.

Phases, from the moment every site has joined: warm-up (``--warmup``, 5 s), the measured
talk window (``--seconds``), then the talkers fall quiet (they send room noise too); after
``--settle`` s (talk hangover and buffers) the quiet window (``--quiet``) gives the noise
floor a listener hears while nobody talks. Then every site leaves and the bridge is stopped.

With ``--testing M`` the last M sites (listeners first, then talkers) run the connection
test (docs/connection-tests.md) at one moment, ``--test-after`` s into the talk window,
while the talkers keep talking: each sends ``test_start`` and plays the hall's side
(endpoints/connection_test.py) over a ``probe`` data channel opened with its offer. The
talk window is then measured twice: before the tests (the baseline) and from their start
to its end (``--seconds`` in all: make it long enough for the last test, which may wait
its turn at the ramps); the report adds how many tests finished, their verdicts and
durations.

Measured over the talk window: bridge CPU from /proc/PID/stat (utime + stime) as ms of CPU
per second per site, and the clients' own CPU (they share the machine); packets per second
each site receives, loss (sequence gaps), interarrival gaps; from the bridge's
``GET /api/metrics`` (if it has one; "n/a" otherwise) clock lateness p50/p99 and the
bridge-added latency (packet in → mixed packet out) p50/p95. At the probe sites (two
listeners and talker 1) the audio is decoded: which talkers' tones are heard (talker 1 must
not hear itself), and in the quiet window the noise floor (RMS dBFS) next to one hall's room
noise after one Opus round trip. Everything is on 127.0.0.1, bounded in site count and
time (``--timeout``), and every process started is stopped in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import platform
import queue
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from benchmarks.load_probe import ONSET_CYCLE_S, ONSET_TONE_S
from benchmarks.load_report import Report, add_tests, build_report, print_report

ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1  # linux/prctl.h
MAX_SITES = 200
MAX_SECONDS = 600
#: Tone frequencies of talkers 1..6: whole hertz (seamless 1 s loops), no two within 40 Hz
#: of each other's first harmonics, so each is told apart in the mix.
FREQUENCIES = (331.0, 467.0, 613.0, 773.0, 887.0, 1069.0)


@dataclass
class Bridge:
    url: str
    token: str
    pid: int | None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


@dataclass
class Clients:
    process: subprocess.Popen[str]
    result_path: Path
    lines: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)


# ---- the bridge ------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In a child before exec: get SIGTERM if this process dies, even by SIGKILL, so that
    no bridge or client outlives a killed benchmark (Linux). SIGTERM, not SIGINT: a shell
    starts background jobs with SIGINT ignored, and that is inherited."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bridge(workdir: Path, deadline: float) -> Bridge:
    """``bridge serve`` on a free loopback port with a fresh database and an operator."""
    db = workdir / "bridge.sqlite3"
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [
            *(sys.executable, "-m", "bridge", "operator", "create", "bench"),
            *("--password-stdin", "--role", "admin", "--db", str(db)),
        ],
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    port = free_port()
    log_path = workdir / "bridge.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "bridge", "serve", "--port", str(port)),
                *("--db", str(db), "--no-demo"),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    url = f"http://127.0.0.1:{port}"
    bridge = Bridge(url, "", process.pid, process, log_path)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the bridge exited at start:\n{_tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        if time.monotonic() > min(deadline, time.monotonic() + 60):
            raise RuntimeError(f"the bridge did not start:\n{_tail(log_path)}")
        time.sleep(0.2)
    reply = httpx.post(
        f"{url}/api/login", json={"username": "bench", "password": password}, timeout=10
    )
    reply.raise_for_status()
    bridge.token = str(reply.json()["token"])
    return bridge


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 10.0) -> None:
    """SIGTERM (the bridge stops cleanly on it, as on Ctrl-C), then kill after ``grace`` s."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def create_session(bridge: Bridge, sites: int) -> tuple[int, list[str]]:
    """A central host and ``sites - 1`` provinces, one open session, a link per site (host
    first). Names carry a run stamp so that a long-lived bridge takes repeated runs."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    headers = {"Authorization": f"Bearer {bridge.token}"}
    with httpx.Client(base_url=bridge.url, headers=headers, timeout=30) as api:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            reply = api.post(path, json=body)
            if reply.status_code >= 400:
                raise RuntimeError(f"POST {path}: HTTP {reply.status_code} {reply.text[:300]}")
            data: dict[str, Any] = reply.json()
            return data

        host = post("/api/sites", {"name": f"Bench host {stamp}", "level": "central"})["site"]
        ids = [host["id"]]
        for i in range(1, sites):
            body = {"name": f"Bench site {i:03d}", "level": "province", "parent_id": host["id"]}
            ids.append(post("/api/sites", body)["site"]["id"])
        session = post(
            "/api/sessions",
            {
                "title": f"Load benchmark {stamp}",
                "host_site_id": host["id"],
                "roster": ids,
                "state": "open",
            },
        )["session"]
        links = post(f"/api/sessions/{session['id']}/links", {})["links"]
    by_site = {link["site_id"]: link["url"] for link in links}
    return int(session["id"]), [by_site[i] for i in ids]


def get_metrics(bridge: Bridge) -> dict[str, Any] | None:
    """``GET /api/metrics``, or None if the bridge has none (404) or it fails."""
    try:
        reply = httpx.get(
            f"{bridge.url}/api/metrics",
            headers={"Authorization": f"Bearer {bridge.token}"},
            timeout=5,
        )
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    data: dict[str, Any] = reply.json()
    return data


def reset_metrics(bridge: Bridge) -> bool:
    """Start the bridge's measurement window (``POST /api/metrics/reset``) if it has one."""
    try:
        reply = httpx.post(
            f"{bridge.url}/api/metrics/reset",
            headers={"Authorization": f"Bearer {bridge.token}"},
            timeout=5,
        )
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


# ---- CPU -------------------------------------------------------------------------------


def cpu_seconds(pid: int | None) -> float | None:
    """utime + stime of ``pid`` (all its threads) in seconds, from /proc/PID/stat."""
    if pid is None:
        return None
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the clients -----------------------------------------------------------------------


def start_clients(plan: dict[str, Any], workdir: Path, name: str) -> Clients:
    plan_path = workdir / f"{name}.plan.json"
    plan_path.write_text(json.dumps(plan))
    result_path = workdir / f"{name}.result.json"
    stderr: TextIO = (workdir / f"{name}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.load_clients", str(plan_path), str(result_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        preexec_fn=_die_with_parent,
    )
    stderr.close()
    clients = Clients(process, result_path)

    def read() -> None:  # a thread, so the parent can wait on several with timeouts
        assert process.stdout is not None
        for line in process.stdout:
            with contextlib.suppress(ValueError):
                clients.lines.put(json.loads(line))
        clients.lines.put({"event": "exited"})

    threading.Thread(target=read, daemon=True).start()
    return clients


def expect(clients: Clients, event: str, deadline: float) -> dict[str, Any]:
    while True:
        try:
            line = clients.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"the clients sent no {event!r} in time") from None
        if line.get("event") == event:
            return line
        if line.get("event") in ("error", "exited"):
            raise RuntimeError(f"the clients stopped: {line.get('error', 'exited')}")


def site_plans(
    links: list[str],
    talkers: int,
    split: int,
    uplink: dict[str, float] | None = None,
    testing: int = 0,
) -> list[list[dict[str, Any]]]:
    """Each client process's sites: talkers first (the host is talker 1); probes are
    talker 1 and two listeners (the last site and one in the middle); the last
    ``testing`` sites run the connection test."""
    n = len(links)
    listeners = [i for i in range(talkers, n)]
    probes = {0} if talkers else set()
    probes |= set(listeners[-1:]) | set(listeners[len(listeners) // 2 : len(listeners) // 2 + 1])
    sites = [
        {
            "index": i,
            "link": link,
            "frequency": FREQUENCIES[i] if i < talkers else None,
            "probe": i in probes,
            "uplink": uplink,
            "test": i >= n - testing,
        }
        for i, link in enumerate(links)
    ]
    return [sites[k::split] for k in range(split)]


def sleep_until(instant: float) -> None:
    time.sleep(max(0.0, instant - time.monotonic()))


class OperatorWatch(threading.Thread):
    """An operator console's control connection for the whole run (``--operator``): with one
    attached the bridge also publishes level meters (10 Hz) and link quality (1 Hz), as in
    a real briefing, and that cost is then inside the measured CPU."""

    def __init__(self, url: str, session_id: int, token: str) -> None:
        super().__init__(daemon=True)
        self._args = (url, session_id, token)
        self._done = threading.Event()
        self.ready = threading.Event()
        self.counts: dict[str, int] = {}
        self.error: str | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._watch())
        except Exception as exc:  # reported, never fatal to the benchmark
            self.error = repr(exc)
            self.ready.set()

    async def _watch(self) -> None:
        from endpoints.operator import OperatorClient

        url, session_id, token = self._args
        async with OperatorClient(url, session_id=session_id, token=token) as operator:
            await operator.connect()
            self.ready.set()
            while not self._done.is_set():
                await asyncio.sleep(0.1)
            for received in operator.channel.history:
                kind = str(received.message.get("type"))
                self.counts[kind] = self.counts.get(kind, 0) + 1

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=10)


# ---- the run ---------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Report:
    deadline = time.monotonic() + args.timeout
    procs: list[Clients] = []
    bridge: Bridge | None = None
    watch: OperatorWatch | None = None
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bridge-load-") as tmp:
        workdir = Path(tmp)
        try:
            if args.bridge_url:
                bridge = Bridge(args.bridge_url.rstrip("/"), args.token, args.bridge_pid)
            else:
                bridge = start_bridge(workdir, deadline)
            session_id, links = create_session(bridge, args.sites)
            if args.operator:
                watch = OperatorWatch(bridge.url, session_id, bridge.token)
                watch.start()
                watch.ready.wait(15)
            join_timeout = 30.0
            uplink = {
                "loss": args.uplink_loss,
                "delay_ms": args.uplink_delay_ms,
                "jitter_ms": args.uplink_jitter_ms,
            }
            impaired = any(uplink.values())
            plans = site_plans(
                links, args.talkers, args.client_procs, uplink if impaired else None, args.testing
            )
            for k, sites in enumerate(plans):
                plan = {
                    "sites": sites,
                    "join_interval_s": args.join_interval,
                    "join_concurrency": 8,
                    "join_timeout_s": join_timeout,
                    "frequencies": list(FREQUENCIES[: args.talkers]),
                    "timeout_s": max(1.0, deadline - time.monotonic() - 5),
                }
                procs.append(start_clients(plan, workdir, f"clients{k}"))
            ready = [expect(c, "ready", deadline) for c in procs]
            if not any(r["joined"] for r in ready):
                failed = {k: v for r in ready for k, v in r.get("failed", {}).items()}
                first = next(iter(failed.values()), "?")
                raise RuntimeError(f"no site could join ({len(failed)} failed; first: {first})")
            t0 = time.monotonic() + 0.3
            schedule = {"measure_start": t0 + args.warmup}
            schedule["talk_end"] = schedule["measure_start"] + args.seconds
            if args.testing:
                schedule["test_start"] = schedule["measure_start"] + args.test_after
            schedule["quiet_start"] = schedule["talk_end"] + args.settle
            schedule["quiet_end"] = schedule["quiet_start"] + args.quiet
            onsets = [schedule["quiet_end"] + 0.2 + k * ONSET_CYCLE_S for k in range(args.onsets)]
            offsets = [t + ONSET_TONE_S for t in onsets]
            end = (offsets[-1] if offsets else schedule["quiet_end"]) + 0.6
            for c in procs:
                assert c.process.stdin is not None
                line = {**schedule, "onsets": onsets, "offsets": offsets, "end": end}
                c.process.stdin.write(json.dumps(line) + "\n")
                c.process.stdin.flush()
            sleep_until(schedule["measure_start"])
            # CPU first, at the window's very edges; the HTTP calls come after.
            cpu_start = [cpu_seconds(bridge.pid)] + [cpu_seconds(c.process.pid) for c in procs]
            wall_start = time.monotonic()
            metrics_reset = reset_metrics(bridge)
            metrics_start = get_metrics(bridge)
            baseline: dict[str, Any] | None = None
            if args.testing:
                # The baseline window ends as the tests start; the talk window is theirs.
                sleep_until(schedule["test_start"])
                cpu = [cpu_seconds(bridge.pid)] + [cpu_seconds(c.process.pid) for c in procs]
                wall = time.monotonic()
                baseline = {
                    "window": wall - wall_start,
                    "cpu_start": cpu_start,
                    "cpu_end": cpu,
                    "metrics_start": metrics_start,
                    "metrics_end": get_metrics(bridge),
                    "metrics_reset": metrics_reset,
                }
                cpu_start, wall_start = cpu, wall
                metrics_reset = reset_metrics(bridge)
                metrics_start = get_metrics(bridge)
            sleep_until(schedule["talk_end"])
            cpu_end = [cpu_seconds(bridge.pid)] + [cpu_seconds(c.process.pid) for c in procs]
            wall_end = time.monotonic()
            metrics_end = get_metrics(bridge)
            # The onset phase gets a window of its own, to set beside the client-timed onsets.
            sleep_until(schedule["quiet_end"])
            reset_metrics(bridge)
            sleep_until(end - 0.1)
            metrics_onsets = get_metrics(bridge) if args.onsets else None
            for c in procs:
                expect(c, "done", deadline)
            results = [json.loads(c.result_path.read_text()) for c in procs]
            if watch is not None:
                watch.stop()
                print(f"operator: {watch.error or watch.counts}", file=sys.stderr)
        except RuntimeError as exc:
            logs = [("bridge", bridge.log_path if bridge else None)]
            logs += [(f"clients {k}", workdir / f"clients{k}.log") for k in range(len(procs))]
            tails = "".join(
                f"\n--- {name} log (tail) ---\n{_tail(path)}" for name, path in logs if path
            )
            raise RuntimeError(f"{exc}{tails}") from exc
        finally:
            if watch is not None:
                watch.stop()
            for c in procs:
                stop_process(c.process, grace=15)
            if bridge is not None:
                stop_process(bridge.process)
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "benchmarks.load"])
    command += " " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    report = build_report(
        args=args,
        command=command,
        ready=ready,
        results=results,
        window=wall_end - wall_start,
        cpu_start=cpu_start,
        cpu_end=cpu_end,
        metrics_start=metrics_start,
        metrics_end=metrics_end,
        metrics_onsets=metrics_onsets,
        metrics_reset=metrics_reset,
        load=(load_before, os.getloadavg()),
        machine=machine(),
    )
    if baseline is not None:
        before = build_report(
            args=args,
            command=command,
            ready=ready,
            results=[{**r, **r["baseline"], "onset_sends": []} for r in results],
            metrics_onsets=None,
            load=(load_before, load_before),
            machine=report.data["machine"],
            **baseline,
        )
        add_tests(report, before, [t for r in results for t in r["tests"]], args.testing)
    return report


def machine() -> dict[str, Any]:
    model = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "model": model, "python": platform.python_version()}


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.splitlines()[0]
    )
    p.add_argument("--sites", type=int, default=10, help="N, the host included (default 10)")
    p.add_argument("--seconds", type=float, default=30.0, help="measured talk window (30)")
    p.add_argument("--talkers", type=int, default=3, help="sites sending a tone (3)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (5)")
    p.add_argument("--settle", type=float, default=1.5, help="talk end to quiet window (1.5)")
    p.add_argument("--quiet", type=float, default=4.0, help="quiet window for the floor (4)")
    p.add_argument("--onsets", type=int, default=5, help="talker-1 onsets timed at the end (5)")
    p.add_argument("--client-procs", type=int, default=1, choices=[1, 2])
    p.add_argument("--uplink-loss", type=float, default=0.0, help="every site (0..1)")
    p.add_argument("--uplink-delay-ms", type=float, default=0.0, help="every site")
    p.add_argument("--uplink-jitter-ms", type=float, default=0.0, help="every site, ±")
    p.add_argument("--join-interval", type=float, default=0.05, help="s between joins")
    p.add_argument(
        "--testing", type=int, default=0, help="sites running the connection test at once (0)"
    )
    p.add_argument(
        "--test-after", type=float, default=15.0, help="baseline s before the tests (15)"
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument("--start-bridge", action="store_true", help="(default)")
    target.add_argument("--bridge-url", help="a running bridge on 127.0.0.1 instead")
    p.add_argument("--token", help="operator login token for --bridge-url")
    p.add_argument(
        "--operator",
        action="store_true",
        help="attach an operator console for the run (meters and link quality published)",
    )
    p.add_argument("--bridge-pid", type=int, help="its pid, to measure its CPU")
    p.add_argument("--timeout", type=float, help="hard limit for the whole run, s")
    p.add_argument("--json", type=Path, help="write the full report here")
    args = p.parse_args(argv)
    if not 2 <= args.sites <= MAX_SITES:
        p.error(f"--sites must be 2..{MAX_SITES}")
    if not 1 <= args.seconds <= MAX_SECONDS:
        p.error(f"--seconds must be 1..{MAX_SECONDS}")
    if not 0 <= args.talkers <= min(len(FREQUENCIES), args.sites - 1):
        p.error(f"--talkers must be 0..{min(len(FREQUENCIES), args.sites - 1)}")
    if not 0 <= args.uplink_loss <= 0.5:
        p.error("--uplink-loss must be 0..0.5")
    if not (0 <= args.uplink_delay_ms <= 1000 and 0 <= args.uplink_jitter_ms <= 1000):
        p.error("--uplink-delay-ms and --uplink-jitter-ms must be 0..1000")
    if not 0 <= args.testing <= args.sites:
        p.error("--testing must be 0..--sites")
    if args.testing and not 1 <= args.test_after < args.seconds:
        p.error("--test-after must be at least 1 and less than --seconds")
    if not 0 <= args.onsets <= 50:
        p.error("--onsets must be 0..50")
    for name in ("warmup", "settle", "quiet"):
        if not 0 <= getattr(args, name) <= 120:
            p.error(f"--{name} must be 0..120")
    if args.bridge_url:
        host = urlsplit(args.bridge_url).hostname
        if host not in ("127.0.0.1", "localhost"):
            p.error("--bridge-url must be on 127.0.0.1: this benchmark stays on loopback")
        if not args.token:
            p.error("--bridge-url needs --token (POST /api/login)")
    if args.timeout is None:
        join = args.sites * args.join_interval + 60
        phases = args.warmup + args.seconds + args.settle + args.quiet + args.onsets * ONSET_CYCLE_S
        # A test still running after the window is waited for (RESULT_TIMEOUT_S at most).
        tests = 90.0 if args.testing else 0.0
        args.timeout = 90 + join + phases + tests
    return args


@contextlib.contextmanager
def _interrupt_as_exit() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None


def _terminate(signum: int, frame: object) -> None:
    # `timeout` and service managers send SIGTERM: unwind, so `finally` stops the children.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    with _interrupt_as_exit():
        try:
            report = run(args)
        except (RuntimeError, httpx.HTTPError, subprocess.SubprocessError, OSError) as exc:
            print(f"load benchmark failed: {exc}", file=sys.stderr)
            return 1
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report.data, indent=2, ensure_ascii=False) + "\n")
    return 0 if report.data["joined"] == args.sites else 1


if __name__ == "__main__":
    raise SystemExit(main())
