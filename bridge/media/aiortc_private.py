"""Every private member of aiortc and aioice the bridge reads or writes, and every change it
makes to them, behind named accessors; no other module of the bridge touches either
library's private members (tests/media/test_aiortc_private.py walks the source to hold it).

The media path needs what the libraries do not offer publicly: encoded packets and frames
in and out without aiortc's decoder, encoder and per-packet tasks (rtp_tap, rtp_out,
video_tap), a choice of local ICE addresses (ice), datagrams stamped as they arrive for
liveness and the round trip (arrivals) and an ICE consent check that tolerates slow links
(startup). What is reached for is written down here once, so a new aiortc or aioice
release is checked against one list: the pinned versions are in pyproject.toml and
``TESTED_WITH``, ``check_versions`` refuses to start with others, and tests/media
(test_rtp_tap, test_rtp_out, test_video_tap, test_forwarder, test_arrivals,
test_consent) run every accessor through a real connection.

Accessors used per packet are resolved when a stream is set up and return bound methods
or the very objects aiortc uses, so the packet path costs what it did when it reached into
aiortc itself. ``connected_link``, ``protect_and_send`` and ``SenderReport.update`` are the
per-packet functions; they do only the attribute reads the send itself needs.
``stamp_arrivals`` adds one call and a clock read per received datagram.
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib.metadata
import logging
import random
import struct
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

import aioice.ice
import aioice.stun
import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
from aioice.ice import StunProtocol
from aiortc import RTCRtpCodecParameters, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver
from aiortc.clock import current_ntp_time
from aiortc.codecs import CODECS
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import HeaderExtensionsMap, RtcpRrPacket, RtcpSrPacket, RtpPacket

if TYPE_CHECKING:
    from bridge.media.arrivals import LinkArrivals

log = logging.getLogger(__name__)

# ---- versions -----------------------------------------------------------------------------

# The releases every accessor below was written against and tested with; pyproject.toml pins
# the same (tests/media/test_aiortc_private.py checks they agree).
TESTED_WITH = {"aiortc": "1.16.0", "aioice": "0.13.0"}


class UnsupportedVersion(RuntimeError):
    """aiortc or aioice is not the release the media path was written against."""


def installed_versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in TESTED_WITH:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def check_versions(installed: dict[str, str | None] | None = None) -> None:
    """Raise ``UnsupportedVersion`` unless the installed aiortc and aioice are the pinned ones.

    An error, not a warning: a moved private member does not always fail loudly (a renamed
    sender counter is simply written to a new attribute, and the site's RTCP sender reports
    go wrong in silence), so another release must pass tests/media before it is run.
    """
    installed = installed_versions() if installed is None else installed
    wrong = [
        f"{name} {installed.get(name) or 'missing'} (need {pinned})"
        for name, pinned in TESTED_WITH.items()
        if installed.get(name) != pinned
    ]
    if wrong:
        found = ", ".join(wrong)
        raise UnsupportedVersion(
            f"Phiên bản thư viện media không được hỗ trợ: {found}; "
            "hãy cài đúng phiên bản ghi trong pyproject.toml. / "
            f"Unsupported media library version: {found}; "
            "install the versions pinned in pyproject.toml."
        )


# ---- process-wide changes -------------------------------------------------------------------

_original_get_host_addresses = aioice.ice.get_host_addresses
_allowed_hosts: tuple[str, ...] | None = None


def _restricted_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    if _allowed_hosts is None:
        return _original_get_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
    return [a for a in _allowed_hosts if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


def restrict_host_addresses(addresses: Iterable[str] | None) -> None:
    """Gather host candidates only on ``addresses`` (``None``: every interface, as aioice).

    aioice offers no parameter for it, so the one module-level function its gathering calls
    is replaced. Unlike aioice, a loopback address may be listed. Process-wide, as aioice's
    gathering is; the last call wins.
    """
    global _allowed_hosts
    _allowed_hosts = None if addresses is None else tuple(addresses)
    aioice.ice.get_host_addresses = _restricted_host_addresses


def set_codec_parameters(
    kind: str, mime_type: str, parameters: dict[str, str | int | None]
) -> None:
    """Add ``parameters`` to aiortc's own codec table entry (every connection of the process
    offers and answers with it; aiortc has no per-connection way)."""
    for codec in CODECS[kind]:
        if codec.mimeType.lower() == mime_type.lower():
            codec.parameters.update(parameters)


CodecFactory = Callable[[Any], Any]
_factories_wrapped = False


def wrap_codec_factories(
    wrap_encoder: Callable[[Any, Any], Any], wrap_decoder: Callable[[Any, Any], Any]
) -> None:
    """Pass every encoder and decoder aiortc makes through ``wrap_encoder(encoder, codec)`` /
    ``wrap_decoder(decoder, codec)`` (the sender and receiver modules' own ``get_encoder`` /
    ``get_decoder``). Once per process: later calls change nothing."""
    global _factories_wrapped
    if _factories_wrapped:
        return
    real_encoder: CodecFactory = aiortc.rtcrtpsender.get_encoder
    real_decoder: CodecFactory = aiortc.rtcrtpreceiver.get_decoder

    def get_encoder(codec: Any) -> Any:
        return wrap_encoder(real_encoder(codec), codec)

    def get_decoder(codec: Any) -> Any:
        return wrap_decoder(real_decoder(codec), codec)

    aiortc.rtcrtpsender.get_encoder = get_encoder
    aiortc.rtcrtpreceiver.get_decoder = get_decoder
    _factories_wrapped = True


# ---- transceivers ---------------------------------------------------------------------------


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    """The codecs negotiated on ``transceiver``, preferred first (empty before negotiation)."""
    return list(transceiver._codecs)


# ---- receivers ------------------------------------------------------------------------------

# The receiver calls ``self.__jitter_buffer.add(packet)`` once per depayloaded packet.
_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_REMOTE_STREAMS = "_RTCRtpReceiver__remote_streams"
_EXTENSION_IDS = "_HeaderExtensionsMap__ids"


def jitter_buffer(receiver: RTCRtpReceiver) -> Any | None:
    """The receiver's jitter buffer (what it hands each depayloaded packet), or None."""
    return getattr(receiver, _JITTER_BUFFER, None)


