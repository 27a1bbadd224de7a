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

A connected site from which nothing has arrived for ``NO_MEDIA_AFTER_S`` has "no media"
(``media_stopped``): its endpoint froze or its network is cut, whatever the last
statistics said, and it grades ``poor`` while that holds. 2 s because a live hall is
never that quiet on the wire: a browser sends an Opus packet every 20 ms, silence and a
page-muted microphone included (the bridge negotiates no DTX; with DTX it would still be
one every 400 ms), and RTCP every few seconds on top. Checked every 100 ms and published
at once, the console shows it within about 2.1 s of the last packet, well inside the 3 s
an operator should wait to learn that a hall has gone.
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
NO_MEDIA_AFTER_S = 2.0  # seconds without any RTP/RTCP from a connected site: "no media"


def media_stopped(
    last_arrival: float | None,
    connected_since: float,
    now: float,
    after: float = NO_MEDIA_AFTER_S,
) -> bool:
    """Whether a site connected since ``connected_since`` whose last RTP/RTCP arrived at
    ``last_arrival`` (None: nothing yet) has sent nothing for longer than ``after`` at
    ``now`` (one monotonic clock). A site that has just connected gets ``after`` to start."""
    latest = connected_since if last_arrival is None else max(last_arrival, connected_since)
    return now - latest > after


@dataclass(frozen=True)
class LinkQuality:
    """One site's link, as the bridge measures it. ``None``: not known (yet)."""

    rtt_ms: float | None = None
    loss_in_pct: float | None = None  # site → bridge, since the previous reading
    loss_out_pct: float | None = None  # bridge → site, from the site's last receiver report
    jitter_in_ms: float | None = None
    jitter_out_ms: float | None = None
    no_media: bool = False  # nothing arrives from the site (``media_stopped``)

    def grade(self, thresholds: Thresholds = THRESHOLDS) -> Grade:
        if self.no_media:
            return Grade.POOR
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
