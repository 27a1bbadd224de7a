"""A connection test's measurements, judged: ready, warning or not ready, with every reason
in Vietnamese and English and advice a hall's staff can act on.

Each check looks at one measurement; ``None`` means it was not measured and raises nothing
(``Verdict.unmeasured`` lists them, so a report never passes a check off as done) — except
the loudspeaker loop, which is never assumed: not verified is a warning of its own. The
verdict is the most severe reason's severity; reasons come most severe first, then in the
order of the list below.

Check: warning / not ready — why (docs/connection-tests.md has the long form).

- media path (``media_connected``): — / False — without ICE nothing else can work.
- signaling round trip: > 400 / > 2000 ms — commands (mute, floor) arrive late; at 2 s an
  operator's mute lags by seconds.
- ICE over TCP, relayed or not: TCP / — — one lost packet holds up all behind it.
- TURN (``turn_ok``): False / — — no fallback if the direct path is blocked on the day.
- round trip (``rtt_ms``): > 200 / > 400 ms — bridge/conference/quality.py's fair and poor
  bounds (G.114: 150 ms one way is the comfort limit).
- jitter, each way: > 30 / > 60 ms — the same bounds: buffers absorb 30 ms; past 60 ms late
  packets are lost.
- loss after FEC, each way: > 1 / > 5 % — the same bounds: FEC hides 1 %; past 5 % words
  drop out.
- bitrate, each way: < 1.5 × / < 1 × the profile's bitrate — the stream must fit, with room
  for a worse hour (the test ramps to 1.5×).
- microphone level: — / ≤ −85 dBFS — bridge/profiles/health.py's "no signal": a cut cable,
  a muted mixer channel, a dead capsule.
- microphone clipping: ≥ 2 % of frames at full scale / — — health.py's bound: speech
  distorts for every listener.
- microphone noise floor: > −45 dBFS / — — with speech near −25 dBFS, under 20 dB
  signal-to-noise: a fan, a projector, mains hum.
- loudspeaker loop: not verified / the chirp not heard — only the chirp heard back proves
  the amplifier and loudspeakers; "could not be verified" is never a pass.
- acoustic loop delay: > 200 ms / — — the hall's sound chain (a TV's processing,
  Bluetooth) alone costs the network's whole "good" bound.
- echo return with echo cancellation not on: > −15 dB / — — the loudspeaker reaches the
  microphone nearly as loud as a talker: the other halls hear themselves.
- camera: < max(5, wanted / 2) fps / 0 fps — health.py's ``camera_slow``; no frame is no
  picture. Below the wanted width or height: warning.
- estimated MOS (``emodel``): < 3.6 / < 3.1 — G.107's R 70 ("some users dissatisfied") and
  R 60 ("many users dissatisfied").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Literal

from bridge.conference.quality import THRESHOLDS
from bridge.profiles.health import CAMERA_MIN_FPS, CLIPPING_SHARE, NO_SIGNAL_DBFS

SIGNALING_WARN_MS = 400.0
SIGNALING_FAIL_MS = 2000.0
# The link's bounds are the quality grades' (fair above the first, poor above the second):
# a hall the test calls ready must not show "poor" on the console a minute later.
RTT_WARN_MS, RTT_FAIL_MS = THRESHOLDS.rtt_ms  # 200, 400 ms
JITTER_WARN_MS, JITTER_FAIL_MS = THRESHOLDS.jitter_ms  # 30, 60 ms
LOSS_WARN_PCT, LOSS_FAIL_PCT = THRESHOLDS.loss_pct  # 1, 5 %
BITRATE_HEADROOM = 1.5  # below this many times the profile's bitrate: warning
MIC_NO_SIGNAL_DBFS = NO_SIGNAL_DBFS
MIC_CLIPPING_SHARE = CLIPPING_SHARE
MIC_NOISE_FLOOR_DBFS = -45.0
ACOUSTIC_DELAY_WARN_MS = 200.0
ECHO_STRONG_DB = -15.0
CAMERA_SLOW_FPS = CAMERA_MIN_FPS
MOS_WARN = 3.6
MOS_FAIL = 3.1


class State(StrEnum):
    READY = "ready"
    WARNING = "warning"
    NOT_READY = "not_ready"


class Severity(StrEnum):
    WARNING = "warning"
    NOT_READY = "not_ready"


_RANK = {State.READY: 0, State.WARNING: 1, State.NOT_READY: 2}


def rank(state: State) -> int:
    """0 ready, 1 warning, 2 not ready: to compare verdicts."""
    return _RANK[state]


@dataclass(frozen=True)
class Measured:
    """One connection test's figures; ``None``: not measured (or could not be verified)."""

    media_connected: bool | None = None  # ICE and DTLS completed to the bridge
    signaling_rtt_ms: float | None = None
    ice_type: Literal["host", "srflx", "relay"] | None = None
    ice_protocol: Literal["udp", "tcp"] | None = None
    turn_ok: bool | None = None
    rtt_ms: float | None = None
    jitter_in_ms: float | None = None  # hall → bridge
    jitter_out_ms: float | None = None  # bridge → hall
    loss_in_pct: float | None = None  # after FEC recovery, percent
    loss_out_pct: float | None = None
    uplink_kbps: float | None = None
    downlink_kbps: float | None = None
    needed_kbps: float | None = None  # the hall profile's bitrate, each way
    mic_level_db: float | None = None  # dBFS
    mic_clipping: float | None = None  # share of frames at full scale, 0–1
    mic_noise_floor_db: float | None = None  # dBFS
    speaker_loop_verified: bool | None = None  # the chirp heard back; None: could not verify
    acoustic_delay_ms: float | None = None  # loudspeaker → microphone, within the hall
    echo_return_db: float | None = None  # the chirp in the microphone against its played level
    echo_cancellation: bool | None = None
    camera_fps: float | None = None
    camera_width: int | None = None
    camera_height: int | None = None
    wanted_fps: float | None = None
    wanted_width: int | None = None
    wanted_height: int | None = None
    mos: float | None = None  # emodel.estimate(...).mos


