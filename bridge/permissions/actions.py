"""Every action a principal can take: one per HTTP route and WebSocket message.

The values are sent to the console (``ready.actions``) and named in the audit log: keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    # Anyone.
    LOGIN = "login"
    PING = "ping"
    # HTTP.
    LOGOUT = "logout"
    ACCOUNT_LIST = "account.list"
    ACCOUNT_CREATE = "account.create"
    SITE_LIST = "site.list"
    SITE_CREATE = "site.create"
    SESSION_LIST = "session.list"
    SESSION_CREATE = "session.create"
    SESSION_VIEW = "session.view"
    SESSION_LIVE = "session.live"
    SESSION_AUDIT = "session.audit"
    SESSION_OPEN = "session.open"
    SESSION_CLOSE = "session.close"
    SESSION_LINKS = "session.links"
    SESSION_STAFF = "session.staff"
    METRICS_VIEW = "metrics.view"
    METRICS_RESET = "metrics.reset"
    PROFILE_LIST = "profile.list"
    PROFILE_VIEW = "profile.view"
    PROFILE_CREATE = "profile.create"
    PROFILE_UPDATE = "profile.update"
    PROFILE_DELETE = "profile.delete"
    SITE_PROFILE_VIEW = "site.profile.view"
    SITE_PROFILE_ASSIGN = "site.profile.assign"
    SITE_PROFILE_UNASSIGN = "site.profile.unassign"
    SESSION_PROFILES = "session.profiles"
    SESSION_SCHEDULE = "session.schedule"
    READINESS_VIEW = "readiness.view"
    SITE_TESTS_VIEW = "site.tests.view"
    # WebSocket, a staff console.
    CONSOLE_JOIN = "console.join"
    CONSOLE_PREVIEWS = "console.previews"
    SITE_MUTE = "site.mute"
    SITE_UNMUTE = "site.unmute"
    SITE_SHOW = "site.show"
    VOICE_SET = "voice.set"
    HAND_LOWER = "hand.lower"
    FLOOR_GIVE = "floor.give"
    MUTE_ALL_EXCEPT_HOST = "mute.all_except_host"
    UNMUTE_ALL = "unmute.all"
    SITE_REMOVE = "site.remove"
    SESSION_END = "session.end"
    READINESS_TEST = "readiness.test"
    # WebSocket, a hall.
    SITE_JOIN = "site.join"
    SITE_MEDIA = "site.media"
    SITE_HAND = "site.hand"
    SITE_LEAVE = "site.leave"
    # Issue 13, part C: roster ownership (HTTP).
    SESSION_ROSTER = "session.roster"
    # Issue 13 B: bookings, the office's calendar and declared days, notifications (HTTP).
    BOOKING_LIST = "booking.list"
    BOOKING_REQUEST = "booking.request"
    BOOKING_VIEW = "booking.view"
    BOOKING_DECIDE = "booking.decide"
    BOOKING_RESPOND = "booking.respond"
    BOOKING_CANCEL = "booking.cancel"
    CALENDAR_VIEW = "calendar.view"
    OFFICE_DAYS_EDIT = "office_days.edit"
    NOTIFICATION_LIST = "notification.list"
    # Issue 13, part E: invitations (HTTP).
    SESSION_INVITATIONS = "session.invitations"
    # D (issue 13): a session's official notices. Staff post and withdraw them, read them
    # with their receipts; a hall reads its session's and confirms it read them.
    NOTICE_POST = "notice.post"
    NOTICE_VIEW = "notice.view"
    SITE_NOTICES = "site.notices"
    # Issue 14: attendance, the roll call and link quality per window (HTTP).
    ATTENDANCE_VIEW = "attendance.view"
    ATTENDANCE_ROLL_CALL = "attendance.roll_call"
    # Issue 14: recording. Starting and stopping it (HTTP and the console's `record`), a
    # session's recordings listed (and their manifests), a file downloaded.
    RECORDING_CONTROL = "recording.control"
    RECORDING_LIST = "recording.list"
    RECORDING_DOWNLOAD = "recording.download"
    # Issue 14: reports, per session and over a period (HTTP).
    REPORTS_SESSION = "reports.session"
    REPORTS_PERIOD = "reports.period"


@dataclass(frozen=True)
class ActionInfo:
    scoped: bool  # about one session: ownership or assignment decides
    writes: bool  # changes something (observers only read)
    description: str


A = Action
INFO: dict[Action, ActionInfo] = {
    A.LOGIN: ActionInfo(False, False, "log in"),
    A.PING: ActionInfo(False, False, "check the connection"),
    # Revoking one's own token changes nothing anyone else sees: a read for the policy's sake,
    # so that an observer, who only reads, can still log out.
    A.LOGOUT: ActionInfo(False, False, "log out (revoke one's own token)"),
    A.ACCOUNT_LIST: ActionInfo(False, False, "list accounts"),
    A.ACCOUNT_CREATE: ActionInfo(False, True, "create an account"),
    A.SITE_LIST: ActionInfo(False, False, "list sites"),
    A.SITE_CREATE: ActionInfo(False, True, "create a site"),
    A.SESSION_LIST: ActionInfo(False, False, "list the sessions one may see"),
    A.SESSION_CREATE: ActionInfo(False, True, "book a session"),
    A.SESSION_VIEW: ActionInfo(True, False, "read a session"),
    A.SESSION_LIVE: ActionInfo(True, False, "read a session's live state"),
    A.SESSION_AUDIT: ActionInfo(True, False, "read a session's audit log"),
    A.SESSION_OPEN: ActionInfo(True, True, "open a session"),
    A.SESSION_CLOSE: ActionInfo(True, True, "close a session"),
    A.SESSION_LINKS: ActionInfo(True, True, "issue join links"),
    A.SESSION_STAFF: ActionInfo(True, True, "assign operators and observers"),
    A.METRICS_VIEW: ActionInfo(False, False, "read the media path's metrics"),
    A.METRICS_RESET: ActionInfo(False, True, "start a new metrics window"),
    A.PROFILE_LIST: ActionInfo(False, False, "list the hardware profiles"),
    A.PROFILE_VIEW: ActionInfo(False, False, "read a hardware profile"),
    A.PROFILE_CREATE: ActionInfo(False, True, "create or copy a hardware profile"),
    A.PROFILE_UPDATE: ActionInfo(False, True, "change a custom hardware profile"),
    A.PROFILE_DELETE: ActionInfo(False, True, "delete a custom hardware profile"),
    A.SITE_PROFILE_VIEW: ActionInfo(False, False, "read a site's profile and effective values"),
    A.SITE_PROFILE_ASSIGN: ActionInfo(False, True, "assign a site's profile, fields and locks"),
    A.SITE_PROFILE_UNASSIGN: ActionInfo(False, True, "take a site's assignment away"),
    A.SESSION_PROFILES: ActionInfo(True, False, "read the effective profiles of a session's sites"),
    A.SESSION_SCHEDULE: ActionInfo(True, True, "set a session's start, end and test window"),
    A.READINESS_VIEW: ActionInfo(True, False, "read a session's readiness board"),
    A.SITE_TESTS_VIEW: ActionInfo(False, False, "read a site's connection tests over sessions"),
    # A console and its previews change only what the caller itself receives.
    A.CONSOLE_JOIN: ActionInfo(True, False, "open a session's console"),
    A.CONSOLE_PREVIEWS: ActionInfo(True, False, "watch the sites' previews"),
    A.SITE_MUTE: ActionInfo(True, True, "mute a site"),
    A.SITE_UNMUTE: ActionInfo(True, True, "unmute a site"),
    A.SITE_SHOW: ActionInfo(True, True, "choose the shown site"),
    A.VOICE_SET: ActionInfo(True, True, "voice-activated switching on/off"),
    A.HAND_LOWER: ActionInfo(True, True, "lower a site's hand"),
    A.FLOOR_GIVE: ActionInfo(True, True, "give a site the floor"),
    A.MUTE_ALL_EXCEPT_HOST: ActionInfo(True, True, "mute every site but the host"),
    A.UNMUTE_ALL: ActionInfo(True, True, "unmute every site"),
    A.SITE_REMOVE: ActionInfo(True, True, "remove a site from the session"),
    A.SESSION_END: ActionInfo(True, True, "end the session for everyone"),
    A.READINESS_TEST: ActionInfo(True, True, "run a hall's connection test, or all halls'"),
    A.SITE_JOIN: ActionInfo(True, True, "join as a hall"),
    A.SITE_MEDIA: ActionInfo(True, True, "send one's own audio and video, and report its devices"),
    A.SITE_HAND: ActionInfo(True, True, "raise or lower one's own hand"),
    A.SITE_LEAVE: ActionInfo(True, True, "leave"),
    # Issue 13, part C: roster ownership.
    A.SESSION_ROSTER: ActionInfo(True, True, "add a site to a session's roster, or take one off"),
    # Issue 13 B. Not scoped: a booking is not a session yet; an organiser's own bookings
    # are told apart by the route (bridge/signaling/booking_api.py), as sessions' lists are.
    A.BOOKING_LIST: ActionInfo(False, False, "list the bookings one may see"),
    A.BOOKING_REQUEST: ActionInfo(False, True, "request a booking (or a series), or check one"),
    A.BOOKING_VIEW: ActionInfo(False, False, "read a booking"),
    A.BOOKING_DECIDE: ActionInfo(False, True, "approve, reschedule or reject a booking"),
    A.BOOKING_RESPOND: ActionInfo(False, True, "accept or decline a proposed new time"),
    A.BOOKING_CANCEL: ActionInfo(False, True, "cancel a booking"),
    A.CALENDAR_VIEW: ActionInfo(False, False, "read the office's calendar and declared days"),
    A.OFFICE_DAYS_EDIT: ActionInfo(False, True, "declare days off and working days"),
    # Marking one's own notification read changes nothing anyone else sees (as logout).
    A.NOTIFICATION_LIST: ActionInfo(False, False, "read one's notifications, mark them read"),
    # Issue 13, part E: an invitation carries a fresh join link, so it writes.
    A.SESSION_INVITATIONS: ActionInfo(True, True, "issue a roster site's invitation"),
    # D: notices.
    A.NOTICE_POST: ActionInfo(True, True, "post or withdraw a session's notice"),
    A.NOTICE_VIEW: ActionInfo(True, False, "read a session's notices and their read receipts"),
    A.SITE_NOTICES: ActionInfo(
        True, True, "read one's own session's notices, and confirm one was read"
    ),
    # Issue 14: reading attendance (and the roll call, the quality windows) is a console
    # read; marking the roll call writes.
    A.ATTENDANCE_VIEW: ActionInfo(
        True, False, "read a session's attendance, roll call and link quality per window"
    ),
    A.ATTENDANCE_ROLL_CALL: ActionInfo(True, True, "mark a hall at the roll call"),
    # Issue 14: recording. A download is logged (recording_access, the audit log), so it
    # writes: an observer, who only reads, never downloads.
    A.RECORDING_CONTROL: ActionInfo(True, True, "start or stop recording a session"),
    A.RECORDING_LIST: ActionInfo(True, False, "list a session's recordings and manifests"),
    A.RECORDING_DOWNLOAD: ActionInfo(True, True, "download a session's recording"),
    # Issue 14: a session's report is a console read (its staff, its organiser, the office,
    # admin); the period report is not about one session: the route keeps an organiser to
    # its own sessions.
    A.REPORTS_SESSION: ActionInfo(True, False, "read a session's report (JSON, CSV, printable)"),
    A.REPORTS_PERIOD: ActionInfo(False, False, "read the report over a period or a quarter"),
}
