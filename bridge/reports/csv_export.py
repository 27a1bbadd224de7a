"""The reports as CSV for the office's spreadsheet, drawn from the same dicts as the JSON
and the HTML (``session_report``, ``period_report``): header and words in Vietnamese or
English, times in the office's time, one line per hall. The period's file has one block
per table (totals, halls, organisers, agencies), a blank line between them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SESSION_COLUMNS: dict[str, tuple[str, str]] = {
    "site_id": ("Mã điểm cầu", "Site id"),
    "name": ("Điểm cầu", "Site"),
    "first_join": ("Vào lúc", "First joined"),
    "last_leave": ("Rời lúc", "Last left"),
    "joins": ("Các lần kết nối", "Connections"),
    "connected_min": ("Thời gian kết nối (phút)", "Connected (min)"),
    "late_min": ("Vào muộn (phút)", "Late (min)"),
    "left_early_min": ("Về sớm (phút)", "Left early (min)"),
    "reconnections": ("Số lần kết nối lại", "Reconnections"),
    "share_pct": ("Tỷ lệ thời gian (%)", "Share of the session (%)"),
    "roll_call": ("Điểm danh", "Roll call"),
    "present": ("Có mặt", "Present"),
    "windows": ("Số khoảng 20 giây", "20 s windows"),
    "poor": ("Khoảng kém", "Poor windows"),
    "fair": ("Khoảng trung bình", "Fair windows"),
    "mean_mos": ("MOS trung bình", "Mean MOS"),
}
MARKS = {
    "present": ("Có mặt", "Present"),
    "absent": ("Vắng", "Absent"),
    "elsewhere": ("Dự tại điểm cầu khác", "At another hall"),
}
YES_NO = {True: ("Có", "Yes"), False: ("Không", "No")}
PLACE_COLUMNS: dict[str, tuple[str, str]] = {
    "places": ("Lượt được mời", "Invited"),
    "present": ("Lượt có mặt", "Present"),
    "attendance_rate": ("Tỷ lệ có mặt (%)", "Attendance rate (%)"),
    "hall_hours": ("Giờ kết nối", "Hall-hours connected"),
    "late": ("Lượt vào muộn", "Late arrivals"),
    "reconnections": ("Số lần kết nối lại", "Reconnections"),
    "windows": ("Số khoảng 20 giây", "20 s windows"),
    "poor_windows": ("Khoảng kém", "Poor windows"),
    "poor_share": ("Tỷ lệ khoảng kém (%)", "Poor share (%)"),
    "mean_mos": ("MOS trung bình", "Mean MOS"),
}
SESSIONS_COLUMNS: dict[str, tuple[str, str]] = {
    "sessions": ("Số phiên", "Sessions"),
    "booked": ("Phiên đăng ký", "Booked"),
    "held_online": ("Phiên tổ chức trực tuyến", "Held online"),
    "session_hours": ("Giờ họp", "Session hours"),
}
BLOCKS = {
    "totals": ("Tổng hợp", "Totals"),
    "sites": ("Điểm cầu", "Halls"),
    "organisers": ("Đơn vị tổ chức (tài khoản)", "Organisers"),
    "agencies": ("Cơ quan", "Agencies"),
    "repeated": ("Lặp lại sự cố kết nối", "Repeated problems"),
}


def _pick(words: tuple[str, str], lang: str) -> str:
    return words[0] if lang == "vi" else words[1]


def _local(iso: str | None, zone: ZoneInfo) -> str:
    if iso is None:
        return ""
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _text(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        # A cell a spreadsheet would take for a formula is quoted as text.
        writer.writerow(
            ["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]
        )
    return out.getvalue()


def session_csv(report: dict[str, Any], lang: str, tz: str) -> str:
    zone = ZoneInfo(tz)
    header = [_pick(words, lang) for words in SESSION_COLUMNS.values()]
    rows: list[list[Any]] = [header]
    for s in report["sites"]:
        joins = "; ".join(
            f"{_local(i['start'], zone)[11:16]}–{_local(i['end'], zone)[11:16]}"
            for i in s["intervals"]
        )
        mark = s["roll_call"]
        q = s["quality"]
        rows.append(
            [
                s["site_id"],
                s["name"],
                _local(s["first_join"], zone),
                _local(s["last_leave"], zone),
                joins,
                _num(s["connected_s"] / 60, 1),
                _num(s["late_s"] / 60, 1),
                _num(s["left_early_s"] / 60, 1),
                s["reconnections"],
                _pct(s["share"]),
                _pick(MARKS[mark["mark"]], lang) if mark else "",
                _pick(YES_NO[bool(s["present"])], lang),
                q["windows"],
                q["poor"],
                q["fair"],
                _num(q["mean_mos"]),
            ]
        )
    return _text(rows)


def _place_cells(row: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in PLACE_COLUMNS:
        value = row[key]
        if key in ("attendance_rate", "poor_share"):
            out.append(_pct(value))
        elif key == "mean_mos":
            out.append(_num(value))
        else:
            out.append(value)
    return out


def period_csv(report: dict[str, Any], lang: str) -> str:
    sessions_head = [_pick(w, lang) for w in SESSIONS_COLUMNS.values()]
    places_head = [_pick(w, lang) for w in PLACE_COLUMNS.values()]
    p = report["period"]
    rows: list[list[Any]] = [
        [_pick(BLOCKS["totals"], lang), p["from"], p["to"], p["quarter"] or ""],
        sessions_head + places_head,
        [report["totals"][k] for k in SESSIONS_COLUMNS] + _place_cells(report["totals"]),
        [],
        [_pick(BLOCKS["sites"], lang)],
        [
            _pick(SESSION_COLUMNS["site_id"], lang),
            _pick(SESSION_COLUMNS["name"], lang),
            *places_head,
            _pick(BLOCKS["repeated"], lang),
        ],
    ]
    for s in report["sites"]:
        rows.append(
            [
                s["site_id"],
                s["name"],
                *_place_cells(s),
                _pick(YES_NO[bool(s["repeated_problems"])], lang),
            ]
        )
    rows += [[], [_pick(BLOCKS["organisers"], lang)], ["", "", *sessions_head, *places_head]]
    for o in report["organisers"]:
        rows.append(
            [o["organiser_id"] or "", o["name"]]
            + [o[k] for k in SESSIONS_COLUMNS]
            + _place_cells(o)
        )
    rows += [[], [_pick(BLOCKS["agencies"], lang)], ["", *sessions_head, *places_head]]
    for a in report["agencies"]:
        rows.append([a["agency"]] + [a[k] for k in SESSIONS_COLUMNS] + _place_cells(a))
    return _text(rows)
