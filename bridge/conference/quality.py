"""A site's network quality, graded for an operator who is not a technician.

Pure: the numbers come in (from the RTCP statistics of the site's audio, read elsewhere),
a grade comes out. The thresholds follow what a spoken briefing tolerates:

- round-trip time: under 200 ms a conversation feels natural (ITU-T G.114 puts the
  one-way comfort limit at 150 ms); past 400 ms people talk over each other;
- packet loss: Opus with in-band FEC (the bridge asks for it) hides about 1 % without
  a trace and keeps speech intelligible up to about 5 %; beyond that words drop out;
- jitter: up to 30 ms the jitter buffers absorb it at no cost; up to 60 ms they grow and
  add delay; beyond that late packets are lost.

The grade is the worst of the three, each taken in its worse direction (site → bridge or
bridge → site). No number at all (a site that has just connected) grades ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Grade(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Thresholds:
    """Upper bounds of "good" and of "fair"; anything above the second is "poor"."""

    rtt_ms: tuple[float, float] = (200.0, 400.0)
    loss_pct: tuple[float, float] = (1.0, 5.0)
    jitter_ms: tuple[float, float] = (30.0, 60.0)


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class LinkQuality:
    """One site's link, as the bridge measures it. ``None``: not known (yet)."""

    rtt_ms: float | None = None
    loss_in_pct: float | None = None  # site → bridge, since the previous reading
    loss_out_pct: float | None = None  # bridge → site, from the site's last receiver report
    jitter_in_ms: float | None = None
    jitter_out_ms: float | None = None

    def grade(self, thresholds: Thresholds = THRESHOLDS) -> Grade:
        grades = [
            _grade(self.rtt_ms, thresholds.rtt_ms),
            _grade(_worst(self.loss_in_pct, self.loss_out_pct), thresholds.loss_pct),
            _grade(_worst(self.jitter_in_ms, self.jitter_out_ms), thresholds.jitter_ms),
        ]
        known = [g for g in grades if g is not Grade.UNKNOWN]
        if not known:
            return Grade.UNKNOWN
        order = [Grade.GOOD, Grade.FAIR, Grade.POOR]
        return max(known, key=order.index)


def _worst(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None


def _grade(value: float | None, bounds: tuple[float, float]) -> Grade:
    if value is None:
        return Grade.UNKNOWN
    if value <= bounds[0]:
        return Grade.GOOD
    if value <= bounds[1]:
        return Grade.FAIR
    return Grade.POOR


class IntervalLoss:
    """Loss over the last interval from cumulative counters (received, lost), as RTCP
    statistics give them: the total since the start would hide a link that just got bad."""

    def __init__(self) -> None:
        self._received: int | None = None
        self._lost = 0
        self.percent: float | None = None

    def update(self, received: int, lost: int) -> float | None:
        if self._received is not None:
            got = received - self._received
            missing = max(0, lost - self._lost)
            if got >= 0 and got + missing > 0:
                self.percent = 100.0 * missing / (got + missing)
            # No packet in the interval: keep the last figure (a silent sender is not loss).
        self._received, self._lost = received, lost
        return self.percent
