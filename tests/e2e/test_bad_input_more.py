"""Inputs that once silenced a connection, dropped a hall, answered 500 or held memory: each
now gets its documented answer while two other halls keep hearing each other."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import numpy as np
import websockets
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from endpoints.audio import ToneTrack
from endpoints.session import SiteClient
from tests.audio_analysis import tone_present_per_window
from tests.e2e.test_audio import AMPLITUDE, PROVINCES
from tests.e2e.test_bad_input import raw, reply, two_halls_talking

BIG_ID = "1" * 23


async def real_offer() -> str:
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def raw_http(port: int, head: str, body: bytes, wait: float = 5.0) -> bytes:
    """Send ``head`` and ``body`` as they are (a lying Content-Length, say); the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + body)
    await writer.drain()
    answer = b""
    deadline = asyncio.get_running_loop().time() + wait
    try:
        # Headers and body may come in separate reads (a loaded machine): read until the
        # body is whole by its Content-Length, the server hangs up, or time is up.
        while True:
            top, blank, rest = answer.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", top)
            if blank and (length is None or len(rest) >= int(length.group(1))):
                return answer
            left = deadline - asyncio.get_running_loop().time()
            chunk = await asyncio.wait_for(reader.read(65536), max(left, 0.01))
            if not chunk:
                return answer
            answer += chunk
    except TimeoutError:
        return answer  # no (whole) answer yet: the caller hangs up
    finally:
        writer.close()


async def test_bad_input_gets_its_answer_while_other_halls_hear_each_other(bridge):
    a, b = await two_halls_talking(bridge, 40)
    mark = a.recorder.seconds
    http = httpx.AsyncClient(base_url=bridge.url, timeout=10)
    token = (
        await http.post("/api/login", json={"username": "admin", "password": bridge.password})
    ).json()["token"]
    auth = {"authorization": f"Bearer {token}"}

    # A hall with media: a lone surrogate, a bad candidate, mutated offers.
    c = SiteClient(bridge.links[PROVINCES[2]])
    await c.join()
    await c.start_media(ToneTrack(880, AMPLITUDE))
    seq = c.channel.seq
    await c.send_text('{"type": "ping", "id": "\\ud800"}')
    surrogate = await c.expect("error", after=seq)
    assert surrogate["code"] == "invalid_json" and surrogate["ref_id"] is None
    seq = c.channel.seq
    await c.send({"type": "candidate", "candidate": "candidate:9999", "id": "cand"})
    candidate = await c.expect("error", after=seq)
    assert (candidate["code"], candidate["ref_id"]) == ("invalid_sdp", "cand")
    offer = await real_offer()
    mutated = {
        "no m=video line": "\r\n".join(
            line for line in offer.split("\r\n") if not line.startswith("m=video")
        ),
        "empty a=mid:": re.sub(r"a=mid:\S+", "a=mid:", offer, count=1),
    }
    for label, sdp in mutated.items():
        seq = c.channel.seq
        await c.send({"type": "offer", "sdp": sdp, "id": label})
        error = await c.expect("error", after=seq)
        assert (error["code"], error["ref_id"]) == ("invalid_sdp", label), label
    await c.send({"type": "ping", "id": "still-here"})
    assert (await c.expect("pong"))["ref_id"] == "still-here"
    live = (await http.get("/api/sessions/1/live", headers=auth)).json()
    states = {s["name"]: s["state"] for s in live["sites"]}
    assert states[PROVINCES[2]] != "offline", states  # the hall is still in the session

    # A console: a mutated preview offer; a bad login token is told as a login.
    async with websockets.connect(bridge.url.replace("http", "ws") + "/ws") as console:
        await console.send(json.dumps({"type": "operator", "session_id": 1, "token": token}))
        assert (await reply(console))["type"] == "ready"
        await console.send(json.dumps({"type": "offer", "sdp": mutated["empty a=mid:"], "id": 1}))
        while (message := await reply(console))["type"] != "error":
            pass
        assert (message["code"], message["ref_id"]) == ("invalid_sdp", 1)
        await console.send(json.dumps({"type": "ping", "id": "p"}))
        while (message := await reply(console))["type"] != "pong":
            pass
    ws = await raw(bridge.url)
    await ws.send(json.dumps({"type": "operator", "session_id": 1, "token": "x" * 40}))
    bad_login = await reply(ws)
    assert bad_login["code"] == "login_invalid"
    assert "đăng nhập" in bad_login["message"] and "Đường dẫn" not in bad_login["message"]
    await ws.close()
    unauth = await http.get("/api/sessions", headers={"authorization": "Bearer nope"})
    assert (unauth.status_code, unauth.json()["error"]["code"]) == (401, "login_invalid")

    # HTTP: deep nesting, huge ids, a field named, bodies refused before they are read.
    nested = await http.post("/api/login", content=b"[" * 30_000 + b"]" * 30_000)
    assert (nested.status_code, nested.json()["error"]["code"]) == (400, "invalid_json")
    for method, path in [
        ("GET", f"/api/sessions/{BIG_ID}"),
        ("GET", f"/api/sessions/{BIG_ID}/live"),
        ("POST", f"/api/sessions/{BIG_ID}/close"),
        ("POST", f"/api/sessions/{BIG_ID}/links"),
    ]:
        huge = await http.request(method, path, headers=auth, json={})
        assert huge.status_code == 404, (path, huge.text)
        assert huge.json()["error"]["code"] == "not_found"
    bad_site = await http.post("/api/sites", headers=auth, json={"name": "Xã A", "level": "hamlet"})
    assert bad_site.status_code == 422
    assert bad_site.json()["error"] == {
        "code": "invalid_input",
        "message": "Trường «level» phải là một trong: central, province, district, commune.",
        "field": "level",
        "problem": "not_allowed",
    }
    head = (
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {8 * 1024 * 1024}\r\n\r\n"
    )
    answer = await raw_http(bridge.port, head, b" " * 100_000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"message_too_large"' in answer

    async def chunks():
        for _ in range(64):
            yield b" " * 16_384  # 1 MiB in all, without a Content-Length

    streamed = await http.post("/api/login", content=chunks())
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "message_too_large")
    # A client that goes away mid-body: no answer to give, and no traceback in the log.
    await raw_http(
        bridge.port,
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        b"{",
        wait=0.3,
    )
    await asyncio.sleep(0.5)
    assert not any("Traceback" in line for line in bridge.output), bridge.output[-20:]

    await asyncio.sleep(0.5)
    during = a.received_audio()[int(mark * 48_000) :]
    await http.aclose()
    await c.close()
    await a.close()
    await b.close()
    present = tone_present_per_window(during, 660)
    assert len(present) >= 10 and present.all(), f"gaps at A: {np.flatnonzero(~present)}"
