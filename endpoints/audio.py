"""What a headless site says and hears: paced source tracks, the recorder, level/pitch checks.

Everything is 48 kHz because that is Opus's native rate and what aiortc decodes to; sources
are mono 20 ms frames (960 samples), one Opus packet each. Sample work is done with numpy,
one vector operation per frame, never a Python loop per sample.
"""

from __future__ import annotations

import asyncio
import math
import time
import wave
from abc import abstractmethod
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
TIME_BASE = Fraction(1, SAMPLE_RATE)
FULL_SCALE = 32767
# A gap between two received frames longer than three packet times is audible as a dropout
# (aiortc's jitter buffer hands over 20 ms frames; 60 ms means at least two went missing).
LATE_GAP_SECONDS = 0.060
# After a stall this long (a suspended laptop, a blocked loop) the source restarts its clock
# instead of bursting every missed frame at once, as a microphone driver would drop them.
MAX_LATENESS_SECONDS = 0.5

Samples = npt.NDArray[np.int16]


class AudioSourceError(ValueError):
    """An audio source that cannot be used (unreadable file, bad tone parameters)."""


class Pacer:
    """Real-time pacing on an absolute clock: the frame at ``position`` seconds into a stream
    is due ``position`` seconds after the first one, so scheduling delays never accumulate
    into drift. After a stall of more than ``MAX_LATENESS_SECONDS`` the clock restarts
    instead of sending a burst to catch up."""

    def __init__(self) -> None:
        self._start: float | None = None

    async def wait(self, position: float) -> None:
        now = time.monotonic()
        if self._start is None:
            self._start = now - position
            return
        delay = self._start + position - now
        if delay > 0:
            await asyncio.sleep(delay)
        elif -delay > MAX_LATENESS_SECONDS:
            self._start = now - position


