"""Link quality from any site transport's audio statistics, a tenth of the sites a call."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bridge.live.quality import QualityMonitor
from bridge.media.arrivals import LinkArrivals


class FakeTransport:
    """A transport whose far end reports ``rtt_s`` and whose uplink lost ``lost`` packets;
    ``link`` is its arrival record (None: it cannot tell)."""

    def __init__(self, rtt_s: float, lost: int, link: LinkArrivals | None = None) -> None:
        self.rtt_s, self.lost, self.reads = rtt_s, lost, 0
        self.link = link
        self.connection_state = "connected"

    def arrivals(self):
        return self.link

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
        connection_state = "connected"

        def arrivals(self):
            return None

        async def audio_statistics(self):
            return None

    class Closing(NoAudio):
        async def audio_statistics(self):
            raise RuntimeError("closed under us")

    monitor = QualityMonitor(1)
    await monitor.read_some({1: NoAudio(), 2: Closing(), 3: FakeTransport(0.05, 0)})
    assert [e["id"] for e in monitor.entries()] == [3]
    await monitor.read_some({})
    assert monitor.entries() == []


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_site_that_stops_sending_turns_no_media_at_once_and_poor_then_recovers():
    clock = Clock()
    links = {i: LinkArrivals() for i in (1, 2)}
    transports = {i: FakeTransport(0.05, 0, links[i]) for i in (1, 2)}
    monitor = QualityMonitor(1, clock=clock)

    async def tick(seconds: float, *, sending: tuple[int, ...]) -> bool:
        """``seconds`` of 100 ms calls, the ``sending`` sites' packets arriving meanwhile."""
        changed = False
        for _ in range(round(seconds * 10)):
            clock.now += 0.1
            for i in sending:
                links[i].media_arrived(clock.now)
            changed |= await monitor.read_some(transports)
        return changed

    assert not await tick(3.0, sending=(1, 2))
    entries = {e["id"]: e for e in monitor.entries()}
    assert not entries[1]["no_media"] and entries[1]["grade"] == "good"
    # Site 2 freezes: 2 s later (the documented bound) it is "no media", and read_some
    # says so on that very call, for the session to publish at once.
    assert not await tick(1.9, sending=(1,))
    clock.now += 0.2
    assert await monitor.read_some(transports)
    entries = {e["id"]: e for e in monitor.entries()}
    assert entries[2]["no_media"] and entries[2]["grade"] == "poor"
    assert entries[2]["rtt_ms"] == 50.0  # the last figures stay, for the operator to see
    assert not entries[1]["no_media"] and entries[1]["grade"] == "good"
    assert not await tick(1.0, sending=(1,))  # no change: nothing more to publish early
    assert await tick(0.1, sending=(1, 2))  # media again: back, published at once
    entries = {e["id"]: e for e in monitor.entries()}
    assert not entries[2]["no_media"] and entries[2]["grade"] == "good"


async def test_no_media_is_judged_only_while_connected_and_a_new_connection_gets_its_time():
    clock = Clock()
    link = LinkArrivals()
    transport = FakeTransport(0.05, 0, link)
    transport.connection_state = "connecting"
    monitor = QualityMonitor(1, clock=clock)
    clock.now += 10
    assert not await monitor.read_some({1: transport})
    assert monitor.entries()[0]["no_media"] is False  # ICE still checking: nothing to say
    transport.connection_state = "connected"
    await monitor.read_some({1: transport})
    clock.now += 1.5
    await monitor.read_some({1: transport})
    assert monitor.entries()[0]["no_media"] is False  # connected 1.5 s ago, nothing yet
    clock.now += 1.0
    assert await monitor.read_some({1: transport})
    assert monitor.entries()[0]["no_media"] is True


async def test_the_round_trip_is_the_arrival_stamped_one_when_the_transport_has_it():
    link = LinkArrivals()
    link.rtt_s, link.naive_rtt_s = 0.004, 0.060  # the loop held the report 56 ms
    transport = FakeTransport(0.060, 0, link)
    monitor = QualityMonitor(1)
    await monitor.read_some({1: transport})
    assert monitor.entries()[0]["rtt_ms"] == 4.0


async def test_a_hall_that_reconnects_gets_its_two_seconds_again_not_a_false_alarm():
    clock = Clock()
    old = LinkArrivals()
    transport = FakeTransport(0.05, 0, old)
    monitor = QualityMonitor(1, clock=clock)
    await monitor.read_some({1: transport})
    for _ in range(30):  # 3 s connected and sending
        clock.now += 0.1
        old.media_arrived(clock.now)
        await monitor.read_some({1: transport})
    # Its next connection is up by the next call, nothing arrived on it yet.
    transport.link = LinkArrivals()
    clock.now += 0.1
    await monitor.read_some({1: transport})
    assert monitor.entries()[0]["no_media"] is False
    clock.now += 2.1
    assert await monitor.read_some({1: transport})  # and still nothing: now it is flagged
    assert monitor.entries()[0]["no_media"] is True
