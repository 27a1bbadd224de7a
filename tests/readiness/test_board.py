"""The readiness board's rows and its CSV: every roster site, its latest result or not
tested, testing while a test runs, its trend; the CSV read back with the csv module, in
Vietnamese by default and English on request."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bridge.readiness.board import (
    BOARD_STATES,
    COLUMNS,
    RosterSite,
    board,
    counts,
    csv_text,
    is_testing,
    rows,
)
from bridge.readiness.window import TestWindow

NOW = datetime(2026, 12, 11, 8, 0, tzinfo=UTC)  # 15:00 office time
WINDOW = TestWindow(
    datetime(2026, 12, 11, 7, tzinfo=UTC), datetime(2026, 12, 14, 2, tzinfo=UTC), True
)
SITES = [
    RosterSite(1, "Trung ương", "central", 1),
    RosterSite(2, "Tỉnh Lào Cai", "province", 2),
    RosterSite(3, "Tỉnh Cà Mau", "province", 3),
    RosterSite(4, "Xã Tả Van", "commune", 4),
]
MIC_REASON = {
    "code": "mic_no_signal",
    "severity": "not_ready",
    "vi": "micrô không có tín hiệu",
    "en": "the microphone has no signal",
    "advice_vi": "kiểm tra cáp micrô và bộ trộn âm",
    "advice_en": "check the microphone cable and the mixer",
    "field": "mic_level_db",
}
TCP_REASON = {
    "code": "media_over_tcp",
    "severity": "warning",
    "vi": "âm thanh và hình ảnh đi qua TCP",
    "en": "audio and video go over TCP",
    "advice_vi": "",
    "advice_en": "",
    "field": "ice_protocol",
}


def figures(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "signaling_rtt_ms": 31.4,
        "ice_type": "srflx",
        "ice_protocol": "udp",
        "ice_relay_protocol": None,
        "rtt_ms": 42.6,
        "jitter_in_ms": 3.25,
        "jitter_out_ms": 4.0,
        "loss_in_pct": 0.0,
        "loss_out_pct": 0.5,
        "uplink_kbps": 2480.4,
        "downlink_kbps": 3100.0,
        "mic_level_db": -24.04,
        "mic_noise_floor_db": -61.5,
        "mic_clipping": 0.001,
        "speaker_loop_verified": True,
        "acoustic_delay_ms": 31.2,
        "echo_return_db": -21.0,
        "camera_width": 1280,
        "camera_height": 720,
        "camera_fps": 29.97,
        "r_factor": 88.12,
        "mos": 4.312,
        "duration_ms": 18000,
    }
    return {**base, **given}


def result(site_id: int, state: str, reasons: list[dict[str, Any]], **f: Any) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "session_id": 7,
        "source": "hall",
        "by": f"site:{site_id}",
        "started_at": "2026-12-11T07:04:42+00:00",
        "finished_at": "2026-12-11T07:05:00+00:00",
        "state": state,
        "figures": figures(**f),
        "reasons": reasons,
        "unmeasured": [],
    }


LATEST = {
    1: result(1, "ready", []),
    2: result(2, "not_ready", [MIC_REASON, TCP_REASON], mic_level_db=-96.0, ice_protocol="tcp",
              speaker_loop_verified=None),
    4: result(4, "warning", [TCP_REASON], ice_type="relay", ice_protocol="tcp",
              ice_relay_protocol="tls", speaker_loop_verified=False, camera_fps=None),
}  # fmt: skip
TRENDS = {
    2: [
        {"session_id": 6, "finished_at": "2026-11-10T07:00:00+00:00", "state": "ready", "mos": 4.2},
        {"session_id": 5, "finished_at": "2026-10-10T07:00:00+00:00", "state": "warning",
         "mos": 3.5},
    ]
}  # fmt: skip


def test_every_roster_site_has_a_row_with_its_latest_result_or_not_tested() -> None:
    found = board(7, "scheduled", WINDOW, NOW, reversed(SITES), LATEST, TRENDS)
    assert found["session_id"] == 7 and found["testing"] is True
    assert found["window"] == {
        "opens": "2026-12-11T07:00:00+00:00",
        "closes": "2026-12-14T02:00:00+00:00",
        "default": True,
    }
    by_site = {r["site_id"]: r for r in found["sites"]}
    assert [r["site_id"] for r in found["sites"]] == [1, 2, 3, 4]  # roster order
    assert [r["state"] for r in found["sites"]] == ["ready", "not_ready", "not_tested", "warning"]
    lao_cai = by_site[2]
    assert lao_cai["name"] == "Tỉnh Lào Cai" and lao_cai["level"] == "province"
    assert lao_cai["position"] == 2
    assert lao_cai["at"] == "2026-12-11T07:05:00+00:00" and lao_cai["source"] == "hall"
    assert lao_cai["figures"]["mic_level_db"] == -96.0
    assert [r["code"] for r in lao_cai["reasons"]] == ["mic_no_signal", "media_over_tcp"]
    assert [p["session_id"] for p in lao_cai["trend"]] == [6, 5]
    assert by_site[3] == {
        "site_id": 3,
        "name": "Tỉnh Cà Mau",
        "level": "province",
        "position": 3,
        "state": "not_tested",
        "at": None,
        "source": None,
        "figures": None,
        "reasons": [],
        "unmeasured": [],
        "trend": [],
    }
    assert counts(found["sites"]) == {
        "not_tested": 1,
        "testing": 0,
        "ready": 1,
        "warning": 1,
        "not_ready": 1,
    }


def test_a_site_whose_test_runs_is_testing_and_keeps_its_last_figures() -> None:
    found = rows(SITES, LATEST, running={2, 3})
    assert [r["state"] for r in found] == ["ready", "testing", "testing", "warning"]
    assert found[1]["figures"] is not None and found[2]["figures"] is None


def test_a_session_is_testing_only_while_scheduled_and_inside_its_window() -> None:
    assert is_testing("scheduled", WINDOW, NOW)
    assert not is_testing("open", WINDOW, NOW)  # open: tests on demand, not "testing"
    assert not is_testing("closed", WINDOW, NOW)
    assert not is_testing("scheduled", WINDOW, WINDOW.opens - timedelta(seconds=1))
    assert not is_testing("scheduled", WINDOW, WINDOW.closes)
    assert not is_testing("scheduled", None, NOW)
    assert board(7, "scheduled", None, NOW, SITES, {})["window"] is None


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_in_vietnamese_by_default() -> None:
    text = csv_text(rows(SITES, LATEST), tz="Asia/Ho_Chi_Minh")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:4] == ["STT", "Điểm cầu", "Trạng thái", "Thời gian kiểm tra"]
    assert header[-1] == "Lý do" and len(header) == len(COLUMNS)
    lines = parse(text)
    assert [line["Điểm cầu"] for line in lines] == [s.name for s in SITES]
    assert [line["Trạng thái"] for line in lines] == [
        "Sẵn sàng",
        "Chưa sẵn sàng",
        "Chưa kiểm tra",
        "Cảnh báo",
    ]
    first, lao_cai, ca_mau, ta_van = lines
    assert first["Thời gian kiểm tra"] == "2026-12-11 14:05"  # office time
    assert first["Trễ khứ hồi (ms)"] == "43" and first["Dao động trễ lên (ms)"] == "3.2"
    assert first["Băng thông lên (kb/s)"] == "2480" and first["Micrô quá tải (%)"] == "0.1"
    assert first["Loại kết nối ICE"] == "srflx/udp"
    assert first["Camera (rộng x cao @ khung/giây)"] == "1280x720@30"
    assert first["Vòng loa - micrô"] == "có"
    assert (first["R"], first["MOS"]) == ("88.1", "4.31")
    assert first["Lý do"] == ""
    assert lao_cai["Lý do"] == "micrô không có tín hiệu; âm thanh và hình ảnh đi qua TCP"
    assert lao_cai["Vòng loa - micrô"] == "chưa xác minh được"
    assert lao_cai["Mức micrô (dBFS)"] == "-96.0"
    assert all(v == "" for k, v in ca_mau.items() if k not in ("STT", "Điểm cầu", "Trạng thái"))
    assert ta_van["Loại kết nối ICE"] == "relay/tcp (tls)"
    assert ta_van["Vòng loa - micrô"] == "không"
    assert ta_van["Camera (rộng x cao @ khung/giây)"] == "1280x720"


def test_the_csv_in_english() -> None:
    lines = parse(csv_text(rows(SITES, LATEST), "en"))
    assert list(lines[0])[:4] == ["Position", "Site", "State", "Tested at"]
    assert [line["State"] for line in lines] == ["Ready", "Not ready", "Not tested", "Warning"]
    assert lines[1]["Reasons"] == "the microphone has no signal; audio and video go over TCP"
    assert lines[1]["Speaker loop"] == "not verified" and lines[3]["Speaker loop"] == "no"


def test_a_name_with_commas_and_quotes_survives_the_csv() -> None:
    site = RosterSite(9, 'Hội trường "A", tầng 2', "district", 1)
    lines = parse(csv_text(rows([site], {})))
    assert lines[0]["Điểm cầu"] == 'Hội trường "A", tầng 2'


states = st.sampled_from(["ready", "warning", "not_ready"])


@given(st.dictionaries(st.integers(1, 6), states), st.sets(st.integers(1, 6)))
def test_one_row_per_roster_site_whatever_was_tested(
    tested: dict[int, str], running: set[int]
) -> None:
    sites = [RosterSite(i, f"Điểm {i}", "province", i) for i in range(1, 7)]
    latest = {i: result(i, s, []) for i, s in tested.items()}
    found = rows(sites, latest, running=running)
    assert [r["site_id"] for r in found] == list(range(1, 7))
    for r in found:
        expected = "testing" if r["site_id"] in running else tested.get(r["site_id"], "not_tested")
        assert r["state"] == expected and r["state"] in BOARD_STATES
    assert sum(counts(found).values()) == 6
    assert len(parse(csv_text(found))) == 6
