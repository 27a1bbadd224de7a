"""The invitation as an iCalendar file (RFC 5545, with the ``icalendar`` library): the
session as one VEVENT in the office's time zone (its VTIMEZONE included, so a calendar
shows the right hour wherever it runs), the hall's join link as URL and in the
description, a reminder before the start; and the test window as a second VEVENT with a
reminder at its opening, so the hall's technician is told when to connect.

UIDs are stable per session and site: a newer file (a rescheduled session, a fresh link)
replaces the events a calendar already has instead of adding copies.
"""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar, Event

from bridge.invitations.document import (
    NOTICE_KINDS_VI,
    Invitation,
    span_vi,
    when_vi,
)

PRODID = "-//bridge//giay-moi//VI"
REMIND_BEFORE = timedelta(minutes=30)


def _description(inv: Invitation) -> str:
    lines = [
        f"Giấy mời: {inv.title}",
        f"Điểm cầu: {inv.hall}",
        f"Điểm cầu chủ trì: {inv.host}",
        f"Đường dẫn tham gia: {inv.link}",
        f"(hiệu lực đến {when_vi(inv.local(inv.link_expires_at))})",
    ]
    if inv.window is not None:
        window = span_vi(inv.local(inv.window.opens), inv.local(inv.window.closes))
        lines.append(f"Kiểm tra kết nối: {window}")
    if inv.agenda.strip():
        lines.append(f"Chương trình: {inv.agenda}")
    for notice in inv.notices:
        kind = NOTICE_KINDS_VI.get(notice.kind, NOTICE_KINDS_VI["other"])
        lines.append(f"{kind}: {notice.title}")
    return "\n".join(lines)


def _alarm(text: str, trigger: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", trigger)
    return alarm


def render_ics(inv: Invitation) -> bytes:
    """The ``.ics`` file's bytes (UTF-8, CRLF lines folded at 75 octets)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", inv.tz)

    event = Event()
    event.add("uid", inv.uid("session"))
    event.add("dtstamp", inv.issued_at)
    event.add("dtstart", inv.local(inv.starts_at))
    event.add("dtend", inv.local(inv.end))
    event.add("summary", inv.title)
    event.add("location", inv.hall)
    event.add("description", _description(inv))
    event.add("url", inv.link)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add_component(_alarm(f"Sắp bắt đầu: {inv.title}", -REMIND_BEFORE))
    cal.add_component(event)

    if inv.window is not None:
        test = Event()
        test.add("uid", inv.uid("test"))
        test.add("dtstamp", inv.issued_at)
        test.add("dtstart", inv.local(inv.window.opens))
        test.add("dtend", inv.local(inv.window.closes))
        test.add("summary", f"Kiểm tra kết nối: {inv.title}")
        test.add("location", inv.hall)
        test.add(
            "description",
            f"Mở đường dẫn trên máy tính của điểm cầu để kiểm tra kết nối.\n"
            f"Đường dẫn tham gia: {inv.link}",
        )
        test.add("url", inv.link)
        test.add("transp", "TRANSPARENT")  # the hall is not busy all that time
        test.add_component(_alarm(f"Kiểm tra kết nối: {inv.title}", timedelta(0)))
        cal.add_component(test)

    # The zone's rules over the events' span (a year either side), not a fixed range.
    first = min(inv.starts_at, inv.window.opens if inv.window else inv.starts_at)
    cal.add_missing_timezones(
        first_date=(first - timedelta(days=366)).date(),
        last_date=(inv.end + timedelta(days=366)).date(),
    )
    return cal.to_ical()
