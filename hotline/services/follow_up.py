"""After the answer: the citizen's rating (回访), reopening, closing, chat-endpoint delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from sqlalchemy import String, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from hotline.domain.privacy import numbers_in
from hotline.domain.texts import (
    MIN_REASON_CHARS,
    clean_text,
    substantive,
)
from hotline.domain.tickets import (
    SYSTEM,
    Action,
    Actor,
    DomainError,
    IllegalTransition,
    Status,
)
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import (
    Citizen,
    OutboxDelivery,
    OutboxMessage,
    Rating,
    Ticket,
)
from hotline.storage.outbox import (
    PULL_CHANNELS,
    PULL_EXPIRY_DAYS,
    mark_sent,
)
from hotline.storage.reporters import reporter_row

Score = Literal["satisfied", "basically_satisfied", "unsatisfied"]
SCORE_LABELS: dict[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}


class FollowUp(TicketWork):
    """回访 and 办结: rate, reopen, close; the phone look and messages a chat endpoint pulls."""

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
            if self._is_reporter(actor, ticket):
                self._rate_as_reporter(session, ticket, actor, score, text)
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
                messages.dispatcher_merged_unsatisfied(ticket, lead, text),
                payload={"lead": lead.number},
            )

    def _rate_as_reporter(
        self, session: Session, ticket: Ticket, actor: Actor, score: Score, text: str | None
    ) -> None:
        """A citizen linked to the problem rates its answer (kept on their reporter link, one
        per answer round); 不满意 reopens the ticket for every reporter."""
        if ticket.resolved_at is None or ticket.status not in (
            Status.RESOLVED.value,
            Status.CLOSED.value,
        ):
            raise IllegalTransition(
                f"工单 {ticket.number} 尚未答复，答复后再请您评价。", code="not_answered"
            )
        row = reporter_row(session, ticket.id, actor.id)
        assert row is not None  # _is_reporter said so
        if row.rated_round == ticket.reopen_count:
            raise IllegalTransition("您已评价过这次答复，感谢！", code="already_rated")
        row.rated_round, row.rating = ticket.reopen_count, score
        self._authorize(actor, Action.RATE, ticket)
        self._event(
            session,
            ticket,
            actor,
            Action.RATE,
            from_status=ticket.status,
            note=text,
            data={"score": score, "reporter": True},
        )
        if score == "unsatisfied":
            self._reopen(session, ticket, actor, reason=text or "未说明具体原因")

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
