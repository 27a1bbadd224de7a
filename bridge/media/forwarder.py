"""Forwarding encoded video: each viewer gets its source's frames, never decoded or encoded.

Every site is a viewer (it sees one picture) and may be a source (it sends its camera).
Which source a viewer sees is the domain's decision (bridge.conference.shown); this module
carries it out:

- A frame from a source goes to every viewer currently showing it: it is cut into RTP
  payloads once (per codec), and each viewer's ``ViewerTrack`` queues it on that viewer's
  timeline; the packets are written straight to the viewer's SRTP/UDP socket
  (``RtpWriter``), not through aiortc's per-viewer sender coroutine.
- On a switch the viewer keeps the old source's picture until the new source's first
  keyframe arrives (a decoder cannot start from anything else), then switches on that
  keyframe. The new source is asked for a keyframe at once (PLI), and again on each of its
  non-key frames while a viewer waits, at most once per ``keyframe_interval`` per source.
- Each viewer has its own output timeline (``ViewerTrack``): timestamps follow the
  source's RTP clock within a source, and on a switch continue from the viewer's last
  frame by the wall-clock time elapsed, so the viewer's decoder and jitter buffer see
  one smooth stream.
- Sending is paced (bridge.media.pacer): packets go out in slices of at most ~0.5 ms of
  loop time, a frame may be split between slices, so a keyframe fanned out to 50 viewers
  (~1 750 packets) cannot hold the 20 ms audio clock up.
- A viewer's own keyframe request (PLI/FIR after its loss) becomes a request to the source
  it is watching, rate-limited the same way: 50 viewers on a lossy day must not flood
  one hall's encoder.

Per frame the work is one dictionary look-up, one packetisation and O(viewers of that
source) appends; per packet per viewer, a header write, SRTP and ``sendto`` (~8 µs).
"""

from __future__ import annotations

import asyncio
import collections
import math
import random
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bridge.measurements import RecentValues
from bridge.media.aiortc_private import running_sender
from bridge.media.pacer import DONE, MORE, PAUSED, FanOutPacer
from bridge.media.video_tap import (
    EncodedFrame,
    Payloads,
    RtpWriter,
    packetize,
    vp8_descriptors,
)

VIDEO_CLOCK = 90_000
KEYFRAME_INTERVAL_S = 0.3
MAX_STEP = 5 * VIDEO_CLOCK  # a larger timestamp jump within a source is a restart


