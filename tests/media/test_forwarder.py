"""The forwarder alone: which frames each viewer gets, timelines, keyframe requests."""

import asyncio
from fractions import Fraction

from bridge.media.forwarder import VIDEO_CLOCK, VideoForwarder, ViewerTrack
from bridge.media.video_tap import EncodedFrame


def frame(source: int, n: int, key: bool = False, base: int = 0) -> EncodedFrame:
    return EncodedFrame(f"{source}:{n}".encode(), (base + n * 3000) % 2**32, key)


def drained(track: ViewerTrack) -> list[tuple[bytes, int]]:
    out = list(track._frames)
    track._frames.clear()
    return out


def forwarder_with(*sources: int) -> tuple[VideoForwarder, dict[int, list[int]]]:
    fwd = VideoForwarder(keyframe_interval=0.3)
    asked: dict[int, list[int]] = {s: [] for s in sources}
    for s in sources:
        fwd.add_source(s, "VP8", lambda s=s: asked[s].append(1))
    return fwd, asked


async def test_a_viewer_starts_on_a_keyframe_and_gets_every_frame_after_it():
    fwd, asked = forwarder_with(1)
    track = fwd.add_viewer(2, "VP8")
    fwd.route(2, 1)
    assert asked[1] == [1], "a new viewer asks its source for a keyframe"
    fwd.receive(1, frame(1, 0))
    assert drained(track) == []
    fwd.receive(1, frame(1, 1, key=True))
    fwd.receive(1, frame(1, 2))
    assert [d for d, _ in drained(track)] == [b"1:1", b"1:2"]


async def test_a_switch_holds_the_old_picture_until_the_new_keyframe_then_continues_smoothly():
    fwd, asked = forwarder_with(1, 3)
    track = fwd.add_viewer(2, "VP8")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    fwd.receive(1, frame(1, 1))
    fwd.route(2, 3)
    assert asked[3] == [1]
    fwd.receive(3, frame(3, 0, base=123_456_789))  # not a keyframe: nothing yet
    fwd.receive(1, frame(1, 2))  # still the old picture
    await asyncio.sleep(0.05)
    fwd.receive(3, frame(3, 1, key=True, base=123_456_789))
    fwd.receive(1, frame(1, 3))  # the old source is no longer forwarded
    fwd.receive(3, frame(3, 2, base=123_456_789))
    out = drained(track)
    assert [d for d, _ in out] == [b"1:0", b"1:1", b"1:2", b"3:1", b"3:2"]
    pts = [p for _, p in out]
    assert pts[:3] == [0, 3000, 6000]
    # rebased: the new source continues by the wall-clock gap, not its own timestamps
    assert 0.04 * VIDEO_CLOCK <= pts[3] - pts[2] <= 0.5 * VIDEO_CLOCK
    assert pts[4] - pts[3] == 3000
    assert fwd.watching(2) == 3 and fwd.switches == 2


async def test_timestamps_wrap_around_within_a_source():
    fwd, _ = forwarder_with(1)
    track = fwd.add_viewer(2, "VP8")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True, base=2**32 - 3000))
    fwd.receive(1, frame(1, 1, base=2**32 - 3000))
    assert [p for _, p in drained(track)] == [0, 3000]


async def test_viewer_keyframe_requests_go_to_its_source_at_most_once_per_interval():
    fwd, asked = forwarder_with(1)
    for viewer in (2, 3, 4):
        fwd.add_viewer(viewer, "VP8")
        fwd.route(viewer, 1)
    fwd.receive(1, frame(1, 0, key=True))
    for viewer in (2, 3, 4):
        fwd.viewer_lost_picture(viewer)
    assert len(asked[1]) == 1
    await asyncio.sleep(0.35)
    fwd.viewer_lost_picture(3)
    assert len(asked[1]) == 2


async def test_a_viewer_that_falls_behind_restarts_from_the_next_keyframe():
    fwd, _ = forwarder_with(1)
    track = fwd.add_viewer(2, "VP8")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    for n in range(1, 40):  # nobody drains the track: its 30-frame bound is hit
        fwd.receive(1, frame(1, n))
    assert len(track._frames) < 30
    before = len(track._frames)
    fwd.receive(1, frame(1, 40))
    assert len(track._frames) == before, "after an overflow only a keyframe restarts it"
    fwd.receive(1, frame(1, 41, key=True))
    assert track._frames[-1][0] == b"1:41"


async def test_the_shown_site_does_not_get_its_own_picture_and_other_codecs_wait():
    fwd, _ = forwarder_with(1)
    own = fwd.add_viewer(1, "VP8", own=1)
    h264 = fwd.add_viewer(2, "H264")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    assert drained(own) == [] and drained(h264) == []


async def test_the_viewer_track_hands_out_packets_on_its_own_timeline():
    track = ViewerTrack()
    track.put(frame(1, 0, key=True), 0.0, rebase=False)
    track.put(frame(1, 1), 0.033, rebase=False)
    first, second = await track.recv(), await track.recv()
    assert (bytes(first), first.pts) == (b"1:0", 0)
    assert (bytes(second), second.pts) == (b"1:1", 3000)
    assert second.time_base == Fraction(1, VIDEO_CLOCK)
