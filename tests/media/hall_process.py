"""A hall in a process of its own, for tests that load the bridge's event loop: a real
aiortc peer that offers, sends a tone and drains what it receives.

    python -m tests.media.hall_process

Prints its offer as one JSON line (``{"sdp": ...}``), reads the answer as one JSON line,
then runs until its standard input closes. Loopback candidates only. Its own loop stays
idle, so the delay it reports in its receiver reports (DLSR) is exact: a hall in the
test's process would be held by the very load the test puts on the bridge.
"""

from __future__ import annotations

import asyncio
import json
import sys

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from endpoints.audio import ToneTrack


async def main() -> None:
    restrict_host_addresses(["127.0.0.1"])
    pc = RTCPeerConnection(rtc_configuration([]))
    sink = MediaBlackhole()

    @pc.on("track")
    def on_track(track: object) -> None:
        sink.addTrack(track)

    pc.addTransceiver(ToneTrack(440, 0.1), direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    print(json.dumps({"sdp": pc.localDescription.sdp}), flush=True)
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    await pc.setRemoteDescription(RTCSessionDescription(json.loads(line)["sdp"], "answer"))
    await sink.start()
    await loop.run_in_executor(None, sys.stdin.read)  # until the test closes our stdin
    await sink.stop()
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
