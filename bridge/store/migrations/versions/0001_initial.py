"""Initial schema: sites, sessions and their rosters, join tokens, operators, meta.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out in full rather than importing ``bridge.store.schema``: a migration is a
snapshot of the schema at one point, and must not change when the tables do later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "level IN ('central', 'province', 'district', 'commune')", name=op.f("ck_sites_level")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["sites.id"], name="fk_sites_parent_id_sites", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_index(
        "uq_sites_parent_name",
        "sites",
        [sa.text("coalesce(parent_id, 0)"), "name"],
        unique=True,
    )
    op.create_index("ix_sites_parent_id", "sites", ["parent_id"])

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("host_site_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('scheduled', 'open', 'closed')", name=op.f("ck_sessions_state")
        ),
        sa.ForeignKeyConstraint(
            ["host_site_id"],
            ["sites.id"],
            name="fk_sessions_host_site_id_sites",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_created_at", "sessions", ["created_at"])

    op.create_table(
        "roster",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_roster_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_roster_site_id_sites", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("session_id", "site_id", name="pk_roster"),
        sa.UniqueConstraint("session_id", "position", name="uq_roster_session_id_position"),
    )
    op.create_index("ix_roster_site_id", "roster", ["site_id"])

    op.create_table(
        "join_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id", "site_id"],
            ["roster.session_id", "roster.site_id"],
            name="fk_join_tokens_session_id_site_id_roster",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_join_tokens"),
    )
    op.create_index("ix_join_tokens_session_id_site_id", "join_tokens", ["session_id", "site_id"])
    op.create_index("ix_join_tokens_expires_at", "join_tokens", ["expires_at"])

    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64, collation="NOCASE"), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'operator')", name=op.f("ck_operators_role")),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("username", name="uq_operators_username"),
    )

    op.create_table(
        "operator_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name="fk_operator_tokens_operator_id_operators",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_operator_tokens"),
    )
    op.create_index("ix_operator_tokens_operator_id", "operator_tokens", ["operator_id"])
    op.create_index("ix_operator_tokens_expires_at", "operator_tokens", ["expires_at"])

    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )


def downgrade() -> None:
    for table in (
        "meta",
        "operator_tokens",
        "operators",
        "join_tokens",
        "roster",
        "sessions",
        "sites",
    ):
        op.drop_table(table)
