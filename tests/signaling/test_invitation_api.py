"""Invitations through the real app and a real SQLite file (in process): the page and the
``.ics`` of a roster hall, each with a fresh join link that the store accepts for that hall
and session and that stays good past the session's end; every one in the audit log; who
may ask (the session's organiser, office, admin) and who may not; refusals (a hall off the
roster, a session without a start, a closed one) as structured errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from starlette.testclient import TestClient

from bridge.demo import ensure_demo
from bridge.settings import Settings
from bridge.signaling.app import create_app
from bridge.store import Store

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRAL, LAO_CAI, QUANG_TRI, CA_MAU = 1, 2, 3, 4  # the demo's sites
PASSWORD = "mat-khau-du-dai"
LINK = re.compile(r"http://[^\s\"<]+/site/(\d+)#token=([A-Za-z0-9_-]+)")


class World:
    def __init__(self, client: TestClient, store: Store, admin: str) -> None:
        self.client = client
        self.store = store
        self.admin = admin

    def as_(self, token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        return self.client.request(method, path, headers=self.as_(token or self.admin), **kw)

    def account(self, username: str, role: str) -> str:
        body = {"username": username, "password": PASSWORD, "role": role}
        assert self.call("POST", "/api/accounts", json=body).status_code == 201
        reply = self.client.post("/api/login", json={"username": username, "password": PASSWORD})
        return str(reply.json()["token"])

    def session(self, token: str, starts: str | None = "2026-12-10T08:00:00+07:00") -> int:
        body = {"title": "Giao ban tháng 12", "host_site_id": CENTRAL, "roster": [LAO_CAI]}
        reply = self.call("POST", "/api/sessions", token, json=body)
        assert reply.status_code == 201, reply.text
        sid = int(reply.json()["session"]["id"])
        if starts is not None:
            schedule = {"starts_at": starts, "ends_at": "2026-12-10T11:30:00+07:00"}
            assert self.call("PUT", f"/api/sessions/{sid}/schedule", json=schedule).is_success
        return sid


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(tmp_path / "b.sqlite3")
    seed = ensure_demo(store)
    assert seed is not None and seed.password
    settings = Settings(
        database=tmp_path / "b.sqlite3", office_name="Văn phòng UBND tỉnh Quảng Trị"
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        token = client.post(
            "/api/login", json={"username": seed.operator, "password": seed.password}
        ).json()["token"]
        yield World(client, store, token)
    store.close()


def link_of(text: str) -> tuple[int, str]:
    found = LINK.search(text)
    assert found, text[:2000]
    return int(found.group(1)), found.group(2)


def test_the_page_and_the_calendar_file_carry_a_fresh_working_link(world: World) -> None:
    sid = world.session(world.admin)
    page = world.call("GET", f"/api/sessions/{sid}/invitations/{LAO_CAI}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "GIẤY MỜI" in page.text and "Điểm cầu tỉnh Lào Cai" in page.text
    assert "VĂN PHÒNG UBND TỈNH QUẢNG TRỊ" in page.text  # the setting, as a heading
    ics = world.call("GET", f"/api/sessions/{sid}/invitations/{LAO_CAI}.ics")
    assert ics.status_code == 200, ics.text
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert ics.headers["content-disposition"] == (
        f'attachment; filename="giay-moi-phien-{sid}-diem-cau-{LAO_CAI}.ics"'
    )
    cal = icalendar.Calendar.from_ical(ics.content)
    session, test = cal.walk("VEVENT")
    assert session.decoded("dtstart") == datetime(2026, 12, 10, 8, tzinfo=ICT)
    assert session.decoded("dtend") == datetime(2026, 12, 10, 11, 30, tzinfo=ICT)
    assert test.decoded("dtstart") == datetime(2026, 12, 9, 14, tzinfo=ICT)  # the day before
    assert str(session["uid"]) == f"session-{sid}-site-{LAO_CAI}@127.0.0.1"
    # Two links, both fresh, both good for that hall in that session until after the end.
    first, second = link_of(page.text), link_of(str(session["url"]))
    assert first[0] == second[0] == sid and first[1] != second[1]
    for _, token in (first, second):
        grant = world.store.tokens.check(token)
        assert (grant.session_id, grant.site_id) == (sid, LAO_CAI)
        assert grant.expires_at > datetime(2026, 12, 10, 11, 30, tzinfo=ICT)
    entries = world.call("GET", f"/api/sessions/{sid}/audit").json()["entries"]
    issued = [e for e in entries if e["action"] == "issue_invitation"]
    assert [(e["by"], e["detail"]["site_id"], e["detail"]["format"]) for e in issued] == [
        ("account:admin", LAO_CAI, "html"),
        ("account:admin", LAO_CAI, "ics"),
    ]


def test_the_organiser_office_and_admin_may_send_invitations_operators_observers_not(
    world: World,
) -> None:
    organiser = world.account("to.chuc", "organiser")
    other = world.account("to.chuc.khac", "organiser")
    office = world.account("van.phong", "office")
    operator = world.account("dieu.hanh", "operator")
    observer = world.account("quan.sat", "observer")
    sid = world.session(organiser)
    path = f"/api/sessions/{sid}/invitations/{CENTRAL}"
    for token in (organiser, office, world.admin):
        assert world.call("GET", path, token).status_code == 200
        assert world.call("GET", path + ".ics", token).status_code == 200
    for token in (other, operator, observer):
        for suffix in ("", ".ics"):
            reply = world.call("GET", path + suffix, token)
            assert reply.status_code == 403, reply.text
            assert reply.json()["error"]["code"] == "forbidden"
    bys = [
        e["by"]
        for e in world.call("GET", f"/api/sessions/{sid}/audit").json()["entries"]
        if e["action"] == "issue_invitation"
    ]
    assert bys == ["account:to.chuc"] * 2 + ["account:van.phong"] * 2 + ["account:admin"] * 2


def test_refusals_are_structured(world: World) -> None:
    sid = world.session(world.admin)
    off_roster = world.call("GET", f"/api/sessions/{sid}/invitations/{CA_MAU}.ics")
    assert off_roster.status_code == 404
    assert off_roster.json()["error"] | {"message": ""} == {
        "code": "unknown_site",
        "message": "",
        "field": "site_id",
    }
    assert world.call("GET", f"/api/sessions/{sid}/invitations/999").status_code == 404
    assert world.call("GET", f"/api/sessions/999/invitations/{LAO_CAI}").status_code == 404
    unscheduled = world.session(world.admin, starts=None)
    reply = world.call("GET", f"/api/sessions/{unscheduled}/invitations/{LAO_CAI}")
    assert reply.status_code == 409
    assert reply.json()["error"]["field"] == "starts_at"
    assert reply.json()["error"]["problem"] == "missing"
    assert world.call("POST", f"/api/sessions/{sid}/close").is_success
    closed = world.call("GET", f"/api/sessions/{sid}/invitations/{LAO_CAI}.ics")
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"
    # Nothing refused was audited, and no link was issued for the refused ones.
    entries = world.call("GET", f"/api/sessions/{sid}/audit").json()["entries"]
    assert not [e for e in entries if e["action"] == "issue_invitation"]
    assert world.client.get("/api/sessions/1/invitations/2").status_code == 401


def test_a_link_is_good_for_the_usual_time_at_least(world: World) -> None:
    """A session that starts within the hour: the link lasts the bridge's usual week."""
    now = world.store.db.clock()
    soon = now.astimezone(ICT).replace(microsecond=0).isoformat()
    sid = world.session(world.admin, starts=None)
    schedule = {"starts_at": soon}
    assert world.call("PUT", f"/api/sessions/{sid}/schedule", json=schedule).is_success
    page = world.call("GET", f"/api/sessions/{sid}/invitations/{LAO_CAI}")
    grant = world.store.tokens.check(link_of(page.text)[1])
    assert (grant.expires_at - now).total_seconds() >= 7 * 24 * 3600 - 60
    assert grant.expires_at.tzinfo is not None and grant.expires_at > datetime.now(UTC)
