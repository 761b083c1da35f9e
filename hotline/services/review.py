"""The centre's review (审核): a dispatcher approves or rejects a held return or answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.texts import MIN_REASON_CHARS, clean_text, substantive
from hotline.domain.tickets import Action, Actor, DomainError, IllegalTransition, Status
from hotline.services import messages
from hotline.services.handling import Handling
from hotline.services.review_hold import pending_review
from hotline.services.snapshots import TicketView
from hotline.storage.models import Ticket, TicketReview


@dataclass(frozen=True)
class ReviewItem:
    """A held return or answer as a dispatcher lists it."""

    number: str
    stage: str
    department: str | None
    text: str
    submitted_by: str | None
    submitted_at: datetime


class Review(Handling):
    """审核通过 applies the held return or answer as its department wrote it; 审核驳回 sends it
    back with the reason while the department's answer clock keeps running."""

    def decide_review(
        self, number: str, actor: Actor, *, approve: bool, note: str | None = None
    ) -> TicketView:
        """Approve or reject the ticket's held return or answer (dispatchers)."""
        text = clean_text(note, field_name="审核意见", required=False, limit=1000)
        if not approve:
            if text is None:
                raise DomainError("审核驳回必须写明理由。", code="reject_needs_reason")
            text = substantive(text, field_name="驳回理由", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            held = pending_review(session, ticket)
            if held is None:
                raise IllegalTransition("该工单没有待审核的退单或答复。", code="no_review")
            now = self.clock.now()
            self._move(
                session,
                ticket,
                actor,
                Action.APPROVE_REVIEW if approve else Action.REJECT_REVIEW,
                note=text,
                data={
                    "stage": held.stage,
                    "department": held.department_code,
                    "submitted_by": held.submitted_by,
                    "turnaround_seconds": int((now - held.submitted_at).total_seconds()),
                },
            )
            held.status = "approved" if approve else "rejected"
            held.decided_by, held.decided_at, held.decision_note = actor.audit_name, now, text
            if not approve:
                self._notify(
                    session,
                    ticket,
                    "department",
                    "review_rejected",
                    messages.department_review_rejected(ticket, self.tz, held.stage, text or ""),
                    payload={"stage": held.stage},
                )
                return
            if held.department_code != ticket.department_code:
                raise IllegalTransition(
                    "该工单已改派其他部门，原提交的内容不能再生效。", code="review_stale"
                )
            author = Actor(
                role="staff",
                id=held.submitter_id,
                department=held.department_code,
                name=held.submitter_name,
            )
            self._notify(
                session,
                ticket,
                "department",
                "review_approved",
                messages.department_review_approved(ticket, held.stage),
                payload={"stage": held.stage},
            )
            if held.stage == "answer":
                self._resolve(session, ticket, author, held.text)
            else:
                self._return(session, ticket, author, held.text)

        return self._act(number, run)

    def pending_reviews(self, limit: int = 200) -> list[ReviewItem]:
        """Held returns and answers of tickets still at work, oldest first."""
        with self._unit() as session:
            rows = session.execute(
                select(TicketReview, Ticket.number)
                .join(Ticket, Ticket.id == TicketReview.ticket_id)
                .where(
                    TicketReview.status == "pending",
                    Ticket.status.in_((Status.DISPATCHED.value, Status.ACCEPTED.value)),
                )
                .order_by(TicketReview.submitted_at, TicketReview.id)
                .limit(limit)
            ).all()
            return [
                ReviewItem(
                    number=number,
                    stage=r.stage,
                    department=r.department_code,
                    text=r.text,
                    submitted_by=r.submitter_name,
                    submitted_at=r.submitted_at,
                )
                for r, number in rows
            ]
