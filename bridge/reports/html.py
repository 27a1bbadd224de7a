"""The reports as printable pages, in the layout of a Vietnamese administrative document
as the invitation is (``bridge.invitations.html``): the issuing body and the national
motto side by side, the document's kind in capitals, numbered parts, the signature block.

Served under the strict Content-Security-Policy: no script, no inline style; the look is
/static/css/report.css (A4, a document's margins). The charts are inline SVG, drawn here
from the report's dict: the session's **quality timeline** (one row per hall, its 20 s
cells coloured by grade, consecutive cells of one grade drawn as one bar; 25 halls per
chart so that a hundred halls print as four readable figures, never one squeezed one),
the period's sessions per month (booked against held online) and attendance rate per hall.
Every text is escaped; a hall's name is never cut (a long one is set narrower).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bridge.invitations.document import NOTICE_KINDS_VI, dated_vi, span_vi
from bridge.invitations.html import MOTTO, NATION

STYLESHEET = "/static/css/report.css"
ROWS_PER_CHART = 25
GRADE_FILL = {"g": "#2e7d32", "f": "#f2b705", "p": "#c62828", "u": "#9e9e9e"}
GRADE_VI = {"g": "Tốt", "f": "Trung bình", "p": "Kém", "u": "Không rõ"}
MARKS_VI = {"present": "Có mặt", "absent": "Vắng", "elsewhere": "Dự tại điểm cầu khác"}
ACTIONS_VI = {
    "open_session": "Mở phiên",
    "close_session": "Kết thúc phiên",
    "end_session": "Kết thúc phiên",
    "mute": "Tắt micrô",
    "unmute": "Bật micrô",
    "mute_all_except_host": "Tắt micrô tất cả (trừ chủ trì)",
    "unmute_all": "Bật micrô tất cả",
    "give_floor": "Cho phát biểu",
    "lower_hand": "Hạ tay",
    "show_site": "Trình chiếu điểm cầu",
    "set_voice": "Chuyển theo giọng nói",
    "remove_site": "Mời ra khỏi phiên",
    "roll_call": "Điểm danh",
    "set_schedule": "Đặt lịch",
    "issue_links": "Cấp đường dẫn",
    "issue_invitation": "Phát hành giấy mời",
    "assign_staff": "Phân công cán bộ",
    "roster_add": "Thêm điểm cầu",
    "roster_remove": "Bớt điểm cầu",
    "post_notice": "Đăng thông báo",
    "withdraw_notice": "Thu hồi thông báo",
    "create_session": "Tạo phiên",
    "set_recording": "Ghi hình",
    "test_site": "Kiểm tra kết nối",
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
# The timeline's drawing, in SVG user units (4 to a millimetre of the A4 column).
WIDTH = 660.0
LABEL_W = 236.0
PLOT_X = LABEL_W + 4
PLOT_W = WIDTH - PLOT_X - 4
ROW_H = 11.0
AXIS_H = 22.0
NAME_CHARS = 46  # names longer than this are set narrower (textLength), never cut


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _local(iso: str | None, zone: ZoneInfo) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso).astimezone(zone)


def _hm(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M")


def _minutes(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60} giờ {m % 60:02d} phút" if m >= 60 else f"{m} phút"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"


def _mos(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".replace(".", ",")


def _head(issuer: str, place: str, issued: datetime, kind: str, subject: str) -> str:
    place_part = f"{_e(place)}, " if place.strip() else ""
    return f"""<header class="rep-head">
<div class="rep-issuer"><p class="rep-issuer-name">{_e(issuer)}</p>
<p class="rep-rule" aria-hidden="true"></p></div>
<div class="rep-nation"><p class="rep-nation-name">{NATION}</p>
<p class="rep-motto">{MOTTO}</p><p class="rep-rule" aria-hidden="true"></p></div>
</header>
<p class="rep-dateline">{place_part}{dated_vi(issued)}</p>
<h1 class="rep-kind">{_e(kind)}</h1>
<p class="rep-subject">{subject}</p>"""


def _foot(issuer: str) -> str:
    return f"""<footer class="rep-foot">
