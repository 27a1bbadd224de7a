"""A session recorded through the real media side (mixer + forwarder hooks), read back
with PyAV: both tracks, the duration, the chapters, each hall's tone when it talked and
its picture when it was shown, and the manifest."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bridge.live.media import AiortcMedia
from bridge.mixer.opus import OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES
from bridge.recording import Recorder, RecordingFailed, manifest_path, verify
from tests.audio_analysis import tone_level_db
from tests.recording.streams import FPS, Camera, FakeClock, read_back, tone

NAMES = {1: "Hội trường Tỉnh", 2: "Huyện Mường Tè", 3: "Xã Pa Ủ"}
STARTED = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
SILENCE = np.zeros(FRAME_SAMPLES, np.float32)


class Listening:
    """A site's mix output that keeps nothing (the sites are not what is tested)."""

    def send(self, payload: bytes, pts: int) -> None:
        pass

    def stop(self) -> None:
        pass


def windows(audio: np.ndarray, hz: float, start_s: float, end_s: float) -> list[float]:
    """The tone's level in each 0.1 s window inside [start_s, end_s)."""
    size = 4800
    first, last = round(start_s * 10), round(end_s * 10)
    return [tone_level_db(audio[i * size : (i + 1) * size], hz) for i in range(first, last)]


async def record_session(tmp_path: Path) -> tuple[object, Recorder]:
    """Ten seconds: hall 1 shown from the start and talking (440 Hz) in 1–3 s; hall 2
    shown from 4 s and talking (1 kHz) in 5–7 s; hall 3 sends video, never shown."""
    media = AiortcMedia([])
    mixer, forwarder = media.mixer, media.forwarder
    for site in NAMES:
        mixer.add_site(site, Listening())
    await mixer.clock.stop()  # ticks by hand
    inputs = {site: mixer.input(site) for site in NAMES}
    encoders = {site: OpusEncoder() for site in NAMES}
    cameras = {1: Camera(200), 2: Camera(60, width=320, height=240), 3: Camera(128)}
    for site, camera in cameras.items():
        forwarder.add_source(site, "VP8", camera.ask_keyframe)
    clock = FakeClock()
    t0 = clock.now
    recorder = Recorder(tmp_path / "phien-hop", STARTED, NAMES, media.request_keyframe, clock=clock)
    media.record(recorder)

    def at() -> datetime:
        return STARTED + timedelta(seconds=clock.now - t0)

    recorder.show(1, at())
    shown_frames = 0
    for tick in range(500):
        t = tick * 0.02
        if tick == 50:
            recorder.floor(1, at())
        elif tick == 200:
            recorder.show(2, at())
        elif tick == 250:
            recorder.floor(2, at())
        for site, receive in inputs.items():
            talking = (site == 1 and 1 <= t < 3) or (site == 2 and 5 <= t < 7)
            pcm = tone(440 if site == 1 else 1000, tick) if talking else SILENCE
            receive(tick, tick * FRAME_SAMPLES, encoders[site].encode(pcm), 23 if talking else 127)
        mixer._tick()
        mixer.clock.ticks += 1  # as the clock counts its ticks: the mix's timestamps
        while shown_frames < (tick + 1) * 0.02 * FPS:  # 30 frames/s from each camera
            for site, camera in cameras.items():
                frame = camera.frame()
                if frame is not None:
                    forwarder.receive(site, frame)
            shown_frames += 1
        clock.now += 0.02
    media.record(None)
    assert not mixer.recorders and not forwarder.frame_taps
    result = await recorder.stop()
    await media.close()
    return result, recorder


