"""One site's audio jitter buffer, keyed by RTP timestamp: packets in, one playout per tick.

Pure: no asyncio, no aiortc; the caller passes arrival times and the tick's time. The network
side calls ``push`` for every RTP packet of the site; the mixer's 20 ms clock calls ``pop``
once per tick and acts on the returned ``Playout`` (decode, conceal or play silence). It
replaces aiortc's audio jitter buffer, which adds ~80 ms and can settle near ~280 ms after a
single loss (shared/docs/AIORTC-NOTES.md, "Receiving").

Invariants:

- At most ``capacity`` packets are held; on overflow the oldest is dropped (``overflow_drops``).
- Every held packet's timestamp is at or after the playout position; a packet that arrives for
  a position already passed is dropped as ``late`` (or counted as a ``duplicate`` if that
  position was played from an earlier copy).
- Sequence numbers (16 bit) and timestamps (32 bit) are unwrapped against the highest value
  seen, so wrap-around is invisible; a jump of more than ``capacity`` frames restarts the
  timeline (``resyncs``: a new stream behind the same SSRC).

Playout and adaptation (docs/performance.md, "Opus and jitter buffer"):

- The playout position advances one frame per ``pop`` while packets keep coming. If the frame
  there is missing, the tick waits for it — it plays a concealed frame *without* advancing (a
  "hold") — until a packet ``allowance`` frames further on has arrived; then the frame is
  ``lost`` and the tick plays ``lost`` with the next packet as ``fec``. So a packet that is
  only late still plays, and every hold adds one frame of delay: that is how the buffer
  deepens under jitter, and how one loss at depth 1 (where the next packet is not there yet,
  so FEC cannot help) leaves the buffer one frame deeper, where FEC can help the next time.
- After ``max_conceal`` holds with nothing buffered the stream is taken as stopped: ``silent``
  until packets come back and ``target`` frames are buffered again.
- RFC 3550 interarrival jitter J (§6.4.1, A.8) sets ``allowance = ceil(3 J / frame)`` (at
  least 1) and ``target``, the same clamped to [min_target, max_target]: 3 J covers the spread
  of a uniform delay, whose mean absolute difference is a third of its range. ``target`` is
  the prebuffer depth on (re)start; it rises at once and falls by one frame per
  ``TARGET_SHRINK_POPS`` pops (2 s) of lower need, so one calm second does not undo it.
- Catching up: over each window of ``SKIP_WINDOW_POPS`` pops (1 s) the buffer keeps the
  smallest depth seen at the start of a tick (it includes the frame about to play, so that
  minimum less one is delay no tick used). When the minimum is ``min_target + 2`` or more
  (the sender's clock runs fast, the jitter went away, a burst came in after a stall), one
  frame is dropped (``skipped``): the first quiet one (ssrc-audio-level ≥ ``QUIET_LEVEL``)
  within the next window, else the next one. Time-stretching is out of scope.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from typing import Final, Literal

#: Waits are checked over windows of this many pops (0.5 s) before a frame is skipped: a
#: hold under a CPU hiccup costs 20 ms of latency, and half a second is how long it lasts.
SKIP_WINDOW_POPS: Final = 25
#: The target falls by one frame after this many pops (2 s) in a row of lower need.
TARGET_SHRINK_POPS: Final = 100
#: ssrc-audio-level (RFC 6464, -dBov) at or above which a frame counts as quiet enough to skip.
QUIET_LEVEL: Final = 60
#: RFC 3550 A.8: the jitter estimate moves 1/16 of the way toward each new difference.
JITTER_GAIN: Final = 1 / 16
#: Played timestamps remembered to tell a duplicate from a late packet.
PLAYED_MEMORY: Final = 64

_SEQ_BITS: Final = 16
_TS_BITS: Final = 32


@dataclass(frozen=True, slots=True)
class Playout:
    """What one tick does for this site.

    ``frame``: decode ``payload``. ``lost``: conceal — ``decode_fec(fec)`` if ``fec`` is not
    None (the next packet's in-band FEC may rebuild this frame), else ``conceal()``.
    ``silent``: nothing to play (not started, or the stream stopped): zeros, no decode.
    """

    kind: Literal["frame", "lost", "silent"]
    payload: bytes | None = None
    fec: bytes | None = None
    arrival: float | None = None  # arrival time of the played packet (latency metrics)
    audio_level: int | None = None  # the packet's ssrc-audio-level (0..127 -dBov), if any
    timestamp: int | None = None  # the played packet's RTP timestamp, extended (a frame's)


_SILENT: Final = Playout("silent")
_CONCEAL: Final = Playout("lost")


@dataclass(slots=True)
class JitterStats:
    """Counters since creation (packets unless noted). A snapshot: ``JitterBuffer.stats``."""

    received: int = 0  # packets pushed
    played: int = 0  # "frame" playouts
    duplicates: int = 0  # copies of a buffered or already played packet, ignored
    late: int = 0  # arrived after their playout point, dropped
    reordered: int = 0  # arrived with a lower sequence number than one already seen
    lost: int = 0  # positions given up because no packet came in time
    fec_candidates: int = 0  # "lost" playouts that carried the next payload as fec
    concealed: int = 0  # "lost" playouts (PLC or FEC)
    underruns: int = 0  # times the buffer ran empty while playing
    overflow_drops: int = 0  # packets dropped because the buffer was full
    skipped: int = 0  # frames dropped to bring the depth back toward the target
    resyncs: int = 0  # timeline restarts on a timestamp jump of more than capacity frames
    jitter_ms: float = 0.0  # RFC 3550 interarrival jitter estimate
    target: int = 0  # target depth in frames
    delay_ms: float = 0.0  # arrival → playout time of played packets, smoothed (gain 1/16)


def _unwrap(value: int, reference: int, bits: int) -> int:
    """``value`` (``bits`` wide) as the extended number nearest to ``reference``."""
    half = 1 << (bits - 1)
    return reference + ((value - reference + half) & ((1 << bits) - 1)) - half


class JitterBuffer:
    """Per-site playout buffer: ``push`` each RTP packet, ``pop`` once per frame tick."""

    def __init__(
        self,
        *,
        samples_per_frame: int = 960,
        min_target: int = 1,
        max_target: int = 8,
        capacity: int = 50,
        max_conceal: int = 5,
        clock_rate: int = 48_000,
    ) -> None:
        if not 1 <= min_target <= max_target < capacity:
            raise ValueError("need 1 <= min_target <= max_target < capacity")
        if samples_per_frame < 1 or max_conceal < 0 or clock_rate < 1:
            raise ValueError("need samples_per_frame, clock_rate >= 1 and max_conceal >= 0")
        self._spf = samples_per_frame
        self._min_target = min_target
        self._max_target = max_target
        self._capacity = capacity
        self._max_conceal = max_conceal
        self._clock_rate = clock_rate
        self._frame_s = samples_per_frame / clock_rate
        self._stats = JitterStats(target=min_target)
        # Held packets: extended timestamp -> (payload, arrival, audio_level); _order is the
        # sorted list of their timestamps (at most `capacity`, so list inserts are cheap).
        self._packets: dict[int, tuple[bytes, float, int | None]] = {}
        self._order: list[int] = []
        self._target = min_target
        self._shrink_count = 0
        self._jitter = 0.0  # RFC 3550 J, timestamp units
        self._allowance = 1  # frames after a missing one that must arrive before giving it up
        self._reset_timeline()

    def _reset_timeline(self) -> None:
        self._packets.clear()
        self._order.clear()
        self._max_seq: int | None = None
        self._max_ts: int | None = None
        self._transit: float | None = None
        self._pos: int | None = None  # next timestamp to play; None: buffering
        self._floor: int | None = None  # everything before this was played or passed
        self._played: dict[int, None] = {}  # recent played timestamps (insertion-ordered)
        self._held = 0  # holds (concealed frames) at the current position
        self._window_slack = math.inf  # least arrival -> playout time this window, seconds
        self._window_pops = 0
        self._skip_wait = -1  # pops left to find a quiet frame to skip; -1: none due
        self._skips_due = 0  # frames of excess delay measured over the last window

    # -- network side ---------------------------------------------------------------------

    def push(
        self,
        seq: int,
        timestamp: int,
        payload: bytes,
        arrival: float,
        audio_level: int | None = None,
    ) -> None:
        """One received RTP packet of this site (``arrival`` in seconds, any monotonic clock
        shared with ``pop``'s ``now``)."""
        stats = self._stats
        stats.received += 1
        if self._max_ts is None or self._max_seq is None:
            ts, ext_seq = timestamp, seq
        else:
            ts = _unwrap(timestamp, self._max_ts, _TS_BITS)
            ext_seq = _unwrap(seq, self._max_seq, _SEQ_BITS)
            jump = self._capacity * self._spf
            behind = self._pos if self._pos is not None else self._floor
            if ts - self._max_ts > jump or (behind is not None and behind - ts > jump):
                stats.resyncs += 1
                self._reset_timeline()
                ts, ext_seq = timestamp, seq

        if ts in self._packets or ts in self._played:
            stats.duplicates += 1
            return
        if self._max_seq is not None and ext_seq < self._max_seq:
            stats.reordered += 1
        if self._max_seq is None or ext_seq > self._max_seq:
            self._max_seq = ext_seq
        if self._max_ts is None or ts > self._max_ts:
            self._max_ts = ts
        self._update_jitter(ts, arrival)

        floor = self._pos if self._pos is not None else self._floor
        if floor is not None and ts < floor:
            stats.late += 1
            return
        self._packets[ts] = (payload, arrival, audio_level)
        order = self._order
        if not order or ts > order[-1]:
            order.append(ts)
        else:
            bisect.insort(order, ts)
        while len(order) > self._capacity:
            dropped = order.pop(0)
            del self._packets[dropped]
            stats.overflow_drops += 1
            if self._pos is not None and self._pos <= dropped:
                self._pos = dropped + self._spf
                self._held = 0

    def _update_jitter(self, ts: int, arrival: float) -> None:
        # RFC 3550 A.8, in timestamp units; a late or reordered packet is evidence of jitter
        # too, so every non-duplicate packet counts.
        transit = arrival * self._clock_rate - ts
        if self._transit is not None:
            self._jitter += (abs(transit - self._transit) - self._jitter) * JITTER_GAIN
        self._transit = transit
        need = math.ceil(3 * self._jitter / self._spf)
        self._allowance = min(max(need, 1), self._max_target)
        need = min(max(need, self._min_target), self._max_target)
        if need >= self._target:
            self._target = need
            self._shrink_count = 0

    # -- mixer side -----------------------------------------------------------------------

    @property
    def target(self) -> int:
        """Current target depth in frames (adapts to the measured jitter)."""
        return self._target

    @property
    def depth(self) -> int:
        """Frames from the playout point to the newest buffered packet, inclusive (holes
        included); 0 when nothing is buffered."""
        if not self._order:
            return 0
        start = self._pos if self._pos is not None else self._order[0]
        return (self._order[-1] - start) // self._spf + 1

    @property
    def stats(self) -> JitterStats:
        """A snapshot of the counters."""
        return replace(
            self._stats,
            jitter_ms=1000 * self._jitter / self._clock_rate,
            target=self._target,
        )

    def pop(self, now: float) -> Playout:
        """What to play for this tick (``now``: the tick's time, same clock as arrivals)."""
        self._shrink_target()
        pos = self._pos
        if pos is None:
            if not self._order or self.depth < self._target:
                return _SILENT
            pos = self._pos = self._order[0]
            self._window_slack, self._window_pops = math.inf, 0
        self._end_window()

        spf = self._spf
        order, packets, stats = self._order, self._packets, self._stats
        while True:
            if order and order[0] < pos + spf:  # a packet for this slot
                ts = order.pop(0)
                payload, arrival, level = packets.pop(ts)
                self._remember(ts)
                if self._skip_wait >= 0 and self._may_skip(ts, level):
                    pos = self._pos = ts + spf
                    continue
                self._pos = ts + spf
                self._held = 0
                stats.played += 1
                slack = now - arrival
                self._window_slack = min(self._window_slack, slack)
                stats.delay_ms += (1000 * slack - stats.delay_ms) * (
                    1 if stats.played == 1 else JITTER_GAIN
                )
                return Playout("frame", payload, None, arrival, level, ts)
            if order and (
                (order[-1] - pos) // spf >= self._allowance or self._held >= self._max_conceal
            ):
                # Give the missing frame up: a packet `allowance` frames on has arrived.
                stats.lost += 1
                stats.concealed += 1
                pos = self._pos = pos + spf
                self._held = 0
                if order[0] >= pos + spf:
                    return _CONCEAL
                stats.fec_candidates += 1
                return Playout("lost", None, packets[order[0]][0])
            if self._held < self._max_conceal:  # wait for it: conceal, keep the position
                if not order and not self._held:
                    stats.underruns += 1
                self._held += 1
                stats.concealed += 1
                return _CONCEAL
            # Nothing came for max_conceal frames: the stream stopped. Rebuffer on resume.
            self._floor, self._pos, self._held = pos, None, 0
            return _SILENT

    def _remember(self, ts: int) -> None:
        played = self._played
        played[ts] = None
        if len(played) > PLAYED_MEMORY:
            del played[next(iter(played))]

    def _may_skip(self, ts: int, level: int | None) -> bool:
        """Whether to drop the frame ``ts`` now that a skip is due: only if the next frame is
        there to play instead. A backlog of several frames (a stall on the sender's path or
        ours) is drained one frame per tick at once: every tick of it is latency every
        listener hears. The last frame of excess waits for a quiet frame, up to the window."""
        order = self._order
        if (
            order
            and order[0] < ts + 2 * self._spf
            and (
                self._skips_due > 1 or level is None or level >= QUIET_LEVEL or self._skip_wait == 0
            )
        ):
            self._stats.skipped += 1
            self._skips_due -= 1
            self._skip_wait = SKIP_WINDOW_POPS if self._skips_due > 0 else -1
            return True
        wait = self._skip_wait - 1
        self._skip_wait = wait if wait >= 0 else -1
        if wait < 0:
            self._skips_due = 0
        return False

    def _end_window(self) -> None:
        # The least time a played packet waited in the buffer over a whole window is delay no
        # tick needed; min_target + 1 frames of it means two frames more than a link without
        # jitter or loss keeps (there a packet waits less than one frame at min_target 1).
        # Each whole frame of it beyond min_target is one frame to skip.
        self._window_pops += 1
        if self._window_pops < SKIP_WINDOW_POPS:
            return
        if self._window_slack >= (self._min_target + 1) * self._frame_s and self._skip_wait < 0:
            self._skips_due = int(self._window_slack / self._frame_s) - self._min_target
            self._skip_wait = SKIP_WINDOW_POPS
        self._window_slack, self._window_pops = math.inf, 0

    def _shrink_target(self) -> None:
        need = min(max(math.ceil(3 * self._jitter / self._spf), self._min_target), self._max_target)
        if need >= self._target:
            self._shrink_count = 0
            return
        self._shrink_count += 1
        if self._shrink_count >= TARGET_SHRINK_POPS:
            self._target -= 1
            self._shrink_count = 0