<div class="rep-recipients"><p class="rep-recipients-head">Nơi nhận:</p>
<ul><li>- Lãnh đạo đơn vị (để báo cáo);</li><li>- Lưu: VT.</li></ul></div>
<div class="rep-sign"><p class="rep-sign-body">{_e(issuer)}</p></div>
</footer>"""


def _page(title: str, body_class: str, article: str) -> str:
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{_e(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body class="report-page">
<article class="report {body_class}" id="report">
{article}
</article>
</body>
</html>
"""


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], css: str) -> str:
    """``rows``' cells are HTML already (escaped by the caller)."""
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="rep-table {css}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
    )


def _name_text(x: float, y: float, name: str, css: str = "tl-name") -> str:
    fit = (
        f' textLength="{LABEL_W - 4:.0f}" lengthAdjust="spacingAndGlyphs"'
        if len(name) > NAME_CHARS
        else ""
    )
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}"{fit}>{_e(name)}</text>'


# ---- the session's quality timeline ------------------------------------------------------


def _tick_step(minutes: float) -> int:
    for step in (5, 10, 15, 30, 60, 120, 240, 480):
        if minutes / step <= 8:
            return step
    return 1440


def _runs(cells: str) -> list[tuple[int, int, str]]:
    """Consecutive cells of one grade: (first, count, char), no-window cells left out."""
    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(cells):
        j = i
        while j < len(cells) and cells[j] == cells[i]:
            j += 1
        if cells[i] != ".":
            runs.append((i, j - i, cells[i]))
        i = j
    return runs


def timeline_svgs(report: dict[str, Any], zone: ZoneInfo) -> list[str]:
    """The quality timeline, ``ROWS_PER_CHART`` halls to a chart."""
    tl = report["timeline"]
    cells = int(tl["cells"])
    names = {s["site_id"]: s["name"] for s in report["sites"]}
    rows = tl["rows"]
    if cells == 0 or not rows:
        return []
    start = datetime.fromisoformat(tl["start"]).astimezone(zone)
    cell_w = PLOT_W / cells
    minutes = cells * tl["cell_s"] / 60
    step = _tick_step(minutes)
    # The first tick on a round time of the step, within the span.
    first = start.replace(second=0, microsecond=0)
    offset = (-(first.hour * 60 + first.minute)) % step
    ticks = []
    t = first + timedelta(minutes=offset)
    while (t - start).total_seconds() / 60 <= minutes:
        if t >= start:
            ticks.append(t)
        t += timedelta(minutes=step)
    charts = []
    for chunk_at in range(0, len(rows), ROWS_PER_CHART):
        chunk = rows[chunk_at : chunk_at + ROWS_PER_CHART]
        height = AXIS_H + ROW_H * len(chunk) + 4
        parts = [
            f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" '
            f'aria-label="Chất lượng kết nối theo thời gian, điểm cầu '
            f'{chunk_at + 1}–{chunk_at + len(chunk)}">'
        ]
        for tick in ticks:
            x = PLOT_X + (tick - start).total_seconds() / 60 / minutes * PLOT_W
            # The last label ends at its tick rather than spill out of the sheet.
            css = "tl-time tl-time-end" if x > WIDTH - 16 else "tl-time"
            parts.append(
                f'<line class="tl-tick" x1="{x:.1f}" y1="{AXIS_H - 4:.1f}" x2="{x:.1f}" '
                f'y2="{height - 4:.1f}"/>'
                f'<text class="{css}" x="{x:.1f}" y="{AXIS_H - 7:.1f}">{_hm(tick)}</text>'
            )
        for k, row in enumerate(chunk):
            y = AXIS_H + k * ROW_H
            parts.append(
                f'<rect class="tl-lane" x="{PLOT_X:.1f}" y="{y + 1:.1f}" '
                f'width="{PLOT_W:.1f}" height="{ROW_H - 2:.1f}"/>'
            )
            parts.append(_name_text(0, y + ROW_H - 3, names.get(row["site_id"], "")))
            for first_cell, count, char in _runs(row["cells"]):
                parts.append(
                    f'<rect x="{PLOT_X + first_cell * cell_w:.2f}" y="{y + 1:.1f}" '
                    f'width="{max(count * cell_w, 0.6):.2f}" height="{ROW_H - 2:.1f}" '
                    f'fill="{GRADE_FILL[char]}"><title>{GRADE_VI[char]}</title></rect>'
                )
        parts.append("</svg>")
        charts.append("".join(parts))
    return charts


