"""A site's session with the bridge: the signaling WebSocket and the RTCPeerConnection.

``SiteClient`` is the headless equivalent of the site page, built for tests and benchmarks
of the server as much as for the ``agent`` command::

    async with SiteClient("http://127.0.0.1:8000/site/1#token=abc") as site:
        joined = await site.join()                    # {"type": "joined", "site": ..., ...}
        await site.start_media(ToneTrack(440))        # offer/answer, waits for "connected"
        await site.expect("site", where=lambda m: m["site"]["muted"])
        await site.wait_audio(2.0)                    # two seconds of the mix heard
        heard = site.received_audio()                 # 48 kHz mono int16
        await site.leave()

Every message the bridge sends is read in the background from the moment the socket opens
(the bridge disconnects clients that do not read), logged in ``messages`` and queued for
``expect``. Every failure crossing this boundary is an ``AgentError`` with a stable code:
the server's own code (``invalid_token``, ``session_closed``…) when it sent one, else one of
``connection_failed``, ``disconnected``, ``timeout``, ``ice_timeout``, ``media_failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO

import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from websockets.asyncio.client import ClientConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from endpoints.audio import SAMPLE_RATE, Recorder, Samples, SilenceTrack
from endpoints.link import JoinLink, parse_link

log = logging.getLogger(__name__)

Message = dict[str, Any]
# Messages nobody has asked for yet are kept for ``expect``; a test that never reads them
# must not grow memory without bound, so the oldest are dropped past this many.
INBOX_LIMIT = 1024
HISTORY_LIMIT = 10_000
# The protocol's frame limit is 64 KiB; the WebSocket layer closes past 1 MiB. Accept as much
# as the server may send (a long roster), no more.
MAX_FRAME_BYTES = 2**20


class AgentError(Exception):
    """A failure with a stable machine ``code`` and a one-line human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ReceivedMessage:
    """A message from the bridge, numbered in arrival order, stamped with time.monotonic()."""

    seq: int
    t: float
    message: Message


@dataclass(frozen=True)
class StateChange:
    """A peer connection state change: ``kind`` is "connection" or "ice"."""

    t: float
    kind: str
    state: str


