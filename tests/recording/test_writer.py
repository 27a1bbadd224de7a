"""The writer's timestamps and containers, read back packet by packet (no decoding but
where a picture's size is checked): H.264 into Matroska, a gap while no hall was
connected, a source's restart, a frame of another codec, the SPS parser."""

from __future__ import annotations

import itertools

import av
import pytest

from bridge.mixer.opus import OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES
from bridge.recording.writer import RecordingWriter, h264_parameters, sniff_codec, vp8_size
from tests.recording.streams import Camera, read_back, tone


def packets(path) -> dict[str, list[float]]:
    """Each track's packet times, seconds."""
    found: dict[str, list[float]] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is not None:
                at = float(packet.pts * packet.time_base)
                found.setdefault(packet.stream.type, []).append(at)
    return found


def frames(camera: Camera, count: int) -> list:
    out = []
    while len(out) < count:
        frame = camera.frame()
        if frame is not None:
            out.append(frame)
    return out


def test_audio_keeps_the_mixers_timeline_and_leaves_a_gap_where_the_mixer_paused(tmp_path):
    """The mixer's pts runs on through skipped ticks; while no hall is connected its clock
    pauses (pts stops), and the recording's wall clock goes on: a gap in the file."""
    writer = RecordingWriter(tmp_path / "a", video_wait_s=0.0)
    encoder = OpusEncoder()
    pts = 0
    for tick in range(50):  # 0–1 s, one late tick's packet arrives 60 ms late: same pts
        at = tick * 0.02 + (0.06 if tick == 20 else 0.0)
        writer.audio(encoder.encode(tone(440, tick)), pts, at)
        pts += FRAME_SAMPLES
    for tick in range(50):  # the clock resumes 3 s later, its pts where it stopped
        writer.audio(encoder.encode(tone(440, tick)), pts, 4.0 + tick * 0.02)
        pts += FRAME_SAMPLES
    written = writer.close([])
    times = packets(written.path)["audio"]
    steps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert steps.count(0.02) == len(steps) - 1, "continuous but for the pause"
    assert times[0] == 0.0 and times[49] == pytest.approx(0.98) and times[50] == 4.0
    assert written.duration_s == pytest.approx(5.0)
    assert written.tracks == [
        {"kind": "audio", "codec": "opus", "rate": 48000, "channels": 1, "packets": 100}
    ]


def test_h264_goes_into_matroska_with_its_size_from_the_sps(tmp_path):
    camera = Camera(90, codec="H264", width=640, height=360, gop=30)
    shots = frames(camera, 60)
    assert shots[0].keyframe and sniff_codec(shots[0].data) == "H264"
    extradata, size = h264_parameters(shots[0].data)
    assert size == (640, 360) and extradata.startswith(b"\0\0\0\1")
    writer = RecordingWriter(tmp_path / "h264.webm")
    encoder = OpusEncoder()
    for i, frame in enumerate(shots):
        writer.audio(encoder.encode(tone(440, i)), i * FRAME_SAMPLES, i * 0.02)
        writer.video(7, frame.data, frame.timestamp, frame.keyframe, i / 30)
    written = writer.close([])
    assert written.path == tmp_path / "h264.mkv" and written.codec == "H264"
    back = read_back(written.path)
    assert back.streams[1] == ("video", "h264")
    assert len(back.video) == 60
    assert {(w, h) for _, _, w, h in back.video} == {(640, 360)}
    assert all(abs(luma - 90) < 15 for _, luma, _, _ in back.video)


@pytest.mark.parametrize("size", [(1280, 720), (320, 180), (176, 144), (1920, 1080)])
def test_the_sps_parser_reads_the_encoders_size(size):
    camera = Camera(128, codec="H264", width=size[0], height=size[1])
    assert h264_parameters(frames(camera, 1)[0].data)[1] == size


def test_vp8_sizes_and_codec_sniffing():
    shot = frames(Camera(128, width=352, height=288), 2)
    assert vp8_size(shot[0].data) == (352, 288) and vp8_size(shot[1].data) is None
    assert {sniff_codec(f.data) for f in shot} == {"VP8"}


def test_video_follows_a_source_and_is_rebased_on_a_switch_or_a_restart(tmp_path):
    writer = RecordingWriter(tmp_path / "v")
    one = frames(Camera(200, gop=300), 30)
    two = frames(Camera(60, gop=300), 30)
    for i, frame in enumerate(one):  # RTP timing, arrival jittery
        at = i / 30 + 0.01 * (i % 3)
        writer.video(1, frame.data, 5_000_000 + frame.timestamp, frame.keyframe, at)
    for i, frame in enumerate(two):  # a switch at 2 s: its own timestamps, rebased
        writer.video(2, frame.data, 123 + frame.timestamp, frame.keyframe, 2.0 + i / 30)
    last = two[-1]  # its camera restarted: timestamps 20 s on, placed by the wall clock
    writer.video(2, last.data, last.timestamp + 20 * 90_000, False, 3.1)
    writer.video(2, frames(Camera(1, codec="H264"), 1)[0].data, 0, True, 3.2)
    written = writer.close([])
    assert writer.refused == 1, "an H.264 frame has no place in a VP8 track"
    times = packets(written.path)["video"]
    assert len(times) == 61 and times[-1] == 3.1
    first = [round(b - a, 3) for a, b in itertools.pairwise(times[:30])]
    assert set(first) <= {0.033, 0.034}, "one source's frames keep its RTP timing"
    assert times[0] == 0.0 and times[30] == 2.0


def test_a_recording_of_nothing_writes_no_file(tmp_path):
    writer = RecordingWriter(tmp_path / "x")
    assert writer.close([]).path is None
    assert list(tmp_path.iterdir()) == []
