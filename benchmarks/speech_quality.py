"""Speech for the PESQ benchmark, and its scoring: synthesis, alignment, PESQ-WB.

Pure helpers shared by ``benchmarks/speech.py`` (the live run and the offline sweep) and its
unit test. Speech comes from Debian's ``espeak-ng`` (Vietnamese and English sentences),
resampled to 48 kHz and set to ``SPEECH_DBFS`` active-speech level, the mixer's levelling
target. A degraded recording is scored against its reference with wideband PESQ (ITU-T
P.862.2, the ``pesq`` package) at 16 kHz, after both are resampled from 48 kHz with a
polyphase filter and the recording is time-aligned to the reference by cross-correlation.

``opus_round_trip`` and ``through_mix`` run the bridge's own code offline: the sender's Opus
encode, the mixer core (talker choice, levelling, limiter) and the mix's encode, with no
network, so a bitrate × complexity × bandwidth sweep takes seconds per setting.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bridge.mixer.core import MixerConfig, MixerState, mix
from bridge.mixer.opus import Application, Bandwidth, OpusDecoder, OpusEncoder

F32 = npt.NDArray[np.float32]

SAMPLE_RATE = 48_000
FRAME = 960
PESQ_RATE = 16_000
#: Active-speech level of the talking hall (RMS over 20 ms frames above −50 dBFS): the mixer's
#: levelling target (bridge/mixer/core.py), so a well-set microphone is left alone.
SPEECH_DBFS = -23.0
#: The silence espeak-ng leaves around a sentence is trimmed to this, then the sentences are
#: joined with this much silence between them (a speaker's pause between sentences).
PAUSE_S = 0.4

#: What the benchmark says, in each language: at least 8 s each when spoken.
SENTENCES: dict[str, tuple[str, ...]] = {
    "vi": (
        "Kính thưa các đồng chí, hội nghị trực tuyến hôm nay có sự tham dự của các điểm cầu "
        "tỉnh, huyện và xã.",
        "Đề nghị các điểm cầu giữ trật tự, tắt micrô khi không phát biểu và giơ tay khi muốn "
        "xin ý kiến.",
        "Sau đây, xin mời đồng chí chủ tịch ủy ban nhân dân tỉnh phát biểu chỉ đạo.",
    ),
    "en": (
        "Good morning to every hall joining this briefing from the provinces, the districts "
        "and the communes.",
        "Please keep your microphone muted while others speak, and raise your hand when you "
        "wish to take the floor.",
        "The chair of the provincial committee will now give the closing remarks.",
    ),
}
VOICES = {"vi": "vi", "en": "en"}


# ---- speech --------------------------------------------------------------------------


def espeak(text: str, voice: str, path: Path, *, speed: int = 150) -> None:
    """Speak ``text`` into the WAV file ``path`` with espeak-ng (22 050 Hz mono, 16 bit)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=60,
    )


