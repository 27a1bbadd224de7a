import numpy as np
from aiortc.codecs.opus import OpusDecoder, OpusEncoder

from bridge.mixer.tracks import FRAME_SAMPLES, InputBuffer, to_frame, to_mono_float


def test_a_mix_survives_aiortcs_opus_round_trip_at_its_own_level():
    # aiortc resamples anything but s16 stereo, and FFmpeg's mono upmix costs 3 dB.
    t = np.arange(FRAME_SAMPLES * 20) / 48_000
    tone = (0.1 * np.sin(2 * np.pi * 660 * t)).astype(np.float32)
    encoder, decoder = OpusEncoder(), OpusDecoder()
    out = []
    for i in range(20):
        frame = to_frame(tone[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES], i * FRAME_SAMPLES)
        payloads, _ = encoder.encode(frame)
        for payload in payloads:
            from aiortc.jitterbuffer import JitterFrame

            for decoded in decoder.decode(JitterFrame(data=payload, timestamp=0)):
                out.append(to_mono_float(decoded))
    heard = np.concatenate(out[5:])
    rms_db = 20 * np.log10(np.sqrt(np.mean(heard**2)))
    assert abs(rms_db - 20 * np.log10(0.1 / np.sqrt(2))) < 1.0


def test_input_buffer_is_bounded_and_trims_latency_back_to_target():
    buffer = InputBuffer(target=2, limit=5)
    for i in range(9):
        buffer.push(np.full(FRAME_SAMPLES, i, np.float32))
    assert buffer.dropped == 4  # the deque never held more than 5
    first = buffer.pop()
    assert first is not None and first[0] == 6  # trimmed to target + 1 before popping
    assert buffer.pop() is not None and buffer.pop() is not None
    assert buffer.pop() is None and buffer.underruns == 1
