"""Every message the bridge sends over the WebSocket (docs/protocol.md, "Server → client"),
typed, and the functions that build them from domain values.

The shapes are ``TypedDict``s: mypy checks every builder against them, tests validate
every frame a real bridge sends against ``ServerMessage``, and they cost nothing at run
time (meters go to every console ten times a second). ``OUTBOUND_TYPES`` is derived from
the shapes, never kept by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, NotRequired, get_args, get_type_hints

# typing_extensions: pydantic validates these shapes in the tests, which on Python 3.11 it
# does only for its TypedDict.
from typing_extensions import TypedDict

from bridge.conference import (
    Conference,
    Event,
    FloorChanged,
    RecordingChanged,
    RosterChanged,
    SessionChanged,
    ShownChanged,
    ShownState,
    SiteChanged,
    SitesChanged,
    SiteStatus,
)
from bridge.conference.video import VideoSend

#: What a hall's page is told caused an event an operator (or the command line) caused.
HALL_SEES_STAFF_AS = "operator"

RefId = str | int | None


class SiteEntry(TypedDict):
    id: int
    name: str
    level: str
    host: bool
    state: Literal["offline", "connecting", "connected"]
    muted: bool
    hand_raised: bool
    hand_seq: int | None
    removed: bool


class SessionEntry(TypedDict):
    id: int
    title: str
    state: str
    host_site_id: int


class IceServer(TypedDict):
    urls: str | list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


class RecordingEntry(TypedDict):
    """Whether the session is being recorded, and since when (ISO 8601, UTC; None when
    off, or just after a restart until the new file starts)."""

    on: bool
    since: str | None


class JoinedMessage(TypedDict):
    type: Literal["joined"]
    ref_id: RefId
    site: SiteEntry
    session: SessionEntry
    ice_servers: list[IceServer]
    # The session is in its test window (scheduled, not yet open): the hall tests itself.
    testing: bool
    # Issue 14: every page shows that the session is being recorded.
    recording: RecordingEntry


class StaffEntry(TypedDict):
    username: str
    role: str


class ReadyMessage(TypedDict):
    type: Literal["ready"]
    ref_id: RefId
    operator: StaffEntry
    session: SessionEntry
    # The actions this account may take in this session (bridge.permissions.Action
    # values): the console hides or disables the rest.
    actions: list[str]
    recording: RecordingEntry


class AnswerMessage(TypedDict):
    type: Literal["answer"]
    sdp: str
    ref_id: RefId


class RosterMessage(TypedDict):
    type: Literal["roster"]
    session_id: int
    sites: list[SiteEntry]


class SiteMessage(TypedDict):
    type: Literal["site"]
    site: SiteEntry
    # Who caused the change (`site:<id>`, `account:<username>`…) and by which command
    # (`lower_hand`, `give_floor`…): a hall's page tells "the operator lowered your hand"
    # from "you withdrew your request".
    by: NotRequired[str]
    cause: NotRequired[str]


class SitesMessage(TypedDict):
    type: Literal["sites"]
    sites: list[SiteEntry]
    by: NotRequired[str]
    cause: NotRequired[str]


class SessionMessage(TypedDict):
    type: Literal["session"]
    session: SessionEntry


class ShownMessage(TypedDict):
    type: Literal["shown"]
    site_id: int
    previous: int | None
    mode: Literal["manual", "voice"]
    hold_s: float


class FloorMessage(TypedDict):
    type: Literal["floor"]
    site_id: int | None


class RecordingMessage(TypedDict):
    """To everyone: the session started or stopped being recorded."""

    type: Literal["recording"]
    on: bool
    since: str | None


class VideoMessage(TypedDict):
    type: Literal["video"]
    send: Literal["full", "preview", "off"]


class QualityEntry(TypedDict):
    id: int
    grade: Literal["good", "fair", "poor", "unknown"]
    rtt_ms: float | None
    loss_in_pct: float | None
    loss_out_pct: float | None
    jitter_in_ms: float | None
    jitter_out_ms: float | None
    no_media: bool  # nothing has arrived from the site for 2 s (grade "poor" meanwhile)


class QualityMessage(TypedDict):
    type: Literal["quality"]
    sites: list[QualityEntry]


class MeterEntry(TypedDict):
    id: int
    level: float
    talking: bool


class MetersMessage(TypedDict):
    type: Literal["meters"]
    sites: list[MeterEntry]


class ProfileMessage(TypedDict):
    """To a hall: its effective hardware profile (docs/profiles.md), on joining and on
    every change; ``revision`` grows with each change and is echoed in ``profile_applied``."""

    type: Literal["profile"]
    revision: int
    profile: dict[str, Any]  # bridge.profiles.schema.Profile as JSON


class GridMessage(TypedDict):
    """To a hall showing a grid: which site each cell of its grid peer carries, in m-line
    order (null: an empty cell), on every change."""

    type: Literal["grid"]
    cells: list[int | None]


class FieldStatus(TypedDict):
    desired: Any
    applied: Any
    readback: Any
    ok: bool | None  # None: nothing read back yet, or a field the page cannot read back


class ProfileStatusEntry(TypedDict):
    id: int
    revision: int  # the revision the hall was sent (0: none yet)
    applied_revision: int | None  # the revision its last report answered
    # offline: not connected; pending: sent, not answered yet; confirmed: every field it
    # can read back is as desired; differs: some field is not (see fields[*].ok, problems)
    state: Literal["offline", "pending", "confirmed", "differs"]
    fields: dict[str, FieldStatus]
    devices: dict[str, str | None]  # microphone / speaker / camera: the label in use
    missing: list[dict[str, Any]]  # {kind, patterns, used}: named, not found, fell back
    problems: list[dict[str, Any]]  # {field, message}
    inventory: list[dict[str, Any]]  # {kind, label, capabilities}


class ProfileStatusMessage(TypedDict):
    """To consoles: halls' profile state, on attaching (every roster site) and whenever a
    hall is sent a profile, answers, joins or leaves (that hall)."""

    type: Literal["profile_status"]
    sites: list[ProfileStatusEntry]


class HealthEntry(TypedDict):
    id: int
    mic_level_db: float | None
    mic_peak_db: float | None
    mic_clipping: float | None  # share of frames at full scale, last report
    camera_fps: float | None
    camera_width: int | None
    camera_height: int | None
    speaker: str | None  # the output the hall plays the bridge on
    speaker_playing: bool | None
    # mic_no_signal, mic_clipping, mic_off, camera_off, camera_slow, speaker_silent
    warnings: list[str]


class HealthMessage(TypedDict):
    """To consoles, once a second with ``quality``: each connected hall's devices."""

    type: Literal["health"]
    sites: list[HealthEntry]


