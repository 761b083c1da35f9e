"""主办/协办: a dispatcher adds assisting departments; each gets its card and gives its opinion
(协办意见) to the lead within its own limit; the lead answers the citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.texts import MIN_REASON_CHARS, clean_text, substantive
from hotline.domain.tickets import Action, Actor, DomainError, Status
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork, _priority
from hotline.storage.models import Ticket, TicketAssist
from hotline.storage.outbox import OutboxEntry, enqueue

MAX_ASSISTING = 5


@dataclass(frozen=True)
class AssistView:
    """One assisting department of a ticket and where its opinion stands."""

    department: str
    department_name: str
    due_at: datetime
    status: str  # pending | given
    opinion: str | None
    opinion_at: datetime | None

    @property
    def on_time(self) -> bool | None:
        """Whether the opinion came within its limit (None while it is still awaited)."""
        return None if self.opinion_at is None else self.opinion_at <= self.due_at


class JointHandling(TicketWork):
    """Add assisting departments; take their opinions; list them."""

    def add_assisting(
        self, number: str, departments: list[str], actor: Actor, note: str | None = None
    ) -> TicketView:
        """Give a dispatched ticket assisting departments (协办); each gets its card once."""
        text = clean_text(note, field_name="协办说明", required=False, limit=1000)
        codes = list(dict.fromkeys(d.strip() for d in departments if d.strip()))
        if not codes:
            raise DomainError("请指定至少一个协办部门代码。", code="no_assisting")
        for code in codes:
            if code not in self.catalogue.departments:
                raise DomainError(
                    f"没有“{code[:40]}”这个部门代码；可选的部门代码见 data/catalogue.yml。",
                    code="unknown_department",
                )

        def run(session: Session, ticket: Ticket) -> None:
            have = set(self._assisting(ticket))
            if ticket.department_code in codes:
                raise DomainError(
                    f"{self.catalogue.department_name(ticket.department_code)}是该工单的主办单位，"
                    "不能同时作为协办单位。",
                    code="assist_is_lead",
                )
            again = [c for c in codes if c in have]
            if again:
                names = "、".join(self.catalogue.department_name(c) for c in again)
                raise DomainError(f"{names}已是该工单的协办单位。", code="assist_exists")
            if len(have) + len(codes) > MAX_ASSISTING:
                raise DomainError(
                    f"一张工单最多{MAX_ASSISTING}个协办单位。", code="too_many_assisting"
                )
            now = self.clock.now()
            lead_answer = (
                self._current_answer_deadline(ticket) if ticket.answer_due_at is not None else None
            )
            due = self.sla.assist_deadline(now, priority=_priority(ticket), lead_answer=lead_answer)
            lead = self.catalogue.department_name(ticket.department_code)
            for code in codes:
                self._move(
                    session,
                    ticket,
                    actor,
                    Action.ADD_ASSIST,
                    note=text,
                    data={"assisting": code, "opinion_due_at": self._iso(due.at)},
                )
                session.add(
                    TicketAssist(
                        ticket_id=ticket.id,
                        department_code=code,
                        added_at=now,
                        added_by=actor.audit_name,
                        note=text,
                        due_at=due.at,
                        warn_at=due.warn_at,
                    )
                )
                card = self.card(session, ticket, title=messages.assist_title(lead), note=text)
                self._notify(
                    session,
                    ticket,
                    "department",
                    "assist_dispatched",
                    f"{card}\n{messages.assist_card_tail(due.at, self.tz)}",
                    address=code,
                    payload={"assisting": code},
                    dedupe_key=f"assist:{ticket.number}:{code}",
                )
            names = "、".join(self.catalogue.department_name(c) for c in codes)
            self._notify(
                session,
                ticket,
                "department",
                "assist_added",
                messages.department_assist_added(ticket, names, due.at, self.tz),
            )

        return self._act(number, run)

    def give_opinion(self, number: str, actor: Actor, opinion: str) -> TicketView:
        """An assisting department's 协办意见, once, to the lead department (never the citizen)."""
        text = substantive(opinion, field_name="协办意见", minimum=MIN_REASON_CHARS, limit=2000)

        def run(session: Session, ticket: Ticket) -> None:
            self._authorize(actor, Action.ASSIST_OPINION, ticket)
            row = session.scalar(
                select(TicketAssist).where(
                    TicketAssist.ticket_id == ticket.id,
                    TicketAssist.department_code == actor.department,
                )
            )
            assert row is not None  # authorize checked the department assists
            if row.status == "given":
                raise DomainError(
                    f"贵单位已于{messages.local_time(row.opinion_at, self.tz)}提交协办意见，"
                    "如需补充请联系主办单位。",
                    code="opinion_given",
                )
            now = self.clock.now()
            self._move(
                session,
                ticket,
                actor,
                Action.ASSIST_OPINION,
                note=text,
                data={"assisting": row.department_code, "on_time": now <= row.due_at},
                due_at=row.due_at,
            )
            row.status, row.opinion, row.opinion_by, row.opinion_at = (
                "given",
                text,
                actor.audit_name,
                now,
            )
            self._notify(
                session,
                ticket,
                "department",
                "assist_opinion",
                messages.department_assist_opinion(
                    ticket, self.catalogue.department_name(row.department_code), text or ""
                ),
                payload={"assisting": row.department_code},
            )

        return self._act(number, run)

    def remind_assisting(self) -> int:
        """Remind assisting departments whose opinion is due soon (at the warning point) or
        late (at the limit), each reminder once (dedupe key); returns how many were queued."""
        now = self.clock.now()
        queued = 0
        with self._unit() as session:
            rows = session.execute(
                select(TicketAssist, Ticket)
                .join(Ticket, Ticket.id == TicketAssist.ticket_id)
                .where(
                    TicketAssist.status == "pending",
                    TicketAssist.warn_at <= now,
                    Ticket.status.in_((Status.DISPATCHED.value, Status.ACCEPTED.value)),
                )
                .limit(1000)
            ).all()
            for assist, ticket in rows:
                late = assist.due_at <= now
                kind = "assist_overdue" if late else "assist_warning"
                queued += enqueue(
                    session,
                    OutboxEntry(
                        audience="department",
                        address=assist.department_code,
                        kind=kind,
                        text=messages.department_assist_reminder(
                            ticket, assist.due_at, self.tz, late=late
                        ),
                        ticket=ticket,
                        payload={"number": ticket.number, "assisting": assist.department_code},
                        dedupe_key=f"{kind}:{ticket.number}:{assist.department_code}",
                    ),
                    now=now,
                )
        return queued

    def assisting(self, number: str) -> list[AssistView]:
        """The ticket's assisting departments and their opinions, in the order added."""
        with self._unit() as session:
            ticket = self._load(session, number, lock=False)
            rows = session.scalars(
                select(TicketAssist)
                .where(TicketAssist.ticket_id == ticket.id)
                .order_by(TicketAssist.id)
            )
            return [
                AssistView(
                    department=r.department_code,
                    department_name=self.catalogue.department_name(r.department_code),
                    due_at=r.due_at,
                    status=r.status,
                    opinion=r.opinion,
                    opinion_at=r.opinion_at,
                )
                for r in rows
            ]
