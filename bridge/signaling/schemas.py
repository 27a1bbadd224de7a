"""What the HTTP API answers, as typed shapes: the builders in ``api.py`` are checked
against them by mypy, and ``openapi.py`` turns them into the response schemas of
``/openapi.json`` (with pydantic, which reads a ``TypedDict`` as an object schema). The
request bodies are the pydantic models in ``messages.py``.

Each shape is closed (``extra="forbid"`` → ``additionalProperties: false``) except the
metrics, whose figures grow with the media path: the fuzzing test checks every answer a
real bridge gives against these schemas.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, with_config

# typing_extensions: pydantic reads a TypedDict's schema only from it on Python 3.11.
from typing_extensions import TypedDict

from bridge.signaling.errors import ErrorCode, Problem
from bridge.signaling.outbound import SiteEntry

_closed = with_config(ConfigDict(extra="forbid"))

Level = Literal["central", "province", "district", "commune"]
State = Literal["scheduled", "open", "closed"]
Role = Literal["admin", "office", "organiser", "operator", "observer"]
Duty = Literal["operator", "observer"]


@_closed
class ErrorDetail(TypedDict):
    code: ErrorCode
    message: str
    field: NotRequired[str]
    problem: NotRequired[Problem]
    # Issue 13 B: a booking refused over hall conflicts lists them.
    conflicts: NotRequired[list[ConflictJson]]


@_closed
class ErrorReply(TypedDict):
    error: ErrorDetail


@_closed
class SiteJson(TypedDict):
    id: int
    name: str
    level: Level
    parent_id: int | None
    created_at: str


@_closed
class SessionJson(TypedDict):
    id: int
    title: str
    state: State
    host_site_id: int
    roster: list[int]
    organiser_id: int | None
    created_at: str


@_closed
class AccountJson(TypedDict):
    id: int
    username: str
    role: Role


@_closed
class LoginOperator(TypedDict):
    username: str
    role: Role


@_closed
class LoginReply(TypedDict):
    token: str
    expires_at: str
    operator: LoginOperator


@_closed
class OkReply(TypedDict):
    ok: bool


@_closed
class AccountsReply(TypedDict):
    accounts: list[AccountJson]


@_closed
class AccountReply(TypedDict):
    account: AccountJson


@_closed
class SitesReply(TypedDict):
    sites: list[SiteJson]


@_closed
class SiteReply(TypedDict):
    site: SiteJson


@_closed
class SessionsReply(TypedDict):
    sessions: list[SessionJson]


@_closed
class SessionReply(TypedDict):
    session: SessionJson


@_closed
class LinkJson(TypedDict):
    site_id: int
    site_name: str
    url: str
    expires_at: str


@_closed
class LinksReply(TypedDict):
    links: list[LinkJson]


@_closed
class LiveReply(TypedDict):
    session: SessionJson
    sites: list[SiteEntry]


@_closed
class AuditJson(TypedDict):
    id: int
    session_id: int | None
    at: str
    by: str
    action: str
    detail: dict[str, Any]


@_closed
class AuditReply(TypedDict):
    entries: list[AuditJson]


@_closed
class StaffJson(TypedDict):
    account_id: int
    duty: Duty


@_closed
class StaffReply(TypedDict):
    staff: list[StaffJson]


class MetricsReply(TypedDict):
    """Open: the audio and video path's figures (docs/api.md, ``GET /api/metrics``)."""

    sessions: list[dict[str, Any]]


# ---- hardware profiles -----------------------------------------------------------------


@_closed
class NameJson(TypedDict):
    vi: str
    en: str


@_closed
class ProfileJson(TypedDict):
    id: str
    name: NameJson
    summary: NameJson
    builtin: bool  # shipped with the bridge: read-only, copy it to change it
    copied_from: str | None
    created_at: str | None  # None for a built-in
    updated_at: str | None
    updated_by: str | None
    profile: dict[str, Any]  # every field (bridge.profiles.schema.Profile)


@_closed
class ProfilesReply(TypedDict):
    profiles: list[ProfileJson]


@_closed
class ProfileReply(TypedDict):
    profile: ProfileJson


@_closed
class ProfileSourceJson(TypedDict):
    """A level of a site's chain: the site, and the profile that set the value (None: set
    on the site itself, and always for a lock)."""

    level: Level
    site_id: int
    site_name: str
    profile_id: str | None


