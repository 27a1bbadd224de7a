"""Loss, delay and jitter on a peer connection's outgoing RTP, in user space.

The kernel on the test machines has no netem (AIORTC-NOTES.md, "Network impairment"), so a
site's bad network is simulated inside its own process: every RTP packet an aiortc sender
hands to the DTLS transport (``RTCDtlsTransport._send_rtp(data)``, the packet in clear
before SRTP protection) passes through ``Impairment`` first, which drops a fraction of them
and delays the rest on the event loop. RTCP (receiver reports, NACKs, PLIs) passes
untouched, so the effect is that of a lossy, jittery uplink for media only.

Delay is ``delay_ms`` plus a uniform draw in ``[-jitter_ms, +jitter_ms]``, clamped at zero;
each packet is scheduled on its own (``loop.call_later``), so with jitter larger than the
packet interval packets overtake each other, as they do on real networks. SRTP protection
happens when the delayed packet is finally sent; libsrtp accepts out-of-order indices
within its 128-packet replay window, far more than any jitter here reorders.

This wraps a private method of aiortc 1.16 (pinned in pyproject.toml) per transport
instance; tests/endpoints/test_impair.py checks it still takes effect.

``delay_link`` is the other kind: a long round trip (a satellite hop, a congested
provincial line) for *everything* on the connection — STUN consent requests and answers,
DTLS, RTP and RTCP, both ways — by holding each datagram at the ICE sockets (each local
candidate's aioice protocol: its transport's ``sendto`` and its ``datagram_received``).
``shape_link`` works at the same place: a bottleneck of a given rate each way (a hall's
ADSL or 4G line), whose queue delays what exceeds the rate and drops what overflows it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any

from aiortc import RTCDtlsTransport, RTCPeerConnection
from aiortc.rtp import is_rtcp

SendRtp = Callable[[bytes], Coroutine[Any, Any, None]]


class Impairment:
    """The impairment applied to one peer connection's outgoing RTP; see ``impair``.

    Counters (RTP packets only): ``sent`` handed on to the transport (at once or after
    their delay), ``dropped``, ``delayed`` (given a delay > 0; counted in ``sent`` once
    they go out). ``pending`` is the number of delayed packets not yet sent.
    """

    def __init__(
        self,
        pc: RTCPeerConnection,
        *,
        loss: float = 0.0,
        delay_ms: float = 0.0,
        jitter_ms: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self._pc = pc
        self._random = random.Random(seed)
        self.loss = 0.0
        self.delay_ms = 0.0
        self.jitter_ms = 0.0
        self.set(loss=loss, delay_ms=delay_ms, jitter_ms=jitter_ms)
        self.sent = 0
        self.dropped = 0
        self.delayed = 0
        self.send_errors = 0
        self._originals: dict[RTCDtlsTransport, tuple[bool, Any]] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._pending: set[asyncio.TimerHandle] = set()
        self._removed = False
        self._scan()
        # A transceiver added later, or an answer that bundles transports, brings new
        # transports; every signaling state change is the point where they appear.
        pc.on("signalingstatechange", self._scan)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def set(
        self,
        *,
        loss: float | None = None,
        delay_ms: float | None = None,
        jitter_ms: float | None = None,
    ) -> None:
        """Change any of the settings; the next packet sees them."""
        if loss is not None:
            if not 0.0 <= loss <= 1.0:
                raise ValueError(f"loss must be between 0 and 1, got {loss}")
            self.loss = loss
        if delay_ms is not None:
            if delay_ms < 0:
                raise ValueError(f"delay_ms must be >= 0, got {delay_ms}")
            self.delay_ms = delay_ms
        if jitter_ms is not None:
            if jitter_ms < 0:
                raise ValueError(f"jitter_ms must be >= 0, got {jitter_ms}")
            self.jitter_ms = jitter_ms

    def remove(self) -> None:
        """Restore the transports' own send path. Packets already delayed still go out."""
        if self._removed:
            return
        self._removed = True
        self._pc.remove_listener("signalingstatechange", self._scan)
        for transport, (had_own, previous) in self._originals.items():
            if had_own:
                transport._send_rtp = previous  # type: ignore[method-assign]
            else:
                del transport._send_rtp
        self._originals.clear()

    # ---- the send path -------------------------------------------------------------------

    def _scan(self) -> None:
        if self._removed:
            return
        for transceiver in self._pc.getTransceivers():
            for transport in (transceiver.sender.transport, transceiver.receiver.transport):
                if transport is not None and transport not in self._originals:
                    self._wrap(transport)

    def _wrap(self, transport: RTCDtlsTransport) -> None:
        had_own = "_send_rtp" in vars(transport)
        original: SendRtp = transport._send_rtp
        self._originals[transport] = (had_own, original)

        async def send_rtp(data: bytes) -> None:
            if is_rtcp(data):
                await original(data)
                return
            await self._send(original, data)

        transport._send_rtp = send_rtp  # type: ignore[method-assign]

    async def _send(self, original: SendRtp, data: bytes) -> None:
        if self.loss and self._random.random() < self.loss:
            self.dropped += 1
            return
        delay = self.delay_ms
        if self.jitter_ms:
            delay += self._random.uniform(-self.jitter_ms, self.jitter_ms)
        if delay <= 0:
            self.sent += 1
            await original(data)
            return
        self.delayed += 1
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def release() -> None:
            assert handle is not None
            self._pending.discard(handle)
            self.sent += 1
            task = loop.create_task(original(data))
            self._in_flight.add(task)
            task.add_done_callback(self._sent)

        handle = loop.call_later(delay / 1000.0, release)
        self._pending.add(handle)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The connection closed while the packet was "in the network": it is lost, as
            # it would be. ConnectionError is what aiortc raises then.
            self.send_errors += 1


