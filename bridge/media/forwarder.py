"""Forwarding encoded video: each viewer gets its source's frames, never decoded or encoded.

Every site is a viewer (it sees one picture) and may be a source (it sends its camera).
Which source a viewer sees is the domain's decision (bridge.conference.shown); this module
carries it out:

- A frame from a source goes to every viewer currently showing it: one ``put`` per viewer,
  the same bytes for all; aiortc's sender only packetises it (``ViewerTrack``).
- On a switch the viewer keeps the old source's picture until the new source's first
  keyframe arrives (a decoder cannot start from anything else), then switches on that
  keyframe. The new source is asked for a keyframe at once (PLI), and again on each of its
  non-key frames while a viewer waits, at most once per ``keyframe_interval`` per source.
- Each viewer has its own output timeline (``ViewerTrack``): timestamps follow the
  source's RTP clock within a source, and on a switch continue from the viewer's last
  frame by the wall-clock time elapsed, so the viewer's decoder and jitter buffer see
  one smooth stream.
- Sending is paced (bridge.media.pacer): the viewers' senders take their turn, about
  24 kB per event-loop iteration, so a keyframe fanned out to 50 viewers cannot hold the
  20 ms audio clock up.
- A viewer's own keyframe request (PLI/FIR after its loss) becomes a request to the source
  it is watching, rate-limited the same way: 50 viewers on a lossy day must not flood
  one hall's encoder.

Per frame the work is one dictionary look-up and O(viewers of that source) appends.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bridge.media.pacer import FanOutPacer
from bridge.media.video_tap import EncodedFrame
from bridge.mixer.clock import RecentValues

VIDEO_CLOCK = 90_000
TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
KEYFRAME_INTERVAL_S = 0.3
MAX_STEP = 5 * VIDEO_CLOCK  # a larger timestamp jump within a source is a restart


class ViewerTrack(MediaStreamTrack):
    """The encoded video one site sees: frames put by the forwarder, taken by aiortc.

    Bounded (``depth`` frames, about a second): a viewer whose sender falls behind loses
    the queue (``put`` returns False) and restarts from the next keyframe, rather than
    costing the bridge memory or showing a broken picture.
    """

    kind = "video"

    def __init__(self, depth: int = 30, pacer: FanOutPacer | None = None) -> None:
        super().__init__()
        self._pacer = pacer
        self._frames: collections.deque[tuple[bytes, int]] = collections.deque()
        self._depth = depth
        self._ready = asyncio.Event()
        self._pts = 0
        self._last_timestamp: int | None = None
        self._last_at: float | None = None
        self.sent = 0

    def put(self, frame: EncodedFrame, now: float, rebase: bool) -> bool:
        if len(self._frames) >= self._depth:
            self._frames.clear()
            self._last_timestamp = None
            return False
        last = self._last_timestamp
        step = (frame.timestamp - last) & 0xFFFFFFFF if last is not None else 0
        if last is None or rebase or step > MAX_STEP:
            at = self._last_at
            step = 0 if at is None else max(1, round((now - at) * VIDEO_CLOCK))
        self._pts += step
        self._last_timestamp, self._last_at = frame.timestamp, now
        self._frames.append((frame.data, self._pts))
        self._ready.set()
        return True

    async def recv(self) -> av.Packet:
        while not self._frames:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        data, pts = self._frames.popleft()
        if self._pacer is not None:
            await self._pacer.turn(len(data))
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = TIME_BASE
        self.sent += 1
        return packet

    def stop(self) -> None:
        super().stop()
        self._ready.set()


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
        track = ViewerTrack(pacer=self.pacer)
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
        viewers = self._routes.get(site_id)
        if not viewers:
            return
        source = self._sources.get(site_id)
        codec = source.codec if source is not None else None
        now = time.monotonic()
        wants_keyframe = switched = False
        for viewer in viewers:
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
            if viewer.track.put(frame, now, rebase):
                self.frames_forwarded += 1
            else:  # its sender fell behind: start again from a keyframe
                viewer.pending, viewer.asked_at = site_id, now
                wants_keyframe = switched = True
        if wants_keyframe:
            self._ask(site_id, now)
        if switched:
            self._rebuild()

    def viewer_lost_picture(self, viewer_id: Hashable) -> None:
        """``viewer_id`` asked for a keyframe (PLI/FIR): ask the source it watches."""
        viewer = self._viewers.get(viewer_id)
        if viewer is None:
            return
        source = viewer.current if viewer.current is not None else viewer.pending
        if source is not None:
            self._ask(source, time.monotonic())

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
        }

    def close(self) -> None:
        for viewer in self._viewers.values():
            viewer.track.stop()
        self._viewers.clear()
        self._sources.clear()
        self._routes = {}