@_closed
class IgnoredJson(TypedDict):
    source: ProfileSourceJson
    value: Any


@_closed
class ResolvedJson(TypedDict):
    value: Any
    source: ProfileSourceJson | None  # None: the built-in default
    locked_by: ProfileSourceJson | None
    ignored: list[IgnoredJson]  # overrides below a lock, void


@_closed
class EffectiveJson(TypedDict):
    profile: dict[str, Any]
    fields: dict[str, ResolvedJson]  # by path, in the schema's order


@_closed
class AssignmentJson(TypedDict):
    site_id: int
    profile_id: str | None
    fields: dict[str, Any] | None
    locked: list[str]
    updated_at: str
    updated_by: str | None


@_closed
class SiteProfileReply(TypedDict):
    site: SiteJson
    assignment: AssignmentJson | None
    effective: EffectiveJson


@_closed
class ProfileReportJson(TypedDict):
    session_id: int
    revision: int
    report: dict[str, Any]
    at: str


@_closed
class SessionProfileJson(TypedDict):
    site: SiteJson
    assignment: AssignmentJson | None
    effective: EffectiveJson
    report: ProfileReportJson | None  # the last the site's page sent, if any


@_closed
class SessionProfilesReply(TypedDict):
    session: SessionJson
    sites: list[SessionProfileJson]


# ---- connection tests: schedule, readiness board, a site's tests -------------------------

BoardState = Literal["not_tested", "testing", "ready", "warning", "not_ready"]


@_closed
class ScheduleJson(TypedDict):
    starts_at: str | None
    ends_at: str | None
    test_from: str | None  # set explicitly; None: the default
    test_until: str | None


@_closed
class WindowJson(TypedDict):
    opens: str
    closes: str
    default: bool  # neither end set explicitly


@_closed
class ScheduleReply(TypedDict):
    session_id: int
    schedule: ScheduleJson
    window: WindowJson | None  # None without a start
    testing: bool  # scheduled, and now inside the window


@_closed
class TrendJson(TypedDict):
    session_id: int
    finished_at: str
    state: str
    mos: float | None


@_closed
class BoardRowJson(TypedDict):
    site_id: int
    name: str
    level: Level
    position: int  # in the roster, from 1 (the host)
    state: BoardState
    at: str | None
    source: str | None
    # The runtime's result, as stored (docs/connection-tests.md): open, it grows with it.
    figures: dict[str, Any] | None
    reasons: list[dict[str, Any]]
    unmeasured: list[str]
    trend: list[TrendJson]  # the final result of each of the site's last 5 other sessions


@_closed
class ReadinessReply(TypedDict):
    session_id: int
    window: WindowJson | None
    testing: bool
    sites: list[BoardRowJson]


@_closed
class ConnectionTestsReply(TypedDict):
    site: SiteJson
    tests: list[dict[str, Any]]  # whole results, newest first


# Issue 13, part C: roster ownership.
@_closed
class RosterReply(TypedDict):
    """A site put on the roster: the session as it is now and the hall's new join link."""

    session: SessionJson
    link: LinkJson


# ---- Issue 13 B: bookings, the calendar, declared days, notifications ------------------

BookingState = Literal["requested", "approved", "rescheduled", "rejected", "cancelled"]
BookingActionWord = Literal["approve", "reschedule", "reject", "accept", "decline", "cancel"]


@_closed
class SiteNameJson(TypedDict):
    id: int
    name: str


# "from" is a keyword: the functional form.
ConflictJson = TypedDict(
    "ConflictJson",
    {
        "kind": Literal["session", "booking"],
        "id": int,
        "title": str,
        "sites": list[SiteNameJson],
        "from": str,
        "until": str,
        "through_test_window": bool,
    },
)
_closed(ConflictJson)


@_closed
class CheckLeadJson(TypedDict):
    ok: bool
    earliest_day: str
    days: int
    short_by: int


@_closed
class CheckJson(TypedDict):
    lead_time: CheckLeadJson
    conflicts: list[ConflictJson]
    working_day: bool
    holiday: str | None


@_closed
class BookingLeadJson(TypedDict):
    ok: bool
    earliest_day: str
    days: int
    override_reason: str | None


