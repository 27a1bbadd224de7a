"""A hall's invitation made from one ``Invitation``: the ``.ics`` parsed back with
``icalendar`` (times in the office zone, the link, the test window as its own event and a
reminder, UIDs stable), the page's text read back with the standard HTML parser (quốc
hiệu, GIẤY MỜI, the hall's name whole, the time, the link, every text escaped)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import icalendar

from bridge.invitations import Invitation, NoticeLine, render_html, render_ics
from bridge.invitations.document import dated_vi, span_vi, when_vi
from bridge.readiness.window import window

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
HALL = "Điểm cầu Ủy ban nhân dân xã Hướng Lập, huyện Hướng Hóa, tỉnh Quảng Trị"
HOST = "Hội trường Trung ương"
LINK = "https://cau.example.vn/site/7#token=AbC-123_xyz"
# Thursday 10 December 2026, 08:00-11:30 office time; the default window opens on
# Wednesday at 14:00.
STARTS = datetime(2026, 12, 10, 8, 0, tzinfo=ICT)
ENDS = datetime(2026, 12, 10, 11, 30, tzinfo=ICT)


def invitation(**changes: object) -> Invitation:
    base = Invitation(
        session_id=7,
        site_id=12,
        title="Hội nghị giao ban trực tuyến tháng 12/2026",
        issuer="VĂN PHÒNG UBND TỈNH QUẢNG TRỊ",
        hall=HALL,
        host=HOST,
        starts_at=STARTS.astimezone(UTC),
        ends_at=ENDS.astimezone(UTC),
        window=window(STARTS),
        link=LINK,
        link_expires_at=datetime(2026, 12, 11, 11, 30, tzinfo=ICT),
        issued_at=datetime(2026, 12, 2, 9, 15, tzinfo=UTC),
        uid_domain="cau.example.vn",
        place="Quảng Trị",
        notices=(
            NoticeLine("agenda", "Chương trình hội nghị", "chuong-trinh.pdf"),
            NoticeLine("document", "Báo cáo tình hình kinh tế - xã hội"),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class _Text(HTMLParser):
    """The page's visible text, and each element's text by class."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self._open: list[list[str]] = []
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self.scripts = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in ("title", "head"):
            self._skip += 1
        if tag == "script":
            self.scripts += 1
        if tag == "a" and named.get("href"):
            self.links.append(str(named["href"]))
        if tag == "link" and named.get("rel") == "stylesheet":
            self.stylesheets.append(str(named["href"]))
        self._open.append(str(named.get("class") or "").split())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "head"):
            self._skip -= 1
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        for classes in self._open:
            for css in classes:
                self.by_class.setdefault(css, []).append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def of(self, css: str) -> str:
        return " ".join(" ".join(self.by_class.get(css, [])).split())


def parse_page(inv: Invitation) -> _Text:
    parser = _Text()
    parser.feed(render_html(inv))
    return parser


def test_words_of_time_are_those_of_a_document() -> None:
    assert when_vi(STARTS) == "08 giờ 00, thứ Năm, ngày 10/12/2026"
    assert span_vi(STARTS, ENDS) == "từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 10/12/2026"
    assert dated_vi(datetime(2026, 2, 5, tzinfo=ICT)) == "ngày 05 tháng 02 năm 2026"
    assert dated_vi(datetime(2026, 12, 25, tzinfo=ICT)) == "ngày 25 tháng 12 năm 2026"
    sunday = datetime(2026, 12, 13, 9, 5, tzinfo=ICT)
    assert when_vi(sunday) == "09 giờ 05, Chủ nhật, ngày 13/12/2026"


