"""Answers to a question the assistant asked outside a draft: a parked draft offered back,"""

from __future__ import annotations

import re
from typing import Any

from hotline.domain.tickets import DomainError
from hotline.services.conversation.context import Room
from hotline.services.conversation.drafts import Intake
from hotline.services.conversation.filed import FiledTickets
from hotline.services.conversation.words import (
    is_affirm,
    is_cancel,
    ordinal_choice,
)


class AssistantQuestions(Room):
    """Answers to a question the assistant asked outside a draft: a parked draft offered back,
    which ticket, a place to amend, information to add."""

    async def answer_awaiting(self, awaiting: dict[str, Any]) -> bool:
        kind = awaiting.get("kind")
        if kind == "offer":
            return self.answer_offer()
        if kind == "which_ticket":
            return self.answer_which(awaiting)
        if kind == "amend_place":
            self.state["awaiting"] = None
            if is_affirm(self.text, self.turn.intent):
                try:
                    view = self.service.tickets.amend(
                        str(awaiting.get("number")), self.actor, address=str(awaiting.get("place"))
                    )
                except DomainError as exc:
                    self.say(exc.message)
                    return True
                self.say(f"已把工单 {view.number} 的地点更正为“{awaiting.get('place')}”。")
                return True
            if self.text in ("不是", "/deny") or self.turn.intent == "deny":
                self.utter("utter_place_unchanged")
                return True
            return False
        if kind == "add_info":
            self.state["awaiting"] = None
            if is_cancel(self.text, self.turn.intent):
                self.utter("utter_nothing_added")
                return True
            number = awaiting.get("number")
            self.room(FiledTickets).add_information(str(number) if number else None, self.text)
            return True
        return False

    def answer_offer(self) -> bool:
        parked = self.state.get("parked")
        self.state["awaiting"] = None
        if not isinstance(parked, dict):
            return False
        if is_affirm(self.text, self.turn.intent) or re.search(
            r"继续|接着|上次的?诉求", self.short
        ):
            self.state["parked"] = None
            parked["status"] = "collecting"
            self.utter("utter_resume_parked")
            self.room(Intake).ask_next(parked)
            return True
        if is_cancel(self.text, self.turn.intent) or re.search(
            r"不要了|不用了|上次的不要", self.short
        ):
            self.state["parked"] = None
            self.utter("utter_parked_dropped")
            return True
        return False  # something new: handle it; the parked draft stays parked

    def answer_which(self, awaiting: dict[str, Any]) -> bool:
        numbers = [str(n) for n in awaiting.get("numbers") or []]
        number = self.ticket_number()
        if number is None:
            index = ordinal_choice(self.text, len(numbers))
            number = numbers[index] if index is not None else None
        if number is None and is_cancel(self.text, self.turn.intent):
            self.state["awaiting"] = None
            self.utter("utter_ok")
            return True
        if number is None:
            if len(self.short) > 6:
                self.state["awaiting"] = None
                return False  # moved on to something else
            self.utter("utter_ask_which_again")
            return True
        self.state["awaiting"] = None
        purpose = awaiting.get("purpose")
        original = str(awaiting.get("text") or "")
        if purpose == "rate":
            self.room(FiledTickets).rate(number, str(awaiting.get("score")), original)
        elif purpose == "chase":
            self.room(FiledTickets).chase(number, original)
        elif purpose == "withdraw":
            self.room(FiledTickets).withdraw(number, original)
        elif purpose == "add":
            self.room(FiledTickets).add_information(number, original)
        return True