@_closed
class OrganiserJson(TypedDict):
    id: int
    username: str


@_closed
class ProposedJson(TypedDict):
    starts_at: str
    ends_at: str
    test_from: str | None
    test_until: str | None


HistoryJson = TypedDict(
    "HistoryJson",
    {
        "at": str,
        "by": str,
        "action": str,
        "from": str | None,
        "to": str,
        "reason": str | None,
    },
)
_closed(HistoryJson)


@_closed
class BookingJson(TypedDict):
    id: int
    title: str
    agenda: str
    notes: str
    host_site_id: int
    roster: list[int]
    starts_at: str
    ends_at: str
    test_from: str | None
    test_until: str | None
    state: BookingState
    organiser: OrganiserJson | None
    reason: str | None
    proposed: ProposedJson | None
    lead_time: BookingLeadJson
    conflicts: list[ConflictJson]
    session_id: int | None
    series_id: int | None
    history: list[HistoryJson]
    # What the caller may do with it now (the office page's buttons).
    actions: list[BookingActionWord]


@_closed
class BookingsReply(TypedDict):
    bookings: list[BookingJson]


@_closed
class BookingReply(TypedDict):
    booking: BookingJson


@_closed
class BookingCreatedReply(TypedDict):
    booking: BookingJson
    bookings: list[BookingJson]
    check: CheckJson


@_closed
class CheckReply(TypedDict):
    check: CheckJson


@_closed
class ApprovedReply(TypedDict):
    booking: BookingJson
    session: SessionJson


@_closed
class CalendarDayJson(TypedDict):
    date: str
    working: bool
    holiday: str | None
    declared: Literal["off", "working"] | None


@_closed
class CalendarItemJson(TypedDict):
    kind: Literal["session", "booking"]
    id: int
    title: str
    state: str
    starts_at: str
    ends_at: str | None
    test_from: str | None
    test_until: str | None
    site_ids: list[int]
    # Issue 14: a session being recorded now (sessions only).
    recording: NotRequired[bool]


@_closed
class CalendarReply(TypedDict):
    days: list[CalendarDayJson]
    items: list[CalendarItemJson]


@_closed
class OfficeDayJson(TypedDict):
    date: str
    kind: Literal["off", "working"]
    note: str


@_closed
class OfficeDaysReply(TypedDict):
    days: list[OfficeDayJson]


@_closed
class NotificationJson(TypedDict):
    id: int
    kind: str
    vi: str
    en: str
    session_id: int | None
    booking_id: int | None
    created_at: str
    read_at: str | None


@_closed
class NotificationsReply(TypedDict):
    notifications: list[NotificationJson]


@_closed
class NotificationReply(TypedDict):
    notification: NotificationJson


# ---- D (issue 13): official notices (notice_api.py) --------------------------------------

NoticeKind = Literal["invitation", "agenda", "document", "other"]
FileKind = Literal["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp"]


@_closed
class NoticeReadJson(TypedDict):
    site_id: int
    read_at: str


@_closed
class NoticeJson(TypedDict):
    id: int
    session_id: int
    kind: NoticeKind
    title: str
    body: str
    file_name: str | None
    file_type: FileKind | None
    file_size: int | None
    file_sha256: str | None
    posted_by: str
    posted_at: str
    withdrawn_at: str | None
    # Staff only: which roster halls read it (first read), and which have not yet.
    reads: list[NoticeReadJson]
    unread_site_ids: list[int]


@_closed
class NoticeReply(TypedDict):
    notice: NoticeJson


@_closed
class NoticesReply(TypedDict):
    notices: list[NoticeJson]


@_closed
class HallNoticeJson(TypedDict):
    """A notice as its hall is told it: no account names, no other halls' receipts."""

    id: int
    session_id: int
    kind: NoticeKind
    title: str
    body: str
    file_name: str | None
    file_type: FileKind | None
    file_size: int | None
    posted_at: str
    withdrawn_at: str | None
    read: bool


@_closed
class HallNoticesReply(TypedDict):
    notices: list[HallNoticeJson]


@_closed
class HallReadReply(TypedDict):
    notice_id: int
    site_id: int
    read_at: str


# ---- Issue 14: attendance, the roll call, quality per window -------------------------------

