"""A hall on a slow link stays connected and heard: 800 ms of round trip for 45 s.

LONG TEST (~55 s): RFC 7675's window is 30 s, so only a run past it shows the hall kept.
Before the bridge's consent check (bridge.media.aiortc_private._tolerant_query_consent),
aioice waited 0.5 s for each consent answer and closed the connection after six misses,
about 30 s in, although every answer arrived; tests/media/test_consent.py shows the same
rule in seconds, against aioice's own check too.

A real `bridge serve`; two headless halls in this process. The slow hall's every datagram
— STUN consent, DTLS, RTP, RTCP, both ways — is held 400 ms each way at its ICE sockets
(endpoints.impair.delay_link; the kernel here has no netem). The halls here are aiortc
peers, standing in for browsers, whose consent check is tolerant already: the same check
is installed in this process for them.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bridge.media.aiortc_private import restore_consent, tolerate_slow_consent
from endpoints.audio import ToneTrack
from endpoints.impair import delay_link
from endpoints.operator import OperatorClient
from endpoints.session import AgentError, SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge

AMPLITUDE = 0.1
SENT_DB = tone_level_db(ToneTrack(440, AMPLITUDE, paced=False).next_samples(48_000), 440)
ONE_WAY_MS = 400.0  # 800 ms round trip: a geostationary satellite hop and then some
HOLD_S = 45.0  # past aioice's ~30 s and RFC 7675's 30 s window, with margin


@pytest.fixture
def halls_consent():
    tolerate_slow_consent()
    yield
    restore_consent()


async def test_a_hall_with_an_800_ms_round_trip_stays_connected_and_heard(
    bridge: RunningBridge, halls_consent: None
) -> None:
    slow_link, listener_link = list(bridge.links.values())[:2]
    slow = SiteClient(slow_link, record_seconds=10)
    listener = SiteClient(listener_link, record_seconds=10)
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    try:
        await operator.connect()
        for client in (slow, listener):
            await client.join()
        await asyncio.gather(
            slow.start_media(ToneTrack(440, AMPLITUDE)),
            listener.start_media(ToneTrack(660, AMPLITUDE)),
        )
        assert slow.pc is not None
        assert delay_link(slow.pc, ONE_WAY_MS) >= 1
        slow_id = slow.site["id"]
        await operator.expect_site(slow_id, lambda site: site["state"] == "connected")
        connected_seq = operator.channel.seq
        start = time.monotonic()
        while time.monotonic() - start < HOLD_S:
            await asyncio.sleep(1.0)
            assert slow.pc.connectionState == "connected", (
                f"the slow hall's connection went {slow.pc.connectionState} after "
                f"{time.monotonic() - start:.0f} s"
            )
        # The bridge still has the hall: it never told the consoles it left, and it is
        # measured, media arriving.
        with pytest.raises(AgentError):
            left = await operator.expect(
                "site",
                where=lambda m: m["site"]["id"] == slow_id and m["site"]["state"] != "connected",
                after=connected_seq,
                timeout=0.5,
            )
            pytest.fail(f"the bridge let the slow hall go: {left}")
        mark = operator.channel.seq
        quality = await operator.expect("quality", after=mark, timeout=5)
        [entry] = [e for e in quality["sites"] if e["id"] == slow_id]
        assert entry["no_media"] is False
        assert entry["rtt_ms"] is not None and 700 <= entry["rtt_ms"] <= 1100, entry
        level = tone_level_db(await listener.wait_audio(2.0, timeout=10), 440)
        print(
            f"after {HOLD_S:.0f} s at {2 * ONE_WAY_MS:.0f} ms round trip: "
            f"rtt_ms {entry['rtt_ms']}, the slow hall heard at {level:.1f} dB"
        )
        assert abs(level - SENT_DB) <= 6, f"the slow hall heard at {level:.1f} dB"
    finally:
        await operator.close()
        for client in (slow, listener):
            await client.close()
