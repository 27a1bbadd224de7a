"""Connection tests through a real bridge's HTTP API: a session's schedule and its test
window (testing or not), refusals naming the field; the readiness board with every roster
site, results the runtime filed (written here straight into the bridge's database, as the
runtime does) and each site's trend; the CSV read back in Vietnamese and English; a site's
results over sessions; the audit log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bridge.store import Store
from tests.conftest import RunningBridge

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRAL, LAO_CAI, QUANG_TRI, CA_MAU = 1, 2, 3, 4  # the demo's sites
MIC = {
    "code": "mic_no_signal",
    "severity": "not_ready",
    "vi": "micrô không có tín hiệu",
    "en": "the microphone has no signal",
    "advice_vi": "kiểm tra cáp micrô và bộ trộn âm",
    "advice_en": "check the microphone cable and the mixer",
    "field": "mic_level_db",
}


@pytest.fixture
def api(bridge: RunningBridge) -> httpx.Client:
    token = bridge.login()
    return httpx.Client(
        base_url=bridge.url, headers={"authorization": f"Bearer {token}"}, timeout=10
    )


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def new_session(api: httpx.Client, title: str = "Giao ban tháng 12") -> int:
    body = {"title": title, "host_site_id": CENTRAL, "roster": [LAO_CAI, QUANG_TRI, CA_MAU]}
    return int(ok(api.post("/api/sessions", json=body), 201)["session"]["id"])


def result(session_id: int, site_id: int, finished: datetime, state: str, **f: Any) -> dict:
    figures = {
        "rtt_ms": 48.0,
        "jitter_in_ms": 3.0,
        "loss_in_pct": 0.0,
        "mic_level_db": -23.5,
        "speaker_loop_verified": True,
        "mos": 4.3,
        "r_factor": 87.9,
        **f,
    }
    return {
        "site_id": site_id,
        "session_id": session_id,
        "source": "hall",
        "by": f"site:{site_id}",
        "started_at": (finished - timedelta(seconds=19)).isoformat(),
        "finished_at": finished.isoformat(),
        "state": state,
        "figures": figures,
        "reasons": [MIC] if state == "not_ready" else [],
        "unmeasured": [],
    }


def test_schedule_and_window(api: httpx.Client, bridge: RunningBridge) -> None:
    sid = new_session(api)
    empty = ok(api.get(f"/api/sessions/{sid}/schedule"))
    assert empty == {
        "session_id": sid,
        "schedule": {"starts_at": None, "ends_at": None, "test_from": None, "test_until": None},
        "window": None,
        "testing": False,
    }
    # A briefing on Monday 14 December 2026 at 09:00: the window opens on Friday at 14:00.
    monday = "2026-12-14T09:00:00+07:00"
    body = {"starts_at": monday, "ends_at": "2026-12-14T11:30:00+07:00"}
    set_ = ok(api.put(f"/api/sessions/{sid}/schedule", json=body))
    assert set_["schedule"]["starts_at"] == "2026-12-14T02:00:00+00:00"
    assert set_["window"] == {
        "opens": "2026-12-11T07:00:00+00:00",
        "closes": "2026-12-14T02:00:00+00:00",
        "default": True,
    }
    assert ok(api.get(f"/api/sessions/{sid}/schedule")) == set_

    # Explicit ends around now: the session is testing.
    now = datetime.now(UTC)
    body = {
        "starts_at": (now + timedelta(hours=3)).isoformat(),
        "test_from": (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
    }
    testing = ok(api.put(f"/api/sessions/{sid}/schedule", json=body))
    assert testing["testing"] is True and testing["window"]["default"] is False
    assert testing["schedule"]["test_until"] is None
    # An open session runs tests on demand: it is not "testing".
    ok(api.post(f"/api/sessions/{sid}/open"))
    assert ok(api.get(f"/api/sessions/{sid}/schedule"))["testing"] is False

    # Refusals name the field, in Vietnamese unless asked otherwise.
    bad = api.put(f"/api/sessions/{sid}/schedule",
                  json={"starts_at": monday, "ends_at": "2026-12-14T08:00:00+07:00"})  # fmt: skip
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert (error["field"], error["problem"]) == ("ends_at", "too_small")
    assert error["message"].startswith("Trường «ends_at» phải lớn hơn 2026-12-14")
    for body, field, problem in [
        ({"starts_at": "2026-12-14T09:00:00"}, "starts_at", "invalid"),  # no offset
        ({"starts_at": "2026-13-14T09:00:00+07:00"}, "starts_at", "invalid"),
        ({"starts_at": "14/12/2026 09:00 +07:00"}, "starts_at", "invalid"),
        ({}, "starts_at", "missing"),
        ({"starts_at": None, "test_from": monday}, "test_from", "invalid"),
        ({"starts_at": monday, "test_until": "2026-12-11T13:00:00+07:00"}, "test_until",
         "too_small"),
        ({"starts_at": 1765677600}, "starts_at", "wrong_type"),
    ]:  # fmt: skip
        reply = api.put(f"/api/sessions/{sid}/schedule", json=body,
                        headers={"accept-language": "en"})  # fmt: skip
        assert reply.status_code == 422, (body, reply.text)
        error = reply.json()["error"]
        assert (error["field"], error["problem"]) == (field, problem), body
        assert error["message"].startswith(f"Field “{field}”")
    assert api.put("/api/sessions/999/schedule", json={"starts_at": None}).status_code == 404
    # Clearing it.
    assert ok(api.put(f"/api/sessions/{sid}/schedule", json={"starts_at": None}))["window"] is None
    # A closed session's schedule is history.
    ok(api.post(f"/api/sessions/{sid}/close"))
    closed = api.put(f"/api/sessions/{sid}/schedule", json={"starts_at": monday})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"

    # Each change is in the session's audit log, with who and what.
    entries = ok(api.get(f"/api/sessions/{sid}/audit"))["entries"]
    changes = [e for e in entries if e["action"] == "set_schedule"]
    assert len(changes) == 3 and all(e["by"] == "account:admin" for e in changes)
    assert changes[0]["detail"]["starts_at"] == "2026-12-14T02:00:00+00:00"
    assert changes[0]["detail"]["ends_at"] == "2026-12-14T04:30:00+00:00"
    assert changes[-1]["detail"]["starts_at"] is None


def test_the_board_its_csv_and_a_sites_tests(api: httpx.Client, bridge: RunningBridge) -> None:
    earlier = new_session(api, "Giao ban tháng 11")
    sid = new_session(api)
    ok(api.put(f"/api/sessions/{sid}/schedule", json={"starts_at": "2026-12-14T09:00:00+07:00"}))
    before = ok(api.get(f"/api/sessions/{sid}/readiness"))
    assert before["session_id"] == sid and before["testing"] is False
    assert before["window"]["opens"] == "2026-12-11T07:00:00+00:00"
    assert [(r["site_id"], r["position"], r["state"]) for r in before["sites"]] == [
        (CENTRAL, 1, "not_tested"),
        (LAO_CAI, 2, "not_tested"),
        (QUANG_TRI, 3, "not_tested"),
        (CA_MAU, 4, "not_tested"),
    ]

    # What the runtime files when tests end, into the bridge's own database.
    friday = datetime(2026, 12, 11, 14, 10, tzinfo=ICT)
    with Store(bridge.database) as store:
        store.readiness.record(result(earlier, LAO_CAI, friday - timedelta(days=30), "ready"))
        store.readiness.record(result(sid, LAO_CAI, friday, "not_ready", mic_level_db=-97.0))
        store.readiness.record(result(sid, CA_MAU, friday, "warning", speaker_loop_verified=None))
        store.readiness.record(result(sid, CENTRAL, friday + timedelta(minutes=5), "ready"))

    found = ok(api.get(f"/api/sessions/{sid}/readiness"))
    rows = {r["site_id"]: r for r in found["sites"]}
    assert [r["state"] for r in found["sites"]] == ["ready", "not_ready", "not_tested", "warning"]
    lao_cai = rows[LAO_CAI]
    assert lao_cai["name"] == "Điểm cầu tỉnh Lào Cai" and lao_cai["level"] == "province"
    assert lao_cai["at"] == "2026-12-11T07:10:00+00:00" and lao_cai["source"] == "hall"
    assert lao_cai["figures"]["mic_level_db"] == -97.0
    assert [r["code"] for r in lao_cai["reasons"]] == ["mic_no_signal"]
    assert lao_cai["trend"] == [
        {"session_id": earlier, "finished_at": "2026-11-11T07:10:00+00:00", "state": "ready",
         "mos": 4.3}
    ]  # fmt: skip
    assert rows[QUANG_TRI]["figures"] is None and rows[QUANG_TRI]["trend"] == []

    # The CSV, in Vietnamese by default.
    reply = api.get(f"/api/sessions/{sid}/readiness.csv")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert f"readiness-session-{sid}.csv" in reply.headers["content-disposition"]
    assert reply.content.startswith("\ufeff".encode())  # for Excel's sake
    lines = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert list(lines[0])[:4] == ["STT", "Điểm cầu", "Trạng thái", "Thời gian kiểm tra"]
    assert [line["Điểm cầu"] for line in lines] == [
        "Hội trường Trung ương",
        "Điểm cầu tỉnh Lào Cai",
        "Điểm cầu tỉnh Quảng Trị",
        "Điểm cầu tỉnh Cà Mau",
    ]
    assert [line["Trạng thái"] for line in lines] == [
        "Sẵn sàng",
        "Chưa sẵn sàng",
        "Chưa kiểm tra",
        "Cảnh báo",
    ]
    assert lines[1]["Lý do"] == "micrô không có tín hiệu"
    assert lines[1]["Thời gian kiểm tra"] == "2026-12-11 14:10"  # office time
    assert lines[1]["Mức micrô (dBFS)"] == "-97.0" and lines[1]["MOS"] == "4.30"
    assert lines[3]["Vòng loa - micrô"] == "chưa xác minh được"
    assert lines[0]["Vòng loa - micrô"] == "có"

    # In English, by ?lang= or by Accept-Language; ?lang= wins.
    for params, headers in (({"lang": "en"}, {}), ({}, {"accept-language": "en-GB,en;q=0.8"})):
        english = api.get(f"/api/sessions/{sid}/readiness.csv", params=params, headers=headers)
        lines = list(csv.DictReader(io.StringIO(english.content.decode("utf-8-sig"))))
        assert list(lines[0])[:3] == ["Position", "Site", "State"]
        assert lines[1]["State"] == "Not ready" and lines[2]["State"] == "Not tested"
        assert lines[1]["Reasons"] == "the microphone has no signal"
    vi = api.get(f"/api/sessions/{sid}/readiness.csv", params={"lang": "vi"},
                 headers={"accept-language": "en"})  # fmt: skip
    assert vi.content.decode("utf-8-sig").startswith("STT,Điểm cầu")
    bad = api.get(f"/api/sessions/{sid}/readiness.csv", params={"lang": "fr"})
    assert bad.status_code == 422
    assert (bad.json()["error"]["field"], bad.json()["error"]["problem"]) == ("lang", "not_allowed")
    assert api.get("/api/sessions/999/readiness.csv").status_code == 404

    # A site's results over every session, newest first.
    tests = ok(api.get(f"/api/sites/{LAO_CAI}/connection-tests"))
    assert tests["site"]["id"] == LAO_CAI
    assert [(t["session_id"], t["state"]) for t in tests["tests"]] == [
        (sid, "not_ready"),
        (earlier, "ready"),
    ]
    one = ok(api.get(f"/api/sites/{LAO_CAI}/connection-tests", params={"limit": 1}))["tests"]
    assert [t["session_id"] for t in one] == [sid]
    assert ok(api.get(f"/api/sites/{QUANG_TRI}/connection-tests"))["tests"] == []
    assert api.get("/api/sites/999/connection-tests").status_code == 404
    limit = api.get(f"/api/sites/{LAO_CAI}/connection-tests", params={"limit": "x"})
    assert limit.status_code == 422 and limit.json()["error"]["field"] == "limit"
    # No route writes results.
    assert api.post(f"/api/sessions/{sid}/readiness", json={}).status_code == 405
