"""What a hall's link must carry, and what a bitrate probe's steps say it can carry.

The profile fixes the picture a hall sends (its camera's width, height and frame rate);
what that costs in kb/s is a rule of thumb for VP8 in a briefing (a still room, one person
speaking): **0.05 bits per pixel per frame**, plus the audio (Opus at up to 64 kb/s with
its RTP and SRTP overhead, 80 kb/s). 1280×720 at 30 fps: 1382 + 80 ≈ 1460 kb/s; 640×360
at 30 fps: 346 + 80 ≈ 430 kb/s. The same figure is wanted each way: a hall receives the
shown site's picture at the size its own screen asks for, which is its profile's size.

The probe (docs/connection-tests.md, "Bitrate") sends paced packets in steps of rising rate,
up to 1.5 × what is needed, while the session's media keeps flowing; a step's *delivered*
rate is the probe's rate at the receiver plus the media that arrived in the same time. A
link that carries a step whole (little loss, delivered near what was sent) carries at least
that much; a link capped below a step delivers its cap. So the capacity is the largest
delivered rate over the steps, marked *at least* when even the top step went through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BITS_PER_PIXEL_FRAME = 0.05
AUDIO_KBPS = 80.0
#: The ramp's steps, as fractions of what the profile needs: the top one is the 1.5 × the
#: verdict wants room for (bridge/readiness/verdict.py, ``uplink_tight``).
STEP_FRACTIONS = (0.5, 1.0, 1.5)
#: A step went through whole when no more than this share of its packets was lost …
WHOLE_LOSS = 0.05
#: … and what arrived was at least this share of what was sent.
WHOLE_RATE = 0.9
#: The sizes the verdict can name a link fit for, largest first (16:9, as hall cameras send).
RESOLUTIONS = ((1920, 1080), (1280, 720), (960, 540), (640, 360), (480, 270), (320, 180))


def needed_kbps(width: int, height: int, fps: float) -> float:
    """The kb/s a hall sending (and receiving) this picture needs, audio included."""
    return width * height * fps * BITS_PER_PIXEL_FRAME / 1000.0 + AUDIO_KBPS


def probe_steps(needed: float, media_kbps: float = 0.0) -> list[float]:
    """The probe's own rate per step (kb/s): each step's fraction of ``needed`` less the
    media already flowing that way (never below a tenth of the step)."""
    steps = []
    for fraction in STEP_FRACTIONS:
        target = fraction * needed
        steps.append(round(max(target - media_kbps, target / 10.0), 1))
    return steps


@dataclass(frozen=True)
class Step:
    """One probe step as the receiver saw it."""

    sent_kbps: float  # the probe's rate at the sender
    received_kbps: float  # the probe's rate at the receiver
    sent: int  # packets the sender sent (highest sequence + 1 seen, at least)
    received: int  # packets that arrived
    media_kbps: float = 0.0  # the session's own media arriving meanwhile

    @property
    def loss(self) -> float:
        return 0.0 if self.sent <= 0 else max(0.0, 1.0 - self.received / self.sent)

    @property
    def delivered_kbps(self) -> float:
        return self.received_kbps + self.media_kbps

    @property
    def whole(self) -> bool:
        return self.loss <= WHOLE_LOSS and self.received_kbps >= WHOLE_RATE * self.sent_kbps


@dataclass(frozen=True)
class Capacity:
    kbps: float
    at_least: bool  # every step went through whole: the link may carry more


def capacity(steps: Sequence[Step]) -> Capacity | None:
    """What the link carried, from the steps (None: no step has figures)."""
    measured = [s for s in steps if s.received > 1]
    if not measured:
        return None
    best = max(s.delivered_kbps for s in measured)
    return Capacity(round(best, 1), at_least=all(s.whole for s in measured))


def resolution_for(kbps: float, fps: float = 30.0) -> tuple[int, int] | None:
    """The largest picture (at ``fps``) whose need fits in ``kbps``; None if none does."""
    for width, height in RESOLUTIONS:
        if needed_kbps(width, height, fps) <= kbps:
            return width, height
    return None
