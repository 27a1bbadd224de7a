"""Bookings through a real bridge's HTTP API, with its e-mails received by a real SMTP
server on loopback (aiosmtpd): the approval state machine (every transition, and the
refused ones with their codes), the lead time refused naming the earliest day and
overridden by the office with a reason (an organiser cannot), hall conflicts at request and
at approval naming the other session (through the session's time and through a test
window), a series, declared days and the calendar, notifications, the audit log, and an
approved session that is testing in its window and opens by itself at its start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller

from bridge.bookings import OfficeCalendar, check_lead_time
from tests.conftest import RunningBridge, free_port, start_bridge

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRAL, LAO_CAI, QUANG_TRI, CA_MAU = 1, 2, 3, 4  # the demo's sites
PASSWORD = "mat-khau-dai-du"


@dataclass
class Inbox:
    """What the SMTP server received: each message with its envelope's recipients."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def wait_for(self, address: str, count: int, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{address}: {len(self.to(address))} e-mails, not {count}")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def office_bridge(
    tmp_path: Path, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningBridge]:
    monkeypatch.setenv("BRIDGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIDGE_SMTP_PORT", str(inbox[1]))
    monkeypatch.setenv("BRIDGE_SMTP_STARTTLS", "false")
    monkeypatch.setenv("BRIDGE_SMTP_FROM", "vanphong@tinh.example")
    monkeypatch.setenv("BRIDGE_SCHEDULE_CHECK_S", "0.5")
    running = start_bridge(tmp_path / "bridge.sqlite3")
    yield running
    running.stop()