def replace_jitter_buffer(receiver: RTCRtpReceiver, buffer: Any) -> None:
    """Make ``buffer`` (anything with ``add(packet) -> (pli_flag, frame | None)``) the one
    the receiver hands each packet to."""
    setattr(receiver, _JITTER_BUFFER, buffer)


def receive_statistics(receiver: RTCRtpReceiver, ssrc: int) -> Any:
    """The receiver's statistics of stream ``ssrc`` (``add(packet)`` per packet, read by its
    receiver reports and getStats). ``KeyError`` until a packet of it went aiortc's way."""
    return getattr(receiver, _REMOTE_STREAMS)[ssrc]


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send a PLI (RFC 4585 section 6.3.1) for ``media_ssrc`` through ``receiver``."""
    await receiver._send_rtcp_pli(media_ssrc)


# ---- senders --------------------------------------------------------------------------------

# Name-mangled RTCRtpSender members: its MID, header-extension map, NACK history, and what
# its RTCP sender report reads.
_MID = "_RTCRtpSender__mid"
_EXTENSIONS = "_RTCRtpSender__rtp_header_extensions_map"
_HISTORY = "_RTCRtpSender__rtp_history"
_PACKETS = "_RTCRtpSender__packet_count"
_OCTETS = "_RTCRtpSender__octet_count"
_NTP = "_RTCRtpSender__ntp_timestamp"
_RTP = "_RTCRtpSender__rtp_timestamp"

Retransmit = Callable[[int], Coroutine[Any, Any, None]]


def sender_ssrc(sender: RTCRtpSender) -> int:
    return int(sender._ssrc)


def sender_mid(sender: RTCRtpSender) -> str | None:
    """The MID aiortc writes in the sender's packets (set when it starts)."""
    mid: str | None = getattr(sender, _MID)
    return mid


def sender_header_extensions(sender: RTCRtpSender) -> HeaderExtensionsMap:
    """The header-extension map aiortc serialises the sender's packets with."""
    extensions: HeaderExtensionsMap = getattr(sender, _EXTENSIONS)
    return extensions


def sender_history(sender: RTCRtpSender) -> dict[int, RtpPacket]:
    """What the sender retransmits from on a NACK: packets by sequence number modulo its
    history size. The same dict for the sender's whole life."""
    history: dict[int, RtpPacket] = getattr(sender, _HISTORY)
    return history


