"""Reports through the real app and a real SQLite file (in process): a session's audit log,
roll call and quality windows as the live side writes them; closed over HTTP, its
summaries are written; its report (JSON, CSV, HTML) says what happened, to the second, and
equals the stored attendance; the period report counts it, lazily summarising a session
closed behind the bridge's back; who may read what; bad queries as structured errors."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bridge.attendance import RollCall, RollCallMark
from bridge.demo import ensure_demo
from bridge.reports.windows import QualityWindow
from bridge.settings import Settings
from bridge.signaling.app import create_app
from bridge.store import SessionState, Store
from bridge.store.records import AuditEntry

CENTRAL, LAO_CAI, QUANG_TRI, CA_MAU = 1, 2, 3, 4  # the demo's sites
PASSWORD = "mat-khau-du-dai"
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
END = START + timedelta(hours=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def site_entry(sid: int, minutes: float, action: str, site_id: int, state: str) -> AuditEntry:
    detail = {"site_id": site_id, "state": state, "muted": False, "hand_raised": False}
    return AuditEntry(0, sid, at(minutes), f"site:{site_id}", action, detail | {"removed": False})


def connected(sid: int, site_id: int, start: float, end: float) -> list[AuditEntry]:
    return [
        site_entry(sid, start, "join", site_id, "connecting"),
        site_entry(sid, start, "media_connected", site_id, "connected"),
        site_entry(sid, end, "media_lost", site_id, "connecting"),
    ]


def window(sid: int, site_id: int, minutes: float, grade: str, mos: float) -> QualityWindow:
    return QualityWindow(sid, site_id, at(minutes), 20, 5.0, 1.0, 80.0, 10, 8, 0, grade, mos)


class World:
    def __init__(self, client: TestClient, store: Store, admin: str) -> None:
        self.client = client
        self.store = store
        self.admin = admin

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"authorization": f"Bearer {token or self.admin}"}
        return self.client.request(method, path, headers=headers, **kw)

    def account(self, username: str, role: str) -> str:
        body = {"username": username, "password": PASSWORD, "role": role}
        assert self.call("POST", "/api/accounts", json=body).status_code == 201
        reply = self.client.post("/api/login", json={"username": username, "password": PASSWORD})
        return str(reply.json()["token"])

    def session(self, token: str, title: str = "Giao ban tháng 11") -> int:
        """A session held 08:00–09:00 on 30/11: Lào Cai on for 55 min across a cut,
        Quảng Trị for 20 min (late and early), Cà Mau marked absent; quality windows."""
        body = {"title": title, "host_site_id": CENTRAL, "roster": [LAO_CAI, QUANG_TRI, CA_MAU]}
        reply = self.call("POST", "/api/sessions", token, json=body)
        assert reply.status_code == 201, reply.text
        sid = int(reply.json()["session"]["id"])
        self.store.sessions.set_schedule(sid, START, END)
        self.store.sessions.set_state(sid, SessionState.OPEN)
        entries = [
            *connected(sid, CENTRAL, 0, 60),
            *connected(sid, LAO_CAI, 0, 40),
            *connected(sid, LAO_CAI, 45, 60),
            *connected(sid, QUANG_TRI, 10, 30),
            AuditEntry(0, sid, at(5), "account:op", "mute", {"site_id": QUANG_TRI, "state": "x"}),
        ]
        self.store.audit.append(sorted(entries, key=lambda e: e.at))
        mark = RollCall(CA_MAU, RollCallMark.ABSENT, "mất điện", by="account:op", at=at(1))
        self.store.attendance.mark(sid, mark)
        self.store.quality.append(
            [
                window(sid, LAO_CAI, 0, "good", 4.3),
                window(sid, LAO_CAI, 1 / 3, "poor", 2.5),
                window(sid, QUANG_TRI, 10, "fair", 3.5),
            ]
        )
        recording = self.store.recordings.start(sid, "phien-1.webm", "account:op", at(2))
        self.store.recordings.complete(
            recording.id,
            ended_at=at(52),
            bytes=1_000,
            sha256="ab" * 32,
            duration_s=3000.0,
            codec="VP8",
            chapters=[],
        )
        return sid


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(tmp_path / "b.sqlite3")
    seed = ensure_demo(store)
    assert seed is not None and seed.password
    settings = Settings(database=tmp_path / "b.sqlite3", office_name="Văn phòng UBND tỉnh")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        token = client.post(
            "/api/login", json={"username": seed.operator, "password": seed.password}
        ).json()["token"]
        yield World(client, store, token)
    store.close()


def test_a_closed_sessions_report_says_what_happened(world: World) -> None:
    organiser = world.account("to-chuc", "organiser")
    sid = world.session(organiser)
    assert world.call("POST", f"/api/sessions/{sid}/close", organiser).status_code == 200

    report = world.call("GET", f"/api/sessions/{sid}/report", organiser).json()
    assert report["session"]["start"] == START.isoformat()
    assert report["session"]["organiser"] == "to-chuc"
    assert report["session"]["agency"] == "Hội trường Trung ương"  # the host is central
    sites = {s["site_id"]: s for s in report["sites"]}
    lao_cai, quang_tri, ca_mau = sites[LAO_CAI], sites[QUANG_TRI], sites[CA_MAU]
    assert lao_cai["connected_s"] == 55 * 60 and lao_cai["reconnections"] == 1
    assert [i["seconds"] for i in lao_cai["intervals"]] == [40 * 60, 15 * 60]
    assert lao_cai["present"] is True  # 55 / 60 ≥ 85 %
    assert quang_tri["late_s"] == 600 and quang_tri["left_early_s"] == 1800
    assert quang_tri["present"] is False
    assert ca_mau["roll_call"]["mark"] == "absent" and ca_mau["present"] is False
    assert report["totals"]["present"] == 2  # the host and Lào Cai
    assert lao_cai["quality"] == {"windows": 2, "good": 1, "fair": 0, "poor": 1, "mean_mos": 3.4}
    assert report["worst"][0]["site_id"] == LAO_CAI and report["worst"][0]["grade"] == "poor"
    row = next(r for r in report["timeline"]["rows"] if r["site_id"] == LAO_CAI)
    assert report["timeline"]["cells"] == 180 and row["cells"][:4] == "gp.."
    assert [(a["by"], a["action"]) for a in report["actions"]][:1] == [("op", "mute")]
    assert any(a["action"] == "close_session" for a in report["actions"])
    (recording,) = report["recordings"]  # the one the bridge's own store keeps
    assert recording["file"] == "phien-1.webm" and recording["state"] == "complete"
    assert recording["sha256"] == "ab" * 32 and recording["duration_s"] == 3000.0

    # The report's figures are the stored attendance's (GET /attendance).
    attendance = world.call("GET", f"/api/sessions/{sid}/attendance", organiser).json()
    for a in attendance["sites"]:
        mine = sites[a["site_id"]]
        for key in ("connected_s", "late_s", "left_early_s", "reconnections", "share", "present"):
            assert mine[key] == a[key], key

    # Its summary was written when it closed (by the close's hook, off the request).
    for _ in range(100):
        summary = world.store.reports.session(sid)
        if summary is not None:
            break
        time.sleep(0.02)
    assert summary is not None and summary.held_online and not summary.booked
    rows = {r.site_id: r for r in world.store.reports.sites_of(sid)}
    assert rows[LAO_CAI].connected_s == 55 * 60 and rows[LAO_CAI].poor_windows == 1

    text = world.call("GET", f"/api/sessions/{sid}/report.csv?lang=vi", organiser)
    assert text.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert table[0][1] == "Điểm cầu" and len(table) == 1 + 4
    by_name = {r[1]: r for r in table[1:]}
    assert by_name["Điểm cầu tỉnh Lào Cai"][4] == "08:00–08:40; 08:45–09:00"
    assert by_name["Điểm cầu tỉnh Cà Mau"][10] == "Vắng"

    page = world.call("GET", f"/api/sessions/{sid}/report.html", organiser)
    assert page.headers["content-type"].startswith("text/html")
    assert "BÁO CÁO" in page.text and "Điểm cầu tỉnh Quảng Trị" in page.text
    assert page.text.count('<svg class="timeline"') == 1 and "<script" not in page.text
    assert "<b>phien-1.webm</b> — 08:02–08:52, hoàn tất, 50 phút, SHA-256 abababab" in page.text


def test_the_period_report_counts_closed_sessions_and_keeps_organisers_to_their_own(
    world: World,
) -> None:
    mine = world.account("to-chuc", "organiser")
    other = world.account("to-chuc-khac", "organiser")
    first = world.session(mine)
    second = world.session(other, "Giao ban khác")
    assert world.call("POST", f"/api/sessions/{first}/close", mine).status_code == 200
    # Closed in the store alone (as the command line does): summarised when first asked.
    world.store.sessions.set_state(second, SessionState.CLOSED)
    assert world.store.reports.session(second) is None

    office = world.call("GET", "/api/reports?quarter=2026-Q4").json()
    assert office["period"] == {
        "from": "2026-10-01",
        "to": "2026-12-31",
        "quarter": "2026-Q4",
        "timezone": "Asia/Ho_Chi_Minh",
    }
    assert office["totals"]["sessions"] == 2 and office["totals"]["held_online"] == 2
    assert office["totals"]["places"] == 8 and office["totals"]["present"] == 4
    lao_cai = next(s for s in office["sites"] if s["site_id"] == LAO_CAI)
    assert lao_cai["attendance_rate"] == 1.0 and lao_cai["hall_hours"] == round(110 / 60, 2)
    # Lào Cai had a poor window in both sessions, Quảng Trị a mean MOS under 3.6: repeated.
    assert [p["site_id"] for p in office["repeated_problems"]] == [LAO_CAI, QUANG_TRI]
    assert next(s for s in office["sites"] if s["site_id"] == CENTRAL)["repeated_problems"] is False
    assert {o["name"] for o in office["organisers"]} == {"to-chuc", "to-chuc-khac"}

    own = world.call("GET", "/api/reports?from=2026-11-01&to=2026-11-30", mine).json()
    assert [s["session_id"] for s in own["session_list"]] == [first]
    assert (
        world.call("GET", "/api/reports?from=2026-12-01&to=2026-12-31").json()["totals"]["sessions"]
        == 0
    )

    operator = world.account("van-hanh", "operator")
    assert world.call("GET", "/api/reports", operator).status_code == 403
    assert world.call("GET", f"/api/sessions/{second}/report", mine).status_code == 403

    text = world.call("GET", "/api/reports.csv?quarter=2026-Q4&lang=en")
    assert text.content.decode("utf-8-sig").startswith("Totals,2026-10-01,2026-12-31,2026-Q4")
    page = world.call("GET", "/api/reports.html?quarter=2026-Q4")
    assert "Quý IV năm 2026" in page.text and 'class="chart months"' in page.text


@pytest.mark.parametrize(
    ("query", "field", "problem"),
    [
        ("quarter=2026-Q5", "quarter", "invalid"),
        ("quarter=2026-Q1&from=2026-01-01", "quarter", "invalid"),
        ("from=2026-01-01", "to", "missing"),
        ("from=2026-02-01&to=2026-01-01", "to", "too_small"),
        ("from=2026-13-01&to=2026-12-31", "from", "invalid"),
        ("form=2026-01-01", "form", "unknown_field"),
    ],
)
def test_a_period_that_is_none_is_refused_naming_its_field(
    world: World, query: str, field: str, problem: str
) -> None:
    reply = world.call("GET", f"/api/reports?{query}")
    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert (error["field"], error["problem"]) == (field, problem)
