"""redundant ticket indexes: drop four indexes that lead another index of tickets

Every new ticket writes one entry in each index of `tickets` (issue 20: ticket creation).
Four of them are the leading columns of a covering index that migration 0013 added, which
serves every lookup, range and order they served, on SQLite and PostgreSQL alike:

    ix_tickets_status_accept_due  (status, accept_due_at)  → ix_tickets_report_accept_overdue
    ix_tickets_status_answer_due  (status, answer_due_at)  → ix_tickets_report_overdue
    ix_tickets_created_at         (created_at)             → ix_tickets_report_intake
    ix_tickets_dispatched_at      (dispatched_at)          → ix_tickets_report_dispatch

(ix_tickets_department_status stays: without it SQLite reads a department's queue through
ix_tickets_status_id in id order instead of the department's own entries.)

Revision ID: 0014_redundant_ticket_indexes
Revises: 0013_merge_candidates
Create Date: 2026-12-05 09:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_redundant_ticket_indexes"
down_revision: str | None = "0013_merge_candidates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str]] = {
    "ix_tickets_status_accept_due": ["status", "accept_due_at"],
    "ix_tickets_status_answer_due": ["status", "answer_due_at"],
    "ix_tickets_created_at": ["created_at"],
    "ix_tickets_dispatched_at": ["dispatched_at"],
}


def upgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tickets")


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns, unique=False)