async def test_a_session_is_recorded_as_the_bridge_sent_it(tmp_path):
    result, _recorder = await record_session(tmp_path)
    assert result.path == tmp_path / "phien-hop.webm"
    assert result.codec == "VP8" and result.dropped == 0 and result.refused == 0
    assert result.finish_s < 10
    back = read_back(result.path)

    kinds = [kind for kind, _ in back.streams]
    assert kinds == ["audio", "video"]
    assert "opus" in back.streams[0][1] and back.streams[1][1] == "vp8"
    assert abs(back.duration_s - 10.0) < 1.0, back.duration_s
    assert abs(result.duration_s - 10.0) < 1.0

    starts = [round(start, 1) for start, _ in back.chapters]
    titles = [title for _, title in back.chapters]
    assert titles == [
        "Trình chiếu: Hội trường Tỉnh",
        "Phát biểu: Hội trường Tỉnh",
        "Trình chiếu: Huyện Mường Tè",
        "Phát biểu: Huyện Mường Tè",
    ]
    assert starts == [0.0, 1.0, 4.0, 5.0]

    # Each hall's tone is heard while it talked, and only then (the mix's own delay is a
    # few ticks: the edges are left out).
    audio = back.audio
    assert min(windows(audio, 440, 1.2, 2.9)) > -30
    assert max(windows(audio, 440, 0.0, 0.9) + windows(audio, 440, 3.3, 10.0)) < -60
    assert min(windows(audio, 1000, 5.2, 6.9)) > -30
    assert max(windows(audio, 1000, 0.0, 4.9) + windows(audio, 1000, 7.3, 10.0)) < -60

    # The picture is hall 1's until hall 2's first keyframe after the switch at 4 s (asked
    # for at once), then hall 2's; hall 3 is never in the file.
    times = [at for at, *_ in back.video]
    assert times == sorted(times)
    assert abs(len(back.video) - 10 * FPS) <= 5
    hall_1 = [row for row in back.video if abs(row[1] - 200) < 15]
    hall_2 = [row for row in back.video if abs(row[1] - 60) < 15]
    assert len(hall_1) + len(hall_2) == len(back.video), "only the shown halls' pictures"
    assert max(at for at, *_ in hall_1) < min(at for at, *_ in hall_2)
    assert 4.0 <= min(at for at, *_ in hall_2) <= 4.2
    assert {(w, h) for _, _, w, h in hall_1} == {(160, 120)}
    assert {(w, h) for _, _, w, h in hall_2} == {(320, 240)}

    # The manifest says what the file is, and proves it.
    content = json.loads(manifest_path(result.path).read_text("utf-8"))
    data = result.path.read_bytes()
    assert content["sha256"] == hashlib.sha256(data).hexdigest() == result.sha256
    assert content["bytes"] == len(data) == result.bytes
    assert content["file"] == "phien-hop.webm"
    assert [t["kind"] for t in content["tracks"]] == ["audio", "video"]
    assert content["tracks"][1]["width"] == 160  # the first keyframe's size
    assert [c["title"] for c in content["chapters"]] == titles
    assert content["started_at"] == STARTED.isoformat()
    assert verify(result.path)
    with result.path.open("ab") as file:
        file.write(b"\0")
    assert not verify(result.path), "a changed file no longer matches its manifest"


async def test_without_video_the_recording_is_audio_only(tmp_path):
    clock = FakeClock()
    asked: list[int] = []
    recorder = Recorder(tmp_path / "chi-am-thanh.mkv", STARTED, NAMES, asked.append, clock=clock)
    recorder.show(1)  # shown, but it sends no video
    encoder = OpusEncoder()
    for tick in range(250):
        recorder.audio(encoder.encode(tone(440, tick)), tick * FRAME_SAMPLES)
        clock.now += 0.02
    result = await recorder.stop()
    assert asked == [1]
    assert result.path.suffix == ".webm" and result.codec is None
    back = read_back(result.path)
    assert [kind for kind, _ in back.streams] == ["audio"]
    assert abs(back.duration_s - 5.0) < 0.5
    assert min(windows(back.audio, 440, 0.2, 4.8)) > -30
    assert verify(result.path)


