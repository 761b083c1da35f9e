"""The direct statements send what Connection.execute sends, and fail as it fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, event, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from hotline.services.registration import _citizen_upsert, _sequence_upsert
from hotline.storage import direct
from hotline.storage.direct import insert_many, insert_one, returning_one
from hotline.storage.models import Citizen, OutboxMessage, Ticket

NOW = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)
CITIZENS = cast(Table, Citizen.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
OUTBOX_INSERT = insert(OUTBOX)
CITIZEN_INSERT = insert(CITIZENS)


def _message(i: int) -> dict[str, Any]:
    return {
        "created_at": NOW,
        "audience": "department",
        "address": "housing",
        "ticket_id": None,
        "kind": "ticket_dispatched",
        "text": f"第{i}条",
        "payload": {"number": f"20261123-{i:04d}", "详情": [1, None]},
        "dedupe_key": None,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": NOW,
    }


@contextmanager
def _sent(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """What SQLAlchemy's own path hands the driver (listening also takes that path)."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        if not statement.startswith(("BEGIN", "SELECT pg_", "select pg_")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _run(engine: Engine) -> list[Any]:
    """The same statements through the module's three entry points, and what came back."""
    with engine.begin() as connection:
        out: list[Any] = []
        upsert = _citizen_upsert(connection.dialect.name)
        for phone in ("13800000000", None):
            params = {"channel": "telegram", "user": "42", "phone": phone, "now": NOW}
            out.append(returning_one(connection, upsert, params))
        day = _sequence_upsert(connection.dialect.name)
        out += [returning_one(connection, day, {"day": "20261123"}) for _ in range(3)]
        row = {"channel": "rest", "channel_user_id": "7", "phone": None, "created_at": NOW}
        out.append(insert_one(connection, CITIZEN_INSERT, row))
        insert_many(connection, OUTBOX_INSERT, [_message(1), _message(2)])
        out.append(connection.execute(select(CITIZENS).order_by(CITIZENS.c.id)).all())
        out.append(connection.execute(select(OUTBOX).order_by(OUTBOX.c.id)).all())
        return out


def _reset(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in ("outbox", "daily_sequences", "citizens"):
            connection.exec_driver_sql(f"DELETE FROM {table}")


def test_direct_and_sqlalchemy_paths_write_and_return_the_same(engine: Engine) -> None:
    direct = _run(engine)
    assert direct[:5] == [1, 1, 1, 2, 3] and isinstance(direct[5], int)
    assert direct[6][0].phone == "13800000000"  # coalesce kept the phone given first
    _reset(engine)
    with _sent(engine) as seen:
        through_sqlalchemy = _run(engine)
    assert [s.split()[:3] for s, _ in seen][:2] == [["INSERT", "INTO", "citizens"]] * 2

    def ids(rows: list[Any]) -> list[Any]:
        return [r[1:] for r in rows]

    assert direct[2:5] == through_sqlalchemy[2:5]  # ids go on after DELETE on PostgreSQL
    assert through_sqlalchemy[0] == through_sqlalchemy[1]
    assert ids(direct[6]) == ids(through_sqlalchemy[6])
    assert ids(direct[7]) == ids(through_sqlalchemy[7])


def test_the_driver_receives_what_sqlalchemy_would_send(sqlite_engine: Engine) -> None:
    day = _sequence_upsert("sqlite")
    with _sent(sqlite_engine) as seen, sqlite_engine.begin() as connection:
        connection.execute(OUTBOX_INSERT, [_message(1), _message(2)])
        connection.execute(day, {"day": "20261123"}).scalar_one()
    with sqlite_engine.begin() as connection:
        many = direct._plan(connection, OUTBOX_INSERT, frozenset(_message(1)), True)
        one = direct._plan(connection, day, frozenset({"day"}), False)
    assert many is not None and one is not None
    assert [many.sql, one.sql] == [statement for statement, _ in seen]
    assert [many.values(_message(1)), many.values(_message(2))] == list(seen[0][1])
    assert one.values({"day": "20261123"}) == tuple(seen[1][1])


def test_a_constraint_violation_raises_what_sqlalchemy_raises(engine: Engine) -> None:
    row = {"channel": "rest", "channel_user_id": "7", "phone": None, "created_at": NOW}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_one(connection, CITIZEN_INSERT, row)
        insert_one(connection, CITIZEN_INSERT, row)  # uq_citizens_channel_user
    messages = [_message(1), {**_message(2), "dedupe_key": "k"}, {**_message(3), "dedupe_key": "k"}]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_many(connection, OUTBOX_INSERT, messages)
    with engine.connect() as connection:
        assert connection.execute(select(CITIZENS.c.id)).all() == []  # rolled back


def test_begin_immediate_on_a_locked_database_raises_sqlalchemys_error(
    sqlite_engine: Engine,
) -> None:
    holder = sqlite_engine.connect()
    holder.exec_driver_sql("SELECT 1")  # begins: BEGIN IMMEDIATE holds the write lock
    try:
        waiter = sqlite_engine.connect()
        driver = waiter.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA busy_timeout=20")
        with pytest.raises(OperationalError, match="locked"):
            waiter.exec_driver_sql("SELECT 1")
        waiter.close()
    finally:
        holder.close()


def test_outside_a_transaction_sqlalchemy_begins_one(sqlite_engine: Engine) -> None:
    row = {"channel": "rest", "channel_user_id": "9", "phone": None, "created_at": NOW}
    with sqlite_engine.connect() as connection:
        assert not connection.in_transaction()
        insert_one(connection, CITIZEN_INSERT, row)
        assert connection.in_transaction()  # autobegun, as Connection.execute does
        connection.rollback()
        assert connection.execute(select(CITIZENS.c.id)).all() == []


def test_a_key_given_by_the_caller_is_returned_as_given(engine: Engine) -> None:
    row = {"id": 41, "channel": "rest", "channel_user_id": "5", "phone": None, "created_at": NOW}
    with engine.begin() as connection:
        assert insert_one(connection, CITIZEN_INSERT, row) == 41
        later = {**row, "id": 7, "channel_user_id": "6"}
        assert insert_one(connection, CITIZEN_INSERT, later) == 7  # SQLite's last row id too


def test_tickets_take_the_direct_path() -> None:
    tickets = cast(Table, Ticket.__table__)
    assert tickets.autoincrement_column is tickets.c.id  # so insert_new's INSERT goes direct
