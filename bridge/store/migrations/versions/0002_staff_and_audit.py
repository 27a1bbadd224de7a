"""Kinds of account, session organisers and staff, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01

- ``operators.role`` may also be office, organiser or observer;
- ``sessions.organiser_id``: the account that organises it (NULL for existing sessions);
- ``session_staff``: accounts assigned to a session as operator or observer;
- ``audit``: who did what when.

Written out in full, as 0001 is, rather than importing ``bridge.store.schema``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('admin', 'operator')"
NEW_ROLES = "role IN ('admin', 'office', 'organiser', 'operator', 'observer')"


def upgrade() -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table, rows and all.
    # Reflection does not see a column's collation: the username's is given again.
    with op.batch_alter_table("operators", reflect_args=(_username(),)) as batch:
        batch.drop_constraint(op.f("ck_operators_role"), type_="check")
        batch.create_check_constraint(op.f("ck_operators_role"), sa.text(NEW_ROLES))

    # Rebuilding sessions reflects the sites table it refers to, whose expression index
    # SQLite cannot reflect (and need not: sites is left as it is).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        _add_organiser()

    op.create_table(
        "session_staff",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("duty", sa.String(16), nullable=False),
        sa.CheckConstraint("duty IN ('operator', 'observer')", name=op.f("ck_session_staff_duty")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_session_staff_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["operators.id"],
            name="fk_session_staff_account_id_operators",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "account_id", name="pk_session_staff"),
    )
    op.create_index("ix_session_staff_account_id", "session_staff", ["account_id"])

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.create_index("ix_audit_session_id_id", "audit", ["session_id", "id"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("session_staff")
    with warnings.catch_warnings(), op.batch_alter_table("sessions") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        batch.drop_index("ix_sessions_organiser_id")
        batch.drop_constraint("fk_sessions_organiser_id_operators", type_="foreignkey")
        batch.drop_column("organiser_id")
    # Accounts of the new kinds have no place in the old schema: they go, with their logins.
    # (Foreign keys are off during migrations: their logins are deleted by hand.)
    newer = "SELECT id FROM operators WHERE NOT (" + OLD_ROLES + ")"
    op.execute(f"DELETE FROM operator_tokens WHERE operator_id IN ({newer})")
    op.execute(f"DELETE FROM operators WHERE id IN ({newer})")
    with op.batch_alter_table("operators", reflect_args=(_username(),)) as batch:
        batch.drop_constraint(op.f("ck_operators_role"), type_="check")
        batch.create_check_constraint(op.f("ck_operators_role"), sa.text(OLD_ROLES))


def _username() -> sa.Column[str]:
    return sa.Column("username", sa.String(64, collation="NOCASE"), nullable=False)


def _add_organiser() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("organiser_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_sessions_organiser_id_operators",
            "operators",
            ["organiser_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_sessions_organiser_id", ["organiser_id"])
