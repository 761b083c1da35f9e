"""Citizens linked as reporters of a ticket, and the per-place lock: one ticket per problem."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hotline.storage.models import Citizen, ProblemLock, Ticket, TicketReporter
from hotline.storage.rows import upsert_insert
from hotline.storage.types import UTCDateTime


@cache
def _lock_upsert(dialect: str) -> Any:
    """Touch the problem's lock row; the upsert's row lock is held until commit."""
    stmt = upsert_insert(dialect, ProblemLock).values(
        key=bindparam("key"), touched_at=bindparam("now", type_=UTCDateTime())
    )
    return stmt.on_conflict_do_update(
        index_elements=["key"], set_={"touched_at": stmt.excluded.touched_at}
    )


def take_problem_lock(session: Session, key: str, now: datetime) -> None:
    """Serialise reports of one (routing target, place) until this transaction ends.

    PostgreSQL: the upserted row stays locked, so a concurrent report of the same problem waits
    here and, under READ COMMITTED, then sees the ticket the first one opened. SQLite: every
    write transaction already runs alone (BEGIN IMMEDIATE); the row is harmless there."""
    session.execute(_lock_upsert(session.get_bind().dialect.name), {"key": key, "now": now})


def active_reporters(session: Session, ticket_ids: Iterable[int]) -> dict[int, list[int]]:
    """The citizen ids linked (and not split off) to each ticket, in linking order."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    for ticket_id, citizen_id in session.execute(
        select(TicketReporter.ticket_id, TicketReporter.citizen_id)
        .where(TicketReporter.ticket_id.in_(ids), TicketReporter.unlinked_at.is_(None))
        .order_by(TicketReporter.id)
    ):
        if citizen_id not in found.setdefault(ticket_id, []):
            found[ticket_id].append(citizen_id)
    return found


def reporter_row(session: Session, ticket_id: int, citizen_key: str) -> TicketReporter | None:
    """The active reporter link of a citizen ("channel:user") to a ticket, if any."""
    channel, _, user = citizen_key.partition(":")
    return session.scalar(
        select(TicketReporter)
        .join(Citizen, Citizen.id == TicketReporter.citizen_id)
        .where(
            TicketReporter.ticket_id == ticket_id,
            TicketReporter.unlinked_at.is_(None),
            Citizen.channel == channel,
            Citizen.channel_user_id == user,
        )
        .limit(1)
    )


def tickets_reported_by(channel: str, user: str) -> Any:
    """A subquery of the ticket ids a citizen is an active reporter of."""
    return (
        select(TicketReporter.ticket_id)
        .join(Citizen, Citizen.id == TicketReporter.citizen_id)
        .where(
            TicketReporter.unlinked_at.is_(None),
            Citizen.channel == channel,
            Citizen.channel_user_id == user,
        )
    )


def anonymise_reporters(
    session: Session, text: str, *, ticket_id: int | None = None, citizen_id: int | None = None
) -> int:
    """Strip reporters' personal fields (their words, place, phone) of one ticket or of one
    citizen's links; the link itself stays, so counts and reports come out the same."""
    query = update(TicketReporter)
    if ticket_id is not None:
        query = query.where(TicketReporter.ticket_id == ticket_id)
    if citizen_id is not None:
        query = query.where(TicketReporter.citizen_id == citizen_id)
    result = session.execute(
        query.values(
            description=text, address=None, latitude=None, longitude=None, contact_phone=None
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def move_reporters(session: Session, source: Ticket, target: Ticket) -> int:
    """A merged ticket's linked callers follow the case to the ticket that carries it."""
    result = session.execute(
        update(TicketReporter)
        .where(TicketReporter.ticket_id == source.id, TicketReporter.unlinked_at.is_(None))
        .values(ticket_id=target.id)
    )
    moved = int(result.rowcount or 0)  # type: ignore[attr-defined]
    target.reporter_count = (target.reporter_count or 0) + moved
    source.reporter_count = 0
    return moved
