"""The operations every adapter calls: one transaction each, events and outbox rows included."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, object_session, sessionmaker

from hotline.domain.catalogue import REQUEST_TYPES, Catalogue, RequestType
from hotline.domain.clock import Clock
from hotline.domain.places import place_key
from hotline.domain.privacy import numbers_in
from hotline.domain.sla import Deadline, SlaPolicy
from hotline.domain.tickets import (
    PHONE_ROLES,
    ROLE_LABELS,
    STATUS_LABELS,
    SYSTEM,
    Action,
    Actor,
    DomainError,
    IllegalTransition,
    NotAllowed,
    Role,
    Status,
    TicketNotFound,
    authorize,
    format_number,
    next_status,
    not_found,
)
from hotline.services import messages
from hotline.services.staff import StaffAccess, issue_invite
from hotline.services.sweep import schedule
from hotline.storage.db import transaction
from hotline.storage.journal import record_event
from hotline.storage.models import (
    Category,
    Citizen,
    DailySequence,
    Department,
    ExtensionRequest,
    Operator,
    OutboxDelivery,
    OutboxMessage,
    Rating,
    StaffBinding,
    Ticket,
    TicketEvent,
)
from hotline.storage.outbox import (
    PULL_CHANNELS,
    PULL_EXPIRY_DAYS,
    Audience,
    address_for,
    enqueue,
    mark_sent,
)
from hotline.storage.types import UTCDateTime

Priority = Literal["urgent", "normal"]
Score = Literal["satisfied", "basically_satisfied", "unsatisfied"]
SCORE_LABELS: dict[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}
STAFF_ROLES = ("staff", "dispatcher", "supervisor", "admin")

MAX_TEXT = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"^\d{8}-\d{4,}$")

T = TypeVar("T")


def clean_text(
    value: str | None, *, field_name: str, required: bool = True, limit: int = MAX_TEXT
) -> str | None:
    """Strip control characters and outer blanks, and refuse empty or overlong text politely."""
    if value is None:
        if required:
            raise DomainError(f"请填写{field_name}。", code="empty")
        return None
    # Lone surrogates (what undecodable bytes become) cannot be stored: make them U+FFFD.
    value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    if not text:
        if required:
            raise DomainError(f"{field_name}不能为空，请再说一下。", code="empty")
        return None
    if len(text) > limit:
        raise DomainError(
            f"{field_name}太长了（{len(text)}字），请精简到{limit}字以内。", code="too_long"
        )
    return text


TRANSCRIPT_CUT = "……（更早的对话已省略）"


def fit_transcript(transcript: str | None, limit: int = MAX_TEXT) -> str | None:
    """A hand-over transcript within `limit` characters: the latest lines are kept, the
    oldest dropped, so 转人工 after a long chat never fails for being too long."""
    text = clean_text(transcript, field_name="对话记录", required=False, limit=10**9)
    if text is None or len(text) <= limit:
        return text
    kept: list[str] = []
    room = limit - len(TRANSCRIPT_CUT) - 1
    for line in reversed(text.split("\n")):
        if len(line) + 1 > room:
            if not kept:  # one huge line: keep its end, where the latest words are
                kept.append(line[-room:])
            break
        kept.append(line)
        room -= len(line) + 1
    return "\n".join([TRANSCRIPT_CUT, *reversed(kept)])


# Bare acknowledgements are not an answer to a citizen nor a reason anyone can act on.
_BARE = frozenset(
    {
        "好",
        "好的",
        "行",
        "可以",
        "收到",
        "已收到",
        "知道了",
        "ok",
        "okay",
        "同意",
        "已阅",
        "阅",
        "是",
        "嗯",
        "无",
        "没有",
        "不同意",
        "驳回",
        "处理",
        "已处理",
        "已办",
        "已办结",
        "办结",
        "完成",
        "已完成",
        "test",
        "测试",
        "x",
        "xx",
        "xxx",
        "1",
        "略",
        "见附件",
    }
)
_MEANINGFUL = re.compile(r"[\w]", re.UNICODE)
MIN_ANSWER_CHARS = 5  # 答复: what was done, e.g. "已更换灯泡" at least
MIN_REASON_CHARS = 2  # 理由 / 意见: e.g. "属于园林" or "人手不足"


def substantive(value: str | None, *, field_name: str, minimum: int, limit: int = MAX_TEXT) -> str:
    """Clean the text and refuse what says nothing: too short, or a bare "好"/"收到"/"x"."""
    text = clean_text(value, field_name=field_name, limit=limit) or ""
    core = "".join(_MEANINGFUL.findall(text)).replace("_", "")
    if core.lower() in _BARE or len(set(core)) <= 1 or len(core) < minimum:
        raise DomainError(
            f"{field_name}过于简单（“{text[:20]}”），请写明具体情况（至少{minimum}个字）。",
            code="too_short",
        )
    return text


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


@dataclass(frozen=True)
class OperatorView:
    """A CLI operator as the CLI lists it."""

    name: str
    role: str
    department: str | None
    active: bool


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


def _priority(ticket: Ticket) -> Priority:
    """The ticket's priority as the SLA policy's literal type (the column holds only these)."""
    return "urgent" if ticket.priority == "urgent" else "normal"


@cache
def _citizen_upsert(dialect: str) -> Any:
    """Find-or-create a citizen, keeping the last phone they gave; built once per dialect."""
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(Citizen).values(
        channel=bindparam("channel"),
        channel_user_id=bindparam("user"),
        phone=bindparam("phone"),
        created_at=bindparam("now", type_=UTCDateTime()),
    )
    return stmt.on_conflict_do_update(
        index_elements=["channel", "channel_user_id"],
        set_={"phone": func.coalesce(stmt.excluded.phone, Citizen.phone)},
    ).returning(Citizen.id)


@cache
def _sequence_upsert(dialect: str) -> Any:
    """The numbering statement, built once per dialect (it runs for every new ticket)."""
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    return (
        insert(DailySequence)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": DailySequence.last + 1})
        .returning(DailySequence.last)
    )


class HotlineService:
    """The hotline's use cases; adapters parse input, call one method, and render the result."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        catalogue: Catalogue,
        sla: SlaPolicy,
        clock: Clock,
        tz: ZoneInfo,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.sla = sla
        self.clock = clock
        self.tz = tz

    # ----------------------------------------------------------------- helpers

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
        return f"{ticket.citizen.channel}:{ticket.citizen.channel_user_id}"

    def _authorize(self, actor: Actor, action: Action, ticket: Ticket) -> None:
        if actor.role == "system":
            return  # also spares loading the citizen of a ticket being opened
        authorize(
            actor,
            action,
            department=ticket.department_code,
            citizen_key=self._citizen_key(ticket),
            number=ticket.number,
        )

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
            now=self.clock.now(),
            audience=audience,
            address=address if address is not None else address_for(audience, ticket),
            kind=kind,
            text=text,
            ticket=ticket,
            dedupe_key=dedupe_key,
            payload={"number": ticket.number, **(payload or {})},
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
        title = "重新派单" if previous else "新工单"
        if ticket.priority == "urgent":
            title = "紧急" + title
        self._notify(
            session,
            ticket,
            "department",
            "ticket_dispatched",
            self.card(session, ticket, title=title, note=note if actor is not SYSTEM else None),
        )

    def _citizen_id(self, session: Session, channel: str, user_id: str, phone: str | None) -> int:
        """The citizen's id, created on first contact; one race-free upsert either way."""
        dialect = session.get_bind().dialect.name
        result = session.execute(
            _citizen_upsert(dialect),
            {"channel": channel, "user": user_id, "phone": phone, "now": self.clock.now()},
        )
        return int(result.scalar_one())

    def _next_number(self, session: Session) -> str:
        """Allocate today's next number; the upsert's row lock makes it safe under concurrency."""
        today: date = self.clock.now().astimezone(self.tz).date()
        dialect = session.get_bind().dialect.name
        sequence = session.execute(_sequence_upsert(dialect), {"day": f"{today:%Y%m%d}"})
        return format_number(today, sequence.scalar_one())

    def _view(
        self, ticket: Ticket, *, with_events: bool = False, citizen_key: str | None = None
    ) -> TicketView:
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
            department_name=self.catalogue.department_name(ticket.department_code),
            category=ticket.category_code,
            category_name=self.catalogue.category_name(ticket.category_code),
            request_type=ticket.request_type,
            priority=ticket.priority,
            description=ticket.description,
            address=ticket.address,
            contact_phone=ticket.contact_phone,
            channel=ticket.channel,
            citizen=citizen_key or self._citizen_key(ticket),
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
        )

    def _act(self, number: str, fn: Callable[[Session, Ticket], None]) -> TicketView:
        with self._unit() as session:
            ticket = self._load(session, number)
            fn(session, ticket)
            schedule(ticket, self.sla, self.tz, self.clock.now())
            session.flush()
            return self._view(ticket)

    # -------------------------------------------------------------- use cases

    def sync_catalogue(self) -> None:
        """Mirror data/catalogue.yml into the departments and categories tables."""
        with self._unit() as session:
            for code, dept in self.catalogue.departments.items():
                session.merge(
                    Department(code=code, name=dept.name, short_name=dept.short, active=True)
                )
            for code, cat in self.catalogue.categories.items():
                session.merge(
                    Category(
                        code=code,
                        name=cat.name,
                        department_code=cat.department,
                        default_type=cat.type,
                        active=True,
                    )
                )
            session.flush()
            for stale in session.scalars(
                select(Category).where(Category.code.not_in(list(self.catalogue.categories)))
            ):
                stale.active = False
            for stale_dept in session.scalars(
                select(Department).where(Department.code.not_in(list(self.catalogue.departments)))
            ):
                stale_dept.active = False

    def open_ticket(self, request: NewTicket, recorded_by: Actor | None = None) -> TicketView:
        """Register (受理) and route (派单) a request; a repeated idempotency key is harmless.

        `recorded_by` is the operator who typed it in for the citizen (the audit's actor);
        by default the citizen did it themselves."""
        description = clean_text(request.description, field_name="诉求内容")
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
            citizen_id = self._citizen_id(session, request.channel, request.channel_user_id, phone)
            actor = Actor(role="citizen", id=f"{request.channel}:{request.channel_user_id}")
            ticket = Ticket(
                number=self._next_number(session),
                citizen_id=citizen_id,
                channel=request.channel,
                request_type=request_type,
                category_code=request.category,
                priority=request.priority,
                status=Status.RECEIVED.value,
                description=description,
                address=address,
                place_key=place_key(address),
                latitude=request.latitude,
                longitude=request.longitude,
                contact_phone=phone,
                details=dict(request.details),
                classifier_confidence=request.confidence,
                needs_human=request.needs_human or department is None,
                idempotency_key=request.idempotency_key,
                created_at=self.clock.now(),
            )
            session.add(ticket)  # one flush at the end writes ticket, events and outbox together
            self._event(
                session,
                ticket,
                recorded_by or actor,
                Action.OPEN,
                from_status=None,
                data={"category": request.category, "confidence": request.confidence},
            )
            if department is not None:
                self._dispatch(session, ticket, department, SYSTEM, note="自动派单")
            else:
                self._notify(
                    session,
                    ticket,
                    "dispatcher",
                    "ticket_unroutable",
                    self.card(session, ticket, title="待人工派单"),
                )
            if ticket.priority == "urgent":
                self._notify(
                    session,
                    ticket,
                    "supervisor",
                    "urgent_ticket",
                    self.card(session, ticket, title="紧急工单提醒"),
                )
            schedule(ticket, self.sla, self.tz, self.clock.now())
            session.flush()
            return self._view(ticket, citizen_key=actor.id)

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

    def dispatch(
        self,
        number: str,
        department: str,
        actor: Actor,
        note: str | None = None,
        *,
        force: bool = False,
    ) -> TicketView:
        """Route (or re-route) a received or returned ticket to a department; sending it
        straight back to the department that just returned it needs `force` and a note."""
        text = clean_text(note, field_name="备注", required=False)
        if force and text is not None:
            text = substantive(text, field_name="派回依据", minimum=MIN_REASON_CHARS)

        def run(session: Session, ticket: Ticket) -> None:
            self._dispatch(session, ticket, department, actor, text, force=force)
            ticket.needs_human = False

        return self._act(number, run)

    def accept(self, number: str, actor: Actor) -> TicketView:
        """The department signs for the ticket (签收)."""

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.ACCEPT, due_at=ticket.accept_due_at)
            ticket.accepted_at = self.clock.now()
            ticket.accept_work_seconds = self._working_seconds_since(ticket.dispatched_at)
            self._notify(
                session,
                ticket,
                "citizen",
                "ticket_accepted",
                messages.citizen_accepted(ticket, self.catalogue, self.tz),
            )

        return self._act(number, run)

    def return_ticket(self, number: str, actor: Actor, reason: str) -> TicketView:
        """The department sends the ticket back (退单): not its duty; a dispatcher re-routes it."""
        text = substantive(reason, field_name="退单理由", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            department = ticket.department_code
            self._move(
                session, ticket, actor, Action.RETURN, note=text, data={"department": department}
            )
            ticket.return_count += 1
            ticket.accepted_at = None
            self._notify(
                session,
                ticket,
                "dispatcher",
                "ticket_returned",
                self.card(
                    session,
                    ticket,
                    title=f"退单（{self.catalogue.department_name(department)}：{text}）",
                ),
            )

        return self._act(number, run)

    def request_extension(
        self, number: str, actor: Actor, working_days: int, reason: str
    ) -> TicketView:
        """The department asks for more time (延期); a dispatcher decides."""
        text = substantive(reason, field_name="延期理由", minimum=MIN_REASON_CHARS, limit=1000)
        if not 1 <= working_days <= self.sla.max_extension_days:
            raise DomainError(
                f"延期天数应为1到{self.sla.max_extension_days}个工作日。", code="bad_extension_days"
            )

        def run(session: Session, ticket: Ticket) -> None:
            if ticket.extension_count >= self.sla.max_extensions:
                raise DomainError("该工单已延期过，不能再次申请。", code="extension_limit")
            pending = session.scalar(
                select(ExtensionRequest).where(
                    ExtensionRequest.ticket_id == ticket.id, ExtensionRequest.status == "pending"
                )
            )
            if pending is not None:
                raise DomainError("已有一个延期申请在审核中。", code="extension_pending")
            self._move(
                session,
                ticket,
                actor,
                Action.REQUEST_EXTENSION,
                note=text,
                data={
                    "working_days": working_days,
                    "answer_due_at": self._iso(ticket.answer_due_at),
                },
            )
            session.add(
                ExtensionRequest(
                    ticket_id=ticket.id,
                    working_days=working_days,
                    reason=text or "",
                    requested_by=actor.audit_name,
                    requested_at=self.clock.now(),
                )
            )
            self._notify(
                session,
                ticket,
                "dispatcher",
                "extension_requested",
                f"【延期申请】工单 {ticket.number}\n"
                f"部门：{self.catalogue.department_name(ticket.department_code)}\n"
                f"申请延期：{working_days}个工作日\n理由：{text}\n"
                f"当前时限：{messages.local_time(ticket.answer_due_at, self.tz)}",
                payload={"working_days": working_days},
            )

        return self._act(number, run)

    def decide_extension(
        self, number: str, actor: Actor, *, approve: bool, note: str | None = None
    ) -> TicketView:
        """Approve (moving the deadline) or deny the pending extension request; a denial must
        say why, so the department knows what to do instead."""
        text = clean_text(note, field_name="审批意见", required=False, limit=1000)
        if not approve:
            if text is None:
                raise DomainError("驳回延期必须写明理由。", code="deny_needs_reason")
            text = substantive(text, field_name="驳回理由", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            pending = session.scalar(
                select(ExtensionRequest).where(
                    ExtensionRequest.ticket_id == ticket.id, ExtensionRequest.status == "pending"
                )
            )
            if pending is None:
                raise IllegalTransition("该工单没有待审核的延期申请。", code="no_extension")
            action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
            self._move(
                session,
                ticket,
                actor,
                action,
                note=text,
                data={"working_days": pending.working_days, "requested_by": pending.requested_by},
            )
            pending.status = "approved" if approve else "denied"
            pending.decided_by, pending.decided_at = actor.audit_name, self.clock.now()
            pending.decision_note = text
            if approve:
                ticket.extension_count += 1
                extended = self.sla.extend(
                    self._current_answer_deadline(ticket), pending.working_days
                )
                self._set_deadlines(
                    session, ticket, accept=None, answer=extended, reason="extension", actor=actor
                )
                self._notify(
                    session,
                    ticket,
                    "citizen",
                    "ticket_extended",
                    messages.citizen_extended(ticket, self.tz),
                )
            verdict = "已批准" if approve else "未批准"
            self._notify(
                session,
                ticket,
                "department",
                "extension_decided",
                f"工单 {ticket.number} 的延期申请{verdict}。"
                + (f"\n意见：{text}" if text else "")
                + f"\n办结时限：{messages.local_time(ticket.answer_due_at, self.tz)}",
                payload={"approved": approve},
            )

        return self._act(number, run)

    def request_information(self, number: str, actor: Actor, question: str) -> TicketView:
        """Ask the citizen for more; the answer clock pauses until they reply."""
        text = clean_text(question, field_name="需补充的内容", limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.REQUEST_INFORMATION, note=text)
            if ticket.paused_since is None:
                ticket.paused_since = self.clock.now()
            self._notify(
                session,
                ticket,
                "citizen",
                "information_requested",
                messages.citizen_information_requested(ticket, text or ""),
            )

        return self._act(number, run)

    def add_information(self, number: str, actor: Actor, text: str) -> TicketView:
        """The citizen adds to an open ticket; a paused clock resumes."""
        info = clean_text(text, field_name="补充内容")

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.ADD_INFORMATION, note=info)
            if ticket.paused_since is not None and ticket.answer_due_at is not None:
                resumed = self.pause_shift(ticket)
                self._set_deadlines(
                    session,
                    ticket,
                    accept=None,
                    answer=resumed,
                    reason="resumed_after_citizen_reply",
                )
                ticket.paused_since = None
            if ticket.department_code and ticket.status != Status.RECEIVED.value:
                self._notify(
                    session,
                    ticket,
                    "department",
                    "information_added",
                    f"【市民补充】工单 {ticket.number}\n{info}",
                )

        return self._act(number, run)

    def amend(
        self,
        number: str,
        actor: Actor,
        *,
        address: str | None = None,
        details: dict[str, str] | None = None,
        note: str | None = None,
    ) -> TicketView:
        """The citizen corrects a submitted ticket's place or extra field; the department sees
        the old and the new value, and hot spots and duplicates key on the new place."""
        place = clean_text(address, field_name="地址", required=False, limit=300)
        changes = {
            k: clean_text(v, field_name=k, limit=200) or "" for k, v in (details or {}).items()
        }
        if place is None and not changes:
            raise DomainError("请告诉我要更正的内容。", code="empty")

        def run(session: Session, ticket: Ticket) -> None:
            lines: list[str] = []
            if place is not None:
                lines.append(f"地点：{ticket.address or '（无）'} → {place}")
                ticket.address = place
                ticket.place_key = place_key(place)
            if changes:
                merged = dict(ticket.details or {})
                for key, value in changes.items():
                    name = self.catalogue.fields[key].name if key in self.catalogue.fields else key
                    lines.append(f"{name}：{merged.get(key) or '（无）'} → {value}")
                    merged[key] = value
                ticket.details = merged
            text = "\n".join(lines)
            self._move(
                session,
                ticket,
                actor,
                Action.AMEND,
                note=(text + (f"\n{note}" if note else ""))[:2000],
            )
            if ticket.department_code and ticket.status != Status.RECEIVED.value:
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_amended",
                    f"【市民更正】工单 {ticket.number}\n{text}",
                )

        return self._act(number, run)

    def chase(self, number: str, actor: Actor, text: str | None = None) -> TicketView:
        """催办 by the citizen: recorded on the ticket; the department is reminded at most once
        a day per ticket, however often the citizen asks."""
        note = clean_text(text, field_name="催办内容", required=False, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.CHASE, note=note)
            if ticket.department_code and ticket.status != Status.RECEIVED.value:
                day = self.clock.now().astimezone(self.tz).date().isoformat()
                self._notify(
                    session,
                    ticket,
                    "department",
                    "citizen_chase",
                    f"【市民催办】工单 {ticket.number}，市民询问办理进展，请尽快办理并答复。"
                    + (f"\n市民原话：{note}" if note else ""),
                    dedupe_key=f"chase:{ticket.number}:{ticket.department_code}:{day}",
                )

        return self._act(number, run)

    def expire_unpulled(self, days: int = PULL_EXPIRY_DAYS) -> int:
        """Messages for chat-endpoint citizens who never came back: marked 'expired' (visible
        in the outbox and counted) instead of staying pending for ever."""
        cutoff = self.clock.now() - timedelta(days=days)
        with self._unit() as session:
            pull_citizens = select(sql_cast(Citizen.id, String)).where(
                Citizen.channel.in_(PULL_CHANNELS)
            )
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.audience == "citizen",
                    OutboxMessage.status == "pending",
                    OutboxMessage.created_at < cutoff,
                    OutboxMessage.address.in_(pull_citizens),
                )
                .values(status="expired", last_error=f"市民{days}天内未再联系，消息未能送达")
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def pull_citizen_messages(self, channel: str, user_id: str) -> list[str]:
        """Messages waiting for a citizen whose channel cannot push (the chat endpoint): handed
        over on their next turn and marked delivered, oldest first, each exactly once."""
        with self._unit() as session:
            citizen_id = session.scalar(
                select(Citizen.id).where(
                    Citizen.channel == channel, Citizen.channel_user_id == user_id
                )
            )
            if citizen_id is None:
                return []
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.text)
                .where(
                    OutboxMessage.audience == "citizen",
                    OutboxMessage.address == str(citizen_id),
                    OutboxMessage.status == "pending",
                )
                .order_by(OutboxMessage.id)
                .limit(20)
            ).all()
            now = self.clock.now()
            texts: list[str] = []
            for message_id, text in rows:
                if not mark_sent(session, message_id, now):
                    continue  # another turn of the same citizen took it first
                session.add(
                    OutboxDelivery(
                        message_id=message_id,
                        channel=channel,
                        chat_id=user_id[:40],
                        status="sent",
                        provider_message_id=None,
                        error=None,
                        at=now,
                    )
                )
                texts.append(text)
            return texts

    def pause_shift(self, ticket: Ticket) -> Deadline:
        assert ticket.paused_since is not None
        return self.sla.pause(
            self._current_answer_deadline(ticket), ticket.paused_since, self.clock.now()
        )

    def resolve(self, number: str, actor: Actor, answer: str) -> TicketView:
        """The department answers (办结答复); the citizen hears it through the outbox."""
        text = substantive(answer, field_name="答复内容", minimum=MIN_ANSWER_CHARS)

        def run(session: Session, ticket: Ticket) -> None:
            self._move(
                session, ticket, actor, Action.RESOLVE, note=text, due_at=ticket.answer_due_at
            )
            ticket.answer = text
            ticket.resolved_at = self.clock.now()
            ticket.answer_work_seconds = self._working_seconds_since(ticket.dispatched_at)
            self._notify(
                session,
                ticket,
                "citizen",
                "ticket_answered",
                messages.citizen_answer(ticket, self.catalogue),
            )
            for merged in session.scalars(
                select(Ticket).where(
                    Ticket.merged_into_id == ticket.id, Ticket.status == Status.MERGED.value
                )
            ):
                self._notify(  # kind "survey": the channels add the rating buttons
                    session,
                    merged,
                    "citizen",
                    "survey",
                    messages.citizen_merged_answer(merged, ticket, self.catalogue),
                    payload={"lead": ticket.number},
                    dedupe_key=f"merged_answer:{merged.number}:{ticket.number}:{ticket.reopen_count}",
                )

        return self._act(number, run)

    def rate(
        self, number: str, actor: Actor, score: Score, comment: str | None = None
    ) -> TicketView:
        """Record the follow-up verdict: satisfied closes, not satisfied reopens (重办)."""
        if score not in SCORE_LABELS:
            raise DomainError("请选择：满意、基本满意或不满意。", code="bad_score")
        text = clean_text(comment, field_name="评价", required=False, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            if ticket.status == Status.MERGED.value:
                self._rate_merged(session, ticket, actor, score, text)
                return
            self._move(session, ticket, actor, Action.RATE, note=text, data={"score": score})
            session.add(
                Rating(
                    ticket_id=ticket.id,
                    round=ticket.reopen_count,
                    score=score,
                    comment=text,
                    created_at=self.clock.now(),
                )
            )
            if score == "unsatisfied":
                self._reopen(session, ticket, actor, reason=text or "未说明具体原因")
            else:
                self._move(session, ticket, SYSTEM, Action.CLOSE, note="回访完成")
                ticket.closed_at = self.clock.now()

        return self._act(number, run)

    def _rate_merged(
        self, session: Session, ticket: Ticket, actor: Actor, score: Score, text: str | None
    ) -> None:
        """A merged ticket's citizen rates the answer the lead ticket gave (one rating per
        answer round, kept on the merged ticket); 不满意 goes to a dispatcher, who may reopen
        the lead ticket."""
        lead = session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
        if lead is None or lead.answer is None or lead.resolved_at is None:
            raise IllegalTransition(
                f"工单 {ticket.number} 已并入工单 {lead.number if lead else ''}，该工单尚未答复，"
                "答复后再请您评价。",
                code="merged_not_answered",
            )
        round_ = lead.reopen_count
        if session.scalar(
            select(Rating.id).where(Rating.ticket_id == ticket.id, Rating.round == round_)
        ):
            raise IllegalTransition("您已评价过这次答复，感谢！", code="already_rated")
        self._move(
            session,
            ticket,
            actor,
            Action.RATE,
            note=text,
            data={"score": score, "lead": lead.number, "lead_round": round_},
        )
        session.add(
            Rating(
                ticket_id=ticket.id,
                round=round_,
                score=score,
                comment=text,
                created_at=self.clock.now(),
            )
        )
        if score == "unsatisfied":
            self._notify(
                session,
                ticket,
                "dispatcher",
                "merged_unsatisfied",
                f"【合并工单回访不满意】工单 {ticket.number}（已并入工单 {lead.number}）的市民"
                f"对答复不满意：{text or '未说明具体原因'}"
                f"\n如需重办，请对工单 {lead.number} 操作。",
                payload={"lead": lead.number},
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
        if by_citizen:
            title = f"重办（市民回访不满意：{reason}）"
        else:
            who = ROLE_LABELS.get(actor.role, actor.role) + (f"{actor.name}" if actor.name else "")
            title = f"重办（{who}复核后要求重办：{reason}）"
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

    def reopen(self, number: str, actor: Actor, reason: str) -> TicketView:
        """Send an answered or closed ticket back to its department (重办)."""
        text = substantive(reason, field_name="重办理由", minimum=MIN_REASON_CHARS, limit=1000)
        return self._act(number, lambda s, t: self._reopen(s, t, actor, text))

    def close(self, number: str, actor: Actor, note: str | None = None) -> TicketView:
        """Close an answered ticket (办结), e.g. after follow-up without a rating."""
        text = clean_text(note, field_name="备注", required=False)

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.CLOSE, note=text)
            ticket.closed_at = self.clock.now()

        return self._act(number, run)

    def withdraw(self, number: str, actor: Actor, reason: str | None = None) -> TicketView:
        """The citizen withdraws an open ticket; the department is told to stop."""
        text = clean_text(reason, field_name="撤销理由", required=False, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            was = ticket.status
            self._move(session, ticket, actor, Action.WITHDRAW, note=text)
            ticket.closed_at = self.clock.now()
            if ticket.department_code and was != Status.RECEIVED.value:
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_withdrawn",
                    f"工单 {ticket.number} 已由市民撤销，无需继续办理。",
                )

        return self._act(number, run)

    def merge(self, number: str, into: str, actor: Actor, reason: str | None = None) -> TicketView:
        """Close a duplicate by merging it into the ticket that carries the case: its
        department stands down, its citizen later hears the lead ticket's answer."""
        if number.strip() == into.strip():
            raise DomainError("不能把工单合并到它自己。", code="merge_self")
        text = clean_text(reason, field_name="合并说明", required=False, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            target = self._load(session, into)
            if Status(target.status) in (Status.WITHDRAWN, Status.MERGED):
                raise IllegalTransition(
                    f"工单 {target.number} 已结束，不能作为合并目标。", code="merge_target_closed"
                )
            was = ticket.status
            self._move(
                session,
                ticket,
                actor,
                Action.MERGE,
                note=text,
                data={"into": target.number, "into_department": target.department_code},
            )
            ticket.merged_into_id = target.id
            ticket.closed_at = self.clock.now()
            self._notify(
                session,
                ticket,
                "citizen",
                "ticket_merged",
                messages.citizen_merged(ticket, target.number),
                payload={"into": target.number},
            )
            if ticket.department_code and was != Status.RECEIVED.value:
                who = ROLE_LABELS.get(actor.role, actor.role) + (actor.name or "")
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_merged",
                    messages.department_merged(ticket, target.number, who, text),
                    payload={"into": target.number},
                )

        return self._act(number, run)

    def escalate(self, number: str, actor: Actor, note: str) -> TicketView:
        """督办 by a supervisor: the department is told to act, with the supervisor's words;
        the ticket's status does not change."""
        text = substantive(note, field_name="督办意见", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            self._authorize(actor, Action.ESCALATE, ticket)
            if ticket.status not in (
                Status.DISPATCHED.value,
                Status.ACCEPTED.value,
                Status.RETURNED.value,
            ):
                raise IllegalTransition(
                    f"工单当前状态为“{STATUS_LABELS[Status(ticket.status)]}”，不能督办。",
                    code=f"illegal_escalate_from_{ticket.status}",
                )
            self._event(
                session, ticket, actor, Action.ESCALATE, from_status=ticket.status, note=text
            )
            who = f"督办人员{actor.name or ''}"
            self._notify(
                session,
                ticket,
                "department",
                "ticket_escalated",
                f"【督办】工单 {ticket.number}"
                f"（{self.catalogue.category_name(ticket.category_code)}）"
                f"\n{who}督办意见：{text}"
                f"\n办结时限：{messages.local_time(ticket.answer_due_at, self.tz)}",
            )

        return self._act(number, run)

    def flag_for_human(self, number: str, actor: Actor, transcript: str) -> TicketView:
        """A citizen asks for a person: a dispatcher gets the ticket with the transcript."""
        text = fit_transcript(transcript)

        def run(session: Session, ticket: Ticket) -> None:
            self._move(session, ticket, actor, Action.FLAG_FOR_HUMAN, note=text)
            ticket.needs_human = True
            self._notify(
                session,
                ticket,
                "dispatcher",
                "human_requested",
                f"【市民要求人工】工单 {ticket.number}\n{text or ''}",
            )

        return self._act(number, run)

    def recompute_provisional_deadlines(self) -> int:
        """Once holiday data for a year arrives, replace provisional deadlines with real ones."""
        changed = 0
        with self._unit() as session:
            tickets = session.scalars(
                select(Ticket).where(
                    Ticket.due_provisional.is_(True),
                    Ticket.status.in_(
                        [s.value for s in (Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED)]
                    ),
                    Ticket.dispatched_at.is_not(None),
                )
            ).all()
            for ticket in tickets:
                assert ticket.dispatched_at is not None
                start = ticket.dispatched_at
                accept, answer = self._round_deadlines(ticket, start)
                approved = session.scalars(
                    select(ExtensionRequest.working_days)
                    .where(
                        ExtensionRequest.ticket_id == ticket.id,
                        ExtensionRequest.status == "approved",
                        ExtensionRequest.decided_at >= start,
                    )
                    .order_by(ExtensionRequest.id)
                ).all()
                for days in approved:  # one at a time, as they were granted
                    answer = self.sla.extend(answer, days)
                if accept.provisional or answer.provisional:
                    continue  # still unknown: nothing better to offer yet
                self._set_deadlines(
                    session, ticket, accept=accept, answer=answer, reason="calendar_update"
                )
                schedule(ticket, self.sla, self.tz, self.clock.now())
                changed += 1
        return changed

    def reveal_phone(self, number: str, actor: Actor) -> str | None:
        """Show the citizen's phone to staff of the ticket's department, and audit that look."""

        def run(session: Session, ticket: Ticket) -> None:
            self._authorize(actor, Action.REVEAL_PHONE, ticket)
            self._event(session, ticket, actor, Action.REVEAL_PHONE, from_status=ticket.status)

        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            run(session, ticket)
            return ticket.contact_phone

    def reveal_numbers(self, number: str, actor: Actor) -> tuple[str | None, list[str]]:
        """The phone and the numbers masked in the ticket's texts, for its department; audited."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            self._authorize(actor, Action.REVEAL_PHONE, ticket)
            texts = [ticket.address, ticket.description, *(e.note for e in ticket.events)]
            found: list[str] = []
            for text in texts:
                found += [n for n in numbers_in(text) if n not in found]
            self._event(
                session,
                ticket,
                actor,
                Action.REVEAL_PHONE,
                from_status=ticket.status,
                data={"numbers": len(found), "phone": ticket.contact_phone is not None},
            )
            return ticket.contact_phone, found

    # ------------------------------------------------------------------ queries

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
            ):
                raise not_found(ticket.number)
            if (
                actor is not None
                and actor.role == "staff"
                and actor.department != ticket.department_code
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
            open_states = [s.value for s in (Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED)]
            query = (
                query.where(Ticket.status.in_(open_states), Ticket.answer_due_at < f.overdue_at)
                .order_by(None)
                .order_by(Ticket.answer_due_at)
            )
        if f.citizen is not None:
            channel, _, user = f.citizen.partition(":")
            query = query.join(Citizen).where(
                Citizen.channel == channel, Citizen.channel_user_id == user
            )
        with self._unit() as session:
            return [self._view(t) for t in session.scalars(query)]

    def count_tickets(self) -> int:
        with self._unit() as session:
            return session.scalar(select(func.count(Ticket.id))) or 0

    # -------------------------------------------------------------------- staff

    def add_operator(
        self, name: str, *, role: str, department: str | None, created_by: str | None = None
    ) -> OperatorView:
        """Register a named operator (the person behind `hotline … --as NAME`) with one role;
        department staff belong to exactly one department, centre roles to none."""
        clean = clean_text(name, field_name="操作员姓名", limit=80) or ""
        if ":" in clean or any(c.isspace() for c in clean):
            raise DomainError("操作员姓名不能含空格或冒号。", code="bad_operator_name")
        if role not in STAFF_ROLES:
            raise DomainError(
                f"角色“{role}”无效，只能是：staff（承办人员）、dispatcher（派单员）、"
                "supervisor（督办人员）、admin（管理员）。",
                code="bad_role",
            )
        if role == "staff":
            if not department:
                raise DomainError(
                    "承办人员必须用 --department 指定所属部门。", code="no_department"
                )
            if department not in self.catalogue.departments:
                raise DomainError(
                    f"没有“{department[:40]}”这个部门代码。", code="unknown_department"
                )
        elif department:
            raise DomainError(
                f"{ROLE_LABELS[role]}属于12345中心，不属于某个部门，请去掉 --department。",
                code="centre_role_department",
            )
        with self._unit() as session:
            if session.scalar(select(Operator.id).where(Operator.name == clean)) is not None:
                raise DomainError(f"操作员“{clean}”已存在。", code="operator_exists")
            row = Operator(
                name=clean,
                role=role,
                department_code=department if role == "staff" else None,
                active=True,
                created_at=self.clock.now(),
                created_by=created_by,
            )
            session.add(row)
            session.flush()
            return OperatorView(row.name, row.role, row.department_code, row.active)

    def list_operators(self) -> list[OperatorView]:
        """Every operator, active or not, by name."""
        with self._unit() as session:
            return [
                OperatorView(o.name, o.role, o.department_code, o.active)
                for o in session.scalars(select(Operator).order_by(Operator.name))
            ]

    def set_operator_active(self, name: str, active: bool) -> OperatorView:
        """Disable (or re-enable) an operator; a disabled one can no longer act."""
        with self._unit() as session:
            row = session.scalar(select(Operator).where(Operator.name == (name or "").strip()))
            if row is None:
                raise DomainError(f"没有名为“{name[:40]}”的操作员。", code="unknown_operator")
            row.active = active
            return OperatorView(row.name, row.role, row.department_code, row.active)

    def operator_actor(self, name: str) -> Actor:
        """The verified actor of an active operator: role and department come from the
        account, never from what was typed."""
        with self._unit() as session:
            row = session.scalar(select(Operator).where(Operator.name == (name or "").strip()))
            if row is None:
                raise DomainError(
                    f"没有名为“{name[:40]}”的操作员；请管理员先运行 "
                    "hotline operator add 姓名 --role 角色 [--department 部门代码]。",
                    code="unknown_operator",
                )
            if not row.active:
                raise NotAllowed(f"操作员“{row.name}”已停用。", code="operator_inactive")
            role = cast(Role, row.role)
            return Actor(
                role=role, id=f"operator:{row.name}", department=row.department_code, name=row.name
            )

    def invite_staff(
        self, *, role: str, department: str | None, valid_for: timedelta = timedelta(days=7)
    ) -> str:
        """Issue a one-time 128-bit code for `/bind CODE`; only its hash is kept."""
        if role == "admin":
            raise DomainError(
                "管理员角色不能用绑定码授予，请用 hotline staff grant --role admin。",
                code="admin_by_invite",
            )
        if role not in STAFF_ROLES:
            raise DomainError(f"角色只能是 {', '.join(STAFF_ROLES[:3])}。", code="bad_role")
        if role == "staff" and department not in self.catalogue.departments:
            raise DomainError("承办人员必须指定一个有效的部门。", code="unknown_department")
        return issue_invite(
            self.sessions, self.clock, role=role, department=department, valid_for=valid_for
        )

    def bind_staff(
        self,
        code: str,
        *,
        channel: str,
        chat_id: str,
        user_id: str | None,
        display_name: str | None = None,
        chat_title: str | None = None,
        group: bool = False,
    ) -> StaffBinding:
        """Consume an invite code: bind the person (and a not yet bound group); audited."""
        return StaffAccess(self.sessions, self.clock).bind(
            code,
            channel=channel,
            chat_id=chat_id,
            user_id=user_id,
            display_name=display_name,
            chat_title=chat_title,
            group=group,
        )
