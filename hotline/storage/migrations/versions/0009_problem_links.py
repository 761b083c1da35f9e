"""one ticket per problem: citizens linked as reporters of an open ticket, per-place locks,
a reporter count on tickets, and the 督办 instruction deadline

Self-contained: adds `ticket_reporters`, `problem_locks` and two nullable/defaulted columns
to `tickets`; touches nothing another migration adds.

Revision ID: 0009_problem_links
Revises: 0008
Create Date: 2026-12-05 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_problem_links"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_reporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("category_code", sa.String(length=60), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("linked_by", sa.String(length=120), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("split_into_id", sa.Integer(), nullable=True),
        sa.Column("rated_round", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_reporters_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_ticket_reporters_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["split_into_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_reporters_split_into_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_reporters")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ticket_reporters_idempotency_key")),
    )
    op.create_index(
        op.f("ix_ticket_reporters_ticket_id"), "ticket_reporters", ["ticket_id"], unique=False
    )
    op.create_index(
        "ix_ticket_reporters_citizen", "ticket_reporters", ["citizen_id", "ticket_id"], unique=False
    )
    op.create_table(
        "problem_locks",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_problem_locks")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("reporter_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("directive_due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("directive_due_at")
        batch.drop_column("reporter_count")
    op.drop_table("problem_locks")
    op.drop_index("ix_ticket_reporters_citizen", table_name="ticket_reporters")
    op.drop_index(op.f("ix_ticket_reporters_ticket_id"), table_name="ticket_reporters")
    op.drop_table("ticket_reporters")
