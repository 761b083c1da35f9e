"""What every ticket use case shares: transaction, loading, state machine, audit, outbox."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, sessionmaker

from hotline.domain.catalogue import Catalogue, RequestType
from hotline.domain.clock import Clock
from hotline.domain.duplicates import OFF, REPORTER_ACTIONS, DuplicateRules
from hotline.domain.review import ReviewRules
from hotline.domain.sla import Deadline, Priority, SlaPolicy
from hotline.domain.tickets import (
    ROLE_LABELS,
    SYSTEM,
    Action,
    Actor,
    DomainError,
    NotAllowed,
    Status,
    TicketNotFound,
    authorize,
    next_status,
    not_found,
)
from hotline.services import messages
from hotline.services.snapshots import TicketView, citizen_key_of, ticket_view
from hotline.services.sweep import schedule
from hotline.storage.db import transaction
from hotline.storage.journal import record_event
from hotline.storage.models import (
    Ticket,
    TicketAssist,
    TicketEvent,
)
from hotline.storage.outbox import (
    Audience,
    OutboxEntry,
    address_for,
    enqueue,
)
from hotline.storage.reporters import reporter_row

_NUMBER = re.compile(r"^\d{8}-\d{4,}$")
# Actions an assisting (协办) department's staff may take, so authorization asks who assists.
_ASSIST_AWARE = frozenset({Action.ASSIST_OPINION, Action.NOTE})


def _priority(ticket: Ticket) -> Priority:
    """The ticket's priority as the SLA policy's literal type (the column holds only these)."""
    return "urgent" if ticket.priority == "urgent" else "normal"


class TicketWork:
    """One unit of ticket work: load under lock, move through the state machine, audit, notify."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        catalogue: Catalogue,
        sla: SlaPolicy,
        clock: Clock,
        tz: ZoneInfo,
        review: ReviewRules | None = None,
        *,
        duplicates: DuplicateRules = OFF,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.sla = sla
        self.clock = clock
        self.tz = tz
        self.review = review or ReviewRules()  # data/review.yml; nothing reviewed by default
        self.duplicates = duplicates

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def _load(self, session: Session, number: str, *, lock: bool = True) -> Ticket:
        number = (number or "").strip()
        if not _NUMBER.match(number):
            raise TicketNotFound(
                f"工单编号“{number[:30]}”格式不对，应类似 20261123-0042。", code="bad_number"
            )
        query = select(Ticket).where(Ticket.number == number)
        if lock:
            query = query.with_for_update(of=Ticket)
        ticket = session.scalar(query)
        if ticket is None:
            raise not_found(number)
        return ticket

    @staticmethod
    def _citizen_key(ticket: Ticket) -> str:
        return citizen_key_of(ticket)

    def _authorize(self, actor: Actor, action: Action, ticket: Ticket) -> None:
        if actor.role == "system":
            return  # also spares loading the citizen of a ticket being opened
        if self._is_reporter(actor, ticket):
            if action not in REPORTER_ACTIONS:
                raise NotAllowed(
                    f"工单 {ticket.number} 由多位市民反映，您可以催办、补充情况和评价答复；"
                    "如需其他操作请联系派单员。",
                    code="reporter_not_allowed",
                )
            return
        authorize(
            actor,
            action,
            department=ticket.department_code,
            citizen_key=self._citizen_key(ticket),
            number=ticket.number,
            assisting=self._assisting(ticket) if action in _ASSIST_AWARE else frozenset(),
        )

    @staticmethod
    def _assisting(ticket: Ticket) -> frozenset[str]:
        """The ticket's 协办 departments (only the authorizations that concern them ask)."""
        session = object_session(ticket)
        if session is None or ticket.id is None:
            return frozenset()
        return frozenset(
            session.scalars(
                select(TicketAssist.department_code).where(TicketAssist.ticket_id == ticket.id)
            )
        )

    def _is_reporter(self, actor: Actor, ticket: Ticket) -> bool:
        """A citizen linked to this ticket as a reporter of the same problem (not its own)."""
        if actor.role != "citizen" or not ticket.reporter_count or ticket.id is None:
            return False
        if actor.id == self._citizen_key(ticket):
            return False
        session = object_session(ticket)
        return session is not None and reporter_row(session, ticket.id, actor.id) is not None

    def _event(
        self,
        session: Session,
        ticket: Ticket,
        actor: Actor,
        action: Action | str,
        *,
        from_status: str | None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Audit one change with the facts a replay or a report needs: the department the
        event concerns (the ticket's, i.e. a dispatch's target or the acting department),
        the round and its start, and for accept / resolve the limit in force."""
        record_event(
            session,
            ticket,
            at=self.clock.now(),
            actor=actor.audit_name,
            action=str(action),
            from_status=from_status,
            to_status=ticket.status,
            note=note,
            data=data,
            department_code=ticket.department_code,
            round=ticket.reopen_count or 0,
            round_started_at=ticket.dispatched_at,
            due_at=due_at,
        )

    def _move(
        self,
        session: Session,
        ticket: Ticket,
        actor: Actor,
        action: Action,
        *,
        note: str | None = None,
        data: dict[str, Any] | None = None,
        to: Status | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Check authorization and the state machine, change status, and audit it."""
        self._authorize(actor, action, ticket)
        current = Status(ticket.status)
        target = next_status(action, current) if to is None else to
        if to is not None:
            next_status(action, current)  # still validates the starting state
        ticket.status = target.value
        self._event(
            session,
            ticket,
            actor,
            action,
            from_status=current.value,
            note=note,
            data=data,
            due_at=due_at,
        )

    def _notify(
        self,
        session: Session,
        ticket: Ticket,
        audience: Audience,
        kind: str,
        text: str,
        *,
        address: str | None = None,
        dedupe_key: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        enqueue(
            session,
            OutboxEntry(
                audience=audience,
                address=address if address is not None else address_for(audience, ticket),
                kind=kind,
                text=text,
                ticket=ticket,
                payload={"number": ticket.number, **(payload or {})},
                dedupe_key=dedupe_key,
            ),
            now=self.clock.now(),
        )

    def _set_deadlines(
        self,
        session: Session,
        ticket: Ticket,
        *,
        accept: Deadline | None,
        answer: Deadline | None,
        reason: str,
        actor: Actor = SYSTEM,
    ) -> None:
        """Every deadline change goes through here, so each one is an audited event with the
        old and the new limit (`old_accept_due_at` → `accept_due_at`, same for answer)."""
        data: dict[str, Any] = {"reason": reason}

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(self.tz).isoformat() if value is not None else None

        if accept is not None:
            data["old_accept_due_at"] = iso(ticket.accept_due_at)
            ticket.accept_due_at, ticket.accept_warn_at = accept.at, accept.warn_at
            data["accept_due_at"] = iso(accept.at)
        if answer is not None:
            data["old_answer_due_at"] = iso(ticket.answer_due_at)
            ticket.answer_due_at, ticket.answer_warn_at = answer.at, answer.warn_at
            data["answer_due_at"] = iso(answer.at)
        provisional = bool((accept and accept.provisional) or (answer and answer.provisional))
        ticket.due_provisional = provisional
        data["provisional"] = provisional
        self._event(session, ticket, actor, "set_deadline", from_status=ticket.status, data=data)

    def _iso(self, value: datetime | None) -> str | None:
        return value.astimezone(self.tz).isoformat() if value is not None else None

    def _working_seconds_since(self, start: datetime | None) -> int | None:
        """Office-hours time from `start` to now, the unit of the reports' time-to-x figures."""
        if start is None:
            return None
        spent = self.sla.calendar.working_time_between(start, self.clock.now())
        return int(spent.total_seconds())

    def _round_deadlines(self, ticket: Ticket, start: datetime) -> tuple[Deadline, Deadline]:
        """Acceptance and answer limits of a round starting at `start`; 签收 never after 办结."""
        return self.sla.deadlines(
            start,
            request_type=cast(RequestType, ticket.request_type),
            priority=_priority(ticket),
            category=ticket.category_code,
        )

    def _current_answer_deadline(self, ticket: Ticket) -> Deadline:
        if ticket.answer_due_at is None or ticket.answer_warn_at is None:
            raise DomainError("该工单尚未派单，没有办理时限。", code="no_deadline")
        return Deadline(
            at=ticket.answer_due_at.astimezone(self.tz),
            warn_at=ticket.answer_warn_at.astimezone(self.tz),
            provisional=ticket.due_provisional,
            calendar_time=self.sla.is_calendar_time(ticket.category_code, _priority(ticket)),
        )

    def _return_history(self, session: Session, ticket: Ticket) -> list[tuple[str, str]]:
        """(department name, reason) of every return of this ticket, oldest first."""
        rows = session.execute(
            select(TicketEvent.department_code, TicketEvent.note, TicketEvent.data)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == Action.RETURN.value)
            .order_by(TicketEvent.id)
        ).all()
        history = [
            (
                self.catalogue.department_name(dept or (data or {}).get("department")),
                note or "",
            )
            for dept, note, data in rows
        ]
        for queued, row in session.info.get("hotline.pending_events", []):
            if queued is ticket and row["action"] == Action.RETURN.value:
                history.append(
                    (self.catalogue.department_name(row["department_code"]), row["note"] or "")
                )
        return history

    def _last_return(self, session: Session, ticket: Ticket) -> tuple[str | None, str]:
        """Who returned this ticket last and why (only meaningful while it sits returned)."""
        row = session.execute(
            select(TicketEvent.department_code, TicketEvent.note, TicketEvent.data)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == Action.RETURN.value)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None, ""
        dept, note, data = row
        return dept or (data or {}).get("department"), note or ""

    def card(self, session: Session, ticket: Ticket, *, title: str, note: str | None = None) -> str:
        """The department's card: the ticket, its extra fields, the dispatcher's note and
        every earlier return with its reason."""
        return messages.ticket_card(
            ticket,
            self.catalogue,
            self.tz,
            title=title,
            note=note,
            returns=self._return_history(session, ticket) if ticket.return_count else (),
        )

    def _dispatch(
        self,
        session: Session,
        ticket: Ticket,
        department: str,
        actor: Actor,
        note: str | None,
        *,
        force: bool = False,
    ) -> None:
        if department not in self.catalogue.departments:
            raise DomainError(
                f"没有“{department[:40]}”这个部门代码；可选的部门代码见 data/catalogue.yml"
                "（如 housing、urban_management）。",
                code="unknown_department",
            )
        previous = ticket.department_code
        if ticket.status == Status.RETURNED.value and previous == department:
            _, why = self._last_return(session, ticket)
            if not force:
                raise DomainError(
                    f"工单 {ticket.number} 刚被{self.catalogue.department_name(department)}退回"
                    f"（理由：{why}），不能原样派回。如经核实确属该部门，请写明依据后确认派回。",
                    code="dispatch_back_to_returner",
                )
            if not note:
                raise DomainError(
                    "派回刚退单的部门时必须写明依据。", code="dispatch_back_needs_note"
                )
        ticket.department_code = department
        self._move(
            session,
            ticket,
            actor,
            Action.DISPATCH,
            note=note,
            data={
                "department": department,
                "previous_department": previous,
                **({"sent_back_to_returner": True} if force and previous == department else {}),
            },
        )
        now = self.clock.now()
        if ticket.dispatched_at is None:
            # The acceptance clock starts at the first dispatch and keeps running while a
            # ticket sits returned; the answer limit counts from the same instant.
            ticket.dispatched_at = now
            accept, answer = self._round_deadlines(ticket, now)
            self._set_deadlines(session, ticket, accept=accept, answer=answer, reason="dispatch")
        title = messages.dispatch_title(
            redispatch=bool(previous), urgent=ticket.priority == "urgent"
        )
        self._notify(
            session,
            ticket,
            "department",
            "ticket_dispatched",
            self.card(session, ticket, title=title, note=note if actor is not SYSTEM else None),
        )

    def _act(self, number: str, fn: Callable[[Session, Ticket], None]) -> TicketView:
        with self._unit() as session:
            ticket = self._load(session, number)
            fn(session, ticket)
            schedule(ticket, self.sla, self.tz, self.clock.now())
            session.flush()
            return self._view(ticket)

    def pause_shift(self, ticket: Ticket) -> Deadline:
        assert ticket.paused_since is not None
        return self.sla.pause(
            self._current_answer_deadline(ticket), ticket.paused_since, self.clock.now()
        )

    def _reopen(self, session: Session, ticket: Ticket, actor: Actor, reason: str) -> None:
        by_citizen = actor.role == "citizen"
        self._move(
            session,
            ticket,
            actor,
            Action.REOPEN,
            note=reason,
            data={"by": "citizen" if by_citizen else actor.role},
        )
        now = self.clock.now()
        ticket.reopen_count += 1
        ticket.accepted_at = ticket.resolved_at = ticket.closed_at = ticket.surveyed_at = None
        ticket.accept_work_seconds = ticket.answer_work_seconds = None  # a new round
        ticket.dispatched_at = now
        accept, answer = self._round_deadlines(ticket, now)
        self._set_deadlines(session, ticket, accept=accept, answer=answer, reason="reopen")
        who = None if by_citizen else ROLE_LABELS.get(actor.role, actor.role) + (actor.name or "")
        title = messages.reopen_title(reason, by=who)
        self._notify(
            session,
            ticket,
            "department",
            "ticket_reopened",
            self.card(session, ticket, title=title),
        )
        self._notify(
            session,
            ticket,
            "citizen",
            "ticket_reopened",
            messages.citizen_reopened(ticket, by_citizen=by_citizen),
        )

    def _view(
        self, ticket: Ticket, *, with_events: bool = False, citizen_key: str | None = None
    ) -> TicketView:
        return ticket_view(self.catalogue, ticket, with_events=with_events, citizen_key=citizen_key)
