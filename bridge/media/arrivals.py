"""When a site's datagrams reach the bridge, stamped where they arrive, not where the event
loop gets round to them.

Two things the consoles need depend on it:

- **liveness**: the monotonic time of the last RTP or RTCP datagram from the site. A frozen
  endpoint or a cut network stops it at once, while the ICE connection stays "connected"
  until consent fails (30 s) and the WebSocket until its ping times out. A quiet hall still
  sends: browsers send Opus at 50 packets a second whatever the microphone picks up (the
  bridge does not negotiate DTX), a hall muted in its page sends silence frames, and with
  DTX a browser would still send a frame every 400 ms, plus RTCP every few seconds.
- **round-trip time**: aiortc computes it from each receiver report (LSR/DLSR, RFC 3550
  section 6.4.1) with the wall-clock time at which its receive task *handled* the report.
  On a busy bridge a datagram waits in the socket buffer while the loop runs something
  else, and that wait was counted as network delay: healthy halls graded fair or poor.
  Here the report's arrival is the kernel's own receive timestamp of the datagram
  (SIOCGSTAMP, read right after the socket read; the clock is the same wall clock as
  aiortc's), falling back to the time the datagram was read when the kernel has none (a
  TURN-relayed pair). ``naive_rtt_s`` keeps the figure computed aiortc's way, for
  comparison in tests and benchmarks.

``bridge.media.aiortc_private.stamp_arrivals`` feeds a ``LinkArrivals``; this module only
keeps and computes.
"""

from __future__ import annotations

import time

RTT_ALPHA = 0.85  # aiortc's own smoothing of successive round trips: the figures compare
_PENDING_MAX = 64  # RTCP datagrams stamped and not yet handled (aiortc drops some unread)


class LinkArrivals:
    """One site connection's arrival stamps and the round trip computed from them."""

    def __init__(self) -> None:
        self.last_media: float | None = None  # time.monotonic() of the last RTP/RTCP datagram
        self.rtt_s: float | None = None  # smoothed, from the reports' arrival stamps
        self.naive_rtt_s: float | None = None  # smoothed, as aiortc computes it
        self.reports = 0  # receiver reports for the bridge's audio that gave a round trip
        self.last_rtt_s: float | None = None  # the latest report's own, unsmoothed
        self.bytes_in = 0  # every datagram's bytes (a connection test's uplink rate)
        self._pending: dict[bytes, float] = {}
        self._handling: float | None = None

    def media_arrived(self, now: float) -> None:
        """An RTP or RTCP datagram arrived at ``now`` (monotonic). The socket wrap in
        ``aiortc_private`` sets ``last_media`` itself, one call fewer per packet; other
        transports and tests say it through here."""
        self.last_media = now

    def rtcp_arrived(self, datagram: bytes, wall_time: float) -> None:
        """An RTCP datagram (still SRTCP-protected) reached the socket at ``wall_time``."""
        if len(self._pending) >= _PENDING_MAX:
            self._pending.clear()
        self._pending[datagram] = wall_time

    def dequeued(self, datagram: bytes) -> None:
        """aiortc's receive task takes ``datagram`` next; what it handles until the next
        one comes from this datagram (it handles one datagram at a time, in order)."""
        self._handling = self._pending.pop(datagram, None) if self._pending else None

    def report_received(self, sent_at: float, dlsr_s: float) -> None:
        """A receiver report for the sender report sent at ``sent_at`` (wall clock), which
        the site held for ``dlsr_s`` before answering, is being handled now."""
        self.naive_rtt_s = _smoothed(self.naive_rtt_s, time.time() - sent_at - dlsr_s)
        if self._handling is not None:
            sample = self._handling - sent_at - dlsr_s
            self.last_rtt_s = max(0.0, sample)
            self.rtt_s = _smoothed(self.rtt_s, sample)
            self.reports += 1


def _smoothed(previous: float | None, sample: float) -> float:
    sample = max(0.0, sample)  # DLSR is in 1/65536 s: a loopback sample can round below 0
    return sample if previous is None else RTT_ALPHA * previous + (1 - RTT_ALPHA) * sample
