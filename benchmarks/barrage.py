"""Bad-input barrage: what a flood of malformed input costs the halls that are talking.

    .venv/bin/python -m benchmarks.barrage [--frames 30000] [--requests 3000] \\
        [--connections 2000] [--json out.json]

Starts ``bridge serve`` on a free loopback port (as benchmarks/load.py does), a session of
four sites, and three headless halls that talk (``bridge agent --tone``) for the whole run.
Then, from this process, as fast as the bridge takes them: ``--frames`` malformed WebSocket
frames (bad JSON, unknown types, unknown fields, lone surrogates, bad candidates, deep
nesting, oversize; 30 per connection, the most one connection may err before it is closed),
``--requests`` bad HTTP requests (bad bodies, deep nesting, huge ids, unknown routes, wrong
methods, bad tokens) and ``--connections`` WebSocket connections opened and dropped. The
bridge's metrics are reset before the barrage and read after it, and again over a quiet
window after it: clock lateness p50/p99 and skipped ticks. Every answer's status and error
code is counted; a 500, a connection without an answer, or a dead bridge is reported.
Bounded in count and time (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from benchmarks.load import (
    ROOT,
    create_session,
    get_metrics,
    machine,
    reset_metrics,
    start_bridge,
    stop_process,
)

FRAMES = [
    '{"type": "offer", sdp',
    json.dumps({"type": "dance"}),
    json.dumps({"type": "ping", "colour": "red"}),
    '{"type": "ping", "id": "\\ud800"}',
    json.dumps({"type": "mute", "site_id": 10**30}),
    "[" * 5000 + "]" * 5000,
    json.dumps({"type": "offer", "sdp": "v=0\r\n" * 20_000}),
    json.dumps({"type": "candidate", "candidate": "candidate:9999"}),
    "garbage",
]
BIG = "1" * 23
REQUESTS: list[tuple[str, str, bytes, dict[str, str]]] = [
    ("POST", "/api/login", b"[" * 20_000 + b"]" * 20_000, {}),
    ("POST", "/api/login", b'{"username": "a"}', {}),
    ("GET", f"/api/sessions/{BIG}", b"", {"authorization": "Bearer nope"}),
    ("GET", "/api/nowhere", b"", {}),
    ("DELETE", "/api/sessions", b"", {}),
    ("POST", "/api/sites", b'{"name": 1}', {"authorization": "Bearer nope"}),
]


async def frames_barrage(url: str, count: int, counts: collections.Counter[str]) -> None:
    per_connection = 30
    sem = asyncio.Semaphore(20)

    async def one(batch: int) -> None:
        async with sem:
            try:
                async with websockets.connect(url, max_size=None, open_timeout=10) as ws:
                    for i in range(batch):
                        await ws.send(FRAMES[i % len(FRAMES)])
                    for _ in range(batch):
                        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                        counts[f"ws {message.get('code', message['type'])}"] += 1
            except websockets.ConnectionClosed as closed:
                counts[f"ws closed {closed.rcvd.code if closed.rcvd else 'none'}"] += 1
            except (TimeoutError, OSError) as exc:
                counts[f"ws failed {type(exc).__name__}"] += 1

    batches = [per_connection] * (count // per_connection)
    await asyncio.gather(*(one(b) for b in batches))


async def requests_barrage(base: str, count: int, counts: collections.Counter[str]) -> None:
    sem = asyncio.Semaphore(20)
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:

        async def one(i: int) -> None:
            method, path, body, headers = REQUESTS[i % len(REQUESTS)]
            async with sem:
                try:
                    reply = await http.request(method, path, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    counts[f"http failed {type(exc).__name__}"] += 1
                    return
            code = "?"
            if reply.headers.get("content-type", "").startswith("application/json"):
                code = reply.json().get("error", {}).get("code", "?")
            counts[f"http {reply.status_code} {code}"] += 1

        await asyncio.gather(*(one(i) for i in range(count)))


async def connections_barrage(url: str, count: int, counts: collections.Counter[str]) -> None:
    sem = asyncio.Semaphore(20)

    async def one() -> None:
        async with sem:
            try:
                ws = await websockets.connect(url, open_timeout=10)
                await ws.close()
                counts["connections opened and dropped"] += 1
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                counts[f"connection failed {type(exc).__name__}"] += 1

    await asyncio.gather(*(one() for _ in range(count)))


def clock(metrics: dict[str, Any] | None) -> dict[str, Any]:
    if not metrics or "clock" not in metrics:
        return {}
    return {
        "lateness_ms": metrics["clock"]["lateness_ms"],
        "skipped": metrics["clock"]["skipped"],
        "ticks": metrics["clock"]["ticks"],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="barrage-") as tmp:
        bridge = start_bridge(Path(tmp), deadline)
        halls: list[subprocess.Popen[bytes]] = []
        try:
            _, links = create_session(bridge, 4)
            seconds = str(int(args.timeout))
            for link, hz in zip(links[:3], (331, 467, 613), strict=True):
                halls.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "bridge",
                            "agent",
                            link,
                            "--tone",
                            str(hz),
                            "--seconds",
                            seconds,
                        ],
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            time.sleep(args.warmup)
            reset_metrics(bridge)
            time.sleep(args.quiet)
            before = clock(get_metrics(bridge))
            reset_metrics(bridge)
            counts: collections.Counter[str] = collections.Counter()
            ws_url = bridge.url.replace("http", "ws") + "/ws"
            started = time.monotonic()

            async def barrage() -> None:
                await asyncio.gather(
                    frames_barrage(ws_url, args.frames, counts),
                    requests_barrage(bridge.url, args.requests, counts),
                    connections_barrage(ws_url, args.connections, counts),
                )

            asyncio.run(asyncio.wait_for(barrage(), max(10.0, deadline - time.monotonic())))
            took = time.monotonic() - started
            during = clock(get_metrics(bridge))
            reset_metrics(bridge)
            time.sleep(args.quiet)
            after = clock(get_metrics(bridge))
            alive = bridge.process is not None and bridge.process.poll() is None
            halls_alive = sum(h.poll() is None for h in halls)
            log = bridge.log_path.read_text(errors="replace") if bridge.log_path else ""
            return {
                "command": " ".join(sys.argv),
                "machine": machine(),
                "barrage_s": round(took, 1),
                "quiet_before": before,
                "during_barrage": during,
                "quiet_after": after,
                "answers": dict(sorted(counts.items())),
                "bridge_alive": alive,
                "halls_still_connected": halls_alive,
                "tracebacks_in_log": log.count("Traceback"),
            }
        finally:
            for hall in halls:
                stop_process(hall, 5)
            stop_process(bridge.process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--connections", type=int, default=2_000)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--quiet", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = run(args)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if report["bridge_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
