"""Halls on an impaired line, for the connection test's calibration (tests/e2e/
test_connection_calibration.py): run inside a network namespace, one process for several
halls, each with its own added delay or bitrate cap, all in user space on its ICE sockets
(endpoints/impair.py); loss is the namespace's nftables, set by the test.

    ip netns exec NS python -m tests.calibration_hall '[{"link": …, "delay_ms": 80}, …]'

Each hall joins, starts its media (a tone and a small camera) and then the process prints
one JSON line ``{"ready": true, "audio_pt": [..], "ports": [..]}`` (the Opus payload
type each hall's connection negotiated and the UDP port its media uses, for the loss rules
to match each hall's own packets). On a line ``go`` from stdin the
impairments are applied, and after a second (receiver reports carry the new round trip)
every hall runs its connection test at once; the results are printed as one JSON line
``{"results": [...]}``, in the order given. Bounded: the whole run gives up after
``TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from typing import Any

from endpoints.audio import ToneTrack
from endpoints.connection_test import HallTest
from endpoints.impair import delay_link, shape_link
from endpoints.session import SiteClient
from endpoints.video import EncodedVideoTrack, encode_picture

TIMEOUT_S = 150.0


def opus_payload_type(sdp: str) -> int:
    """The payload type the answer gave Opus (the first format on the audio m-line)."""
    match = re.search(r"^m=audio \d+ \S+ (\d+)", sdp, re.MULTILINE)
    if match is None:
        raise RuntimeError("no audio in the answer")
    return int(match.group(1))


def media_port(client: SiteClient) -> int:
    """The local UDP port of the pair ICE nominated (aiortc bundles all on one transport)."""
    assert client.pc is not None
    ice: Any = client.pc.getTransceivers()[0].sender.transport.transport
    return int(ice._connection._nominated[1].local_candidate.port)


async def run(halls: list[dict[str, Any]]) -> None:
    clients = [SiteClient(h["link"], record_seconds=30, restrict_ice=False) for h in halls]
    try:
        for client in clients:
            await client.join()
        for n, client in enumerate(clients):
            camera = EncodedVideoTrack(encode_picture("green", width=640, height=360, fps=15))
            await client.start_media(ToneTrack(440.0 + 110 * n, 0.05), video=camera)
        types, ports = [], []
        for client in clients:
            assert client.pc is not None and client.pc.remoteDescription is not None
            types.append(opus_payload_type(client.pc.remoteDescription.sdp))
            ports.append(media_port(client))
        print(json.dumps({"ready": True, "audio_pt": types, "ports": ports}), flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if line.strip() != "go":
            return
        for hall, client in zip(halls, clients, strict=True):
            assert client.pc is not None
            if hall.get("delay_ms"):
                delay_link(client.pc, float(hall["delay_ms"]) / 2)  # half each way
            if hall.get("cap_kbps"):
                shape_link(client.pc, float(hall["cap_kbps"]), float(hall["cap_kbps"]))
        await asyncio.sleep(1.0)
        results = await asyncio.gather(*(HallTest(c).run() for c in clients))
        print(json.dumps({"results": results}, ensure_ascii=False), flush=True)
    finally:
        for client in clients:
            await client.close()


def main() -> None:
    asyncio.run(asyncio.wait_for(run(json.loads(sys.argv[1])), TIMEOUT_S))


if __name__ == "__main__":
    main()
