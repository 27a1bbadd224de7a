"""A headless operator: the control half of the protocol, for tests and scripted briefings.

    async with OperatorClient("http://127.0.0.1:8000", session_id=1, token=login_token) as op:
        await op.connect()                               # the "ready" message
        await op.mute(site_id)
        await op.expect_site(site_id, lambda s: s["muted"])
        await op.give_floor(site_id)                     # unmuted, shown, hand lowered
        await op.mute_all_except_host()                  # one `sites` batch
        await op.remove(site_id)                         # its connection closes: `removed`
        await op.start_previews()                        # a live preview of every site
        await op.previews[site_id].wait_for("green")

The token is an operator login token from ``POST /api/login`` (not a site's join token).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO

import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bridge.media.ice import rtc_configuration
from endpoints.link import ws_url_from
from endpoints.signaling import AgentError, Message, SignalingChannel
from endpoints.video import VideoWatcher


def entries_of(message: Message) -> list[dict[str, Any]]:
    """The site entries a ``site`` or ``sites`` message carries."""
    if message.get("type") == "site" and isinstance(message.get("site"), dict):
        return [message["site"]]
    if message.get("type") == "sites" and isinstance(message.get("sites"), list):
        return [s for s in message["sites"] if isinstance(s, dict)]
    return []


class OperatorClient:
    """An operator connection to one session; ``url`` is the bridge's base URL, a join link
    of the session, or the ``ws(s)://…/ws`` URL itself."""

    def __init__(
        self,
        url: str,
        *,
        session_id: int,
        token: str,
        lang: str = "vi",
        events: Path | None = None,
    ) -> None:
        self.url = ws_url_from(url)
        self.session_id = session_id
        self.token = token
        self.lang = lang
        self.operator: Message | None = None
        self.session: Message | None = None
        # Opened here, not in connect(): the channel writes to it from its first message.
        self._events: TextIO | None = events.open("w", encoding="utf-8") if events else None
        self.channel = SignalingChannel(self.url, events=self._events)
        self._opened = False
        self.pc: RTCPeerConnection | None = None
        self.previews: dict[int, VideoWatcher] = {}  # site id → what its preview shows
        self._drains: set[asyncio.Task[None]] = set()

    async def connect(self, timeout: float = 10.0) -> Message:
        """Open the socket, send ``operator``, return ``ready`` (or raise the server's error)."""
        if not self._opened:
            await self.channel.open(timeout)
            self._opened = True
        mark = self.channel.seq
        await self.send(
            {
                "type": "operator",
                "session_id": self.session_id,
                "token": self.token,
                "lang": self.lang,
            }
        )
        reply = await self.expect({"ready", "error"}, timeout=timeout, after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code", "error")), str(reply.get("message", "")))
        self.operator = reply.get("operator")
        self.session = reply.get("session")
        return reply

    async def mute(self, site_id: int) -> None:
        await self.send({"type": "mute", "site_id": site_id})

    async def unmute(self, site_id: int) -> None:
        await self.send({"type": "unmute", "site_id": site_id})

    async def show(self, site_id: int) -> None:
        """Show ``site_id`` to everyone (voice-activated switching, if on, ends)."""
        await self.send({"type": "show", "site_id": site_id})

    async def voice_activated(self, enabled: bool, hold_s: float | None = None) -> None:
        message: Message = {"type": "voice_activated", "enabled": enabled}
        if hold_s is not None:
            message["hold_s"] = hold_s
        await self.send(message)

    async def lower_hand(self, site_id: int) -> None:
        await self.send({"type": "lower_hand", "site_id": site_id})

    async def give_floor(self, site_id: int) -> None:
        """Unmute ``site_id``, lower its hand, show it to everyone: it has the floor."""
        await self.send({"type": "give_floor", "site_id": site_id})

    async def mute_all_except_host(self) -> None:
        await self.send({"type": "mute_all_except_host"})

    async def unmute_all(self) -> None:
        await self.send({"type": "unmute_all"})

    async def remove(self, site_id: int) -> None:
        """Remove a connected site: its connection is closed with ``removed``."""
        await self.send({"type": "remove", "site_id": site_id})

    async def end_session(self) -> None:
        """End the session for everyone (as ``POST /api/sessions/{id}/close``)."""
        await self.send({"type": "end_session"})

    async def record(self, on: bool) -> None:
        """Start (``on``) or stop recording the session; everyone is told ``recording``."""
        await self.send({"type": "record", "on": on})

    async def start_previews(self, timeout: float = 15.0) -> None:
        """Receive every roster site's live preview (decoded here, colour in ``previews``):
        one recvonly video m-line per roster site, in roster order, offered over the
        signaling socket. Needs ``connect()`` first (the roster comes with ``ready``)."""
        roster = await self.expect("roster", timeout=timeout)
        site_ids = [int(site["id"]) for site in roster["sites"]]
        pc = RTCPeerConnection(rtc_configuration([]))
        self.pc = pc
        watchers: dict[int, VideoWatcher] = {}  # id() of each transceiver's receiver
        for site_id in site_ids:
            transceiver = pc.addTransceiver("video", direction="recvonly")
            self.previews[site_id] = VideoWatcher(keep=200)
            watchers[id(transceiver.receiver)] = self.previews[site_id]

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = next(t.receiver for t in pc.getTransceivers() if t.receiver.track is track)
            watcher = watchers.get(id(receiver))
            if watcher is not None:
                task = asyncio.get_running_loop().create_task(self._drain(track, watcher))
                self._drains.add(task)
                task.add_done_callback(self._drains.discard)

        await pc.setLocalDescription(await pc.createOffer())
        mark = self.channel.seq
        await self.send({"type": "offer", "sdp": pc.localDescription.sdp, "id": "previews"})
        reply = await self.expect({"answer", "error"}, timeout=timeout, after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code", "error")), str(reply.get("message", "")))
        await pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))

    @staticmethod
    async def _drain(track: MediaStreamTrack, watcher: VideoWatcher) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, av.VideoFrame):
                    watcher.add(frame)

    async def send(self, message: Message) -> None:
        await self.channel.send(message)

    async def expect(
        self,
        types: str | Collection[str],
        *,
        timeout: float = 5.0,
        where: Callable[[Message], bool] | None = None,
        after: int = 0,
    ) -> Message:
        """Await a message of ``types``; see ``SignalingChannel.expect``."""
        return await self.channel.expect(types, timeout=timeout, where=where, after=after)

    async def expect_site(
        self,
        site_id: int,
        where: Callable[[dict[str, Any]], bool] = lambda site: True,
        *,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Await news about ``site_id`` whose entry satisfies ``where``: a ``site`` event,
        or its entry in a ``sites`` batch (mute all, unmute all, close)."""
        message = await self.expect(
            {"site", "sites"},
            timeout=timeout,
            where=lambda m: any(s.get("id") == site_id and where(s) for s in entries_of(m)),
        )
        return next(s for s in entries_of(message) if s.get("id") == site_id and where(s))

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        await self.channel.close()
        if self._events is not None:
            self._events.close()
            self._events = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
