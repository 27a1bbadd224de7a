"""Behaviour of the libopus binding (bridge/mixer/opus.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt
import pytest
from aiortc.codecs.opus import OpusEncoder as AiortcOpusEncoder

from bridge.mixer.opus import (
    FRAME_SAMPLES,
    MAX_PACKET_BYTES,
    SAMPLE_RATE,
    OpusDecoder,
    OpusEncoder,
    OpusError,
    find_libopus,
    libopus_version,
)

F32 = npt.NDArray[np.float32]


def tone(k: int, freq: float = 440.0, amplitude: float = 0.1) -> F32:
    """Frame ``k`` of a phase-continuous sine."""
    t = (np.arange(FRAME_SAMPLES) + k * FRAME_SAMPLES) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def buzz(k: int) -> F32:
    """Frame ``k`` of a speech-like signal: a 200 Hz harmonic buzz (15 harmonics, 1/h) under
    a 3 Hz syllable envelope — voiced, so SILK codes it with pitch prediction."""
    t = (np.arange(FRAME_SAMPLES) + k * FRAME_SAMPLES) / SAMPLE_RATE
    voiced = sum(np.sin(2 * np.pi * 200 * h * t) / h for h in range(1, 16))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return (0.15 * voiced * envelope).astype(np.float32)


def rms_db(x: npt.NDArray[np.floating]) -> float:
    return float(10 * np.log10(max(float(np.mean(np.square(x, dtype=np.float64))), 1e-20)))


def peak(x: F32) -> tuple[float, float]:
    """(frequency in Hz, amplitude in dBFS) of the strongest spectral peak of one frame."""
    window = np.hanning(len(x))
    spectrum = np.abs(np.fft.rfft(x * window, 16 * len(x))) * 2 / window.sum()
    i = int(np.argmax(spectrum))
    return float(np.fft.rfftfreq(16 * len(x), 1 / SAMPLE_RATE)[i]), float(
        20 * np.log10(spectrum[i])
    )


def encode_all(encoder: OpusEncoder, frames: int, signal: Callable[[int], F32]) -> list[bytes]:
    return [encoder.encode(signal(k)) for k in range(frames)]


def test_libopus_is_found_and_loads():
    assert "opus" in find_libopus()
    assert libopus_version().startswith("libopus")


def test_round_trip_keeps_a_tones_frequency_and_level():
    encoder, decoder = OpusEncoder(), OpusDecoder()
    decoded = [decoder.decode(p) for p in encode_all(encoder, 50, tone)]
    assert all(f.shape == (FRAME_SAMPLES,) and f.dtype == np.float32 for f in decoded)
    for frame in decoded[10:]:  # after warm-up
        freq, level = peak(frame)
        assert abs(freq - 440) < 5
        assert abs(level - 20 * np.log10(0.1)) < 1.0
    assert abs(rms_db(np.concatenate(decoded[10:])) - rms_db(tone(0))) < 1.0


def test_decoded_frames_are_the_callers_to_keep():
    encoder, decoder = OpusEncoder(), OpusDecoder()
    packets = encode_all(encoder, 3, tone)
    first = decoder.decode(packets[0])
    kept = first.copy()
    decoder.decode(packets[1])
    decoder.conceal()
    np.testing.assert_array_equal(first, kept)


def test_decodes_a_stereo_packet_from_aiortcs_own_encoder_by_downmixing():
    encoder, decoder = AiortcOpusEncoder(), OpusDecoder()
    frames = []
    for k in range(30):
        mono = np.round(tone(k) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(
            np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = k * FRAME_SAMPLES
        payloads, _ = encoder.encode(frame)
        for payload in payloads:
            assert payload[0] & 0x04, "aiortc sends stereo packets (TOC stereo bit)"
            frames.append(decoder.decode(payload))
    assert len(frames) >= 25
    heard = np.concatenate(frames[10:])
    assert abs(peak(frames[-1])[0] - 440) < 5
    assert abs(rms_db(heard) - rms_db(tone(0))) < 1.0


def test_conceal_continues_a_steady_tone_then_decays():
    # CELT (the MDCT mode) conceals a pure tone by continuing it; see the SILK note below.
    encoder, decoder = OpusEncoder(64_000, application="lowdelay"), OpusDecoder()
    for packet in encode_all(encoder, 50, tone):
        decoder.decode(packet)
    concealed = [decoder.conceal() for _ in range(10)]
    freq, level = peak(concealed[0])
    assert abs(freq - 440) < 5
    assert abs(level - 20 * np.log10(0.1)) < 3.0
    levels = [rms_db(f) for f in concealed]
    assert all(b < a + 0.5 for a, b in itertools.pairwise(levels))
    assert levels[-1] < levels[0] - 10


def test_conceal_continues_voiced_speech_in_silk_hybrid_mode_then_fades():
    # SILK's PLC repeats the last pitch period of voiced frames; a pure sine is not voiced to
    # SILK and is concealed as low-level noise instead (docs/performance.md).
    encoder, decoder = OpusEncoder(32_000), OpusDecoder()
    packets = encode_all(encoder, 50, buzz)
    last = [decoder.decode(p) for p in packets][-1]
    concealed = [decoder.conceal() for _ in range(10)]
    assert abs(peak(concealed[0])[0] - 200) < 10
    assert abs(rms_db(concealed[0]) - rms_db(last)) < 3.0
    assert rms_db(concealed[-1]) < rms_db(concealed[0]) - 10


def losses_recovered(encoder: OpusEncoder, positions: range) -> tuple[float, float]:
    """Mean error energy against the loss-free decode for frames dropped at ``positions``:
    (decode_fec of the next packet, conceal)."""
    packets = encode_all(encoder, positions.stop + 2, buzz)
    reference = [frame for frame in map(OpusDecoder().decode, packets)]
    fec_errors, plc_errors = [], []
    for k in positions:
        with_fec, with_plc = OpusDecoder(), OpusDecoder()
        for packet in packets[:k]:
            with_fec.decode(packet)
            with_plc.decode(packet)
        fec_errors.append(np.sum((with_fec.decode_fec(packets[k + 1]) - reference[k]) ** 2))
        plc_errors.append(np.sum((with_plc.conceal() - reference[k]) ** 2))
    return float(np.mean(fec_errors)), float(np.mean(plc_errors))


def test_inband_fec_rebuilds_a_lost_frame_better_than_concealment():
    encoder = OpusEncoder(24_000, fec=True, expected_loss_percent=20, application="voip")
    fec_error, plc_error = losses_recovered(encoder, range(30, 90, 6))
    assert fec_error < 0.5 * plc_error  # measured: about 0.15x


def test_decode_fec_falls_back_to_concealment_when_the_packet_carries_no_fec():
    encoder = OpusEncoder(24_000, fec=False, application="voip")
    fec_error, plc_error = losses_recovered(encoder, range(30, 60, 10))
    assert fec_error == pytest.approx(plc_error)


@pytest.mark.parametrize("payload", [b"", b"\xff\xff\xff", b"\x03", b"\x0b\xff"])
def test_an_empty_or_corrupt_payload_raises_and_leaves_the_decoder_usable(payload: bytes):
    encoder, decoder = OpusEncoder(), OpusDecoder()
    packets = encode_all(encoder, 3, tone)
    decoder.decode(packets[0])
    with pytest.raises(OpusError):
        decoder.decode(payload)
    assert decoder.conceal().shape == (FRAME_SAMPLES,)
    assert decoder.decode(packets[2]).shape == (FRAME_SAMPLES,)


@pytest.mark.parametrize("payload", [b"", b"\xff\xff\xff", b"\x0b\xff"])
def test_decode_fec_of_an_empty_or_corrupt_packet_conceals_instead(payload: bytes):
    encoder = OpusEncoder()
    fec_decoder, plc_decoder = OpusDecoder(), OpusDecoder()
    for packet in encode_all(encoder, 20, buzz):
        fec_decoder.decode(packet)
        plc_decoder.decode(packet)
    np.testing.assert_array_equal(fec_decoder.decode_fec(payload), plc_decoder.conceal())


def test_a_packet_that_is_not_20_ms_is_refused():
    packet = OpusEncoder().encode(tone(0))
    # Code 1 (RFC 6716 §3.2.3): the same frame twice in one packet, so 40 ms.
    double = bytes([(packet[0] & ~0x03) | 0x01]) + packet[1:] + packet[1:]
    with pytest.raises(OpusError, match="1920 samples"):
        OpusDecoder().decode(double)


def test_encoder_output_is_bounded_and_follows_the_bitrate():
    rng = np.random.default_rng(0)
    loud = OpusEncoder(512_000, complexity=10)
    for _ in range(20):
        assert len(loud.encode(rng.uniform(-1, 1, FRAME_SAMPLES))) <= MAX_PACKET_BYTES
    sizes = {}
    for bitrate in (16_000, 32_000, 64_000):
        encoder = OpusEncoder(bitrate)
        sizes[bitrate] = np.mean([len(p) for p in encode_all(encoder, 100, buzz)[10:]])
        # VBR: the average packet is near bitrate × 20 ms.
        assert sizes[bitrate] == pytest.approx(bitrate / 8 / 50, rel=0.35)
    assert sizes[16_000] < sizes[32_000] < sizes[64_000]


def test_max_bandwidth_caps_what_is_coded():
    # Band-limited noise up to 16 kHz: fullband keeps the 10-16 kHz octave, wideband (8 kHz)
    # drops it and spends the bits below.
    rng = np.random.default_rng(1)

    def noise(k: int) -> F32:
        return (0.05 * rng.standard_normal(FRAME_SAMPLES)).astype(np.float32)

    def high_band_db(bandwidth: str) -> float:
        encoder = OpusEncoder(64_000, complexity=10, max_bandwidth=bandwidth)  # type: ignore[arg-type]
        decoder = OpusDecoder()
        out = np.concatenate([decoder.decode(p) for p in encode_all(encoder, 50, noise)[10:]])
        spectrum = np.abs(np.fft.rfft(out)) ** 2
        freqs = np.fft.rfftfreq(out.size, 1 / SAMPLE_RATE)
        band = (freqs > 10_000) & (freqs < 16_000)
        return float(10 * np.log10(spectrum[band].sum() / spectrum.sum()))

    assert high_band_db("fullband") > -10.0
    assert high_band_db("wideband") < -40.0
    with pytest.raises(ValueError):
        OpusEncoder(max_bandwidth="ultra")  # type: ignore[arg-type]


def test_decoder_reset_gives_a_fresh_decoder():
    encoder, decoder = OpusEncoder(), OpusDecoder()
    packets = encode_all(encoder, 10, buzz)
    expected = [decoder.decode(p) for p in packets]
    decoder.reset()
    for packet, frame in zip(packets, expected, strict=True):
        np.testing.assert_array_equal(decoder.decode(packet), frame)


def test_encoder_reset_starts_a_stream_a_fresh_decoder_can_follow():
    # Not byte-identical to a new encoder: libopus keeps its bandwidth decision across a reset.
    encoder = OpusEncoder()
    encode_all(encoder, 10, buzz)
    encoder.reset()
    decoder = OpusDecoder()
    frames = [decoder.decode(p) for p in encode_all(encoder, 30, buzz)]
    assert (
        abs(
            rms_db(np.concatenate(frames[10:]))
            - rms_db(np.concatenate([buzz(k) for k in range(10, 30)]))
        )
        < 1.0
    )


def test_encoder_checks_its_input_and_settings():
    encoder = OpusEncoder()
    with pytest.raises(ValueError):
        encoder.encode(np.zeros(480, np.float32))
    assert encoder.encode(np.zeros(FRAME_SAMPLES, np.float64))  # cast to float32
    with pytest.raises(OpusError):
        OpusEncoder(complexity=11)
    with pytest.raises(ValueError):
        OpusEncoder(application="music")  # type: ignore[arg-type]


def test_closed_codecs_refuse_work_and_close_is_idempotent():
    encoder, decoder = OpusEncoder(), OpusDecoder()
    encoder.close()
    encoder.close()
    decoder.close()
    decoder.close()
    with pytest.raises(OpusError):
        encoder.encode(tone(0))
    with pytest.raises(OpusError):
        decoder.conceal()


def test_an_encoder_can_continue_another_encoders_stream_exactly():
    rng = np.random.default_rng(7)
    frames = [(0.1 * rng.standard_normal(960)).astype(np.float32) for _ in range(30)]
    source, follower = OpusEncoder(), OpusEncoder()
    for frame in frames[:20]:
        source.encode(frame)
        follower.encode(frames[-1])  # a different history
    follower.continue_from(source)
    # From here the two make byte-identical packets: the copied state is complete.
    assert [follower.encode(f) for f in frames[20:]] == [source.encode(f) for f in frames[20:]]
