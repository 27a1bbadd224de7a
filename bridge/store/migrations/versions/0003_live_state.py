"""The live state of open sessions, so a restarted bridge takes them up where they were.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

- ``live_state``: one row per session, its snapshot (mutes, hands, floor, shown site and
  mode; bridge/conference/snapshot.py) as JSON, replaced as it changes.

Written out in full, as 0001 and 0002 are, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_state",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_live_state_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name="pk_live_state"),
    )


def downgrade() -> None:
    op.drop_table("live_state")
