import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from bridge.mixer.tracks import FRAME_SAMPLES, TIME_BASE, MixTrack


async def test_mix_track_hands_out_encoded_packets_on_its_own_timeline():
    track = MixTrack(depth=3)
    track.put(b"shared")
    track.put(b"personal")  # the site became a talker: another encoder's payload
    first, second = await track.recv(), await track.recv()
    assert (bytes(first), bytes(second)) == (b"shared", b"personal")
    assert (first.pts, second.pts) == (0, FRAME_SAMPLES)
    assert first.time_base == TIME_BASE


async def test_mix_track_is_bounded_and_keeps_the_newest_when_the_sender_stalls():
    track = MixTrack(depth=3)
    for i in range(10):
        track.put(bytes([i]))
    got = [bytes(await track.recv()) for _ in range(3)]
    assert got == [b"\x07", b"\x08", b"\x09"]


async def test_a_stopped_mix_track_ends_a_waiting_sender():
    track = MixTrack()
    waiter = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    track.stop()
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(waiter, 1)
