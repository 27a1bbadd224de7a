"""Attendance: the roll call, and each site's link quality per 20 s window.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

- ``roll_calls``: per session and roster site, the operator's latest mark (present,
  absent with a reason, present in person at another hall), who marked it and when; every
  mark is in the audit log too;
- ``quality_windows``: per session, site and 20 s window (its start on the session's
  grid), the means of loss, RTT and jitter each way, the seconds without media, the grade
  and the E-model MOS. One row per window: written once (a window written again after a
  restart is ignored).

Written out in full, as 0001-0007 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roll_calls",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("at_site_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "mark IN ('present', 'absent', 'elsewhere')", name=op.f("ck_roll_calls_mark")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_roll_calls_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_roll_calls_site_id_sites", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["at_site_id"],
            ["sites.id"],
            name="fk_roll_calls_at_site_id_sites",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("session_id", "site_id", name="pk_roll_calls"),
    )
    op.create_table(
        "quality_windows",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("loss_in_pct", sa.Float(), nullable=True),
        sa.Column("loss_out_pct", sa.Float(), nullable=True),
        sa.Column("rtt_ms", sa.Float(), nullable=True),
        sa.Column("jitter_in_ms", sa.Float(), nullable=True),
        sa.Column("jitter_out_ms", sa.Float(), nullable=True),
        sa.Column("no_media_s", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(8), nullable=False),
        sa.Column("mos", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "grade IN ('good', 'fair', 'poor', 'unknown')", name=op.f("ck_quality_windows_grade")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_quality_windows_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_quality_windows_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "site_id", "start", name="pk_quality_windows"),
    )
    op.create_index("ix_quality_windows_site_id", "quality_windows", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_quality_windows_site_id", "quality_windows")
    op.drop_table("quality_windows")
    op.drop_table("roll_calls")
