"""User-space loss, delay and jitter on a peer's outgoing RTP, seen by a second peer."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import AsyncIterator

import numpy as np
import pytest
from aiortc import RTCPeerConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from endpoints.impair import Impairment, impair
from endpoints.prerecorded import EncodedAudioTrack, TappedPacket, encode_loop, tap_audio_packets
from endpoints.prerecorded import room_noise as noise

PAYLOADS = encode_loop(noise(1.0))


@pytest.fixture
async def loopback() -> AsyncIterator[None]:
    restrict_host_addresses(["127.0.0.1"])
    yield
    restrict_host_addresses(None)


async def run_pair(packets: int, **settings: float) -> tuple[list[TappedPacket], Impairment]:
    """Send ``packets`` RTP packets through ``impair(**settings)``; return what arrived
    and the impairment."""
    sender = RTCPeerConnection(rtc_configuration([]))
    receiver = RTCPeerConnection(rtc_configuration([]))
    received: list[TappedPacket] = []
    tap_audio_packets(receiver, received.append, keep_payload=False)
    track = EncodedAudioTrack(PAYLOADS)
    sender.addTransceiver(track, direction="sendonly")
    # Applied right after creating the transceiver: impair follows bundling by itself.
    impairment = impair(sender, seed=7, **settings)
    try:
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        deadline = time.monotonic() + packets * 0.02 + 15
        while impairment.sent + impairment.dropped < packets:
            assert time.monotonic() < deadline, "the sender did not send in time"
            await asyncio.sleep(0.02)
        track.stop()
        await asyncio.sleep(0.3)  # let delayed packets land
        return received, impairment
    finally:
        await sender.close()
        await receiver.close()


def missing(packets: list[TappedPacket]) -> int:
    seqs = np.unwrap(np.array([p.sequence_number for p in packets], float), period=65536)
    return int(seqs.max() - seqs.min() + 1) - len(set(seqs.tolist()))


async def test_no_settings_no_loss_and_no_reordering(loopback: None) -> None:
    received, impairment = await run_pair(100)
    assert impairment.dropped == 0 and impairment.delayed == 0
    assert len(received) >= 100
    assert missing(received) == 0
    seqs = [p.sequence_number for p in received]
    assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))


async def test_ten_percent_loss_drops_about_ten_percent_of_sequence_numbers(
    loopback: None,
) -> None:
    n = 400
    received, impairment = await run_pair(n, loss=0.1)
    # Binomial(400, 0.1): mean 40, sd 6; ±4 sd keeps the test from ever flaking.
    sd = math.sqrt(n * 0.1 * 0.9)
    assert abs(impairment.dropped - n * 0.1) < 4 * sd
    lost = missing(received)
    span = lost + len(received)
    assert abs(lost - span * 0.1) < 4 * math.sqrt(span * 0.1 * 0.9)
    assert lost > 0


async def test_jitter_spreads_interarrival_times_and_reorders(loopback: None) -> None:
    clean, _ = await run_pair(150)
    jittered, impairment = await run_pair(150, jitter_ms=30)
    assert impairment.dropped == 0 and impairment.delayed > 0
    assert missing(jittered) == 0  # delayed, never lost
    clean_sd = np.std(np.diff([p.arrival for p in clean]))
    jitter_sd = np.std(np.diff([p.arrival for p in jittered]))
    assert jitter_sd > 2 * clean_sd and jitter_sd > 0.008
    seqs = np.unwrap(np.array([p.sequence_number for p in jittered], float), period=65536)
    assert (np.diff(seqs) < 0).any(), "30 ms jitter on 20 ms packets must reorder some"


async def test_delay_shifts_arrivals_and_settings_change_mid_run(loopback: None) -> None:
    sender = RTCPeerConnection(rtc_configuration([]))
    receiver = RTCPeerConnection(rtc_configuration([]))
    received: list[TappedPacket] = []
    tap_audio_packets(receiver, received.append, keep_payload=False)
    sender.addTransceiver(EncodedAudioTrack(PAYLOADS), direction="sendonly")
    try:
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        # Applied after negotiation, as a test of a connected site would.
        impairment = impair(sender, seed=1)
        deadline = time.monotonic() + 15
        while len(received) < 10:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        impairment.set(loss=1.0)
        await asyncio.sleep(0.1)
        before = len(received)
        await asyncio.sleep(0.3)
        assert len(received) == before and impairment.dropped >= 10
        impairment.set(loss=0.0, delay_ms=200)
        await asyncio.sleep(0.15)
        assert len(received) == before and impairment.pending > 0
        await asyncio.sleep(0.3)
        assert len(received) > before
        impairment.remove()
        delayed = impairment.delayed
        await asyncio.sleep(0.3)
        assert impairment.delayed == delayed  # removed: packets no longer pass through it
    finally:
        await sender.close()
        await receiver.close()


def test_settings_are_checked() -> None:
    pc = RTCPeerConnection(rtc_configuration([]))
    with pytest.raises(ValueError):
        impair(pc, loss=1.5)
    with pytest.raises(ValueError):
        impair(pc, jitter_ms=-1)


class _Clock:
    """Just what ``_Bottleneck`` asks of a loop: its time, and when a send is due."""

    def __init__(self) -> None:
        self.now = 0.0
        self.due: list[float] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: object) -> None:
        self.due.append(when)


def test_a_bottleneck_paces_to_its_rate_and_drops_past_its_queue() -> None:
    from endpoints.impair import _Bottleneck

    clock = _Clock()
    link = _Bottleneck(kbps=800.0, queue_ms=200.0)  # 100 000 bytes a second
    for _ in range(100):  # a burst of 100 × 1000 bytes at once: 1 s of the link's time
        link.schedule(clock, 1000, lambda: None)  # type: ignore[arg-type]
    # 10 ms a datagram; the queue holds 200 ms of them: 20 (one more would be in doubt
    # only by rounding), the rest dropped
    assert clock.due[:3] == pytest.approx([0.01, 0.02, 0.03])
    assert link.passed in (20, 21) and link.passed + link.dropped == 100
    clock.now = 1.0  # the queue has drained: the next leaves after its own 10 ms
    link.schedule(clock, 1000, lambda: None)  # type: ignore[arg-type]
    assert clock.due[-1] == pytest.approx(1.01)
    with pytest.raises(ValueError):
        _Bottleneck(kbps=0.0, queue_ms=200.0)
