"""Recording a session against a running bridge, end to end.

Real halls (headless aiortc endpoints, each with a camera of its own colour; one talks a
tone for a while), a real console: the operator starts recording, shows one hall then
another, and the session is closed. The file must be complete within 10 s of the close and
play as a standard player reads it (PyAV): an Opus track and a VP8 track, its duration the
recorded span within 1 s, the tone audible exactly while its hall talked, the picture of
the hall shown at each moment, chapters naming the halls; its manifest verifies; it is
downloaded by who may (and each download logged), refused to everyone else.

A second test takes the routes through every role, and their refusals, with no media.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from endpoints.audio import SilenceTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import COLOURS, camera
from tests.audio_analysis import tone_level_db
from tests.e2e.test_permissions import ROLES, World
from tests.e2e.test_video import GatedTone

TONE_HZ = 440.0
AMPLITUDE = 0.1
DOWNLOADERS = {"admin", "office", "organiser"}


def links(world: World, session_id: int) -> dict[int, str]:
    reply = world.call(world.tokens["organiser"], "POST", f"/api/sessions/{session_id}/links", {})
    assert reply.status_code == 200, reply.text
    return {link["site_id"]: link["url"] for link in reply.json()["links"]}


def recordings(world: World, session_id: int, role: str = "admin") -> dict[str, Any]:
    reply = world.call(world.tokens[role], "GET", f"/api/sessions/{session_id}/recordings")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


async def wait_complete(world: World, session_id: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = (await asyncio.to_thread(recordings, world, session_id))["recordings"]
        if found and found[-1]["state"] != "recording":
            return dict(found[-1])
        if time.monotonic() > deadline:
            raise AssertionError(f"no complete recording after {timeout} s: {found}")
        await asyncio.sleep(0.1)


def read_back(path: Path) -> dict[str, Any]:
    """What a player gets: streams, duration, chapters, audio (placed at its timestamps),
    and the colour of each decoded picture with its time."""
    with av.open(str(path)) as container:
        streams = sorted((s.type, s.codec_context.name) for s in container.streams)
        duration = (container.duration or 0) / 1_000_000
        chapters = [
            (float(c["start"] * c["time_base"]), str(c["metadata"].get("title", "")))
            for c in container.chapters()
        ]
        audio = np.zeros(int((duration + 2) * 48_000), np.float32)
        pictures: list[tuple[float, str]] = []
        for frame in container.decode(*container.streams):
            at = float(frame.pts * frame.time_base)
            if isinstance(frame, av.AudioFrame):
                samples = frame.to_ndarray()
                mono = samples.mean(axis=0) if samples.shape[0] > 1 else samples.reshape(-1)
                start = round(at * 48_000)
                end = min(len(audio), start + len(mono))
                if start >= 0 and end > start:
                    audio[start:end] = mono[: end - start]
            elif isinstance(frame, av.VideoFrame):
                rgb = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
                pictures.append((at, nearest_colour(rgb)))
    return {
        "streams": streams,
        "duration": duration,
        "chapters": chapters,
        "audio": audio,
        "pictures": pictures,
    }


def nearest_colour(rgb: np.ndarray) -> str:
    return min(COLOURS, key=lambda name: float(np.sum((np.array(COLOURS[name]) - rgb) ** 2)))


def colours_between(pictures: list[tuple[float, str]], start: float, end: float) -> set[str]:
    return {colour for at, colour in pictures if start <= at <= end}


async def test_a_recorded_session_gives_a_complete_verified_file_to_who_may_have_it(
    world: World, tmp_path: Path
) -> None:
    session_id = world.session()
    host_id, a_id, b_id = world.sites[:3]
    urls = links(world, session_id)
    tone = GatedTone(TONE_HZ, AMPLITUDE)
    halls = [SiteClient(urls[site], record_seconds=5) for site in (host_id, a_id, b_id)]
    operator = OperatorClient(
        world.bridge.url, session_id=session_id, token=world.tokens["operator"]
    )
    try:
        for hall in halls:
            await hall.join()
        await asyncio.gather(
            halls[0].start_media(SilenceTrack(), video=camera("red")),
            halls[1].start_media(tone, video=camera("green")),
            halls[2].start_media(SilenceTrack(), video=camera("blue")),
        )
        ready = await operator.connect()
        assert ready["recording"] == {"on": False, "since": None}
        await asyncio.sleep(1.0)  # media settles

        # Recording starts: every hall and the console is told, with since when.
        started = time.monotonic()
        await operator.record(True)
        told = await operator.expect("recording", where=lambda m: m["on"])
        assert told["since"] is not None
        for hall in halls:
            await hall.expect("recording", where=lambda m: m["on"])
        await asyncio.sleep(2.0)  # the host is shown (red)
        shown_a = time.monotonic() - started
        await operator.show(a_id)
        await asyncio.sleep(0.5)
        talk_from = time.monotonic() - started
        tone.talking = True
        await asyncio.sleep(3.0)
        tone.talking = False
        talk_until = time.monotonic() - started
        await asyncio.sleep(0.5)
        shown_b = time.monotonic() - started
        await operator.show(b_id)
        await asyncio.sleep(2.5)

        # A hall that joins now is told at once that the session is being recorded.
        late = SiteClient(urls[b_id], record_seconds=1)
        joined = await late.join()
        assert joined["recording"]["on"] is True
        await late.close()  # replaced b; b was shown already
        await asyncio.sleep(0.3)

        # The session is closed: the file is complete within 10 s.
        span = time.monotonic() - started
        reply = await asyncio.to_thread(
            world.call, world.tokens["operator"], "POST", f"/api/sessions/{session_id}/close"
        )
        assert reply.status_code == 200, reply.text
        closed = time.monotonic()
        found = await wait_complete(world, session_id, 10.0)
        finish_s = time.monotonic() - closed
    finally:
        await operator.close()
        for hall in halls:
            await hall.close()
    assert found["state"] == "complete", found
    assert finish_s <= 10.0
    assert found["started_by"] == "account:operator"
    assert found["codec"] == "VP8" and found["file"].endswith(".webm")
    # Written beside the database (the default recordings_dir), with its manifest.
    written = world.bridge.database.parent / "recordings" / found["file"]
    assert written.is_file() and written.with_name(written.name + ".manifest.json").is_file()

    # Downloads: who may, and each is logged; everyone else is refused.
    path = f"/api/recordings/{found['id']}"
    body = b""
    for role in ROLES:
        reply = world.call(world.tokens[role], "GET", path)
        if role in DOWNLOADERS:
            assert reply.status_code == 200, (role, reply.text)
            assert reply.headers["content-type"] == "video/webm"
            assert reply.headers["content-disposition"].startswith("attachment")
            body = reply.content
        else:
            assert reply.status_code == 403, (role, reply.status_code)
            assert reply.json()["error"]["code"] == "forbidden"
    assert len(body) == found["bytes"]
    assert hashlib.sha256(body).hexdigest() == found["sha256"]
    manifest = world.call(world.tokens["observer"], "GET", f"{path}/manifest")
    assert manifest.status_code == 200, manifest.text
    content = manifest.json()
    assert content["sha256"] == found["sha256"] and content["bytes"] == len(body)
    file = tmp_path / content["file"]
    file.write_bytes(body)
    file.with_name(file.name + ".manifest.json").write_text(json.dumps(content), "utf-8")
    from bridge.recording import verify

    assert verify(file)

    with sqlite3.connect(world.bridge.database) as db:
        access = db.execute(
            "SELECT by, action FROM recording_access WHERE recording_id = ? ORDER BY id",
            (found["id"],),
        ).fetchall()
    assert access == [(f"account:{r}", "download") for r in ROLES if r in DOWNLOADERS] + [
        ("account:observer", "manifest")
    ]
    audit = world.call(world.admin, "GET", f"/api/sessions/{session_id}/audit").json()["entries"]
    actions = [
        (e["action"], e["by"]) for e in audit if e["action"].startswith(("recording", "set_"))
    ]
    assert ("set_recording", "account:operator") in actions
    assert ("recording_complete", "system:recording") in actions
    downloads = [e["by"] for e in audit if e["action"] == "recording_download"]
    assert downloads == [f"account:{r}" for r in ROLES if r in DOWNLOADERS]

    # The office page's way: a one-time ticket, then the browser follows the link with no
    # header — streamed to disk by its download manager, authorised again when used.
    ticket_path = f"{path}/ticket"
    for role in ROLES:
        reply = world.call(world.tokens[role], "POST", ticket_path)
        if role not in DOWNLOADERS:
            assert reply.status_code == 403, (role, reply.status_code)
            continue
        assert reply.status_code == 200, (role, reply.text)
        url = reply.json()["url"]
        assert url.startswith(f"{path}?ticket=")
        got = httpx.get(world.bridge.url + url, timeout=30)
        assert got.status_code == 200, (role, got.text[:200])
        assert hashlib.sha256(got.content).hexdigest() == found["sha256"]
        assert got.headers["content-disposition"].startswith("attachment")
        again = httpx.get(world.bridge.url + url, timeout=10)  # once only
        assert again.status_code == 401 and again.json()["error"]["field"] == "ticket"
    url = world.call(world.tokens["office"], "POST", ticket_path).json()["url"]
    elsewhere = url.replace(path, "/api/recordings/999999")  # another recording's link
    assert httpx.get(world.bridge.url + elsewhere, timeout=10).status_code == 401
    bad = httpx.get(f"{world.bridge.url}{path}?ticket=not-a-ticket", timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "ticket"
    url = world.call(world.tokens["office"], "POST", ticket_path).json()["url"]
    world.call(world.tokens["office"], "POST", "/api/logout")
    assert httpx.get(world.bridge.url + url, timeout=10).status_code == 401, "logged out"
    with sqlite3.connect(world.bridge.database) as db:
        (ticketed,) = db.execute(
            "SELECT count(*) FROM recording_access WHERE recording_id = ? AND action = ?",
            (found["id"], "download"),
        ).fetchone()
    assert ticketed == 2 * len([r for r in ROLES if r in DOWNLOADERS]), "each download logged"

    # The file, as a player reads it.
    back = read_back(file)
    assert back["streams"] == [("audio", "opus"), ("video", "vp8")]
    assert abs(back["duration"] - span) <= 1.0, (back["duration"], span)
    assert abs(found["duration_s"] - back["duration"]) <= 0.1
    audio = back["audio"]
    for second in range(int(back["duration"]) - 1):
        window = audio[second * 48_000 : (second + 1) * 48_000]
        level = tone_level_db(window, TONE_HZ)
        if talk_from + 0.4 <= second and second + 1 <= talk_until - 0.1:
            assert level > -40, f"second {second}: the talking hall's tone at {level:.1f} dB"
        elif second + 1 <= talk_from - 0.2 or second >= talk_until + 0.5:
            assert level < -55, f"second {second}: a tone at {level:.1f} dB while nobody talked"
    pictures = back["pictures"]
    assert colours_between(pictures, 0.2, shown_a - 0.2) == {"red"}
    assert colours_between(pictures, shown_a + 1.0, shown_b - 0.2) == {"green"}
    assert colours_between(pictures, shown_b + 1.0, span - 0.5) == {"blue"}
    titles = [title for _, title in back["chapters"]]
    names = {
        s["id"]: s["name"] for s in world.call(world.admin, "GET", "/api/sites").json()["sites"]
    }
    assert f"Trình chiếu: {names[a_id]}" in titles, titles
    assert f"Trình chiếu: {names[b_id]}" in titles, titles
    starts = dict((title, start) for start, title in back["chapters"])
    assert abs(starts[f"Trình chiếu: {names[a_id]}"] - shown_a) <= 0.5


@pytest.fixture
def world(bridge: Any) -> World:
    w = World(bridge)
    w.setup()
    return w


def test_recording_routes_by_role_and_their_refusals(world: World) -> None:
    session_id = world.session()
    control = {"admin", "office", "organiser", "operator"}
    readers = {"admin", "office", "organiser", "operator", "observer"}
    path = f"/api/sessions/{session_id}/recording"
    for role in ROLES:
        token = world.tokens[role]
        on = world.call(token, "POST", path, {"on": True})
        off = world.call(token, "POST", path, {"on": False})
        if role in control:
            assert on.status_code == 200, (role, on.text)
            assert on.json()["recording"]["on"] is True and on.json()["recording"]["since"]
            assert off.json() == {"recording": {"on": False, "since": None}}, role
        else:
            for reply in (on, off):
                assert reply.status_code == 403 and reply.json()["error"]["code"] == "forbidden"
        listed = world.call(token, "GET", f"/api/sessions/{session_id}/recordings")
        assert listed.status_code == (200 if role in readers else 403), (role, listed.text)
        if role in readers:
            entries = listed.json()["recordings"]
            assert {e["may_download"] for e in entries} == {role in DOWNLOADERS}
    # Nobody talked and nothing was shown: each start left a failed recording, not a file.
    for _ in range(50):  # each row is stored from a worker thread, just after its start
        entries = recordings(world, session_id)["recordings"]
        if len(entries) == len(control):
            break
        time.sleep(0.1)
    assert len(entries) == len(control)
    assert {e["state"] for e in entries} <= {"failed", "recording"}
    assert [e["started_by"] for e in entries] == [f"account:{r}" for r in ROLES if r in control]
    assert all(e["download_url"] is None for e in entries)
    # A recording that is not complete cannot be downloaded, nor its manifest read.
    first = entries[0]["id"]
    reply = world.call(world.admin, "GET", f"/api/recordings/{first}")
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "recording_unavailable"
    assert reply.json()["error"]["field"] == "recording_id"
    reply = world.call(world.admin, "GET", f"/api/recordings/{first}/manifest")
    assert reply.status_code == 409
    reply = world.call(world.admin, "GET", "/api/recordings/999999")
    assert reply.status_code == 404 and reply.json()["error"]["field"] == "recording_id"
    # Another organiser's recording is not its to list or download.
    reply = world.call(world.tokens["other_organiser"], "GET", f"/api/recordings/{first}")
    assert reply.status_code == 403
    # Bad bodies are said of their field.
    reply = world.call(world.admin, "POST", path, {"on": "yes"})
    assert reply.status_code == 422 and reply.json()["error"]["field"] == "on"
    reply = world.call(world.admin, "POST", path, {})
    assert reply.status_code == 422 and reply.json()["error"]["problem"] == "missing"
    # Not before the session opens; never once it is closed.
    scheduled = world.session(state="scheduled")
    reply = world.call(world.admin, "POST", f"/api/sessions/{scheduled}/recording", {"on": True})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "session_not_open"
    world.call(world.admin, "POST", f"/api/sessions/{session_id}/close")
    reply = world.call(world.admin, "POST", path, {"on": True})
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "session_closed"


async def test_a_booking_that_asks_for_recording_is_recorded_from_its_opening(
    world: World,
) -> None:
    from tests.e2e.test_bookings_api import at, earliest

    day = earliest()
    body = {
        "title": "Giao ban có ghi hình",
        "host_site_id": world.sites[0],
        "roster": world.sites[:2],
        "starts_at": at(day, 9),
        "ends_at": at(day, 11),
        "record": True,
    }
    made = world.call(world.tokens["organiser"], "POST", "/api/bookings", body)
    assert made.status_code == 201, made.text
    booking_id = made.json()["booking"]["id"]
    approved = world.call(world.admin, "POST", f"/api/bookings/{booking_id}/approve", {})
    assert approved.status_code == 200, approved.text
    session_id = approved.json()["session"]["id"]
    assert world.call(world.admin, "POST", f"/api/sessions/{session_id}/open").status_code == 200
    assert recordings(world, session_id)["recording"]["on"] is False  # nobody there yet
    url = links(world, session_id)[world.sites[1]]
    hall = SiteClient(url, record_seconds=1)
    try:
        joined = await hall.join()
        # The booking's recording starts as the session is taken up: before the hall's
        # `joined` (which then carries it) or just after (a `recording` message).
        if not joined["recording"]["on"]:
            joined = await hall.expect("recording", where=lambda m: m["on"], timeout=10)
            assert joined["since"]
    finally:
        await hall.close()
    for _ in range(50):  # its row is stored from a worker thread, just after
        found = recordings(world, session_id)["recordings"]
        if found:
            break
        await asyncio.sleep(0.1)
    (entry,) = found
    assert entry["started_by"] == "booking"