def impair(
    pc: RTCPeerConnection,
    *,
    loss: float = 0.0,
    delay_ms: float = 0.0,
    jitter_ms: float = 0.0,
    seed: int | None = None,
) -> Impairment:
    """Drop a fraction ``loss`` of ``pc``'s outgoing RTP packets and delay the rest by
    ``delay_ms`` ± uniform ``jitter_ms`` (clamped at 0); ``seed`` makes it repeatable.

    Call it any time after creating the transceivers (``addTransceiver``/``addTrack``) —
    right after is best, so that the first packet is already impaired. Transports the pc
    creates or bundles later (``setLocalDescription``/``setRemoteDescription``) are
    picked up at the next signaling state change. Returns the ``Impairment``: its counters,
    ``set(...)`` to change the settings mid-run and ``remove()`` to stop.
    """
    return Impairment(pc, loss=loss, delay_ms=delay_ms, jitter_ms=jitter_ms, seed=seed)


class _HeldTransport:
    """An asyncio datagram transport whose sends leave ``delay_s`` late, in order."""

    def __init__(self, inner: Any, delay_s: float) -> None:
        self.inner, self.delay_s = inner, delay_s

    def sendto(self, data: bytes, addr: Any = None) -> None:
        asyncio.get_running_loop().call_later(self.delay_s, self._send, data, addr)

    def _send(self, data: bytes, addr: Any) -> None:
        if not self.inner.is_closing():  # "in the network" when the socket closed: lost
            self.inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def delay_link(pc: RTCPeerConnection, one_way_ms: float) -> int:
    """Hold every datagram ``pc`` sends and every one it receives for ``one_way_ms``: a
    round trip ``2 * one_way_ms`` longer, for STUN (ICE consent) as for media. Call it
    once the connection is up (earlier, ICE's connectivity checks would be slowed too).
    Returns how many ICE sockets it delays; lasts as long as the connection."""
    delay_s = one_way_ms / 1000.0
    loop = asyncio.get_running_loop()
    count = 0
    for connection in _ice_connections(pc):
        for protocol in connection._protocols:
            protocol.transport = _HeldTransport(protocol.transport, delay_s)
            received = protocol.datagram_received

            def held(data: bytes, addr: Any, received: Any = received) -> None:
                loop.call_later(delay_s, received, data, addr)

            protocol.datagram_received = held
            count += 1
    return count


