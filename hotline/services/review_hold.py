"""Holding a department's return or answer for the centre's review (审核) instead of applying it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.review import REVIEW_STAGE_LABELS, ReviewStage
from hotline.domain.tickets import Action, Actor, DomainError, Status, next_status
from hotline.services import messages
from hotline.storage.models import Ticket, TicketReview

if TYPE_CHECKING:
    from hotline.services.ticket_work import TicketWork

_UNDERLYING: dict[str, Action] = {"return": Action.RETURN, "answer": Action.RESOLVE}


def pending_review(session: Session, ticket: Ticket) -> TicketReview | None:
    """The return or answer of this ticket waiting for a dispatcher, if any."""
    return session.scalar(
        select(TicketReview).where(
            TicketReview.ticket_id == ticket.id, TicketReview.status == "pending"
        )
    )


def hold_for_review(
    work: TicketWork,
    session: Session,
    ticket: Ticket,
    actor: Actor,
    stage: ReviewStage,
    text: str,
) -> bool:
    """Hold the return or answer for 审核 when data/review.yml covers this ticket (True), or
    leave it to take effect now (False). Either way a second one while one waits is refused,
    and the department's right and the ticket's state are checked as for the action itself."""
    action = _UNDERLYING[stage]
    work._authorize(actor, action, ticket)
    next_status(action, Status(ticket.status))
    waiting = pending_review(session, ticket)
    if waiting is not None:
        raise DomainError(
            f"工单 {ticket.number} 的{REVIEW_STAGE_LABELS[waiting.stage]}正在等待12345中心审核，"
            "审核结果出来前不能再次提交。",
            code="review_pending",
        )
    if not work.review.required(stage, ticket.department_code, ticket.category_code):
        return False
    work._move(session, ticket, actor, Action.SUBMIT_REVIEW, note=text, data={"stage": stage})
    session.add(
        TicketReview(
            ticket_id=ticket.id,
            stage=stage,
            department_code=ticket.department_code,
            text=text,
            submitted_by=actor.audit_name,
            submitter_id=actor.id,
            submitter_name=actor.name,
            submitted_at=work.clock.now(),
        )
    )
    work._notify(
        session,
        ticket,
        "dispatcher",
        "review_requested",
        messages.dispatcher_review_requested(ticket, work.catalogue, stage, text, actor.name),
        payload={"stage": stage},
    )
    return True
