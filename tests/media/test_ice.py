import asyncio

import aioice.ice
from aiortc import RTCPeerConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration


def test_restriction_lists_exactly_the_given_addresses_loopback_included():
    try:
        restrict_host_addresses(["127.0.0.1", "::1"])
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    finally:
        restrict_host_addresses(None)


def test_no_ice_servers_means_none_at_all_not_a_public_default():
    assert rtc_configuration([]).iceServers == []
    [server] = rtc_configuration(
        [{"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "p"}]
    ).iceServers
    assert server.urls == "turn:127.0.0.1:3478" and server.username == "u"


async def test_a_peer_gathers_only_loopback_host_candidates():
    restrict_host_addresses(["127.0.0.1"])
    try:
        pc = RTCPeerConnection(rtc_configuration([]))
        pc.addTransceiver("audio")
        await asyncio.wait_for(pc.setLocalDescription(await pc.createOffer()), 10)
        lines = [ln for ln in pc.localDescription.sdp.splitlines() if ln.startswith("a=candidate")]
        assert lines and all(" 127.0.0.1 " in ln and "typ host" in ln for ln in lines)
        await pc.close()
    finally:
        restrict_host_addresses(None)
