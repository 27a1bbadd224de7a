"""The roll call, attendance and quality routes against a running bridge: who may mark
and read (every role, ownership included), the structured refusals of a bad mark, the
latest mark counting and every mark audited, attendance and the roll call's verdict."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBridge
from tests.e2e.test_permissions import ROLES, World

MARKERS = {"admin", "office", "organiser", "operator"}
READERS = MARKERS | {"observer"}


@pytest.fixture
def world(bridge: RunningBridge) -> World:
    w = World(bridge)
    w.setup()
    return w


def test_who_may_mark_and_read_the_roll_call_attendance_and_quality(world: World) -> None:
    sid = world.session()
    hall = world.sites[1]
    for role in ROLES:
        token = world.tokens[role]
        marked = world.call(
            token, "PUT", f"/api/sessions/{sid}/roll-call/{hall}", {"mark": "present"}
        )
        if role in MARKERS:
            assert marked.status_code == 200, (role, marked.text)
            assert marked.json()["roll_call"]["by"] == f"account:{role}"
        else:
            assert marked.status_code == 403, (role, marked.text)
            assert marked.json()["error"]["code"] == "forbidden"
        for path in ("roll-call", "attendance", "quality"):
            read = world.call(token, "GET", f"/api/sessions/{sid}/{path}")
            assert read.status_code == (200 if role in READERS else 403), (role, path, read.text)


def test_a_bad_mark_is_refused_with_its_field_and_the_latest_mark_counts(world: World) -> None:
    sid = world.session()
    host, hall, other = world.sites[:3]
    op = world.tokens["operator"]
    path = f"/api/sessions/{sid}/roll-call"

    def refused(site: int, body: dict, status: int, code: str, field: str, problem: str):
        reply = world.http.put(
            f"{path}/{site}",
            json=body,
            headers={"authorization": f"Bearer {op}", "accept-language": "vi"},
        )
        assert reply.status_code == status, reply.text
        error = reply.json()["error"]
        assert (error["code"], error.get("field"), error.get("problem")) == (code, field, problem)
        return error

    error = refused(hall, {"mark": "absent"}, 422, "reason_required", "reason", "missing")
    assert error["message"]  # in Vietnamese, as asked
    refused(hall, {"mark": "absent", "reason": "   "}, 422, "reason_required", "reason", "missing")
    refused(hall, {"mark": "elsewhere"}, 422, "invalid_input", "at_site_id", "missing")
    refused(
        hall,
        {"mark": "elsewhere", "at_site_id": hall},
        422,
        "invalid_input",
        "at_site_id",
        "invalid",
    )
    refused(
        hall,
        {"mark": "elsewhere", "at_site_id": world.sites[3]},
        422,
        "invalid_input",
        "at_site_id",
        "not_found",
    )
    refused(hall, {"mark": "late"}, 422, "invalid_input", "mark", "not_allowed")
    refused(hall, {"mark": "present", "extra": 1}, 422, "invalid_input", "extra", "unknown_field")
    reply = world.call(op, "PUT", f"{path}/{world.sites[3]}", {"mark": "present"})
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "unknown_site"

    assert (
        world.call(
            op, "PUT", f"{path}/{hall}", {"mark": "absent", "reason": "Mất điện"}
        ).status_code
        == 200
    )
    assert (
        world.call(op, "PUT", f"{path}/{other}", {"mark": "absent", "reason": "Bão"}).status_code
        == 200
    )
    assert (
        world.call(
            op, "PUT", f"{path}/{hall}", {"mark": "elsewhere", "at_site_id": host}
        ).status_code
        == 200
    )
    marks = world.call(op, "GET", path).json()["roll_calls"]
    assert [(r["site_id"], r["mark"], r["reason"], r["at_site_id"]) for r in marks] == [
        (hall, "elsewhere", "", host),
        (other, "absent", "Bão", None),
    ]
    # Nobody joined: measured absent all; the roll call's verdict is the final one.
    attendance = world.call(op, "GET", f"/api/sessions/{sid}/attendance").json()
    assert attendance["present_share"] == 0.85
    verdicts = {s["site_id"]: (s["present"], s["measured_present"]) for s in attendance["sites"]}
    assert verdicts == {host: (False, False), hall: (True, False), other: (False, False)}
    assert all(s["name"] for s in attendance["sites"])
    # Every mark is in the audit log, with who marked it.
    entries = world.call(world.admin, "GET", f"/api/sessions/{sid}/audit").json()["entries"]
    calls = [
        (e["by"], e["detail"]["site_id"], e["detail"]["mark"])
        for e in entries
        if e["action"] == "roll_call"
    ]
    assert calls == [
        ("account:operator", hall, "absent"),
        ("account:operator", other, "absent"),
        ("account:operator", hall, "elsewhere"),
    ]
    # A closed session's roll call stands as it was.
    assert world.call(op, "POST", f"/api/sessions/{sid}/close").status_code == 200
    closed = world.call(op, "PUT", f"{path}/{hall}", {"mark": "present"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"
    quality = world.call(op, "GET", f"/api/sessions/{sid}/quality").json()
    assert quality == {"session_id": sid, "window_s": 20, "sites": [], "worst": [], "summary": []}
