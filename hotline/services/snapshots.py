"""Detached snapshots of tickets and their events: what adapters hold instead of ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import object_session

from hotline.domain.catalogue import Catalogue
from hotline.domain.tickets import (
    STATUS_LABELS,
    Status,
)
from hotline.storage.models import (
    Ticket,
)


@dataclass(frozen=True)
class EventView:
    """One audit event as recorded: enough, in order, to rebuild the ticket's history."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any] = field(default_factory=dict)
    department: str | None = None
    round: int | None = None
    round_started_at: datetime | None = None
    due_at: datetime | None = None

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        """The event as `tickets show --json` prints it."""

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(tz).isoformat() if value else None

        return {
            "at": iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
            "department": self.department,
            "round": self.round,
            "round_started_at": iso(self.round_started_at),
            "due_at": iso(self.due_at),
            "data": self.data,
        }


@dataclass(frozen=True)
class TicketView:
    """A detached snapshot of a ticket for adapters; never an ORM object."""

    number: str
    status: str
    status_label: str
    department: str | None
    department_name: str
    category: str | None
    category_name: str
    request_type: str
    priority: str
    description: str
    address: str | None
    contact_phone: str | None
    channel: str
    citizen: str
    created_at: datetime
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    accept_due_at: datetime | None
    answer_due_at: datetime | None
    due_provisional: bool
    answer: str | None
    return_count: int
    reopen_count: int
    extension_count: int
    needs_human: bool
    events: tuple[EventView, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    merged_into: str | None = None
    # True when the report just made was linked to this already open ticket (重复件).
    linked: bool = False
    reporters: int = 0

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        """The stable JSON shape scripts rely on (`hotline tickets list --json`)."""

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(tz).isoformat() if value else None

        return {
            "number": self.number,
            "status": self.status,
            "department": self.department,
            "category": self.category,
            "priority": self.priority,
            "type": self.request_type,
            "created_at": iso(self.created_at),
            "dispatched_at": iso(self.dispatched_at),
            "accepted_at": iso(self.accepted_at),
            "resolved_at": iso(self.resolved_at),
            "closed_at": iso(self.closed_at),
            "accept_due_at": iso(self.accept_due_at),
            "answer_due_at": iso(self.answer_due_at),
            "due_provisional": self.due_provisional,
            "needs_human": self.needs_human,
            "merged_into": self.merged_into,
            "return_count": self.return_count,
            "reopen_count": self.reopen_count,
            "extension_count": self.extension_count,
        }


def citizen_key_of(ticket: Ticket) -> str:
    """The citizen as `channel:user id`, the key citizens are authorised by."""
    return f"{ticket.citizen.channel}:{ticket.citizen.channel_user_id}"


def ticket_view(
    catalogue: Catalogue,
    ticket: Ticket,
    *,
    with_events: bool = False,
    citizen_key: str | None = None,
) -> TicketView:
    """A detached snapshot of a ticket: adapters never hold ORM objects."""
    events: tuple[EventView, ...] = ()
    if with_events:
        events = tuple(
            EventView(
                e.at,
                e.actor,
                e.action,
                e.from_status,
                e.to_status,
                e.note,
                dict(e.data or {}),
                e.department_code,
                e.round,
                e.round_started_at,
                e.due_at,
            )
            for e in ticket.events
        )
    merged_into = None
    if ticket.merged_into_id is not None:
        session = object_session(ticket)
        target = session.get(Ticket, ticket.merged_into_id) if session else None
        merged_into = target.number if target is not None else None
    return TicketView(
        number=ticket.number,
        status=ticket.status,
        status_label=STATUS_LABELS[Status(ticket.status)],
        department=ticket.department_code,
        department_name=catalogue.department_name(ticket.department_code),
        category=ticket.category_code,
        category_name=catalogue.category_name(ticket.category_code),
        request_type=ticket.request_type,
        priority=ticket.priority,
        description=ticket.description,
        address=ticket.address,
        contact_phone=ticket.contact_phone,
        channel=ticket.channel,
        citizen=citizen_key or citizen_key_of(ticket),
        created_at=ticket.created_at,
        dispatched_at=ticket.dispatched_at,
        accepted_at=ticket.accepted_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        accept_due_at=ticket.accept_due_at,
        answer_due_at=ticket.answer_due_at,
        due_provisional=ticket.due_provisional,
        answer=ticket.answer,
        return_count=ticket.return_count,
        reopen_count=ticket.reopen_count,
        extension_count=ticket.extension_count,
        needs_human=ticket.needs_human,
        events=events,
        details=dict(ticket.details or {}),
        merged_into=merged_into,
        reporters=ticket.reporter_count or 0,
    )
