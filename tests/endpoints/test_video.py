"""The synthetic camera and viewer of the headless endpoint."""

import asyncio

import av
import pytest

from bridge.media.video_tap import is_keyframe
from endpoints.agent import main
from endpoints.video import COLOURS, EncodedVideoTrack, camera, colour_of, encode_picture


def test_every_colour_survives_a_vp8_round_trip():
    for name in COLOURS:
        decoder = av.CodecContext.create("libvpx", "r")
        seen = {
            colour_of(frame)
            for data in encode_picture(name, seconds=0.5).frames
            for frame in decoder.decode(av.Packet(data))
        }
        assert seen == {name}


async def test_the_camera_restarts_on_a_keyframe_when_asked_and_obeys_pause_and_preview():
    track = camera("blue")
    first = await track.recv()
    assert is_keyframe("VP8", bytes(first))
    second = await track.recv()
    assert not is_keyframe("VP8", bytes(second))
    track.request_keyframe()
    assert is_keyframe("VP8", bytes(await track.recv()))
    assert (await track.recv()).pts - second.pts == 2 * 90_000 // 15

    track.set_mode("off")
    pending = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0.2)
    assert not pending.done(), "a paused camera sends nothing"
    track.set_mode("preview")
    small = await asyncio.wait_for(pending, 2)
    assert is_keyframe("VP8", bytes(small))
    assert bytes(small) == track.preview.frames[0]  # the 160x90 stream, from its keyframe
    track.set_mode("full")
    assert bytes(await track.recv()) == track.main.frames[0]
    track.stop()


def test_a_camera_without_a_preview_stream_pauses_in_preview_mode():
    track = EncodedVideoTrack(encode_picture("red", seconds=0.5))
    track.set_mode("preview")
    assert track._picture() is None
    with pytest.raises(ValueError):
        track.set_mode("loud")


def test_the_agent_refuses_an_unknown_colour(capsys):
    assert main(["http://127.0.0.1:8000/site/1#token=t", "--video", "purple"]) == 2
    assert "video colour" in capsys.readouterr().err