class TestBeginMessage(TypedDict):
    """To a hall: its connection test starts (docs/connection-tests.md)."""

    type: Literal["test_begin"]
    test_id: str
    media_ms: int


class TestPingMessage(TypedDict):
    """To a hall under test: answer ``test_pong`` at once with the same ``n`` and ``t``."""

    type: Literal["test_ping"]
    n: int
    t: float


class TestProbeMessage(TypedDict):
    """To a hall under test: a bitrate ramp starts — "up": send the probe at each step's
    rate in turn; "down": count what the bridge sends."""

    type: Literal["test_probe"]
    test_id: str
    direction: Literal["up", "down"]
    steps_kbps: list[float]
    step_ms: int


class TestCollectMessage(TypedDict):
    type: Literal["test_collect"]
    test_id: str


class TestResultMessage(TypedDict):
    """To the hall: its verdict, every reason with advice."""

    type: Literal["test_result"]
    test_id: str
    state: Literal["ready", "warning", "not_ready"]
    figures: dict[str, Any]
    reasons: list[dict[str, Any]]  # {code, severity, vi, en, advice_vi, advice_en, field}
    unmeasured: list[str]


class TestCancelledMessage(TypedDict):
    type: Literal["test_cancelled"]
    test_id: str
    reason: str  # "left", "replaced", "removed"


