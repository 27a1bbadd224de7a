"""Each site's link quality per 20 s window, pure: from the live session's once-a-second
quality entries (``bridge.live.quality``) to ``QualityWindow`` values, and from windows to
what a report says of them (the worst windows, a summary per site, the halls with
repeated problems across sessions).

The rules:

- **Samples.** At most one reading per site per second (the live session publishes once a
  second, and again when a site's "no media" changes: the latest reading of a second
  counts). A window's ``seconds`` is how many seconds of it had a reading.
- **Windows.** 20 s long (``WINDOW_S``), on a grid aligned to an origin: the session's
  start when known, else the UTC 20 s grid (multiples of 20 s since the epoch).
- **Figures.** Each is the mean over the window's seconds that had it (a figure never
  read in the window is None); ``no_media_s`` counts the seconds the site sent nothing.
- **Grade.** ``LinkQuality.grade`` of the means, the thresholds the consoles use; poor
  when the site sent nothing for more than half the window.
- **MOS.** The E-model (``bridge.readiness.emodel``) of the mean round trip, a jitter
  buffer twice the worse mean jitter (the depth an adaptive buffer settles at for that
  jitter — an assumption, stated), and the worse mean loss of the two directions standing
  for the loss after FEC (Opus FEC recovers some of it: the MOS errs low). None when the
  round trip or both losses are unknown; 1 (unusable) when no media for over half the
  window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any, Protocol

from bridge.conference.quality import Grade, LinkQuality
from bridge.readiness import emodel
from bridge.reports.windows import WINDOW_S, QualityWindow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIGURES = ("loss_in_pct", "loss_out_pct", "rtt_ms", "jitter_in_ms", "jitter_out_ms")
POOR_MOS = 3.6  # below this a session's mean MOS counts as a problem
# A session is trouble for a site with at least 3 poor windows (a minute) making up 5 % of
# its windows (3 of a 1-hour briefing's 180 would not be; 9 would), or a low mean MOS;
# repeated, when that is so in a quarter of the sessions it joined (and at least 2).
TROUBLE_MIN_POOR = 3
TROUBLE_POOR_SHARE = 0.05
REPEATED_SESSION_SHARE = 0.25
WORST = 10
_ORDER = {Grade.POOR: 0, Grade.FAIR: 1, Grade.UNKNOWN: 2, Grade.GOOD: 3}


@dataclass(frozen=True)
class Sample:
    """One second of one site's reading."""

    second: int  # whole seconds since the epoch (UTC)
    loss_in_pct: float | None = None
    loss_out_pct: float | None = None
    rtt_ms: float | None = None
    jitter_in_ms: float | None = None
    jitter_out_ms: float | None = None
    no_media: bool = False


def sample_of(at: datetime, entry: Mapping[str, Any]) -> Sample:
    """A ``quality`` entry (``bridge.live.quality._entry``) read at ``at``."""

    def number(name: str) -> float | None:
        value = entry.get(name)
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None

    return Sample(
        second=math.floor((at - EPOCH).total_seconds()),
        loss_in_pct=number("loss_in_pct"),
        loss_out_pct=number("loss_out_pct"),
        rtt_ms=number("rtt_ms"),
        jitter_in_ms=number("jitter_in_ms"),
        jitter_out_ms=number("jitter_out_ms"),
        no_media=entry.get("no_media") is True,
    )


