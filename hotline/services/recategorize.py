"""Category correction by the centre: the routing label the reports and the NLU learn from."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.domain.texts import MIN_REASON_CHARS, substantive
from hotline.domain.tickets import Action, Actor, DomainError, Status
from hotline.services import messages
from hotline.services.snapshots import TicketView
from hotline.services.ticket_work import TicketWork
from hotline.storage.models import Ticket


class CategoryCorrection(TicketWork):
    """更正类别: a dispatcher sets the right category; the department follows the catalogue."""

    def correct_category(self, number: str, category: str, actor: Actor, reason: str) -> TicketView:
        """Correct an open ticket's category with a reason (audited); when the catalogue
        routes the new category elsewhere, the ticket moves there (the old department stands
        down, the new one gets the card, the round's limits keep running). The correcting
        event is what `hotline nlu corrections` exports as a routing label."""
        if category not in self.catalogue.categories:
            raise DomainError(
                f"没有“{category[:40]}”这个类别代码（见 data/catalogue.yml）。",
                code="unknown_category",
            )
        text = substantive(reason, field_name="更正理由", minimum=MIN_REASON_CHARS, limit=1000)

        def run(session: Session, ticket: Ticket) -> None:
            old_category, old_department = ticket.category_code, ticket.department_code
            if category == old_category:
                name = self.catalogue.category_name(category)
                raise DomainError(
                    f"工单 {ticket.number} 的类别已经是“{name}”。",
                    code="same_category",
                )
            self._authorize(actor, Action.RECATEGORIZE, ticket)
            department = self.catalogue.route(category, ticket.address) or old_department
            old_name = self.catalogue.category_name(old_category)
            new_name = self.catalogue.category_name(category)
            ticket.category_code = category
            moves = department is not None and department != old_department
            waiting = ticket.status in (Status.RECEIVED.value, Status.RETURNED.value)
            if moves and waiting:
                assert department is not None
                self._dispatch(session, ticket, department, actor, f"更正类别：{text}")
                ticket.needs_human = False
            data = {
                "category": category,
                "previous_category": old_category,
                "department": department,
                "previous_department": old_department,
            }
            if moves and not waiting:  # with a department already: it stands down
                assert department is not None and old_department is not None
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_recategorized_away",
                    messages.department_recategorized_away(
                        ticket, self.catalogue.department_name(department), text or ""
                    ),
                )
                ticket.department_code = department
                ticket.accepted_at = None
                ticket.accept_work_seconds = None
                self._move(
                    session,
                    ticket,
                    actor,
                    Action.RECATEGORIZE,
                    note=text,
                    data=data,
                    to=Status.DISPATCHED,
                )
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_dispatched",
                    self.card(
                        session,
                        ticket,
                        title=messages.recategorized_title(old_name, new_name, text or ""),
                    ),
                )
                return
            self._move(session, ticket, actor, Action.RECATEGORIZE, note=text, data=data)
            if not moves and ticket.department_code and ticket.status != Status.RECEIVED.value:
                self._notify(
                    session,
                    ticket,
                    "department",
                    "ticket_recategorized",
                    messages.department_recategorized(ticket, old_name, new_name, text or ""),
                )

        return self._act(number, run)