def _legend() -> str:
    items = "".join(
        f'<li><svg class="legend-swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{GRADE_FILL[c]}"/></svg> {GRADE_VI[c]}</li>'
        for c in "gfpu"
    )
    return f'<ul class="rep-legend">{items}<li>Trống: không kết nối</li></ul>'


# ---- the session report ------------------------------------------------------------------


def _intervals(site: dict[str, Any], zone: ZoneInfo) -> str:
    if not site["intervals"]:
        return "–"
    return "<br>".join(
        f"{_hm(_local(i['start'], zone))}–{_hm(_local(i['end'], zone))}" for i in site["intervals"]
    )


def _mark(site: dict[str, Any], names: dict[int, str]) -> str:
    r = site["roll_call"]
    if r is None:
        return "–"
    text = MARKS_VI.get(r["mark"], r["mark"])
    if r["mark"] == "absent" and r["reason"]:
        text += f" ({r['reason']})"
    if r["mark"] == "elsewhere" and r["at_site_id"] is not None:
        text += f": {names.get(r['at_site_id'], '#' + str(r['at_site_id']))}"
    return _e(text)


def _action_text(a: dict[str, Any], names: dict[int, str]) -> str:
    words = ACTIONS_VI.get(a["action"], a["action"])
    if "site_id" in a and a["site_id"] is not None:
        words += f": {names.get(a['site_id'], '#' + str(a['site_id']))}"
    if a.get("mark"):
        words += f" – {MARKS_VI.get(a['mark'], a['mark'])}"
    return _e(words)


RECORDING_STATES = {
    "recording": "đang ghi",
    "complete": "hoàn tất",
    "failed": "ghi bị lỗi",
    "deleted": "đã xoá khi hết thời hạn lưu",
}


def _recording_item(r: dict[str, Any], zone: ZoneInfo) -> str:
    """One recording as a line of the document: its file, when, how long, its state and
    the start of its SHA-256 (the manifest beside the file has it whole)."""
    start, end = _local(r.get("started_at"), zone), _local(r.get("ended_at"), zone)
    state = RECORDING_STATES.get(str(r.get("state")), str(r.get("state", "")))
    facts = [f"{_hm(start)}–{_hm(end)}" if end else _hm(start), state]
    if r.get("duration_s"):
        facts.append(_minutes(float(r["duration_s"])))
    if r.get("sha256"):
        facts.append(f"SHA-256 {str(r['sha256'])[:16]}…")
    return f"<li><b>{_e(r.get('file', ''))}</b> — {_e(', '.join(facts))}</li>"


