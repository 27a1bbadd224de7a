"""Sending a site's mix as RTP straight from the mixer tick, without aiortc's sender task.

aiortc sends pre-encoded media through a coroutine per sender: the mixer puts a packet in
the site's track, the sender task wakes, builds an ``RtpPacket`` object, serialises it
with its header-extension map, reads the NTP clock twice, protects it, and awaits three
layers of ``async`` send functions that never suspend. At 50 sites that is 2,500 task
wake-ups and object builds per second for packets whose header differs only in two
fields. ``DirectRtpSender`` does the same work from the tick, in a loop with no
coroutine: a header template made once from the negotiated parameters, the sequence
number and timestamp written in, SRTP protection by the DTLS transport's own session, and
``sendto`` on the nominated ICE pair's socket (docs/performance.md, "Load").

aiortc's ``RTCRtpSender`` stays in place and keeps doing everything else: SDP, SSRC,
RTCP sender reports (from the counters this module updates, so the site's statistics and
lip-sync reference stay right), receiver reports, NACK and keyframe handling. It is given
a track that never yields a packet, so its own RTP loop sleeps until the site leaves.

The private members of aiortc and aioice this needs are read through
bridge.media.aiortc_private; tests/media/test_rtp_out.py fails if a new version moves them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import struct
from typing import Any

from aiortc import RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import RtpPacket

from bridge.media.aiortc_private import (
    SenderReport,
    connected_link,
    on_sender_start,
    protect_and_send,
    sender_header_extensions,
    sender_ssrc,
)

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!HI")  # sequence number and timestamp, at byte 2 of the header


class IdleTrack(MediaStreamTrack):
    """The track aiortc's sender is given: it never yields a packet, so the sender's RTP
    task sleeps on it (costing nothing) until the site leaves and the track is stopped."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._stopped = asyncio.Event()

    async def recv(self) -> Any:
        await self._stopped.wait()
        raise MediaStreamError

    def stop(self) -> None:
        super().stop()
        self._stopped.set()


class DirectRtpSender:
    """One site's outgoing audio RTP stream, sent synchronously by ``send``.

    Until aiortc has negotiated the stream and DTLS is up, ``send`` drops the packet, as
    aiortc would. The timeline is the caller's (the mixer's ticks), offset by a random
    origin as RFC 3550 asks; sequence numbers count packets actually sent.
    """

    def __init__(self) -> None:
        self._sender: RTCRtpSender | None = None
        self._track = IdleTrack()
        self._template: bytearray | None = None
        self._report: SenderReport | None = None
        self._sequence = random.getrandbits(16)
        self._origin = random.getrandbits(32)
        self._relayed: set[asyncio.Future[None]] = set()
        self.sent = 0
        self._octets = 0
        self.dropped = 0  # packets not sent: not connected yet, or the socket refused
        self.errors = 0

    @property
    def track(self) -> MediaStreamTrack:
        return self._track

    def attach(self, sender: RTCRtpSender) -> None:
        """Take over ``sender``'s RTP: give it the idle track and learn the negotiated
        payload type, SSRC and header extensions when aiortc starts it."""
        self._sender = sender
        sender.replaceTrack(self._track)

        def started(parameters: RTCRtpSendParameters) -> None:
            self._template = self._header_template(sender, parameters)
            self._report = SenderReport(sender)

        on_sender_start(sender, started)

    @staticmethod
    def _header_template(sender: RTCRtpSender, parameters: RTCRtpSendParameters) -> bytearray:
        # aiortc's own serialiser writes the header, so the extension ids and layout are
        # exactly what it negotiated; only sequence number and timestamp change per packet.
        payload_type = parameters.codecs[0].payloadType
        assert payload_type is not None  # set by negotiation before aiortc starts a sender
        packet = RtpPacket(payload_type=payload_type, marker=1)
        packet.ssrc = sender_ssrc(sender)
        packet.extensions.mid = parameters.muxId
        extensions = sender_header_extensions(sender)
        extensions.configure(parameters)
        return bytearray(packet.serialize(extensions))

    def send(self, payload: bytes, timestamp: int) -> None:
        """Send one packet whose media timestamp (48 kHz) is ``timestamp``; never raises."""
        sender, template, report = self._sender, self._template, self._report
        link = connected_link(sender) if sender is not None else None
        if link is None or template is None or report is None:
            self.dropped += 1
            return
        rtp_timestamp = (self._origin + timestamp) & 0xFFFFFFFF
        _HEADER.pack_into(template, 2, self._sequence, rtp_timestamp)
        try:
            protect_and_send(*link, bytes(template) + payload, self._relayed)
        except Exception as exc:  # a closing socket or SRTP session: this site only
            self.errors += 1
            if self.errors == 1:
                log.warning("sending to a site failed: %r", exc)
            return
        self._sequence = (self._sequence + 1) & 0xFFFF
        self.sent += 1
        self._octets += len(payload)
        report.update(self.sent, self._octets, rtp_timestamp, asyncio.get_running_loop().time())

    def stop(self) -> None:
        self._track.stop()
        self._sender = None
