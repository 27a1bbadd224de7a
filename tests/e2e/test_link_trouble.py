"""A hall whose endpoint freezes shows "no media" on the consoles within 3 s, and recovers.

A real `bridge serve`, a real headless endpoint (``python -m endpoints.agent``) in its own
process, stopped with SIGSTOP as a frozen hall PC would be (nothing more leaves it: no
RTP, no RTCP, no WebSocket ping), then resumed with SIGCONT. An operator's WebSocket
receives the ``quality`` messages the console renders. The network-cut case is
tests/web/test_network_cut.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from endpoints.operator import OperatorClient
from tests.conftest import ROOT, RunningBridge

NOTICE_S = 3.0  # the promise to operators: a silent hall is flagged within this


@pytest.fixture
def hall(bridge: RunningBridge) -> Iterator[subprocess.Popen[str]]:
    link = next(iter(bridge.links.values()))
    process = subprocess.Popen(
        [sys.executable, "-m", "endpoints.agent", link, "--tone", "440", "--seconds", "60"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def entry(message: dict, site_id: int | None = None) -> dict | None:
    for site in message["sites"]:
        if site_id is None or site["id"] == site_id:
            return site
    return None


async def test_a_frozen_hall_shows_no_media_within_3_s_and_recovers_when_it_resumes(
    bridge: RunningBridge, hall: subprocess.Popen[str]
) -> None:
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    await operator.connect()
    try:
        # Connected and measured: the hall's first graded entry.
        first = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m)) is not None and e["grade"] != "unknown",
            timeout=30,
        )
        site = entry(first)
        assert site is not None and site["no_media"] is False and site["grade"] == "good"
        site_id = site["id"]

        mark = operator.channel.seq
        os.kill(hall.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        frozen = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m, site_id)) is not None and e["no_media"],
            after=mark,
            timeout=10,
        )
        noticed = time.monotonic() - stopped
        assert entry(frozen, site_id)["grade"] == "poor"

        mark = operator.channel.seq
        os.kill(hall.pid, signal.SIGCONT)
        resumed = time.monotonic()
        back = await operator.expect(
            "quality",
            where=lambda m: (e := entry(m, site_id)) is not None and not e["no_media"],
            after=mark,
            timeout=10,
        )
        recovered = time.monotonic() - resumed
        print(
            f"SIGSTOP → no_media after {noticed:.2f} s; SIGCONT → media again after "
            f"{recovered:.2f} s"
        )
        assert noticed <= NOTICE_S, f"a frozen hall was flagged only after {noticed:.1f} s"
        assert recovered <= NOTICE_S
        assert entry(back, site_id)["grade"] in ("good", "fair", "poor")
        assert hall.poll() is None, hall.stderr.read() if hall.stderr else ""
    finally:
        await operator.close()
