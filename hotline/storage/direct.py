"""The hot path's few statements sent straight to SQLite's driver, compiled once.

Opening a ticket writes five rows (citizen, day's number, ticket, outbox, events). Through
`Connection.execute` each statement costs 20–60 µs of SQLAlchemy bookkeeping (cache key,
execution context, result object) around a few µs of SQLite (bench/tickets_create.py). Here
a statement is compiled once per set of parameter names by SQLAlchemy itself, and what its
execution would do is kept: the SQL text, where each positional value comes from, and each
value's bind processor (UTC conversion, JSON). Executing is then one driver call on the
session's own DBAPI connection, inside the transaction SQLAlchemy began.

Everything else takes SQLAlchemy's ordinary path, with the same SQL and the same values:
other databases (PostgreSQL), statements whose values SQLAlchemy would compute itself
(Python defaults, expanding or callable parameters, processed RETURNING columns), a
connection outside a transaction (execute would begin one), and any connection someone
listens to (`before_cursor_execute`, as the statement-counting tests do).
Driver errors are wrapped in SQLAlchemy's exception classes as `Connection.execute` wraps them,
so callers catching `sqlalchemy.exc.IntegrityError` or `OperationalError` see no difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert


@dataclass(frozen=True)
class _Plan:
    """One compiled statement for one set of parameter names."""

    sql: str
    # Per positional parameter: the caller's key and its bind processor (None: sent as it
    # is), or for a value fixed in the statement None, None and that value, processed.
    slots: tuple[tuple[str | None, Callable[[Any], Any] | None, Any], ...]

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            [
                fixed if key is None else params[key] if process is None else process(params[key])
                for key, process, fixed in self.slots
            ]
        )


# Per dialect instance (an engine's own: its JSON serializer, its types' processors), then
# per statement, parameter names and executemany.
_plans: WeakKeyDictionary[
    Dialect, dict[tuple[int, frozenset[str], bool], tuple[Insert, _Plan | None]]
] = WeakKeyDictionary()


def _build(stmt: Insert, dialect: Dialect, keys: frozenset[str], many: bool) -> _Plan | None:
    """Compile as `Connection.execute` would; None when the statement needs SQLAlchemy's
    execution context (defaults computed in Python, post-compile parameters, typed results)."""
    compiled = stmt.compile(dialect=dialect, column_keys=sorted(keys), for_executemany=many)
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.positiontup is None
        or compiled.insert_prefetch
        or compiled.postfetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or any(
            column.type.dialect_impl(dialect).result_processor(dialect, None) is not None
            for column in compiled.effective_returning or ()
        )
    ):
        return None
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    slots: list[tuple[str | None, Callable[[Any], Any] | None, Any]] = []
    for name in compiled.positiontup:
        bind = by_name[name]
        # construct_params' order: the bind's key, then its compiled name, then its value.
        key = bind.key if bind.key in keys else name if name in keys else None
        if key is None and (bind.callable is not None or bind.required):
            return None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if key is not None:
            slots.append((key, process, None))
        else:  # processors are pure: processing the fixed value once sends the same value
            slots.append((None, None, bind.value if process is None else process(bind.value)))
    return _Plan(compiled.string, tuple(slots))


def _plan(connection: Connection, stmt: Insert, keys: frozenset[str], many: bool) -> _Plan | None:
    dialect = connection.dialect
    if (
        dialect.driver != "pysqlite"
        or not connection.in_transaction()  # SQLAlchemy's execute would begin one first
        or connection.dispatch.before_cursor_execute
        or connection.dispatch.after_cursor_execute
    ):
        return None
    plans = _plans.get(dialect)
    if plans is None:
        plans = _plans.setdefault(dialect, {})
    index = (id(stmt), keys, many)
    found = plans.get(index)
    if found is None or found[0] is not stmt:
        found = (stmt, _build(stmt, dialect, keys, many))
        plans[index] = found
    return found[1]


def _wrap(
    connection: Connection, plan: _Plan, params: Any, err: Exception, many: bool
) -> Exception:
    """The exception `Connection.execute` would have raised for this driver error."""
    return DBAPIError.instance(
        plan.sql,
        params,
        err,
        connection.dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,
        dialect=connection.dialect,
        ismulti=many,
    )


def execute_text(connection: Connection, sql: str) -> None:
    """Run a parameterless statement (BEGIN IMMEDIATE, at the start of every transaction)."""
    if connection.dialect.driver != "pysqlite" or (
        connection.dispatch.before_cursor_execute or connection.dispatch.after_cursor_execute
    ):
        connection.exec_driver_sql(sql)
        return
    driver: Any = connection.connection.driver_connection
    try:
        driver.execute(sql)
    except connection.dialect.loaded_dbapi.Error as err:
        raise _wrap(connection, _Plan(sql, ()), (), err, False) from err


def insert_one(connection: Connection, stmt: Insert, params: Mapping[str, Any]) -> int | None:
    """INSERT one row; returns its new integer key (SQLite's last row id, or the single
    primary key SQLAlchemy reports), None when the table has none."""
    table = stmt.table
    generated = table.autoincrement_column if isinstance(table, Table) else None
    plan = None  # a key the caller gives is reported by SQLAlchemy as given, not a row id
    if generated is not None and generated.key not in params:
        plan = _plan(connection, stmt, frozenset(params), False)
    if plan is None:
        key = connection.execute(stmt, dict(params)).inserted_primary_key
        return None if key is None or len(key) != 1 else key[0]
    driver: Any = connection.connection.driver_connection
    try:
        cursor = driver.execute(plan.sql, plan.values(params))
    except connection.dialect.loaded_dbapi.Error as err:
        raise _wrap(connection, plan, params, err, False) from err
    return int(cursor.lastrowid)


def insert_many(connection: Connection, stmt: Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows that all have the same keys, as one executemany."""
    if not rows:
        return
    keys = frozenset(rows[0])
    plan = _plan(connection, stmt, keys, True)
    if plan is None or any(row.keys() != keys for row in rows):
        connection.execute(stmt, [dict(row) for row in rows])
        return
    driver: Any = connection.connection.driver_connection
    try:
        driver.executemany(plan.sql, [plan.values(row) for row in rows])
    except connection.dialect.loaded_dbapi.Error as err:
        raise _wrap(connection, plan, rows, err, True) from err


def returning_one(connection: Connection, stmt: Insert, params: Mapping[str, Any]) -> Any:
    """Run an INSERT … RETURNING of one column that yields exactly one row; its value."""
    plan = _plan(connection, stmt, frozenset(params), False)
    if plan is None:
        return connection.execute(stmt, dict(params)).scalar_one()
    driver: Any = connection.connection.driver_connection
    try:
        rows = driver.execute(plan.sql, plan.values(params)).fetchall()
    except connection.dialect.loaded_dbapi.Error as err:
        raise _wrap(connection, plan, params, err, False) from err
    if not rows:  # as Result.scalar_one would say
        raise NoResultFound("No row was found when one was required")
    if len(rows) > 1:
        raise MultipleResultsFound("Multiple rows were found when exactly one was required")
    return rows[0][0]
