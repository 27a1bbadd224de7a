"""The readiness board: every roster site with its latest connection test — not tested,
testing, ready, warning or not ready — its figures, reasons and trend; and the same board
as CSV for the centre's spreadsheet, its header and words in Vietnamese or English.

Pure: the roster, the stored results (plain JSON, as ``store.readiness`` gives them) and
the clock in; rows and text out. The HTTP API, the command line and the live console's
``readiness`` message all build their rows here, so they cannot disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bridge.readiness.window import OFFICE_TIMEZONE, TestWindow

Result = Mapping[str, Any]
Row = dict[str, Any]

NOT_TESTED = "not_tested"
TESTING = "testing"
BOARD_STATES = (NOT_TESTED, TESTING, "ready", "warning", "not_ready")
STATE_WORDS: dict[str, tuple[str, str]] = {
    NOT_TESTED: ("Chưa kiểm tra", "Not tested"),
    TESTING: ("Đang kiểm tra", "Testing"),
    "ready": ("Sẵn sàng", "Ready"),
    "warning": ("Cảnh báo", "Warning"),
    "not_ready": ("Chưa sẵn sàng", "Not ready"),
}
SESSION_SCHEDULED = "scheduled"


@dataclass(frozen=True)
class RosterSite:
    """A roster site as the board shows it; ``position`` counts from 1 (the host's)."""

    site_id: int
    name: str
    level: str
    position: int


def is_testing(session_state: str, window: TestWindow | None, now: datetime) -> bool:
    """A session is *testing* while it is scheduled and now is inside its test window (an
    open session runs tests on demand, at any time)."""
    return session_state == SESSION_SCHEDULED and window is not None and window.contains(now)


def window_json(window: TestWindow | None) -> dict[str, Any] | None:
    if window is None:
        return None
    return {
        "opens": window.opens.isoformat(),
        "closes": window.closes.isoformat(),
        "default": window.default,
    }


def row(
    site: RosterSite,
    latest: Result | None,
    trend: Sequence[Result] = (),
    running: bool = False,
) -> Row:
    """One site's row: ``testing`` while its test runs (with the previous result's
    figures, if any, so the row does not go blank), else its latest result's state, else
    ``not_tested``."""
    state = TESTING if running else str(latest["state"]) if latest is not None else NOT_TESTED
    return {
        "site_id": site.site_id,
        "name": site.name,
        "level": site.level,
        "position": site.position,
        "state": state,
        "at": None if latest is None else latest.get("finished_at"),
        "source": None if latest is None else latest.get("source"),
        "figures": None if latest is None else dict(latest.get("figures") or {}),
        "reasons": [] if latest is None else list(latest.get("reasons") or []),
        "unmeasured": [] if latest is None else list(latest.get("unmeasured") or []),
        "trend": [
            {
                "session_id": point["session_id"],
                "finished_at": point["finished_at"],
                "state": point["state"],
                "mos": point.get("mos"),
            }
            for point in trend
        ],
    }


def rows(
    sites: Iterable[RosterSite],
    latest: Mapping[int, Result],
    trends: Mapping[int, Sequence[Result]] | None = None,
    running: Collection[int] = (),
) -> list[Row]:
    """Every roster site's row, in roster order."""
    trends = trends or {}
    return [
        row(site, latest.get(site.site_id), trends.get(site.site_id, ()), site.site_id in running)
        for site in sorted(sites, key=lambda s: s.position)
    ]


def board(
    session_id: int,
    session_state: str,
    window: TestWindow | None,
    now: datetime,
    sites: Iterable[RosterSite],
    latest: Mapping[int, Result],
    trends: Mapping[int, Sequence[Result]] | None = None,
    running: Collection[int] = (),
) -> dict[str, Any]:
    """The whole board: ``{session_id, window, testing, sites}``."""
    return {
        "session_id": session_id,
        "window": window_json(window),
        "testing": is_testing(session_state, window, now),
        "sites": rows(sites, latest, trends, running),
    }


def counts(board_rows: Iterable[Row]) -> dict[str, int]:
    """How many sites are in each state (every state named, zeros too)."""
    found = dict.fromkeys(BOARD_STATES, 0)
    for r in board_rows:
        found[r["state"]] = found.get(r["state"], 0) + 1
    return found


# ---- CSV -------------------------------------------------------------------------------


def _num(digits: int, scale: float = 1.0) -> Callable[[Any], str]:
    def say(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        return f"{value * scale:.{digits}f}"

    return say


def _figure(name: str, say: Callable[[Any], str]) -> Callable[[Row, str, ZoneInfo], str]:
    return lambda r, lang, tz: say((r["figures"] or {}).get(name))


def _ice(r: Row, lang: str, tz: ZoneInfo) -> str:
    f = r["figures"] or {}
    kind, protocol, relay = f.get("ice_type"), f.get("ice_protocol"), f.get("ice_relay_protocol")
    if not kind and not protocol:
        return ""
    text = "/".join(str(p) for p in (kind, protocol) if p)
    return f"{text} ({relay})" if kind == "relay" and relay else text


_LOOP = {True: ("có", "yes"), False: ("không", "no"), None: ("chưa xác minh được", "not verified")}


def _loop(r: Row, lang: str, tz: ZoneInfo) -> str:
    if r["figures"] is None:
        return ""
    verified = r["figures"].get("speaker_loop_verified")
    vi, en = _LOOP.get(verified if isinstance(verified, bool) else None, _LOOP[None])
    return en if lang == "en" else vi


def _camera(r: Row, lang: str, tz: ZoneInfo) -> str:
    f = r["figures"] or {}
    width, height, fps = f.get("camera_width"), f.get("camera_height"), f.get("camera_fps")
    text = f"{width}x{height}" if width and height else ""
    if isinstance(fps, int | float) and not isinstance(fps, bool):
        text += f"@{fps:.0f}"
    return text


def _time(r: Row, lang: str, tz: ZoneInfo) -> str:
    if not r["at"]:
        return ""
    try:
        at = datetime.fromisoformat(str(r["at"]))
    except ValueError:
        return str(r["at"])
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _state(r: Row, lang: str, tz: ZoneInfo) -> str:
    vi, en = STATE_WORDS.get(r["state"], (r["state"], r["state"]))
    return en if lang == "en" else vi


def _reasons(r: Row, lang: str, tz: ZoneInfo) -> str:
    key = "en" if lang == "en" else "vi"
    return "; ".join(str(reason.get(key) or reason.get("code", "")) for reason in r["reasons"])


Column = tuple[str, str, Callable[[Row, str, ZoneInfo], str]]
# (vi header, en header, the cell). Times are office time; numbers use a decimal point in
# both languages, so a spreadsheet or a script reads them as numbers whatever its locale.
COLUMNS: tuple[Column, ...] = (
    ("STT", "Position", lambda r, lang, tz: str(r["position"])),
    ("Điểm cầu", "Site", lambda r, lang, tz: str(r["name"])),
    ("Trạng thái", "State", _state),
    ("Thời gian kiểm tra", "Tested at", _time),
    ("Trễ báo hiệu (ms)", "Signaling RTT (ms)", _figure("signaling_rtt_ms", _num(0))),
    ("Loại kết nối ICE", "ICE type/protocol", _ice),
    ("Trễ khứ hồi (ms)", "RTT (ms)", _figure("rtt_ms", _num(0))),
    ("Dao động trễ lên (ms)", "Jitter in (ms)", _figure("jitter_in_ms", _num(1))),
    ("Dao động trễ xuống (ms)", "Jitter out (ms)", _figure("jitter_out_ms", _num(1))),
    ("Mất gói lên (%)", "Loss in (%)", _figure("loss_in_pct", _num(1))),
    ("Mất gói xuống (%)", "Loss out (%)", _figure("loss_out_pct", _num(1))),
    ("Băng thông lên (kb/s)", "Uplink (kb/s)", _figure("uplink_kbps", _num(0))),
    ("Băng thông xuống (kb/s)", "Downlink (kb/s)", _figure("downlink_kbps", _num(0))),
    ("Mức micrô (dBFS)", "Mic level (dBFS)", _figure("mic_level_db", _num(1))),
    ("Nhiễu nền micrô (dBFS)", "Mic noise floor (dBFS)", _figure("mic_noise_floor_db", _num(1))),
    ("Micrô quá tải (%)", "Mic clipping (%)", _figure("mic_clipping", _num(1, 100.0))),
    ("Vòng loa - micrô", "Speaker loop", _loop),
    ("Trễ âm thanh trong hội trường (ms)", "Acoustic delay (ms)",
     _figure("acoustic_delay_ms", _num(0))),
    ("Tiếng vọng (dB)", "Echo return (dB)", _figure("echo_return_db", _num(1))),
    ("Camera (rộng x cao @ khung/giây)", "Camera (WxH@fps)", _camera),
    ("R", "R", _figure("r_factor", _num(1))),
    ("MOS", "MOS", _figure("mos", _num(2))),
    ("Lý do", "Reasons", _reasons),
)  # fmt: skip


def csv_text(board_rows: Iterable[Row], lang: str = "vi", tz: str = OFFICE_TIMEZONE) -> str:
    """The board as CSV: a header in ``lang`` (vi unless "en"), one line per site. The
    caller adds a byte-order mark when it serves a file, for spreadsheets that need one to
    read UTF-8 (Excel does, for the Vietnamese letters)."""
    zone = ZoneInfo(tz)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([en if lang == "en" else vi for vi, en, _ in COLUMNS])
    for r in board_rows:
        writer.writerow([cell(r, lang, zone) for _, _, cell in COLUMNS])
    return out.getvalue()
