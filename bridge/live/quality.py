"""Each site's network quality for the consoles, from what its transport already knows
(``SiteTransport.audio_statistics``: for a WebRTC peer, aiortc's RTCP statistics).

For a site's audio (the stream that matters in a briefing) aiortc keeps:
- on the sender (the mix the bridge sends): the site's RTCP receiver reports, as
  ``remote-inbound-rtp`` — round-trip time, fraction lost and jitter of what the site
  receives;
- on the receiver (the site's microphone): ``inbound-rtp`` — packets received and lost,
  and the interarrival jitter. The RTP tap (bridge/media/rtp_tap.py) replaces only the
  receiver's jitter buffer, after these statistics are updated, so they still count.

The round trip is the transport's own when it has one (``SiteTransport.arrivals``: for a
peer, computed from the receiver reports' arrival stamps, so time a report waited for a
busy event loop is not counted as network delay), else aiortc's.

Reading them costs a few small objects per site, nothing per packet. ``QualityMonitor``
reads a share of the sites on each call (the live session calls it ten times a second),
so every site is read about once a second and no call touches more than a tenth of a
hundred-site roster. Liveness — when media last arrived — is checked for every site on
every call (a clock comparison each): ``read_some`` says when a site's "no media"
changed, so the session publishes then rather than at its next once-a-second round.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bridge.conference.quality import IntervalLoss, LinkQuality, media_stopped
from bridge.media.arrivals import LinkArrivals
from bridge.media.transport import SiteTransport

log = logging.getLogger(__name__)

OPUS_CLOCK_RATE = 48_000  # RTP timestamp units per second of Opus audio
STALE_AFTER = timedelta(seconds=5)  # a receiver report older than this says nothing now


class _SiteReading:
    def __init__(self) -> None:
        self.loss_in = IntervalLoss()
        self.quality = LinkQuality()
        self.connected_since: float | None = None  # monotonic, while "connected"
        self.link: LinkArrivals | None = None  # whose arrivals: a new connection starts anew


class QualityMonitor:
    def __init__(
        self, calls_per_round: int = 10, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.calls_per_round = calls_per_round
        self._clock = clock
        self._sites: dict[int, _SiteReading] = {}
        self._cursor = 0

    async def read_some(self, peers: Mapping[int, SiteTransport]) -> bool:
        """Read the next share of ``peers`` (site id → its peer), round robin, after
        checking every site's liveness; True when a site's "no media" changed."""
        for site_id in list(self._sites):
            if site_id not in peers:
                del self._sites[site_id]  # gone: its old figures mean nothing
        changed = self._check_liveness(peers)
        ids = sorted(peers)
        if not ids:
            return changed
        share = math.ceil(len(ids) / self.calls_per_round)
        for step in range(share):
            site_id = ids[(self._cursor + step) % len(ids)]
            await self._read(site_id, peers[site_id])
        self._cursor = (self._cursor + share) % len(ids)
        return changed

    def _check_liveness(self, peers: Mapping[int, SiteTransport]) -> bool:
        now, changed = self._clock(), False
        for site_id, transport in peers.items():
            arrivals = transport.arrivals()
            if arrivals is None:
                continue
            reading = self._sites.get(site_id)
            if reading is not None and reading.link is not arrivals:
                reading.link, reading.connected_since = arrivals, None  # the site reconnected
            if transport.connection_state != "connected":
                if reading is not None:
                    reading.connected_since = None
                stopped = False
            else:
                if reading is None:
                    reading = self._sites[site_id] = _SiteReading()
                    reading.link = arrivals
                if reading.connected_since is None:
                    reading.connected_since = now
                stopped = media_stopped(arrivals.last_media, reading.connected_since, now)
            if reading is not None and stopped != reading.quality.no_media:
                reading.quality = replace(reading.quality, no_media=stopped)
                changed = True
        return changed

    def entries(self) -> list[dict[str, Any]]:
        """The latest figures of every site read so far (the ``quality`` message)."""
        return [_entry(site_id, r.quality) for site_id, r in sorted(self._sites.items())]

    async def _read(self, site_id: int, transport: SiteTransport) -> None:
        try:
            statistics = await transport.audio_statistics()
        except Exception:  # a transport closing under us: skip it this round
            log.debug("no statistics for site %s", site_id, exc_info=True)
            return
        if statistics is None:
            return
        sent, received = statistics
        arrivals = transport.arrivals()
        reading = self._sites.setdefault(site_id, _SiteReading())
        rtt_ms = loss_out = jitter_out = jitter_in = None
        for stats in sent.values():
            if getattr(stats, "type", None) != "remote-inbound-rtp":
                continue
            if _age(stats) > STALE_AFTER:
                continue
            if arrivals is not None and arrivals.rtt_s is not None:
                rtt_ms = arrivals.rtt_s * 1000
            elif stats.roundTripTime is not None:
                rtt_ms = stats.roundTripTime * 1000
            # aiortc keeps the RTCP field as is: lost packets per 256.
            loss_out = 100.0 * stats.fractionLost / 256
            jitter_out = 1000.0 * stats.jitter / OPUS_CLOCK_RATE
        for stats in received.values():
            if getattr(stats, "type", None) != "inbound-rtp":
                continue
            reading.loss_in.update(stats.packetsReceived, stats.packetsLost)
            jitter_in = 1000.0 * stats.jitter / OPUS_CLOCK_RATE
        reading.quality = LinkQuality(
            rtt_ms=rtt_ms,
            loss_in_pct=reading.loss_in.percent,
            loss_out_pct=loss_out,
            jitter_in_ms=jitter_in,
            jitter_out_ms=jitter_out,
            no_media=reading.quality.no_media,
        )


def _age(stats: Any) -> timedelta:
    stamp = getattr(stats, "timestamp", None)
    if not isinstance(stamp, datetime):
        return timedelta(0)
    return datetime.now(stamp.tzinfo) - stamp


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _entry(site_id: int, quality: LinkQuality) -> dict[str, Any]:
    return {
        "id": site_id,
        "grade": str(quality.grade()),
        "rtt_ms": _round(quality.rtt_ms),
        "loss_in_pct": _round(quality.loss_in_pct),
        "loss_out_pct": _round(quality.loss_out_pct),
        "jitter_in_ms": _round(quality.jitter_in_ms),
        "jitter_out_ms": _round(quality.jitter_out_ms),
        "no_media": quality.no_media,
    }
