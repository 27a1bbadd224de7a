import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from bridge.mixer.tracks import FRAME_SAMPLES, TIME_BASE, MixTrack, encoded_packet


async def test_mix_track_hands_out_encoded_packets_on_the_mixer_tick_timeline():
    track = MixTrack(depth=3)
    track.put(encoded_packet(b"shared", 0))
    track.put(encoded_packet(b"personal", FRAME_SAMPLES))  # now a talker: another encoder
    track.put(encoded_packet(b"after a skipped tick", 3 * FRAME_SAMPLES))
    first, second, third = await track.recv(), await track.recv(), await track.recv()
    assert (bytes(first), bytes(second)) == (b"shared", b"personal")
    assert (first.pts, second.pts, third.pts) == (0, FRAME_SAMPLES, 3 * FRAME_SAMPLES)
    assert first.time_base == TIME_BASE


async def test_mix_track_is_bounded_and_keeps_the_newest_when_the_sender_stalls():
    track = MixTrack(depth=3)
    for i in range(10):
        track.put(encoded_packet(bytes([i]), i * FRAME_SAMPLES))
    got = [await track.recv() for _ in range(3)]
    assert [bytes(p) for p in got] == [b"\x07", b"\x08", b"\x09"]
    assert got[0].pts == 7 * FRAME_SAMPLES  # the dropped packets leave a timestamp gap


async def test_a_stopped_mix_track_ends_a_waiting_sender():
    track = MixTrack()
    waiter = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    track.stop()
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(waiter, 1)
