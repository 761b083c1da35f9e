"""The outbox: messages written with the state change they report, delivered later exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.orm import Session

from hotline.domain.privacy import redact
from hotline.storage.journal import record_message, write_pending
from hotline.storage.models import Citizen, OutboxMessage, Ticket
from hotline.storage.reporters import active_reporters
from hotline.storage.rows import upsert_insert

Audience = Literal["citizen", "department", "dispatcher", "supervisor", "admin"]

MAX_ATTEMPTS = 12
# Channels that cannot push (the chat endpoint): their citizens' messages wait for the next
# turn of the conversation, and expire (status 'expired') when nobody comes back for them.
PULL_CHANNELS = ("rest",)
PULL_EXPIRY_DAYS = 14


def address_for(audience: Audience, ticket: Ticket) -> str:
    """The outbox address of a ticket's citizen, its department, or a whole staff role."""
    if audience == "citizen":
        return str(ticket.citizen_id)
    if audience == "department":
        return ticket.department_code or ""
    return "*"


@dataclass(frozen=True)
class OutboxEntry:
    """One message to write: who gets it, what it says, and what it is about.

    With a `dedupe_key`, the key names the message once and for all: a second entry with
    the same key is never written (see `enqueue`, `enqueue_unique`).
    """

    audience: Audience
    address: str
    kind: str
    text: str
    ticket: Ticket | None = None
    payload: dict[str, Any] | None = None
    dedupe_key: str | None = None


def _row(entry: OutboxEntry, now: datetime) -> dict[str, Any]:
    """The outbox row of an entry, the same for every writer (ticket_id is added where the
    row is inserted, once the ticket has its id).

    Text for anyone but the citizen has phone and ID numbers masked (revealed on request).
    """
    return {
        "created_at": now,
        "audience": entry.audience,
        "address": entry.address,
        "kind": entry.kind,
        "text": entry.text if entry.audience == "citizen" else redact(entry.text),
        "payload": entry.payload or {},
        "dedupe_key": entry.dedupe_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }


def enqueue(session: Session, entry: OutboxEntry, *, now: datetime) -> bool:
    """Add a message to the caller's transaction; False when its dedupe_key was already used.

    Plain messages are written at commit, batched with the change they report.
    Messages with a dedupe key are inserted at once with ON CONFLICT DO NOTHING, so two
    writers adding the same reminder at the same moment still produce exactly one row.
    """
    if entry.dedupe_key is None:
        for each in with_reporters(session, [entry]):
            record_message(session, each.ticket, _row(each, now))
        return True
    return entry.dedupe_key in enqueue_unique(session, [entry], now=now)


def with_reporters(session: Session, entries: Sequence[OutboxEntry]) -> list[OutboxEntry]:
    """The entries plus, for every message to a ticket's own citizen, a copy for each citizen
    linked as a reporter of that problem (progress, answer and survey reach them all); a copy's
    dedupe key is the original's with the reporter's id, so it too is written once."""
    linked = [
        e
        for e in entries
        if e.audience == "citizen"
        and e.ticket is not None
        and (e.ticket.reporter_count or 0) > 0
        and e.ticket.id is not None
        and e.address == str(e.ticket.citizen_id)
    ]
    if not linked:
        return list(entries)
    reporters = active_reporters(session, {e.ticket.id for e in linked if e.ticket is not None})
    marked = {id(e) for e in linked}
    out: list[OutboxEntry] = []
    for entry in entries:
        out.append(entry)
        if id(entry) not in marked or entry.ticket is None:
            continue
        for citizen_id in reporters.get(entry.ticket.id, []):
            if citizen_id == entry.ticket.citizen_id:
                continue
            out.append(
                replace(
                    entry,
                    address=str(citizen_id),
                    dedupe_key=f"{entry.dedupe_key}:r{citizen_id}" if entry.dedupe_key else None,
                )
            )
    return out


