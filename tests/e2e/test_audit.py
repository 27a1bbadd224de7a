"""The audit log from a running bridge: a hall's join and leave and a console's actions land
in the store with who and when, readable by HTTP and by the command line; and every frame
the bridge sent on the way is of a declared shape (bridge/signaling/outbound.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import websockets
from pydantic import TypeAdapter

from bridge.signaling.outbound import ServerMessage
from tests.conftest import ROOT, RunningBridge

SHAPES: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)


async def _frames(ws, into: list[dict], until: str, timeout: float = 5.0) -> dict:
    """Read frames into ``into`` until one of type ``until`` arrives."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            into.append(message)
            if message["type"] == until:
                return message


async def test_joins_leaves_and_console_actions_are_audited_with_who_and_when(
    bridge: RunningBridge,
) -> None:
    token = bridge.login()
    started = datetime.now(UTC) - timedelta(seconds=1)
    link = next(u for n, u in bridge.links.items() if "Lào Cai" in n)
    session_id = int(link.split("/site/")[1].split("#")[0])
    ws_url = bridge.url.replace("http", "ws") + "/ws"
    sent: list[dict] = []
    async with websockets.connect(ws_url) as console, websockets.connect(ws_url) as hall:
        await console.send(
            json.dumps({"type": "operator", "session_id": session_id, "token": token, "id": 1})
        )
        ready = await _frames(console, sent, "ready")
        assert "site.mute" in ready["actions"]
        await hall.send(
            json.dumps(
                {"type": "join", "session_id": session_id, "token": link.split("#token=")[1]}
            )
        )
        joined = await _frames(hall, sent, "joined")
        site_id = joined["site"]["id"]
        await _frames(hall, sent, "video")
        await console.send(json.dumps({"type": "mute", "site_id": site_id}))
        await _frames(hall, sent, "site")
        await console.send(json.dumps({"type": "show", "site_id": site_id}))
        await _frames(hall, sent, "shown")
        await hall.send(json.dumps({"type": "hand", "raised": True}))
        await _frames(console, sent, "site")
        await hall.send(json.dumps({"type": "leave"}))
        await _frames(console, sent, "site")  # the hall is offline
    for message in sent:
        SHAPES.validate_python(message)

    async with httpx.AsyncClient(base_url=bridge.url) as http:
        reply = await http.get(
            f"/api/sessions/{session_id}/audit", headers={"authorization": f"Bearer {token}"}
        )
    assert reply.status_code == 200
    entries = reply.json()["entries"]
    hall_by = f"site:{site_id}"
    seen = [(e["action"], e["by"]) for e in entries]
    for expected in (
        ("join", hall_by),
        ("mute", "account:admin"),
        ("show_site", "account:admin"),
        ("raise_hand", hall_by),
        ("leave", hall_by),
    ):
        assert expected in seen, (expected, seen)
    assert seen.index(("join", hall_by)) < seen.index(("leave", hall_by))
    muted = next(e for e in entries if e["action"] == "mute")
    assert muted["detail"]["site_id"] == site_id and muted["detail"]["muted"] is True
    for entry in entries:
        at = datetime.fromisoformat(entry["at"])
        assert started <= at <= datetime.now(UTC), entry

    # The command line reads the same log from the same file, while the bridge runs.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bridge",
            "session",
            "audit",
            str(session_id),
            "--json",
            "--db",
            str(bridge.database),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert [e["id"] for e in json.loads(out.stdout)["entries"]] == [e["id"] for e in entries]
