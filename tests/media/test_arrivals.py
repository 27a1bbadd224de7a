"""Arrival stamps on a real aiortc connection: liveness follows what arrives, and the round
trip stays the network's while the bridge's event loop is busy.

The bridge side is a real ``SitePeer`` sending Opus through its ``DirectRtpSender``; the
hall is a real aiortc peer — in a process of its own for the round-trip test
(tests/media/hall_process.py), since a hall sharing the loaded loop would report a wrong
DLSR itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.peer import SitePeer
from bridge.media.rtp_out import DirectRtpSender
from bridge.mixer.opus import OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES
from endpoints.audio import ToneTrack

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def sending(direct: DirectRtpSender) -> AsyncIterator[None]:
    """The bridge's side of the stream: a quiet Opus frame every 20 ms, as the mixer's
    tick sends; the receiver reports that give a round trip answer its sender reports."""
    payload = OpusEncoder(32_000).encode(np.zeros(FRAME_SAMPLES, dtype=np.float32))

    async def run() -> None:
        tick = 0
        while True:
            direct.send(payload, tick * FRAME_SAMPLES)
            tick += 1
            await asyncio.sleep(0.02)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def bridge_peer(direct: DirectRtpSender) -> SitePeer:
    return SitePeer(1, lambda *packet: None, direct, [], lambda state: None)


async def until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_liveness_follows_the_halls_packets_and_stops_when_it_stops_sending():
    restrict_host_addresses(["127.0.0.1"])
    direct = DirectRtpSender()
    peer = bridge_peer(direct)
    hall = RTCPeerConnection(rtc_configuration([]))
    try:
        hall.addTransceiver(ToneTrack(440, 0.1), direction="sendrecv")
        await hall.setLocalDescription(await hall.createOffer())
        answer = await peer.answer(hall.localDescription.sdp)
        # No DTX: a quiet hall keeps sending every 20 ms (the no-media rule relies on it).
        assert "usedtx=1" not in answer
        await hall.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        arrivals = peer.arrivals()
        assert arrivals is not None and arrivals.last_media is None
        async with sending(direct):
            await until(lambda: arrivals.last_media is not None, 10)
            for _ in range(10):  # 50 packets a second: never more than a tick behind
                await asyncio.sleep(0.1)
                assert arrivals.last_media is not None
                assert time.monotonic() - arrivals.last_media < 0.1
            await until(lambda: arrivals.reports > 0, 5)  # a round trip, from stamps
            assert arrivals.rtt_s is not None and arrivals.rtt_s < 0.05
            await hall.close()  # it sends nothing more
            stopped_at = arrivals.last_media
            await asyncio.sleep(0.5)
            assert arrivals.last_media == stopped_at
    finally:
        await hall.close()
        await peer.close()
        restrict_host_addresses(None)


async def test_the_round_trip_excludes_the_time_a_busy_loop_held_the_report():
    restrict_host_addresses(["127.0.0.1"])
    direct = DirectRtpSender()
    peer = bridge_peer(direct)
    hall = subprocess.Popen(
        [sys.executable, "-m", "tests.media.hall_process"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert hall.stdin is not None and hall.stdout is not None
    loop = asyncio.get_running_loop()
    try:
        line = await asyncio.wait_for(loop.run_in_executor(None, hall.stdout.readline), 30)
        offer = json.loads(line)
        answer = await peer.answer(offer["sdp"])
        hall.stdin.write(json.dumps({"sdp": answer}) + "\n")
        hall.stdin.flush()
        arrivals = peer.arrivals()
        assert arrivals is not None
        async with sending(direct):
            await until(lambda: arrivals.reports >= 2, 15)
            idle = (arrivals.rtt_s, arrivals.naive_rtt_s)
            # Each report under load: the round trip aiortc's way (at handling) and the
            # smoothed stamped figure the consoles get.
            naive_samples: list[float] = []
            stamped: list[float] = []
            report_received = arrivals.report_received

            def spy(sent_at: float, dlsr_s: float) -> None:
                naive_samples.append(time.time() - sent_at - dlsr_s)
                report_received(sent_at, dlsr_s)
                if arrivals.rtt_s is not None:
                    stamped.append(arrivals.rtt_s)

            arrivals.report_received = spy  # type: ignore[method-assign]
            # The load: the loop blocked for 30–80 ms out of every 40–100 ms, as a bridge
            # busy mixing and forwarding would be at its worst. (Blocking in sleep rather
            # than spinning: the hall and the test share two cores.)
            end = time.monotonic() + 10
            rng = random.Random(7)
            while time.monotonic() < end or len(naive_samples) < 8:
                assert time.monotonic() < end + 10, "too few receiver reports under load"
                time.sleep(rng.uniform(0.030, 0.080))
                await asyncio.sleep(rng.uniform(0.010, 0.020))
            loaded = (arrivals.rtt_s, arrivals.naive_rtt_s)
        naive_mean = sum(naive_samples) / len(naive_samples)
        print(
            f"round trip idle: stamped {idle[0] * 1000:.1f} ms, naive {idle[1] * 1000:.1f} ms; "
            f"under load ({len(naive_samples)} reports): stamped {loaded[0] * 1000:.1f} ms "
            f"(max {max(stamped) * 1000:.1f}), naive samples mean {naive_mean * 1000:.1f} ms "
            f"(max {max(naive_samples) * 1000:.1f}), naive smoothed {loaded[1] * 1000:.1f} ms"
        )
        assert max(stamped) < 0.020, f"stamped round trip up to {max(stamped) * 1000:.1f} ms"
        assert naive_mean > 0.010, "the load did not show in the round trip aiortc's way"
        rtt = loaded[0]
        assert rtt is not None
        # getStats keeps aiortc's own figure, the naive one; the consoles read the stamped
        # one when the transport has it (tests/live/test_quality.py).
        sent, _ = await peer.audio_statistics() or ({}, {})
        [remote] = [s for s in sent.values() if s.type == "remote-inbound-rtp"]
        assert remote.roundTripTime >= rtt
    finally:
        with contextlib.suppress(OSError):
            hall.stdin.close()
        try:
            hall.wait(10)
        except subprocess.TimeoutExpired:
            hall.kill()
            hall.wait()
        await peer.close()
        restrict_host_addresses(None)
