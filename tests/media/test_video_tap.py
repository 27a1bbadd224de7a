"""The aiortc private members the video path relies on (aiortc 1.16), exercised for real."""

import asyncio
import itertools

from aiortc import RTCPeerConnection, VideoStreamTrack

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.video_tap import (
    EncodedFrame,
    count_codec_use,
    is_keyframe,
    on_keyframe_request,
    request_keyframe,
    tap_video,
)
from endpoints.video import EncodedVideoTrack, encode_picture


def test_vp8_keyframes_are_told_from_inter_frames():
    picture = encode_picture("red", seconds=0.5)
    assert is_keyframe("VP8", picture.frames[0])
    assert not any(is_keyframe("VP8", f) for f in picture.frames[1:])
    assert not is_keyframe("VP8", b"")


def test_h264_keyframes_are_access_units_with_an_idr_slice_or_sps():
    sps, idr, non_idr = (
        b"\x00\x00\x00\x01\x67\x42",
        b"\x00\x00\x01\x65\x88",
        b"\x00\x00\x01\x41\x9a",
    )
    assert is_keyframe("H264", sps + idr)
    assert is_keyframe("H264", idr)
    assert not is_keyframe("H264", non_idr)
    assert not is_keyframe("H264", b"\x00\x00\x01")


async def test_the_tap_gets_whole_encoded_frames_and_a_pli_reaches_the_sender():
    restrict_host_addresses(["127.0.0.1"])
    counts = count_codec_use()
    before = (counts.encodes, counts.decodes)
    frames: list[EncodedFrame] = []
    camera = EncodedVideoTrack(encode_picture("green", seconds=0.5))
    taps, tracks, asked = [], [], []
    sender = receiver = None
    try:
        sender = RTCPeerConnection(rtc_configuration([]))
        receiver = RTCPeerConnection(rtc_configuration([]))

        @receiver.on("track")
        def on_track(track):
            [t] = [t for t in receiver.getTransceivers() if t.receiver.track is track]
            tracks.append(track)
            taps.append((t.receiver, tap_video(t.receiver, lambda: "VP8", frames.append)))

        transceiver = sender.addTransceiver(camera, direction="sendonly")
        on_keyframe_request(transceiver.sender, lambda: asked.append(True))
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        for _ in range(100):
            if len(frames) >= 5:
                break
            await asyncio.sleep(0.05)
        assert len(frames) >= 5
        assert frames[0].keyframe and not any(f.keyframe for f in frames[1:4])
        assert {f.data for f in frames[:4]} <= set(camera.main.frames)
        steps = {(b.timestamp - a.timestamp) % 2**32 for a, b in itertools.pairwise(frames)}
        assert steps == {90_000 // camera.main.fps}
        rtp_receiver, tap = taps[0]
        assert tap.ssrc is not None
        await request_keyframe(rtp_receiver, tap.ssrc)
        for _ in range(40):
            if asked:
                break
            await asyncio.sleep(0.05)
        assert asked, "the sender never heard the PLI"
        assert tracks[0]._queue.qsize() == 0  # nothing reached aiortc's decoder
        assert (counts.encodes, counts.decodes) == before
    finally:
        for pc in (sender, receiver):
            if pc is not None:
                await pc.close()
        restrict_host_addresses(None)


async def test_the_counters_see_aiortc_encode_and_decode_video():
    restrict_host_addresses(["127.0.0.1"])
    counts = count_codec_use()
    before = (counts.encodes, counts.decodes)
    sender = receiver = None
    try:
        sender = RTCPeerConnection(rtc_configuration([]))
        receiver = RTCPeerConnection(rtc_configuration([]))
        got = asyncio.get_running_loop().create_future()
        receiver.on("track", lambda track: got.set_result(track))
        sender.addTransceiver(VideoStreamTrack(), direction="sendonly")
        await sender.setLocalDescription(await sender.createOffer())
        await receiver.setRemoteDescription(sender.localDescription)
        await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        track = await got
        await asyncio.wait_for(track.recv(), 10)
        assert counts.encodes > before[0] and counts.decodes > before[1]
    finally:
        for pc in (sender, receiver):
            if pc is not None:
                await pc.close()
        restrict_host_addresses(None)
