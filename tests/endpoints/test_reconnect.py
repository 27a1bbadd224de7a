"""The headless endpoint's reconnect policy: the pure rule, then the agent following it
against stand-in bridges (a port nothing listens on yet, a bridge that removes the hall)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.server import ServerConnection

from endpoints import signaling
from endpoints.agent import AgentError, AgentOptions, run_agent
from endpoints.reconnect import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    FINAL_CLOSE_CODES,
    Backoff,
    judge,
)
from tests.endpoints.cuttable import CuttableLink

REPO = Path(__file__).resolve().parents[2]


def test_the_waits_are_the_pages_doubling_to_15_s_and_back_to_1_after_a_success() -> None:
    backoff = Backoff(jitter=0)
    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 15, 15, 15]
    backoff.reset()
    assert backoff.next() == 1


def test_the_constants_are_the_site_pages() -> None:
    page = (REPO / "endpoints/web/js/common/backoff.js").read_text(encoding="utf-8")
    first = re.search(r"BACKOFF_FIRST_S = (\d+)", page)
    most = re.search(r"BACKOFF_MAX_S = (\d+)", page)
    assert first and most
    assert (float(first[1]), float(most[1])) == (BACKOFF_FIRST_S, BACKOFF_MAX_S)


def test_jitter_spreads_halls_up_to_20_percent_earlier_never_later() -> None:
    steps = [1, 2, 4, 8, 15, 15]
    runs = []
    for seed in range(200):
        backoff = Backoff(rng=random.Random(seed))
        waits = [backoff.next() for _ in steps]
        assert all(0.8 * s <= w <= s for w, s in zip(waits, steps, strict=True))
        runs.append(waits)
    first_waits = sorted(r[0] for r in runs)
    assert first_waits[-1] - first_waits[0] > 0.15  # spread, not all at once
    with pytest.raises(ValueError):
        Backoff(first_s=0)
    with pytest.raises(ValueError):
        Backoff(jitter=1)


@pytest.mark.parametrize(
    ("code", "close_code"),
    [
        ("connection_failed", None),  # the bridge is down (refused) or unreachable
        ("disconnected", 1006),  # the bridge was killed
        ("disconnected", 1012),  # the bridge restarts
        ("disconnected", 1011),  # the keepalive timed out (a network cut)
        ("timeout", None),
        ("ice_timeout", None),
        ("media_failed", None),  # ICE failed
        ("session_not_open", 4409),
        ("internal", None),
    ],
)
def test_what_is_not_a_decision_is_retried(code: str, close_code: int | None) -> None:
    assert judge(code, close_code).retry


@pytest.mark.parametrize(
    "code",
    ["removed", "session_closed", "invalid_token", "token_expired", "wrong_session", "replaced"],
)
def test_deliberate_ends_are_final_with_a_reason(code: str) -> None:
    verdict = judge(code)
    assert not verdict.retry and verdict.code == code and verdict.reason


@pytest.mark.parametrize(("close_code", "code"), sorted(FINAL_CLOSE_CODES.items()))
def test_a_final_close_code_without_its_error_frame_is_final_too(
    close_code: int, code: str
) -> None:
    verdict = judge("disconnected", close_code)
    assert (verdict.retry, verdict.code) == (False, code)


def test_removed_by_an_operator_says_so() -> None:
    assert "removed" in judge("disconnected", 4001).reason


# ---- the agent -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def late_bridge() -> AsyncIterator[tuple[str, list[float]]]:
    """A bridge that comes up 1.5 s after the agent starts, and refuses its token: every
    connection it sees is timed."""
    port = free_port()
    seen: list[float] = []

    async def handler(ws: ServerConnection) -> None:
        seen.append(time.monotonic())
        json.loads(await ws.recv())
        error = {"type": "error", "code": "invalid_token", "message": "mã không hợp lệ"}
        await ws.send(json.dumps({**error, "ref_id": None}))
        await ws.close(4401, "invalid_token")

    async def come_up_late() -> websockets.Server:
        await asyncio.sleep(1.5)
        return await websockets.serve(handler, "127.0.0.1", port)

    task = asyncio.create_task(come_up_late())
    yield f"http://127.0.0.1:{port}/site/3#token=revoked", seen
    server = await task
    server.close()
    await server.wait_closed()


async def test_the_agent_waits_for_a_bridge_that_is_not_up_yet_then_stops_at_a_bad_token(
    late_bridge: tuple[str, list[float]], capsys: pytest.CaptureFixture[str]
) -> None:
    link, seen = late_bridge
    started = time.monotonic()
    with pytest.raises(AgentError) as caught:
        await asyncio.wait_for(run_agent(AgentOptions(link, connect_timeout=3)), 20)
    elapsed = time.monotonic() - started
    assert caught.value.code == "invalid_token"
    assert "not reconnecting" in caught.value.message
    assert len(seen) == 1  # one try once it was up, none after the refusal
    # Refused at 0 s and 0.8-1 s; the third try (2.4-3 s) got through.
    assert 2.0 < elapsed < 6.0
    err = capsys.readouterr().err
    assert err.count("agent: reconnecting in") == 2
    assert "connection_failed" in err


async def test_without_reconnect_a_refused_connection_ends_the_agent_at_once() -> None:
    link = f"http://127.0.0.1:{free_port()}/site/1#token=t"
    started = time.monotonic()
    with pytest.raises(AgentError) as caught:
        await run_agent(AgentOptions(link, connect_timeout=3, reconnect=False))
    assert caught.value.code == "connection_failed"
    assert time.monotonic() - started < 2


@pytest.fixture
async def removing_bridge() -> AsyncIterator[tuple[str, list[float]]]:
    """A bridge that accepts the join, then closes with 4001 (removed) without an error
    frame, as a removal whose error frame was lost would look."""
    seen: list[float] = []

    async def handler(ws: ServerConnection) -> None:
        seen.append(time.monotonic())
        json.loads(await ws.recv())
        joined = {
            "type": "joined",
            "site": {"id": 3, "name": "Điểm cầu tỉnh Lào Cai"},
            "session": {"id": 1, "state": "open"},
            "ice_servers": [],
        }
        await ws.send(json.dumps(joined))
        await ws.close(4001, "removed")

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}/site/1#token=t", seen


async def test_a_hall_removed_by_the_operator_does_not_come_back(
    removing_bridge: tuple[str, list[float]],
) -> None:
    link, seen = removing_bridge
    with pytest.raises(AgentError) as caught:
        await asyncio.wait_for(run_agent(AgentOptions(link, connect_timeout=3)), 20)
    assert caught.value.code == "removed"
    assert "an operator removed this hall" in caught.value.message
    assert len(seen) == 1


def test_no_reconnect_is_a_command_line_flag() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "endpoints.agent", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and "--no-reconnect" in run.stdout


async def test_a_silent_cut_is_noticed_by_the_keepalive_and_judged_worth_a_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing is closed, nothing arrives: only the keepalive can tell. Its timers are
    shortened here (5 s / 10 s / 2 s in use) so the test takes seconds."""
    monkeypatch.setattr(signaling, "PING_INTERVAL_S", 0.3)
    monkeypatch.setattr(signaling, "PING_TIMEOUT_S", 0.6)
    monkeypatch.setattr(signaling, "CLOSE_TIMEOUT_S", 0.3)

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0, ping_interval=None) as server:
        link = CuttableLink(next(iter(server.sockets)).getsockname()[1])
        await link.start()
        channel = signaling.SignalingChannel(f"ws://127.0.0.1:{link.port}/ws")
        try:
            await channel.open(timeout=3)
            await asyncio.sleep(1.0)
            assert not channel.closed.is_set()  # pings answered while the link is up
            link.up.clear()
            cut = time.monotonic()
            await asyncio.wait_for(channel.closed.wait(), 5)
            noticed = time.monotonic() - cut
            assert noticed < 0.3 + 0.6 + 0.3 + 0.5
            assert channel.close_code == 1006  # no close frame came back over the cut
            error = channel.closed_error()
            assert judge(error.code, channel.close_code).retry
        finally:
            link.up.set()
            await channel.close()
            await link.close()