def read_wav(path: Path) -> tuple[F32, int]:
    """A mono 16-bit WAV file as float32 (full scale ±1.0) and its sample rate."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit samples")
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32)
        channels, rate = w.getnchannels(), w.getframerate()
    return data.reshape(-1, channels).mean(axis=1) / np.float32(32768.0), rate


def write_wav(path: Path, samples: npt.ArrayLike, rate: int = SAMPLE_RATE) -> None:
    x = np.clip(np.asarray(samples, np.float64), -1.0, 1.0)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((x * 32767).round().astype("<i2").tobytes())


def resample(x: npt.ArrayLike, rate_in: int, rate_out: int) -> F32:
    """Polyphase resampling (scipy's Kaiser-windowed FIR), float32 out."""
    from scipy.signal import resample_poly

    g = math.gcd(rate_in, rate_out)
    y = resample_poly(np.asarray(x, np.float64), rate_out // g, rate_in // g)
    return np.asarray(y, np.float32)


def active_level_dbfs(x: npt.ArrayLike, floor_dbfs: float = -50.0) -> float:
    """RMS over the 20 ms frames louder than ``floor_dbfs``: a crude active-speech level
    (ITU-T P.56 in spirit), so pauses do not lower it."""
    a = np.asarray(x, np.float64)
    frames = a[: len(a) // FRAME * FRAME].reshape(-1, FRAME)
    power = np.mean(frames * frames, axis=1)
    active = power[power > 10 ** (floor_dbfs / 10)]
    if active.size == 0:
        return -math.inf
    return 10 * math.log10(float(active.mean()))


def set_level(x: F32, dbfs: float) -> F32:
    return (x * np.float32(10 ** ((dbfs - active_level_dbfs(x)) / 20))).astype(np.float32)


def trim(x: F32, rate: int, threshold: float = 1e-3) -> F32:
    loud = np.flatnonzero(np.abs(x) > threshold)
    if loud.size == 0:
        return x[:0]
    return x[max(0, loud[0] - rate // 50) : loud[-1] + rate // 50]


def speech(language: str, *, level_dbfs: float = SPEECH_DBFS, workdir: Path | None = None) -> F32:
    """The language's sentences spoken by espeak-ng, 48 kHz mono float32, joined by
    ``PAUSE_S`` pauses, at ``level_dbfs`` active level, padded to whole 20 ms frames."""
    parts: list[F32] = []
    with tempfile.TemporaryDirectory(prefix="bridge-speech-", dir=workdir) as tmp:
        for k, text in enumerate(SENTENCES[language]):
            path = Path(tmp) / f"{language}{k}.wav"
            espeak(text, VOICES[language], path)
            samples, rate = read_wav(path)
            parts.append(resample(trim(samples, rate), rate, SAMPLE_RATE))
    pause = np.zeros(round(PAUSE_S * SAMPLE_RATE), np.float32)
    joined = np.concatenate([pause] + [p for part in parts for p in (part, pause)])
    joined = np.concatenate([joined, np.zeros(-len(joined) % FRAME, np.float32)])
    return set_level(joined, level_dbfs)


# ---- alignment and PESQ ----------------------------------------------------------------


def align(reference: F32, degraded: F32, *, max_lag: int) -> tuple[F32, int]:
    """``degraded`` shifted so it lines up with ``reference`` (same length: zero-padded or
    cut), and the lag found (samples ``degraded`` is late by; may be negative).

    The lag maximises the cross-correlation (computed by FFT) within ±``max_lag``; PESQ does
    its own fine alignment, this only brings the recording within its reach.
    """
    ref = np.asarray(reference, np.float64)
    deg = np.asarray(degraded, np.float64)
    n = len(ref) + len(deg)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(deg, size) * np.conj(np.fft.rfft(ref, size)), size)
    # corr[k] = sum ref[t] deg[t + k]; negative lags wrap to the end.
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = np.concatenate([corr[: max_lag + 1], corr[size - max_lag :]])
    lag = int(lags[int(np.argmax(values))])
    shifted = deg[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag), deg])
    out = np.zeros(len(ref), np.float32)
    m = min(len(ref), len(shifted))
    out[:m] = shifted[:m]
    return out, lag


def pesq_wb(reference: F32, degraded: F32, rate: int = SAMPLE_RATE) -> float:
    """Wideband PESQ (P.862.2, MOS-LQO 1.0 .. 4.64) of ``degraded`` against ``reference``,
    both at ``rate`` (resampled to 16 kHz here). Align first (``align``)."""
    from pesq import pesq

    ref = resample(reference, rate, PESQ_RATE) if rate != PESQ_RATE else reference
    deg = resample(degraded, rate, PESQ_RATE) if rate != PESQ_RATE else degraded
    return float(pesq(PESQ_RATE, ref.astype(np.float64), deg.astype(np.float64), "wb"))


def score(reference: F32, degraded: F32, *, max_lag_s: float = 1.0) -> tuple[float, float]:
    """(PESQ-WB, lag in seconds) of a recording against its 48 kHz reference."""
    aligned, lag = align(reference, degraded, max_lag=round(max_lag_s * SAMPLE_RATE))
    return pesq_wb(reference, aligned), lag / SAMPLE_RATE


# ---- the bridge's audio path, offline --------------------------------------------------


@dataclass(frozen=True)
class Encoding:
    """One Opus encoder setting (the sender's or the mix's)."""

    bitrate: int = 32_000
    complexity: int = 1
    bandwidth: Bandwidth = "fullband"
    fec: bool = True
    expected_loss_percent: int = 10
    application: Application = "voip"

    def encoder(self) -> OpusEncoder:
        return OpusEncoder(
            self.bitrate,
            application=self.application,
            complexity=self.complexity,
            fec=self.fec,
            expected_loss_percent=self.expected_loss_percent,
            max_bandwidth=self.bandwidth,
        )

    def label(self) -> str:
        bw = "" if self.bandwidth == "fullband" else f", {self.bandwidth}"
        return f"{self.bitrate // 1000} kb/s, c{self.complexity}{bw}"


#: How a browser's microphone is encoded (libwebrtc on a desktop: mono Opus 32 kb/s,
#: complexity 9, in-band FEC negotiated; on a clean network it expects no loss, so it adds no
#: FEC layer). Its own encode, decoded, is the ceiling the mix is measured against.
SENDER = Encoding(32_000, complexity=9, expected_loss_percent=0)


def frames(x: F32) -> F32:
    return np.asarray(x[: len(x) // FRAME * FRAME], np.float32).reshape(-1, FRAME)


def encode(x: F32, encoding: Encoding) -> list[bytes]:
    encoder = encoding.encoder()
    return [encoder.encode(f) for f in frames(x)]


def decode(payloads: Sequence[bytes | None]) -> F32:
    decoder = OpusDecoder()
    out = [decoder.decode(p) if p else decoder.conceal() for p in payloads]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def opus_round_trip(x: F32, encoding: Encoding) -> F32:
    return decode(encode(x, encoding))


@dataclass(frozen=True)
class MixPlan:
    """The offline mix: one talking hall among ``halls``, the others sending room noise at
    ``noise_dbfs`` (pink, as benchmarks/load_clients.py sends). ``sum_all`` mixes every
    hall (the mixer a bridge without talker choice would be) instead of the core's top K."""

    halls: int = 10
    noise_dbfs: float = -60.0
    levelling: bool = True
    sum_all: bool = False
    config: MixerConfig = field(default_factory=MixerConfig)


def through_mix(talker_payloads: Sequence[bytes], mix_encoding: Encoding, plan: MixPlan) -> F32:
    """What a listening hall hears: the talker's packets decoded, mixed by the core with the
    other halls' (encoded, decoded) room noise, the shared mix encoded and decoded."""
    from endpoints.prerecorded import room_noise

    count = len(talker_payloads)
    noise = [
        encode(room_noise(count * FRAME / SAMPLE_RATE, plan.noise_dbfs, seed=1000 + k), SENDER)
        for k in range(plan.halls - 1)
    ]
    decoders = [OpusDecoder() for _ in range(plan.halls)]
    config = MixerConfig(
        max_talkers=plan.halls if plan.sum_all else plan.config.max_talkers,
        levelling=plan.levelling,
        talk_threshold_dbfs=-120.0 if plan.sum_all else plan.config.talk_threshold_dbfs,
    )
    state = MixerState(config)
    encoder = mix_encoding.encoder()
    muted = np.zeros(plan.halls, bool)
    gains = np.ones(plan.halls, np.float32)
    block = np.zeros((plan.halls, FRAME), np.float32)
    out: list[bytes] = []
    for t in range(count):
        block[0] = decoders[0].decode(talker_payloads[t])
        for k in range(1, plan.halls):
            block[k] = decoders[k].decode(noise[k - 1][t])
        result = mix(block, muted=muted, gains=gains, state=state)
        out.append(encoder.encode(result.shared))
    return decode(out)