def render_session_html(report: dict[str, Any], tz: str, issuer: str, place: str = "") -> str:
    zone = ZoneInfo(tz)
    s = report["session"]
    names = {x["site_id"]: x["name"] for x in report["sites"]}
    start, end = _local(s["start"], zone), _local(s["end"], zone)
    assert start is not None and end is not None
    generated = _local(report["generated_at"], zone) or start
    totals = report["totals"]
    facts = [
        ("Nội dung", f'<strong class="rep-title">{_e(s["title"])}</strong>'),
        ("Thời gian", _e(span_vi(start, end))),
        ("Điểm cầu chủ trì", _e(s["host"])),
        ("Cơ quan", _e(s["agency"] or "–")),
        ("Người tổ chức", _e(s["organiser"] or "–")),
        (
            "Điểm cầu",
            _e(
                f"{totals['halls']} điểm cầu được mời; {totals['present']} có mặt, "
                f"{totals['absent']} vắng; {totals['reconnections']} lần kết nối lại"
            ),
        ),
        (
            "Quy tắc có mặt",
            _e(f"kết nối ít nhất {round(report['present_share'] * 100)} % thời gian phiên họp"),
        ),
    ]
    facts_html = (
        '<dl class="rep-facts">'
        + "".join(f'<div class="rep-fact"><dt>{_e(k)}:</dt><dd>{v}</dd></div>' for k, v in facts)
        + "</dl>"
    )
    attendance = _table(
        [
            "TT",
            "Điểm cầu",
            "Kết nối",
            "Thời gian",
            "Muộn",
            "Về sớm",
            "Kết nối lại",
            "Tỷ lệ",
            "Điểm danh",
            "Có mặt",
        ],
        (
            [
                str(n),
                f'<span class="rep-hall">{_e(x["name"])}</span>'
                + (" (chủ trì)" if x["host"] else ""),
                _intervals(x, zone),
                _minutes(x["connected_s"]),
                _minutes(x["late_s"]) if x["late_s"] > 0 else "–",
                _minutes(x["left_early_s"]) if x["left_early_s"] > 0 else "–",
                str(x["reconnections"]),
                _pct(x["share"]),
                _mark(x, names),
                "Có" if x["present"] else "Không",
            ]
            for n, x in enumerate(report["sites"], start=1)
        ),
        "rep-attendance",
    )
    quality = _table(
        ["TT", "Điểm cầu", "Số khoảng 20 giây", "Tốt", "Trung bình", "Kém", "MOS trung bình"],
        (
            [
                str(n),
                f'<span class="rep-hall">{_e(x["name"])}</span>',
                str(x["quality"]["windows"]),
                str(x["quality"]["good"]),
                str(x["quality"]["fair"]),
                str(x["quality"]["poor"]),
                _mos(x["quality"]["mean_mos"]),
            ]
            for n, x in enumerate(report["sites"], start=1)
        ),
        "rep-quality",
    )
    charts = "".join(
        f'<figure class="rep-figure">{svg}</figure>' for svg in timeline_svgs(report, zone)
    )
    worst = (
        _table(
            ["Điểm cầu", "Lúc", "Đánh giá", "MOS", "Mất gói vào/ra (%)", "RTT (ms)"],
            (
                [
                    _e(w["name"]),
                    _hm(_local(w["start"], zone)),
                    _e({"good": "Tốt", "fair": "Trung bình", "poor": "Kém"}.get(w["grade"], "–")),
                    _mos(w["mos"]),
                    _e(f"{_num(w['loss_in_pct'])} / {_num(w['loss_out_pct'])}"),
                    _num(w["rtt_ms"], 0),
                ]
                for w in report["worst"]
            ),
            "rep-worst",
        )
        if report["worst"]
        else "<p>Không có khoảng thời gian nào được đo.</p>"
    )
    notices = (
        '<ol class="rep-notices">'
        + "".join(
            f"<li>{_e(NOTICE_KINDS_VI.get(n['kind'], 'Thông báo'))}: {_e(n['title'])}"
            + (" (đã thu hồi)" if n["withdrawn_at"] else "")
            + "</li>"
            for n in report["notices"]
        )
        + "</ol>"
        if report["notices"]
        else "<p>Không có thông báo.</p>"
    )
    agenda = (
        f'<p class="rep-agenda">{_e(report["agenda"])}</p>'
        if report["agenda"].strip()
        else "<p>Không có chương trình kèm theo.</p>"
    )
    actions = (
        _table(
            ["Lúc", "Cán bộ", "Thao tác"],
            (
                [
                    _e(datetime.fromisoformat(a["at"]).astimezone(zone).strftime("%H:%M:%S")),
                    _e(a["by"]),
                    _action_text(a, names),
                ]
                for a in report["actions"]
            ),
            "rep-actions",
        )
        if report["actions"]
        else "<p>Không có thao tác nào.</p>"
    )
    recordings = "".join(_recording_item(r, zone) for r in report["recordings"])
    parts = [
        ("Điểm danh và tham dự", attendance),
        (
            "Chất lượng kết nối",
            quality
            + '<p class="rep-note">Diễn biến theo từng khoảng 20 giây:</p>'
            + _legend()
            + charts
            + '<p class="rep-note">Các khoảng kém nhất:</p>'
            + worst,
        ),
        ("Chương trình và thông báo", agenda + notices),
        ("Thao tác của cán bộ điều hành", actions),
    ]
    if recordings:
        parts.append(("Bản ghi phiên họp", f'<ul class="rep-recordings">{recordings}</ul>'))
    sections = "".join(
        f'<section class="rep-part"><h2>{ROMAN[i]}. {_e(title)}</h2>{html}</section>'
        for i, (title, html) in enumerate(parts)
    )
    article = (
        _head(
            issuer,
            place,
            generated,
            "BÁO CÁO",
            f"Kết quả phiên họp trực tuyến: {_e(s['title'])}",
        )
        + facts_html
        + sections
        + _foot(issuer)
    )
    return _page(f"Báo cáo – {s['title']}", "session-report", article).replace(
        '<article class="report session-report" id="report">',
        f'<article class="report session-report" id="report" data-session-id="{int(s["id"])}">',
    )


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


