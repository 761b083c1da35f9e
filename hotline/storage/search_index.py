"""Text search over tickets' requests and addresses through an index, not a table scan.

SQLite: an FTS5 table with the trigram tokenizer (Chinese has no spaces; trigrams find any
substring of three or more characters), external content on `tickets`, kept in step by
triggers. PostgreSQL: `pg_trgm` GIN indexes, which serve ILIKE '%…%' directly. Words of one
or two characters are below a trigram's size: they fall back to LIKE (still narrowed by
the search's other conditions and its date window).

The schema objects are made by migration 0012_search_index; `ensure_triggers` re-creates
the SQLite triggers after any later migration that rebuilds `tickets` (SQLite's batch
mode drops a table's triggers with the table).
"""

from __future__ import annotations

from typing import Any, Literal, cast

from sqlalchemy import Connection, String, bindparam, column, literal_column, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType, TypeEngine

FTS_TABLE = "tickets_fts"
# FTS5 keeps its data in shadow tables named after the virtual table.
FTS_SHADOWS = tuple(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "content", "docsize", "config"))
TRIGRAM_INDEXES = ("ix_tickets_description_trgm", "ix_tickets_address_trgm")
MIN_INDEXED = 3  # a trigram index only helps from three characters on
Field = Literal["description", "address"]

_FTS_COLUMNS = "description, address"
SQLITE_TRIGGERS = {
    "tickets_fts_insert": f"""
        CREATE TRIGGER IF NOT EXISTS tickets_fts_insert AFTER INSERT ON tickets BEGIN
          INSERT INTO {FTS_TABLE}(rowid, {_FTS_COLUMNS})
          VALUES (new.id, new.description, new.address);
        END""",
    "tickets_fts_delete": f"""
        CREATE TRIGGER IF NOT EXISTS tickets_fts_delete AFTER DELETE ON tickets BEGIN
          INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_COLUMNS})
          VALUES ('delete', old.id, old.description, old.address);
        END""",
    "tickets_fts_update": f"""
        CREATE TRIGGER IF NOT EXISTS tickets_fts_update
        AFTER UPDATE OF description, address ON tickets BEGIN
          INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_COLUMNS})
          VALUES ('delete', old.id, old.description, old.address);
          INSERT INTO {FTS_TABLE}(rowid, {_FTS_COLUMNS})
          VALUES (new.id, new.description, new.address);
        END""",
}


def is_index_object(name: str | None) -> bool:
    """Whether a schema object belongs to the search index (the models do not declare it:
    an FTS5 virtual table and GIN operator classes have no portable SQLAlchemy form)."""
    return name is not None and (
        name == FTS_TABLE or name in FTS_SHADOWS or name in TRIGRAM_INDEXES
    )


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    """Alembic's filter: leave the search index out of model/schema comparisons."""
    return not is_index_object(name)


def ensure_triggers(connection: Connection) -> None:
    """Re-create the SQLite triggers if a migration dropped them (no-op elsewhere)."""
    if connection.dialect.name != "sqlite":
        return
    exists = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    ).first()
    if exists is None:
        return
    missing = [
        name
        for name in SQLITE_TRIGGERS
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).first()
        is None
    ]
    for name in missing:
        connection.exec_driver_sql(SQLITE_TRIGGERS[name])
    if missing:  # rows may have changed while the triggers were gone
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def like_pattern(value: str) -> str:
    """A LIKE pattern matching `value` anywhere, with its own %, _ and \\ taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(field: Field, words: str) -> str:
    """An FTS5 query for `words` as one phrase in one column (quotes doubled)."""
    return f'{field} : "{words.replace(chr(34), chr(34) * 2)}"'


class TextContains(ColumnElement[bool]):
    """`tickets.<field>` contains `words` (case-insensitive), through the index where one
    fits: compiled per database, so services state what they want and not how."""

    # Untyped on purpose: a Boolean-typed custom element gets "= 1" appended in WHERE on
    # SQLite, and "x IN (…) = 1" hides the IN from the planner (a full scan of the window).
    type = cast("TypeEngine[bool]", NullType())
    inherit_cache = False  # the compiled form depends on the words' length

    def __init__(self, field: Field, words: str) -> None:
        self.field: Field = field
        self.words = words


def text_contains(field: Field, words: str) -> ColumnElement[bool]:
    """The condition 'this ticket's request (or address) contains these words'."""
    return TextContains(field, words)


def _like(element: TextContains) -> ColumnElement[bool]:
    col = literal_column(f"tickets.{element.field}", String)
    return col.ilike(like_pattern(element.words), escape="\\")


@compiles(TextContains)
def _compile_default(element: TextContains, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL (and others): ILIKE, which pg_trgm's GIN index serves from 3 characters."""
    return compiler.process(_like(element), **kw)


@compiles(TextContains, "sqlite")
def _compile_sqlite(element: TextContains, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite: ids from the FTS5 trigram index; LIKE below three characters."""
    if len(element.words) < MIN_INDEXED:
        return compiler.process(_like(element), **kw)
    fts = table(FTS_TABLE, column("rowid"))
    match = literal_column(FTS_TABLE).op("MATCH")(
        bindparam(None, fts_phrase(element.field, element.words), type_=String)
    )
    ids = select(fts.c.rowid).where(match)
    return compiler.process(literal_column("tickets.id").in_(ids), **kw)
