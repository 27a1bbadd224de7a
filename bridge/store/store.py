"""``Store``: one database and the repositories over it, one per aggregate.

    store.sites      sites in their tree
    store.sessions   sessions, rosters, organiser and staff
    store.tokens     join tokens
    store.accounts   accounts, passwords, login tokens
    store.audit      the audit log
    store.live_state each open session's live state, for a restart
    store.meta       the server's own key/value bookkeeping
    store.profiles   hardware profiles, each site's assignment, effective profiles
    store.profile_reports  each site's last report of the profile it applied
    store.readiness  every connection test's result, per site per session, with history
    store.bookings   requests for sessions, their halls, series and history (issue 13 B)
    store.office_days  the compensatory days off and working Saturdays the office declares
    store.notifications  what each account and hall is told of bookings
    store.emails     the e-mail addresses of accounts and sites
    store.notices    a session's official notices and the halls' read receipts (D)
    store.attendance each session's roll call (issue 14)
    store.quality    each site's link quality per 20 s window of a session (issue 14)
    store.recordings a session's recordings and who fetched them (issue 14)
    store.reports    closed sessions' summaries, per session and per site (issue 14)

Synchronous on purpose: each call is one short transaction of well under a millisecond
(bar password hashing), and async callers run it in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Self

from argon2 import PasswordHasher

from bridge.store.accounts import Accounts
from bridge.store.attendance import Attendance
from bridge.store.audit import AuditTrail
from bridge.store.bookings import Bookings
from bridge.store.engine import Database, utc_now
from bridge.store.live_state import LiveStates
from bridge.store.meta import Meta
from bridge.store.notices import Notices
from bridge.store.office import Emails, Notifications, OfficeDays
from bridge.store.profiles import ProfileReports, Profiles
from bridge.store.quality import QualityWindows
from bridge.store.readiness import ConnectionTests
from bridge.store.recordings import Recordings
from bridge.store.reports import Reports
from bridge.store.secrets import Passwords
from bridge.store.sessions import Sessions
from bridge.store.sites import Sites
from bridge.store.tokens import JoinTokens


class Store:
    def __init__(
        self,
        path: str | Path,
        *,
        now: Callable[[], datetime] = utc_now,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        """Open the database file at ``path`` (creating it and its folder if needed) and
        migrate it to the newest schema. ``now`` is the clock, returning aware datetimes
        (tests move it); ``password_hasher`` must hash with argon2id and defaults to
        OWASP's argon2id baseline (see ``secrets.py``)."""
        passwords = Passwords(password_hasher)
        self.db = Database(path, now)
        self.sites = Sites(self.db)
        self.sessions = Sessions(self.db)
        self.tokens = JoinTokens(self.db)
        self.accounts = Accounts(self.db, passwords)
        self.audit = AuditTrail(self.db)
        self.meta = Meta(self.db)
        self.live_state = LiveStates(self.db)
        self.profile_reports = ProfileReports(self.db)
        self.profiles = Profiles(self.db, self.profile_reports)
        self.readiness = ConnectionTests(self.db)
        # Issue 13 B: bookings and what the office declares and tells.
        self.bookings = Bookings(self.db)
        self.office_days = OfficeDays(self.db)
        self.notifications = Notifications(self.db)
        self.emails = Emails(self.db)
        # D: official notices (issue 13).
        self.notices = Notices(self.db)
        # Issue 14: the roll call, and link quality per window.
        self.attendance = Attendance(self.db)
        self.quality = QualityWindows(self.db)
        # Issue 14: recordings.
        self.recordings = Recordings(self.db)
        self.reports = Reports(self.db)

    @property
    def path(self) -> Path:
        return self.db.path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
