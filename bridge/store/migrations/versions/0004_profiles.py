"""Hardware profiles: the custom ones, each site's assignment, each site's last report.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09

- ``profiles``: the custom profiles (the built-ins live in ``endpoints/profiles``, never
  here), each a whole profile as JSON with its names and summaries in vi and en;
- ``profile_assignments``: per site, the profile assigned at its level (a built-in or a
  custom id, no foreign key for that reason), the fields set on the site itself and the
  paths it locks for the sites below;
- ``profile_reports``: per site, the last report its page sent of what it applied.

Written out in full, as 0001-0003 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name_vi", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("summary_vi", sa.String(400), nullable=False),
        sa.Column("summary_en", sa.String(400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("copied_from", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_profiles"),
    )
    op.create_table(
        "profile_assignments",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=True),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("locked", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_profile_assignments_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", name="pk_profile_assignments"),
    )
    op.create_index("ix_profile_assignments_profile_id", "profile_assignments", ["profile_id"])
    op.create_table(
        "profile_reports",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_profile_reports_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", name="pk_profile_reports"),
    )


def downgrade() -> None:
    op.drop_table("profile_reports")
    op.drop_index("ix_profile_assignments_profile_id", "profile_assignments")
    op.drop_table("profile_assignments")
    op.drop_table("profiles")