def test_the_page_says_everything_an_invitation_says() -> None:
    page = parse_page(invitation())
    text = page.text()
    assert page.of("inv-nation-name") == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert page.of("inv-motto") == "Độc lập – Tự do – Hạnh phúc"
    assert page.of("inv-issuer-name") == "VĂN PHÒNG UBND TỈNH QUẢNG TRỊ"
    assert page.of("inv-kind") == "GIẤY MỜI"
    assert page.of("inv-dateline") == "Quảng Trị, ngày 02 tháng 12 năm 2026"
    assert page.of("inv-hall") == HALL  # the whole name, as the roster has it
    assert f"Kính gửi: {HALL}" in text
    assert page.of("inv-time") == "từ 08 giờ 00 đến 11 giờ 30, thứ Năm, ngày 10/12/2026"
    assert page.of("inv-window") == (
        "từ 14 giờ 00, thứ Tư, ngày 09/12/2026 đến 08 giờ 00, thứ Năm, ngày 10/12/2026"
    )
    assert page.of("inv-host") == HOST
    assert page.of("inv-link") == LINK and page.links == [LINK]
    assert "hiệu lực đến 11 giờ 30, thứ Sáu, ngày 11/12/2026" in text
    assert "Chương trình: Chương trình hội nghị (chuong-trinh.pdf)" in text
    assert "Tài liệu: Báo cáo tình hình kinh tế - xã hội" in text
    assert page.of("inv-recipients-head") == "Nơi nhận:"
    assert "- Như trên; - Hội trường Trung ương (điểm cầu chủ trì); - Lưu: VT." in text
    assert page.of("inv-sign-body") == "VĂN PHÒNG UBND TỈNH QUẢNG TRỊ"
    # Under the strict CSP: its one stylesheet from the bridge, no script at all.
    assert page.stylesheets == ["/static/css/invitation.css"] and page.scripts == 0
    assert " style=" not in render_html(invitation())


def test_the_host_hall_invited_is_not_listed_twice_and_a_page_without_place_or_notices() -> None:
    page = parse_page(invitation(hall=HOST, place="", notices=(), window=None, ends_at=None))
    text = page.text()
    assert "(điểm cầu chủ trì);" not in text
    assert page.of("inv-dateline") == "ngày 02 tháng 12 năm 2026"
    assert "Tài liệu, thông báo" not in text and "Kiểm tra kết nối:" not in text
    assert page.of("inv-time") == "08 giờ 00, thứ Năm, ngày 10/12/2026"


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script> & "x"'
    html = render_html(invitation(title=hostile, hall=hostile, link='https://x/"><b>'))
    assert "<script>" not in html and "<b>" not in html
    page = parse_page(invitation(title=hostile, hall=hostile))
    assert page.of("inv-hall") == hostile and page.scripts == 0


def _events(data: bytes) -> tuple[icalendar.Calendar, list[icalendar.Event]]:
    cal = icalendar.Calendar.from_ical(data)
    return cal, [c for c in cal.walk("VEVENT")]


def test_the_calendar_file_parses_back_with_the_times_zone_link_and_window() -> None:
    data = render_ics(invitation())
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and all(
        len(line) <= 75 for line in data.split(b"\r\n")
    )
    cal, (session, test) = _events(data)
    assert str(cal["version"]) == "2.0" and str(cal["method"]) == "PUBLISH"
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    start, end = session.decoded("dtstart"), session.decoded("dtend")
    assert start == STARTS and end == ENDS
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert session["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(session["summary"]) == "Hội nghị giao ban trực tuyến tháng 12/2026"
    assert str(session["location"]) == HALL
    assert str(session["url"]) == LINK
    description = str(session["description"])
    assert f"Đường dẫn tham gia: {LINK}" in description
    assert (
        "Kiểm tra kết nối: từ 14 giờ 00, thứ Tư, ngày 09/12/2026 đến 08 giờ 00, "
        "thứ Năm, ngày 10/12/2026" in description
    )
    assert "Chương trình: Chương trình hội nghị" in description
    assert session.decoded("dtstamp") == datetime(2026, 12, 2, 9, 15, tzinfo=UTC)
    (alarm,) = session.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=30)
    # The test window: its own event, transparent, with a reminder as it opens.
    assert test.decoded("dtstart") == datetime(2026, 12, 9, 14, 0, tzinfo=ICT)
    assert test.decoded("dtend") == STARTS
    assert str(test["summary"]).startswith("Kiểm tra kết nối: ")
    assert str(test["transp"]) == "TRANSPARENT" and str(test["url"]) == LINK
    (opening,) = test.walk("VALARM")
    assert opening.decoded("trigger") == timedelta(0)


def test_uids_are_stable_per_session_and_site_whatever_the_link() -> None:
    first = _events(render_ics(invitation()))[1]
    again = _events(render_ics(invitation(link=LINK + "other", starts_at=STARTS)))[1]
    other_site = _events(render_ics(invitation(site_id=13)))[1]
    uids = [str(e["uid"]) for e in first]
    assert uids == ["session-7-site-12@cau.example.vn", "test-7-site-12@cau.example.vn"]
    assert [str(e["uid"]) for e in again] == uids
    assert not {str(e["uid"]) for e in other_site} & set(uids)


def test_without_an_end_the_assumed_length_and_without_a_window_one_event() -> None:
    (session,) = _events(render_ics(invitation(ends_at=None, window=None)))[1]
    assert session.decoded("dtend") - session.decoded("dtstart") == timedelta(hours=4)