class SignalingChannel:
    """One WebSocket to the bridge: JSON out, every frame in read by a background task.

    ``events`` (a text file) receives each message as a JSON line ``{"t": monotonic,
    "message": {...}}`` as it arrives, so a run that fails still leaves its evidence.
    """

    def __init__(self, url: str, *, events: TextIO | None = None) -> None:
        self.url = url
        self.history: deque[ReceivedMessage] = deque(maxlen=HISTORY_LIMIT)
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason: str = ""
        self._events = events
        self._inbox: deque[ReceivedMessage] = deque(maxlen=INBOX_LIMIT)
        self._arrived = asyncio.Condition()
        self._seq = 0
        self._last: ReceivedMessage | None = None
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Message], None]] = []

    @property
    def seq(self) -> int:
        """The number of the latest message received; pass it as ``after`` to ``expect``."""
        return self._seq

    def add_listener(self, listener: Callable[[Message], None]) -> None:
        """Call ``listener(message)`` for every message, in the reader, before waiters wake."""
        self._listeners.append(listener)

    async def open(self, timeout: float = 10.0) -> None:
        try:
            self._ws = await websockets.connect(
                self.url,
                open_timeout=timeout,
                max_size=MAX_FRAME_BYTES,
                # Never route signaling through a proxy picked up from the environment:
                # the bridge is usually on the same LAN or machine.
                proxy=None,
            )
        except TimeoutError:
            raise AgentError(
                "connection_failed", f"no answer from {self.url} within {timeout:g} s"
            ) from None
        except websockets.InvalidStatus as exc:
            status = exc.response.status_code
            raise AgentError(
                "connection_failed", f"{self.url} refused the WebSocket (HTTP {status})"
            ) from None
        except (OSError, websockets.InvalidHandshake, websockets.InvalidURI) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise AgentError(
                "connection_failed", f"cannot connect to {self.url}: {reason}"
            ) from None
        self._reader = asyncio.create_task(self._read(self._ws), name=f"signaling {self.url}")

    async def send(self, message: Message) -> None:
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        """Send one raw text frame (tests of the server's validation send broken ones)."""
        if self._ws is None:
            raise AgentError("not_connected", "the signaling connection is not open")
        try:
            await self._ws.send(text)
        except websockets.ConnectionClosed:
            raise self._closed_error() from None

    async def expect(
        self,
        types: str | Collection[str],
        *,
        timeout: float = 5.0,
        where: Callable[[Message], bool] | None = None,
        after: int = 0,
    ) -> Message:
        """Wait for (and consume) the oldest unconsumed message of ``types``.

        ``where`` narrows the match; ``after`` ignores messages numbered ``<= after`` (take
        ``seq`` before sending a request to match only what came back after it). Messages
        of other types stay queued for later calls. Raises ``AgentError``: ``timeout``, or
        the server's error code / ``disconnected`` if the socket closes first.
        """
        wanted = {types} if isinstance(types, str) else set(types)
        try:
            async with asyncio.timeout(timeout), self._arrived:
                while True:
                    for index, received in enumerate(self._inbox):
                        message = received.message
                        if (
                            received.seq > after
                            and message.get("type") in wanted
                            and (where is None or where(message))
                        ):
                            del self._inbox[index]
                            return message
                    if self.closed.is_set():
                        raise self._closed_error()
                    await self._arrived.wait()
        except TimeoutError:
            names = " or ".join(sorted(wanted))
            raise AgentError(
                "timeout", f"no {names} message from the bridge within {timeout:g} s"
            ) from None

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    continue  # the protocol is text-only; nothing to learn from bytes
                try:
                    message = json.loads(frame)
                except ValueError:
                    message = {"type": "_unparsable", "text": frame[:200]}
                if not isinstance(message, dict):
                    message = {"type": "_unparsable", "text": frame[:200]}
                await self._deliver(message)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code
            self.close_reason = ws.close_reason or ""
            self.closed.set()
            async with self._arrived:
                self._arrived.notify_all()

    async def _deliver(self, message: Message) -> None:
        self._seq += 1
        received = ReceivedMessage(self._seq, time.monotonic(), message)
        self._last = received
        self.history.append(received)
        if self._events is not None:
            self._events.write(json.dumps({"t": received.t, "message": message}) + "\n")
            self._events.flush()
        for listener in self._listeners:
            listener(message)
        async with self._arrived:
            self._inbox.append(received)
            self._arrived.notify_all()

    def _closed_error(self) -> AgentError:
        # The bridge sends an error frame, then closes (docs/protocol.md, "Errors"): that
        # error, not the bare close code, is what the user needs to read.
        last = self._last.message if self._last is not None else None
        if last is not None and last.get("type") == "error" and self.close_code != 1000:
            return AgentError(str(last.get("code", "error")), str(last.get("message", "")))
        detail = f"code {self.close_code}" if self.close_code is not None else "no close frame"
        if self.close_reason:
            detail += f", {self.close_reason}"
        return AgentError("disconnected", f"the bridge closed the connection ({detail})")


