"""Pre-encoded sources and the receive-side RTP tap, between two in-process aiortc peers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np
import pytest
from aiortc import RTCPeerConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from endpoints.audio import FRAME_SAMPLES, SAMPLE_RATE, dominant_frequency
from endpoints.prerecorded import (
    ROOM_NOISE_DBFS,
    EncodedAudioTrack,
    TappedPacket,
    decode_payloads,
    encode_loop,
    frame_levels,
    prerecord,
    rms_dbfs,
    room_noise,
    send_audio_levels,
    speech_like,
    tap_audio_packets,
    tone,
)


@dataclass
class Pair:
    sender: RTCPeerConnection
    receiver: RTCPeerConnection
    packets: list[TappedPacket] = field(default_factory=list)
    remote_tracks: list[object] = field(default_factory=list)


async def connect(track: EncodedAudioTrack, *, levels: bool = False) -> Pair:
    """Sender offers ``track``; the receiver taps its packets in the ``track`` event."""
    pair = Pair(RTCPeerConnection(rtc_configuration([])), RTCPeerConnection(rtc_configuration([])))

    @pair.receiver.on("track")
    def on_track(remote: object) -> None:
        pair.remote_tracks.append(remote)

    tap_audio_packets(pair.receiver, pair.packets.append)
    transceiver = pair.sender.addTransceiver(track, direction="sendonly")
    if levels:
        send_audio_levels(transceiver.sender)
    await pair.sender.setLocalDescription(await pair.sender.createOffer())
    await pair.receiver.setRemoteDescription(pair.sender.localDescription)
    await pair.receiver.setLocalDescription(await pair.receiver.createAnswer())
    await pair.sender.setRemoteDescription(pair.receiver.localDescription)
    return pair


@pytest.fixture
async def loopback() -> AsyncIterator[None]:
    restrict_host_addresses(["127.0.0.1"])
    yield
    restrict_host_addresses(None)


async def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_room_noise_has_the_documented_level_before_and_after_opus() -> None:
    noise = room_noise(2.0)
    assert rms_dbfs(noise) == pytest.approx(ROOM_NOISE_DBFS, abs=0.01)
    heard = decode_payloads(encode_loop(noise))
    assert len(heard) == len(noise)
    # 32 kb/s Opus keeps pink noise's level to about 2 dB (it trims the top octave).
    assert ROOM_NOISE_DBFS - 3.5 < rms_dbfs(heard) < ROOM_NOISE_DBFS + 0.5


def test_a_tone_loop_survives_opus_with_its_pitch_and_level() -> None:
    payloads = encode_loop(tone(331, 1.0))
    assert len(payloads) == SAMPLE_RATE // FRAME_SAMPLES
    # Two passes of the loop, decoded as a listener would: the seam is inaudible.
    heard = decode_payloads(payloads * 2)[FRAME_SAMPLES * 10 :]
    assert dominant_frequency((heard * 32767).astype(np.int16)) == pytest.approx(331, abs=1)
    assert rms_dbfs(heard) == pytest.approx(-23.0, abs=1.0)
    frame_levels = [rms_dbfs(heard[i : i + FRAME_SAMPLES]) for i in range(0, len(heard), 960)]
    assert max(frame_levels) - min(frame_levels) < 1.0


def test_speech_like_signal_has_pauses_and_the_asked_level() -> None:
    voice = speech_like(4.0)
    assert rms_dbfs(voice) == pytest.approx(-23.0, abs=0.01)
    frames = voice[: len(voice) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    levels = np.array([rms_dbfs(f) for f in frames])
    assert (levels < -60).any() and (levels > -20).any()


def test_frame_levels_are_rfc_6464_minus_dbov() -> None:
    assert frame_levels(tone(331, 0.1)) == [23] * 5  # −20 dBFS peak is −23 dBov RMS
    assert frame_levels(room_noise(1.0)) == pytest.approx([60] * 50, abs=2)
    assert frame_levels(np.zeros(FRAME_SAMPLES * 2, np.float32)) == [127, 127]
    assert frame_levels(np.ones(FRAME_SAMPLES, np.float32)) == [0]


async def test_encoded_track_paces_packets_in_real_time_with_advancing_pts() -> None:
    track = EncodedAudioTrack([b"\x01", b"\x02", b"\x03"])
    start = time.monotonic()
    packets = [await track.recv() for _ in range(11)]
    elapsed = time.monotonic() - start
    assert 0.19 <= elapsed < 0.3
    assert [p.pts for p in packets] == [i * 960 for i in range(11)]
    assert [bytes(p) for p in packets[:4]] == [b"\x01", b"\x02", b"\x03", b"\x01"]
    track.switch([b"\x09"])
    assert bytes(await track.recv()) == b"\x09"
    assert track.switched_at is not None
    track.stop()


async def test_tap_gets_every_packet_on_aiortc_1_16_and_aiortc_decodes_none(
    loopback: None,
) -> None:
    payloads = encode_loop(tone(467, 1.0))
    pair = await connect(EncodedAudioTrack(payloads))
    try:
        await wait_for(lambda: len(pair.packets) >= 60)
        packets = pair.packets[:60]
        seqs = [p.sequence_number for p in packets]
        assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))
        steps = {(b.timestamp - a.timestamp) % 2**32 for a, b in itertools.pairwise(packets)}
        assert steps == {FRAME_SAMPLES}
        # The payloads are ours, untouched: the sender packetised without re-encoding.
        assert {p.payload for p in packets} <= set(payloads)
        assert all(p.size == len(p.payload or b"") for p in packets)
        arrivals = np.diff([p.arrival for p in packets])
        assert np.median(arrivals) == pytest.approx(0.020, abs=0.005)
        # Nothing reached aiortc's decoder: the remote track's frame queue stays empty.
        [remote] = pair.remote_tracks
        assert remote._queue.qsize() == 0  # type: ignore[attr-defined]
    finally:
        await pair.sender.close()
        await pair.receiver.close()


async def test_prerecorded_levels_reach_the_receiver_in_ssrc_audio_level(
    loopback: None,
) -> None:
    source = prerecord(np.concatenate([tone(331, 0.2), room_noise(0.2, seed=3)]))
    assert len(source.levels) == len(source.payloads) == 20
    pair = await connect(EncodedAudioTrack(source), levels=True)
    try:
        await wait_for(lambda: len(pair.packets) >= 40)
        by_payload = dict(zip(source.payloads, source.levels, strict=True))
        for packet in pair.packets[:40]:
            assert packet.payload is not None
            assert packet.audio_level == by_payload[packet.payload]
        assert {p.audio_level for p in pair.packets[:40]} >= {23, 60}
    finally:
        await pair.sender.close()
        await pair.receiver.close()


async def test_without_levels_aiortc_sends_none_for_pre_encoded_packets(loopback: None) -> None:
    pair = await connect(EncodedAudioTrack(prerecord(tone(331, 0.2))))
    try:
        await wait_for(lambda: len(pair.packets) >= 5)
        assert all(p.audio_level is None for p in pair.packets)
    finally:
        await pair.sender.close()
        await pair.receiver.close()


async def test_tap_on_a_receiver_can_drop_payloads(loopback: None) -> None:
    sender = RTCPeerConnection(rtc_configuration([]))
    receiver = RTCPeerConnection(rtc_configuration([]))
    seen: list[TappedPacket] = []

    @receiver.on("track")
    def on_track(track: object) -> None:
        [transceiver] = [t for t in receiver.getTransceivers() if t.receiver.track is track]
        tap_audio_packets(transceiver.receiver, seen.append, keep_payload=False)

    try:
        sender.addTransceiver(EncodedAudioTrack(encode_loop(room_noise(1.0))), "sendonly")
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        await wait_for(lambda: len(seen) >= 10)
        assert all(p.payload is None and p.size > 0 for p in seen)
    finally:
        await sender.close()
        await receiver.close()
