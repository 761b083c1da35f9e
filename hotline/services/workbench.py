"""The web workbench's reads: department queues with traffic lights, search, the dispatch board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select

from hotline.domain.privacy import redact
from hotline.domain.tickets import (
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    Actor,
    DomainError,
    NotAllowed,
    Status,
    authorize,
)
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import ExtensionRequest, OutboxMessage, Ticket
from hotline.storage.search_index import text_contains

Light = Literal["red", "yellow", "green"]
LIGHT_LABELS: dict[str, str] = {"red": "红", "yellow": "黄", "green": "绿"}
SORTS: dict[str, str] = {"due": "按办结时限", "new": "最新受理在前", "old": "最早受理在前"}
# What a department works on: tickets sent to it and not yet answered.
QUEUE_STATUSES = (Status.DISPATCHED.value, Status.ACCEPTED.value)
PAGE = 50
SEARCH_DAYS = 92  # a text search without dates looks back about three months


@dataclass(frozen=True)
class QueueRow:
    """One line of a queue or a search result: the ticket and its traffic light."""

    ticket: TicketView
    light: Light | None


@dataclass(frozen=True)
class PendingExtension:
    """A department's extension request waiting for a dispatcher."""

    number: str
    department_name: str
    working_days: int
    reason: str
    requested_at: datetime


@dataclass(frozen=True)
class Board:
    """The dispatcher's desk: what no department holds and what waits for a decision."""

    unroutable: list[QueueRow]
    returned: list[QueueRow]
    extensions: list[PendingExtension]


@dataclass(frozen=True)
class MessageLine:
    """One message the ticket caused (to the citizen, the department, the centre)."""

    at: datetime
    audience: str
    kind: str
    text: str
    status: str


def _red(now: datetime) -> ColumnElement[bool]:
    return or_(
        Ticket.answer_due_at <= now,
        and_(Ticket.status == Status.DISPATCHED.value, Ticket.accept_due_at <= now),
    )


def _yellow(now: datetime) -> ColumnElement[bool]:
    return and_(
        not_(_red(now)),
        or_(
            Ticket.answer_warn_at <= now,
            and_(Ticket.status == Status.DISPATCHED.value, Ticket.accept_warn_at <= now),
        ),
    )


def _light_is(light: str, now: datetime) -> ColumnElement[bool]:
    """The SQL condition for one traffic light."""
    if light == "red":
        return _red(now)
    if light == "yellow":
        return _yellow(now)
    return and_(not_(_red(now)), not_(_yellow(now)))


def light_of(
    ticket: TicketView | Ticket,
    now: datetime,
    accept_warn: datetime | None = None,
    answer_warn: datetime | None = None,
) -> Light | None:
    """红 past a limit, 黄 past its warning point (75 %), 绿 otherwise; none once answered."""
    if ticket.status not in (s.value for s in OPEN_STATUSES):
        return None
    dispatched = ticket.status == Status.DISPATCHED.value
    dues = [ticket.answer_due_at] + ([ticket.accept_due_at] if dispatched else [])
    if all(d is None for d in dues):
        return None  # not yet on a department's clock (待派单)
    if any(d is not None and d <= now for d in dues):
        return "red"
    warns = [answer_warn] + ([accept_warn] if dispatched else [])
    if any(w is not None and w <= now for w in warns):
        return "yellow"
    return "green"


# What the ticket page offers, in the order it shows them.
PAGE_ACTIONS = (
    Action.ACCEPT,
    Action.RESOLVE,
    Action.REQUEST_INFORMATION,
    Action.REQUEST_EXTENSION,
    Action.RETURN,
    Action.DISPATCH,
    Action.APPROVE_EXTENSION,
    Action.CLOSE,
    Action.ESCALATE,
)


def allowed_actions(
    view: TicketView, actor: Actor, *, extension_pending: bool = False
) -> list[Action]:
    """The actions the state machine and the actor's role allow on this ticket now."""
    allowed = []
    for action in PAGE_ACTIONS:
        if action is Action.APPROVE_EXTENSION and not extension_pending:
            continue
        if action in TRANSITIONS and Status(view.status) not in TRANSITIONS[action][0]:
            continue
        if action is Action.ESCALATE and Status(view.status) not in OPEN_STATUSES:
            continue
        try:
            authorize(actor, action, department=view.department, citizen_key=view.citizen)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