class PacedAudioTrack(MediaStreamTrack):
    """An outgoing audio track: 20 ms s16 frames at 48 kHz of a mono source, paced in real time.

    Each frame's deadline is computed from the start time and the sample count, not by
    sleeping a fixed 20 ms, so scheduling delays do not accumulate into drift. ``paced=False``
    hands frames out as fast as they are asked for (tests, offline rendering).
    """

    kind = "audio"

    def __init__(self, *, paced: bool = True) -> None:
        super().__init__()
        self._paced = paced
        self._pacer = Pacer()
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._paced:
            await self._pacer.wait(self._pts / SAMPLE_RATE)
        # Stereo (both channels the same), because aiortc resamples anything else to s16
        # stereo and FFmpeg's mono upmix would send the tone 3 dB quieter than asked.
        samples = self.next_samples(FRAME_SAMPLES)
        frame = av.AudioFrame.from_ndarray(
            np.repeat(samples, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        self._pts += FRAME_SAMPLES
        return frame

    @abstractmethod
    def next_samples(self, count: int) -> Samples:
        """The next ``count`` mono int16 samples of this source."""


class SilenceTrack(PacedAudioTrack):
    """Digital silence: a site that is connected but says nothing."""

    def next_samples(self, count: int) -> Samples:
        return np.zeros(count, dtype=np.int16)


class ToneTrack(PacedAudioTrack):
    """A phase-continuous sine of ``frequency`` Hz with peak ``amplitude`` (1.0 = full scale).

    Amplitude 0.1 is −20 dBFS peak, about −23 dBFS RMS: speech-like level, far from clipping
    once several sites are mixed.
    """

    def __init__(self, frequency: float, amplitude: float = 0.1, *, paced: bool = True) -> None:
        if not 0 < frequency < SAMPLE_RATE / 2:
            raise AudioSourceError(
                f"tone frequency must be between 0 and {SAMPLE_RATE // 2} Hz, got {frequency}"
            )
        if not 0 <= amplitude <= 1:
            raise AudioSourceError(f"amplitude must be between 0 and 1, got {amplitude}")
        super().__init__(paced=paced)
        self.frequency = frequency
        self.amplitude = amplitude
        self._step = 2 * math.pi * frequency / SAMPLE_RATE
        self._phase = 0.0

    def next_samples(self, count: int) -> Samples:
        phases = self._phase + self._step * np.arange(count)
        # Keep the accumulator small so float64 phase stays exact over hours.
        self._phase = (self._phase + self._step * count) % (2 * math.pi)
        return np.round(np.sin(phases) * (self.amplitude * FULL_SCALE)).astype(np.int16)


class WavTrack(PacedAudioTrack):
    """A sound file (any format FFmpeg reads, any rate/channels), played in a loop.

    The file is decoded once, up front, so a bad file fails before any connection is made.
    """

    def __init__(self, path: Path, *, max_seconds: float = 600.0, paced: bool = True) -> None:
        super().__init__(paced=paced)
        self.path = path
        self.samples = load_audio(path, max_seconds=max_seconds)
        self._position = 0

    def next_samples(self, count: int) -> Samples:
        total = len(self.samples)
        indices = (self._position + np.arange(count)) % total
        self._position = (self._position + count) % total
        return self.samples[indices]


def load_audio(path: Path, *, max_seconds: float = 600.0) -> Samples:
    """Decode a sound file to 48 kHz mono int16, at most ``max_seconds`` of it.

    The cap bounds memory (ten minutes is 58 MB); a source loops, so more adds nothing.
    Raises ``AudioSourceError`` with a one-line reason for anything unreadable.
    """
    limit = int(max_seconds * SAMPLE_RATE)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[Samples] = []
    have = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioSourceError(f"{path}: no audio stream")
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    chunks.append(_s16(out))
                    have += out.samples
                if have >= limit:
                    break
            else:
                for out in resampler.resample(None):
                    chunks.append(_s16(out))
    except AudioSourceError:
        raise
    except FileNotFoundError:
        raise AudioSourceError(f"{path}: no such file") from None
    except (OSError, av.FFmpegError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AudioSourceError(f"{path}: cannot read audio ({reason})") from None
    samples = np.concatenate(chunks)[:limit] if chunks else np.zeros(0, dtype=np.int16)
    if len(samples) == 0:
        raise AudioSourceError(f"{path}: contains no audio")
    return samples.astype(np.int16, copy=False)


def to_mono(frame: av.AudioFrame) -> Samples:
    """A received frame as 48 kHz mono int16 (aiortc decodes to packed s16 stereo)."""
    if frame.format.name == "s16" and frame.sample_rate == SAMPLE_RATE:
        channels = len(frame.layout.channels)
        data = _s16(frame)
        if channels == 1:
            return data
        # Average in int32: the sum of two int16 channels can overflow int16.
        mixed = data.reshape(-1, channels).astype(np.int32).mean(axis=1)
        return np.round(mixed).astype(np.int16)
    # Anything else is not what aiortc produces today; convert rather than guess.
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    parts = [_s16(f) for f in resampler.resample(frame)]
    parts += [_s16(f) for f in resampler.resample(None)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


def _s16(frame: av.AudioFrame) -> Samples:
    """A packed s16 frame's samples, flattened (interleaved if it has several channels)."""
    return frame.to_ndarray().reshape(-1).astype(np.int16, copy=False)


@dataclass(frozen=True)
class GapSummary:
    """How regularly frames arrived: the signature of loss, stalls and jitter-buffer hiccups."""

    frames: int
    max_gap_ms: float
    late_gaps: int  # gaps longer than LATE_GAP_SECONDS
    p50_gap_ms: float
    p99_gap_ms: float


class Recorder:
    """What a site hears: the last ``max_seconds`` of audio plus frame arrival statistics.

    Memory is bounded by ``max_seconds`` however long the recorder runs; the gap statistics
    are kept incrementally over every frame, with percentiles over the most recent ones.
    ``stop()`` freezes the recording (later frames are ignored) so a caller can drain a
    track to the end without the tail polluting what was recorded.
    """

    def __init__(self, max_seconds: float = 60.0) -> None:
        self.max_samples = max(FRAME_SAMPLES, int(max_seconds * SAMPLE_RATE))
        self._chunks: deque[Samples] = deque()
        self._kept = 0
        self._heard = 0
        self._recent_gaps: deque[float] = deque(maxlen=max(1, int(max_seconds * 50)))
        self.frames = 0
        self.first_arrival: float | None = None
        self.last_arrival: float | None = None
        self._max_gap = 0.0
        self._late_gaps = 0
        self.stopped = False

    def add(self, frame: av.AudioFrame, arrival: float) -> None:
        """Record one received frame that arrived at ``arrival`` (``time.monotonic()``)."""
        if self.stopped:
            return
        self.add_samples(to_mono(frame), arrival)

    def add_samples(self, samples: Samples, arrival: float) -> None:
        if self.stopped:
            return
        if self.last_arrival is not None:
            gap = arrival - self.last_arrival
            self._recent_gaps.append(gap)
            self._max_gap = max(self._max_gap, gap)
            if gap > LATE_GAP_SECONDS:
                self._late_gaps += 1
        else:
            self.first_arrival = arrival
        self.last_arrival = arrival
        self.frames += 1
        self._chunks.append(samples)
        self._kept += len(samples)
        self._heard += len(samples)
        while self._kept - len(self._chunks[0]) >= self.max_samples:
            self._kept -= len(self._chunks.popleft())

    def stop(self) -> None:
        self.stopped = True

    def samples(self) -> Samples:
        """The recorded audio, 48 kHz mono int16, at most ``max_seconds`` long."""
        if not self._chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._chunks)[-self.max_samples :]

    @property
    def seconds(self) -> float:
        """Seconds of audio heard since the start: keeps growing past ``max_seconds``, so
        "wait until it has grown by N" works however long the recorder has run."""
        return self._heard / SAMPLE_RATE

    def gaps(self) -> GapSummary:
        recent = np.asarray(self._recent_gaps, dtype=np.float64) * 1000.0
        p50, p99 = np.percentile(recent, [50, 99]) if len(recent) else (0.0, 0.0)
        return GapSummary(
            frames=self.frames,
            max_gap_ms=self._max_gap * 1000.0,
            late_gaps=self._late_gaps,
            p50_gap_ms=float(p50),
            p99_gap_ms=float(p99),
        )

    def write_wav(self, path: Path) -> None:
        write_wav(path, self.samples())


def write_wav(path: Path, samples: Samples) -> None:
    """Write 48 kHz mono 16-bit PCM, the format every audio tool opens."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.astype("<i2", copy=False).tobytes())


def rms_dbfs(samples: Samples) -> float:
    """RMS level relative to full scale (a full-scale sine is −3 dBFS); −inf for silence."""
    if len(samples) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return 20 * math.log10(rms / FULL_SCALE) if rms > 0 else -math.inf


def dominant_frequency(samples: Samples, sample_rate: int = SAMPLE_RATE) -> float:
    """The frequency (Hz) of the strongest spectral peak, to well under one FFT bin.

    A Hann window keeps a tone's energy in a few bins; parabolic interpolation of the log
    magnitude around the peak refines it (accurate to a fraction of sample_rate/len).
    """
    if len(samples) < 2:
        return 0.0
    windowed = samples.astype(np.float64) * np.hanning(len(samples))
    magnitude = np.abs(np.fft.rfft(windowed))
    peak = int(np.argmax(magnitude[1:])) + 1  # skip DC
    offset = 0.0
    if 1 <= peak < len(magnitude) - 1:
        left, centre, right = np.log(magnitude[peak - 1 : peak + 2] + 1e-12)
        denominator = left - 2 * centre + right
        if denominator != 0:
            offset = 0.5 * (left - right) / denominator
    return (peak + offset) * sample_rate / len(samples)
