"""A recording fed by the real media side: two sites over real aiortc connections (a
talking hall with a red camera, a silent one with a blue camera), the shown site
switched halfway — the file holds the first's tone and its picture, then the second's
picture from its keyframe (asked for over RTCP)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription

from bridge.live.media import AiortcMedia
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.video_tap import on_keyframe_request
from bridge.recording import Recorder, verify
from endpoints.audio import SilenceTrack, ToneTrack
from endpoints.video import camera, colour_of
from tests.audio_analysis import tone_level_db

NAMES = {1: "Hội trường Tỉnh", 2: "Huyện Mường Tè"}


async def connect(media: AiortcMedia, site_id: int, audio, video) -> RTCPeerConnection:
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTransceiver(audio, direction="sendrecv")
    sender = pc.addTransceiver(video, direction="sendrecv")
    on_keyframe_request(sender.sender, video.request_keyframe)
    pc.on("track", lambda track: None)
    await pc.setLocalDescription(await pc.createOffer())
    connected = asyncio.Event()
    transport = media.site_transport(
        site_id, lambda state: connected.set() if state == "connected" else None, muted=False
    )
    answer = await transport.answer(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    await asyncio.wait_for(connected.wait(), 10)
    return pc


async def test_the_real_media_side_feeds_a_recording(tmp_path):
    restrict_host_addresses(["127.0.0.1"])
    media = AiortcMedia([])
    pcs = []
    try:
        red, blue = camera("red"), camera("blue")
        pcs.append(await connect(media, 1, ToneTrack(440), red))
        pcs.append(await connect(media, 2, SilenceTrack(), blue))
        recorder = Recorder(
            tmp_path / "truc-tiep", datetime.now(UTC), NAMES, media.request_keyframe
        )
        media.record(recorder)
        recorder.show(1)
        recorder.floor(1)
        await asyncio.sleep(2.5)
        recorder.show(2)
        await asyncio.sleep(2.5)
        media.record(None)
        result = await recorder.stop()
    finally:
        for pc in pcs:
            await pc.close()
        await media.close()
        restrict_host_addresses(None)

    assert result.codec == "VP8" and result.dropped == 0
    assert abs(result.duration_s - 5.0) < 1.0
    assert [c.title for c in result.chapters] == [
        "Trình chiếu: Hội trường Tỉnh · Phát biểu: Hội trường Tỉnh",
        "Trình chiếu: Huyện Mường Tè",
    ]
    assert verify(result.path)
    colours: list[tuple[float, str]] = []
    pcm = []
    with av.open(str(result.path)) as container:
        assert [s.type for s in container.streams] == ["audio", "video"]
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                colours.append((float(frame.pts * frame.time_base), colour_of(frame)))
            else:
                pcm.append(frame.to_ndarray().reshape(-1))
    names = [name for _, name in colours]
    assert set(names) == {"red", "blue"}
    first_blue = names.index("blue")
    assert set(names[:first_blue]) == {"red"} and set(names[first_blue:]) == {"blue"}
    assert 2.3 <= colours[first_blue][0] <= 3.5, colours[first_blue]
    audio = np.concatenate(pcm)
    assert tone_level_db(audio[48_000 : 4 * 48_000], 440) > -30, "the talking hall's tone"