async def test_a_full_queue_drops_and_counts_but_never_blocks(tmp_path):
    clock = FakeClock()
    recorder = Recorder(
        tmp_path / "day", STARTED, NAMES, lambda _: None, queue_size=20, clock=clock
    )
    released = threading.Event()
    writer_audio = recorder._writer.audio

    def slow_audio(payload: bytes, pts: int, at_s: float) -> None:
        released.wait()  # a disk that stalls
        writer_audio(payload, pts, at_s)

    recorder._writer.audio = slow_audio  # type: ignore[method-assign]
    encoder = OpusEncoder()
    payloads = [encoder.encode(tone(440, tick)) for tick in range(200)]
    started = time.perf_counter()
    for tick, payload in enumerate(payloads):
        recorder.audio(payload, tick * FRAME_SAMPLES)
        clock.now += 0.02
    assert time.perf_counter() - started < 0.05, "the loop is never held up"
    assert 150 <= recorder.dropped <= 180
    released.set()
    result = await recorder.stop()
    assert result.dropped == recorder.dropped
    back = read_back(result.path)
    assert [kind for kind, _ in back.streams] == ["audio"]


async def test_a_recording_that_cannot_be_written_fails_clearly(tmp_path):
    recorder = Recorder(tmp_path / "missing" / "dir" / "x", STARTED, NAMES, lambda _: None)
    encoder = OpusEncoder()
    for tick in range(10):
        recorder.audio(encoder.encode(SILENCE), tick * FRAME_SAMPLES)
    with pytest.raises(RecordingFailed):
        await recorder.stop()


async def test_nothing_recorded_fails_and_a_second_stop_is_refused(tmp_path):
    recorder = Recorder(tmp_path / "rong", STARTED, NAMES, lambda _: None)
    with pytest.raises(RecordingFailed):
        await recorder.stop()
    with pytest.raises(RecordingFailed):
        await recorder.stop()


async def test_the_recorded_picture_switches_on_the_new_halls_keyframe(tmp_path):
    clock = FakeClock()
    asked: list[int] = []
    recorder = Recorder(tmp_path / "chuyen", STARTED, NAMES, asked.append, clock=clock)
    one, two = Camera(200, gop=300), Camera(60, gop=300)
    frames = {1: [f for f in (one.frame() for _ in range(40)) if f], 2: []}
    frames[2] = [f for f in (two.frame() for _ in range(40)) if f]
    assert frames[1][0].keyframe and not any(f.keyframe for f in frames[1][1:])

    recorder.video(1, frames[1][0])  # nobody shown: nothing kept
    assert recorder.recording_site is None and asked == []
    recorder.show(1)
    assert asked == [1]
    recorder.video(1, frames[1][1])  # not a keyframe: asked again, still waiting
    assert recorder.recording_site is None and asked == [1, 1]
    recorder.video(1, frames[1][0])
    assert recorder.recording_site == 1
    recorder.show(2)
    recorder.video(2, frames[2][1])  # hall 2's inter frame: hall 1 stays recorded
    recorder.video(1, frames[1][2])
    assert recorder.recording_site == 1 and asked == [1, 1, 2, 2]
    recorder.video(2, frames[2][0])
    assert recorder.recording_site == 2
    recorder.video(1, frames[1][3])  # hall 1's frames no longer go in
    restarted = frames[2][2]  # hall 2 rejoined: a new stream, timestamps elsewhere
    recorder.video(2, type(restarted)(restarted.data, restarted.timestamp + 10**8, False))
    assert recorder.recording_site is None and asked[-1] == 2
    recorder.video(2, frames[2][0])
    assert recorder.recording_site == 2
    recorder.show(None)
    assert recorder.recording_site is None
    recorder.video(2, frames[2][2])
    assert recorder.recording_site is None
    clock.now += 1
    recorder.audio(OpusEncoder().encode(SILENCE), 0)
    result = await recorder.stop()
    back = read_back(result.path)
    halls = [1 if luma > 130 else 2 for _, luma, _, _ in back.video]
    assert halls == [1, 1, 2, 2], "hall 1's keyframe and inter frame, then hall 2's keyframes"