class ViewerTrack(MediaStreamTrack):
    """The encoded video one site sees: frames put by the forwarder, sent by the pacer.

    It is the track of the viewer's aiortc ``RTCRtpSender`` only so that the sender
    negotiates and runs RTCP: when aiortc first calls ``recv`` (its RTP task, started once
    DTLS is up) the track takes over the sender's RTP stream (``RtpWriter``) and never
    returns a packet; the forwarder's fan-out writes the packets directly, in paced slices
    (bridge.media.pacer). Until then frames are not kept: the forwarder asks for a
    keyframe when the viewer becomes ready (``on_ready``).

    Bounded (``depth`` frames, about a second): a viewer whose sending falls behind loses
    the queue (``put`` returns False) and restarts from the next keyframe, rather than
    costing the bridge memory or showing a broken picture.
    """

    kind = "video"

    def __init__(
        self,
        depth: int = 30,
        pacer: FanOutPacer | None = None,
        on_ready: Callable[[], None] | None = None,
        delays: RecentValues | None = None,
    ) -> None:
        super().__init__()
        self._pacer = pacer or FanOutPacer()
        self._on_ready = on_ready
        self._frames: collections.deque[tuple[Payloads, int, float]] = collections.deque()
        self._depth = depth
        self._index = 0  # the next packet of the head frame
        self._picture_id = random.getrandbits(15)
        self._stopped = asyncio.Event()
        self._pts = 0
        self._last_timestamp: int | None = None
        self._last_at: float | None = None
        self.writer: Writer | None = None
        self.sent = 0  # frames whose every packet went out
        self.delays = delays or RecentValues(1000)  # put → last packet sent, seconds

    @property
    def ready(self) -> bool:
        return self.writer is not None and self.readyState == "live"

    def attach(self, writer: Writer) -> None:
        """Send through ``writer`` from now on (the forwarder then wants a keyframe)."""
        self.writer = writer
        if self._on_ready is not None:
            self._on_ready()

    def put(self, frame: EncodedFrame, payloads: Payloads, now: float, rebase: bool) -> bool:
        if len(self._frames) >= self._depth:
            self._frames.clear()
            self._index = 0
            self._last_timestamp = None
            return False
        last = self._last_timestamp
        step = (frame.timestamp - last) & 0xFFFFFFFF if last is not None else 0
        if last is None or rebase or step > MAX_STEP:
            at = self._last_at
            step = 0 if at is None else max(1, round((now - at) * VIDEO_CLOCK))
        self._pts += step
        self._last_timestamp, self._last_at = frame.timestamp, now
        self._frames.append((payloads, self._pts & 0xFFFFFFFF, now))
        if self.writer is not None:
            self._pacer.submit(self)
        return True

    def send_some(self, deadline: float) -> int:
        """The pacer's turn: this viewer's head frame, packet by packet (pacer.Sendable)."""
        writer, frames = self.writer, self._frames
        if writer is None or not frames or self.readyState != "live":
            return DONE
        payloads, pts, queued_at = frames[0]
        chunks = payloads.chunks
        last = len(chunks) - 1
        first, rest = vp8_descriptors(self._picture_id) if payloads.vp8 else (b"", b"")
        perf = time.perf_counter
        i = self._index
        while True:
            writer.write(first if i == 0 else rest, chunks[i], pts, i == last)
            i += 1
            if i > last:
                break
            if perf() >= deadline:
                self._index = i
                return PAUSED
        frames.popleft()
        self._index = 0
        self._picture_id = (self._picture_id + 1) & 0x7FFF
        self.sent += 1
        now = time.monotonic()
        writer.frame_sent(pts, now)
        self.delays.record(now - queued_at)
        return MORE if frames else DONE

    async def recv(self) -> av.Packet:
        if self.writer is None:
            found = running_sender()
            if found is not None:
                self.attach(RtpWriter(*found))
        # aiortc's sender task waits here for good: its packets go out through the writer.
        await self._stopped.wait()
        raise MediaStreamError

    def stop(self) -> None:
        super().stop()
        self._frames.clear()
        self._stopped.set()


class Writer(Protocol):
    """Where a viewer's packets go (``RtpWriter``; a list in tests)."""

    def write(self, prefix: bytes, payload: bytes, timestamp: int, marker: bool) -> bool: ...

    def frame_sent(self, timestamp: int, now: float) -> None: ...


@dataclass
class _Source:
    codec: str
    request_keyframe: Callable[[], None]
    stats: Callable[[], tuple[int, int]]
    last_request: float = -math.inf


@dataclass(eq=False)
class _Viewer:
    key: Hashable  # a site's id, or (console, site) for an operator console's preview
    own: int | None  # the site whose frames it never gets (its own), None for a console
    codec: str
    track: ViewerTrack
    current: int | None = None  # the source whose frames it gets now
    pending: int | None = None  # the source it waits to switch to (on its keyframe)
    asked_at: float = 0.0


#: What is handed every frame received from every source, before routing (a recorder
#: keeps the shown site's): the site, the frame. Called on the event loop: it must be cheap.
FrameTap = Callable[[int, EncodedFrame], None]


