"""Media through a real TURN relay: a site that may only use relayed candidates, as a hall
behind a strict firewall, against a real `bridge serve` configured with that relay.

The relay is coturn on loopback (tests/turn.py); the bridge gets it through its
``ice_servers`` setting (a --config file) and hands it to the sites in ``joined``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest
from aiortc import RTCPeerConnection

from endpoints.audio import ToneTrack
from endpoints.session import AgentError, SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge, start_bridge
from tests.turn import TurnServer, run_turnserver, turnserver_path

pytestmark = pytest.mark.skipif(
    turnserver_path() is None, reason="turnserver not installed (Debian coturn; make system-deps)"
)

AMPLITUDE = 0.1  # the mixer's levelling target, so the level heard is the level sent
SENT_DB = tone_level_db(ToneTrack(440, AMPLITUDE, paced=False).next_samples(48_000), 440)
RELAYED, DIRECT, OTHER = "Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị", "Điểm cầu tỉnh Cà Mau"
TONES = {RELAYED: 440.0, DIRECT: 660.0, OTHER: 880.0}
RELAY_FAIL_WITHIN_S = 10.0  # a refused credential is known after two round trips


@pytest.fixture
def turn(tmp_path: Path) -> Iterator[TurnServer]:
    with run_turnserver(tmp_path) as server:
        yield server


def bridge_with(tmp_path: Path, ice_servers: list[dict[str, str]]) -> RunningBridge:
    config = tmp_path / "bridge.json"
    config.write_text(json.dumps({"ice_servers": ice_servers}), encoding="utf-8")
    return start_bridge(tmp_path / "bridge.sqlite3", None, "--config", str(config))


@contextlib.asynccontextmanager
async def joined(
    bridge: RunningBridge, names: tuple[str, ...], relay_only: tuple[str, ...] = ()
) -> AsyncIterator[dict[str, SiteClient]]:
    clients = {
        name: SiteClient(bridge.links[name], record_seconds=20, relay_only=name in relay_only)
        for name in names
    }
    try:
        for client in clients.values():
            await client.join()
        yield clients
    finally:
        for client in clients.values():
            await client.close()


def nominated_types(pc: RTCPeerConnection) -> tuple[str, str]:
    """(local, remote) candidate types of the pair ICE nominated for the audio.

    aiortc's getStats has no candidate-pair entries, so this reads aioice's nominated pair
    (one transport: aiortc bundles every m-line on the first one).
    """
    ice = pc.getTransceivers()[0].sender.transport.transport
    pair = ice._connection._nominated[1]
    return pair.local_candidate.type, pair.remote_candidate.type


async def listen(client: SiteClient, seconds: float) -> np.ndarray:
    """What ``client`` hears in the next ``seconds``."""
    return await client.wait_audio(seconds, timeout=seconds + 5)


async def test_a_relay_only_site_hears_and_is_heard_through_the_turn_server(tmp_path, turn):
    bridge = bridge_with(tmp_path, [turn.ice_server()])
    try:
        async with joined(bridge, (RELAYED, DIRECT), relay_only=(RELAYED,)) as sites:
            relayed, direct = sites[RELAYED], sites[DIRECT]
            assert relayed.ice_servers == [turn.ice_server()], "the bridge did not hand it on"
            await asyncio.gather(
                *(c.start_media(ToneTrack(TONES[n], AMPLITUDE)) for n, c in sites.items())
            )
            offered = relayed.pc.localDescription.sdp
            candidates = [ln for ln in offered.splitlines() if ln.startswith("a=candidate")]
            assert candidates and all(" typ relay" in ln for ln in candidates), offered
            assert nominated_types(relayed.pc)[0] == "relay"
            assert nominated_types(direct.pc)[0] == "host"
            await asyncio.sleep(1.0)  # jitter buffers settle
            relayed_hears, direct_hears = await asyncio.gather(
                listen(relayed, 3.0), listen(direct, 3.0)
            )
    finally:
        bridge.stop()
    assert abs(tone_level_db(relayed_hears, TONES[DIRECT]) - SENT_DB) <= 6, "relayed: other tone"
    assert tone_level_db(relayed_hears, TONES[RELAYED]) < SENT_DB - 20, "relayed hears itself"
    assert abs(tone_level_db(direct_hears, TONES[RELAYED]) - SENT_DB) <= 6, "relayed tone lost"
    assert tone_level_db(direct_hears, TONES[DIRECT]) < SENT_DB - 20, "direct hears itself"

    # coturn's own account: allocations granted to our user, and packets relayed both ways
    # by an allocation (50 audio packets a second each way for seconds, not a few checks).
    assert "ALLOCATE processed, success" in turn.log_text()

    def carried_media(found: list[re.Match[str]]) -> bool:
        return any(int(m["rp"]) > 100 and int(m["sp"]) > 100 for m in found)

    usage = turn.wait_for_log(
        rf"session \d+: usage: realm=<[^>]*>, username=<{re.escape(turn.username)}>, "
        r"rp=(?P<rp>\d+), rb=\d+, sp=(?P<sp>\d+)",
        timeout=10,
        until=carried_media,
    )
    counts = [(int(m["rp"]), int(m["sp"])) for m in usage]
    assert carried_media(usage), counts or turn.log_text()[-3000:]


async def test_a_wrong_turn_credential_fails_the_relayed_site_clearly_and_only_it(tmp_path, turn):
    # The operator typed the relay's password wrong: sites that can reach the bridge
    # directly must not notice; the one that needs the relay must say why it cannot connect.
    bridge = bridge_with(tmp_path, [turn.ice_server(password="not-the-password")])
    try:
        async with joined(bridge, (DIRECT, OTHER, RELAYED), relay_only=(RELAYED,)) as sites:
            direct, other, relayed = sites[DIRECT], sites[OTHER], sites[RELAYED]
            await asyncio.gather(
                direct.start_media(ToneTrack(TONES[DIRECT], AMPLITUDE)),
                other.start_media(ToneTrack(TONES[OTHER], AMPLITUDE)),
            )
            started = time.monotonic()
            with pytest.raises(AgentError) as failure:
                await relayed.start_media(ToneTrack(TONES[RELAYED], AMPLITUDE), timeout=15)
            took = time.monotonic() - started
            relayed_id = relayed.site["id"]
            await asyncio.sleep(1.0)
            direct_hears, other_hears = await asyncio.gather(
                listen(direct, 2.0), listen(other, 2.0)
            )
            assert direct.connected and other.connected
            states = {s["id"]: s["state"] for s in direct.roster}
    finally:
        bridge.stop()
    assert failure.value.code == "relay_failed"
    assert "401" in failure.value.message and f":{turn.port}" in failure.value.message, (
        failure.value.message
    )
    assert took < RELAY_FAIL_WITHIN_S, f"took {took:.1f} s to fail"
    assert states[relayed_id] != "connected"
    assert abs(tone_level_db(direct_hears, TONES[OTHER]) - SENT_DB) <= 6
    assert abs(tone_level_db(other_hears, TONES[DIRECT]) - SENT_DB) <= 6
    assert "401" in turn.log_text()
