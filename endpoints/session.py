"""A site's session with the bridge: the signaling WebSocket and the RTCPeerConnection.

``SiteClient`` is the headless equivalent of the site page, built for tests and benchmarks
of the server as much as for the ``agent`` command::

    async with SiteClient("http://127.0.0.1:8000/site/1#token=abc") as site:
        joined = await site.join()                    # {"type": "joined", "site": ..., ...}
        await site.start_media(ToneTrack(440))        # offer/answer, waits for "connected"
        await site.expect("site", where=lambda m: m["site"]["muted"])
        await site.raise_hand()                       # "request to speak"
        heard = await site.wait_audio(2.0)            # the next 2 s of the mix, 48 kHz mono
        await site.video.wait_for("red")              # with start_media(video=...): what it sees
        everything = site.received_audio()            # up to record_seconds of it
        await site.leave()

Every message the bridge sends is read in the background from the moment the socket opens
(endpoints/signaling.py), logged in ``messages`` and queued for ``expect``. Every failure
crossing this boundary is an ``AgentError`` with a stable code: the server's own code
(``invalid_token``, ``session_closed``…) when it sent one, else one of ``connection_failed``,
``disconnected``, ``timeout``, ``ice_timeout``, ``media_failed``, ``relay_failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO

import av
from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bridge.media.ice import restrict_host_addresses, rtc_configuration, turn_allocation_error
from bridge.media.video_tap import EncodedFrame, on_keyframe_request, tap_video
from bridge.profiles.devices import Device
from endpoints import devices
from endpoints.audio import SAMPLE_RATE, Recorder, Samples, SilenceTrack, to_mono
from endpoints.link import JoinLink, parse_link
from endpoints.operator import entries_of
from endpoints.signaling import AgentError, Message, ReceivedMessage, SignalingChannel
from endpoints.video import EncodedVideoTrack, VideoWatcher

log = logging.getLogger(__name__)

__all__ = [
    "AgentError",
    "Message",
    "ReceivedMessage",
    "SiteClient",
    "StateChange",
    "state_history",
]


@dataclass(frozen=True)
class StateChange:
    """A peer connection state change: ``kind`` is "connection" or "ice"."""

    t: float
    kind: str
    state: str


class SiteClient:
    """A site: joins with the link's token, sends one audio track, records what it hears.

    ``restrict_ice`` (default on) makes ICE gather the loopback address when the link points
    at this machine; it is process-wide (bridge.media.ice), so an in-process server test that
    configures ICE itself can pass False. ``record_seconds`` bounds the audio kept.
    ``relay_only`` uses only candidates relayed by the TURN server in the bridge's
    ``ice_servers``, as a hall behind a strict firewall must (``relay_failed`` if it gets none).
    A client is one attempt; a caller that reconnects (endpoints/agent.py) hands each new
    one the same ``recorder`` and open ``events`` file, which then stay its own (not stopped
    or closed by ``close``).
    """

    def __init__(
        self,
        link: str | JoinLink,
        *,
        lang: str = "vi",
        events: Path | TextIO | None = None,
        record_seconds: float = 60.0,
        restrict_ice: bool = True,
        relay_only: bool = False,
        recorder: Recorder | None = None,
        inventory: Sequence[Device] | None = None,
    ) -> None:
        self.link = parse_link(link) if isinstance(link, str) else link
        # The devices it says it has, for the hall's profile (endpoints/devices.py).
        self.inventory = tuple(inventory) if inventory is not None else devices.DEFAULT_INVENTORY
        self.profile: dict[str, Any] | None = None  # the latest profile the bridge sent
        self.profile_revision = 0
        self.lang = lang
        self._own_recorder = recorder is None
        self.recorder = recorder if recorder is not None else Recorder(record_seconds)
        self.state_changes: list[StateChange] = []
        self.site: Message | None = None
        self.session: Message | None = None
        self.roster: list[Message] = []
        self.shown: Message | None = None  # the latest `shown` event
        self.floor: int | None = None  # the site that has the floor (`floor` events)
        self.video = VideoWatcher()  # what it sees (decoded here), when it sends video
        self.ice_servers: list[dict[str, Any]] = []
        self.testing = False  # `joined.testing`: the session is in its connection-test window
        self.pc: RTCPeerConnection | None = None
        self.session_closed = asyncio.Event()
        self.media_failed = asyncio.Event()
        self._connected = asyncio.Event()
        self._restrict_ice = restrict_ice
        self._relay_only = relay_only
        self._events_path = events if isinstance(events, Path) else None
        self._events_file: TextIO | None = None if isinstance(events, Path) else events
        self._channel: SignalingChannel | None = None
        self._track: MediaStreamTrack | None = None
        self._video_track: MediaStreamTrack | None = None
        self._on_video_frame: Callable[[EncodedFrame], None] | None = None
        self._drains: set[asyncio.Task[None]] = set()
        self._offers = itertools.count(1)
        # The connection test's: the probe data channel (made before the offer, so the
        # offer carries it), and where the audio it plays goes besides the recorder (the
        # room of endpoints/room.py, whose microphone hears its loudspeaker).
        self.probe: RTCDataChannel | None = None
        self.speaker: Callable[[Samples], None] | None = None
        self.started = time.monotonic()

    # ---- signaling -----------------------------------------------------------------------

    @property
    def channel(self) -> SignalingChannel:
        if self._channel is None:
            raise AgentError("not_connected", "call connect() or join() first")
        return self._channel

    async def connect(self, timeout: float = 10.0) -> None:
        """Open the WebSocket only (to test what the bridge does before a ``join``)."""
        if self._events_path is not None and self._events_file is None:
            try:
                self._events_file = self._events_path.open("w", encoding="utf-8")
            except OSError as exc:
                raise AgentError(
                    "bad_option", f"cannot write events to {self._events_path}: {exc.strerror}"
                ) from None
        channel = SignalingChannel(self.link.ws_url, events=self._events_file)
        channel.add_listener(self._track_state)
        await channel.open(timeout)
        self._channel = channel

    async def join(self, timeout: float = 10.0) -> Message:
        """Connect if needed, send ``join``, return the ``joined`` message.

        Raises ``AgentError`` with the server's code (``invalid_token``, ``session_not_open``…).
        """
        if self._channel is None:
            await self.connect(timeout)
        mark = self.channel.seq
        await self.send(
            {
                "type": "join",
                "session_id": self.link.session_id,
                "token": self.link.token,
                "lang": self.lang,
            }
        )
        reply = await self.expect({"joined", "error"}, timeout=timeout, after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code", "error")), str(reply.get("message", "")))
        self.site = reply.get("site")
        self.session = reply.get("session")
        self.ice_servers = list(reply.get("ice_servers") or [])
        # the session is in its test window: the hall should test its link now
        self.testing = reply.get("testing") is True
        return reply

    async def send(self, message: Message) -> None:
        await self.channel.send(message)

    async def send_text(self, text: str) -> None:
        await self.channel.send_text(text)

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

    async def raise_hand(self) -> None:
        """Ask to speak (the site page's big button); the bridge announces it to all."""
        await self.send({"type": "hand", "raised": True})

    async def lower_hand(self) -> None:
        await self.send({"type": "hand", "raised": False})

    async def expect_site(
        self,
        site_id: int,
        where: Callable[[dict[str, Any]], bool] = lambda site: True,
        *,
        timeout: float = 5.0,
        after: int = 0,
    ) -> dict[str, Any]:
        """Await news about ``site_id`` (a ``site`` event or a ``sites`` batch entry)."""
        message = await self.expect(
            {"site", "sites"},
            timeout=timeout,
            after=after,
            where=lambda m: any(s.get("id") == site_id and where(s) for s in entries_of(m)),
        )
        return next(s for s in entries_of(message) if s.get("id") == site_id and where(s))

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message received so far (the latest 10 000), oldest first."""
        return list(self._channel.history) if self._channel is not None else []

    def _track_state(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "roster":
            self.roster = list(message.get("sites") or [])
        elif kind in ("site", "sites"):
            for entry in entries_of(message):
                self.roster = [entry if s.get("id") == entry.get("id") else s for s in self.roster]
                if self.site is not None and entry.get("id") == self.site.get("id"):
                    self.site = entry
        elif kind == "floor":
            floor = message.get("site_id")
            self.floor = floor if isinstance(floor, int) else None
        elif kind == "shown":
            self.shown = message
        elif kind == "video" and isinstance(self._video_track, EncodedVideoTrack):
            send = message.get("send")
            if send in ("full", "preview", "off"):
                self._video_track.set_mode(str(send))
        elif kind == "profile" and isinstance(message.get("profile"), dict):
            self.profile = message["profile"]
            self.profile_revision = int(message.get("revision") or 0)
            task = asyncio.get_running_loop().create_task(self._answer_profile())
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        elif kind == "session" and isinstance(message.get("session"), dict):
            self.session = message["session"]
            if self.session.get("state") == "closed":
                self.session_closed.set()

    async def _answer_profile(self) -> None:
        """Say what it did with its profile: the devices picked from its inventory, what
        it reads back (endpoints/devices.py)."""
        if self.profile is None or self._channel is None:
            return
        camera = None
        if isinstance(self._video_track, EncodedVideoTrack):
            main = self._video_track.main
            camera = (main.width, main.height, round(main.fps))
        try:
            reply = devices.answer(self.profile_revision, self.profile, self.inventory, camera)
            await self.send(reply)
        except (AgentError, ValueError) as exc:  # a closed channel, a profile it cannot read
            log.warning("profile %s not answered: %s", self.profile_revision, exc)

    # ---- media ---------------------------------------------------------------------------

    async def start_media(
        self,
        track: MediaStreamTrack | None = None,
        *,
        video: MediaStreamTrack | None = None,
        on_video_frame: Callable[[EncodedFrame], None] | None = None,
        timeout: float = 15.0,
    ) -> None:
        """Offer ``track`` (silence if None) and ``video`` (if given: a camera, e.g. an
        ``EncodedVideoTrack``, which then also follows the bridge's ``video`` instruction
        and answers its keyframe requests), apply the answer, wait for "connected".
        With ``on_video_frame`` the video received is not decoded: each whole encoded
        frame goes to it instead (load tests: a hundred viewers cost no decoder).

        Received audio is drained into ``recorder`` and received video into ``video``
        from the moment the track arrives: aiortc queues decoded frames without bound, so
        an undrained track leaks memory.
        """
        if self.pc is not None:
            raise AgentError("already_started", "media is already started")
        if self._restrict_ice and self.link.loopback_address is not None:
            restrict_host_addresses([self.link.loopback_address])
        self._track = track if track is not None else SilenceTrack()
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers, relay_only=self._relay_only))
        self.pc = pc
        pc.on("connectionstatechange", self._on_connection_state)
        pc.on("iceconnectionstatechange", self._on_ice_state)
        pc.on("track", self._on_track)
        pc.addTransceiver(self._track, direction="sendrecv")
        self.probe = pc.createDataChannel("probe", ordered=False, maxRetransmits=0)
        self._on_video_frame = on_video_frame
        if video is not None:
            self._video_track = video
            if isinstance(video, EncodedVideoTrack):
                # The bridge's instruction comes right after `joined`, before this track.
                latest = [m for m in self.messages if m.message.get("type") == "video"]
                if latest:
                    video.set_mode(str(latest[-1].message.get("send", "full")))
                camera = pc.addTransceiver(video, direction="sendrecv")
                on_keyframe_request(camera.sender, video.request_keyframe)
            else:
                pc.addTransceiver(video, direction="sendrecv")
        deadline = time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                # aiortc gathers every candidate inside setLocalDescription, so the offer is
                # complete and no trickle is needed.
                await pc.setLocalDescription(await pc.createOffer())
        except TimeoutError:
            raise AgentError(
                "ice_timeout", f"gathering ICE candidates took over {timeout:g} s"
            ) from None
        if self._relay_only and " typ relay" not in pc.localDescription.sdp:
            # Without a relayed address there is nothing to offer; say why rather than
            # let ICE fail with no reason.
            reason = await turn_allocation_error(
                self.ice_servers, max(1.0, deadline - time.monotonic())
            )
            raise AgentError(
                "relay_failed",
                f"relay only, but no relayed address: {reason or 'the TURN server failed once'}",
            )
        offer_id = f"offer-{next(self._offers)}"
        mark = self.channel.seq
        await self.send({"type": "offer", "sdp": pc.localDescription.sdp, "id": offer_id})
        reply = await self.expect(
            {"answer", "error"},
            timeout=max(0.0, deadline - time.monotonic()),
            after=mark,
            where=lambda m: m["type"] == "answer" or m.get("ref_id") in (offer_id, None),
        )
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code", "error")), str(reply.get("message", "")))
        try:
            await pc.setRemoteDescription(RTCSessionDescription(reply["sdp"], "answer"))
        except (ValueError, KeyError) as exc:
            raise AgentError("invalid_answer", f"the bridge's answer is unusable: {exc}") from None
        if self.profile is not None and self._video_track is not None:
            await self._answer_profile()  # now with the camera it sends
        # aioice's checks use RFC 5389 retransmission timers: an unreachable peer is only
        # declared "failed" after about 64 s, so the caller's timeout is what bounds this.
        await self.wait_connected(max(0.0, deadline - time.monotonic()), described=timeout)

    async def wait_connected(self, timeout: float, *, described: float | None = None) -> None:
        """Wait for connectionState "connected"; ``ice_timeout``/``media_failed`` otherwise.

        ``described`` is the timeout to name in the error (the whole budget it is part of).
        """
        waiters = [
            asyncio.ensure_future(self._connected.wait()),
            asyncio.ensure_future(self.media_failed.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if self._connected.is_set():
            return
        states = self._latest_states()
        if self.media_failed.is_set():
            raise AgentError("media_failed", f"media connection failed ({states})")
        budget = described if described is not None else timeout
        raise AgentError("ice_timeout", f"media did not connect within {budget:g} s ({states})")

    @property
    def connected(self) -> bool:
        return self.pc is not None and self.pc.connectionState == "connected"

    def received_audio(self) -> Samples:
        """Everything heard so far (up to ``record_seconds``), 48 kHz mono int16."""
        return self.recorder.samples()

    async def wait_audio(self, seconds: float, timeout: float = 10.0) -> Samples:
        """Wait for the next ``seconds`` of audio to be heard and return them (48 kHz mono).

        ``seconds`` must fit in ``record_seconds``. Raises ``AgentError`` ``timeout`` if the
        audio does not arrive in time (stalled media), ``media_failed`` if the peer fails.
        """
        if seconds * SAMPLE_RATE > self.recorder.max_samples:
            raise ValueError(f"{seconds} s is more than this client keeps (record_seconds)")
        target = self.recorder.seconds + seconds
        deadline = time.monotonic() + timeout
        while self.recorder.seconds < target:
            if self.media_failed.is_set():
                states = self._latest_states()
                raise AgentError("media_failed", f"media connection failed ({states})")
            if time.monotonic() > deadline:
                heard = seconds - (target - self.recorder.seconds)
                raise AgentError(
                    "timeout", f"heard {heard:.2f} s of audio of {seconds:g} s in {timeout:g} s"
                )
            await asyncio.sleep(0.02)
        return self.received_audio()[-int(seconds * SAMPLE_RATE) :]

    async def wait_until_ended(self, timeout: float) -> str:
        """Stay for ``timeout`` seconds unless the session ends first; say why it stopped.

        Returns "time", "session_closed", "disconnected" (the socket closed) or
        "media_failed" (the peer connection failed or closed).
        """
        reasons: dict[asyncio.Future[Any], str] = {
            asyncio.ensure_future(self.session_closed.wait()): "session_closed",
            asyncio.ensure_future(self.channel.closed.wait()): "disconnected",
            asyncio.ensure_future(self.media_failed.wait()): "media_failed",
        }
        try:
            done, _ = await asyncio.wait(
                reasons, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in reasons:
                waiter.cancel()
        for waiter, reason in reasons.items():
            if waiter in done:
                return reason
        return "time"

    def closed_error(self) -> AgentError:
        """The error that explains why the socket closed (the server's code if it sent one)."""
        return self.channel.closed_error()

    def _latest_states(self) -> str:
        if self.pc is None:
            return "no peer connection"
        return f"connection {self.pc.connectionState}, ICE {self.pc.iceConnectionState}"

    def _on_connection_state(self) -> None:
        assert self.pc is not None
        state = self.pc.connectionState
        self.state_changes.append(StateChange(time.monotonic(), "connection", state))
        log.info("connection state %s", state)
        if state == "connected":
            self._connected.set()
        elif state in ("failed", "closed"):
            self.media_failed.set()

    def _on_ice_state(self) -> None:
        assert self.pc is not None
        state = self.pc.iceConnectionState
        self.state_changes.append(StateChange(time.monotonic(), "ice", state))
        log.info("ICE state %s", state)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self._video_track is None:
            return  # no camera offered: the bridge sends no video either
        on_frame = self._on_video_frame
        if track.kind == "video" and on_frame is not None and self.pc is not None:
            receiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
            tap_video(receiver.receiver, lambda: "VP8", on_frame)
        task = asyncio.create_task(self._drain(track), name=f"drain {track.kind}")
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    async def _drain(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, av.AudioFrame):
                self.recorder.add(frame, time.monotonic())
                if self.speaker is not None:
                    self.speaker(to_mono(frame))
            elif isinstance(frame, av.VideoFrame):
                self.video.add(frame)

    # ---- ending --------------------------------------------------------------------------

    async def leave(self, timeout: float = 5.0) -> None:
        """Send ``leave`` and wait for the bridge to close the socket (it closes with 1000)."""
        if self._channel is None or self._channel.closed.is_set():
            return
        with contextlib.suppress(AgentError):
            await self.send({"type": "leave"})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._channel.closed.wait(), timeout)

    async def close(self) -> None:
        """Release everything: peer connection, drains, socket, events file. Idempotent."""
        if self._own_recorder:
            self.recorder.stop()
        if self.pc is not None:
            await self.pc.close()
        if self._track is not None:
            self._track.stop()
        if self._video_track is not None:
            self._video_track.stop()
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        if self._channel is not None:
            await self._channel.close()
        if self._events_file is not None and self._events_path is not None:
            self._events_file.close()
            self._events_file = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def state_history(changes: Iterable[StateChange], origin: float) -> list[dict[str, Any]]:
    """State changes as JSON-ready dicts with times in seconds since ``origin``."""
    return [{"t": round(c.t - origin, 4), c.kind: c.state} for c in changes]
