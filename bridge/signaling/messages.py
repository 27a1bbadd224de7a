"""Every message the bridge accepts, as pydantic models, and the one function that parses them.

WebSocket messages (docs/protocol.md) and HTTP request bodies (docs/api.md) live here so
there is one place to read what the bridge accepts. Unknown fields are rejected: a typo in a
field name is an error the sender hears about, not a silently ignored value.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.profiles.schema import CatalogueProfile, Name, Profile, ProfileOverride, Summary
from bridge.signaling.errors import ErrorCode, SignalingError
from bridge.signaling.validation import invalid

MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP_CHARS = 60_000

RefId = Annotated[str, Field(max_length=64)] | int
Lang = Literal["vi", "en"]
Token = Annotated[str, Field(min_length=1, max_length=256)]
Id = Annotated[int, Field(ge=1, le=2**53)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: RefId | None = None


class JoinMessage(_Message):
    type: Literal["join"]
    session_id: Id
    token: Token
    lang: Lang | None = None


class OperatorMessage(_Message):
    type: Literal["operator"]
    session_id: Id
    token: Token
    lang: Lang | None = None


Sdp = Annotated[str, Field(min_length=1, max_length=MAX_SDP_CHARS)]
CandidateLine = Annotated[str, Field(max_length=1024)]  # "" is the end of candidates
Mid = Annotated[str, Field(max_length=64)]
MLineIndex = Annotated[int, Field(ge=0, le=64)]


class OfferMessage(_Message):
    type: Literal["offer"]
    sdp: Sdp


class CandidateMessage(_Message):
    type: Literal["candidate"]
    candidate: CandidateLine
    sdpMid: Mid | None = None
    sdpMLineIndex: MLineIndex | None = None


class LeaveMessage(_Message):
    type: Literal["leave"]


class MuteMessage(_Message):
    type: Literal["mute"]
    site_id: Id


class UnmuteMessage(_Message):
    type: Literal["unmute"]
    site_id: Id


class ShowMessage(_Message):
    type: Literal["show"]
    site_id: Id


class VoiceActivatedMessage(_Message):
    type: Literal["voice_activated"]
    enabled: bool
    hold_s: Annotated[float, Field(ge=0, le=30)] | None = None


class HandMessage(_Message):
    """A site raises (``raised: true``) or lowers its own hand."""

    type: Literal["hand"]
    raised: bool


class LowerHandMessage(_Message):
    type: Literal["lower_hand"]
    site_id: Id


class GiveFloorMessage(_Message):
    type: Literal["give_floor"]
    site_id: Id


class MuteAllExceptHostMessage(_Message):
    type: Literal["mute_all_except_host"]


class UnmuteAllMessage(_Message):
    type: Literal["unmute_all"]


class RemoveMessage(_Message):
    type: Literal["remove"]
    site_id: Id


class EndSessionMessage(_Message):
    type: Literal["end_session"]


class PingMessage(_Message):
    type: Literal["ping"]


# ---- a hall's devices (docs/profiles.md) ----------------------------------------------

# A profile field path (``microphone.gain_db``) or a device's label, bounded.
FieldPath = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")]
Label = Annotated[str, Field(max_length=200)]
Scalar = Annotated[str, Field(max_length=200)] | bool | int | float | None
# A capability as ``MediaStreamTrack.getCapabilities()`` gives it, flattened to a scalar, a
# short list (``[true, false]``) or a ``{min, max}`` range.
Capability = Scalar | Annotated[list[Scalar], Field(max_length=16)] | dict[str, float | None]
DeviceKind = Literal["audioinput", "audiooutput", "videoinput"]
DeviceRole = Literal["microphone", "speaker", "camera"]
Settings = Annotated[dict[FieldPath, Scalar], Field(max_length=64)]


class InventoryDevice(BaseModel):
    """One device the hall's browser (or headless endpoint) sees."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: DeviceKind
    label: Label
    capabilities: Annotated[
        dict[Annotated[str, Field(max_length=64)], Capability], Field(max_length=24)
    ] = {}


