"""search index: FTS5 trigram table (SQLite) / pg_trgm GIN indexes (PostgreSQL) on tickets

Text search over requests and addresses without scanning the date window. SQLite: an
external-content FTS5 table `tickets_fts` (tokenize='trigram') filled from the existing
tickets and kept in step by three triggers. PostgreSQL: the pg_trgm extension and GIN
indexes on tickets.description and tickets.address (maintained by PostgreSQL itself).
The models do not declare these objects; `hotline.storage.search_index.include_object`
leaves them out of schema comparisons.

Revision ID: 0012_search_index
Revises: 0011_web
Create Date: 2026-12-05 00:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

from hotline.storage.search_index import FTS_TABLE, SQLITE_TRIGGERS, TRIGRAM_INDEXES

revision: str = "0012_search_index"
down_revision: str | None = "0011_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(description, address, "
            "content='tickets', content_rowid='id', tokenize='trigram')"
        )
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, field in zip(TRIGRAM_INDEXES, ("description", "address"), strict=True):
            op.execute(f"CREATE INDEX {name} ON tickets USING gin ({field} gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif bind.dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # the extension stays: other schemas in the database may use it
