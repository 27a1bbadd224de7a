"""One site's link quality over one 20 s window of a session, as stored and reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WINDOW_S = 20


@dataclass(frozen=True)
class QualityWindow:
    session_id: int
    site_id: int
    start: datetime  # aligned to the session's 20 s grid (UTC)
    seconds: float  # how much of the window the site was read (<= 20)
    loss_in_pct: float | None  # site → bridge, mean over the window
    loss_out_pct: float | None  # bridge → site
    rtt_ms: float | None
    jitter_in_ms: float | None
    jitter_out_ms: float | None
    no_media_s: float  # seconds of "no media" in the window
    grade: str  # good / fair / poor / unknown (bridge.conference.quality.Grade)
    mos: float | None  # E-model (bridge.readiness.emodel) from the window's figures
