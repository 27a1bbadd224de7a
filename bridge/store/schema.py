"""The tables, as SQLAlchemy Core objects for building queries.

These objects never create anything: the schema is made and changed only by the alembic
migrations in ``migrations/versions`` (a test checks the two agree). Constraint names are
fixed by ``NAMING`` because SQLite can only alter a table by rebuilding it, and alembic's
batch mode needs every constraint to have a name to carry it across.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)

from bridge.store.records import AccountRole, Duty, SessionState, SiteLevel

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC text in SQLite (which has no time zones);
    the text sorts in time order, so expiry checks can compare in SQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


SITE_LEVELS = [level.value for level in SiteLevel]
SESSION_STATES = [state.value for state in SessionState]
ACCOUNT_ROLES = [role.value for role in AccountRole]
DUTIES = [duty.value for duty in Duty]

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_id", Integer, ForeignKey("sites.id", ondelete="RESTRICT")),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(_one_of("level", SITE_LEVELS), name="level"),
    # Issue 13 B (bookings): where the hall's notices are e-mailed (NULL: none).
    Column("email", String(320)),
)
# One name per parent; top-level sites (no parent) share the "parent 0" namespace,
# since SQLite treats NULLs in a unique index as all different.
Index(
    "uq_sites_parent_name",
    func.coalesce(sites.c.parent_id, 0),
    sites.c.name,
    unique=True,
)
Index("ix_sites_parent_id", sites.c.parent_id)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("host_site_id", Integer, ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Deleting an account leaves its sessions, unorganised, rather than deleting them.
    Column("organiser_id", Integer, ForeignKey("operators.id", ondelete="SET NULL")),
    # The schedule (all optional): when it starts and ends, and the test window's ends when
    # set explicitly (otherwise computed from the start: bridge/readiness/window.py).
    Column("starts_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("test_from", UTCDateTime),
    Column("test_until", UTCDateTime),
    # Issue 14: the session is recorded from its opening (its booking asked for it).
    Column("record", Boolean, nullable=False, server_default="0"),
    CheckConstraint(_one_of("state", SESSION_STATES), name="state"),
    Index("ix_sessions_created_at", "created_at"),
    Index("ix_sessions_organiser_id", "organiser_id"),
)

# A session's roster: which sites take part, in the order the hall sees them.
roster = Table(
    "roster",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("session_id", "site_id"),
    UniqueConstraint("session_id", "position"),
    Index("ix_roster_site_id", "site_id"),
)

join_tokens = Table(
    "join_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("session_id", Integer, nullable=False),
    Column("site_id", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A join token is for a roster entry: taking the site off the roster (or deleting
    # the session) takes its tokens with it.
    ForeignKeyConstraint(
        ["session_id", "site_id"],
        ["roster.session_id", "roster.site_id"],
        ondelete="CASCADE",
    ),
    Index("ix_join_tokens_session_id_site_id", "session_id", "site_id"),
    Index("ix_join_tokens_expires_at", "expires_at"),
)

# The accounts. The table keeps its first name, from when every account was an operator.
operators = Table(
    "operators",
    metadata,
    Column("id", Integer, primary_key=True),
    # NOCASE: "Admin" and "admin" are one operator, at login and for uniqueness.
    Column("username", String(64, collation="NOCASE"), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(_one_of("role", ACCOUNT_ROLES), name="role"),
    # Issue 13 B (bookings): where the account's notices are e-mailed (NULL: none).
    Column("email", String(320)),
)

operator_tokens = Table(
    "operator_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "operator_id",
        Integer,
        ForeignKey("operators.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_operator_tokens_operator_id", "operator_id"),
    Index("ix_operator_tokens_expires_at", "expires_at"),
)

# Who is assigned to a session, and as what.
session_staff = Table(
    "session_staff",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", Integer, ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("duty", String(16), nullable=False),
    PrimaryKeyConstraint("session_id", "account_id"),
    CheckConstraint(_one_of("duty", DUTIES), name="duty"),
    Index("ix_session_staff_account_id", "account_id"),
)

# The audit log, append only. No foreign keys on purpose: history outlives what it is
# about, and one odd entry must not fail the batch it is written in.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_session_id_id", "session_id", "id"),
)

# The live state of a session (mutes, hands, floor, shown site and mode) as JSON: one row
# per session, replaced as it changes, read when a restarted bridge takes the session up.
live_state = Table(
    "live_state",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE")),
    Column("snapshot", Text, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("session_id"),
)

# The server's own bookkeeping (e.g. which session is the demo one).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# The custom hardware profiles (the built-ins are files, endpoints/profiles): a whole
# profile as JSON in ``body``, with its names and summaries.
profiles = Table(
    "profiles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_vi", String(120), nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("summary_vi", String(400), nullable=False),
    Column("summary_en", String(400), nullable=False),
    Column("body", Text, nullable=False),
    Column("copied_from", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200)),
)

# What a site's level sets: a profile (built-in or custom: no foreign key, the built-ins
# are not rows), fields of its own (a ProfileOverride as JSON) and the paths it locks.
profile_assignments = Table(
    "profile_assignments",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE")),
    Column("profile_id", String(64)),
    Column("fields", Text),
    Column("locked", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200)),
    PrimaryKeyConstraint("site_id"),
    Index("ix_profile_assignments_profile_id", "profile_id"),
)

# The last report each site's page sent of what it applied (the live layer writes it).
profile_reports = Table(
    "profile_reports",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE")),
    Column("session_id", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("report", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("site_id"),
)

TEST_SOURCES = ["hall", "operator", "agent"]
TEST_STATES = ["ready", "warning", "not_ready"]

# Every connection test's result (the runtime writes it when a test ends): the whole result
# as JSON, and beside it what the board and a site's trend select and sort on.
connection_tests = Table(
    "connection_tests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),
    Column("by", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("mos", Float),
    Column("rtt_ms", Float),
    Column("result", Text, nullable=False),
    CheckConstraint(_one_of("source", TEST_SOURCES), name="source"),
    CheckConstraint(_one_of("state", TEST_STATES), name="state"),
    # A site's history, newest first; a session's latest per site.
    Index("ix_connection_tests_site_id_finished_at", "site_id", "finished_at"),
    Index("ix_connection_tests_session_id_site_id", "session_id", "site_id"),
)


# ---- Issue 13 B: bookings, the office's declared days, notifications -------------------

BOOKING_STATES = ["requested", "approved", "rescheduled", "rejected", "cancelled"]
OFFICE_DAY_KINDS = ["off", "working"]

# A recurring series: its rule (bridge.bookings.series, as JSON) and its exceptions (the
# days skipped, the days moved), so the series can be described and extended later.
booking_series = Table(
    "booking_series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule", Text, nullable=False),
    Column("skip", Text, nullable=False),
    Column("moved", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# A request for a session, until the office decides: approved, it names the session made.
bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("agenda", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("host_site_id", Integer, ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False),
    Column("organiser_id", Integer, ForeignKey("operators.id", ondelete="SET NULL")),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("test_from", UTCDateTime),
    Column("test_until", UTCDateTime),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    # The office's proposed time (rescheduled), until the organiser accepts or declines.
    Column("proposed_starts_at", UTCDateTime),
    Column("proposed_ends_at", UTCDateTime),
    Column("proposed_test_from", UTCDateTime),
    Column("proposed_test_until", UTCDateTime),
    Column("lead_override_reason", Text),
    Column("conflict_override_reason", Text),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL")),
    Column("series_id", Integer, ForeignKey("booking_series.id", ondelete="SET NULL")),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Issue 14: the organiser asks for the session to be recorded from its opening.
    Column("record", Boolean, nullable=False, server_default="0"),
    CheckConstraint(_one_of("state", BOOKING_STATES), name="state"),
    Index("ix_bookings_starts_at", "starts_at"),
    Index("ix_bookings_organiser_id", "organiser_id"),
    Index("ix_bookings_series_id", "series_id"),
)

booking_roster = Table(
    "booking_roster",
    metadata,
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("booking_id", "site_id"),
    UniqueConstraint("booking_id", "position"),
    Index("ix_booking_roster_site_id", "site_id"),
)

# Every change of a booking's state, with who, when and why.
booking_history = Table(
    "booking_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("reason", Text),
    Index("ix_booking_history_booking_id", "booking_id"),
)

# The days the office declares: compensatory days off, working Saturdays.
office_days = Table(
    "office_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("note", String(200), nullable=False),
    CheckConstraint(_one_of("kind", OFFICE_DAY_KINDS), name="kind"),
)

# What an account or a hall is told (on its page, and by e-mail where it has an address).
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("operators.id", ondelete="CASCADE")),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE")),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL")),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE")),
    Column("kind", String(32), nullable=False),
    Column("vi", Text, nullable=False),
    Column("en", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime),
    Index("ix_notifications_account_id_id", "account_id", "id"),
    Index("ix_notifications_site_id_id", "site_id", "id"),
    Index("ix_notifications_booking_id", "booking_id"),
)

# ---- D: official notices and their read receipts (issue 13) ---------------------------

NOTICE_KINDS = ["invitation", "agenda", "document", "other"]

# A session's notices: its official channel to the halls. A document's bytes are a file
# under <data dir>/notices/<sha256> (bridge/notices/files.py); the row names it. A notice is
# withdrawn, never deleted: who posted what, and when, stays on record.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("file_name", String(200)),
    Column("file_type", String(8)),
    Column("file_size", Integer),
    Column("file_sha256", String(64)),
    Column("posted_by", String(200), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
    CheckConstraint(_one_of("kind", NOTICE_KINDS), name="kind"),
    Index("ix_notices_session_id", "session_id"),
)

# A hall read a notice (its page showed or opened it): once per notice and site, the first
# time kept.
notice_reads = Table(
    "notice_reads",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("notice_id", "site_id"),
    Index("ix_notice_reads_site_id", "site_id"),
)

# ---- Attendance: the roll call and link quality per window (issue 14 A) ----------------

ROLL_CALL_MARKS = ["present", "absent", "elsewhere"]
QUALITY_GRADES = ["good", "fair", "poor", "unknown"]

# The operator's latest roll-call mark of a roster hall (each mark is audited as well).
roll_calls = Table(
    "roll_calls",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("mark", String(16), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("at_site_id", Integer, ForeignKey("sites.id", ondelete="SET NULL")),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint(_one_of("mark", ROLL_CALL_MARKS), name="mark"),
    PrimaryKeyConstraint("session_id", "site_id"),
)

# One site's link over one 20 s window of a session (bridge/reports/windows.py).
quality_windows = Table(
    "quality_windows",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("loss_in_pct", Float),
    Column("loss_out_pct", Float),
    Column("rtt_ms", Float),
    Column("jitter_in_ms", Float),
    Column("jitter_out_ms", Float),
    Column("no_media_s", Float, nullable=False),
    Column("grade", String(8), nullable=False),
    Column("mos", Float),
    CheckConstraint(_one_of("grade", QUALITY_GRADES), name="grade"),
    PrimaryKeyConstraint("session_id", "site_id", "start"),
    Index("ix_quality_windows_site_id", "site_id"),
)


# ---- Issue 14: recordings and who fetched them -------------------------------------------

RECORDING_STATES = ["recording", "complete", "failed", "deleted"]

# A session's recording: one file (WebM or Matroska) under the recordings folder, written by
# bridge/recording while ``recording``; ``complete`` once closed and hashed (its manifest
# beside it), ``failed`` if the writer gave up, ``deleted`` once the retention purge took the
# file (the row stays: that a recording existed, and its hash, remain on record).
recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("file", String(500), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("bytes", Integer),
    Column("sha256", String(64)),
    Column("duration_s", Float),
    Column("started_by", String(200), nullable=False),
    Column("codec", String(16)),
    Column("chapters", Text, nullable=False),
    CheckConstraint(_one_of("state", RECORDING_STATES), name="state"),
    Index("ix_recordings_session_id", "session_id"),
    Index("ix_recordings_state_started_at", "state", "started_at"),
)

# Every time a recording's file (or its manifest) was fetched, and by whom.
recording_access = Table(
    "recording_access",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "recording_id", Integer, ForeignKey("recordings.id", ondelete="CASCADE"), nullable=False
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Index("ix_recording_access_recording_id", "recording_id"),
)


# ---- Issue 14: reports' summaries --------------------------------------------------------

# One row per session once it is closed (bridge/reports/summaries.py): what the period
# report counts of it, so a quarter of a thousand sessions is read, not recomputed from
# their audit logs. ``booked``: it came from a booking; ``held_online``: a hall connected.
session_summaries = Table(
    "session_summaries",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("organiser_id", Integer),
    Column("agency", String(200), nullable=False),
    Column("host_site_id", Integer, nullable=False),
    Column("booked", Integer, nullable=False),
    Column("held_online", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=False),
    Column("length_s", Float, nullable=False),
    Column("halls", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Index("ix_session_summaries_started_at", "started_at"),
)

# One row per (closed session, roster site): its attendance and quality in that session.
# The session's organiser, agency and start are repeated here so that a period (and an
# organiser's own sessions) is one range read of this table.
site_session_summaries = Table(
    "site_session_summaries",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("organiser_id", Integer),
    Column("agency", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("length_s", Float, nullable=False),
    Column("connected_s", Float, nullable=False),
    Column("present", Integer, nullable=False),
    Column("late_s", Float, nullable=False),
    Column("left_early_s", Float, nullable=False),
    Column("reconnections", Integer, nullable=False),
    Column("windows", Integer, nullable=False),
    Column("poor_windows", Integer, nullable=False),
    Column("mos_windows", Integer, nullable=False),
    Column("mean_mos", Float),
    PrimaryKeyConstraint("session_id", "site_id"),
    Index("ix_site_session_summaries_started_at", "started_at"),
    Index("ix_site_session_summaries_site_id", "site_id"),
)
