"""The media side's hooks a recording hangs on: the mixer's shared payload every tick,
every received frame before routing, keyframe requests rate-limited; ``record`` wiring."""

from __future__ import annotations

import numpy as np

from bridge.live.media import AiortcMedia
from bridge.media.video_tap import EncodedFrame
from bridge.mixer.mixer import Mixer
from bridge.mixer.opus import OpusDecoder, OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES
from tests.audio_analysis import tone_level_db
from tests.recording.streams import tone


class Kept:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, int]] = []

    def send(self, payload: bytes, pts: int) -> None:
        self.sent.append((payload, pts))

    def stop(self) -> None:
        pass


async def test_the_recorder_gets_the_shared_mix_every_listener_gets():
    """Site 1 talks (its personal mix leaves it out); site 2 listens: the recording is the
    shared payload, byte for byte what site 2 is sent, with the mixer's timestamps."""
    mixer = Mixer()
    outputs = {1: Kept(), 2: Kept()}
    for site, output in outputs.items():
        mixer.add_site(site, output)
    await mixer.clock.stop()
    recorded: list[tuple[bytes, int]] = []
    mixer.recorders.append(lambda payload, pts: recorded.append((payload, pts)))
    inputs = {site: mixer.input(site) for site in outputs}
    encoders = {site: OpusEncoder() for site in outputs}
    silence = np.zeros(FRAME_SAMPLES, np.float32)
    for tick in range(100):
        for site, receive in inputs.items():
            pcm = tone(440, tick) if site == 1 else silence
            level = 23 if site == 1 else 127
            receive(tick, tick * FRAME_SAMPLES, encoders[site].encode(pcm), level)
        mixer._tick()
        mixer.clock.ticks += 1  # as the clock counts its ticks
    assert recorded == outputs[2].sent
    assert [pts for _, pts in recorded] == [tick * FRAME_SAMPLES for tick in range(100)]
    assert recorded[-1][0] != outputs[1].sent[-1][0], "not the talker's personal mix"
    decoder = OpusDecoder()
    heard = np.concatenate([decoder.decode(payload) for payload, _ in recorded[50:]])
    assert tone_level_db(heard, 440) > -30
    await mixer.close()


async def test_record_wires_both_hooks_and_keyframe_requests_are_rate_limited():
    media = AiortcMedia([])
    asked: list[int] = []
    media.forwarder.add_source(4, "VP8", lambda: asked.append(4))
    seen: list[tuple[int, EncodedFrame]] = []

    class Sink:
        def audio(self, payload: bytes, pts: int) -> None:
            pass

        def video(self, site_id: int, frame: EncodedFrame) -> None:
            seen.append((site_id, frame))

    sink = Sink()
    media.record(sink)
    assert media.mixer.recorders == [sink.audio] and media.forwarder.frame_taps == [sink.video]
    frame = EncodedFrame(b"\x01\x02\x03", 3000, False)
    media.forwarder.receive(4, frame)  # no viewer: it still reaches the tap
    media.forwarder.receive(9, frame)  # an unknown source too
    assert seen == [(4, frame), (9, frame)]
    media.request_keyframe(4)
    media.request_keyframe(4)  # within the forwarder's interval: not asked again
    media.request_keyframe(9)  # no such source: nothing
    assert asked == [4]
    media.record(None)
    assert media.mixer.recorders == [] and media.forwarder.frame_taps == []
    media.forwarder.receive(4, frame)
    assert len(seen) == 2
    await media.close()
