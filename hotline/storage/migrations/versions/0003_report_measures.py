"""report measures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:18:40.310280
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accept_work_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answer_work_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("place_key", sa.String(length=60), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("place_key")
        batch_op.drop_column("answer_work_seconds")
        batch_op.drop_column("accept_work_seconds")