@dataclass(frozen=True)
class Reason:
    code: str  # stable: what a board, a CSV or a CLI keys on
    severity: Severity
    vi: str
    en: str
    advice_vi: str
    advice_en: str
    field: str  # the Measured field it is about


@dataclass(frozen=True)
class Verdict:
    state: State
    reasons: tuple[Reason, ...]
    unmeasured: tuple[str, ...]  # Measured fields left None (not the loop: it has a reason)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


W, F = Severity.WARNING, Severity.NOT_READY


def _n(value: float, digits: int = 0) -> tuple[str, str]:
    """A number in Vietnamese (decimal comma) and English."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ","), text


def _link(m: Measured) -> Iterator[Reason]:
    if m.media_connected is False:
        yield Reason(
            "no_media_path",
            F,
            "không kết nối được đường truyền âm thanh và hình ảnh tới máy chủ",
            "no audio/video connection to the bridge could be made",
            "kiểm tra tường lửa: cho phép UDP ra ngoài, hoặc cổng TCP 443 tới máy chủ TURN",
            "check the firewall: allow outgoing UDP, or TCP port 443 to the TURN server",
            "media_connected",
        )
    if m.signaling_rtt_ms is not None and m.signaling_rtt_ms > SIGNALING_WARN_MS:
        vi, en = _n(m.signaling_rtt_ms)
        yield Reason(
            "signaling_slow",
            F if m.signaling_rtt_ms > SIGNALING_FAIL_MS else W,
            f"lệnh điều khiển tới chậm ({vi} ms khứ hồi)",
            f"control messages are slow ({en} ms round trip)",
            "kiểm tra đường Internet của điểm cầu; tắt tải xuống và cập nhật trên máy",
            "check the hall's Internet line; stop downloads and updates on the computer",
            "signaling_rtt_ms",
        )
    if m.ice_protocol == "tcp":
        relay = m.ice_type == "relay"
        yield Reason(
            "relay_over_tcp" if relay else "media_over_tcp",
            W,
            "âm thanh và hình ảnh đi qua TCP" + (" qua máy chủ chuyển tiếp" if relay else ""),
            "audio and video go over TCP" + (" through the relay server" if relay else ""),
            "nhờ bộ phận mạng cho phép UDP ra ngoài (cổng 3478 và dải cổng của máy chủ)",
            "ask the network staff to allow outgoing UDP (port 3478 and the bridge's port range)",
            "ice_protocol",
        )
    if m.turn_ok is False:
        yield Reason(
            "turn_unreachable",
            W,
            "máy chủ chuyển tiếp (TURN) không trả lời: không có đường dự phòng",
            "the relay (TURN) server does not answer: there is no fallback path",
            "báo trung tâm kiểm tra máy chủ TURN; kiểm tra tường lửa của điểm cầu",
            "tell the centre to check the TURN server; check the hall's firewall",
            "turn_ok",
        )
    if m.rtt_ms is not None and m.rtt_ms > RTT_WARN_MS:
        vi, en = _n(m.rtt_ms)
        yield Reason(
            "rtt_high",
            F if m.rtt_ms > RTT_FAIL_MS else W,
            f"độ trễ khứ hồi cao ({vi} ms)",
            f"the round trip is long ({en} ms)",
            "dùng đường cáp thay cho Wi-Fi hoặc 4G; tránh giờ mạng đông",
            "use a wired line rather than Wi-Fi or 4G; avoid busy hours",
            "rtt_ms",
        )
    for value, way_vi, way_en, name in (
        (m.jitter_in_ms, "đường lên", "uplink", "jitter_in_ms"),
        (m.jitter_out_ms, "đường xuống", "downlink", "jitter_out_ms"),
    ):
        if value is not None and value > JITTER_WARN_MS:
            vi, en = _n(value)
            yield Reason(
                f"{way_en}_jitter",
                F if value > JITTER_FAIL_MS else W,
                f"độ trễ dao động lớn ở {way_vi} ({vi} ms)",
                f"the {way_en} jitter is high ({en} ms)",
                "dùng đường cáp thay cho Wi-Fi; tắt các máy khác đang dùng mạng",
                "use a wired line rather than Wi-Fi; stop other machines using the line",
                name,
            )
    for value, way_vi, way_en, name in (
        (m.loss_in_pct, "đường lên", "uplink", "loss_in_pct"),
        (m.loss_out_pct, "đường xuống", "downlink", "loss_out_pct"),
    ):
        if value is not None and value > LOSS_WARN_PCT:
            vi, en = _n(value, 1)
            yield Reason(
                f"{way_en}_loss",
                F if value > LOSS_FAIL_PCT else W,
                f"mất {vi} % gói tin ở {way_vi}",
                f"{en} % of packets are lost on the {way_en}",
                "kiểm tra dây mạng và bộ định tuyến; báo nhà mạng nếu vẫn mất gói",
                "check the network cable and the router; call the provider if loss persists",
                name,
            )


def _bitrate(m: Measured) -> Iterator[Reason]:
    if m.needed_kbps is None:
        return
    for value, way_vi, way_en, name in (
        (m.uplink_kbps, "đường lên", "uplink", "uplink_kbps"),
        (m.downlink_kbps, "đường xuống", "downlink", "downlink_kbps"),
    ):
        if value is None or value >= BITRATE_HEADROOM * m.needed_kbps:
            continue
        short = value < m.needed_kbps
        vi, en = _n(value)
        need_vi, need_en = _n(m.needed_kbps)
        yield Reason(
            f"{way_en}_{'too_slow' if short else 'tight'}",
            F if short else W,
            f"băng thông {way_vi} {vi} kb/s, cần {need_vi} kb/s"
            + ("" if short else " và dự phòng"),
            f"the {way_en} carries {en} kb/s, {need_en} kb/s needed"
            + ("" if short else " with headroom"),
            "tắt các máy khác dùng mạng, hoặc chọn cấu hình điểm cầu có tốc độ thấp hơn",
            "stop other machines using the line, or pick a hall profile with a lower bitrate",
            name,
        )


def _microphone(m: Measured) -> Iterator[Reason]:
    if m.mic_level_db is not None and m.mic_level_db <= MIC_NO_SIGNAL_DBFS:
        yield Reason(
            "mic_no_signal",
            F,
            "micrô không có tín hiệu",
            "the microphone has no signal",
            "kiểm tra cáp micrô và bộ trộn âm",
            "check the microphone cable and the mixer",
            "mic_level_db",
        )
    if m.mic_clipping is not None and m.mic_clipping >= MIC_CLIPPING_SHARE:
        yield Reason(
            "mic_clipping",
            W,
            "micrô bị quá tải, tiếng bị méo",
            "the microphone clips: speech is distorted",
            "giảm mức khuếch đại micrô trên bộ trộn âm hoặc trong cấu hình",
            "lower the microphone gain on the mixer or in the profile",
            "mic_clipping",
        )
    if m.mic_noise_floor_db is not None and m.mic_noise_floor_db > MIC_NOISE_FLOOR_DBFS:
        vi, en = _n(m.mic_noise_floor_db)
        yield Reason(
            "mic_noisy",
            W,
            f"micrô thu nhiều tiếng ồn ({vi} dBFS khi im lặng)",
            f"the microphone picks up much noise ({en} dBFS in silence)",
            "tắt quạt, máy chiếu gần micrô; kiểm tra tiếng ù của nguồn điện và dây nối đất",
            "turn off fans and projectors near the microphone; check for mains hum and earthing",
            "mic_noise_floor_db",
        )


def _speaker(m: Measured) -> Iterator[Reason]:
    if m.speaker_loop_verified is False:
        yield Reason(
            "speaker_no_sound",
            F,
            "không nghe thấy âm thử từ loa",
            "the test sound was not heard from the loudspeakers",
            "bật bộ khuếch đại và loa, kiểm tra âm lượng và thiết bị phát âm thanh của máy",
            "switch on the amplifier and loudspeakers; check the volume and the output device",
            "speaker_loop_verified",
        )
    elif m.speaker_loop_verified is None:
        yield Reason(
            "speaker_unverified",
            W,
            "không kiểm tra được loa (chưa xác minh)",
            "the loudspeakers could not be verified",
            "cho micrô nghe được loa rồi thử lại, hoặc nhờ một người nghe thử",
            "let the microphone hear the loudspeakers and test again, or have someone listen",
            "speaker_loop_verified",
        )
    if m.acoustic_delay_ms is not None and m.acoustic_delay_ms > ACOUSTIC_DELAY_WARN_MS:
        vi, en = _n(m.acoustic_delay_ms)
        yield Reason(
            "acoustic_delay_high",
            W,
            f"âm thanh trong phòng bị trễ ({vi} ms từ loa tới micrô)",
            f"the hall's sound chain is slow ({en} ms loudspeaker to microphone)",
            "dùng loa nối dây thay cho loa Bluetooth; bật chế độ trò chơi (game) trên tivi",
            "use wired loudspeakers rather than Bluetooth; turn on the TV's game mode",
            "acoustic_delay_ms",
        )
    if (
        m.echo_return_db is not None
        and m.echo_return_db > ECHO_STRONG_DB
        and m.echo_cancellation is not True
    ):
        vi, en = _n(m.echo_return_db)
        yield Reason(
            "echo_strong",
            W,
            f"tiếng vọng mạnh ({vi} dB) và chưa bật khử tiếng vọng",
            f"strong echo ({en} dB) with echo cancellation off",
            "bật khử tiếng vọng, giảm âm lượng loa hoặc hướng loa ra xa micrô",
            "turn echo cancellation on, lower the loudspeakers or turn them from the microphones",
            "echo_return_db",
        )


def _camera(m: Measured) -> Iterator[Reason]:
    if m.camera_fps is not None:
        slow = max(CAMERA_SLOW_FPS, (m.wanted_fps or 0.0) / 2)
        if m.camera_fps <= 0:
            yield Reason(
                "camera_no_picture",
                F,
                "camera không có hình",
                "the camera delivers no picture",
                "kiểm tra cáp camera và chọn đúng camera trong cấu hình",
                "check the camera cable and that the profile picks the right camera",
                "camera_fps",
            )
        elif m.camera_fps < slow:
            vi, en = _n(m.camera_fps)
            yield Reason(
                "camera_slow",
                W,
                f"camera chỉ đạt {vi} khung hình/giây",
                f"the camera delivers only {en} frames per second",
                "tăng ánh sáng phòng; cắm camera vào cổng USB 3 hoặc giảm độ phân giải",
                "light the room better; plug the camera into USB 3 or lower the resolution",
                "camera_fps",
            )
    short_w = m.camera_width is not None and m.wanted_width and m.camera_width < m.wanted_width
    short_h = m.camera_height is not None and m.wanted_height and m.camera_height < m.wanted_height
    if short_w or short_h:
        got = f"{m.camera_width or '?'}×{m.camera_height or '?'}"
        want = f"{m.wanted_width or '?'}×{m.wanted_height or '?'}"
        yield Reason(
            "camera_low_resolution",
            W,
            f"camera gửi {got}, cấu hình cần {want}",
            f"the camera sends {got}, the profile wants {want}",
            "kiểm tra camera có hỗ trợ độ phân giải này và cáp/cổng USB đủ nhanh",
            "check that the camera supports this resolution and its cable/USB port is fast enough",
            "camera_width" if short_w else "camera_height",
        )


def _quality(m: Measured) -> Iterator[Reason]:
    if m.mos is not None and m.mos < MOS_WARN:
        vi, en = _n(m.mos, 1)
        yield Reason(
            "audio_quality_low",
            F if m.mos < MOS_FAIL else W,
            f"chất lượng âm thanh ước tính thấp (MOS {vi})",
            f"the estimated audio quality is low (MOS {en})",
            "xem độ trễ và tỷ lệ mất gói ở trên; dùng đường cáp thay cho Wi-Fi hoặc 4G",
            "see the delay and loss above; use a wired line rather than Wi-Fi or 4G",
            "mos",
        )


CHECKS: tuple[Callable[[Measured], Iterator[Reason]], ...] = (
    _link,
    _bitrate,
    _microphone,
    _speaker,
    _camera,
    _quality,
)
# Every code a check can give (a board's legend, a CSV's columns); test_verdict keeps it whole.
CODES = (
    "no_media_path",
    "signaling_slow",
    "relay_over_tcp",
    "media_over_tcp",
    "turn_unreachable",
    "rtt_high",
    "uplink_jitter",
    "downlink_jitter",
    "uplink_loss",
    "downlink_loss",
    "uplink_too_slow",
    "uplink_tight",
    "downlink_too_slow",
    "downlink_tight",
    "mic_no_signal",
    "mic_clipping",
    "mic_noisy",
    "speaker_no_sound",
    "speaker_unverified",
    "acoustic_delay_high",
    "echo_strong",
    "camera_no_picture",
    "camera_slow",
    "camera_low_resolution",
    "audio_quality_low",
)
# Context, not measurements: their absence is no missing check.
_CONTEXT = {"needed_kbps", "wanted_fps", "wanted_width", "wanted_height", "speaker_loop_verified"}


def judge(measured: Measured) -> Verdict:
    """The verdict on one connection test: the worst reason's severity, reasons most severe
    first (then in check order)."""
    found = [reason for check in CHECKS for reason in check(measured)]
    found.sort(key=lambda r: r.severity is not Severity.NOT_READY)  # stable: keeps check order
    if any(r.severity is Severity.NOT_READY for r in found):
        state = State.NOT_READY
    elif found:
        state = State.WARNING
    else:
        state = State.READY
    unmeasured = tuple(
        f.name
        for f in fields(measured)
        if f.name not in _CONTEXT and getattr(measured, f.name) is None
    )
    return Verdict(state, tuple(found), unmeasured)