class Workbench(TicketWork):
    """Reads for the web pages; staff only ever see their own department's tickets."""

    def _scope(self, actor: Actor, department: str | None) -> str | None:
        """Staff are pinned to their department; the centre's roles may pick one."""
        if actor.role == "staff":
            if actor.department is None:
                raise NotAllowed("您的账号没有所属部门。", code="no_department")
            return actor.department
        if actor.role in ("dispatcher", "supervisor", "admin"):
            if department and department not in self.catalogue.departments:
                raise NotAllowed(f"没有“{department[:40]}”这个部门。", code="unknown_department")
            return department or None
        raise NotAllowed("无权查看工单列表。", code="not_allowed")

    def _rows(self, query: Select[Any]) -> list[QueueRow]:
        now = self.clock.now()
        with self._unit() as session:
            rows = []
            for t in session.scalars(query):
                view = self._view(t)
                rows.append(QueueRow(view, light_of(t, now, t.accept_warn_at, t.answer_warn_at)))
            return rows

    def queue(
        self,
        actor: Actor,
        *,
        department: str | None = None,
        status: str | None = None,
        light: str | None = None,
        category: str | None = None,
        priority: str | None = None,
        sort: str = "due",
        page: int = 0,
    ) -> list[QueueRow]:
        """A department's open tickets (待签收 and 办理中), filtered and sorted.

        One ordered, limited query per status, merged here: each walks an index in order
        and stops early, where one query over both statuses would sort them all."""
        scope = self._scope(actor, department)
        now = self.clock.now()
        statuses = [status] if status in QUEUE_STATUSES else list(QUEUE_STATUSES)
        order: list[Any]
        if sort == "new":
            order = [Ticket.id.desc()]
        elif sort == "old":
            order = [Ticket.id]
        else:
            order = [Ticket.answer_due_at, Ticket.id]
        wanted = (max(page, 0) + 1) * PAGE
        found: list[Ticket] = []
        with self._unit() as session:
            for one in statuses:
                query = select(Ticket).where(Ticket.status == one)
                for column, value in (
                    (Ticket.department_code, scope),
                    (Ticket.category_code, category),
                    (Ticket.priority, priority),
                ):
                    if value:
                        query = query.where(column == value)
                if light in LIGHT_LABELS:
                    query = query.where(_light_is(light, now))
                found.extend(session.scalars(query.order_by(*order).limit(wanted)))
            if sort == "new":
                found.sort(key=lambda t: -t.id)
            elif sort == "old":
                found.sort(key=lambda t: t.id)
            else:
                far = datetime.max.replace(tzinfo=UTC)
                found.sort(key=lambda t: (t.answer_due_at or far, t.id))
            return [
                QueueRow(self._view(t), light_of(t, now, t.accept_warn_at, t.answer_warn_at))
                for t in found[wanted - PAGE : wanted]
            ]

    def search(
        self,
        actor: Actor,
        *,
        text: str | None = None,
        place: str | None = None,
        day_from: date | None = None,
        day_to: date | None = None,
        page: int = 0,
    ) -> list[QueueRow]:
        """Tickets by number (exact), words of the request, place and date of 受理."""
        scope = self._scope(actor, None)
        query = select(Ticket)
        words = (text or "").strip()[:100]
        if words and len(words) >= 13 and words[:8].isdigit() and words[8] == "-":
            query = query.where(Ticket.number == words)
            words = ""
        if scope is not None:
            query = query.where(Ticket.department_code == scope)
        if (words or place) and day_from is None and day_to is None:
            day_from = (self.clock.now().astimezone(self.tz) - timedelta(days=SEARCH_DAYS)).date()
        if day_from is not None:
            query = query.where(
                Ticket.created_at >= datetime.combine(day_from, time(), tzinfo=self.tz)
            )
        if day_to is not None:
            end = datetime.combine(day_to + timedelta(days=1), time(), tzinfo=self.tz)
            query = query.where(Ticket.created_at < end)
        if words:
            query = query.where(text_contains("description", words))
        if place:
            query = query.where(text_contains("address", place.strip()[:60]))
        query = query.order_by(Ticket.id.desc()).limit(PAGE).offset(max(page, 0) * PAGE)
        return self._rows(query)

    def board(self, actor: Actor) -> Board:
        """Unroutable and returned tickets, and pending extension requests (dispatchers)."""
        if actor.role not in ("dispatcher", "supervisor", "admin"):
            raise NotAllowed("派单台只对12345中心开放。", code="not_allowed")
        unroutable = self._rows(
            select(Ticket)
            .where(Ticket.status == Status.RECEIVED.value)
            .order_by(Ticket.id)
            .limit(PAGE)
        )
        returned = self._rows(
            select(Ticket)
            .where(Ticket.status == Status.RETURNED.value)
            .order_by(Ticket.id)
            .limit(PAGE)
        )
        with self._unit() as session:
            pending = session.execute(
                select(ExtensionRequest, Ticket.number, Ticket.department_code)
                .join(Ticket, Ticket.id == ExtensionRequest.ticket_id)
                .where(ExtensionRequest.status == "pending")
                .order_by(ExtensionRequest.requested_at)
                .limit(PAGE)
            ).all()
            extensions = [
                PendingExtension(
                    number,
                    self.catalogue.department_name(dept),
                    req.working_days,
                    req.reason,
                    req.requested_at,
                )
                for req, number, dept in pending
            ]
        return Board(unroutable, returned, extensions)

    def extension_pending(self, number: str) -> bool:
        """Whether a department's extension request waits for a dispatcher's decision."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            found = session.scalar(
                select(ExtensionRequest.id).where(
                    ExtensionRequest.ticket_id == ticket.id, ExtensionRequest.status == "pending"
                )
            )
            return found is not None

    def messages(self, number: str) -> list[MessageLine]:
        """Messages the ticket caused, oldest first (numbers masked: staff read them)."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ticket_id == ticket.id)
                .order_by(OutboxMessage.id)
            )
            return [
                MessageLine(m.created_at, m.audience, m.kind, redact(m.text), m.status)
                for m in rows
            ]

    def queue_counts(self, actor: Actor, department: str | None = None) -> dict[str, int] | None:
        """How many of one department's queue are red, yellow and green right now; None for
        all departments at once (tens of thousands of rows: the dashboard has the totals)."""
        scope = self._scope(actor, department)
        if scope is None:
            return None
        now = self.clock.now()
        red, yellow = _red(now), _yellow(now)
        query = select(
            func.count(),
            func.sum(case((red, 1), else_=0)),
            func.sum(case((yellow, 1), else_=0)),
        ).where(Ticket.status.in_(QUEUE_STATUSES), Ticket.department_code == scope)
        with self._unit() as session:
            total, reds, yellows = session.execute(query).one()
        total, reds, yellows = int(total or 0), int(reds or 0), int(yellows or 0)
        return {"red": reds, "yellow": yellows, "green": total - reds - yellows, "total": total}
