"""The printable invitation: one A4 page in the layout of a Vietnamese administrative
document (the issuing body and the national motto side by side, the document's kind in
capitals, "Kính gửi", the body, "Nơi nhận" and the signature block).

Served under the bridge's strict Content-Security-Policy: no inline style or script, the
look is /static/css/invitation.css (screen: a sheet of paper; print: A4 with the margins
documents use). Every text is escaped; a name is never cut.
"""

from __future__ import annotations

from html import escape

from bridge.invitations.document import (
    NOTICE_KINDS_VI,
    Invitation,
    dated_vi,
    span_vi,
    when_vi,
)

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập – Tự do – Hạnh phúc"
KIND = "GIẤY MỜI"
STYLESHEET = "/static/css/invitation.css"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _fact(label: str, value: str, css: str = "") -> str:
    """One line of the facts: ``value`` is HTML already (escaped by the caller)."""
    extra = f" {css}" if css else ""
    return f'<div class="inv-fact{extra}"><dt>{_e(label)}:</dt><dd>{value}</dd></div>'


def _facts(inv: Invitation) -> str:
    start, end = inv.local(inv.starts_at), inv.local(inv.end)
    time_text = span_vi(start, end) if inv.ends_at is not None else f"{when_vi(start)}"
    facts = [
        _fact("Nội dung", f'<strong class="inv-title">{_e(inv.title)}</strong>'),
        _fact("Thời gian", f'<span class="inv-time">{_e(time_text)}</span>'),
        _fact("Hình thức", "Trực tuyến, qua hệ thống giao ban trực tuyến"),
        _fact("Điểm cầu chủ trì", f'<span class="inv-host">{_e(inv.host)}</span>'),
    ]
    if inv.agenda.strip():
        facts.append(_fact("Chương trình", f'<span class="inv-agenda">{_e(inv.agenda)}</span>'))
    if inv.window is not None:
        opens, closes = inv.local(inv.window.opens), inv.local(inv.window.closes)
        facts.append(
            _fact(
                "Kiểm tra kết nối", f'<span class="inv-window">{_e(span_vi(opens, closes))}</span>'
            )
        )
    expires = inv.local(inv.link_expires_at)
    link = (
        f'<a class="inv-link" href="{_e(inv.link)}">{_e(inv.link)}</a>'
        f'<span class="inv-link-note"> (dùng riêng cho {_e(inv.hall)}; '
        f"hiệu lực đến {_e(when_vi(expires))})</span>"
    )
    facts.append(_fact("Đường dẫn tham gia", link, "inv-fact-link"))
    return '<dl class="inv-facts">' + "".join(facts) + "</dl>"


def _notices(inv: Invitation) -> str:
    if not inv.notices:
        return ""
    items = []
    for notice in inv.notices:
        kind = NOTICE_KINDS_VI.get(notice.kind, NOTICE_KINDS_VI["other"])
        file_part = (
            f' <span class="inv-notice-file">({_e(notice.file_name)})</span>'
            if notice.file_name
            else ""
        )
        items.append(f"<li>{_e(kind)}: {_e(notice.title)}{file_part}</li>")
    return (
        '<section class="inv-notices"><p class="inv-notices-head">Tài liệu, thông báo của '
        "phiên họp (xem trên trang của điểm cầu):</p>"
        f'<ol class="inv-notice-list">{"".join(items)}</ol></section>'
    )


def render_html(inv: Invitation) -> str:
    """The whole page, ready to serve as ``text/html; charset=utf-8``."""
    issued = inv.local(inv.issued_at)
    place = f"{_e(inv.place)}, " if inv.place.strip() else ""
    issuer = _e(inv.issuer)
    hall = _e(inv.hall)
    # The chairing hall is told too, unless it is the one invited ("Như trên").
    host_line = "" if inv.host == inv.hall else f"<li>- {_e(inv.host)} (điểm cầu chủ trì);</li>"
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Giấy mời – {_e(inv.title)} – {hall}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body class="invitation-page">
<article class="invitation" id="invitation" data-session-id="{inv.session_id}"
 data-site-id="{inv.site_id}">
<header class="inv-head">
<div class="inv-issuer"><p class="inv-issuer-name">{issuer}</p>
<p class="inv-rule" aria-hidden="true"></p></div>
<div class="inv-nation"><p class="inv-nation-name">{NATION}</p>
<p class="inv-motto">{MOTTO}</p><p class="inv-rule" aria-hidden="true"></p></div>
</header>
<p class="inv-dateline">{place}{dated_vi(issued)}</p>
<h1 class="inv-kind">{KIND}</h1>
<p class="inv-subject">Dự phiên họp trực tuyến: {_e(inv.title)}</p>
<p class="inv-to">Kính gửi: <strong class="inv-hall">{hall}</strong></p>
<p class="inv-body">{issuer} trân trọng kính mời đại diện lãnh đạo và cán bộ kỹ thuật của
<span class="inv-hall-inline">{hall}</span> tham dự phiên họp trực tuyến, cụ thể như sau:</p>
{_facts(inv)}
{_notices(inv)}
<p class="inv-body">Đề nghị {hall} bố trí cán bộ kỹ thuật mở đường dẫn trên máy tính của
điểm cầu trong thời gian kiểm tra kết nối, và tham dự đúng giờ./.</p>
<footer class="inv-foot">
<div class="inv-recipients"><p class="inv-recipients-head">Nơi nhận:</p>
<ul><li>- Như trên;</li>{host_line}<li>- Lưu: VT.</li></ul></div>
<div class="inv-sign"><p class="inv-sign-body">{issuer}</p></div>
</footer>
</article>
</body>
</html>
"""
