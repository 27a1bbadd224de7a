"""Fakes of the live session's own ports, for in-process tests of the runtime shell: a
participant that records what it is sent, and a media side that records what it is asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.conference.video import VideoSend
from bridge.live import Ending


class FakeParticipant:
    def __init__(self, name: str, journal: list[tuple[str, str, Any]] | None = None) -> None:
        self.name = name
        self.sent: list[Mapping[str, Any]] = []
        self.videos: list[VideoSend] = []
        self.ended: Ending | None = None
        # One journal shared by several participants tells who heard what first.
        self.journal = journal if journal is not None else []

    def send(self, message: Mapping[str, Any]) -> None:
        self.sent.append(message)
        self.journal.append((self.name, "send", message))

    def end(self, reason: Ending) -> None:
        self.ended = reason
        self.journal.append((self.name, "end", reason))

    def video(self, send: VideoSend) -> None:
        self.videos.append(send)
        self.journal.append((self.name, "video", send))


@dataclass
class FakeTransport:
    site_id: int | None
    on_state: Callable[[str], None] | None = None
    closed: bool = False
    candidates: list[str] = field(default_factory=list)
    fail: bool = False

    async def answer(self, offer_sdp: str) -> str:
        if self.fail:
            raise ValueError("bad offer")
        return "answer:" + offer_sdp

    async def add_candidate(self, candidate: str, mid: str | None, index: int | None) -> None:
        self.candidates.append(candidate)

    async def close(self) -> None:
        self.closed = True

    def connect(self) -> None:
        assert self.on_state is not None
        self.on_state("connected")


@dataclass
class FakeGrid(FakeTransport):
    """A hall's grid peer: as many cells as the offer says (``"cells:3"``), what it shows."""

    cells: int = 0
    shows: list[list[int | None]] = field(default_factory=list)

    async def answer(self, offer_sdp: str) -> str:
        answer = await super().answer(offer_sdp)
        self.cells = int(offer_sdp.rpartition(":")[2] or 0)
        return answer

    def show(self, cells: Sequence[int | None]) -> None:
        self.shows.append(list(cells))


class FakeMedia:
    def __init__(self) -> None:
        self.transports: list[FakeTransport] = []
        self.consoles: list[FakeTransport] = []
        self.grids: list[FakeGrid] = []
        self.muted: dict[int, bool] = {}
        self.gains: dict[int, float] = {}
        self.routes: dict[int, int | None] = {}
        self.closed = False
        self.fail_next = False
        self.sink: Any = None  # what ``record`` was given (a recording's sink)
        self.keyframe_requests: list[int] = []

    def site_transport(self, site_id: int, on_state: Callable[[str], None], muted: bool) -> Any:
        transport = FakeTransport(site_id, on_state, fail=self.fail_next)
        self.fail_next = False
        self.muted[site_id] = muted
        self.transports.append(transport)
        return transport

    def console_transport(self, key: int, roster: list[int]) -> Any:
        console = FakeTransport(None)
        self.consoles.append(console)
        return console

    def grid_transport(self, site_id: int) -> Any:
        grid = FakeGrid(site_id, fail=self.fail_next)
        self.fail_next = False
        self.grids.append(grid)
        return grid

    def set_muted(self, site_id: int, muted: bool) -> None:
        self.muted[site_id] = muted

    def set_input_gain(self, site_id: int, gain_db: float) -> None:
        self.gains[site_id] = gain_db

    def input_gain_db(self, site_id: int) -> float:
        return self.gains.get(site_id, 0.0)

    def route(self, viewer: int, source: int | None) -> None:
        self.routes[viewer] = source

    def meters(self) -> dict[int, tuple[float, bool]]:
        return {}

    def dominant(self) -> int | None:
        return None

    async def sample_quality(self) -> None:
        return None

    def quality(self) -> list[dict[str, Any]]:
        return []

    def metrics(self) -> dict[str, Any]:
        return {}

    def reset_metrics(self) -> None:
        return None

    def probe(self, site_id: int) -> Any:
        return None  # a connection test with a fake media side measures no media

    def record(self, sink: Any) -> None:
        self.sink = sink  # a test feeds it (sink.audio / sink.video) as the media would

    def request_keyframe(self, site_id: int) -> None:
        self.keyframe_requests.append(site_id)

    async def close(self) -> None:
        self.closed = True
