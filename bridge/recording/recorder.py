"""One recording of a live session: the shared mix and the shown site's video, as sent.

``Recorder`` is a ``RecordingSink``: the media side (bridge.live.media, ``record``) hands
it the mixer's shared Opus payload every tick and every video frame the forwarder
receives. On the event loop it does almost nothing — it keeps the frames of the site it
records (one comparison for the other halls' frames), stamps what it keeps with the
monotonic clock and puts it on a bounded queue; a worker thread muxes it into the file
(bridge.recording.writer). A full queue drops, counts, and never blocks the loop; a
dropped video frame makes the recorder wait for the next keyframe (the frames after it
could not be decoded); so does a jump in the recorded hall's timestamps without a
keyframe (a new stream: the hall rejoined).

Which site's video is recorded follows ``show``: like a viewer, the recording keeps the
old site's picture until the new site's first keyframe arrives, and asks the new site
for one (``request_keyframe``, rate-limited by the forwarder). ``show`` and ``floor`` also
mark chapters (bridge.recording.chapters). ``stop`` closes the file, writes its chapters
and its SHA-256 manifest (bridge.recording.manifest) and returns a ``RecordingResult``.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bridge.media.video_tap import EncodedFrame
from bridge.recording import manifest
from bridge.recording.chapters import Chapter, Kind, Mark, chapters
from bridge.recording.writer import (
    AUDIO_ONLY_AFTER_S,
    MAX_STEP,
    VIDEO_WAIT_S,
    RecordingWriter,
    sniff_codec,
)

log = logging.getLogger(__name__)

#: Items (20 ms audio packets, video frames) waiting for the worker: ~15 s of one
#: session's streams (50 packets/s + 30 frames/s), a few MB at 1 Mb/s.
QUEUE_SIZE = 1200
_STOP = None


class RecordingSink(Protocol):
    """What the media side feeds while a session is recorded (on the event loop)."""

    def audio(self, payload: bytes, pts: int) -> None: ...
    def video(self, site_id: int, frame: EncodedFrame) -> None: ...


class RecordingFailed(Exception):
    """The file could not be written (disk, PyAV): the recording is not usable."""


@dataclass(frozen=True)
class RecordingResult:
    path: Path
    bytes: int
    sha256: str
    duration_s: float  # what the file holds (its last packet's end)
    chapters: tuple[Chapter, ...]
    started_at: datetime
    ended_at: datetime
    dropped: int  # items the full queue dropped
    codec: str | None = None  # the video track's, "VP8"/"H264"; None: audio only
    tracks: tuple[dict[str, Any], ...] = ()
    manifest_path: Path | None = None
    refused: int = 0  # frames of a shown site in a codec other than the file's
    finish_s: float = 0.0  # stop → file, chapters and manifest written

    def chapters_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.chapters]


@dataclass
class _Stats:
    dropped: int = 0
    keyframe_waits: int = 0


class Recorder:
    """A recording to ``path`` (its suffix is the recorder's: ``.webm`` for VP8 or audio
    only, ``.mkv`` for H.264), started at ``started_at`` (UTC, now); ``site_names`` name
    the halls in chapters; ``request_keyframe(site_id)`` asks a hall for a keyframe. The
    worker thread starts at once; nothing is written before the first packet."""

    def __init__(
        self,
        path: Path,
        started_at: datetime,
        site_names: Mapping[int, str],
        request_keyframe: Callable[[int], None],
        *,
        queue_size: int = QUEUE_SIZE,
        video_wait_s: float = VIDEO_WAIT_S,
        audio_only_after_s: float = AUDIO_ONLY_AFTER_S,
        metadata: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.started_at = started_at
        self.site_names = dict(site_names)
        self._request_keyframe = request_keyframe
        self._clock = clock  # monotonic seconds (a test's own, to run faster than real time)
        self._t0 = clock()
        self._queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(queue_size)
        self._shown: int | None = None  # the site to record
        self._current: int | None = None  # the site whose frames go in now
        self._last_ts = 0  # its last frame's RTP timestamp
        self._seen_video = False
        self._marks: list[Mark] = []
        self._stopped = False
        self.stats = _Stats()
        self._error: BaseException | None = None
        self._written: Any = None  # the worker's: what the writer closed
        self._chapters: list[Chapter] = []
        meta = {"creation_time": started_at.isoformat(), **(metadata or {})}
        self._writer = RecordingWriter(self.path, meta, video_wait_s, audio_only_after_s)
        self._thread = threading.Thread(target=self._work, name="recorder", daemon=True)
        self._thread.start()

    # ---- on the event loop -----------------------------------------------------------

    def audio(self, payload: bytes, pts: int) -> None:
        """The shared mix's payload of this tick (the mixer's ``recorders`` hook)."""
        if self._stopped:
            return
        self._put(("a", payload, pts, self._clock() - self._t0))

    def video(self, site_id: int, frame: EncodedFrame) -> None:
        """A frame any hall sent (the forwarder's ``frame_taps`` hook): runs for every
        frame of every hall, so the other halls' cost one comparison."""
        if site_id != self._shown and site_id != self._current:
            if not self._seen_video:
                self._first_video(frame)
            return
        if self._stopped:
            return
        if site_id != self._current:  # the shown site, waited for
            if not frame.keyframe:
                if not self._seen_video:
                    self._first_video(frame)
                self.stats.keyframe_waits += 1
                self._request_keyframe(site_id)
                return
            self._current = site_id
        elif not frame.keyframe and (frame.timestamp - self._last_ts) & 0xFFFFFFFF > MAX_STEP:
            # A new stream from the same hall (it rejoined, its peer was replaced): what
            # comes before its keyframe refers to pictures the file does not have.
            self._current = None
            self._request_keyframe(site_id)
            return
        self._last_ts = frame.timestamp
        at_s = self._clock() - self._t0
        if not self._put(("v", site_id, frame.data, frame.timestamp, frame.keyframe, at_s)):
            # The frames after a lost one cannot be decoded: start again from a keyframe.
            self._current = None
            if self._shown is not None:
                self._request_keyframe(self._shown)

    def show(self, site_id: int | None, at: datetime | None = None) -> None:
        """The shown site is now ``site_id`` (None: nobody): recorded from its next keyframe."""
        self._mark("shown", site_id, at)
        self._shown = site_id
        if site_id is None:
            self._current = None
        elif site_id != self._current:
            self._request_keyframe(site_id)

    def floor(self, site_id: int | None, at: datetime | None = None) -> None:
        """The floor is now ``site_id``'s (None: nobody in particular): a chapter."""
        self._mark("floor", site_id, at)

    @property
    def recording_site(self) -> int | None:
        """The site whose video goes into the file now."""
        return self._current

    @property
    def dropped(self) -> int:
        return self.stats.dropped

    async def stop(self) -> RecordingResult:
        """Stop, and finish the file: its chapters, then its manifest. Raises
        ``RecordingFailed`` when the file could not be written."""
        if self._stopped:
            raise RecordingFailed("the recording was already stopped")
        self._stopped = True
        finishing = time.monotonic()
        # On the recording's own clock, so the span and the file's timeline agree.
        ended_at = self.started_at + timedelta(seconds=self._clock() - self._t0)
        written = await asyncio.to_thread(self._finish)
        error = self._error
        if error is not None:
            raise RecordingFailed(str(error) or type(error).__name__) from error
        try:
            return await asyncio.to_thread(self._manifest, written, ended_at, finishing)
        except OSError as exc:
            raise RecordingFailed(str(exc)) from exc

    # ---- helpers ---------------------------------------------------------------------

    def _first_video(self, frame: EncodedFrame) -> None:
        # Not through the queue (a full one must not lose it): the writer reads it only
        # when it opens the file, and one attribute store is atomic.
        self._seen_video = True
        self._writer.video_seen(sniff_codec(frame.data))

    def _put(self, item: tuple[Any, ...]) -> bool:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.stats.dropped += 1
            return False
        return True

    def _mark(self, kind: Kind, site_id: int | None, at: datetime | None) -> None:
        at_s = self._clock() - self._t0 if at is None else (at - self.started_at).total_seconds()
        self._marks.append(Mark(at_s, kind, site_id))

    def _finish(self) -> Any:
        self._queue.put(_STOP)  # blocking: the worker is draining
        self._thread.join()
        return self._written

    # ---- the worker thread -----------------------------------------------------------

    def _work(self) -> None:
        writer, get = self._writer, self._queue.get
        while True:
            item = get()
            if item is None:
                break
            if self._error is not None:
                continue  # failed: drain until stopped
            try:
                kind = item[0]
                if kind == "a":
                    writer.audio(item[1], item[2], item[3])
                else:
                    writer.video(item[1], item[2], item[3], item[4], item[5])
            except Exception as exc:
                log.exception("recording %s failed", self.path)
                self._error = exc
                writer.abort()
        if self._error is None:
            try:
                duration = writer.duration_s()
                self._chapters = chapters(self._marks, self.site_names, duration)
                self._written = writer.close(self._chapters)
            except Exception as exc:
                log.exception("closing recording %s failed", self.path)
                self._error = exc
                writer.abort()

    def _manifest(self, written: Any, ended_at: datetime, finishing: float) -> RecordingResult:
        if written.path is None:
            raise RecordingFailed("nothing was recorded: no audio or video arrived")
        path: Path = written.path
        size = path.stat().st_size
        digest = manifest.sha256_of(path)
        found = tuple(self._chapters)
        content = manifest.build(
            path,
            digest,
            size,
            written.tracks,
            self.started_at,
            ended_at,
            written.duration_s,
            found,
        )
        manifest_file = manifest.write(path, content)
        return RecordingResult(
            path=path,
            bytes=size,
            sha256=digest,
            duration_s=written.duration_s,
            chapters=found,
            started_at=self.started_at,
            ended_at=ended_at,
            dropped=self.stats.dropped,
            codec=written.codec,
            tracks=tuple(written.tracks),
            manifest_path=manifest_file,
            refused=self._writer.refused,
            finish_s=time.monotonic() - finishing,
        )
