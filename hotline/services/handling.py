"""The department's and the centre's work on a ticket: dispatch to answer, merge, escalate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.texts import (
    MIN_ANSWER_CHARS,
    MIN_REASON_CHARS,
    clean_text,
    substantive,
)
from hotline.domain.tickets import (
    ROLE_LABELS,
    STATUS_LABELS,
    Action,
    Actor,
    DomainError,
    IllegalTransition,
    Status,
)
from hotline.services import messages
from hotline.services.review_hold import hold_for_review
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import (
    ExtensionRequest,
    Ticket,
)
from hotline.storage.reporters import move_reporters


class Handling(TicketWork):
    """派单, 签收, 退单, 延期, 办结, 合并, 督办 and 催办."""

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
        """The department sends the ticket back (退单): not its duty; a dispatcher re-routes it.
        Where data/review.yml says so, the return waits for a dispatcher's 审核 first."""
        text = substantive(reason, field_name="退单理由", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            if not hold_for_review(self, session, ticket, actor, "return", text or ""):
                self._return(session, ticket, actor, text or "")

        return self._act(number, run)

    def _return(self, session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
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
                title=messages.return_title(self.catalogue.department_name(department), text),
            ),
        )

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
                messages.dispatcher_extension_requested(
                    ticket, self.catalogue, self.tz, working_days, text
                ),
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
            self._notify(
                session,
                ticket,
                "department",
                "extension_decided",
                messages.department_extension_decided(ticket, self.tz, approved=approve, note=text),
                payload={"approved": approve},
            )

        return self._act(number, run)

    def resolve(self, number: str, actor: Actor, answer: str) -> TicketView:
        """The department answers (办结答复); the citizen hears it through the outbox, after a
        dispatcher's 审核 where data/review.yml says so."""
        text = substantive(answer, field_name="答复内容", minimum=MIN_ANSWER_CHARS)

        def run(session: Session, ticket: Ticket) -> None:
            if not hold_for_review(self, session, ticket, actor, "answer", text or ""):
                self._resolve(session, ticket, actor, text or "")

        return self._act(number, run)

    def _resolve(self, session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
        self._move(session, ticket, actor, Action.RESOLVE, note=text, due_at=ticket.answer_due_at)
        ticket.answer = text
        ticket.resolved_at = self.clock.now()
        ticket.directive_due_at = None  # a 督办 deadline ends with the answer
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
            move_reporters(session, ticket, target)  # its linked callers follow the case
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

    def escalate(
        self, number: str, actor: Actor, note: str, *, due: datetime | None = None
    ) -> TicketView:
        """督办 by a supervisor: the department is told to act, with the supervisor's words
        and, if set, a deadline the sweep watches like any limit; the status does not change."""
        text = substantive(note, field_name="督办意见", minimum=MIN_REASON_CHARS, limit=1000)
        if due is not None and due <= self.clock.now():
            raise DomainError("督办时限必须晚于现在。", code="directive_due_past")

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
            if due is not None:
                ticket.directive_due_at = due
            self._event(
                session,
                ticket,
                actor,
                Action.ESCALATE,
                from_status=ticket.status,
                note=text,
                data={"directive_due_at": self._iso(due)} if due is not None else None,
                due_at=due,
            )
            self._notify(
                session,
                ticket,
                "department",
                "ticket_escalated",
                messages.department_escalated(ticket, self.catalogue, self.tz, actor.name, text),
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
                    messages.department_citizen_chase(ticket, note),
                    dedupe_key=f"chase:{ticket.number}:{ticket.department_code}:{day}",
                )

        return self._act(number, run)
