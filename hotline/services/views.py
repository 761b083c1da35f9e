"""Ticket queries: snapshots for adapters, filters, and the audited phone look."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select

from hotline.domain.tickets import (
    OPEN_FOR_ANSWER,
    PHONE_ROLES,
    Action,
    Actor,
    NotAllowed,
    not_found,
)
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import (
    Citizen,
    Ticket,
)
from hotline.storage.reporters import tickets_reported_by


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    department: str | None = None
    category: str | None = None
    priority: str | None = None
    request_type: str | None = None
    citizen: str | None = None  # "channel:user id"
    overdue_at: datetime | None = None  # open tickets whose answer deadline is before this
    limit: int = 100
    offset: int = 0


class TicketViews(TicketWork):
    """Read tickets; the one write is the audit of a revealed phone."""

    def get_ticket(
        self, number: str, actor: Actor | None = None, *, with_phone: bool = False
    ) -> TicketView:
        """A ticket with its history; citizens only ever see their own, staff their
        department's. The phone is in the view only with `with_phone` for someone allowed to
        see it (the department's staff, dispatchers), and that look is audited."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            if (
                actor is not None
                and actor.role == "citizen"
                and actor.id != self._citizen_key(ticket)
                and not self._is_reporter(actor, ticket)
            ):
                raise not_found(ticket.number)
            if (
                actor is not None
                and actor.role == "staff"
                and actor.department != ticket.department_code
                and actor.department not in self._assisting(ticket)  # 协办 departments read it
            ):
                raise NotAllowed("该工单不属于您所在的部门。", code="wrong_department")
            phone_ok = False
            if with_phone and actor is not None and actor.role != "citizen":
                self._authorize(actor, Action.REVEAL_PHONE, ticket)  # refuses, by role
                phone_ok = actor.role in PHONE_ROLES
                if phone_ok and ticket.contact_phone is not None:
                    self._event(
                        session, ticket, actor, Action.REVEAL_PHONE, from_status=ticket.status
                    )
            view = self._view(ticket, with_events=True)
            if actor is not None and actor.role != "citizen" and not phone_ok:
                view = replace(view, contact_phone=None)  # internal callers pass no actor
            return view

    def list_tickets(self, filters: TicketFilter | None = None) -> list[TicketView]:
        """Tickets matching the filters, newest first."""
        f = filters or TicketFilter()
        query = (
            select(Ticket).order_by(Ticket.id.desc()).limit(min(f.limit, 10000)).offset(f.offset)
        )
        for column, value in (
            (Ticket.status, f.status),
            (Ticket.department_code, f.department),
            (Ticket.category_code, f.category),
            (Ticket.priority, f.priority),
            (Ticket.request_type, f.request_type),
        ):
            if value is not None:
                query = query.where(column == value)
        if f.overdue_at is not None:
            query = (
                query.where(Ticket.status.in_(OPEN_FOR_ANSWER), Ticket.answer_due_at < f.overdue_at)
                .order_by(None)
                .order_by(Ticket.answer_due_at)
            )
        if f.citizen is not None:
            channel, _, user = f.citizen.partition(":")
            own = select(Citizen.id).where(
                Citizen.channel == channel, Citizen.channel_user_id == user
            )
            query = query.where(  # their own tickets and those they were linked to as reporters
                or_(
                    Ticket.citizen_id.in_(own),
                    Ticket.id.in_(tickets_reported_by(channel, user)),
                )
            )
        with self._unit() as session:
            return [self._view(t) for t in session.scalars(query)]

    def count_tickets(self) -> int:
        with self._unit() as session:
            return session.scalar(select(func.count(Ticket.id))) or 0