class VideoForwarder:
    def __init__(
        self, keyframe_interval: float = KEYFRAME_INTERVAL_S, pacer: FanOutPacer | None = None
    ) -> None:
        self.keyframe_interval = keyframe_interval
        self.pacer = pacer or FanOutPacer()
        self._sources: dict[int, _Source] = {}
        self._viewers: dict[Hashable, _Viewer] = {}
        self._routes: dict[int, list[_Viewer]] = {}  # source → viewers on it or waiting for it
        self.frames_received = 0
        self.frames_forwarded = 0
        self.keyframe_requests = 0
        self.switches = 0
        self.switch_wait = RecentValues(1000)  # route change → new source's keyframe out
        # frame put → its last packet sent, per viewer: what pacing costs in latency (the
        # last 20 000 frame sends, ~13 s at 50 viewers of one 30 fps camera)
        self.fanout_delay = RecentValues(20_000)
        self.frame_taps: list[FrameTap] = []

    # ---- who sends, who sees ---------------------------------------------------------

    def add_source(
        self,
        site_id: int,
        codec: str,
        request_keyframe: Callable[[], None],
        stats: Callable[[], tuple[int, int]] = lambda: (0, 0),
    ) -> None:
        """``stats`` gives the source's (packets received, packets missing) so far."""
        self._sources[site_id] = _Source(codec, request_keyframe, stats)
        for viewer in self._viewers.values():
            if viewer.pending == site_id:
                self._ask(site_id, time.monotonic())

    def remove_source(
        self, site_id: int, request_keyframe: Callable[[], None] | None = None
    ) -> None:
        """The site stopped sending (left, or renegotiates): its viewers keep the last
        picture and take it back only from a keyframe of its next stream. With
        ``request_keyframe``, only if that source is still the registered one (a replaced
        peer closing late must not remove its successor)."""
        source = self._sources.get(site_id)
        if source is None or (
            request_keyframe is not None and source.request_keyframe is not request_keyframe
        ):
            return
        del self._sources[site_id]
        now = time.monotonic()
        for viewer in self._viewers.values():
            if viewer.current == site_id and viewer.pending is None:
                viewer.pending, viewer.asked_at = site_id, now
        self._rebuild()

    def add_viewer(self, key: Hashable, codec: str, *, own: int | None = None) -> ViewerTrack:
        """A viewer (a site: ``key`` = ``own`` = its id; a console's preview of a site: any
        other key) that gets frames in ``codec``, on its own bounded track."""
        old = self._viewers.pop(key, None)
        if old is not None:
            old.track.stop()
        track = ViewerTrack(
            pacer=self.pacer,
            on_ready=lambda: self._viewer_ready(key, track),
            delays=self.fanout_delay,
        )
        self._viewers[key] = _Viewer(key, own, codec, track)
        self._rebuild()
        return track

    def remove_viewer(self, key: Hashable, track: ViewerTrack | None = None) -> None:
        """Forget a viewer (with ``track``: only if that is still its track)."""
        viewer = self._viewers.get(key)
        if viewer is None or (track is not None and viewer.track is not track):
            return
        del self._viewers[key]
        viewer.track.stop()
        self._rebuild()

    def viewers(self) -> list[Hashable]:
        return list(self._viewers)

    def route(self, viewer_id: Hashable, source_id: int | None) -> None:
        """Make ``viewer_id`` see ``source_id`` (None: nothing) from that source's next keyframe."""
        viewer = self._viewers.get(viewer_id)
        if viewer is None:
            return
        if source_id is None:
            viewer.current = viewer.pending = None
        elif source_id == viewer.current:
            viewer.pending = None
        elif source_id != viewer.pending:
            viewer.pending = source_id
            viewer.asked_at = time.monotonic()
            self._ask(source_id, viewer.asked_at)
        self._rebuild()

    def watching(self, viewer_id: Hashable) -> int | None:
        viewer = self._viewers.get(viewer_id)
        return None if viewer is None else viewer.current

    # ---- frames and keyframe requests ------------------------------------------------

    def receive(self, site_id: int, frame: EncodedFrame) -> None:
        """A whole frame from ``site_id`` (called on the event loop, per frame)."""
        self.frames_received += 1
        for tap in self.frame_taps:
            tap(site_id, frame)
        viewers = self._routes.get(site_id)
        if not viewers:
            return
        source = self._sources.get(site_id)
        codec = source.codec if source is not None else None
        now = time.monotonic()
        wants_keyframe = switched = False
        payloads: dict[str, Payloads] = {}  # cut into packets once per codec, not per viewer
        for viewer in viewers:
            if not viewer.track.ready:
                continue  # not connected yet: it asks for a keyframe once it is
            rebase = False
            if viewer.pending == site_id:
                if not frame.keyframe or viewer.codec != codec:
                    wants_keyframe = True
                    continue
                if viewer.current != site_id:
                    self.switches += 1
                    self.switch_wait.record(now - viewer.asked_at)
                viewer.current, viewer.pending, rebase, switched = site_id, None, True, True
            elif viewer.current != site_id:
                continue
            packets = payloads.get(viewer.codec)
            if packets is None:
                packets = payloads[viewer.codec] = packetize(viewer.codec, frame.data)
            if viewer.track.put(frame, packets, now, rebase):
                self.frames_forwarded += 1
            else:  # its sending fell behind: start again from a keyframe
                viewer.pending, viewer.asked_at = site_id, now
                wants_keyframe = switched = True
        if wants_keyframe:
            self._ask(site_id, now)
        if switched:
            self._rebuild()

    def _viewer_ready(self, key: Hashable, track: ViewerTrack) -> None:
        """``key``'s track can send now: it starts from a keyframe of what it watches."""
        viewer = self._viewers.get(key)
        if viewer is None or viewer.track is not track:
            return
        now = time.monotonic()
        if viewer.current is not None and viewer.pending is None:
            viewer.pending, viewer.current = viewer.current, None
        if viewer.pending is not None:
            viewer.asked_at = now
            self._ask(viewer.pending, now)
        self._rebuild()

    def viewer_lost_picture(self, viewer_id: Hashable) -> None:
        """``viewer_id`` asked for a keyframe (PLI/FIR): ask the source it watches."""
        viewer = self._viewers.get(viewer_id)
        if viewer is None:
            return
        source = viewer.current if viewer.current is not None else viewer.pending
        if source is not None:
            self._ask(source, time.monotonic())

    def request_keyframe(self, site_id: int) -> None:
        """Ask ``site_id`` for a keyframe (a recorder switching to it), rate-limited as a
        viewer's request is."""
        self._ask(site_id, time.monotonic())

    def _ask(self, source_id: int, now: float) -> None:
        source = self._sources.get(source_id)
        if source is None or now - source.last_request < self.keyframe_interval:
            return
        source.last_request = now
        self.keyframe_requests += 1
        source.request_keyframe()

    def _rebuild(self) -> None:
        routes: dict[int, list[_Viewer]] = {}
        for viewer in self._viewers.values():
            for source in {viewer.current, viewer.pending}:
                if source is not None and source != viewer.own:
                    routes.setdefault(source, []).append(viewer)
        self._routes = routes

    def metrics(self) -> dict[str, Any]:
        stats = [source.stats() for source in self._sources.values()]
        return {
            "sources": len(self._sources),
            "packets_received": sum(s[0] for s in stats),
            "packets_missing": sum(s[1] for s in stats),
            "viewers": len(self._viewers),
            "frames_received": self.frames_received,
            "frames_forwarded": self.frames_forwarded,
            "keyframe_requests": self.keyframe_requests,
            "switches": self.switches,
            "switch_wait_s": self.switch_wait,
            "fanout_delay_ms": {
                f"p{q}": round(self.fanout_delay.percentile(q) * 1000, 2) for q in (50, 99, 100)
            },
        }

    def close(self) -> None:
        for viewer in self._viewers.values():
            viewer.track.stop()
        self._viewers.clear()
        self._sources.clear()
        self._routes = {}