# ---- the period report -------------------------------------------------------------------


def _period_words(period: dict[str, Any]) -> str:
    since, until = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    if period.get("quarter"):
        year, q = period["quarter"].split("-Q")
        return f"Quý {ROMAN[int(q) - 1]} năm {year}"
    return f"Từ ngày {since:%d/%m/%Y} đến ngày {until:%d/%m/%Y}"


def months_svg(months: Sequence[dict[str, Any]]) -> str:
    """Sessions per month: booked and held online side by side."""
    if not months:
        return ""
    top = max(max(m["sessions"], m["booked"], m["held_online"]) for m in months) or 1
    height, base, plot_h = 200.0, 170.0, 140.0
    slot = (WIDTH - 40) / len(months)
    bar = min(28.0, slot / 3)
    parts = [
        f'<svg class="chart months" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" '
        f'aria-label="Số phiên theo tháng">',
        f'<line class="chart-axis" x1="36" y1="{base}" x2="{WIDTH - 4:.0f}" y2="{base}"/>',
        f'<text class="chart-label" x="32" y="{base - plot_h + 4:.0f}" '
        f'text-anchor="end">{top}</text>',
        f'<text class="chart-label" x="32" y="{base:.0f}" text-anchor="end">0</text>',
    ]
    for i, m in enumerate(months):
        x = 40 + i * slot + slot / 2
        for k, (value, css) in enumerate(
            (
                (m["sessions"], "bar-all"),
                (m["booked"], "bar-booked"),
                (m["held_online"], "bar-held"),
            )
        ):
            h = value / top * plot_h
            bx = x - 1.5 * bar + k * bar
            parts.append(
                f'<rect class="{css}" x="{bx:.1f}" y="{base - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}"><title>{value}</title></rect>'
            )
        month = m["month"]
        parts.append(
            f'<text class="chart-label" x="{x:.1f}" y="{base + 16:.0f}" text-anchor="middle">'
            f"{month[5:]}/{month[:4]}</text>"
        )
    parts.append("</svg>")
    legend = (
        '<ul class="rep-legend"><li><span class="key key-all"></span> Tổng số phiên</li>'
        '<li><span class="key key-booked"></span> Có đăng ký</li>'
        '<li><span class="key key-held"></span> Tổ chức trực tuyến</li></ul>'
    )
    return "".join(parts) + legend


def rates_svgs(sites: Sequence[dict[str, Any]]) -> list[str]:
    """Attendance rate per hall, horizontal bars, ``ROWS_PER_CHART`` halls a chart."""
    charts = []
    for at in range(0, len(sites), ROWS_PER_CHART):
        chunk = sites[at : at + ROWS_PER_CHART]
        height = AXIS_H + ROW_H * len(chunk) + 4
        parts = [
            f'<svg class="chart rates" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" '
            f'aria-label="Tỷ lệ có mặt theo điểm cầu">'
        ]
        for pct in (0, 25, 50, 75, 100):
            x = PLOT_X + pct / 100 * (PLOT_W - 40)
            parts.append(
                f'<line class="tl-tick" x1="{x:.1f}" y1="{AXIS_H - 4:.0f}" x2="{x:.1f}" '
                f'y2="{height - 4:.0f}"/><text class="tl-time" x="{x:.1f}" '
                f'y="{AXIS_H - 7:.0f}">{pct} %</text>'
            )
        for k, s in enumerate(chunk):
            y = AXIS_H + k * ROW_H
            rate = s["attendance_rate"] or 0.0
            css = "bar-flag" if s["repeated_problems"] else "bar-rate"
            w = rate * (PLOT_W - 40)
            parts.append(_name_text(0, y + ROW_H - 3, s["name"]))
            parts.append(
                f'<rect class="{css}" x="{PLOT_X:.1f}" y="{y + 1.5:.1f}" width="{max(w, 0.6):.1f}" '
                f'height="{ROW_H - 3:.1f}"/><text class="chart-value" x="{PLOT_X + w + 3:.1f}" '
                f'y="{y + ROW_H - 3:.1f}">{_pct(s["attendance_rate"])}</text>'
            )
        parts.append("</svg>")
        charts.append("".join(parts))
    return charts


