"""The headless endpoint's side of a connection test (docs/connection-tests.md).

``HallTest`` listens on a ``SiteClient``'s signaling for the bridge's test messages and does
what the hall page does: answers pings, sends the uplink probe on the data channel at each
step's rate, counts the downlink probe, and reports what it received, its ICE pair, its
camera, and — when it has a room (endpoints/room.py) — its own acoustic loop. Then it keeps
the verdict (``result``).

    async with SiteClient(link) as site:
        await site.join()
        await site.start_media(RoomMicrophone(ToneTrack(440), AcousticLoop(30, 20)))
        test = HallTest(site, room=microphone)
        result = await test.run()       # sends test_start, returns the test_result message
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from bridge.media.aiortc_private import nominated_pair
from bridge.media.probe_channel import send_steps
from bridge.probe.pacing import DOWN, UP, StepCounter
from endpoints.room import RoomMicrophone
from endpoints.session import SiteClient
from endpoints.signaling import AgentError, Message
from endpoints.video import EncodedVideoTrack

log = logging.getLogger(__name__)

RESULT_TIMEOUT_S = 90.0  # a test takes ≤ 20 s; a hall may wait its turn at the ramps
REFUSALS = frozenset({"test_running", "too_many_requests", "site_offline"})


class HallTest:
    def __init__(self, site: SiteClient, room: RoomMicrophone | None = None) -> None:
        self.site = site
        self.room = room
        if room is not None:
            site.speaker = room.speaker
        self.test_id: str | None = None
        self.result: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._down = StepCounter(DOWN)
        self._down_steps: list[float] = []
        self._down_bytes: list[tuple[int, float]] = []
        self._before: tuple[int, int] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._own_loop: asyncio.Future[Any] | None = None
        site.channel.add_listener(self._on_message)
        if site.probe is not None:
            site.probe.on("message", self._on_probe)

    async def run(self, timeout: float = RESULT_TIMEOUT_S) -> Message:
        """Ask for the test and wait for its verdict (the `test_result` message)."""
        await self.site.send({"type": "test_start"})
        return await self.wait(timeout)

    async def wait(self, timeout: float = RESULT_TIMEOUT_S) -> Message:
        try:
            return await asyncio.wait_for(asyncio.shield(self.result), timeout)
        except TimeoutError:
            raise AgentError("timeout", f"no test result within {timeout:g} s") from None

    # ---- the bridge's messages -------------------------------------------------------

    def _on_message(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "test_ping":
            self._spawn(self.site.send({"type": "test_pong", "n": message["n"], "t": message["t"]}))
        elif kind == "test_begin":
            self.test_id = str(message["test_id"])
            self._down = StepCounter(DOWN)
            self._spawn(self._begin())
        elif kind == "test_probe":
            steps = [float(s) for s in message["steps_kbps"]]
            step_s = float(message["step_ms"]) / 1000.0
            if message["direction"] == "up":
                self._spawn(self._send_up(steps, step_s))
                if self.room is not None:  # the media phase, and its chirp, are over
                    self._own_loop = asyncio.ensure_future(asyncio.to_thread(self.room.own_loop))
            else:
                self._down_steps = steps
                self._spawn(self._watch_down(len(steps), step_s))
        elif kind == "test_collect":
            self._spawn(self._report(str(message["test_id"])))
        elif kind == "test_result" and not self.result.done():
            self.result.set_result(message)
        elif kind == "test_cancelled" and not self.result.done():
            self.result.set_exception(AgentError("test_cancelled", str(message.get("reason"))))
        elif kind == "error" and not self.result.done() and message.get("code") in REFUSALS:
            code, text = str(message["code"]), str(message.get("message", ""))
            self.result.set_exception(AgentError(code, text))

    def _on_probe(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            self._down.add(data, time.monotonic())

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- measuring -------------------------------------------------------------------

    async def _begin(self) -> None:
        self._before = await self._received()

    async def _received(self) -> tuple[int, int] | None:
        pc = self.site.pc
        if pc is None:
            return None
        packets = lost = 0
        for transceiver in pc.getTransceivers():
            if transceiver.kind != "audio":
                continue
            for stats in (await transceiver.receiver.getStats()).values():
                if getattr(stats, "type", None) == "inbound-rtp":
                    packets += int(stats.packetsReceived)
                    lost += int(stats.packetsLost)
        return packets, lost

    async def _jitter_ms(self) -> float | None:
        pc = self.site.pc
        if pc is None:
            return None
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                for stats in (await transceiver.receiver.getStats()).values():
                    if getattr(stats, "type", None) == "inbound-rtp":
                        return 1000.0 * float(stats.jitter) / 48_000
        return None

    async def _transport_bytes(self) -> int:
        pc = self.site.pc
        if pc is None:
            return 0
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio":
                for stats in (await transceiver.receiver.getStats()).values():
                    if getattr(stats, "type", None) == "transport":
                        return int(stats.bytesReceived)
        return 0

    async def _send_up(self, steps: list[float], step_s: float) -> None:
        if self.site.probe is not None:
            await send_steps(self.site.probe, UP, steps, step_s)

    async def _watch_down(self, steps: int, step_s: float) -> None:
        """The transport's received bytes at each down step's boundary (its media rate)."""
        self._down_bytes = []
        await asyncio.sleep(0.1)  # the bridge starts its first step a tenth after telling
        start = time.monotonic()
        for i in range(steps + 1):
            self._down_bytes.append((await self._transport_bytes(), time.monotonic()))
            if i < steps:
                await asyncio.sleep(max(0.0, start + (i + 1) * step_s - time.monotonic()))

    async def _report(self, test_id: str) -> None:
        site, pc = self.site, self.site.pc
        after = await self._received()
        report: dict[str, Any] = {"type": "test_report", "test_id": test_id}
        if self._before is not None and after is not None:
            report["received"] = {
                "packets": max(0, after[0] - self._before[0]),
                "lost": after[1] - self._before[1],
                "jitter_ms": await self._jitter_ms(),
            }
        if pc is not None:
            report["ice"] = _ice(pc)
            if any("turn" in str(s.get("urls")) for s in site.ice_servers):
                report["turn_ok"] = " typ relay" in pc.localDescription.sdp
        probe_down, media = [], []
        for i in range(len(self._down_steps)):
            count = self._down.steps.get(i)
            kbps = 0.0 if count is None else count.kbps
            received = 0 if count is None else count.received
            lost = 0 if count is None else max(0, count.sent - count.received)
            probe_down.append(
                {"step": i, "kbps": round(kbps, 1), "lost": lost, "received": received}
            )
            total = None
            if i + 1 < len(self._down_bytes):
                (b0, t0), (b1, t1) = self._down_bytes[i], self._down_bytes[i + 1]
                if t1 > t0:
                    total = (b1 - b0) * 8 / (t1 - t0) / 1000.0
            media.append(None if total is None else round(max(0.0, total - kbps), 1))
        report["probe_down"] = probe_down
        report["media_down_kbps"] = media
        video = site._video_track
        if isinstance(video, EncodedVideoTrack):
            main = video.main
            report["camera"] = {"width": main.width, "height": main.height, "fps": float(main.fps)}
        report["echo_cancellation"] = False  # the headless endpoint has none
        report["synthetic_microphone"] = self.room is None
        if self.room is not None:
            if self._own_loop is None:  # no ramps (the bridge skipped them): look now
                self._own_loop = asyncio.ensure_future(asyncio.to_thread(self.room.own_loop))
            loop = await self._own_loop
            if loop is not None:
                report["acoustic"] = {
                    "delay_ms": round(loop.delay_ms, 2),
                    "echo_return_db": round(loop.echo_return_db, 2),
                }
        with contextlib.suppress(AgentError):
            await site.send(report)


def _ice(pc: Any) -> dict[str, Any] | None:
    """The nominated pair's local candidate (this hall's side): type and protocol."""
    for transceiver in pc.getTransceivers():
        pair = nominated_pair(transceiver.sender)
        if pair is None:
            continue
        kind, protocol = pair[0]
        relay = protocol if kind == "relay" else None
        return {"local": kind, "protocol": protocol, "relay_protocol": relay}
    return None
