"""Each site's network quality for the consoles, from what its transport already knows
(``SiteTransport.audio_statistics``: for a WebRTC peer, aiortc's RTCP statistics).

For a site's audio (the stream that matters in a briefing) aiortc keeps:
- on the sender (the mix the bridge sends): the site's RTCP receiver reports, as
  ``remote-inbound-rtp`` — round-trip time, fraction lost and jitter of what the site
  receives;
- on the receiver (the site's microphone): ``inbound-rtp`` — packets received and lost,
  and the interarrival jitter. The RTP tap (bridge/media/rtp_tap.py) replaces only the
  receiver's jitter buffer, after these statistics are updated, so they still count.

Reading them costs a few small objects per site, nothing per packet. ``QualityMonitor``
reads a share of the sites on each call (the live session calls it ten times a second),
so every site is read about once a second and no call touches more than a tenth of a
hundred-site roster.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bridge.conference.quality import IntervalLoss, LinkQuality
from bridge.media.transport import SiteTransport

log = logging.getLogger(__name__)

OPUS_CLOCK_RATE = 48_000  # RTP timestamp units per second of Opus audio
STALE_AFTER = timedelta(seconds=5)  # a receiver report older than this says nothing now


class _SiteReading:
    def __init__(self) -> None:
        self.loss_in = IntervalLoss()
        self.quality = LinkQuality()


class QualityMonitor:
    def __init__(self, calls_per_round: int = 10) -> None:
        self.calls_per_round = calls_per_round
        self._sites: dict[int, _SiteReading] = {}
        self._cursor = 0

    async def read_some(self, peers: Mapping[int, SiteTransport]) -> None:
        """Read the next share of ``peers`` (site id → its peer), round robin."""
        for site_id in list(self._sites):
            if site_id not in peers:
                del self._sites[site_id]  # gone: its old figures mean nothing
        ids = sorted(peers)
        if not ids:
            return
        share = math.ceil(len(ids) / self.calls_per_round)
        for step in range(share):
            site_id = ids[(self._cursor + step) % len(ids)]
            await self._read(site_id, peers[site_id])
        self._cursor = (self._cursor + share) % len(ids)

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
        reading = self._sites.setdefault(site_id, _SiteReading())
        rtt_ms = loss_out = jitter_out = jitter_in = None
        for stats in sent.values():
            if getattr(stats, "type", None) != "remote-inbound-rtp":
                continue
            if _age(stats) > STALE_AFTER:
                continue
            if stats.roundTripTime is not None:
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
    }
