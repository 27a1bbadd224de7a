"""The headless endpoint's room: a microphone that hears the endpoint's own loudspeaker.

``RoomMicrophone`` is an outgoing audio track over another (the hall's talker, a tone, a
file, silence): each 20 ms frame it sends is that source plus what the endpoint played,
through an ``AcousticLoop`` (endpoints/loopback.py: delayed, attenuated). The endpoint's
session hands it every block it plays (``SiteClient.speaker``); blocks wait in a bounded
playout queue until the microphone's clock takes them, as a sound card's output buffer does.

It keeps the last seconds of what it played and what it heard on one sample clock, so the
endpoint can measure its own loop exactly (``own_loop``: bridge/probe/chirp.py's detector),
as a hall's technician would with a measuring microphone — no network time in it.
"""

from __future__ import annotations

import collections

import numpy as np

from bridge.probe.chirp import SAMPLE_RATE, Loop, find_loop
from endpoints.audio import PacedAudioTrack, Samples
from endpoints.loopback import AcousticLoop

#: Played audio waiting for the microphone's clock: 0.5 s, then the oldest is dropped.
MAX_QUEUED_SAMPLES = SAMPLE_RATE // 2
#: What is kept of played and heard audio for ``own_loop``: the last 12 s.
KEPT_SAMPLES = 12 * SAMPLE_RATE


class RoomMicrophone(PacedAudioTrack):
    def __init__(self, source: PacedAudioTrack, loop: AcousticLoop) -> None:
        super().__init__()
        self.source = source
        self.loop = loop
        self._queue: collections.deque[int] = collections.deque(maxlen=MAX_QUEUED_SAMPLES)
        self._played: collections.deque[Samples] = collections.deque()
        self._heard: collections.deque[Samples] = collections.deque()
        self._kept = 0

    def speaker(self, samples: Samples) -> None:
        """A block the endpoint plays (int16 mono, 48 kHz)."""
        self._queue.extend(samples.tolist())

    def next_samples(self, count: int) -> Samples:
        take = min(count, len(self._queue))
        played = np.zeros(count, dtype=np.int16)
        if take:
            played[:take] = [self._queue.popleft() for _ in range(take)]
        heard = self.loop.hear(played, self.source.next_samples(count))
        self._keep(played, np.asarray(heard, dtype=np.int16))
        return np.asarray(heard, dtype=np.int16)

    def _keep(self, played: Samples, heard: Samples) -> None:
        self._played.append(played)
        self._heard.append(heard)
        self._kept += len(played)
        while self._kept > KEPT_SAMPLES and self._played:
            self._kept -= len(self._played.popleft())
            self._heard.popleft()

    def own_loop(self) -> Loop | None:
        """The chirp's loop from loudspeaker to microphone, as heard in this room."""
        if not self._played:
            return None
        played = np.concatenate(list(self._played)).astype(np.float64) / 32768.0
        heard = np.concatenate(list(self._heard)).astype(np.float64) / 32768.0
        if float(np.max(np.abs(played))) == 0.0:
            return None  # nothing was played: no loop to find
        # What was played is its own reference (the chirp, and anything else the bridge
        # sent): the same loop carries all of it.
        return find_loop(played, heard, SAMPLE_RATE, max_delay_ms=1000)
