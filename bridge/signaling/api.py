"""The HTTP JSON API (docs/api.md): accounts log in, manage sites and sessions, issue
join links, read the audit log. Every route but login needs ``Authorization: Bearer
<token>``; errors are ``{"error": {"code", "message", "field"?, "problem"?}}`` in the
language of ``Accept-Language``.

Every route names its action (``bridge.permissions``) in one table, ``ROUTES``; the one
policy decides, before the handler runs, whether the caller's role (and, for a session's
routes, its ownership or assignment) allows it. The same row names the body model the
route validates with and the shape it answers, and ``/openapi.json`` is built from the
table (``openapi.py``), so the document cannot drift from what the API does.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.live.recording import LiveRecordings
from bridge.mail import Mailer, MailSettings
from bridge.permissions import Action, Principal, SessionScope, authorize
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.attendance_api import AttendanceRoutes
from bridge.signaling.booking_api import BookingRoutes
from bridge.signaling.errors import (
    HTTP_STATUS,
    ErrorCode,
    Problem,
    SignalingError,
    login_error,
    pick_lang,
)
from bridge.signaling.invitation_api import InvitationRoutes
from bridge.signaling.notice_api import HALL_ACTIONS, NoticeRoutes
from bridge.signaling.openapi import document
from bridge.signaling.outbound import site_entry
from bridge.signaling.profile_api import ProfileRoutes
from bridge.signaling.readiness_api import ReadinessRoutes
from bridge.signaling.recording_api import RecordingRoutes
from bridge.signaling.report_api import PERIOD_QUERY, QUARTER_PATTERN, ReportRoutes
from bridge.signaling.roster_api import RosterRoutes
from bridge.signaling.scope import principal_of, session_scope
from bridge.signaling.throttle import ADDRESS_RULE, USERNAME_RULE, LoginThrottle
from bridge.signaling.tickets import TICKET_PATTERN, DownloadTickets
from bridge.store import Session, SessionState, Site, SiteLevel, Store, StoreError
from bridge.store.errors import Conflict, InvalidCredentials, NotFound
from bridge.store.office import check_email
from bridge.use_cases import close_session, issue_join_links, open_session

Handler = Callable[[Request], Awaitable[Response]]

# Logins waiting for the password hasher beyond this are refused at once: a flood of
# logins queues no unbounded work.
MAX_WAITING_LOGINS = 16


# The largest id the API looks up: JSON-safe integers. A longer one names nothing (and
# would overflow the database driver's 64-bit integers).
MAX_ID = 2**53


def error_response(error: SignalingError, lang: str) -> JSONResponse:
    return JSONResponse({"error": error.body(lang)}, status_code=HTTP_STATUS.get(error.code, 400))


def field_error(
    field: str,
    problem: Problem,
    code: ErrorCode = ErrorCode.INVALID_INPUT,
    detail: str = "",
    **params: Any,
) -> SignalingError:
    """A refusal of one field of a request, found past its schema (in the store)."""
    return SignalingError(code, detail or f"{field}: {problem}", field, problem, params)


def site_json(site: Site) -> s.SiteJson:
    return {
        "id": site.id,
        "name": site.name,
        "level": site.level.value,
        "parent_id": site.parent_id,
        "created_at": site.created_at.isoformat(),
    }


def session_json(session: Session) -> s.SessionJson:
    return {
        "id": session.id,
        "title": session.title,
        "state": session.state.value,
        "host_site_id": session.host_site_id,
        "roster": list(session.roster),
        "organiser_id": session.organiser_id,
        "created_at": session.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Caller:
    """Who is calling, and (for a session's routes) the session as the policy sees it."""

    principal: Principal
    token: str
    session: Session | None = None


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    action: Action
    handler: str  # the ``Api`` method's name
    reply: type  # the shape of a success (``schemas.py``)
    status: int = 200
    body: type[m._Body] | None = None  # the pydantic model the body is validated with
    query: tuple[str, ...] = ()  # optional integer query parameters
    conflicts: bool = False  # may answer 409: the resource's state or a name in use
    summary: str = ""
    # Optional query parameters that take one of a few words: (name, the words).
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # What a success is: JSON of ``reply``'s shape, or (text/csv) a file the handler makes.
    media_type: str = "application/json"
    # Issue 13 B: optional query parameters that are days (YYYY-MM-DD); and whether a
    # query parameter the route does not name is refused (``unknown_field``).
    dates: tuple[str, ...] = ()
    strict_query: bool = False
    # D (issue 13): a multipart/form-data body, its text fields this model's and a ``file``
    # part (the handler reads the form itself, streaming: its document may be megabytes).
    form: type[m._Body] | None = None
    # Issue 14: optional query parameters that are text of a pattern: (name, regex).
    patterns: tuple[tuple[str, str], ...] = ()
    # Issue 14: a ``?ticket=`` may stand in for the Authorization header (tickets.py: a
    # recording fetched by the browser's download manager, which sends no header).
    ticket: bool = False


# The API, one row per route: what it is (its action) and who may take it is decided by
# bridge.permissions from that action alone. A route with ``{id}`` is a session's.
# fmt: off
ROUTES: list[ApiRoute] = [
    ApiRoute("POST", "/api/login", Action.LOGIN, "login", s.LoginReply, body=m.LoginBody,
             summary="Log in: a bearer token for the other routes"),
    ApiRoute("POST", "/api/logout", Action.LOGOUT, "logout", s.OkReply,
             summary="Revoke the caller's token"),
    ApiRoute("GET", "/api/accounts", Action.ACCOUNT_LIST, "list_accounts", s.AccountsReply,
             summary="Every account"),
    ApiRoute("POST", "/api/accounts", Action.ACCOUNT_CREATE, "create_account", s.AccountReply,
             201, m.AccountBody, conflicts=True, summary="Create an account"),
    ApiRoute("GET", "/api/sites", Action.SITE_LIST, "list_sites", s.SitesReply,
             summary="Every site (hall), in the order they were made"),
    ApiRoute("POST", "/api/sites", Action.SITE_CREATE, "create_site", s.SiteReply,
             201, m.SiteBody, conflicts=True, summary="Create a site under its parent"),
    ApiRoute("GET", "/api/sessions", Action.SESSION_LIST, "list_sessions", s.SessionsReply,
             summary="The sessions the caller may view, newest first"),
    ApiRoute("POST", "/api/sessions", Action.SESSION_CREATE, "create_session", s.SessionReply,
             201, m.SessionBody, summary="Create a session (the caller organises it)"),
    ApiRoute("GET", "/api/sessions/{id:int}", Action.SESSION_VIEW, "get_session",
             s.SessionReply, summary="One session"),
    ApiRoute("POST", "/api/sessions/{id:int}/links", Action.SESSION_LINKS, "issue_links",
             s.LinksReply, body=m.LinksBody, conflicts=True,
             summary="A new join link for every roster site (not once closed)"),
    ApiRoute("POST", "/api/sessions/{id:int}/open", Action.SESSION_OPEN, "open",
             s.SessionReply, conflicts=True, summary="Open the session (never a closed one)"),
    ApiRoute("POST", "/api/sessions/{id:int}/close", Action.SESSION_CLOSE, "close",
             s.SessionReply, summary="Close the session, for good"),
    ApiRoute("GET", "/api/sessions/{id:int}/live", Action.SESSION_LIVE, "live", s.LiveReply,
             summary="The session's sites with their live state"),
    ApiRoute("GET", "/api/sessions/{id:int}/audit", Action.SESSION_AUDIT, "audit",
             s.AuditReply, query=("after",), summary="The session's audit log, oldest first"),
    ApiRoute("POST", "/api/sessions/{id:int}/staff", Action.SESSION_STAFF, "assign_staff",
             s.StaffReply, body=m.StaffBody,
             summary="Assign an operator or observer, or withdraw one"),
    ApiRoute("GET", "/api/metrics", Action.METRICS_VIEW, "metrics", s.MetricsReply,
             summary="The media path's health"),
    ApiRoute("POST", "/api/metrics/reset", Action.METRICS_RESET, "reset_metrics", s.OkReply,
             summary="Start a new measurement window"),
    # Hardware profiles (profile_api.py). Profile and site routes name their parameters
    # ``profile_id`` and ``site_id``: only ``{id}`` is a session's.
    ApiRoute("GET", "/api/profiles", Action.PROFILE_LIST, "list_profiles", s.ProfilesReply,
             summary="Every hardware profile: the built-ins, then the custom ones"),
    ApiRoute("POST", "/api/profiles", Action.PROFILE_CREATE, "create_profile", s.ProfileReply,
             201, m.ProfileCreateBody, conflicts=True,
             summary="Create a custom profile, or copy one (copy_of)"),
    ApiRoute("GET", "/api/profiles/{profile_id:str}", Action.PROFILE_VIEW, "get_profile",
             s.ProfileReply, summary="One profile"),
    ApiRoute("PUT", "/api/profiles/{profile_id:str}", Action.PROFILE_UPDATE, "update_profile",
             s.ProfileReply, body=m.ProfileUpdateBody, conflicts=True,
             summary="Change a custom profile (a built-in refuses)"),
    ApiRoute("DELETE", "/api/profiles/{profile_id:str}", Action.PROFILE_DELETE,
             "delete_profile", s.OkReply, conflicts=True,
             summary="Delete a custom profile assigned to no site"),
    ApiRoute("GET", "/api/sites/{site_id:int}/profile", Action.SITE_PROFILE_VIEW,
             "site_profile", s.SiteProfileReply,
             summary="A site's assignment and effective profile, each field's source"),
    ApiRoute("PUT", "/api/sites/{site_id:int}/profile", Action.SITE_PROFILE_ASSIGN,
             "assign_profile", s.SiteProfileReply, body=m.SiteProfileBody,
             summary="Assign the site's profile, its own fields and its locks"),
    ApiRoute("DELETE", "/api/sites/{site_id:int}/profile", Action.SITE_PROFILE_UNASSIGN,
             "unassign_profile", s.SiteProfileReply, summary="Take the site's assignment away"),
    ApiRoute("GET", "/api/sessions/{id:int}/profiles", Action.SESSION_PROFILES,
             "session_profiles", s.SessionProfilesReply,
             summary="Each roster site's effective profile, sources and last report"),
    # Connection tests (readiness_api.py): the schedule, the board, a site's results.
    ApiRoute("GET", "/api/sessions/{id:int}/schedule", Action.SESSION_VIEW, "get_schedule",
             s.ScheduleReply, summary="The session's schedule and test window"),
    ApiRoute("PUT", "/api/sessions/{id:int}/schedule", Action.SESSION_SCHEDULE, "set_schedule",
             s.ScheduleReply, body=m.ScheduleBody, conflicts=True,
             summary="Set the session's start, end and test window (not once closed)"),
    ApiRoute("GET", "/api/sessions/{id:int}/readiness", Action.READINESS_VIEW, "readiness",
             s.ReadinessReply,
             summary="The readiness board: every roster site's latest connection test"),
    ApiRoute("GET", "/api/sessions/{id:int}/readiness.csv", Action.READINESS_VIEW,
             "readiness_csv", str, choices=(("lang", ("vi", "en")),), media_type="text/csv",
             summary="The readiness board as CSV (header in ?lang= or Accept-Language)"),
    ApiRoute("GET", "/api/sites/{site_id:int}/connection-tests", Action.SITE_TESTS_VIEW,
             "site_tests", s.ConnectionTestsReply, query=("limit",),
             summary="A site's connection tests over every session, newest first"),
    # Issue 13, part C: roster ownership (roster_api.py).
    ApiRoute("POST", "/api/sessions/{id:int}/roster", Action.SESSION_ROSTER, "add_to_roster",
             s.RosterReply, body=m.RosterBody, conflicts=True,
             summary="Put a site on the roster (last), with its join link (not once closed)"),
    ApiRoute("DELETE", "/api/sessions/{id:int}/roster/{site_id:int}", Action.SESSION_ROSTER,
             "remove_from_roster", s.SessionReply, conflicts=True,
             summary="Take a site off the roster (not the host); a connected hall is removed"),
    # Issue 13 B: bookings, the office's calendar and declared days, notifications
    # (booking_api.py). Their parameters are ``booking_id`` and ``notification_id``.
    ApiRoute("GET", "/api/bookings", Action.BOOKING_LIST, "list_bookings", s.BookingsReply,
             choices=(("state", ("requested", "approved", "rescheduled", "rejected",
                                 "cancelled")),),
             dates=("from", "until"), strict_query=True,
             summary="The bookings the caller may see, by start (an organiser: its own)"),
    ApiRoute("POST", "/api/bookings/check", Action.BOOKING_REQUEST, "check_booking",
             s.CheckReply, body=m.BookingBody,
             summary="A booking's lead time and hall conflicts, nothing saved"),
    ApiRoute("POST", "/api/bookings", Action.BOOKING_REQUEST, "request_booking",
             s.BookingCreatedReply, 201, m.BookingRequestBody,
             summary="Request a session, or a series (repeat); short lead time: office only"),
    ApiRoute("GET", "/api/bookings/{booking_id:int}", Action.BOOKING_VIEW, "get_booking",
             s.BookingReply, summary="One booking, with its check and history"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/approve", Action.BOOKING_DECIDE,
             "approve_booking", s.ApprovedReply, body=m.ApproveBody, conflicts=True,
             summary="Approve: a scheduled session is made (conflicts need a reason)"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/reschedule", Action.BOOKING_DECIDE,
             "reschedule_booking", s.BookingReply, body=m.RescheduleBody, conflicts=True,
             summary="Propose another time, with a reason"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/accept", Action.BOOKING_RESPOND,
             "accept_booking", s.BookingReply, conflicts=True,
             summary="The organiser takes the proposed time: approved"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/decline", Action.BOOKING_RESPOND,
             "decline_booking", s.BookingReply, body=m.DeclineBody, conflicts=True,
             summary="The organiser keeps its own time: requested again"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/reject", Action.BOOKING_DECIDE,
             "reject_booking", s.BookingReply, body=m.RejectBody, conflicts=True,
             summary="Reject, with a reason"),
    ApiRoute("POST", "/api/bookings/{booking_id:int}/cancel", Action.BOOKING_CANCEL,
             "cancel_booking", s.BookingReply, body=m.CancelBody, conflicts=True,
             summary="Cancel (an approved one: with a reason; its session is closed)"),
    ApiRoute("GET", "/api/calendar", Action.CALENDAR_VIEW, "calendar", s.CalendarReply,
             dates=("from", "until"), strict_query=True,
             summary="Each day (working, holiday, declared) and the halls' sessions and bookings"),
    ApiRoute("GET", "/api/office-days", Action.CALENDAR_VIEW, "list_office_days",
             s.OfficeDaysReply, query=("year",), strict_query=True,
             summary="The days the office declared"),
    ApiRoute("PUT", "/api/office-days", Action.OFFICE_DAYS_EDIT, "set_office_days",
             s.OfficeDaysReply, body=m.OfficeDaysBody,
             summary="Declare days off and working days (year: replace that year's)"),
    ApiRoute("GET", "/api/notifications", Action.NOTIFICATION_LIST, "list_notifications",
             s.NotificationsReply, summary="The caller's notifications, newest first"),
    ApiRoute("POST", "/api/notifications/{notification_id:int}/read", Action.NOTIFICATION_LIST,
             "read_notification", s.NotificationReply, summary="Mark one's notification read"),
    # Issue 13, part E: invitations (invitation_api.py), each with a fresh join link.
    ApiRoute("GET", "/api/sessions/{id:int}/invitations/{site_id:int}",
             Action.SESSION_INVITATIONS, "invitation_html", str, conflicts=True,
             media_type="text/html",
             summary="A roster site's printable invitation (a fresh join link in it)"),
    ApiRoute("GET", "/api/sessions/{id:int}/invitations/{site_id:int}.ics",
             Action.SESSION_INVITATIONS, "invitation_ics", str, conflicts=True,
             media_type="text/calendar",
             summary="A roster site's invitation as an iCalendar file (a fresh join link)"),
    # D (issue 13): official notices (notice_api.py). The hall routes take the hall's join
    # token as the bearer; ``notice_id`` is the notice's.
    ApiRoute("POST", "/api/sessions/{id:int}/notices", Action.NOTICE_POST, "post_notice",
             s.NoticeReply, 201, form=m.NoticeForm, conflicts=True,
             summary="Post a notice (multipart: kind, title, body, an optional document)"),
    ApiRoute("GET", "/api/sessions/{id:int}/notices", Action.NOTICE_VIEW, "list_notices",
             s.NoticesReply, summary="The session's notices with every hall's read receipt"),
    ApiRoute("DELETE", "/api/sessions/{id:int}/notices/{notice_id:int}", Action.NOTICE_POST,
             "withdraw_notice", s.NoticeReply, summary="Withdraw a notice (it stays on record)"),
    ApiRoute("GET", "/api/sessions/{id:int}/notices/{notice_id:int}/file", Action.NOTICE_VIEW,
             "notice_file", str, media_type="application/octet-stream",
             summary="A notice's document, as an attachment"),
    ApiRoute("GET", "/api/sessions/{id:int}/hall/notices", Action.SITE_NOTICES,
             "hall_notices", s.HallNoticesReply,
             summary="A hall (join token): its session's notices in force"),
    ApiRoute("GET", "/api/sessions/{id:int}/hall/notices/{notice_id:int}/file",
             Action.SITE_NOTICES, "hall_notice_file", str,
             media_type="application/octet-stream",
             summary="A hall (join token): a notice's document; fetching it is reading it"),
    ApiRoute("POST", "/api/sessions/{id:int}/hall/notices/{notice_id:int}/read",
             Action.SITE_NOTICES, "hall_notice_read", s.HallReadReply,
             summary="A hall (join token): it read the notice (its receipt, kept once)"),
    # Issue 14: attendance, the roll call, link quality per window (attendance_api.py).
    ApiRoute("PUT", "/api/sessions/{id:int}/roll-call/{site_id:int}",
             Action.ATTENDANCE_ROLL_CALL, "mark_roll_call", s.RollCallReply,
             body=m.RollCallBody, conflicts=True,
             summary="Mark a roster hall at the roll call (absent: a reason; elsewhere: where)"),
    ApiRoute("GET", "/api/sessions/{id:int}/roll-call", Action.ATTENDANCE_VIEW,
             "list_roll_call", s.RollCallsReply, summary="The session's roll call"),
    ApiRoute("GET", "/api/sessions/{id:int}/attendance", Action.ATTENDANCE_VIEW,
             "get_attendance", s.AttendanceReply,
             summary="Each roster hall's attendance, from the audit log, to the second"),
    ApiRoute("GET", "/api/sessions/{id:int}/quality", Action.ATTENDANCE_VIEW, "get_quality",
             s.QualityReply,
             summary="Each site's link quality per 20 s window, the worst windows, a summary"),
    # Issue 14: recordings (recording_api.py). ``recording_id`` is a recording's; the policy
    # decides on its session.
    ApiRoute("POST", "/api/sessions/{id:int}/recording", Action.RECORDING_CONTROL,
             "set_recording", s.RecordingControlReply, body=m.RecordingBody, conflicts=True,
             summary="Start (on: true) or stop recording the session (an open one)"),
    ApiRoute("GET", "/api/sessions/{id:int}/recordings", Action.RECORDING_LIST,
             "list_recordings", s.RecordingsReply,
             summary="Whether the session is being recorded, and its recordings"),
    ApiRoute("GET", "/api/recordings/{recording_id:int}", Action.RECORDING_DOWNLOAD,
             "download_recording", str, conflicts=True, media_type="video/webm",
             patterns=(("ticket", TICKET_PATTERN),), ticket=True,
             summary="A complete recording's file, as an attachment (every download logged)"),
    ApiRoute("POST", "/api/recordings/{recording_id:int}/ticket", Action.RECORDING_DOWNLOAD,
             "recording_ticket", s.TicketReply, conflicts=True,
             summary="A one-time link to the file for the browser's download manager (60 s)"),
    ApiRoute("GET", "/api/recordings/{recording_id:int}/manifest", Action.RECORDING_LIST,
             "recording_manifest", s.ManifestReply, conflicts=True,
             summary="A complete recording's SHA-256 manifest (logged)"),
    # Issue 14: reports (report_api.py), per session and over a period or a quarter.
    ApiRoute("GET", "/api/sessions/{id:int}/report", Action.REPORTS_SESSION, "session_report",
             s.SessionReportReply,
             summary="The session's report: attendance, quality, timeline, agenda, actions"),
    ApiRoute("GET", "/api/sessions/{id:int}/report.csv", Action.REPORTS_SESSION,
             "session_report_csv", str, choices=(("lang", ("vi", "en")),),
             media_type="text/csv", strict_query=True,
             summary="The session's report as CSV, one line per hall"),
    ApiRoute("GET", "/api/sessions/{id:int}/report.html", Action.REPORTS_SESSION,
             "session_report_html", str, media_type="text/html", strict_query=True,
             summary="The session's report, printable (A4, an administrative document)"),
    ApiRoute("GET", "/api/reports", Action.REPORTS_PERIOD, "period_report",
             s.PeriodReportReply, dates=PERIOD_QUERY, patterns=(("quarter", QUARTER_PATTERN),),
             strict_query=True,
             summary="The report over a period (from, to) or a quarter (an organiser: its own)"),
    ApiRoute("GET", "/api/reports.csv", Action.REPORTS_PERIOD, "period_report_csv", str,
             dates=PERIOD_QUERY, patterns=(("quarter", QUARTER_PATTERN),),
             choices=(("lang", ("vi", "en")),), media_type="text/csv", strict_query=True,
             summary="The period's report as CSV: totals, halls, organisers, agencies"),
    ApiRoute("GET", "/api/reports.html", Action.REPORTS_PERIOD, "period_report_html", str,
             dates=PERIOD_QUERY, patterns=(("quarter", QUARTER_PATTERN),),
             media_type="text/html", strict_query=True,
             summary="The period's report, printable, with charts"),
]
# fmt: on


class Api(
    ProfileRoutes,
    ReadinessRoutes,
    RosterRoutes,
    BookingRoutes,
    InvitationRoutes,
    NoticeRoutes,
    AttendanceRoutes,
    RecordingRoutes,
    ReportRoutes,
):
    def __init__(
        self,
        store: Store,
        sessions: LiveSessions,
        audit: AuditLog,
        settings: Settings,
        mailer: Mailer | None = None,
        recordings: LiveRecordings | None = None,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.audit_log = audit
        self.settings = settings
        # Issue 13 B: the e-mails of bookings (none sent without a mail server).
        self.mailer = mailer or Mailer(MailSettings(None))
        # Issue 14: the live sessions' recordings (where their files are).
        self.recordings = recordings or LiveRecordings(
            store, settings.recordings_dir, audit.record, settings.recording_retention_days
        )
        self._throttle = LoginThrottle()
        self.tickets = DownloadTickets()  # issue 14: recordings' one-time download links
        # One argon2 verification at a time: however many logins arrive, they take at
        # most one core, and the mixer's clock keeps the other.
        self._hashing = asyncio.Semaphore(1)
        self._logins_waiting = 0
        self._openapi: dict[str, Any] | None = None

    def running_tests(self, session_id: int) -> Collection[int]:
        """The halls of the live session whose connection test runs now."""
        live = self.sessions.find(session_id)
        return () if live is None else list(live.tests.running)

    def routes(self) -> list[Route]:
        return [
            Route(r.path, self._endpoint(r), methods=[r.method], name=r.handler) for r in ROUTES
        ] + [Route("/openapi.json", self.openapi, methods=["GET"], name="openapi")]

    async def openapi(self, request: Request) -> Response:
        """The OpenAPI document, public: it says what the API accepts, no one's data."""
        if self._openapi is None:
            self._openapi = document(ROUTES)
        return JSONResponse(self._openapi)

    def _endpoint(self, route: ApiRoute) -> Handler:
        handler: Callable[..., Awaitable[Any]] = getattr(self, route.handler)

        async def endpoint(request: Request) -> Response:
            lang = pick_lang(request.headers.get("accept-language"), self.settings.default_lang)
            if request.method == "HEAD":
                # Starlette answers HEAD on every GET route by running it: here some GETs
                # act (an invitation issues a join link, a hall's document download is its
                # receipt), and the API documents no HEAD. Refused, nothing done.
                error = SignalingError(ErrorCode.METHOD_NOT_ALLOWED, "HEAD")
                return error_response(error, lang)
            try:
                # Who first, then what: a stranger's malformed body is a 401, not a 422.
                caller = (
                    None
                    if route.action is Action.LOGIN
                    else await self._authorize(request, route.action, route.ticket)
                )
                if route.strict_query:  # issue 13 B
                    _known_query(request, route)
                body = None
                if route.body is not None:
                    body = m.parse_body(route.body, await read_body(request))
                result = await handler(request, caller, body)
            except SignalingError as error:
                return error_response(error, lang)
            except StoreError as exc:
                problem = Problem(exc.problem) if exc.problem else None
                refusal = SignalingError(
                    ErrorCode(exc.code), str(exc), exc.field, problem, exc.params
                )
                return error_response(refusal, lang)
            except ClientDisconnect:
                # The client went away mid-body: nobody to answer, nothing to log.
                return Response(status_code=400)
            if isinstance(result, Response):  # a file (the board's CSV)
                return result
            return JSONResponse(result, status_code=route.status)

        return endpoint

    async def _authorize(self, request: Request, action: Action, ticket: bool = False) -> Caller:
        if action in HALL_ACTIONS:  # D: a hall's routes take its join token
            hall: Caller = await self.authorize_hall(request, action)
            return hall
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if ticket and not scheme and "ticket" in request.query_params:
            # Issue 14: the ticket stands for the bearer token that asked for it (once).
            token = self._redeem_ticket(request)
            scheme = "bearer"
        if scheme.lower() != "bearer" or not token:
            raise SignalingError(ErrorCode.UNAUTHORIZED)
        try:
            account = await asyncio.to_thread(self.store.accounts.check_token, token)
        except StoreError as exc:
            raise login_error(exc.code) from None
        principal = principal_of(account)
        session: Session | None = None
        scope: SessionScope | None = None
        if "id" in request.path_params:
            session_id = request.path_params["id"]
            if not 1 <= session_id <= MAX_ID:
                raise SignalingError(ErrorCode.NOT_FOUND, "id", field="id")
            session = await asyncio.to_thread(self.store.sessions.get, session_id)
            scope = session_scope(session)
        elif "recording_id" in request.path_params:  # issue 14: a recording's session
            session = await self.recording_session(request)
            scope = session_scope(session)
        decision = authorize(principal, action, scope)
        if not decision.allowed:
            raise SignalingError(ErrorCode.FORBIDDEN, f"{action}: {decision.reason}")
        return Caller(principal, token, session)

    def _redeem_ticket(self, request: Request) -> str:
        given = request.query_params["ticket"]
        recording_id = request.path_params.get("recording_id", 0)
        if re.fullmatch(TICKET_PATTERN, given) is None:
            raise field_error("ticket", Problem.INVALID)
        token = self.tickets.redeem(given, recording_id, time.monotonic())
        if token is None:  # unknown, used, expired or another recording's
            raise SignalingError(ErrorCode.UNAUTHORIZED, "ticket", field="ticket")
        return token

    # ---- routes --------------------------------------------------------------------------
    # Each takes the request, the caller (None for login) and the validated body (None for
    # a route without one). A refusal found past the body's schema names its field too.

    async def login(self, request: Request, _: None, body: m.LoginBody) -> s.LoginReply:
        user_key = "user:" + body.username.strip().casefold()
        address = request.client.host if request.client is not None else "?"
        keys = {user_key: USERNAME_RULE, "address:" + address: ADDRESS_RULE}
        if self._throttle.retry_after(keys, time.monotonic()) > 0:
            raise SignalingError(ErrorCode.TOO_MANY_ATTEMPTS, "locked out")
        if self._logins_waiting >= MAX_WAITING_LOGINS:
            raise SignalingError(ErrorCode.TOO_MANY_ATTEMPTS, "too many logins waiting")
        valid_for = timedelta(hours=self.settings.operator_token_hours)
        self._logins_waiting += 1
        try:
            async with self._hashing:
                issued = await asyncio.to_thread(
                    self.store.accounts.login, body.username, body.password, valid_for
                )
        except InvalidCredentials:
            self._throttle.failed(keys, time.monotonic())
            raise
        finally:
            self._logins_waiting -= 1
        self._throttle.succeeded(user_key)
        operator = await asyncio.to_thread(self.store.accounts.check_token, issued.token)
        return {
            "token": issued.token,
            "expires_at": issued.expires_at.isoformat(),
            "operator": {"username": operator.username, "role": operator.role.value},
        }

    async def logout(self, request: Request, caller: Caller, _: None) -> s.OkReply:
        await asyncio.to_thread(self.store.accounts.revoke_token, caller.token)
        return {"ok": True}

    async def list_accounts(self, request: Request, caller: Caller, _: None) -> s.AccountsReply:
        accounts = await asyncio.to_thread(self.store.accounts.list)
        return {"accounts": [_account_json(a) for a in accounts]}

    async def create_account(
        self, request: Request, caller: Caller, body: m.AccountBody
    ) -> s.AccountReply:
        _not_blank(body.username, "username")
        email = check_email_field(body.email)  # issue 13 B
        try:
            account = await asyncio.to_thread(
                self.store.accounts.create, body.username, body.password, body.role
            )
        except Conflict as exc:
            raise field_error("username", Problem.TAKEN, ErrorCode.CONFLICT, str(exc)) from None
        if email is not None:
            await asyncio.to_thread(self.store.emails.set_account, account.id, email)
        self.audit_log.record(None, caller.principal.by, "create_account", username=body.username)
        return {"account": _account_json(account)}

    async def list_sites(self, request: Request, caller: Caller, _: None) -> s.SitesReply:
        sites = await asyncio.to_thread(self.store.sites.list)
        return {"sites": [site_json(site) for site in sites]}

    async def create_site(self, request: Request, caller: Caller, body: m.SiteBody) -> s.SiteReply:
        _not_blank(body.name, "name")
        email = check_email_field(body.email)  # issue 13 B
        level = SiteLevel(body.level)
        if body.parent_id is not None:
            # The store checks this too (and decides); here it is said of the field.
            try:
                parent = await asyncio.to_thread(self.store.sites.get, body.parent_id)
            except NotFound:
                raise field_error("parent_id", Problem.NOT_FOUND) from None
            if parent.level.rank >= level.rank:
                raise field_error("parent_id", Problem.WRONG_LEVEL, level=level.value)
        try:
            site = await asyncio.to_thread(
                self.store.sites.create, body.name, level, body.parent_id
            )
        except Conflict as exc:
            raise field_error("name", Problem.TAKEN, ErrorCode.CONFLICT, str(exc)) from None
        if email is not None:  # issue 13 B
            await asyncio.to_thread(self.store.emails.set_site, site.id, email)
        self.audit_log.record(None, caller.principal.by, "create_site", site_id=site.id)
        return {"site": site_json(site)}

    async def list_sessions(self, request: Request, caller: Caller, _: None) -> s.SessionsReply:
        """The sessions the caller may see: all for admin and office, else its own."""
        sessions = await asyncio.to_thread(self.store.sessions.list)
        visible = [
            session
            for session in sessions
            if authorize(caller.principal, Action.SESSION_VIEW, session_scope(session)).allowed
        ]
        return {"sessions": [session_json(session) for session in visible]}

    async def create_session(
        self, request: Request, caller: Caller, body: m.SessionBody
    ) -> s.SessionReply:
        _not_blank(body.title, "title")
        known = {site.id for site in await asyncio.to_thread(self.store.sites.list)}
        if body.host_site_id not in known:
            raise field_error("host_site_id", Problem.NOT_FOUND)
        seen: set[int] = set()
        for index, site_id in enumerate(body.roster):
            if site_id not in known:
                raise field_error(f"roster[{index}]", Problem.NOT_FOUND)
            if site_id in seen:
                raise field_error(f"roster[{index}]", Problem.DUPLICATE)
            seen.add(site_id)
        session = await asyncio.to_thread(
            self.store.sessions.create,
            body.title,
            body.host_site_id,
            body.roster,
            SessionState(body.state),
            organiser_id=caller.principal.account_id,
        )
        self.audit_log.record(session.id, caller.principal.by, "create_session", title=body.title)
        return {"session": session_json(session)}

    async def get_session(self, request: Request, caller: Caller, _: None) -> s.SessionReply:
        assert caller.session is not None
        return {"session": session_json(caller.session)}

    async def issue_links(
        self, request: Request, caller: Caller, body: m.LinksBody
    ) -> s.LinksReply:
        assert caller.session is not None
        if caller.session.state is SessionState.CLOSED:
            raise SignalingError(ErrorCode.SESSION_CLOSED, "links for a closed session")
        hours = body.valid_hours or self.settings.join_token_hours
        session_id = request.path_params["id"]
        try:
            links = await asyncio.to_thread(
                issue_join_links,
                self.store,
                session_id,
                timedelta(hours=hours),
                self.settings.base_url,
            )
        except Conflict as exc:  # closed since it was read above
            raise SignalingError(ErrorCode.SESSION_CLOSED, str(exc)) from None
        self.audit_log.record(session_id, caller.principal.by, "issue_links", count=len(links))
        return {"links": links}  # type: ignore[typeddict-item]

    async def open(self, request: Request, caller: Caller, _: None) -> s.SessionReply:
        session_id = request.path_params["id"]
        try:
            session = await asyncio.to_thread(open_session, self.store, session_id)
        except Conflict as exc:
            # The lifecycle refuses only one way to open: from closed, for good.
            raise SignalingError(ErrorCode.SESSION_CLOSED, str(exc)) from None
        self.audit_log.record(session_id, caller.principal.by, "open_session")
        return {"session": session_json(session)}

    async def close(self, request: Request, caller: Caller, _: None) -> s.SessionReply:
        session_id = request.path_params["id"]
        session = await asyncio.to_thread(close_session, self.store, session_id)
        self.audit_log.record(session_id, caller.principal.by, "close_session")
        await self.sessions.close(session_id, caller.principal.by)
        return {"session": session_json(session)}

    async def live(self, request: Request, caller: Caller, _: None) -> s.LiveReply:
        session_id = request.path_params["id"]
        session = caller.session
        assert session is not None
        live = self.sessions.find(session_id)
        if live is None:
            sites = await asyncio.to_thread(self.store.sessions.roster_sites, session_id)
            entries: list[Any] = [
                {
                    "id": site.id,
                    "name": site.name,
                    "level": site.level.value,
                    "host": site.id == session.host_site_id,
                    "state": "offline",
                    "muted": False,
                    "hand_raised": False,
                    "hand_seq": None,
                    "removed": False,
                }
                for site in sites
            ]
        else:
            entries = [site_entry(site) for site in live.conference.roster()]
        return {"session": session_json(session), "sites": entries}

    async def audit(self, request: Request, caller: Caller, _: None) -> s.AuditReply:
        """The session's audit log, oldest first (``?after=<id>`` pages on)."""
        session_id = request.path_params["id"]
        after = _int_param(request, "after")
        await self.audit_log.flush()
        entries = await asyncio.to_thread(self.store.audit.for_session, session_id, after_id=after)
        return {"entries": [_audit_json(e) for e in entries]}

    async def assign_staff(
        self, request: Request, caller: Caller, body: m.StaffBody
    ) -> s.StaffReply:
        """Assign an account to the session as operator or observer (``duty: null``
        withdraws it)."""
        session_id = request.path_params["id"]
        try:
            if body.duty is None:
                await asyncio.to_thread(self.store.sessions.unassign, session_id, body.account_id)
            else:
                await asyncio.to_thread(
                    self.store.sessions.assign, session_id, body.account_id, body.duty
                )
        except NotFound as exc:  # the session was found before: the account is not
            raise field_error("account_id", Problem.NOT_FOUND, detail=str(exc)) from None
        self.audit_log.record(
            session_id,
            caller.principal.by,
            "assign_staff",
            account_id=body.account_id,
            duty=body.duty,
        )
        staff = await asyncio.to_thread(self.store.sessions.staff, session_id)
        return {"staff": [{"account_id": a, "duty": d.value} for a, d in sorted(staff.items())]}

    async def metrics(self, request: Request, caller: Caller, _: None) -> s.MetricsReply:
        """The audio path's health: clock lateness, bridge-added latency, loss handling.

        Top-level figures are those of the live session with the most sites (the one that
        matters on a bridge that runs one briefing at a time); every session is listed too.
        """
        sessions = [
            (live.conference.session_id, live.media.metrics()) for live in self.sessions.all()
        ]
        listed = [{"session_id": sid, **_metrics_json(m)} for sid, m in sessions]
        top = max(listed, key=lambda m: m["sites"], default=None)
        return {"sessions": listed, **(top or {})}  # type: ignore[typeddict-item]

    async def reset_metrics(self, request: Request, caller: Caller, _: None) -> s.OkReply:
        """Start a new measurement window (benchmarks: after warm-up)."""
        for live in self.sessions.all():
            live.media.reset_metrics()
        return {"ok": True}


def check_email_field(email: str | None) -> str | None:
    """Issue 13 B: a body's e-mail address, or a 422 on ``email``."""
    try:
        return check_email(email)
    except StoreError:
        raise field_error("email", Problem.INVALID) from None


def _not_blank(value: str, field: str) -> None:
    if not value.strip():
        raise field_error(field, Problem.BLANK)


async def read_body(request: Request, limit: int = m.MAX_MESSAGE_BYTES) -> bytes:
    """The request's body, refused (``message_too_large``) as soon as it is known to be
    over ``limit``: from its declared ``Content-Length`` before a byte is read, else while it
    streams in — the bridge never holds more than ``limit`` of anyone's body."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise field_error("content-length", Problem.INVALID)
        if len(declared) > 20 or int(declared) > limit:  # int() of 5000 digits raises
            raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE, f"{declared} bytes declared")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE, f"over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _known_query(request: Request, route: ApiRoute) -> None:
    """Issue 13 B: refuse a query parameter the route does not name (a typo: ``?form=``)."""
    known = {
        *route.query,
        *route.dates,
        *(name for name, _ in route.choices),
        *(name for name, _ in route.patterns),
    }
    for name in request.query_params:
        if name not in known:
            raise field_error(name[:64] or "query", Problem.UNKNOWN_FIELD)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # ASCII digits only: "²" is a digit to str.isdigit, and no number to int().
    if not (raw.isascii() and raw.isdigit()):
        raise field_error(name, Problem.WRONG_TYPE, expected="integer")
    if len(raw) > 16 or int(raw) > MAX_ID:
        raise field_error(name, Problem.TOO_LARGE, limit=MAX_ID)
    return int(raw)


def _account_json(account: Any) -> s.AccountJson:
    return {"id": account.id, "username": account.username, "role": account.role.value}


def _audit_json(entry: Any) -> s.AuditJson:
    return {
        "id": entry.id,
        "session_id": entry.session_id,
        "at": entry.at.isoformat(),
        "by": entry.by,
        "action": entry.action,
        "detail": entry.detail,
    }


def _ms(values: Any, *quantiles: int) -> dict[str, float]:
    return {f"p{q}": round(values.percentile(q) * 1000, 2) for q in quantiles}


def _metrics_json(m: dict[str, Any]) -> dict[str, Any]:
    targets = m.pop("jitter_target")
    lateness, latency = m.pop("lateness_s"), m.pop("latency_s")
    video = dict(m.pop("video"))
    video["switch_wait_ms"] = _ms(video.pop("switch_wait_s"), 50, 95)
    return {
        **m,
        "video": video,
        "clock": {
            "lateness_ms": _ms(lateness, 50, 99),
            "ticks": m["ticks"],
            "skipped": m["skipped"],
        },
        "latency_ms": _ms(latency, 50, 95),
        "jitter_target_frames": {
            "min": min(targets, default=0),
            "max": max(targets, default=0),
        },
    }
