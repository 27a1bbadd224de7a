"""Link quality from any site transport's audio statistics, a tenth of the sites a call."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bridge.live.quality import QualityMonitor


class FakeTransport:
    """A transport whose far end reports ``rtt_s`` and whose uplink lost ``lost`` packets."""

    def __init__(self, rtt_s: float, lost: int) -> None:
        self.rtt_s, self.lost, self.reads = rtt_s, lost, 0

    async def audio_statistics(self):
        self.reads += 1
        now = datetime.now(UTC)
        sent = {
            "r": SimpleNamespace(
                type="remote-inbound-rtp",
                roundTripTime=self.rtt_s,
                fractionLost=0,
                jitter=480,  # 10 ms at 48 kHz
                timestamp=now,
            )
        }
        received = {
            "i": SimpleNamespace(
                type="inbound-rtp",
                packetsReceived=50 * self.reads,
                packetsLost=self.lost * self.reads,
                jitter=96,
                timestamp=now,
            )
        }
        return sent, received


async def test_each_call_reads_a_tenth_of_the_sites_round_robin_and_grades_them():
    transports = {i: FakeTransport(0.05, 0) for i in range(1, 21)}
    transports[7] = FakeTransport(0.5, 10)  # a poor link: 500 ms, a sixth of its uplink lost
    monitor = QualityMonitor(10)
    for _ in range(10):
        await monitor.read_some(transports)
    assert all(t.reads == 1 for t in transports.values())  # each read once a round
    for _ in range(10):
        await monitor.read_some(transports)
    entries = {e["id"]: e for e in monitor.entries()}
    assert set(entries) == set(transports)
    assert entries[1]["grade"] == "good" and entries[1]["rtt_ms"] == 50.0
    assert entries[1]["jitter_out_ms"] == 10.0 and entries[1]["jitter_in_ms"] == 2.0
    assert entries[7]["grade"] == "poor" and entries[7]["rtt_ms"] == 500.0


async def test_a_transport_without_audio_or_failing_is_skipped_and_a_gone_one_forgotten():
    class NoAudio:
        async def audio_statistics(self):
            return None

    class Closing:
        async def audio_statistics(self):
            raise RuntimeError("closed under us")

    monitor = QualityMonitor(1)
    await monitor.read_some({1: NoAudio(), 2: Closing(), 3: FakeTransport(0.05, 0)})
    assert [e["id"] for e in monitor.entries()] == [3]
    await monitor.read_some({})
    assert monitor.entries() == []
