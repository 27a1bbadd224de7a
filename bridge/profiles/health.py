"""A hall's devices, judged: the warnings the console board shows before anyone in the
session notices a dead or clipping microphone, a stalled camera or a silent loudspeaker.

Fed the hall's own measurements (its page's ``device_health``, about once a second; where a
hall reports no microphone level, the level the bridge's mixer measures of what arrives),
newest last, and judged over the last seconds so one odd second never raises a warning:

- ``mic_off``: the microphone track ended or is disabled (unplugged, taken by another app).
- ``mic_no_signal``: every level of the last ``NO_SIGNAL_S`` at or below ``NO_SIGNAL_DBFS``.
  A real microphone in a quiet room still hears its room and its preamplifier, some -70 to
  -50 dBFS; -85 dBFS and below is a cut cable, a muted mixer channel or a dead capsule.
- ``mic_clipping``: at least ``CLIPPING_SHARE`` of the frames at full scale in
  ``CLIPPING_REPORTS`` of the last ``CLIPPING_WINDOW`` reports: the input gain is too high,
  speech is distorted for every listener.
- ``camera_off``: the camera track ended or is disabled.
- ``camera_slow``: the last ``CAMERA_REPORTS`` reports all under half the profile's frame
  rate, or under ``CAMERA_MIN_FPS`` (below which any picture judders).
- ``speaker_silent``: the bridge's sound has not been playing for the last
  ``SPEAKER_REPORTS`` reports (autoplay blocked, the output device gone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NO_SIGNAL_DBFS = -85.0
NO_SIGNAL_S = 8.0  # a dead microphone is warned of within ~10 s of joining or failing
CLIPPING_SHARE = 0.02
CLIPPING_WINDOW = 5
CLIPPING_REPORTS = 2
CAMERA_REPORTS = 3
CAMERA_MIN_FPS = 5.0
SPEAKER_REPORTS = 3
KEEP = 16  # reports kept per hall: more than any rule looks at

WARNINGS = (
    "mic_off",
    "mic_no_signal",
    "mic_clipping",
    "camera_off",
    "camera_slow",
    "speaker_silent",
)


@dataclass(frozen=True)
class Sample:
    """One report of a hall's devices; ``None``: not measured in that report."""

    at: float  # seconds, monotonic
    mic_level_db: float | None = None
    mic_clipping: float | None = None
    mic_live: bool | None = None
    camera_fps: float | None = None
    camera_live: bool | None = None
    speaker_playing: bool | None = None


def assess(samples: Sequence[Sample], frame_rate: int) -> list[str]:
    """The warnings for a hall, in ``WARNINGS`` order; ``samples`` oldest first."""
    if not samples:
        return []
    last = samples[-1]
    found: set[str] = set()
    if last.mic_live is False:
        found.add("mic_off")
    elif _no_signal(samples):
        found.add("mic_no_signal")
    recent = samples[-CLIPPING_WINDOW:]
    clipped = sum(1 for s in recent if (s.mic_clipping or 0.0) >= CLIPPING_SHARE)
    if clipped >= CLIPPING_REPORTS:
        found.add("mic_clipping")
    if last.camera_live is False:
        found.add("camera_off")
    else:
        slow = max(CAMERA_MIN_FPS, frame_rate / 2)
        tail = samples[-CAMERA_REPORTS:]
        if len(tail) == CAMERA_REPORTS and all(
            s.camera_fps is not None and s.camera_fps < slow for s in tail
        ):
            found.add("camera_slow")
    tail = samples[-SPEAKER_REPORTS:]
    if len(tail) == SPEAKER_REPORTS and all(s.speaker_playing is False for s in tail):
        found.add("speaker_silent")
    return [w for w in WARNINGS if w in found]


def _no_signal(samples: Sequence[Sample]) -> bool:
    """Every level over the last ``NO_SIGNAL_S`` (which the reports must span) is silence."""
    newest = samples[-1].at
    window = [s for s in samples if newest - s.at <= NO_SIGNAL_S + 0.5]
    if newest - window[0].at < NO_SIGNAL_S:
        return False
    levels = [s.mic_level_db for s in window]
    return all(level is not None and level <= NO_SIGNAL_DBFS for level in levels)
