"""A session's schedule and test window, and the connection tests' results.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

- ``sessions`` gets ``starts_at``, ``ends_at``, ``test_from`` and ``test_until``, each
  nullable (NULL for the existing sessions: no schedule, so no test window; the window's
  default ends are computed, bridge/readiness/window.py, only explicit ones are stored);
- ``connection_tests``: every connection test's result, per site per session, the whole
  result as JSON with the figures the board and the trend sort and filter on beside it.

Written out in full, as 0001-0004 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULE = ("starts_at", "ends_at", "test_from", "test_until")


def upgrade() -> None:
    # Batch mode rebuilds sessions (so each column is a line of its CREATE TABLE, as
    # schema.py would make it), reflecting the sites table whose expression index SQLite
    # cannot reflect (and need not: sites is left as it is).
    with warnings.catch_warnings(), op.batch_alter_table("sessions", recreate="always") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        for name in SCHEDULE:
            batch.add_column(sa.Column(name, sa.DateTime(), nullable=True))

    op.create_table(
        "connection_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("mos", sa.Float(), nullable=True),
        sa.Column("rtt_ms", sa.Float(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "source IN ('hall', 'operator', 'agent')", name=op.f("ck_connection_tests_source")
        ),
        sa.CheckConstraint(
            "state IN ('ready', 'warning', 'not_ready')", name=op.f("ck_connection_tests_state")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_connection_tests_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_connection_tests_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_connection_tests"),
    )
    op.create_index(
        "ix_connection_tests_site_id_finished_at", "connection_tests", ["site_id", "finished_at"]
    )
    op.create_index(
        "ix_connection_tests_session_id_site_id", "connection_tests", ["session_id", "site_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_connection_tests_session_id_site_id", "connection_tests")
    op.drop_index("ix_connection_tests_site_id_finished_at", "connection_tests")
    op.drop_table("connection_tests")
    with warnings.catch_warnings(), op.batch_alter_table("sessions", recreate="always") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        for name in SCHEDULE:
            batch.drop_column(name)