Mark = Literal["present", "absent", "elsewhere"]
Grade = Literal["good", "fair", "poor", "unknown"]


@_closed
class RollCallJson(TypedDict):
    site_id: int
    mark: Mark
    reason: str
    at_site_id: int | None
    by: str
    at: str | None


@_closed
class RollCallReply(TypedDict):
    roll_call: RollCallJson


@_closed
class RollCallsReply(TypedDict):
    session_id: int
    roll_calls: list[RollCallJson]


@_closed
class IntervalJson(TypedDict):
    start: str
    end: str
    seconds: float


@_closed
class SiteAttendanceJson(TypedDict):
    site_id: int
    name: str
    intervals: list[IntervalJson]
    connected_s: float
    first_join: str | None
    last_leave: str | None
    late_s: float
    left_early_s: float
    reconnections: int
    share: float
    measured_present: bool
    present: bool
    roll_call: RollCallJson | None
    floor_count: int
    floor_s: float
    mute_count: int
    hand_count: int
    shown_count: int


@_closed
class AttendanceReply(TypedDict):
    session_id: int
    start: str
    end: str
    present_share: float
    sites: list[SiteAttendanceJson]


@_closed
class QualityWindowJson(TypedDict):
    site_id: int
    start: str
    seconds: float
    loss_in_pct: float | None
    loss_out_pct: float | None
    rtt_ms: float | None
    jitter_in_ms: float | None
    jitter_out_ms: float | None
    no_media_s: float
    grade: Grade
    mos: float | None


@_closed
class SiteQualityJson(TypedDict):
    site_id: int
    windows: int
    good: int
    fair: int
    poor: int
    mean_mos: float | None


@_closed
class SiteWindowsJson(TypedDict):
    site_id: int
    windows: list[QualityWindowJson]


@_closed
class QualityReply(TypedDict):
    session_id: int
    window_s: int
    sites: list[SiteWindowsJson]
    worst: list[QualityWindowJson]
    summary: list[SiteQualityJson]


# ---- Issue 14: recordings ----------------------------------------------------------------

RecordingState = Literal["recording", "complete", "failed", "deleted"]


@_closed
class RecordingStateJson(TypedDict):
    """Whether the session is being recorded now, and since when (ISO 8601 UTC, or null)."""

    on: bool
    since: str | None


@_closed
class ChapterJson(TypedDict):
    start_s: float
    end_s: float
    title: str


@_closed
class RecordingJson(TypedDict):
    id: int
    session_id: int
    file: str
    state: RecordingState
    started_at: str
    ended_at: str | None
    bytes: int | None
    sha256: str | None
    duration_s: float | None
    codec: str | None
    started_by: str
    chapters: list[ChapterJson]
    # Where to fetch it and its manifest (a complete recording only), and whether the
    # caller may download it (its role: the organiser of the session, office, admin).
    download_url: str | None
    manifest_url: str | None
    may_download: bool


@_closed
class RecordingControlReply(TypedDict):
    recording: RecordingStateJson


@_closed
class RecordingsReply(TypedDict):
    recording: RecordingStateJson
    recordings: list[RecordingJson]


@_closed
class TicketReply(TypedDict):
    url: str  # the file, with a one-time ticket (60 s)
    expires_at: str


@_closed
class ManifestReply(TypedDict):
    file: str
    bytes: int
    sha256: str
    tracks: list[dict[str, Any]]
    started_at: str
    ended_at: str
    duration_s: float
    chapters: list[ChapterJson]


# ---- Issue 14: reports --------------------------------------------------------------------
# The reports' inner rows are documented in docs/reports.md; here their outline.


@_closed
class SessionReportReply(TypedDict):
    session: dict[str, Any]
    generated_at: str
    present_share: float
    window_s: int
    totals: dict[str, int]
    sites: list[dict[str, Any]]
    timeline: dict[str, Any]
    worst: list[dict[str, Any]]
    agenda: str
    notices: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    recordings: list[dict[str, Any]]


@_closed
class PeriodReportReply(TypedDict):
    period: dict[str, Any]
    generated_at: str
    totals: dict[str, Any]
    sites: list[dict[str, Any]]
    organisers: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    months: list[dict[str, Any]]
    repeated_problems: list[dict[str, Any]]
    session_list: list[dict[str, Any]]
