"""Reports: each closed session's summary and each of its sites' (issue 14).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

- ``session_summaries``: per closed session, what the period report counts — booked (it
  came from a booking), held online (a hall connected), its span, organiser, agency and
  number of halls;
- ``site_session_summaries``: per closed session and roster site, its connected time,
  present, late and early, reconnections, and its quality windows (all, poor, with a MOS,
  their mean MOS); the session's organiser, agency and start repeated for range reads.

Both are derived (bridge/reports/summaries.py) and can be recomputed from the audit log
and the quality windows at any time. Written out in full, as 0001-0008 are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_summaries",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("host_site_id", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("held_online", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("length_s", sa.Float(), nullable=False),
        sa.Column("halls", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_session_summaries_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name="pk_session_summaries"),
    )
    op.create_index("ix_session_summaries_started_at", "session_summaries", ["started_at"])
    op.create_table(
        "site_session_summaries",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("length_s", sa.Float(), nullable=False),
        sa.Column("connected_s", sa.Float(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("late_s", sa.Float(), nullable=False),
        sa.Column("left_early_s", sa.Float(), nullable=False),
        sa.Column("reconnections", sa.Integer(), nullable=False),
        sa.Column("windows", sa.Integer(), nullable=False),
        sa.Column("poor_windows", sa.Integer(), nullable=False),
        sa.Column("mos_windows", sa.Integer(), nullable=False),
        sa.Column("mean_mos", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_site_session_summaries_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_site_session_summaries_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "site_id", name="pk_site_session_summaries"),
    )
    op.create_index(
        "ix_site_session_summaries_started_at", "site_session_summaries", ["started_at"]
    )
    op.create_index("ix_site_session_summaries_site_id", "site_session_summaries", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_site_session_summaries_site_id", "site_session_summaries")
    op.drop_index("ix_site_session_summaries_started_at", "site_session_summaries")
    op.drop_table("site_session_summaries")
    op.drop_index("ix_session_summaries_started_at", "session_summaries")
    op.drop_table("session_summaries")