def wrap_retransmit(sender: RTCRtpSender, wrap: Callable[[Retransmit], Retransmit]) -> None:
    """Replace what the sender does on a NACK with ``wrap(its own retransmit)``."""
    sender._retransmit = wrap(sender._retransmit)  # type: ignore[method-assign,assignment]


def redirect_keyframe_requests(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever the far end of ``sender`` asks for a keyframe (PLI/FIR);
    on the pre-encoded path aiortc would ignore the request."""
    if not callable(getattr(sender, "_send_keyframe", None)):
        raise RuntimeError("aiortc's RTCRtpSender has no _send_keyframe to redirect")
    sender._send_keyframe = callback  # type: ignore[method-assign]


def on_sender_start(sender: RTCRtpSender, hook: Callable[[RTCRtpSendParameters], None]) -> None:
    """Call ``hook(parameters)`` when aiortc starts ``sender`` with its negotiated parameters,
    just before the sender itself starts."""
    start = sender.send

    async def send(parameters: RTCRtpSendParameters) -> None:
        hook(parameters)
        await start(parameters)

    sender.send = send  # type: ignore[method-assign]


def running_sender() -> tuple[RTCRtpSender, RTCRtpCodecParameters] | None:
    """The ``RTCRtpSender`` whose RTP task is running, and its negotiated codec.

    Called from a track's ``recv``: aiortc's ``_run_rtp(self, codec)`` coroutine is that
    task's outermost frame, and it starts only once DTLS is up and SRTP keyed."""
    task = asyncio.current_task()
    frame = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    if frame is None:
        return None
    sender, codec = frame.f_locals.get("self"), frame.f_locals.get("codec")
    if isinstance(sender, RTCRtpSender) and isinstance(codec, RTCRtpCodecParameters):
        return sender, codec
    return None


class SenderReport:
    """Keeps what aiortc's RTCP sender report reads (packet and octet counts, and the latest
    NTP/RTP timestamp pair) true for packets sent past its sender task. The NTP clock is
    read at most every 100 ms: it costs more than sending a packet, and the pair stays
    exact because the RTP timestamp is recorded with it."""

    def __init__(self, sender: RTCRtpSender) -> None:
        self._sender = sender
        self._ntp_at = -1.0

    def update(self, packets: int, octets: int, rtp_timestamp: int, now: float) -> None:
        sender = self._sender
        setattr(sender, _PACKETS, packets)
        setattr(sender, _OCTETS, octets)
        if now - self._ntp_at >= 0.1:
            self._ntp_at = now
            setattr(sender, _NTP, current_ntp_time())
            setattr(sender, _RTP, rtp_timestamp)


# ---- DTLS and ICE ---------------------------------------------------------------------------


def connected_link(sender: RTCRtpSender) -> tuple[Any, Any] | None:
    """The sender's DTLS transport and nominated ICE pair, or None until both are up.
    Per packet: the state can change under a stream at any time."""
    dtls: Any = sender.transport
    pair = dtls.transport._connection._nominated.get(1)
    if dtls._state is not DtlsState.CONNECTED or pair is None:
        return None
    return dtls, pair


def nominated_pair(sender: RTCRtpSender) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The nominated ICE pair of the sender's transport as ((local type, protocol), (remote
    type, protocol)) — "host"/"srflx"/"prflx"/"relay", "udp"/"tcp" — or None before ICE
    has nominated one (a connection test's ICE result, seen from the bridge)."""
    dtls: Any = sender.transport
    if dtls is None:
        return None
    pair = dtls.transport._connection._nominated.get(1)
    if pair is None:
        return None
    local, remote = pair.local_candidate, pair.remote_candidate
    return (str(local.type), str(local.transport).lower()), (
        str(remote.type),
        str(remote.transport).lower(),
    )


def protect_and_send(dtls: Any, pair: Any, rtp: bytes, relayed: set[asyncio.Future[None]]) -> None:
    """SRTP-protect one RTP packet with the transport's session and send it on ``pair``.

    Raises what the SRTP session or the socket raise. A relayed (TURN) pair wraps data in
    its own framing in a coroutine: rare, so it is scheduled (and kept in ``relayed``
    until done) rather than reimplemented.
    """
    protected = dtls._tx_srtp.protect(rtp)
    protocol = pair.protocol
    if type(protocol) is StunProtocol:
        protocol.transport.sendto(protected, pair.remote_addr)
    else:
        task = asyncio.ensure_future(protocol.send_data(protected, pair.remote_addr))
        relayed.add(task)
        task.add_done_callback(relayed.discard)


def srtp_unprotect(dtls: Any) -> Callable[[bytes], bytes]:
    """The DTLS transport's SRTP ``unprotect`` for received RTP (keyed once DTLS is up)."""
    unprotect: Callable[[bytes], bytes] = dtls._rx_srtp.unprotect
    return unprotect


def audio_level_id(dtls: Any) -> int | None:
    """The negotiated id of the ssrc-audio-level header extension, None if not negotiated."""
    level_id: int | None = getattr(dtls._rtp_header_extensions_map, _EXTENSION_IDS).audio_level
    return level_id


def divert_datagrams(
    dtls: Any, handler: Callable[[bytes, int], None]
) -> Callable[[bytes, int], None]:
    """Hand every datagram the transport's ICE connection receives to ``handler`` instead,
    and return where they went until now (for ``handler`` to pass on what it does not take).
    Lasts as long as the connection."""
    connection: Any = dtls.transport._connection
    forward: Callable[[bytes, int], None] = connection.data_received
    connection.data_received = handler
    return forward


# ---- arrival stamps -------------------------------------------------------------------------

# The RTCRtpSender's record of its last RTCP sender report: the middle 32 bits of its NTP
# timestamp (what a receiver report echoes as LSR) and the wall-clock time it was built.
_LSR = "_RTCRtpSender__lsr"
_LSR_TIME = "_RTCRtpSender__lsr_time"
# Linux: the kernel's receive time (struct timeval, wall clock) of the last datagram read
# from a socket. The first call on a socket turns receive timestamps on (and fails).
_SIOCGSTAMP = 0x8906
_TIMEVAL = struct.Struct("@qq")
_NO_TIMEVAL = bytes(_TIMEVAL.size)


def _kernel_stamp(fd: int) -> float | None:
    try:
        seconds, micros = _TIMEVAL.unpack(fcntl.ioctl(fd, _SIOCGSTAMP, _NO_TIMEVAL))
    except OSError:
        return None
    return seconds + micros / 1e6


def _socket_fd(protocol: Any) -> int | None:
    transport = getattr(protocol, "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:  # a TURN-relayed protocol: its transport is aioice's, not a socket
        return None
    fd = int(sock.fileno())
    _kernel_stamp(fd)  # turn the socket's receive timestamps on before media flows
    return fd


def stamp_arrivals(sender: RTCRtpSender, arrivals: LinkArrivals) -> None:
    """Stamp every datagram of ``sender``'s connection as it is read from its socket, and
    compute the round trip of ``sender``'s stream from the receiver reports' stamps.

    Call it once the local description is set (ICE gathering done: the sockets exist).
    Three per-instance wraps, each lasting as long as the connection:

    - each local candidate's ``StunProtocol.datagram_received`` (asyncio calls it right
      after reading the socket, before aioice parses anything): RTP and RTCP mark the
      link alive; RTCP is stamped with the kernel's receive time;
    - the ICE transport's ``_recv``, through which aiortc's DTLS task takes each datagram:
      the datagram it takes says which stamp the RTCP it handles next carries;
    - the sender's ``_handle_rtcp_packet``: a receiver report for its last sender report
      gives ``arrivals`` the report's DLSR and the report's send time, before aiortc
      computes its own figure.
    """
    dtls: Any = sender.transport
    ice: Any = dtls.transport
    connection: Any = ice._connection
    monotonic, wall = time.monotonic, time.time
    for protocol in connection._protocols:
        fd = _socket_fd(protocol)
        received: Callable[[bytes, Any], None] = protocol.datagram_received

        def datagram_received(
            data: bytes, addr: Any, received: Callable[[bytes, Any], None] = received, fd: Any = fd
        ) -> None:
            arrivals.bytes_in += len(data)
            if len(data) > 8 and 127 < data[0] < 192:  # RTP/RTCP (RFC 7983 demultiplexing)
                arrivals.last_media = monotonic()  # per packet: no call of its own
                if 191 < data[1] < 224:  # RTCP packet types share the marker bit's byte
                    stamp = _kernel_stamp(fd) if fd is not None else None
                    arrivals.rtcp_arrived(data, wall() if stamp is None else stamp)
            received(data, addr)

        protocol.datagram_received = datagram_received

    take: Callable[[], Coroutine[Any, Any, bytes]] = ice._recv

    async def recv() -> bytes:
        data = await take()
        arrivals.dequeued(data)
        return data

    ice._recv = recv

    handle: Callable[[Any], Coroutine[Any, Any, None]] = sender._handle_rtcp_packet
    ssrc = sender._ssrc

    async def handle_rtcp_packet(packet: Any) -> None:
        if isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
            sent_at = getattr(sender, _LSR_TIME)
            lsr = getattr(sender, _LSR)
            for report in packet.reports:
                if report.ssrc == ssrc and report.lsr == lsr and report.dlsr and sent_at:
                    arrivals.report_received(sent_at, report.dlsr / 65536)
        await handle(packet)

    sender._handle_rtcp_packet = handle_rtcp_packet  # type: ignore[method-assign]


# ---- ICE consent (RFC 7675) -----------------------------------------------------------------

CONSENT_INTERVAL_S = 5.0  # RFC 7675 section 5.1: a request every 4–6 s (5 s randomised)
CONSENT_TIMEOUT_S = 30.0  # ... and consent lost only after 30 s without any answer
_original_query_consent = aioice.ice.Connection.query_consent


class _ConsentAnswer:
    """Stands in the protocol's transaction table for one consent request: any
    authenticated success answer to it, however late, renews consent."""

    def __init__(self, key: bytes, answered: Callable[[], None]) -> None:
        self._key = key
        self._answered = answered

    def response_received(self, message: aioice.stun.Message, addr: Any) -> None:
        if message.message_class == aioice.stun.Class.RESPONSE and (
            message.check_message_integrity(self._key)
        ):
            self._answered()


async def _tolerant_query_consent(self: aioice.ice.Connection) -> None:
    """aioice 0.13's ``Connection.query_consent`` made RFC 7675's: requests every ~5 s,
    never retransmitted, each kept answerable for 30 s; the connection closes only when
    30 s pass without any answer. aioice's own waits 0.5 s for one request and closes
    after six misses in a row, so a link whose round trip exceeds 0.5 s (satellite,
    congested provincial lines) was dropped after ~30 s while answers kept arriving."""
    assert self.remote_password is not None  # set by connect(), which starts this task
    key = self.remote_password.encode("utf8")
    loop = asyncio.get_running_loop()
    last_answer = loop.time()
    outstanding: list[tuple[float, Any, bytes]] = []

    def answered() -> None:
        nonlocal last_answer
        last_answer = loop.time()

    try:
        while True:
            await asyncio.sleep(CONSENT_INTERVAL_S * (0.8 + 0.4 * random.random()))
            now = loop.time()
            while outstanding and now - outstanding[0][0] > CONSENT_TIMEOUT_S:
                _, protocol, transaction_id = outstanding.pop(0)
                protocol.transactions.pop(transaction_id, None)
            if now - last_answer >= CONSENT_TIMEOUT_S:
                log.info("ICE consent expired: no answer for %.0f s", now - last_answer)
                self._query_consent_task = None  # close() must not cancel this task
                await self.close()
                return
            for pair in list(self._nominated.values()):
                request = self.build_request(pair, nominate=False)
                request.add_message_integrity(key)
                protocol = pair.protocol
                answer: Any = _ConsentAnswer(key, answered)  # what the table's entries offer
                protocol.transactions[request.transaction_id] = answer
                outstanding.append((now, protocol, request.transaction_id))
                protocol.send_stun(request, pair.remote_addr)
    finally:
        for _, protocol, transaction_id in outstanding:
            protocol.transactions.pop(transaction_id, None)


def tolerate_slow_consent() -> None:
    """Replace aioice's consent check with ``_tolerant_query_consent``, process-wide (every
    connection starts it from ``connect``). Idempotent."""
    if not callable(_original_query_consent):
        raise RuntimeError("aioice's Connection has no query_consent to replace")
    aioice.ice.Connection.query_consent = _tolerant_query_consent  # type: ignore[method-assign]


def restore_consent() -> None:
    """aioice's own consent check again (tests that show the difference)."""
    aioice.ice.Connection.query_consent = _original_query_consent  # type: ignore[method-assign]
