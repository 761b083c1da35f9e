"""web workbench and Open311: web credentials, web sessions, Open311 API keys, queue index

Self-contained: three new tables and two indexes on tickets (department, status, answer
deadline: the department queue in deadline order; status, id: the dispatch board);
nothing else touched.

Revision ID: 0011_web
Revises: 0010_joint_review_tools
Create Date: 2026-12-04 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_web"
down_revision: str | None = "0010_joint_review_tools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_web_credentials_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_credentials")),
        sa.UniqueConstraint("operator_id", name=op.f("uq_web_credentials_operator_id")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_web_sessions_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_web_sessions_operator_id"), "web_sessions", ["operator_id"], unique=False
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )

    op.create_index(
        "ix_tickets_department_status_answer_due",
        "tickets",
        ["department_code", "status", "answer_due_at"],
        unique=False,
    )
    op.create_index("ix_tickets_status_id", "tickets", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_status_id", table_name="tickets")
    op.drop_index("ix_tickets_department_status_answer_due", table_name="tickets")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_web_sessions_operator_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_credentials")
