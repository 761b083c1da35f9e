"""staff access per person, hashed invites, persisted prompts, audit log, anonymised tickets

Revision ID: 0007_privacy
Revises: 0006
Create Date: 2026-12-04 21:00:00.000000

Self-contained: it only adds tables and columns (and hashes existing invite codes in place),
so it can be re-chained after another 0007 without change.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_privacy"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_action_actor_at", "audit_log", ["action", "actor", "at"])
    op.create_table(
        "staff_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("prompt_message_id", sa.Integer(), nullable=True),
        sa.Column("card_message_id", sa.Integer(), nullable=True),
        sa.Column("card_text", sa.Text(), nullable=False),
        sa.Column("files", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_prompts")),
        sa.UniqueConstraint("channel", "chat_id", "user_id", name="uq_staff_prompts_member"),
    )
    op.create_index("ix_staff_prompts_expires_at", "staff_prompts", ["expires_at"])
    with op.batch_alter_table("staff_bindings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.alter_column(
            "code",
            new_column_name="code_hash",
            existing_type=sa.String(length=32),
            type_=sa.String(length=64),
        )
    invites = sa.table("staff_invites", sa.column("code_hash", sa.String(64)))
    conn = op.get_bind()
    for (code,) in conn.execute(sa.select(invites.c.code_hash)).all():
        digest = hashlib.sha256(code.strip().upper().encode()).hexdigest()
        conn.execute(invites.update().where(invites.c.code_hash == code).values(code_hash=digest))


def downgrade() -> None:
    # Hashed codes cannot be turned back into codes: unused invites are dropped.
    op.execute("DELETE FROM staff_invites")
    with op.batch_alter_table("staff_invites", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash",
            new_column_name="code",
            existing_type=sa.String(length=64),
            type_=sa.String(length=32),
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("staff_bindings", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
    op.drop_index("ix_staff_prompts_expires_at", table_name="staff_prompts")
    op.drop_table("staff_prompts")
    op.drop_index("ix_audit_log_action_actor_at", table_name="audit_log")
    op.drop_table("audit_log")
