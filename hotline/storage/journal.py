"""Buffered writes of the audit trail and the outbox, sent with the transaction's commit.

Every state change adds events and messages; writing them one ORM object at a time costs a
statement (and an id round-trip) each. They are collected on the session instead and written
with one executemany per table just before commit, in the order they were recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session

from hotline.storage.direct import insert_many
from hotline.storage.models import OutboxMessage, Ticket, TicketEvent

_EVENTS = "hotline.pending_events"
_OUTBOX = "hotline.pending_outbox"
# Built once: a statement made per commit would have its cache key worked out again each time.
_INSERT_EVENTS: Insert = insert(cast(Table, TicketEvent.__table__))
_INSERT_MESSAGES: Insert = insert(cast(Table, OutboxMessage.__table__))


def record_event(
    session: Session,
    ticket: Ticket,
    *,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    department_code: str | None = None,
    round: int | None = None,
    round_started_at: datetime | None = None,
    due_at: datetime | None = None,
) -> None:
    """Queue an audit event for this transaction; the department, round and round start
    default to the ticket's at this moment, so every writer's events carry them."""
    session.info.setdefault(_EVENTS, []).append(
        (
            ticket,
            {
                "at": at,
                "actor": actor,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
                "data": data or {},
                "department_code": department_code or ticket.department_code,
                "round": round if round is not None else (ticket.reopen_count or 0),
                "round_started_at": round_started_at or ticket.dispatched_at,
                "due_at": due_at,
            },
        )
    )


def record_message(session: Session, ticket: Ticket | None, row: dict[str, Any]) -> None:
    """Queue an outbox row for this transaction."""
    session.info.setdefault(_OUTBOX, []).append((ticket, row))


def write_pending(session: Session) -> None:
    """Write queued events and messages now (before commit, or before an ordered insert)."""
    events = session.info.pop(_EVENTS, None)
    messages = session.info.pop(_OUTBOX, None)
    if not events and not messages:
        return
    session.flush()  # new tickets get their ids
    # Core inserts on the session's connection: the ORM's bulk path, and even its execute,
    # cost more than the rows themselves (bench/tickets_create.py).
    connection = session.connection()
    if messages:
        insert_many(
            connection,
            _INSERT_MESSAGES,
            [{**row, "ticket_id": t.id if t is not None else None} for t, row in messages],
        )
    if events:
        insert_many(connection, _INSERT_EVENTS, [{**row, "ticket_id": t.id} for t, row in events])


def discard_pending(session: Session) -> None:
    """Forget queued writes when the transaction rolls back."""
    session.info.pop(_EVENTS, None)
    session.info.pop(_OUTBOX, None)
