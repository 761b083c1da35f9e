"""Registering requests (受理) and what citizens add or change before the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from hotline.domain.catalogue import REQUEST_TYPES, RequestType
from hotline.domain.places import place_key
from hotline.domain.sla import Priority
from hotline.domain.texts import clean_text
from hotline.domain.tickets import (
    SYSTEM,
    Action,
    Actor,
    DomainError,
    Status,
    format_number,
)
from hotline.services import messages
from hotline.services.duplicates import IncomingReport
from hotline.services.linking import IntakeLinking
from hotline.services.snapshots import TicketView
from hotline.services.sweep import schedule
from hotline.storage.direct import returning_one
from hotline.storage.models import (
    Category,
    Citizen,
    DailySequence,
    Department,
    Ticket,
    TicketReporter,
)
from hotline.storage.rows import insert_new, upsert_insert
from hotline.storage.types import UTCDateTime


@dataclass(frozen=True)
class NewTicket:
    """What a channel knows when a citizen's request is complete enough to register."""

    channel: str
    channel_user_id: str
    description: str
    category: str | None = None
    department: str | None = None
    request_type: RequestType | None = None
    priority: Priority = "normal"
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_phone: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    confidence: float | None = None
    needs_human: bool = False
    idempotency_key: str | None = None


@cache
def _citizen_upsert(dialect: str) -> Any:
    """Find-or-create a citizen, keeping the last phone they gave; built once per dialect."""
    # Core, not the ORM's insert path: it runs for every ticket.
    citizens = cast(Table, Citizen.__table__)
    stmt = upsert_insert(dialect, citizens).values(
        channel=bindparam("channel"),
        channel_user_id=bindparam("user"),
        phone=bindparam("phone"),
        created_at=bindparam("now", type_=UTCDateTime()),
    )
    return stmt.on_conflict_do_update(
        index_elements=["channel", "channel_user_id"],
        set_={"phone": func.coalesce(stmt.excluded.phone, citizens.c.phone)},
    ).returning(citizens.c.id)


@cache
def _catalogue_upsert(dialect: str, model: type[Department] | type[Category]) -> Any:
    """Insert a catalogue row or bring the stored one up to date, race-free on either side."""
    table = cast(Table, model.__table__)
    stmt = upsert_insert(dialect, table)
    columns = [c.name for c in table.columns if c.name != "code"]
    return stmt.on_conflict_do_update(
        index_elements=["code"], set_={name: stmt.excluded[name] for name in columns}
    )


@cache
def _sequence_upsert(dialect: str) -> Any:
    """The numbering statement, built once per dialect (it runs for every new ticket)."""
    days = cast(Table, DailySequence.__table__)
    return (
        upsert_insert(dialect, days)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": days.c.last + 1})
        .returning(days.c.last)
    )


