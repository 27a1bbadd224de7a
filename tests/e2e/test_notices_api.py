"""A session's notices against a running bridge: posted (multipart) by who may, refused
with structured errors past the size limit or when the document is not what its name says,
listed with every hall's receipt, withdrawn; their documents served as attachments only to
the session's staff and to the session's halls (their join token), never to a hall of
another session or to a stranger; every change in the audit log."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningBridge, start_bridge
from tests.e2e.test_permissions import ROLES, World
from tests.notices import samples

LIMIT = 64 * 1024  # the bridge under test's notice_max_bytes


@pytest.fixture
def small_limit_bridge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningBridge]:
    monkeypatch.setenv("BRIDGE_NOTICE_MAX_BYTES", str(LIMIT))
    running = start_bridge(tmp_path / "bridge.sqlite3")
    yield running
    running.stop()


@pytest.fixture
def world(small_limit_bridge: RunningBridge) -> World:
    w = World(small_limit_bridge)
    w.setup()
    return w


def post(
    world: World, token: str, session_id: int, files: dict | None = None, **fields: str
) -> httpx.Response:
    data = {"kind": "document", "title": "Tài liệu hội nghị", **fields}
    return world.http.post(
        f"/api/sessions/{session_id}/notices",
        data=data,
        files=files,
        headers={"authorization": f"Bearer {token}", "accept-language": "vi"},
    )


def hall_token(world: World, session_id: int) -> dict[int, str]:
    """A join token for each roster site of the session, by site id."""
    reply = world.call(world.admin, "POST", f"/api/sessions/{session_id}/links", {})
    assert reply.status_code == 200, reply.text
    return {link["site_id"]: link["url"].split("#token=")[1] for link in reply.json()["links"]}


def error(reply: httpx.Response) -> dict:
    return reply.json()["error"]


def test_posting_is_the_organisers_the_offices_and_admins(world: World) -> None:
    session_id = world.session()
    allowed = {"admin", "office", "organiser"}
    readers = {"admin", "office", "organiser", "operator", "observer"}
    for role in ROLES:
        token = world.tokens[role]
        reply = post(world, token, session_id, title=f"Thông báo của {role}")
        if role in allowed:
            assert reply.status_code == 201, (role, reply.text)
        else:
            assert reply.status_code == 403 and error(reply)["code"] == "forbidden", role
        listed = world.call(token, "GET", f"/api/sessions/{session_id}/notices")
        assert listed.status_code == (200 if role in readers else 403), (role, listed.text)
    notices = world.call(world.admin, "GET", f"/api/sessions/{session_id}/notices").json()
    posters = [f"account:{r}" for r in sorted(allowed, key=ROLES.index)]
    assert [n["posted_by"] for n in notices["notices"]] == posters
    # Withdrawing is posting's: the operator may not, the organiser may.
    first = notices["notices"][0]["id"]
    path = f"/api/sessions/{session_id}/notices/{first}"
    assert world.call(world.tokens["operator"], "DELETE", path).status_code == 403
    assert world.call(world.tokens["other_organiser"], "DELETE", path).status_code == 403
    gone = world.call(world.tokens["organiser"], "DELETE", path)
    assert gone.status_code == 200 and gone.json()["notice"]["withdrawn_at"]


def test_upload_limits_answer_structured_errors(world: World) -> None:
    session_id = world.session()
    organiser = world.tokens["organiser"]
    big = samples.PDF + b"\0" * LIMIT
    reply = post(world, organiser, session_id, files={"file": ("lon.pdf", big, "application/pdf")})
    assert reply.status_code == 413, reply.text
    assert error(reply)["code"] == "file_too_large" and error(reply)["field"] == "file"
    assert error(reply)["problem"] == "too_large"

    # Sent without a declared length (chunked): refused as it streams in.
    def chunks() -> Iterator[bytes]:
        boundary = b"--xyz"
        yield boundary + b'\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndocument\r\n'
        yield boundary + b'\r\nContent-Disposition: form-data; name="title"\r\n\r\nX\r\n'
        yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        yield b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        for _ in range(2 * LIMIT // 4096):
            yield b"\0" * 4096

    streamed = world.http.post(
        f"/api/sessions/{session_id}/notices",
        content=chunks(),
        headers={
            "authorization": f"Bearer {organiser}",
            "content-type": "multipart/form-data; boundary=xyz",
        },
    )
    assert streamed.status_code == 413 and error(streamed)["code"] == "file_too_large"

    exe = post(world, organiser, session_id, files={"file": ("giay-moi.pdf", samples.EXE)})
    assert exe.status_code == 415, exe.text
    assert error(exe) == {
        "code": "unsupported_file_type",
        "field": "file",
        "problem": "not_allowed",
        "message": error(exe)["message"],
    }
    assert "pdf, doc, xls" in error(exe)["message"]
    named = post(world, organiser, session_id, files={"file": ("x.docx", samples.PDF)})
    assert named.status_code == 415
    bomb = post(world, organiser, session_id, files={"file": ("bom.docx", samples.lying_bomb(20))})
    assert bomb.status_code == 415

    for fields, field, problem in (
        ({"kind": "memo"}, "kind", "not_allowed"),
        ({"title": ""}, "title", "too_short"),
        ({"title": "   "}, "title", "blank"),
        ({"extra": "x"}, "extra", "unknown_field"),
    ):
        reply = post(world, organiser, session_id, **fields)
        assert reply.status_code == 422, (fields, reply.text)
        assert (error(reply)["field"], error(reply)["problem"]) == (field, problem)
    as_json = world.call(organiser, "POST", f"/api/sessions/{session_id}/notices", {"x": 1})
    assert as_json.status_code == 422 and error(as_json)["field"] == "content-type"
    # Nothing refused was kept.
    listed = world.call(organiser, "GET", f"/api/sessions/{session_id}/notices").json()
    assert listed["notices"] == []
    folder = world.bridge.database.parent / "notices"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_documents_are_served_only_to_the_sessions_staff_and_halls(world: World) -> None:
    session_id = world.session()
    organiser = world.tokens["organiser"]
    docx = samples.sample("docx")
    posted = post(
        world,
        organiser,
        session_id,
        kind="invitation",
        title="Giấy mời họp giao ban",
        body="Kính mời các điểm cầu dự họp.",
        files={"file": ("Giấy mời.docx", docx)},
    )
    assert posted.status_code == 201, posted.text
    notice = posted.json()["notice"]
    assert notice["file_type"] == "docx" and notice["file_size"] == len(docx)
    assert notice["reads"] == [] and notice["unread_site_ids"] == world.sites[:3]
    stored = world.bridge.database.parent / "notices" / notice["file_sha256"]
    assert stored.read_bytes() == docx and stat.S_IMODE(stored.stat().st_mode) == 0o600

    staff_path = f"/api/sessions/{session_id}/notices/{notice['id']}/file"
    for role in ("admin", "office", "organiser", "operator", "observer"):
        reply = world.call(world.tokens[role], "GET", staff_path)
        assert reply.status_code == 200, (role, reply.text)
        assert reply.content == docx
        assert reply.headers["content-type"] == "application/octet-stream"
        assert reply.headers["x-content-type-options"] == "nosniff"
        disposition = reply.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=utf-8''Gi%E1%BA%A5y%20m%E1%BB%9Di.docx" in disposition
    for role in ("other_organiser", "other_operator"):
        assert world.call(world.tokens[role], "GET", staff_path).status_code == 403, role
    assert world.http.get(staff_path).status_code == 401  # a stranger

    halls = hall_token(world, session_id)
    hall, other_hall = world.sites[1], world.sites[2]
    hall_path = f"/api/sessions/{session_id}/hall/notices"

    def as_hall(token: str, path: str, method: str = "GET") -> httpx.Response:
        return world.http.request(method, path, headers={"authorization": f"Bearer {token}"})

    # A hall of another session (the demo session's links), a stranger, a staff token.
    demo_token = next(iter(world.bridge.links.values())).split("#token=")[1]
    for token, status in ((demo_token, 403), ("nonsense", 401), (organiser, 401)):
        for path in (hall_path, f"{hall_path}/{notice['id']}/file"):
            reply = as_hall(token, path)
            assert reply.status_code == status, (token, path, reply.text)
    assert world.http.get(hall_path).status_code == 401
    # …and the demo's hall asking about its own session finds no such notice there.
    own = as_hall(demo_token, f"/api/sessions/1/hall/notices/{notice['id']}/file")
    assert own.status_code == 404

    listed = as_hall(halls[hall], hall_path).json()["notices"]
    assert [(n["id"], n["read"]) for n in listed] == [(notice["id"], False)]
    assert "posted_by" not in listed[0] and "reads" not in listed[0]
    file = as_hall(halls[hall], f"{hall_path}/{notice['id']}/file")
    assert file.status_code == 200 and file.content == docx
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["x-content-type-options"] == "nosniff"
    # Fetching it was reading it; the organiser sees which hall did, and which not.
    assert as_hall(halls[hall], hall_path).json()["notices"][0]["read"] is True
    seen = world.call(organiser, "GET", f"/api/sessions/{session_id}/notices").json()["notices"][0]
    assert [r["site_id"] for r in seen["reads"]] == [hall]
    assert seen["unread_site_ids"] == [world.sites[0], other_hall]
    # A hall waiting for its session confirms reading over HTTP; a second time changes nothing.
    first = as_hall(halls[other_hall], f"{hall_path}/{notice['id']}/read", "POST").json()
    again = as_hall(halls[other_hall], f"{hall_path}/{notice['id']}/read", "POST").json()
    assert first == again and first["site_id"] == other_hall

    notice_path = f"/api/sessions/{session_id}/notices/{notice['id']}"
    withdrawn = world.call(organiser, "DELETE", notice_path)
    assert withdrawn.status_code == 200
    assert as_hall(halls[hall], hall_path).json()["notices"] == []
    assert as_hall(halls[hall], f"{hall_path}/{notice['id']}/file").status_code == 404
    assert world.call(organiser, "GET", staff_path).status_code == 200  # on record for staff

    audit = world.call(organiser, "GET", f"/api/sessions/{session_id}/audit").json()["entries"]
    told = [(e["action"], e["by"]) for e in audit if e["action"].startswith("notice_")]
    assert told == [
        ("notice_post", "account:organiser"),
        ("notice_read", f"site:{hall}"),
        ("notice_read", f"site:{other_hall}"),
        ("notice_withdraw", "account:organiser"),
    ]


def test_a_closed_session_takes_no_notice(world: World) -> None:
    session_id = world.session()
    assert world.call(world.admin, "POST", f"/api/sessions/{session_id}/close").status_code == 200
    reply = post(world, world.tokens["organiser"], session_id)
    assert reply.status_code == 409 and error(reply)["code"] == "session_closed"


async def test_a_joined_hall_confirms_reading_over_its_websocket(world: World) -> None:
    """`notices` on joining; `notice_read` kept once; another session's notice or a
    withdrawn one is `not_found`."""
    import asyncio
    import json

    import websockets

    session_id = world.session()
    other = world.session()
    organiser = world.tokens["organiser"]
    notice = post(world, organiser, session_id, title="Chương trình").json()["notice"]
    elsewhere = post(world, organiser, other, title="Khác").json()["notice"]
    gone = post(world, organiser, session_id, title="Rút lại").json()["notice"]
    world.call(organiser, "DELETE", f"/api/sessions/{session_id}/notices/{gone['id']}")
    hall = world.sites[1]
    token = hall_token(world, session_id)[hall]
    async with websockets.connect(world.bridge.url.replace("http", "ws") + "/ws") as ws:
        await ws.send(json.dumps({"type": "join", "session_id": session_id, "token": token}))
        received: dict[str, dict] = {}
        while "notices" not in received:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            received[message["type"]] = message
        assert [n["id"] for n in received["notices"]["notices"]] == [notice["id"]]
        for notice_id, ref in ((notice["id"], "a"), (notice["id"], "b"), (elsewhere["id"], "c"),
                               (gone["id"], "d")):  # fmt: skip
            await ws.send(json.dumps({"type": "notice_read", "notice_id": notice_id, "id": ref}))
        await ws.send(json.dumps({"type": "ping", "id": "end"}))
        errors = {}
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "error":
                errors[message["ref_id"]] = (message["code"], message.get("field"))
            if message["type"] == "pong":
                break
    assert errors == {"c": ("not_found", "notice_id"), "d": ("not_found", "notice_id")}
    listed = world.call(organiser, "GET", f"/api/sessions/{session_id}/notices").json()
    assert [r["site_id"] for r in listed["notices"][0]["reads"]] == [hall]
    audit = world.call(organiser, "GET", f"/api/sessions/{session_id}/audit").json()["entries"]
    assert [e["by"] for e in audit if e["action"] == "notice_read"] == [f"site:{hall}"]