def window_start(second: int, origin: datetime | None = None) -> datetime:
    """The start of the window holding ``second`` on the grid of ``origin`` (UTC grid
    when None)."""
    base = math.floor(((origin or EPOCH) - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=base + (second - base) // WINDOW_S * WINDOW_S)


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None


def _worse(a: float | None, b: float | None) -> float | None:
    known = [v for v in (a, b) if v is not None]
    return max(known) if known else None


def window(
    session_id: int, site_id: int, start: datetime, samples: Sequence[Sample]
) -> QualityWindow:
    """One window's figures from its seconds' samples (one per second)."""
    means = {name: _mean(getattr(s, name) for s in samples) for name in FIGURES}
    no_media_s = float(sum(1 for s in samples if s.no_media))
    silent = no_media_s > WINDOW_S / 2
    quality = LinkQuality(**means)  # type: ignore[arg-type]
    grade = Grade.POOR if silent else quality.grade()
    mos: float | None = None
    loss = _worse(means["loss_in_pct"], means["loss_out_pct"])
    jitter = _worse(means["jitter_in_ms"], means["jitter_out_ms"]) or 0.0
    if silent:
        mos = emodel.MOS_MIN
    elif means["rtt_ms"] is not None and loss is not None:
        mos = round(emodel.estimate(means["rtt_ms"], 2 * jitter, loss).mos, 2)
    rounded = {k: None if v is None else round(v, 2) for k, v in means.items()}
    return QualityWindow(
        session_id=session_id,
        site_id=site_id,
        start=start,
        seconds=float(len(samples)),
        no_media_s=no_media_s,
        grade=str(grade),
        mos=mos,
        **rounded,
    )


class Windows:
    """A session's open windows, fed readings as they come (``add``); hands back each
    window once it is over. Pure: the caller says what time it is."""

    def __init__(self, session_id: int, origin: datetime | None = None) -> None:
        self.session_id = session_id
        self.origin = origin
        # site id -> (window start, {second: sample})
        self._open: dict[int, tuple[datetime, dict[int, Sample]]] = {}

    def add(self, at: datetime, entries: Iterable[Mapping[str, Any]]) -> list[QualityWindow]:
        """Take the entries read at ``at``; the windows that ended by then."""
        closed = self.due(at)
        for entry in entries:
            site_id = entry.get("id")
            if not isinstance(site_id, int):
                continue
            sample = sample_of(at, entry)
            start = window_start(sample.second, self.origin)
            current = self._open.get(site_id)
            if current is not None and current[0] != start:
                closed.append(self._close(site_id))
                current = None
            if current is None:
                current = self._open[site_id] = (start, {})
            current[1][sample.second] = sample  # the latest reading of a second counts
        return closed

    def due(self, at: datetime) -> list[QualityWindow]:
        """The windows over by ``at`` (a site that stopped being read closes too)."""
        over = [s for s, (start, _) in self._open.items() if start + _LENGTH <= at]
        return [self._close(site_id) for site_id in sorted(over)]

    def peek(self) -> list[QualityWindow]:
        """Every open window as it stands, left open."""
        return [
            window(self.session_id, site_id, start, [seconds[k] for k in sorted(seconds)])
            for site_id, (start, seconds) in sorted(self._open.items())
        ]

    def close_all(self) -> list[QualityWindow]:
        """Every open window, as it is (the session closed)."""
        return [self._close(site_id) for site_id in sorted(self._open)]

    def _close(self, site_id: int) -> QualityWindow:
        start, seconds = self._open.pop(site_id)
        samples = [seconds[k] for k in sorted(seconds)]
        return window(self.session_id, site_id, start, samples)


_LENGTH = timedelta(seconds=WINDOW_S)


def worst(windows: Iterable[QualityWindow], n: int = WORST) -> list[QualityWindow]:
    """The ``n`` worst windows: poor before fair before the rest, lowest MOS first."""

    def key(w: QualityWindow) -> tuple[int, float, datetime, int]:
        return (
            _ORDER.get(Grade(w.grade), 2),
            w.mos if w.mos is not None else 9.0,
            w.start,
            w.site_id,
        )

    return sorted(windows, key=key)[:n]


@dataclass(frozen=True)
class SiteQuality:
    """One site's windows in one session, summed up."""

    session_id: int
    site_id: int
    windows: int = 0
    good: int = 0
    fair: int = 0
    poor: int = 0
    mean_mos: float | None = None


def summarize(windows: Iterable[QualityWindow]) -> dict[int, SiteQuality]:
    """Per site (of one session): its windows, how many good, fair and poor, mean MOS."""
    by_site: dict[int, list[QualityWindow]] = {}
    for w in windows:
        by_site.setdefault(w.site_id, []).append(w)
    out = {}
    for site_id, ws in sorted(by_site.items()):
        mos = _mean(w.mos for w in ws)
        out[site_id] = SiteQuality(
            session_id=ws[0].session_id,
            site_id=site_id,
            windows=len(ws),
            good=sum(1 for w in ws if w.grade == Grade.GOOD),
            fair=sum(1 for w in ws if w.grade == Grade.FAIR),
            poor=sum(1 for w in ws if w.grade == Grade.POOR),
            mean_mos=None if mos is None else round(mos, 2),
        )
    return out


class QualityRow(Protocol):
    """What ``repeated_problems`` reads of a (session, site) row: a ``SiteQuality``, or a
    report's stored summary with the same fields."""

    @property
    def session_id(self) -> int: ...
    @property
    def site_id(self) -> int: ...
    @property
    def windows(self) -> int: ...
    @property
    def poor(self) -> int: ...
    @property
    def mean_mos(self) -> float | None: ...


@dataclass(frozen=True)
class RepeatedProblem:
    """A hall that had trouble in several sessions of a set."""

    site_id: int
    sessions: tuple[int, ...]  # the sessions it had trouble in, in id order
    attended: int  # the sessions of the set it has windows in
    poor_windows: int  # over the troubled sessions
    mean_mos: float | None  # over those sessions' means


def in_trouble(
    row: QualityRow,
    mos_below: float = POOR_MOS,
    min_poor: int = TROUBLE_MIN_POOR,
    poor_share: float = TROUBLE_POOR_SHARE,
) -> bool:
    """Whether a site had trouble in one session: a mean MOS below ``mos_below``, or poor
    windows that are at least ``min_poor`` *and* ``poor_share`` of its windows. A single
    poor window — a 20 s blip any hall has now and then — is not trouble."""
    if row.mean_mos is not None and row.mean_mos < mos_below:
        return True
    return row.poor >= min_poor and row.poor >= poor_share * row.windows


def repeated_problems(
    rows: Iterable[QualityRow],
    min_sessions: int = 2,
    session_share: float = REPEATED_SESSION_SHARE,
    mos_below: float = POOR_MOS,
    min_poor: int = TROUBLE_MIN_POOR,
    poor_share: float = TROUBLE_POOR_SHARE,
) -> list[RepeatedProblem]:
    """The sites in trouble (``in_trouble``) in at least ``min_sessions`` sessions of
    ``rows`` *and* in at least ``session_share`` of the sessions they have windows in — so
    that over a quarter of 40 briefings a hall with two bad days of 40 is not flagged beside
    one that has trouble every week; most troubled sessions first."""
    attended: dict[int, set[int]] = {}
    troubled: dict[int, dict[int, QualityRow]] = {}
    for row in rows:
        if row.windows > 0:
            attended.setdefault(row.site_id, set()).add(row.session_id)
        if in_trouble(row, mos_below, min_poor, poor_share):
            troubled.setdefault(row.site_id, {})[row.session_id] = row
    flagged = []
    for site_id, sessions in troubled.items():
        seen = len(attended.get(site_id, ()) | sessions.keys())
        if len(sessions) < min_sessions or len(sessions) < session_share * seen:
            continue
        mos = _mean(r.mean_mos for r in sessions.values())
        flagged.append(
            RepeatedProblem(
                site_id=site_id,
                sessions=tuple(sorted(sessions)),
                attended=seen,
                poor_windows=sum(r.poor for r in sessions.values()),
                mean_mos=None if mos is None else round(mos, 2),
            )
        )
    return sorted(flagged, key=lambda p: (-len(p.sessions), p.site_id))


def window_json(w: QualityWindow) -> dict[str, Any]:
    return {
        "site_id": w.site_id,
        "start": w.start.isoformat(),
        "seconds": w.seconds,
        "loss_in_pct": w.loss_in_pct,
        "loss_out_pct": w.loss_out_pct,
        "rtt_ms": w.rtt_ms,
        "jitter_in_ms": w.jitter_in_ms,
        "jitter_out_ms": w.jitter_out_ms,
        "no_media_s": w.no_media_s,
        "grade": w.grade,
        "mos": w.mos,
    }