class ReadinessEntry(TypedDict):
    site_id: int
    state: Literal["not_tested", "testing", "ready", "warning", "not_ready"]
    at: str | None  # when the shown result was finished (ISO 8601, UTC)
    source: str | None  # "hall", "operator", "agent"
    figures: dict[str, Any] | None
    reasons: list[dict[str, Any]]
    unmeasured: list[str]


class ReadinessMessage(TypedDict):
    """To consoles: halls whose readiness changed (a test started or ended)."""

    type: Literal["readiness"]
    sites: list[ReadinessEntry]


class PongMessage(TypedDict):
    type: Literal["pong"]
    ref_id: RefId


class ErrorMessage(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    ref_id: RefId
    field: NotRequired[str]  # the field at fault, when one is
    problem: NotRequired[str]  # what is wrong with it (errors.Problem), with ``field``


# ---- D (issue 13): official notices ---------------------------------------------------


class NoticeEntry(TypedDict):
    """A notice as a hall's page shows it (consoles get the API's, with its receipts)."""

    id: int
    session_id: int
    kind: Literal["invitation", "agenda", "document", "other"]
    title: str
    body: str
    file_name: str | None
    file_type: str | None
    file_size: int | None
    posted_at: str
    withdrawn_at: str | None
    read: bool  # this hall has read it (false in what consoles are sent)


class NoticesMessage(TypedDict):
    """To a hall on joining: its session's notices in force, oldest first."""

    type: Literal["notices"]
    notices: list[NoticeEntry]


class NoticeMessage(TypedDict):
    """To the session's halls and consoles: a notice posted, or withdrawn
    (``withdrawn_at`` set: the page takes it away)."""

    type: Literal["notice"]
    notice: NoticeEntry


class NoticeReadEvent(TypedDict):
    """To consoles: a hall read a notice (its first read; later ones are not told)."""

    type: Literal["notice_read"]
    notice_id: int
    site_id: int
    read_at: str


class RollCallEntry(TypedDict):
    """A hall's roll-call mark, as ``GET /api/sessions/{id}/roll-call`` lists it."""

    site_id: int
    mark: Literal["present", "absent", "elsewhere"]
    reason: str
    at_site_id: int | None
    by: str
    at: str | None


class RollCallEvent(TypedDict):
    """To consoles: a hall was marked at the roll call (by any console, or the API), so
    every open roll call shows the same marks."""

    type: Literal["roll_call"]
    roll_call: RollCallEntry


ServerMessage = (
    JoinedMessage
    | ReadyMessage
    | AnswerMessage
    | RosterMessage
    | SiteMessage
    | SitesMessage
    | SessionMessage
    | ShownMessage
    | FloorMessage
    | RecordingMessage
    | VideoMessage
    | QualityMessage
    | MetersMessage
    | ProfileMessage
    | GridMessage
    | ProfileStatusMessage
    | HealthMessage
    | TestBeginMessage
    | TestPingMessage
    | TestProbeMessage
    | TestCollectMessage
    | TestResultMessage
    | TestCancelledMessage
    | ReadinessMessage
    | PongMessage
    | ErrorMessage
    # D: notices.
    | NoticesMessage
    | NoticeMessage
    | NoticeReadEvent
    # Issue 14: the roll call.
    | RollCallEvent
)

OUTBOUND_TYPES: frozenset[str] = frozenset(
    get_args(get_type_hints(shape)["type"])[0] for shape in get_args(ServerMessage)
)


# ---- entries ---------------------------------------------------------------------------


def site_entry(site: SiteStatus) -> SiteEntry:
    return {
        "id": site.id,
        "name": site.name,
        "level": site.level,
        "host": site.host,
        "state": site.state.value,
        "muted": site.muted,
        "hand_raised": site.hand_raised,
        "hand_seq": site.hand_seq,
        "removed": site.removed,
    }


def session_entry(conference: Conference) -> SessionEntry:
    return {
        "id": conference.session_id,
        "title": conference.title,
        "state": conference.state,
        "host_site_id": conference.host_site_id,
    }


def recording_entry(conference: Conference) -> RecordingEntry:
    since = conference.recording_since
    return {
        "on": conference.recording,
        "since": since.isoformat() if since is not None and conference.recording else None,
    }


# ---- messages --------------------------------------------------------------------------


def joined(
    ref_id: RefId,
    site: SiteStatus,
    conference: Conference,
    ice_servers: Sequence[Mapping[str, Any]],
) -> JoinedMessage:
    return {
        "type": "joined",
        "ref_id": ref_id,
        "site": site_entry(site),
        "session": session_entry(conference),
        "ice_servers": [dict(s) for s in ice_servers],  # type: ignore[misc]
        "testing": conference.state == "scheduled",
        "recording": recording_entry(conference),
    }


def ready(
    ref_id: RefId, username: str, role: str, conference: Conference, actions: Iterable[str]
) -> ReadyMessage:
    return {
        "type": "ready",
        "ref_id": ref_id,
        "operator": {"username": username, "role": role},
        "session": session_entry(conference),
        "actions": sorted(actions),
        "recording": recording_entry(conference),
    }


def answer(sdp: str, ref_id: RefId) -> AnswerMessage:
    return {"type": "answer", "sdp": sdp, "ref_id": ref_id}


def for_halls(message: Any) -> Any:
    """``message`` as a hall's page is told it: who caused an event is kept when it was a
    site (a page tells its own actions from the operator's by it), otherwise only said to
    be the operator — the halls need not learn the staff's account names. The message
    itself when nothing is to hide (the same object: built once for everyone)."""
    by = message.get("by") if isinstance(message, dict) else None
    if not isinstance(by, str) or by.startswith("site:") or ":" not in by:
        return message
    return {**message, "by": HALL_SEES_STAFF_AS}


def roster(conference: Conference) -> RosterMessage:
    return {
        "type": "roster",
        "session_id": conference.session_id,
        "sites": [site_entry(s) for s in conference.roster()],
    }


def site(status: SiteStatus, by: str = "", cause: str = "") -> SiteMessage:
    message: SiteMessage = {"type": "site", "site": site_entry(status)}
    if by:
        message["by"] = by
    if cause:
        message["cause"] = cause
    return message


def sites(statuses: Iterable[SiteStatus], by: str = "", cause: str = "") -> SitesMessage:
    """Several site entries that changed at once (one message instead of one per site)."""
    message: SitesMessage = {"type": "sites", "sites": [site_entry(s) for s in statuses]}
    if by:
        message["by"] = by
    if cause:
        message["cause"] = cause
    return message


def session(conference: Conference) -> SessionMessage:
    return {"type": "session", "session": session_entry(conference)}


def shown(state: ShownState) -> ShownMessage:
    return {
        "type": "shown",
        "site_id": state.site_id,
        "previous": state.previous,
        "mode": state.mode.value,
        "hold_s": state.hold_s,
    }


def floor(site_id: int | None) -> FloorMessage:
    return {"type": "floor", "site_id": site_id}


def recording(conference: Conference) -> RecordingMessage:
    return {"type": "recording", **recording_entry(conference)}


def video(send: VideoSend) -> VideoMessage:
    return {"type": "video", "send": send.value}


def meters(levels: Mapping[int, tuple[float, bool]]) -> MetersMessage:
    return {
        "type": "meters",
        "sites": [
            {"id": site_id, "level": round(max(level, -120.0), 1), "talking": talking}
            for site_id, (level, talking) in levels.items()
        ],
    }


def quality(entries: list[QualityEntry]) -> QualityMessage:
    return {"type": "quality", "sites": entries}


def profile(revision: int, effective: Mapping[str, Any]) -> ProfileMessage:
    return {"type": "profile", "revision": revision, "profile": dict(effective)}


def grid(cells: Sequence[int | None]) -> GridMessage:
    return {"type": "grid", "cells": list(cells)}


def profile_status(entries: list[ProfileStatusEntry]) -> ProfileStatusMessage:
    return {"type": "profile_status", "sites": entries}


def health(entries: list[HealthEntry]) -> HealthMessage:
    return {"type": "health", "sites": entries}


def readiness_testing(site_id: int) -> ReadinessMessage:
    entry: ReadinessEntry = {
        "site_id": site_id,
        "state": "testing",
        "at": None,
        "source": None,
        "figures": None,
        "reasons": [],
        "unmeasured": [],
    }
    return {"type": "readiness", "sites": [entry]}


def readiness_result(result: Mapping[str, Any]) -> ReadinessMessage:
    entry: ReadinessEntry = {
        "site_id": int(result["site_id"]),
        "state": result["state"],
        "at": result["finished_at"],
        "source": result["source"],
        "figures": result["figures"],
        "reasons": result["reasons"],
        "unmeasured": result["unmeasured"],
    }
    return {"type": "readiness", "sites": [entry]}


def pong(ref_id: RefId) -> PongMessage:
    return {"type": "pong", "ref_id": ref_id}


def error(code: str, message: str, ref_id: RefId = None) -> ErrorMessage:
    return {"type": "error", "code": code, "message": message, "ref_id": ref_id}


# ---- D (issue 13): notices -------------------------------------------------------------


def notice_entry(notice: Any, read: bool = False) -> NoticeEntry:
    """``notice`` is a ``bridge.store.notices.Notice``; who posted it is not a hall's to see."""
    file = notice.file
    return {
        "id": notice.id,
        "session_id": notice.session_id,
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "file_name": file.name if file else None,
        "file_type": file.type if file else None,
        "file_size": file.size if file else None,
        "posted_at": notice.posted_at.isoformat(),
        "withdrawn_at": notice.withdrawn_at.isoformat() if notice.withdrawn_at else None,
        "read": read,
    }


def notices(entries: Iterable[NoticeEntry]) -> NoticesMessage:
    return {"type": "notices", "notices": list(entries)}


def notice(entry: NoticeEntry) -> NoticeMessage:
    return {"type": "notice", "notice": entry}


def notice_read(notice_id: int, site_id: int, read_at: str) -> NoticeReadEvent:
    return {"type": "notice_read", "notice_id": notice_id, "site_id": site_id, "read_at": read_at}


def roll_call(entry: RollCallEntry) -> RollCallEvent:
    return {"type": "roll_call", "roll_call": entry}


# ---- events ----------------------------------------------------------------------------

_FOR_EVENT: dict[type, Callable[[Any, Conference], ServerMessage]] = {
    SiteChanged: lambda e, c: site(e.site, e.by, e.cause),
    SitesChanged: lambda e, c: sites(e.sites, e.by, e.cause),
    FloorChanged: lambda e, c: floor(e.site_id),
    SessionChanged: lambda e, c: session(c),
    ShownChanged: lambda e, c: shown(e.shown),
    # Issue 13, part C: a site put on the roster or taken off it: the whole roster again.
    RosterChanged: lambda e, c: roster(c),
    # Issue 14: the recording's state as the conference holds it now.
    RecordingChanged: lambda e, c: recording(c),
}


def for_event(event: Event, conference: Conference) -> ServerMessage:
    """The message everyone is told of a domain event."""
    return _FOR_EVENT[type(event)](event, conference)