class Registration(IntakeLinking):
    """受理 and the request's own changes: open, add information, amend, withdraw, flag."""

    def sync_catalogue(self) -> None:
        """Mirror data/catalogue.yml into the departments and categories tables."""
        departments = [
            {"code": code, "name": d.name, "short_name": d.short, "active": True}
            for code, d in self.catalogue.departments.items()
        ]
        categories = [
            {
                "code": code,
                "name": c.name,
                "department_code": c.department,
                "default_type": c.type,
                "active": True,
            }
            for code, c in self.catalogue.categories.items()
        ]
        with self._unit() as session:
            # Upserts, not the ORM's read-then-insert: several action servers, bots and web
            # workers start on one PostgreSQL at once, and two inserting one department lost
            # a citizen's first turn to a unique violation (the replica test, 2026-12-05).
            connection = session.connection()
            for model, rows in ((Department, departments), (Category, categories)):
                if rows:
                    connection.execute(_catalogue_upsert(connection.dialect.name, model), rows)
            for stale in session.scalars(
                select(Category).where(Category.code.not_in(list(self.catalogue.categories)))
            ):
                stale.active = False
            for stale_dept in session.scalars(
                select(Department).where(Department.code.not_in(list(self.catalogue.departments)))
            ):
                stale_dept.active = False

    def _citizen_id(self, session: Session, channel: str, user_id: str, phone: str | None) -> int:
        """The citizen's id, created on first contact; one race-free upsert either way."""
        connection = session.connection()  # Core on the connection: no ORM execute to pay
        return int(
            returning_one(
                connection,
                _citizen_upsert(connection.dialect.name),
                {"channel": channel, "user": user_id, "phone": phone, "now": self.clock.now()},
            )
        )

    def _next_number(self, session: Session) -> str:
        """Allocate today's next number; the upsert's row lock makes it safe under concurrency."""
        today: date = self.clock.now().astimezone(self.tz).date()
        connection = session.connection()
        sequence = returning_one(
            connection, _sequence_upsert(connection.dialect.name), {"day": f"{today:%Y%m%d}"}
        )
        return format_number(today, sequence)

    def open_ticket(
        self, request: NewTicket, recorded_by: Actor | None = None, *, link: bool = True
    ) -> TicketView:
        """Register (受理) and route (派单) a request; a repeated idempotency key is harmless.

        `recorded_by` is the operator who typed it in for the citizen (the audit's actor);
        by default the citizen did it themselves. A report of an open problem is linked to
        its ticket either way (the link names the operator), unless `link` is False: the
        operator has judged it another problem."""
        description = clean_text(request.description, field_name="诉求内容") or ""
        address = clean_text(request.address, field_name="地址", required=False, limit=300)
        phone = clean_text(request.contact_phone, field_name="联系电话", required=False, limit=32)
        if request.category is not None and request.category not in self.catalogue.categories:
            raise DomainError(f"没有“{request.category[:40]}”这个类别。", code="unknown_category")
        if request.priority not in ("urgent", "normal"):
            raise DomainError("优先级只能是紧急或一般。", code="bad_priority")
        request_type = request.request_type or (
            self.catalogue.categories[request.category].type if request.category else "求助"
        )
        if request_type not in REQUEST_TYPES:
            raise DomainError(f"诉求类型“{request_type}”无效。", code="bad_type")
        department = request.department or self.catalogue.route(request.category, address)
        if department is not None and department not in self.catalogue.departments:
            raise DomainError(f"没有“{department[:40]}”这个部门。", code="unknown_department")
        with self._unit() as session:
            if request.idempotency_key:
                existing = session.scalar(
                    select(Ticket).where(Ticket.idempotency_key == request.idempotency_key)
                )
                if existing is not None:
                    return self._view(existing)
                linked = self._linked_by_key(session, request.idempotency_key)
                if linked is not None:
                    return linked
            citizen_id = self._citizen_id(session, request.channel, request.channel_user_id, phone)
            actor = Actor(role="citizen", id=f"{request.channel}:{request.channel_user_id}")
            if link:
                linked = self._link_report(
                    session,
                    IncomingReport(
                        citizen_id=citizen_id,
                        channel=request.channel,
                        description=description,
                        category=request.category,
                        department=department,
                        address=address,
                        latitude=request.latitude,
                        longitude=request.longitude,
                        contact_phone=phone,
                        idempotency_key=request.idempotency_key,
                    ),
                )
                if linked is not None:
                    if recorded_by is not None:
                        self._linked_by_operator(session, linked.number, citizen_id, recorded_by)
                    return linked
            ticket = self._register(
                session,
                citizen_id=citizen_id,
                channel=request.channel,
                description=description,
                category=request.category,
                department=department,
                request_type=request_type,
                priority=request.priority,
                address=address,
                latitude=request.latitude,
                longitude=request.longitude,
                phone=phone,
                details=dict(request.details),
                confidence=request.confidence,
                needs_human=request.needs_human or department is None,
                idempotency_key=request.idempotency_key,
                actor=recorded_by or actor,
            )
            return self._view(ticket, citizen_key=actor.id)

    def _linked_by_operator(
        self, session: Session, number: str, citizen_id: int, operator: Actor
    ) -> None:
        """Name the operator who typed the call in on the link just made (not the console)."""
        row = session.scalar(
            select(TicketReporter)
            .join(Ticket, Ticket.id == TicketReporter.ticket_id)
            .where(
                Ticket.number == number,
                TicketReporter.citizen_id == citizen_id,
                TicketReporter.linked_at == self.clock.now(),
                TicketReporter.unlinked_at.is_(None),
            )
        )
        if row is not None:
            row.linked_by = operator.audit_name

    def _register(
        self,
        session: Session,
        *,
        citizen_id: int,
        channel: str,
        description: str,
        category: str | None,
        department: str | None,
        request_type: str | None,
        priority: str,
        address: str | None,
        latitude: float | None,
        longitude: float | None,
        phone: str | None,
        details: dict[str, str],
        confidence: float | None,
        needs_human: bool,
        idempotency_key: str | None,
        actor: Actor,
    ) -> Ticket:
        """Write a new ticket, its open event, its routing and its limits, in the caller's
        transaction."""
        ticket = Ticket(
            number=self._next_number(session),
            citizen_id=citizen_id,
            channel=channel,
            request_type=request_type
            or (self.catalogue.categories[category].type if category else "求助"),
            category_code=category,
            priority=priority,
            status=Status.RECEIVED.value,
            description=description,
            address=address,
            place_key=place_key(address),
            latitude=latitude,
            longitude=longitude,
            contact_phone=phone,
            details=details,
            classifier_confidence=confidence,
            needs_human=needs_human,
            idempotency_key=idempotency_key,
            created_at=self.clock.now(),
            reporter_count=0,
        )
        self._event(
            session,
            ticket,
            actor,
            Action.OPEN,
            from_status=None,
            data={"category": category, "confidence": confidence},
        )
        if department is not None:
            self._dispatch(session, ticket, department, SYSTEM, note="自动派单")
        else:
            self._notify(
                session,
                ticket,
                "dispatcher",
                "ticket_unroutable",
                self.card(session, ticket, title=messages.UNROUTABLE_TITLE),
            )
        if ticket.priority == "urgent":
            self._notify(
                session,
                ticket,
                "supervisor",
                "urgent_ticket",
                self.card(session, ticket, title=messages.URGENT_TITLE),
            )
        schedule(ticket, self.sla, self.tz, self.clock.now())
        insert_new(session, ticket)  # events and outbox rows follow at commit, with its id
        return ticket

    def expected_answer_due(
        self, category: str | None, request_type: str | None, priority: Priority = "normal"
    ) -> datetime | None:
        """When the department would have to answer if the ticket were opened now (for the
        citizen's confirmation); None when a human must route it first."""
        if category is None or category not in self.catalogue.categories:
            return None
        kind = request_type if request_type in REQUEST_TYPES else None
        due = self.sla.answer_deadline(
            self.clock.now(),
            request_type=kind or self.catalogue.categories[category].type,
            priority=priority,
            category=category,
        )
        return due.at
