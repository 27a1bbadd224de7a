"""Bookings, the office's declared days, notifications, e-mail addresses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

- ``operators.email`` and ``sites.email``: where notices are e-mailed (NULL: nowhere);
- ``booking_series``: a recurring series' rule and exceptions, as JSON;
- ``bookings``, ``booking_roster``, ``booking_history``: requests for sessions, their
  halls, and every change of their state;
- ``office_days``: compensatory days off and working Saturdays the office declares;
- ``notifications``: what an account or a hall is told, read or not.

Written out in full, as 0001-0005 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "state IN ('requested', 'approved', 'rescheduled', 'rejected', 'cancelled')"


def _fk(table: str, column: str, other: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{other}.id"], name=f"fk_{table}_{column}_{other}", ondelete=ondelete
    )


def upgrade() -> None:
    # Batch mode rebuilds both tables (each column a line of its CREATE TABLE, as schema.py
    # makes it). SQLite cannot reflect the sites' expression index: it is dropped first and
    # made again after.
    with op.batch_alter_table("operators", recreate="always", reflect_args=(_username(),)) as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
    op.drop_index("uq_sites_parent_name", "sites")
    with warnings.catch_warnings(), op.batch_alter_table("sites", recreate="always") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
    _sites_name_index()

    op.create_table(
        "booking_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("skip", sa.Text(), nullable=False),
        sa.Column("moved", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_booking_series"),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("host_site_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("test_from", sa.DateTime(), nullable=True),
        sa.Column("test_until", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed_starts_at", sa.DateTime(), nullable=True),
        sa.Column("proposed_ends_at", sa.DateTime(), nullable=True),
        sa.Column("proposed_test_from", sa.DateTime(), nullable=True),
        sa.Column("proposed_test_until", sa.DateTime(), nullable=True),
        sa.Column("lead_override_reason", sa.Text(), nullable=True),
        sa.Column("conflict_override_reason", sa.Text(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(STATES, name=op.f("ck_bookings_state")),
        _fk("bookings", "host_site_id", "sites", "RESTRICT"),
        _fk("bookings", "organiser_id", "operators", "SET NULL"),
        _fk("bookings", "session_id", "sessions", "SET NULL"),
        _fk("bookings", "series_id", "booking_series", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
    )
    op.create_index("ix_bookings_starts_at", "bookings", ["starts_at"])
    op.create_index("ix_bookings_organiser_id", "bookings", ["organiser_id"])
    op.create_index("ix_bookings_series_id", "bookings", ["series_id"])

    op.create_table(
        "booking_roster",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("booking_roster", "booking_id", "bookings", "CASCADE"),
        _fk("booking_roster", "site_id", "sites", "RESTRICT"),
        sa.PrimaryKeyConstraint("booking_id", "site_id", name="pk_booking_roster"),
        sa.UniqueConstraint("booking_id", "position", name="uq_booking_roster_booking_id_position"),
    )
    op.create_index("ix_booking_roster_site_id", "booking_roster", ["site_id"])

    op.create_table(
        "booking_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("booking_history", "booking_id", "bookings", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_booking_history"),
    )
    op.create_index("ix_booking_history_booking_id", "booking_history", ["booking_id"])

    op.create_table(
        "office_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.CheckConstraint("kind IN ('off', 'working')", name=op.f("ck_office_days_kind")),
        sa.PrimaryKeyConstraint("day", name="pk_office_days"),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("vi", sa.Text(), nullable=False),
        sa.Column("en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _fk("notifications", "account_id", "operators", "CASCADE"),
        _fk("notifications", "site_id", "sites", "CASCADE"),
        _fk("notifications", "session_id", "sessions", "SET NULL"),
        _fk("notifications", "booking_id", "bookings", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_account_id_id", "notifications", ["account_id", "id"])
    op.create_index("ix_notifications_site_id_id", "notifications", ["site_id", "id"])
    op.create_index("ix_notifications_booking_id", "notifications", ["booking_id"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("office_days")
    op.drop_table("booking_history")
    op.drop_table("booking_roster")
    op.drop_table("bookings")
    op.drop_table("booking_series")
    op.drop_index("uq_sites_parent_name", "sites")
    with warnings.catch_warnings(), op.batch_alter_table("sites", recreate="always") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        batch.drop_column("email")
    _sites_name_index()
    with op.batch_alter_table("operators", recreate="always", reflect_args=(_username(),)) as batch:
        batch.drop_column("email")


def _username() -> sa.Column[str]:
    return sa.Column("username", sa.String(64, collation="NOCASE"), nullable=False)


def _sites_name_index() -> None:
    op.create_index(
        "uq_sites_parent_name", "sites", [sa.text("coalesce(parent_id, 0)"), "name"], unique=True
    )