class Office:
    """Accounts of each kind on one bridge, and calls as each."""

    def __init__(self, bridge: RunningBridge) -> None:
        self.bridge = bridge
        self.http = httpx.Client(base_url=bridge.url, timeout=15)
        self.tokens = {"admin": bridge.login()}
        self.ids: dict[str, int] = {}

    def call(self, who: str, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.tokens[who]}", "accept-language": "vi"}
        headers.update(kw.pop("headers", {}))
        return self.http.request(method, path, json=body, headers=headers, **kw)

    def ok(self, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        reply = self.call(who, method, path, body)
        assert reply.status_code == status, (method, path, reply.text)
        return reply.json()

    def refused(
        self, who: str, method: str, path: str, body: Any, status: int, code: str, **kw: Any
    ) -> dict[str, Any]:
        reply = self.call(who, method, path, body, **kw)
        assert reply.status_code == status, (method, path, reply.text)
        error = reply.json()["error"]
        assert error["code"] == code, error
        return dict(error)

    def account(self, name: str, role: str, email: str | None = None) -> None:
        body = {"username": name, "password": PASSWORD, "role": role}
        if email:
            body["email"] = email
        self.ids[name] = self.ok("admin", "POST", "/api/accounts", body, 201)["account"]["id"]
        reply = self.http.post("/api/login", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        self.tokens[name] = reply.json()["token"]


def office_calendar(extra_off: frozenset[date] = frozenset()) -> OfficeCalendar:
    return OfficeCalendar(days_off=extra_off)


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ICT).isoformat()


def today() -> date:
    return datetime.now(UTC).astimezone(ICT).date()


def earliest(calendar: OfficeCalendar | None = None) -> date:
    now = datetime.now(UTC)
    return check_lead_time(now, now, "Asia/Ho_Chi_Minh", calendar or office_calendar()).earliest_day


def booking(day: date, roster: list[int], title: str = "Giao ban", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "agenda": "1. Tình hình tháng\n2. Nhiệm vụ",
        "host_site_id": CENTRAL,
        "roster": roster,
        "starts_at": at(day, 9),
        "ends_at": at(day, 11),
        **extra,
    }


def test_the_approval_state_machine_lead_time_conflicts_notifications_and_emails(
    office_bridge: RunningBridge, inbox: tuple[Inbox, int]
) -> None:
    mail, _ = inbox
    o = Office(office_bridge)
    o.account("van.phong", "office", "vanphong@tinh.example")
    o.account("to.chuc", "organiser", "tochuc@so.example")
    o.account("khac", "organiser")
    o.account("dieu.hanh", "operator")
    o.account("quan.sat", "observer")
    hall = o.ok(
        "admin",
        "POST",
        "/api/sites",
        {"name": "Huyện Bát Xát", "level": "district", "parent_id": LAO_CAI,
         "email": "batxat@huyen.example"},
        201,
    )["site"]["id"]  # fmt: skip
    first = earliest()
    assert first > today()

    # The lead time: too soon is refused, naming the earliest day; an organiser may not
    # override it, the office may, with a reason.
    soon = booking(today() + timedelta(days=1), [LAO_CAI])
    check = o.ok("to.chuc", "POST", "/api/bookings/check", soon)["check"]
    assert check["lead_time"]["ok"] is False
    assert check["lead_time"]["earliest_day"] == first.isoformat()
    error = o.refused("to.chuc", "POST", "/api/bookings", soon, 422, "lead_time")
    assert (error["field"], error["problem"]) == ("starts_at", "too_small")
    assert first.strftime("%d/%m/%Y") in error["message"], error
    english = o.refused("to.chuc", "POST", "/api/bookings", soon, 422, "lead_time",
                        headers={"accept-language": "en"})  # fmt: skip
    assert first.isoformat() in english["message"]
    overridden = {**soon, "lead_override_reason": "Chỉ đạo khẩn của UBND tỉnh"}
    o.refused("to.chuc", "POST", "/api/bookings", overridden, 403, "forbidden")
    urgent = o.ok("van.phong", "POST", "/api/bookings", overridden, 201)["booking"]
    assert urgent["lead_time"]["ok"] is False
    assert urgent["lead_time"]["override_reason"] == "Chỉ đạo khẩn của UBND tỉnh"

    # A request on the earliest day: requested, the organiser's own.
    body = booking(first, [LAO_CAI, hall], "Giao ban quý IV")
    made = o.ok("to.chuc", "POST", "/api/bookings", body, 201)
    b = made["booking"]
    assert b["state"] == "requested" and b["roster"] == [CENTRAL, LAO_CAI, hall]
    assert b["organiser"] == {"id": o.ids["to.chuc"], "username": "to.chuc"}
    assert made["check"]["lead_time"]["ok"] is True and b["actions"] == ["cancel"]
    bid = b["id"]
    path = f"/api/bookings/{bid}"

    # Who may see and decide: never an operator or observer; an organiser only its own.
    for who in ("dieu.hanh", "quan.sat"):
        o.refused(who, "GET", "/api/bookings", None, 403, "forbidden")
        o.refused(who, "GET", path, None, 403, "forbidden")
        o.refused(who, "POST", f"{path}/approve", {}, 403, "forbidden")
        o.refused(who, "POST", "/api/bookings", body, 403, "forbidden")
        o.refused(who, "GET", "/api/calendar", None, 403, "forbidden")
    o.refused("khac", "GET", path, None, 403, "forbidden")
    assert o.ok("khac", "GET", "/api/bookings")["bookings"] == []
    o.refused("to.chuc", "POST", f"{path}/approve", {}, 403, "forbidden")
    o.refused("to.chuc", "POST", f"{path}/reject", {"reason": "x"}, 403, "forbidden")
    office_view = o.ok("van.phong", "GET", path)["booking"]
    assert set(office_view["actions"]) == {"approve", "reschedule", "reject", "cancel"}

    # Transitions refused from the wrong state, and reasons required.
    o.refused("to.chuc", "POST", f"{path}/accept", None, 409, "booking_state")
    o.refused("to.chuc", "POST", f"{path}/decline", {}, 409, "booking_state")
    error = o.refused("van.phong", "POST", f"{path}/reject", {"reason": "  "}, 422,
                      "reason_required")  # fmt: skip
    assert (error["field"], error["problem"]) == ("reason", "missing")

    # Rescheduled, declined (back to requested), rescheduled again, accepted (approved).
    later = first + timedelta(days=7)
    proposal = {"starts_at": at(later, 14), "ends_at": at(later, 16), "reason": "Trùng lịch HĐND"}
    rescheduled = o.ok("van.phong", "POST", f"{path}/reschedule", proposal)["booking"]
    assert rescheduled["state"] == "rescheduled" and rescheduled["reason"] == "Trùng lịch HĐND"
    assert (
        rescheduled["proposed"]["starts_at"]
        == datetime.fromisoformat(at(later, 14)).astimezone(UTC).isoformat()
    )
    o.refused("van.phong", "POST", f"{path}/approve", {}, 409, "booking_state")
    o.refused("van.phong", "POST", f"{path}/accept", None, 403, "forbidden")
    o.refused("khac", "POST", f"{path}/accept", None, 403, "forbidden")
    declined = o.ok("to.chuc", "POST", f"{path}/decline", {"note": "Giữ lịch cũ"})["booking"]
    assert declined["state"] == "requested" and declined["proposed"] is None
    o.ok("van.phong", "POST", f"{path}/reschedule", proposal)
    accepted = o.ok("to.chuc", "POST", f"{path}/accept")["booking"]
    assert accepted["state"] == "approved" and accepted["session_id"]
    sid = accepted["session_id"]
    session = o.ok("admin", "GET", f"/api/sessions/{sid}")["session"]
    assert session["state"] == "scheduled" and session["roster"] == [CENTRAL, LAO_CAI, hall]
    assert session["organiser_id"] == o.ids["to.chuc"] and session["title"] == "Giao ban quý IV"
    schedule = o.ok("to.chuc", "GET", f"/api/sessions/{sid}/schedule")["schedule"]
    assert schedule["starts_at"] == rescheduled["proposed"]["starts_at"]
    assert [h["action"] for h in accepted["history"]] == [
        "request", "reschedule", "decline", "reschedule", "accept"
    ]  # fmt: skip
    assert [(h["from"], h["to"]) for h in accepted["history"]][-1] == ("rescheduled", "approved")
    o.refused("van.phong", "POST", f"{path}/approve", {}, 409, "booking_state")
    o.refused("van.phong", "POST", f"{path}/reject", {"reason": "x"}, 409, "booking_state")

    # A second booking of the same hall at the same time: the conflict is seen at request,
    # refused at approval naming the session, and approved with a reason.
    clash_body = {**booking(later, [hall], "Tập huấn chuyển đổi số"),
                  "starts_at": at(later, 15), "ends_at": at(later, 17)}  # fmt: skip
    clash = o.ok("khac", "POST", "/api/bookings", clash_body, 201)
    conflicts = clash["check"]["conflicts"]
    assert [(c["kind"], c["id"], c["title"]) for c in conflicts] == [
        ("session", sid, "Giao ban quý IV")
    ]
    assert {s["id"] for s in conflicts[0]["sites"]} == {CENTRAL, hall}
    assert "Huyện Bát Xát" in {s["name"] for s in conflicts[0]["sites"]}
    assert conflicts[0]["through_test_window"] is False
    cpath = f"/api/bookings/{clash['booking']['id']}"
    error = o.refused("van.phong", "POST", f"{cpath}/approve", {}, 409, "conflict")
    assert "Giao ban quý IV" in error["message"]
    assert [c["id"] for c in error["conflicts"]] == [sid]
    approved = o.ok("van.phong", "POST", f"{cpath}/approve",
                    {"conflict_override_reason": "Hội trường chia hai phòng"})  # fmt: skip
    assert approved["booking"]["state"] == "approved"
    assert approved["session"]["state"] == "scheduled"
    assert approved["booking"]["session_id"] == approved["session"]["id"]

    # Reject (from requested) and cancel (an approved one needs a reason; its session
    # closes).
    third = o.ok("to.chuc", "POST", "/api/bookings", booking(first, [CA_MAU], "Hội nghị"), 201)
    tpath = f"/api/bookings/{third['booking']['id']}"
    rejected = o.ok("van.phong", "POST", f"{tpath}/reject", {"reason": "Không thuộc thẩm quyền"})
    assert rejected["booking"]["state"] == "rejected"
    o.refused("to.chuc", "POST", f"{tpath}/cancel", {}, 409, "booking_state")
    o.refused("khac", "POST", f"{path}/cancel", {"reason": "x"}, 403, "forbidden")
    o.refused("to.chuc", "POST", f"{path}/cancel", {}, 422, "reason_required")
    cancelled = o.ok("to.chuc", "POST", f"{path}/cancel", {"reason": "Lãnh đạo đi công tác"})
    assert cancelled["booking"]["state"] == "cancelled"
    assert o.ok("admin", "GET", f"/api/sessions/{sid}")["session"]["state"] == "closed"
    o.refused("to.chuc", "POST", f"{path}/cancel", {"reason": "x"}, 409, "booking_state")

    # Lists: the office sees all, by state; an organiser its own.
    everything = o.ok("van.phong", "GET", "/api/bookings")["bookings"]
    assert {x["state"] for x in everything} == {"requested", "approved", "rejected", "cancelled"}
    by_state = o.ok("van.phong", "GET", "/api/bookings?state=approved")["bookings"]
    assert [x["title"] for x in by_state] == ["Tập huấn chuyển đổi số"]
    mine = o.ok("to.chuc", "GET", "/api/bookings")["bookings"]
    assert {x["id"] for x in mine} == {bid, third["booking"]["id"]}
    o.refused("van.phong", "GET", "/api/bookings?state=done", None, 422, "invalid_input")
    o.refused("van.phong", "GET", "/api/bookings?from=2026-13-01", None, 422, "invalid_input")

    # Notifications: the organiser's, newest first, readable once.
    notes = o.ok("to.chuc", "GET", "/api/notifications")["notifications"]
    kinds = [n["kind"] for n in notes]
    assert kinds[:1] == ["booking_cancelled"] and "booking_accepted" in kinds
    assert kinds.count("booking_rescheduled") == 2 and kinds[-1] == "booking_requested"
    assert "Lãnh đạo đi công tác" in notes[0]["vi"] and "cancelled" in notes[0]["en"]
    read = o.ok("to.chuc", "POST", f"/api/notifications/{notes[0]['id']}/read")["notification"]
    assert read["read_at"] is not None
    again = o.ok("to.chuc", "POST", f"/api/notifications/{notes[0]['id']}/read")["notification"]
    assert again["read_at"] == read["read_at"]
    o.refused("khac", "POST", f"/api/notifications/{notes[0]['id']}/read", None, 404, "not_found")
    office_notes = o.ok("van.phong", "GET", "/api/notifications")["notifications"]
    assert len(office_notes) >= len(notes)

    # The audit log: the session's decisions in its own log, by whom.
    entries = o.ok("admin", "GET", f"/api/sessions/{sid}/audit")["entries"]
    actions = [(e["action"], e["by"]) for e in entries]
    assert ("booking_accept", "account:to.chuc") in actions
    assert ("booking_cancel", "account:to.chuc") in actions

    # E-mails, received by the SMTP server: the organiser, the office, the hall.
    to_organiser = mail.wait_for("tochuc@so.example", 7)
    subjects = [m["subject"] for m in to_organiser]
    assert any("đã được phê duyệt" in s for s in subjects), subjects
    assert all(m["from"] == "vanphong@tinh.example" for m in to_organiser)
    body_text = to_organiser[-1].get_content()
    assert "Lãnh đạo đi công tác" in body_text and "cancelled" in body_text
    mail.wait_for("vanphong@tinh.example", 7)
    to_hall = mail.wait_for("batxat@huyen.example", 3)  # approved x2, cancelled
    assert any("Giao ban quý IV" in m.get_content() for m in to_hall)
    assert not mail.to("khac@example"), "an account without an address gets no e-mail"
    assert all(len(rcpt) == 1 for rcpt, _ in mail.messages), "one recipient per e-mail"


def test_conflicts_through_a_test_window_and_not_without_one(bridge: RunningBridge) -> None:
    o = Office(bridge)
    day = earliest() + timedelta(days=14)
    while not office_calendar().is_working_day(day):
        day += timedelta(days=1)
    before = day - timedelta(days=1)
    while not office_calendar().is_working_day(before):
        before -= timedelta(days=1)
    # A briefing at 09:00: its default test window opens at 14:00 the working day before.
    main = o.ok("admin", "POST", "/api/bookings", booking(day, [QUANG_TRI], "Họp chính"), 201)
    main_id = main["booking"]["id"]
    afternoon = {**booking(before, [QUANG_TRI], "Tập huấn chiều"),
                 "starts_at": at(before, 15), "ends_at": at(before, 16)}  # fmt: skip
    check = o.ok("admin", "POST", "/api/bookings/check", afternoon)["check"]
    assert [(c["kind"], c["id"], c["through_test_window"]) for c in check["conflicts"]] == [
        ("booking", main_id, True)
    ]
    # The same afternoon against a briefing whose window is set to open that morning:
    # no conflict; the morning session itself conflicts through the time, not the window.
    windowed = {**booking(day + timedelta(days=7), [CA_MAU], "Họp có giờ thử"),
                "test_from": at(day + timedelta(days=7), 7),
                "test_until": at(day + timedelta(days=7), 8, 30)}  # fmt: skip
    o.ok("admin", "POST", "/api/bookings", windowed, 201)
    eve = {**booking(day + timedelta(days=6), [CA_MAU], "Chiều hôm trước"),
           "starts_at": at(day + timedelta(days=6), 15),
           "ends_at": at(day + timedelta(days=6), 16)}  # fmt: skip
    assert o.ok("admin", "POST", "/api/bookings/check", eve)["check"]["conflicts"] == []
    overlapping = {**booking(day + timedelta(days=7), [CA_MAU], "Trùng giờ"),
                   "starts_at": at(day + timedelta(days=7), 10),
                   "ends_at": at(day + timedelta(days=7), 12)}  # fmt: skip
    found = o.ok("admin", "POST", "/api/bookings/check", overlapping)["check"]["conflicts"]
    assert [(c["title"], c["through_test_window"]) for c in found] == [("Họp có giờ thử", False)]
    # Approving the main booking makes a session: the conflict now names the session.
    session_id = o.ok("admin", "POST", f"/api/bookings/{main_id}/approve", {})["session"]["id"]
    found = o.ok("admin", "POST", "/api/bookings/check", afternoon)["check"]["conflicts"]
    assert [(c["kind"], c["id"], c["title"]) for c in found] == [
        ("session", session_id, "Họp chính")
    ]


def test_a_series_declared_days_and_the_calendar(bridge: RunningBridge) -> None:
    o = Office(bridge)
    o.account("to.chuc", "organiser")
    first = earliest() + timedelta(days=7)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    skipped = monday + timedelta(days=14)
    body = {**booking(monday, [LAO_CAI], "Giao ban thứ Hai"),
            "repeat": {"rule": {"kind": "weekly", "weekday": 0}, "count": 4,
                       "skip": [skipped.isoformat()]}}  # fmt: skip
    made = o.ok("to.chuc", "POST", "/api/bookings", body, 201)
    series = made["bookings"]
    assert made["booking"] == series[0] and len(series) <= 3
    days = [datetime.fromisoformat(b["starts_at"]).astimezone(ICT).date() for b in series]
    assert skipped not in days and all(d.weekday() == 0 for d in days)
    assert len({b["series_id"] for b in series}) == 1 and series[0]["series_id"]
    assert all(datetime.fromisoformat(b["starts_at"]).astimezone(ICT).hour == 9 for b in series)
    bad = {**body, "repeat": {"rule": {"kind": "weekly", "weekday": 9}, "count": 2}}
    error = o.refused("to.chuc", "POST", "/api/bookings", bad, 422, "invalid_input")
    assert error["field"].startswith("repeat.rule")
    monthly = {**booking(first, [QUANG_TRI], "Sơ kết tháng"),
               "repeat": {"rule": {"kind": "monthly_first_working_day_after", "day": 20},
                          "until": (first + timedelta(days=100)).isoformat()}}  # fmt: skip
    meetings = o.ok("to.chuc", "POST", "/api/bookings", monthly, 201)["bookings"]
    for m in meetings:
        d = datetime.fromisoformat(m["starts_at"]).astimezone(ICT).date()
        assert d.day > 20 and office_calendar().is_working_day(d)

    # A declared day off (the office's) moves the earliest day on.
    o.refused("to.chuc", "PUT", "/api/office-days", {"days": []}, 403, "forbidden")
    start = today()
    declared = []
    d = start + timedelta(days=1)
    while len(declared) < 1:
        if office_calendar().is_working_day(d):
            declared.append(d)
        d += timedelta(days=1)
    off = declared[0]
    declaration = {"days": [{"date": off.isoformat(), "kind": "off", "note": "Nghỉ bù"}]}
    days = o.ok("admin", "PUT", "/api/office-days", declaration)
    assert days["days"] == [{"date": off.isoformat(), "kind": "off", "note": "Nghỉ bù"}]
    assert o.ok("to.chuc", "GET", f"/api/office-days?year={off.year}")["days"] == days["days"]
    shifted = earliest(office_calendar(frozenset({off})))
    assert shifted > earliest()
    check = o.ok("to.chuc", "POST", "/api/bookings/check", booking(earliest(), [CA_MAU]))
    assert check["check"]["lead_time"]["earliest_day"] == shifted.isoformat()
    until = (start + timedelta(days=30)).isoformat()
    calendar = o.ok("to.chuc", "GET", f"/api/calendar?from={start.isoformat()}&until={until}")
    by_day = {x["date"]: x for x in calendar["days"]}
    assert by_day[off.isoformat()] == {
        "date": off.isoformat(), "working": False, "holiday": "Nghỉ bù", "declared": "off"
    }  # fmt: skip
    assert len(calendar["days"]) == 31
    titles = {i["title"] for i in calendar["items"] if i["kind"] == "booking"}
    assert "Giao ban thứ Hai" in titles or monday > start + timedelta(days=30)
    o.refused("to.chuc", "GET", "/api/calendar?from=2026-01-01&until=2026-06-01", None, 422,
              "invalid_input")  # fmt: skip
    # Clearing the year withdraws it.
    cleared = o.ok("admin", "PUT", "/api/office-days", {"year": off.year, "days": []})
    assert cleared["days"] == []


def test_an_approved_session_tests_in_its_window_and_opens_by_itself(
    office_bridge: RunningBridge,
) -> None:
    o = Office(office_bridge)
    now = datetime.now(UTC)
    body = {
        "title": "Họp khẩn",
        "host_site_id": CENTRAL,
        "roster": [LAO_CAI],
        "starts_at": (now + timedelta(seconds=6)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "test_from": (now - timedelta(minutes=1)).isoformat(),
        "lead_override_reason": "Họp đột xuất",
    }
    made = o.ok("admin", "POST", "/api/bookings", body, 201)["booking"]
    approved = o.ok("admin", "POST", f"/api/bookings/{made['id']}/approve", {})
    sid = approved["session"]["id"]
    schedule = o.ok("admin", "GET", f"/api/sessions/{sid}/schedule")
    assert approved["session"]["state"] == "scheduled" and schedule["testing"] is True
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = o.ok("admin", "GET", f"/api/sessions/{sid}")["session"]["state"]
        if state == "open":
            break
        time.sleep(0.25)
    assert state == "open"
    assert time.monotonic() - deadline < 0
    entries = o.ok("admin", "GET", f"/api/sessions/{sid}/audit")["entries"]
    opened = [e for e in entries if e["action"] == "open_session"]
    assert [e["by"] for e in opened] == ["schedule"]
    assert entries[0]["action"] == "booking_approve"
    # A session whose time went by unopened stays as it is: none of the others opened.
    assert o.ok("admin", "GET", "/api/sessions/1")["session"]["state"] == "open"