def _places_cells(x: dict[str, Any]) -> list[str]:
    return [
        str(x["places"]),
        str(x["present"]),
        _pct(x["attendance_rate"]),
        _num(x["hall_hours"]),
        _mos(x["mean_mos"]),
        _pct(x["poor_share"]),
    ]


PLACES_HEAD = ["Lượt mời", "Có mặt", "Tỷ lệ", "Giờ kết nối", "MOS", "Khoảng kém"]


def render_period_html(report: dict[str, Any], tz: str, issuer: str, place: str = "") -> str:
    zone = ZoneInfo(tz)
    t = report["totals"]
    generated = _local(report["generated_at"], zone)
    assert generated is not None
    words = _period_words(report["period"])
    facts = [
        ("Số phiên họp", f"{t['sessions']} (có đăng ký: {t['booked']})"),
        ("Tổ chức trực tuyến", f"{t['held_online']} phiên; không tổ chức: {t['not_held']}"),
        ("Số điểm cầu", f"{t['halls']} điểm cầu, {t['places']} lượt được mời"),
        ("Tỷ lệ có mặt", _pct(t["attendance_rate"])),
        ("Thời gian", f"{_num(t['session_hours'])} giờ họp; {_num(t['hall_hours'])} giờ kết nối"),
        ("Chất lượng", f"MOS trung bình {_mos(t['mean_mos'])}; khoảng kém {_pct(t['poor_share'])}"),
    ]
    facts_html = (
        '<dl class="rep-facts">'
        + "".join(
            f'<div class="rep-fact"><dt>{_e(k)}:</dt><dd>{_e(v)}</dd></div>' for k, v in facts
        )
        + "</dl>"
    )
    sites = _table(
        ["TT", "Điểm cầu", *PLACES_HEAD, "Sự cố lặp lại"],
        (
            [
                str(n),
                f'<span class="rep-hall">{_e(x["name"])}</span>',
                *_places_cells(x),
                "Có" if x["repeated_problems"] else "",
            ]
            for n, x in enumerate(report["sites"], start=1)
        ),
        "rep-sites",
    )
    repeated = (
        _table(
            ["Điểm cầu", "Số phiên có sự cố / tham dự", "Khoảng kém", "MOS"],
            (
                [
                    f'<span class="rep-hall">{_e(p["name"])}</span>',
                    f"{len(p['sessions'])}/{p['attended']}",
                    str(p["poor_windows"]),
                    _mos(p["mean_mos"]),
                ]
                for p in report["repeated_problems"]
            ),
            "rep-repeated",
        )
        if report["repeated_problems"]
        else "<p>Không có điểm cầu nào gặp sự cố kết nối lặp lại.</p>"
    )
    organisers = _table(
        ["Người tổ chức", "Số phiên", "Trực tuyến", *PLACES_HEAD],
        (
            [_e(o["name"] or "–"), str(o["sessions"]), str(o["held_online"]), *_places_cells(o)]
            for o in report["organisers"]
        ),
        "rep-organisers",
    )
    agencies = _table(
        ["Cơ quan", "Số phiên", "Trực tuyến", *PLACES_HEAD],
        (
            [_e(a["agency"] or "–"), str(a["sessions"]), str(a["held_online"]), *_places_cells(a)]
            for a in report["agencies"]
        ),
        "rep-agencies",
    )
    charts = "".join(
        f'<figure class="rep-figure">{svg}</figure>' for svg in rates_svgs(report["sites"])
    )
    parts = [
        (
            "Tổng hợp",
            facts_html + f'<figure class="rep-figure">{months_svg(report["months"])}</figure>',
        ),
        ("Tham dự và chất lượng theo điểm cầu", sites + charts),
        ("Điểm cầu có sự cố kết nối lặp lại", repeated),
        ("Theo người tổ chức và cơ quan", organisers + agencies),
    ]
    sections = "".join(
        f'<section class="rep-part"><h2>{ROMAN[i]}. {_e(title)}</h2>{html}</section>'
        for i, (title, html) in enumerate(parts)
    )
    article = (
        _head(
            issuer,
            place,
            generated,
            "BÁO CÁO",
            f"Tình hình tổ chức các phiên họp trực tuyến – {_e(words)}",
        )
        + sections
        + _foot(issuer)
    )
    return _page(f"Báo cáo – {words}", "period-report", article)
