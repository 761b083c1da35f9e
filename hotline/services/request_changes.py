"""The citizen's request after it was opened: more information, a corrected place or phone,
withdrawal, a human's attention, and the department asking the citizen for more."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.places import place_key
from hotline.domain.texts import clean_text, fit_transcript
from hotline.domain.tickets import OPEN_FOR_ANSWER, Action, Actor, DomainError, Status
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.sweep import schedule
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import ExtensionRequest, Ticket


class RequestChanges(TicketWork):
    """Changes to an open request, by the citizen, a dispatcher or the department."""

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
                    messages.department_information_added(ticket, info),
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
        phone: str | None = None,
    ) -> TicketView:
        """The citizen corrects a submitted ticket's place, extra field or contact number; the
        department sees the old and the new value (numbers masked), and hot spots and
        duplicates key on the new place."""
        place = clean_text(address, field_name="地址", required=False, limit=300)
        number_given = clean_text(phone, field_name="联系电话", required=False, limit=32)
        changes = {
            k: clean_text(v, field_name=k, limit=200) or "" for k, v in (details or {}).items()
        }
        if place is None and number_given is None and not changes:
            raise DomainError("请告诉我要更正的内容。", code="empty")

        def run(session: Session, ticket: Ticket) -> None:
            lines: list[str] = []
            if place is not None:
                lines.append(messages.amended_line("地点", ticket.address, place))
                ticket.address = place
                ticket.place_key = place_key(place)
            if number_given is not None:
                old = messages.mask_phone(ticket.contact_phone) if ticket.contact_phone else None
                lines.append(
                    messages.amended_line("联系电话", old, messages.mask_phone(number_given))
                )
                ticket.contact_phone = number_given
            if changes:
                merged = dict(ticket.details or {})
                for key, value in changes.items():
                    name = self.catalogue.fields[key].name if key in self.catalogue.fields else key
                    lines.append(messages.amended_line(name, merged.get(key), value))
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
                    messages.department_amended(ticket, text),
                )

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
                    messages.department_withdrawn(ticket),
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
                messages.dispatcher_human_requested(ticket, text),
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

    def recompute_provisional_deadlines(self) -> int:
        """Once holiday data for a year arrives, replace provisional deadlines with real ones."""
        changed = 0
        with self._unit() as session:
            tickets = session.scalars(
                select(Ticket).where(
                    Ticket.due_provisional.is_(True),
                    Ticket.status.in_(OPEN_FOR_ANSWER),
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
