"""A profile pushed to every hall at once: how long until each hall has it and the console
knows each hall's answer, and what it costs the halls that are talking.

    .venv/bin/python -m benchmarks.profile_push [--sites 60] [--rounds 10] [--json out.json]

Starts ``bridge serve`` on a free loopback port (as benchmarks/load.py does) with a session
of a central host and ``--sites - 1`` provinces under it. Three halls talk for the whole
run (``bridge agent --tone``, real media); the others join from this process by signaling
only (a headless endpoint's profile answer needs no media). An operator console watches.
Each round assigns the central host a profile that differs from the last (the clock on or
off) — every hall inherits it — and measures, from the HTTP call: when each hall received
its ``profile``, and when the console had every hall's ``profile_status`` answering that
revision. The bridge's clock lateness is read over the rounds. Bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.load import (
    ROOT,
    create_session,
    get_metrics,
    machine,
    reset_metrics,
    start_bridge,
    stop_process,
)
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient

TALKING = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def arrival(client: SiteClient, mark: int, started: float, clock: bool) -> float:
    """Seconds from ``started`` until the hall had the profile with ``clock``."""
    message = await client.expect("profile", timeout=10, after=mark)
    assert message["profile"]["display"]["clock"] is clock
    return time.monotonic() - started


async def rounds(bridge: Any, session_id: int, host_id: int, links: list[str], args: Any) -> Any:
    clients = [SiteClient(link) for link in links[TALKING:]]
    operator = OperatorClient(bridge.url, session_id=session_id, token=bridge.token)
    await operator.connect()
    for batch in range(0, len(clients), 10):  # a hall a few ms apart, as halls arrive
        await asyncio.gather(*(c.join() for c in clients[batch : batch + 10]))
    site_ids = {c.site["id"] for c in clients if c.site}
    await asyncio.sleep(3.0)  # the talking halls' media up, the first profiles answered
    # A quiet window as long as the rounds, for the clock's lateness without pushes (this
    # machine is shared by the bridge, the halls and this process).
    reset_metrics(bridge)
    await asyncio.sleep(args.rounds * (args.pause + 0.2))
    quiet = get_metrics(bridge)
    reset_metrics(bridge)
    received: list[float] = []
    confirmed: list[float] = []
    http = httpx.AsyncClient(
        base_url=bridge.url, headers={"Authorization": f"Bearer {bridge.token}"}, timeout=30
    )
    try:
        for n in range(args.rounds):
            marks = [c.channel.seq for c in clients]
            console_mark = operator.channel.seq
            body = {"fields": {"display": {"clock": n % 2 == 0}}}
            started = time.monotonic()
            reply = await http.put(f"/api/sites/{host_id}/profile", json=body)
            reply.raise_for_status()

            received += await asyncio.gather(
                *(arrival(c, m, started, n % 2 == 0) for c, m in zip(clients, marks, strict=True))
            )
            # The console: every signaling hall's answer to the new revision.
            answered: set[int] = set()
            clock = n % 2 == 0
            deadline = time.monotonic() + 10
            while answered < site_ids and time.monotonic() < deadline:
                for received_message in operator.channel.history:
                    message = received_message.message
                    if received_message.seq <= console_mark or message["type"] != "profile_status":
                        continue
                    for entry in message["sites"]:
                        if (
                            entry["id"] in site_ids
                            and entry["applied_revision"] == entry["revision"]
                            and entry["fields"]["display.clock"]["desired"] is clock
                        ):
                            answered.add(entry["id"])
                await asyncio.sleep(0.005)
            if answered < site_ids:
                raise RuntimeError(f"round {n}: {len(site_ids - answered)} halls never answered")
            confirmed.append(time.monotonic() - started)
            await asyncio.sleep(args.pause)
        metrics = get_metrics(bridge)
    finally:
        await http.aclose()
        await operator.close()
        for client in clients:
            await client.close()
    return received, confirmed, quiet, metrics


def run(args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="profile-push-") as tmp:
        bridge = start_bridge(Path(tmp), deadline)
        halls: list[subprocess.Popen[bytes]] = []
        try:
            session_id, links = create_session(bridge, args.sites)
            host = httpx.get(
                f"{bridge.url}/api/sessions/{session_id}",
                headers={"Authorization": f"Bearer {bridge.token}"},
                timeout=10,
            ).json()["session"]["host_site_id"]
            for link, hz in zip(links[:TALKING], (331, 467, 613), strict=True):
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
                            str(int(args.timeout)),
                        ],
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            received, confirmed, quiet, metrics = asyncio.run(
                asyncio.wait_for(
                    rounds(bridge, session_id, host, links, args), deadline - time.monotonic()
                )
            )
            clock = (metrics or {}).get("clock", {})
            quiet_clock = (quiet or {}).get("clock", {})
            return {
                "command": " ".join(sys.argv),
                "machine": machine(),
                "sites": args.sites,
                "rounds": args.rounds,
                "profile_received_ms": {
                    "p50": round(statistics.median(received) * 1000, 1),
                    "p99": round(percentile(received, 0.99) * 1000, 1),
                    "max": round(max(received) * 1000, 1),
                },
                "all_answered_on_console_ms": {
                    "p50": round(statistics.median(confirmed) * 1000, 1),
                    "max": round(max(confirmed) * 1000, 1),
                },
                "clock_during_pushes": {
                    "lateness_ms": clock.get("lateness_ms"),
                    "skipped": clock.get("skipped"),
                },
                "clock_quiet": {
                    "lateness_ms": quiet_clock.get("lateness_ms"),
                    "skipped": quiet_clock.get("skipped"),
                },
                "talking_halls_alive": sum(h.poll() is None for h in halls),
            }
        finally:
            for hall in halls:
                stop_process(hall, 5)
            stop_process(bridge.process, 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between rounds")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not 1 + TALKING <= args.sites <= 200 or not 1 <= args.rounds <= 100:
        parser.error("--sites 4..200, --rounds 1..100")
    report = run(args)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
