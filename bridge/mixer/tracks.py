"""aiortc track adapters: decoded audio in, mixed audio out.

aiortc decodes each received stream on its own thread into an unbounded queue, so every
input track is drained continuously here; the frames land in a small bounded buffer per
site. Every buffer and queue in this module has a fixed bound.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fractions

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


def to_mono_float(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame (aiortc: s16 packed, usually stereo) as 48 kHz mono float32."""
    pcm = frame.to_ndarray()
    channels = len(frame.layout.channels)
    samples = pcm.reshape(-1, channels).astype(np.float32).mean(axis=1)
    samples *= 1.0 / 32768.0
    if len(samples) != FRAME_SAMPLES:  # other packet durations: fit to one 20 ms frame
        samples = np.resize(samples, FRAME_SAMPLES)
    return samples


def to_frame(samples: np.ndarray, pts: int) -> av.AudioFrame:
    """A mono mix as the s16 packed *stereo* frame aiortc's Opus encoder takes as is.

    Handing it mono makes aiortc resample to stereo, and FFmpeg's upmix puts the centre
    channel on left and right at -3 dB: every site would hear everyone 3 dB too quiet.
    """
    mono = np.clip(samples * 32767.0, -32768, 32767).astype(np.int16)
    pcm = np.repeat(mono, 2).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
    frame.sample_rate = SAMPLE_RATE
    frame.pts = pts
    frame.time_base = TIME_BASE
    return frame


class InputBuffer:
    """The frames a site sent since the last ticks, bounded in depth.

    aiortc releases decoded frames in bursts; a depth of ``target`` frames absorbs that.
    Beyond ``limit`` (the site's clock runs faster than ours, or a burst after a stall) the
    oldest frames are dropped so the added latency stays bounded.
    """

    def __init__(self, target: int = 2, limit: int = 5) -> None:
        self._frames: collections.deque[np.ndarray] = collections.deque(maxlen=limit)
        self.target = target
        self.received = 0
        self.dropped = 0
        self.underruns = 0

    def push(self, samples: np.ndarray) -> None:
        if len(self._frames) == self._frames.maxlen:
            self.dropped += 1
        self._frames.append(samples)
        self.received += 1

    def pop(self) -> np.ndarray | None:
        while len(self._frames) > self.target + 1:
            self._frames.popleft()
            self.dropped += 1
        if not self._frames:
            self.underruns += 1
            return None
        return self._frames.popleft()


async def drain(track: MediaStreamTrack, buffer: InputBuffer) -> None:
    """Read a remote audio track until it ends, into ``buffer``."""
    with contextlib.suppress(MediaStreamError):
        while True:
            frame = await track.recv()
            buffer.push(to_mono_float(frame))  # type: ignore[arg-type]


class MixTrack(MediaStreamTrack):
    """The audio one site hears: frames put by the mixer clock, taken by aiortc's sender."""

    kind = "audio"

    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self._frames: collections.deque[np.ndarray] = collections.deque(maxlen=depth)
        self._ready = asyncio.Event()
        self._pts = 0

    def put(self, samples: np.ndarray) -> None:
        self._frames.append(samples)  # a full deque drops its oldest: the sender fell behind
        self._ready.set()

    async def recv(self) -> av.AudioFrame:
        while not self._frames:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        samples = self._frames.popleft()
        frame = to_frame(samples, self._pts)
        self._pts += FRAME_SAMPLES
        return frame

    def stop(self) -> None:
        super().stop()
        self._ready.set()