class SiteClient:
    """A site: joins with the link's token, sends one audio track, records what it hears.

    ``restrict_ice`` (default on) makes ICE gather the loopback address when the link points
    at this machine; it is process-wide (bridge.media.ice), so an in-process server test that
    configures ICE itself can pass False. ``record_seconds`` bounds the audio kept.
    """

    def __init__(
        self,
        link: str | JoinLink,
        *,
        lang: str = "vi",
        events: Path | None = None,
        record_seconds: float = 60.0,
        restrict_ice: bool = True,
    ) -> None:
        self.link = parse_link(link) if isinstance(link, str) else link
        self.lang = lang
        self.recorder = Recorder(record_seconds)
        self.state_changes: list[StateChange] = []
        self.site: Message | None = None
        self.session: Message | None = None
        self.roster: list[Message] = []
        self.ice_servers: list[dict[str, Any]] = []
        self.pc: RTCPeerConnection | None = None
        self.session_closed = asyncio.Event()
        self.media_failed = asyncio.Event()
        self._connected = asyncio.Event()
        self._restrict_ice = restrict_ice
        self._events_path = events
        self._events_file: TextIO | None = None
        self._channel: SignalingChannel | None = None
        self._track: MediaStreamTrack | None = None
        self._drains: set[asyncio.Task[None]] = set()
        self._offers = itertools.count(1)
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

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message received so far (the latest 10 000), oldest first."""
        return list(self._channel.history) if self._channel is not None else []

    def _track_state(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "roster":
            self.roster = list(message.get("sites") or [])
        elif kind == "site" and isinstance(message.get("site"), dict):
            entry = message["site"]
            self.roster = [entry if s.get("id") == entry.get("id") else s for s in self.roster]
            if self.site is not None and entry.get("id") == self.site.get("id"):
                self.site = entry
        elif kind == "session" and isinstance(message.get("session"), dict):
            self.session = message["session"]
            if self.session.get("state") == "closed":
                self.session_closed.set()

    # ---- media ---------------------------------------------------------------------------

    async def start_media(
        self, track: MediaStreamTrack | None = None, *, timeout: float = 15.0
    ) -> None:
        """Offer ``track`` (silence if None), apply the answer, wait for "connected".

        Received audio is drained into ``recorder`` from the moment the track arrives:
        aiortc queues decoded frames without bound, so an undrained track leaks memory.
        """
        if self.pc is not None:
            raise AgentError("already_started", "media is already started")
        if self._restrict_ice and self.link.loopback_address is not None:
            restrict_host_addresses([self.link.loopback_address])
        self._track = track if track is not None else SilenceTrack()
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        self.pc = pc
        pc.on("connectionstatechange", self._on_connection_state)
        pc.on("iceconnectionstatechange", self._on_ice_state)
        pc.on("track", self._on_track)
        pc.addTransceiver(self._track, direction="sendrecv")
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
        await self.wait_connected(max(0.0, deadline - time.monotonic()))

    async def wait_connected(self, timeout: float) -> None:
        """Wait for connectionState "connected"; ``ice_timeout``/``media_failed`` otherwise."""
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
        raise AgentError("ice_timeout", f"media did not connect within {timeout:g} s ({states})")

    @property
    def connected(self) -> bool:
        return self.pc is not None and self.pc.connectionState == "connected"

    def received_audio(self) -> Samples:
        """Everything heard so far (up to ``record_seconds``), 48 kHz mono int16."""
        return self.recorder.samples()

    async def wait_audio(self, seconds: float, timeout: float = 10.0) -> Samples:
        """Wait until ``seconds`` of audio have been heard; return the latest ``seconds``."""
        loop_deadline = time.monotonic() + timeout
        while self.recorder.seconds < seconds:
            if time.monotonic() > loop_deadline:
                raise AgentError(
                    "timeout",
                    f"heard {self.recorder.seconds:.2f} s of audio, wanted {seconds:g} s "
                    f"within {timeout:g} s",
                )
            if self.media_failed.is_set():
                raise AgentError(
                    "media_failed", f"media connection failed ({self._latest_states()})"
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
        return self.channel._closed_error()

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
        if track.kind != "audio":
            return  # the bridge sends sites audio only; a video track is not ours to play
        task = asyncio.create_task(self._drain(track), name="drain audio")
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    async def _drain(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.recorder.add(frame, time.monotonic())  # type: ignore[arg-type]

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
        self.recorder.stop()
        if self.pc is not None:
            await self.pc.close()
        if self._track is not None:
            self._track.stop()
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        if self._channel is not None:
            await self._channel.close()
        if self._events_file is not None:
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
