"""The tools staff reach for: internal notes, a named owner and 我的待办, and search."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hotline.domain.texts import clean_text
from hotline.domain.tickets import (
    PHONE_ROLES,
    Action,
    Actor,
    DomainError,
    NotAllowed,
    Status,
)
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.audit import audit
from hotline.storage.models import (
    Operator,
    StaffBinding,
    Ticket,
    TicketAssist,
    TicketNote,
    TicketOwner,
)
from hotline.storage.search_index import text_contains

SEARCH_LIMIT = 50
AT_WORK = (Status.DISPATCHED.value, Status.ACCEPTED.value)  # the department holds the ticket
_NUMBER = re.compile(r"^\d{8}-\d{4,6}$")


@dataclass(frozen=True)
class NoteView:
    """One internal note as staff read it."""

    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class Search:
    """What a staff member searches by; every part given must match."""

    number: str | None = None
    phone: str | None = None
    place: str | None = None
    text: str | None = None
    since: date | None = None  # local dates, both included
    until: date | None = None

    @property
    def empty(self) -> bool:
        """Tell whether nothing was asked (a search must narrow something)."""
        return not any((self.number, self.phone, self.place, self.text, self.since, self.until))


class StaffTools(TicketWork):
    """内部备注, 指定承办人 / 我的待办, and 工单检索 (number, phone (audited), place, text,
    date)."""

    # ------------------------------------------------------------------ notes

    def add_note(self, number: str, actor: Actor, text: str) -> NoteView:
        """An internal note: staff of the lead and assisting departments and the centre read
        it; the citizen never does (its text stays out of the ticket's history)."""
        body = clean_text(text, field_name="备注内容", limit=2000) or ""
        with self._unit() as session:
            ticket = self._load(session, number)
            self._authorize(actor, Action.NOTE, ticket)
            note = TicketNote(
                ticket_id=ticket.id,
                at=self.clock.now(),
                author=actor.audit_name,
                author_name=actor.name,
                text=body,
            )
            session.add(note)
            session.flush()
            self._event(
                session,
                ticket,
                actor,
                Action.NOTE,
                from_status=ticket.status,
                data={"note": note.id},
            )
            return NoteView(at=note.at, author=actor.name or actor.id, text=body)

    def notes(self, number: str, actor: Actor) -> list[NoteView]:
        """The ticket's internal notes, oldest first, for whoever may write them."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            self._authorize(actor, Action.NOTE, ticket)
            rows = session.scalars(
                select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)
            )
            return [NoteView(at=n.at, author=n.author_name or n.author, text=n.text) for n in rows]

    # ------------------------------------------------------------ owner / mine

    def _member(self, session: Session, department: str, name: str) -> tuple[str, str]:
        """(actor id, name) of the department's member called `name`: a CLI operator or a
        bound Telegram member; ambiguous or unknown names are refused."""
        found: dict[str, str] = {}
        for op in session.scalars(
            select(Operator).where(
                Operator.department_code == department,
                Operator.active.is_(True),
                Operator.name == name,
            )
        ):
            found[f"operator:{op.name}"] = op.name
        for b in session.scalars(
            select(StaffBinding).where(
                StaffBinding.department_code == department,
                StaffBinding.role == "staff",
                StaffBinding.active.is_(True),
                StaffBinding.user_id.is_not(None),
                StaffBinding.display_name == name,
            )
        ):
            found[f"{b.channel}:{b.user_id}"] = b.display_name or name
        if not found:
            raise DomainError(
                f"{self.catalogue.department_name(department)}没有名为“{name[:40]}”的工作人员"
                "（须已绑定 Telegram 或有命令行账号）。",
                code="unknown_member",
            )
        if len(found) > 1:
            raise DomainError(
                f"{self.catalogue.department_name(department)}有{len(found)}位名为“{name[:40]}”"
                "的工作人员，请管理员为其设置可区分的名字。",
                code="ambiguous_member",
            )
        return next(iter(found.items()))

    def assign(self, number: str, actor: Actor, member: str) -> TicketView:
        """Name the member of the department who handles the ticket (承办人); it shows in
        that person's 我的待办."""
        name = clean_text(member, field_name="承办人姓名", limit=80) or ""

        def run(session: Session, ticket: Ticket) -> None:
            self._authorize(actor, Action.ASSIGN, ticket)
            department = ticket.department_code or ""
            member_id, member_name = self._member(session, department, name)
            self._move(
                session,
                ticket,
                actor,
                Action.ASSIGN,
                data={"assignee": member_id, "assignee_name": member_name},
            )
            owner = session.get(TicketOwner, ticket.id)
            if owner is None:
                owner = TicketOwner(ticket_id=ticket.id)
                session.add(owner)
            owner.department_code = department
            owner.assignee_id, owner.assignee_name = member_id, member_name
            owner.assigned_by, owner.assigned_at = actor.audit_name, self.clock.now()
            self._notify(
                session,
                ticket,
                "department",
                "ticket_assigned",
                messages.department_assigned(ticket, member_name, actor.name or "本部门"),
            )

        return self._act(number, run)

    def owner_of(self, number: str) -> str | None:
        """The name of the ticket's 承办人 while its department still holds it."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            owner = session.get(TicketOwner, ticket.id)
            if owner is None or owner.department_code != ticket.department_code:
                return None
            return owner.assignee_name

    def my_tickets(self, actor: Actor) -> list[TicketView]:
        """我的待办: tickets assigned to this person that their department still works on
        (dispatched or accepted), the nearest answer deadline first."""
        query = (
            select(Ticket)
            .join(TicketOwner, TicketOwner.ticket_id == Ticket.id)
            .where(
                TicketOwner.assignee_id == actor.id,
                TicketOwner.department_code == Ticket.department_code,
                Ticket.status.in_(AT_WORK),
            )
            .order_by(Ticket.answer_due_at, Ticket.id)
            .limit(200)
        )
        with self._unit() as session:
            return [replace(self._view(t), contact_phone=None) for t in session.scalars(query)]

    # ----------------------------------------------------------------- search

    def _conditions(self, query: Search, digits: str) -> list[ColumnElement[bool]]:
        """The WHERE clauses of a search, one per part given."""
        conditions: list[ColumnElement[bool]] = []
        if query.number:
            if not _NUMBER.match(query.number.strip()):
                raise DomainError("工单编号格式不对，应类似 20261123-0042。", code="bad_number")
            conditions.append(Ticket.number == query.number.strip())
        if digits:
            conditions.append(Ticket.contact_phone.contains(digits, autoescape=True))
        if query.place:
            place = query.place.strip()
            conditions.append(or_(text_contains("address", place), Ticket.place_key == place))
        if query.text:
            conditions.append(text_contains("description", query.text.strip()))
        if query.since:
            conditions.append(Ticket.created_at >= datetime.combine(query.since, time(), self.tz))
        if query.until:
            end = datetime.combine(query.until + timedelta(days=1), time(), self.tz)
            conditions.append(Ticket.created_at < end)
        return conditions

    def search(self, actor: Actor, query: Search) -> list[TicketView]:
        """Tickets matching every part given, newest first (at most SEARCH_LIMIT). Staff find
        their department's and those they assist; a search by phone is audited."""
        if actor.role not in ("staff", "dispatcher", "supervisor"):
            raise NotAllowed("只有工作人员和12345中心人员可以检索工单。", code="not_allowed")
        if query.empty:
            raise DomainError(
                "请至少给出一个检索条件：工单编号、电话、地点、内容或日期。", code="empty_search"
            )
        digits = "".join(c for c in query.phone or "" if c.isdigit())
        if query.phone is not None:
            if actor.role not in PHONE_ROLES:
                raise NotAllowed("督办人员不能按电话检索工单。", code="not_allowed")
            if len(digits) < 7:
                raise DomainError("按电话检索请至少输入7位数字。", code="bad_phone")
        conditions = self._conditions(query, digits)
        select_ = select(Ticket).where(*conditions).order_by(Ticket.id.desc()).limit(SEARCH_LIMIT)
        if actor.role == "staff":
            assisted = select(TicketAssist.ticket_id).where(
                TicketAssist.department_code == actor.department
            )
            select_ = select_.where(
                or_(Ticket.department_code == actor.department, Ticket.id.in_(assisted))
            )
        with self._unit() as session:
            found = [replace(self._view(t), contact_phone=None) for t in session.scalars(select_)]
            if query.phone is not None:
                audit(
                    session,
                    at=self.clock.now(),
                    actor=actor.audit_name,
                    action="search_phone",
                    subject=f"***{digits[-4:]}",
                    data={"results": len(found), "numbers": [v.number for v in found[:20]]},
                )
            return found