async def test_after_a_dropped_frame_the_recording_waits_for_a_keyframe(tmp_path):
    asked: list[int] = []
    recorder = Recorder(tmp_path / "mat", STARTED, NAMES, asked.append, queue_size=3)
    camera = Camera(200, gop=300)
    shots = [f for f in (camera.frame() for _ in range(10)) if f]
    released = threading.Event()
    writer_video = recorder._writer.video

    def stalled(*args: object) -> None:
        released.wait()
        writer_video(*args)  # type: ignore[arg-type]

    recorder._writer.video = stalled  # type: ignore[method-assign]
    recorder.show(1)
    for frame in shots[:6]:
        recorder.video(1, frame)
    assert recorder.dropped >= 1 and recorder.recording_site is None
    assert asked.count(1) >= 2, "asked for a keyframe again after the drop"
    released.set()
    result = await recorder.stop()
    assert result.dropped == 1
    # What was queued before the drop went in; nothing after it until a keyframe came.
    assert len(read_back(result.path).video) in (3, 4)


async def test_a_hall_shown_only_later_still_has_its_video_recorded(tmp_path):
    """No keyframe within the wait, but a hall sends video: the file opens with a video
    track of the default size, and the hall shown later fills it."""
    clock = FakeClock()
    camera = Camera(60, gop=300)
    recorder = Recorder(
        tmp_path / "sau",
        STARTED,
        NAMES,
        lambda _site: camera.ask_keyframe(),
        clock=clock,
        video_wait_s=0.5,
    )
    encoder = OpusEncoder()
    for tick in range(100):
        recorder.audio(encoder.encode(tone(440, tick)), tick * FRAME_SAMPLES)
        if tick == 50:
            recorder.show(2)  # at 1 s: nobody was shown before
        if tick % 2 == 0:
            frame = camera.frame()
            if frame is not None:
                recorder.video(2, frame)
        clock.now += 0.02
    result = await recorder.stop()
    assert result.codec == "VP8"
    assert result.tracks[1]["width"] == 1280, "declared before any keyframe came"
    back = read_back(result.path)
    assert [kind for kind, _ in back.streams] == ["audio", "video"]
    assert back.video and {(w, h) for _, _, w, h in back.video} == {(160, 120)}
    assert 1.0 <= back.video[0][0] <= 1.1


async def test_a_recording_started_before_any_camera_waits_for_one(tmp_path):
    """Recorded from the session's opening: for its first seconds no hall's media is up
    yet. The file waits (past ``video_wait_s``) for the first hall's video rather than
    going audio-only, and the hall shown then is in it; only a whole ``audio_only_after_s``
    without any camera makes it audio-only."""
    clock = FakeClock()
    camera = Camera(60, gop=30)
    recorder = Recorder(
        tmp_path / "mo-phien",
        STARTED,
        NAMES,
        lambda _site: camera.ask_keyframe(),
        clock=clock,
        video_wait_s=0.5,
        audio_only_after_s=4.0,
    )
    recorder.show(2)
    encoder = OpusEncoder()
    for tick in range(150):
        recorder.audio(encoder.encode(tone(440, tick)), tick * FRAME_SAMPLES)
        if tick >= 100 and tick % 2 == 0:  # the hall's camera is up at 2 s
            frame = camera.frame()
            if frame is not None:
                recorder.video(2, frame)
        clock.now += 0.02
    result = await recorder.stop()
    assert result.codec == "VP8"
    back = read_back(result.path)
    assert [kind for kind, _ in back.streams] == ["audio", "video"]
    assert back.video and 2.0 <= back.video[0][0] <= 2.1
    assert min(windows(back.audio, 440, 0.2, 2.8)) > -30, "the audio from the start"