class MissingDevice(BaseModel):
    """A device the profile names that the hall lacks: what was used instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: DeviceRole
    patterns: Annotated[list[Annotated[str, Field(max_length=120)]], Field(max_length=8)]
    used: Label | None = None


class ApplyProblem(BaseModel):
    """A field the page could not apply (an ``OverconstrainedError``, no ``setSinkId``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: FieldPath
    message: Annotated[str, Field(max_length=300)]


class ChosenDevices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    microphone: Label | None = None
    speaker: Label | None = None
    camera: Label | None = None


class ProfileAppliedMessage(_Message):
    """A hall's answer to ``profile``: what it asked the browser for (``applied``), what the
    browser says it now does (``readback``: ``getSettings()``, the sink, the layout drawn),
    the devices chosen, every device it can see, and what it could not do."""

    type: Literal["profile_applied"]
    revision: Annotated[int, Field(ge=0, le=2**53)]
    applied: Settings = {}
    readback: Settings = {}
    devices: ChosenDevices = ChosenDevices()
    inventory: Annotated[list[InventoryDevice], Field(max_length=64)] = []
    missing: Annotated[list[MissingDevice], Field(max_length=3)] = []
    problems: Annotated[list[ApplyProblem], Field(max_length=16)] = []


Db = Annotated[float, Field(ge=-200, le=20)]


class MicrophoneHealth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    level_db: Db | None = None  # RMS over the last second, dBFS
    peak_db: Db | None = None  # the loudest sample of the last second, dBFS
    clipping: Annotated[float, Field(ge=0, le=1)] = 0.0  # share of 20 ms frames at full scale
    live: bool = True  # the track is live and enabled


class CameraHealth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fps: Annotated[float, Field(ge=0, le=240)] | None = None  # frames captured per second
    width: Annotated[int, Field(ge=0, le=8192)] | None = None
    height: Annotated[int, Field(ge=0, le=8192)] | None = None
    live: bool = True


class SpeakerHealth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    device: Label | None = None  # the output the bridge's sound is playing on
    playing: bool = False  # the audio element is playing (not paused, not blocked)


class DeviceHealthMessage(_Message):
    """A hall's devices as its page measures them, about once a second."""

    type: Literal["device_health"]
    microphone: MicrophoneHealth | None = None
    camera: CameraHealth | None = None
    speaker: SpeakerHealth | None = None


# ---- a hall's grid of sites (display.layout "grid") -----------------------------------


class GridOfferMessage(_Message):
    """A hall showing a grid offers a second, receive-only peer: one ``recvonly`` video
    m-line per grid cell after the large one (the bridge answers ``answer``)."""

    type: Literal["grid_offer"]
    sdp: Sdp


class GridCandidateMessage(_Message):
    type: Literal["grid_candidate"]
    candidate: CandidateLine
    sdpMid: Mid | None = None
    sdpMLineIndex: MLineIndex | None = None


class GridCloseMessage(_Message):
    """The hall left the grid layout: its grid peer is closed."""

    type: Literal["grid_close"]


# ---- connection tests (docs/connection-tests.md) -----------------------------------------

TestId = Annotated[str, Field(min_length=1, max_length=32)]
Kbps = Annotated[float, Field(ge=0, le=1_000_000)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Ms = Annotated[float, Field(ge=0, le=600_000)]


class TestStartMessage(_Message):
    """The hall asks for its connection test now."""

    type: Literal["test_start"]


class TestPongMessage(_Message):
    type: Literal["test_pong"]
    n: Annotated[int, Field(ge=0, le=10_000)]
    t: float


class TestIce(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    local: Literal["host", "srflx", "prflx", "relay"] | None = None
    protocol: Literal["udp", "tcp"] | None = None
    relay_protocol: Literal["udp", "tcp", "tls"] | None = None


class TestReceived(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    packets: Count
    lost: Annotated[int, Field(ge=-10_000_000, le=10_000_000)]  # RTCP's lost can go negative
    jitter_ms: Ms | None = None


class TestProbeStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    step: Annotated[int, Field(ge=0, le=15)]
    kbps: Kbps
    lost: Count
    received: Count


class TestCamera(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    width: Annotated[int, Field(ge=0, le=8192)]
    height: Annotated[int, Field(ge=0, le=8192)]
    fps: Annotated[float, Field(ge=0, le=240)]


class TestAcoustic(BaseModel):
    """The hall's own measure of its loudspeaker → microphone loop (the headless endpoint)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    delay_ms: Ms
    echo_return_db: Annotated[float, Field(ge=-120, le=40)] | None = None


class TestReportMessage(_Message):
    """What the hall measured of its side of the test (docs/connection-tests.md)."""

    type: Literal["test_report"]
    test_id: TestId
    ice: TestIce | None = None
    turn_ok: bool | None = None
    received: TestReceived | None = None
    probe_down: Annotated[list[TestProbeStep], Field(max_length=16)] = []
    media_down_kbps: Annotated[list[Kbps | None], Field(max_length=16)] | None = None
    camera: TestCamera | None = None
    echo_cancellation: bool | None = None
    synthetic_microphone: bool = False
    playout_delay_ms: Ms | None = None
    acoustic: TestAcoustic | None = None


class TestRunMessage(_Message):
    """Staff: run one hall's test (``site_id``) or every connected hall's (a rehearsal)."""

    type: Literal["test_run"]
    site_id: Id | None = None


# ---- D (issue 13): official notices ---------------------------------------------------


class NoticeReadMessage(_Message):
    """A hall's page showed or opened one of its session's notices: its read receipt."""

    type: Literal["notice_read"]
    notice_id: Id


# ---- issue 14: recording ----------------------------------------------------------------


class RecordMessage(_Message):
    """An operator starts (``on``) or stops recording the session."""

    type: Literal["record"]
    on: bool


ClientMessage = (
    JoinMessage
    | OperatorMessage
    | OfferMessage
    | CandidateMessage
    | LeaveMessage
    | MuteMessage
    | UnmuteMessage
    | ShowMessage
    | VoiceActivatedMessage
    | HandMessage
    | LowerHandMessage
    | GiveFloorMessage
    | MuteAllExceptHostMessage
    | UnmuteAllMessage
    | RemoveMessage
    | EndSessionMessage
    | PingMessage
    | ProfileAppliedMessage
    | DeviceHealthMessage
    | GridOfferMessage
    | GridCandidateMessage
    | GridCloseMessage
    | TestStartMessage
    | TestPongMessage
    | TestReportMessage
    | TestRunMessage
    # D: notices.
    | NoticeReadMessage
    # Issue 14: recording.
    | RecordMessage
)
# Derived from the union, so a new message type cannot be forgotten here.
_MODELS: dict[str, type[_Message]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in get_args(ClientMessage)
}
MESSAGE_TYPES: frozenset[str] = frozenset(_MODELS)


def parse_client_message(text: str) -> ClientMessage:
    """Parse one WebSocket text frame, or raise ``SignalingError`` saying what is wrong.

    The frame's size is checked before JSON parsing so a huge frame costs no parse.
    """
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE, f"{len(text)} chars")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SignalingError(ErrorCode.INVALID_JSON, str(exc)[:200]) from None
    if not isinstance(data, dict):
        raise SignalingError(ErrorCode.INVALID_JSON, "not an object")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        raise SignalingError(ErrorCode.UNKNOWN_TYPE, repr(kind)[:80])
    if "\\u" in text and not _encodable(data):
        # A lone surrogate (``"\\ud800"``) is valid JSON but no text: echoed back, it
        # could not be sent.
        raise SignalingError(ErrorCode.INVALID_JSON, "lone surrogate")
    # Validated as its own type, known by now: every error is about one of its fields.
    model = _MODELS[kind]
    try:
        return cast(ClientMessage, model.model_validate(data))
    except ValidationError as exc:
        raise invalid(exc, ErrorCode.INVALID_MESSAGE, model) from None


def _encodable(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ref_id_of(text: str) -> str | int | None:
    """Best-effort ``id`` of a frame that failed validation, to echo in the error."""
    try:
        data = json.loads(text) if len(text) <= MAX_MESSAGE_BYTES else None
    except (ValueError, RecursionError):
        return None
    ref = data.get("id") if isinstance(data, dict) else None
    if isinstance(ref, int) and abs(ref) <= 2**53:
        return ref
    if isinstance(ref, str) and len(ref) <= 64 and _encodable(ref):
        return ref
    return None


# ---- HTTP request bodies (docs/api.md) -------------------------------------------------


class _Body(BaseModel):
    # Strict: a body is JSON, so an id is a number, never "5" or true (as documented in
    # /openapi.json, which is built from these models).
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginBody(_Body):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class SiteBody(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    level: Literal["central", "province", "district", "commune"]
    parent_id: Id | None = None
    # Issue 13 B: where the hall's notifications are e-mailed (none: not e-mailed).
    email: Annotated[str, Field(max_length=320)] | None = None


class SessionBody(_Body):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    host_site_id: Id
    roster: Annotated[list[Id], Field(max_length=1000)] = []
    state: Literal["scheduled", "open"] = "scheduled"


class AccountBody(_Body):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=8, max_length=256)]
    role: Literal["admin", "office", "organiser", "operator", "observer"] = "operator"
    # Issue 13 B: where the account's notifications are e-mailed (none: not e-mailed).
    email: Annotated[str, Field(max_length=320)] | None = None


class StaffBody(_Body):
    account_id: Id
    duty: Literal["operator", "observer"] | None


class LinksBody(_Body):
    # At least six minutes: a shorter link could expire before the hall opens it, and a tiny
    # float (5e-324 hours) would be no time at all once a timedelta.
    valid_hours: Annotated[float, Field(ge=0.1, le=24 * 366)] | None = None


# A profile's id: the catalogue's own rule, for custom profiles too.
ProfileId = Annotated[str, CatalogueProfile.model_fields["id"].metadata[0]]
# A locked path: a field (``microphone.gain_db``) or a whole section (``speaker``).
LockPath = Annotated[str, Field(min_length=1, max_length=64)]


class ProfileCreateBody(_Body):
    """A new custom profile: ``name``, ``summary`` and ``profile`` (default: the built-in
    defaults), or with ``copy_of`` a copy of that profile, whatever else is given
    replacing the copied part."""

    id: ProfileId
    copy_of: ProfileId | None = None
    name: Name | None = None
    summary: Summary | None = None
    profile: Profile | None = None


class ProfileUpdateBody(_Body):
    """What is given replaces the profile's own (a whole ``profile``, not a part of it)."""

    name: Name | None = None
    summary: Summary | None = None
    profile: Profile | None = None


class SiteProfileBody(_Body):
    """A site's assignment, replaced whole: the profile its level applies (None: none of
    its own), the fields set on the site itself, the paths it locks for the sites below."""

    profile_id: ProfileId | None = None
    fields: ProfileOverride | None = None
    locked: Annotated[list[LockPath], Field(max_length=64)] = []


# A time: RFC 3339 with its offset (``2026-12-10T09:00:00+07:00``, ``…Z``). Checked as a
# string here (a strict body takes no other JSON type) and read by the route, which names
# the field when the text is no real time (``readiness_api.instant``).
Instant = Annotated[str, Field(max_length=40, json_schema_extra={"format": "date-time"})]


class ScheduleBody(_Body):
    """A session's schedule, replaced whole: ``starts_at`` null clears it; the test window's
    ends are given only to override the default (14:00 the working day before)."""

    starts_at: Instant | None
    ends_at: Instant | None = None
    test_from: Instant | None = None
    test_until: Instant | None = None


# Issue 13, part C: roster ownership.
class RosterBody(_Body):
    """The site to put on a session's roster (last)."""

    site_id: Id


# ---- Issue 13 B: bookings (docs/api.md, "Bookings") ------------------------------------

BookingText = Annotated[str, Field(max_length=4000)]
Reason = Annotated[str, Field(max_length=1000)]
# A day: YYYY-MM-DD (checked as a string, read by the route, which names the field).
Day = Annotated[str, Field(max_length=10, json_schema_extra={"format": "date"})]
Weekday = Annotated[int, Field(ge=0, le=6)]


class WeeklyRule(_Body):
    """Every week on ``weekday`` (0 Monday … 6 Sunday)."""

    kind: Literal["weekly"]
    weekday: Weekday


class MonthlyFirstWorkingDayAfterRule(_Body):
    """Every month, on the first working day after the ``day``-th."""

    kind: Literal["monthly_first_working_day_after"]
    day: Annotated[int, Field(ge=1, le=28)]


class MonthlyNthWeekdayRule(_Body):
    """Every month on its ``n``-th ``weekday`` (-1: the last)."""

    kind: Literal["monthly_nth_weekday"]
    n: Literal[1, 2, 3, 4, -1]
    weekday: Weekday


class RepeatBody(_Body):
    """A series: the rule, and its end — a last day, a number of meetings, or both
    (whichever comes first) — and the days skipped."""

    rule: Annotated[
        WeeklyRule | MonthlyFirstWorkingDayAfterRule | MonthlyNthWeekdayRule,
        Field(discriminator="kind"),
    ]
    until: Day | None = None
    count: Annotated[int, Field(ge=1, le=200)] | None = None
    skip: Annotated[list[Day], Field(max_length=200)] = []


class BookingBody(_Body):
    """A session requested: what, where, when (the test window's ends only to override
    the default, 14:00 the working day before)."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    agenda: BookingText = ""
    notes: BookingText = ""
    host_site_id: Id
    roster: Annotated[list[Id], Field(max_length=1000)] = []
    starts_at: Instant
    ends_at: Instant
    test_from: Instant | None = None
    test_until: Instant | None = None


class BookingRequestBody(BookingBody):
    repeat: RepeatBody | None = None
    # Issue 14: record the session from its opening (every session of a series).
    record: bool = False
    # The office only: booking with less than the lead time, and why.
    lead_override_reason: Reason | None = None


class RecordingBody(_Body):
    """Issue 14: start (``on: true``) or stop recording a session."""

    on: bool


class ApproveBody(_Body):
    lead_override_reason: Reason | None = None
    conflict_override_reason: Reason | None = None


class RescheduleBody(_Body):
    starts_at: Instant
    ends_at: Instant
    test_from: Instant | None = None
    test_until: Instant | None = None
    reason: Reason


class DeclineBody(_Body):
    note: Reason | None = None


class RejectBody(_Body):
    reason: Reason


class CancelBody(_Body):
    reason: Reason | None = None


class OfficeDayBody(_Body):
    date: Day
    kind: Literal["off", "working"]
    note: Annotated[str, Field(max_length=200)] = ""


class OfficeDaysBody(_Body):
    """Declared days, each replacing what was declared for it; with ``year``, that
    year's other declared days are withdrawn (``{"year": 2027, "days": []}`` clears it)."""

    days: Annotated[list[OfficeDayBody], Field(max_length=400)]
    year: Annotated[int, Field(ge=2000, le=2200)] | None = None


# ---- D (issue 13): a notice's fields (multipart/form-data, docs/api.md "Notices") ------


class NoticeForm(_Body):
    """A new notice's text fields; its document, when it has one, is the form's ``file``
    part (checked by bridge/notices/files.py, not here)."""

    kind: Literal["invitation", "agenda", "document", "other"]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(max_length=10_000)] = ""


# ---- Issue 14: a roll-call mark (docs/api.md, "Attendance") ------------------------------


class RollCallBody(_Body):
    """A hall's mark: present, absent (``reason`` required), or present in person at
    another roster hall (``at_site_id``)."""

    mark: Literal["present", "absent", "elsewhere"]
    reason: Annotated[str, Field(max_length=500)] | None = None
    at_site_id: Id | None = None


def parse_body(model: type[_Body], raw: bytes) -> Any:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE)
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays/objects
        raise SignalingError(ErrorCode.INVALID_JSON) from None
    if not isinstance(data, dict):
        raise SignalingError(ErrorCode.INVALID_JSON, "not an object")
    if not _encodable(data):
        raise SignalingError(ErrorCode.INVALID_JSON, "lone surrogate")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, ErrorCode.INVALID_INPUT, model) from None
