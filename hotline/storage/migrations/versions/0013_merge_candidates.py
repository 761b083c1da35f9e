"""report indexes: covering indexes the supervisor's dashboard reads at size

Self-contained: six indexes, nothing else touched. The dashboard's GROUP BY queries read a
period's tickets by dispatch time (cohort, p90, response), by creation time (intake, hot
topics) and the open tickets past a limit (overdue counts and list); each index holds every
column its queries read, so SQLite answers from the index without visiting a million wide
rows. Events: by ticket with the facts the rates read, and by action and time (督办逾期).
(The merge suggestions need no index of their own: ix_tickets_created_at bounds them.)

Revision ID: 0013_merge_candidates
Revises: 0012_search_index
Create Date: 2026-12-05 03:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_merge_candidates"
down_revision: str | None = "0012_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_tickets_report_dispatch": (
        "tickets",
        [
            "dispatched_at",
            "status",
            "department_code",
            "category_code",
            "return_count",
            "reopen_count",
            "extension_count",
            "accepted_at",
            "accept_work_seconds",
            "resolved_at",
            "answer_work_seconds",
            "accept_due_at",
            "answer_due_at",
        ],
    ),
    "ix_tickets_report_intake": (
        "tickets",
        ["created_at", "department_code", "category_code", "request_type", "channel", "place_key"],
    ),
    "ix_tickets_report_overdue": (
        "tickets",
        [
            "status",
            "answer_due_at",
            "accept_due_at",
            "department_code",
            "category_code",
            "number",
            "priority",
        ],
    ),
    "ix_tickets_report_accept_overdue": (
        "tickets",
        [
            "status",
            "accept_due_at",
            "answer_due_at",
            "department_code",
            "category_code",
            "number",
            "priority",
        ],
    ),
    "ix_ticket_events_report": (
        "ticket_events",
        ["ticket_id", "action", "at", "round_started_at", "due_at", "department_code"],
    ),
    "ix_ticket_events_action_at": ("ticket_events", ["action", "at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
