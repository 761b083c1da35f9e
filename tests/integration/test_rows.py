"""insert_new writes what the ORM's flush would, and opening a ticket stays a few statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, inspect, select

from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from hotline.storage.models import Citizen, Ticket
from hotline.storage.rows import insert_new


def _ticket(citizen_id: int, number: str, now: datetime) -> Ticket:
    """A ticket with only some columns set: the rest come from the columns' defaults."""
    return Ticket(
        number=number,
        citizen_id=citizen_id,
        channel="telegram",
        request_type="求助",
        category_code="compound_facility",
        status="received",
        description="小区里的路面塌了一个坑",
        created_at=now,
    )


def _row(service: Services, number: str) -> dict[str, Any]:
    table = Ticket.__table__
    with service.sessions() as session:
        row = session.execute(select(table).where(table.c.number == number)).one()
    return {k: v for k, v in row._mapping.items() if k not in ("id", "number")}


def _columns(ticket: Ticket) -> dict[str, Any]:
    """The ticket's column attributes as the code sees them, but its id and number."""
    keys = [a.key for a in inspect(Ticket).column_attrs if a.key not in ("id", "number")]
    return {key: getattr(ticket, key) for key in keys}


def test_insert_new_writes_the_row_the_flush_writes(service: Services, clock: ManualClock) -> None:
    with service.sessions.begin() as session:
        citizen = Citizen(channel="telegram", channel_user_id="1", created_at=clock.now())
        session.add(citizen)
        session.flush()
        flushed = _ticket(citizen.id, "20261123-0001", clock.now())
        session.add(flushed)
        session.flush()
        inserted = _ticket(citizen.id, "20261123-0002", clock.now())
        insert_new(session, inserted)
        state = inspect(inserted)
        assert state.persistent and inserted.id is not None and inserted.id != flushed.id
        assert not state.expired_attributes and not session.dirty  # loaded, clean
        assert state.unloaded == {"citizen", "events"}  # every column is in memory
        assert _columns(inserted) == _columns(flushed)
    assert _row(service, "20261123-0002") == _row(service, "20261123-0001")


def test_a_ticket_written_by_insert_new_takes_later_changes_with_its_version(
    service: Services, clock: ManualClock
) -> None:
    with service.sessions.begin() as session:
        citizen = Citizen(channel="telegram", channel_user_id="1", created_at=clock.now())
        session.add(citizen)
        session.flush()
        ticket = _ticket(citizen.id, "20261123-0001", clock.now())
        insert_new(session, ticket)
        assert ticket.version == 1
        ticket.status = "dispatched"
    assert _row(service, "20261123-0001")["status"] == "dispatched"
    assert _row(service, "20261123-0001")["version"] == 2


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_opening_a_ticket_writes_its_rows_and_reads_nothing_back(
    service: Services, engine: Engine
) -> None:
    request = NewTicket(
        channel="telegram",
        channel_user_id="1001",
        description="小区里的路面塌了一个坑",
        category="compound_facility",
        address="幸福家园3号楼",
    )
    with _statements(engine) as seen:
        view = service.tickets.open_ticket(request)
    assert view.department and view.answer_due_at is not None
    writes = [s for s in seen if not s.startswith(("BEGIN", "SELECT pg_", "select pg_"))]
    assert writes == [
        "INSERT INTO citizens",
        "INSERT INTO daily_sequences",
        "INSERT INTO tickets",
        "INSERT INTO outbox",
        "INSERT INTO ticket_events",
    ]
