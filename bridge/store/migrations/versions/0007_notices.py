"""A session's official notices and the halls' read receipts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

- ``notices``: per session, an invitation, agenda, document or other notice, with the
  stored file's name, type, size and SHA-256 when it carries one; withdrawn, never deleted;
- ``notice_reads``: which site read which notice, and first when (one row per pair).

Written out in full, as 0001-0005 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("file_type", sa.String(8), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("posted_by", sa.String(200), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('invitation', 'agenda', 'document', 'other')",
            name=op.f("ck_notices_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_notices_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
    )
    op.create_index("ix_notices_session_id", "notices", ["session_id"])
    op.create_table(
        "notice_reads",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name="fk_notice_reads_notice_id_notices",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_notice_reads_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", "site_id", name="pk_notice_reads"),
    )
    op.create_index("ix_notice_reads_site_id", "notice_reads", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_notice_reads_site_id", "notice_reads")
    op.drop_table("notice_reads")
    op.drop_index("ix_notices_session_id", "notices")
    op.drop_table("notices")
