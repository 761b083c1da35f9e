"""attachments wait for the citizen's next ticket

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_citizen_id_citizens"), "citizens", ["citizen_id"], ["id"]
        )
        batch_op.create_index(
            "ix_attachments_pending", ["citizen_id", "ticket_id", "created_at"], unique=False
        )


def downgrade() -> None:

    op.execute("DELETE FROM attachments WHERE ticket_id IS NULL")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_pending")
        batch_op.drop_constraint(
            batch_op.f("fk_attachments_citizen_id_citizens"), type_="foreignkey"
        )
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("citizen_id")