def enqueue_unique(
    session: Session, entries: Sequence[OutboxEntry], *, now: datetime, chunk: int = 200
) -> set[str]:
    """Insert many messages with dedupe keys at once; returns the keys that were new.

    One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING per chunk: a reminder already
    written by an earlier or concurrent sweep is skipped by the database itself.
    """
    if not entries:
        return set()
    if any(entry.dedupe_key is None for entry in entries):
        raise ValueError("enqueue_unique needs a dedupe_key on every entry")
    write_pending(session)  # keep id order = creation order; new tickets get their ids
    entries = with_reporters(session, entries)
    rows = [
        {**_row(entry, now), "ticket_id": entry.ticket.id if entry.ticket is not None else None}
        for entry in entries
    ]
    dialect = session.get_bind().dialect.name
    added: set[str] = set()
    for start in range(0, len(rows), chunk):
        stmt = (
            upsert_insert(dialect, OutboxMessage)
            .values(rows[start : start + chunk])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.dedupe_key)
        )
        added.update(key for key in session.scalars(stmt) if key is not None)
    return added


@dataclass(frozen=True)
class PendingMessage:
    """A detached copy of an outbox row, safe to hand to a delivery adapter."""

    id: int
    audience: Audience
    address: str
    kind: str
    text: str
    payload: dict[str, Any]
    ticket_id: int | None
    attempts: int


def due_messages(
    session: Session, now: datetime, limit: int = 100, *, channel: str | None = None
) -> list[PendingMessage]:
    """Pending messages whose time has come, oldest first (per-chat order follows id order).

    With `channel`, citizen messages are limited to that channel's citizens, so a channel
    never trips over messages only another channel can carry.
    """
    query = select(OutboxMessage).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
    )
    if channel is not None:
        own_citizens = select(cast(Citizen.id, String)).where(Citizen.channel == channel)
        query = query.where(
            or_(OutboxMessage.audience != "citizen", OutboxMessage.address.in_(own_citizens))
        )
    rows = session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    return [
        PendingMessage(
            id=r.id,
            audience=r.audience,  # type: ignore[arg-type]
            address=r.address,
            kind=r.kind,
            text=r.text,
            payload=dict(r.payload),
            ticket_id=r.ticket_id,
            attempts=r.attempts,
        )
        for r in rows
    ]


def claim(session: Session, message_ids: list[int], now: datetime, lease: timedelta) -> list[int]:
    """Take due messages for one delivery process until `now + lease` (issue 20: several bot
    processes share the outbox). A row another process claimed first no longer matches: on
    PostgreSQL the second UPDATE waits for the first to commit and then finds the row leased,
    on SQLite writers queue. Returns the ids this process may send."""
    mine: list[int] = []
    for message_id in message_ids:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            mine.append(message_id)
    return mine


def renew(
    session: Session, message_id: int, held_until: datetime, now: datetime, lease: timedelta
) -> datetime | None:
    """Extend this process's claim just before sending: the new lease end, or None when the
    claim ran out and another process took the message (its lease end differs)."""
    until = now + lease
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at == held_until,
        )
        .values(next_attempt_at=until)
    )
    return until if result.rowcount else None  # type: ignore[attr-defined]


def release(session: Session, message_id: int, now: datetime) -> None:
    """Give a claimed message back untried (its chat waits, or the channel paused)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(next_attempt_at=now)
    )


def mark_sent(session: Session, message_id: int, now: datetime) -> bool:
    """Record delivery; False when the row was already sent (a second sender lost the race)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(
    session: Session,
    message_id: int,
    now: datetime,
    error: str,
    retry_after: timedelta,
    *,
    count_attempt: bool = True,
) -> None:
    """Schedule another attempt, or give up (status 'dead') after MAX_ATTEMPTS.

    Waiting for someone to bind a chat is not a failed attempt (`count_attempt=False`).
    """
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status != "pending":
        return
    if count_attempt:
        row.attempts += 1
    row.last_error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "dead"
    else:
        row.next_attempt_at = now + retry_after