class _Bottleneck:
    """A link of ``kbps`` (UDP payload bits) with a drop-tail queue ``queue_ms`` long: a
    datagram leaves when the ones ahead of it have, and is dropped when it would wait
    longer than the queue holds — so the queue, and what it holds, is bounded."""

    def __init__(self, kbps: float, queue_ms: float) -> None:
        if kbps <= 0 or queue_ms <= 0:
            raise ValueError("a bottleneck needs a rate and a queue above zero")
        self.bytes_per_s = kbps * 1000.0 / 8.0
        self.queue_s = queue_ms / 1000.0
        self.free_at = 0.0  # when the link has sent everything queued so far
        self.passed = self.dropped = 0

    def schedule(
        self, loop: asyncio.AbstractEventLoop, size: int, send: Callable[[], None]
    ) -> None:
        now = loop.time()
        start = max(now, self.free_at)
        if start - now > self.queue_s:
            self.dropped += 1
            return
        self.free_at = start + size / self.bytes_per_s
        self.passed += 1
        loop.call_at(self.free_at, send)


class _ShapedTransport:
    """An asyncio datagram transport whose sends pass through a ``_Bottleneck``."""

    def __init__(self, inner: Any, bottleneck: _Bottleneck) -> None:
        self.inner, self.bottleneck = inner, bottleneck

    def sendto(self, data: bytes, addr: Any = None) -> None:
        def send() -> None:
            if not self.inner.is_closing():
                self.inner.sendto(data, addr)

        self.bottleneck.schedule(asyncio.get_running_loop(), len(data), send)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def shape_link(
    pc: RTCPeerConnection, up_kbps: float, down_kbps: float, queue_ms: float = 200.0
) -> tuple[_Bottleneck, _Bottleneck]:
    """Cap what ``pc`` sends at ``up_kbps`` and what it receives at ``down_kbps`` (UDP
    payload; IP and UDP headers not counted), each behind a ``queue_ms`` drop-tail queue,
    as a hall's access line does. Call it once the connection is up; it lasts as long as
    the connection. Returns the (up, down) bottlenecks, whose counters say what passed and
    what was dropped."""
    loop = asyncio.get_running_loop()
    up, down = _Bottleneck(up_kbps, queue_ms), _Bottleneck(down_kbps, queue_ms)
    for connection in _ice_connections(pc):
        for protocol in connection._protocols:
            protocol.transport = _ShapedTransport(protocol.transport, up)
            received = protocol.datagram_received

            def shaped(data: bytes, addr: Any, received: Any = received) -> None:
                down.schedule(loop, len(data), lambda: received(data, addr))

            protocol.datagram_received = shaped
    return up, down


def _ice_connections(pc: RTCPeerConnection) -> list[Any]:
    """The aioice connections under ``pc``'s transceivers (one when bundled)."""
    connections: dict[int, Any] = {}
    for transceiver in pc.getTransceivers():
        if transceiver.sender.transport is not None:
            connection = transceiver.sender.transport.transport._connection
            connections[id(connection)] = connection
    return list(connections.values())


def impair_site(
    client: Any,
    *,
    loss: float = 0.0,
    delay_ms: float = 0.0,
    jitter_ms: float = 0.0,
    seed: int | None = None,
) -> Impairment:
    """``impair`` a started ``SiteClient`` (anything with a ``pc``): its uplink to the bridge.

    Call it after ``start_media``; media sent before that went out unimpaired.
    """
    pc = getattr(client, "pc", None)
    if not isinstance(pc, RTCPeerConnection):
        raise RuntimeError("the site has no peer connection yet: call start_media() first")
    return impair(pc, loss=loss, delay_ms=delay_ms, jitter_ms=jitter_ms, seed=seed)
