"""Writing a new ORM object with one Core INSERT instead of the unit of work.

Flushing one new ticket through the ORM cost more than a third of opening it
(bench/tickets_create.py): the unit of work sorts, diffs and post-fetches what a single
INSERT … RETURNING id already knows. `insert_new` writes the object's columns that way and
then attaches it to the session as a persistent, fully loaded object, so everything after
(later changes, relationships, the session's identity map) behaves as if the ORM had flushed it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Column, Insert, Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from hotline.storage.models import Base


@cache
def _insert_returning_id(table: Table) -> Insert:
    """The INSERT … RETURNING id of a table, built once (its compiled form is cached too)."""
    return insert(table).returning(table.c.id)


def _default(column: Column[Any]) -> Any:
    """The value the ORM's flush would have written for a column the object never set."""
    default = column.default
    if default is None:
        if column.server_default is not None:
            raise ValueError(f"{column} has only a server default: set it on the object")
        return None
    if default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]  # wrapped to take a context
    raise ValueError(f"{column} has a SQL default: set it on the object")


def insert_new(session: Session, obj: Base) -> None:
    """INSERT a new object (integer `id` primary key) in the session's transaction and attach
    it as persistent, every column loaded, as the ORM's flush would have left it."""
    state = inspect(obj)
    if not state.transient:
        raise ValueError("insert_new takes a new object that is not in a session")
    mapper = state.mapper
    table = cast(Table, mapper.local_table)
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = cast("Column[Any]", attr.columns[0])
        if column.primary_key:
            continue
        if column is mapper.version_id_col and mapper.version_id_generator:
            setattr(obj, attr.key, mapper.version_id_generator(None))  # as the flush counts
        elif attr.key not in state.dict:
            setattr(obj, attr.key, _default(column))
        values[column.key] = state.dict[attr.key]
    result = session.connection().execute(_insert_returning_id(table), values)
    obj.id = result.scalar_one()  # type: ignore[attr-defined]
    make_transient_to_detached(obj)
    session.add(obj)
