"""主办/协办, centre review (审核), internal notes and named owners (issue 18 part B)

Self-contained: four new tables, nothing existing is altered.

Revision ID: 0010_joint_review_tools
Revises: 0009_problem_links
Create Date: 2026-12-05 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_joint_review_tools"
down_revision: str | None = "0009_problem_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ticket_assists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("added_at", _AT, nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("warn_at", _AT, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("opinion_by", sa.String(length=120), nullable=True),
        sa.Column("opinion_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_ticket_assists_department_code_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_assists_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_assists")),
        sa.UniqueConstraint("ticket_id", "department_code", name="uq_ticket_assists_department"),
    )
    op.create_index(
        op.f("ix_ticket_assists_ticket_id"), "ticket_assists", ["ticket_id"], unique=False
    )
    op.create_table(
        "ticket_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("submitter_id", sa.String(length=80), nullable=False),
        sa.Column("submitter_name", sa.String(length=80), nullable=True),
        sa.Column("submitted_at", _AT, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_reviews_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_reviews")),
    )
    op.create_index(
        op.f("ix_ticket_reviews_ticket_id"), "ticket_reviews", ["ticket_id"], unique=False
    )
    op.create_index(op.f("ix_ticket_reviews_status"), "ticket_reviews", ["status"], unique=False)
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("author_name", sa.String(length=80), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_notes_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
    )
    op.create_index(op.f("ix_ticket_notes_ticket_id"), "ticket_notes", ["ticket_id"], unique=False)
    op.create_table(
        "ticket_owners",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("assignee_id", sa.String(length=80), nullable=False),
        sa.Column("assignee_name", sa.String(length=80), nullable=False),
        sa.Column("assigned_by", sa.String(length=120), nullable=False),
        sa.Column("assigned_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_owners_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_owners")),
    )
    op.create_index(
        op.f("ix_ticket_owners_assignee_id"), "ticket_owners", ["assignee_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_owners_assignee_id"), table_name="ticket_owners")
    op.drop_table("ticket_owners")
    op.drop_index(op.f("ix_ticket_notes_ticket_id"), table_name="ticket_notes")
    op.drop_table("ticket_notes")
    op.drop_index(op.f("ix_ticket_reviews_status"), table_name="ticket_reviews")
    op.drop_index(op.f("ix_ticket_reviews_ticket_id"), table_name="ticket_reviews")
    op.drop_table("ticket_reviews")
    op.drop_index(op.f("ix_ticket_assists_ticket_id"), table_name="ticket_assists")
    op.drop_table("ticket_assists")
