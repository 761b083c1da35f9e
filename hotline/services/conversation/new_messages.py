"""A message outside any draft or question: small talk, praise, a policy question, or a new"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hotline.domain.consult import answer_in_passing, consult_or_report
from hotline.domain.intake import (
    Routing,
    route_parse,
    split_problems,
)
from hotline.domain.places import (
    place_from_answer,
    says_more_than_place,
)
from hotline.domain.private import is_family_matter, is_ping, notice_only, private_intent
from hotline.domain.reading import ASK_MIN, enumerated_asks
from hotline.domain.tickets import DomainError
from hotline.services.conversation.consultations import Consultations
from hotline.services.conversation.context import Room, known_request_type, since
from hotline.services.conversation.drafts import Intake
from hotline.services.conversation.exchange import draft_key
from hotline.services.conversation.filed import FiledTickets
from hotline.services.conversation.questions import AssistantQuestions
from hotline.services.conversation.responses import SMALL_TALK
from hotline.services.conversation.words import (
    _ACT,
    _CATEGORY_WRONG,
    _COMPLAINT,
    _PRAISE,
    is_affirm,
)
from hotline.services.registration import NewTicket

MIN_REQUEST_MASS = 0.15
MAX_ASKS = 5  # numbered asks parsed one by one, at most


class NewMessages(Room):
    """A message outside any draft or question: small talk, praise, a policy question, or a new
    report."""

    async def new_message(self) -> None:
        """A message outside any draft or question: small talk, the citizen's own tickets,
        a policy question, or a new request."""
        if self.small_or_stale() or self.room(FiledTickets).about_my_tickets():
            return
        await self.new_request()

    def small_or_stale(self) -> bool:
        intent, text = self.turn.intent, self.text
        if self.state.get("parked") and re.search(r"继续上次|上次的?诉求|接着登记", self.short):
            self.state["awaiting"] = {"kind": "offer"}
            return self.room(AssistantQuestions).answer_offer()
        if is_ping(self.short) and not self.turn.urgent:
            intent = "greet"  # "早啊，有人在冇": someone checking we are there
        if intent in ("greet", "goodbye", "thank", "bot_challenge", "insult"):
            self.utter(SMALL_TALK[intent])
            return True
        if intent == "nonsense":
            self.utter("utter_default")
            return True
        filed_at = self.state.get("filed_at")
        filed_recently = bool(filed_at) and since(filed_at, self.now) < timedelta(minutes=10)
        if self.state.get("last_ticket") and (
            text == "/affirm" or (filed_recently and is_affirm(text, intent))
        ):
            self.say(f"您的诉求已经提交（工单 {self.state['last_ticket']}），不用重复确认。")
            return True
        if text in ("/affirm", "/deny", "/correct_category") or text.startswith("/choose_category"):
            self.utter("utter_button_expired_describe")
            return True
        if intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.room(FiledTickets).wrong_category_after_filing()
            return True
        if intent == "private_dispute" or (is_family_matter(text) and not self.turn.urgent):
            self.utter("utter_private_dispute")
            return True
        return False

    async def new_request(self) -> None:
        intent, text = self.turn.intent, self.text
        if intent == "inform" and self.turn.latitude is not None:
            self.utter("utter_location_only")
            return
        routing = self.routing
        if (
            _PRAISE.search(text) and not _COMPLAINT.search(text)
        ) or self.turn.request_type == "表扬":
            self.record_praise(routing)
            return
        if notice_only(text) and not self.turn.urgent:
            self.utter("utter_forwarded_notice")  # information passed on: nothing to file
            return
        if private_intent(text) == "out_of_scope":
            # gossip asks nothing, whatever policy words it names ("卫生院的医生长得真精神")
            self.utter(SMALL_TALK["out_of_scope"])
            return
        consultation = self.room(Consultations).decide(text)
        if consultation.answer is not None:
            self.state["topic"] = None
            self.room(Consultations).give_answer(consultation.answer, question=text)
            return
        mass = sum(c.confidence for c in routing.choices)
        known_subject = consultation.reason == "subject_not_in_kb"  # 公积金: public, not ours
        if intent in ("chitchat", "out_of_scope") and await self.routable_ask():
            return
        if (
            intent in ("chitchat", "out_of_scope")
            and (mass < 0.5 or not routing.sure)
            and not known_subject
        ):
            self.utter(SMALL_TALK[intent])
            return
        if intent == "inform" and mass < 0.5 and not says_more_than_place(text):
            self.lone_place()  # "36路车站的雨棚被风刮没了" is a report, not a place alone
            return
        if mass < MIN_REQUEST_MASS or not routing.choices:
            self.room(Consultations).unanswered(
                consultation.is_question, known_subject=known_subject
            )
            return
        if consultation.is_question and routing.sure and not _ACT.search(text):
            self.room(Consultations).offer_consultation(routing)
            return
        if known_subject:  # 公积金 asked, routing unsure: a question still, never a place form
            self.room(Consultations).offer_consultation(None)
            return
        routing, report = await self.answer_side_question(routing)
        await self.start_report(routing, report)

    async def answer_side_question(self, routing: Routing) -> tuple[Routing, str]:
        """A report that also asks a policy question in passing ("…能不能挪回来？顺便问一句，
        老年食堂68岁能去吃吗"): the question is answered before the report is taken, not lost,
        and the report is routed on its own words (the question's would pull in its department,
        or make a second ticket of it); returns the routing and the words of the report."""
        passing = answer_in_passing(self.c.knowledge, self.text)
        if passing is None:
            return routing, self.text
        answer = passing.answer
        self.say(f"先回答您问的“{answer.title}”：\n{answer.text}")
        report = passing.report
        parsed = await self.c.parser.parse(report) if len(report) >= 6 else None
        if not parsed:
            return routing, report  # too short to read alone, or the parser is down
        alone = route_parse(parsed.get("intent_ranking") or [], self.catalogue)
        return (alone if alone.department is not None else routing), report

    def lone_place(self) -> None:
        """A place with nothing else: most likely meant for the ticket just filed."""
        place = place_from_answer(self.text)
        number = self.state.get("last_ticket")
        if place and number:
            self.state["awaiting"] = {"kind": "amend_place", "number": number, "place": place}
            self.say(
                f"要把地点“{place}”更正到工单 {number} 吗？",
                [("是，更正地点", "是"), ("不是", "不是")],
            )
            return
        self.utter("utter_describe_problem_first")

    async def routable_ask(self) -> bool:
        """Several numbered asks read as small talk (homework, the weather, a school fee):
        the first one a department handles, the one the citizen says matters most first, is
        answered or reported with the whole message as its description."""
        for ask in enumerated_asks(self.text)[:MAX_ASKS]:
            parsed = await self.c.parser.parse(ask)
            if not parsed:
                return False  # the parser is down: the whole message's reading stands
            routing = route_parse(parsed.get("intent_ranking") or [], self.catalogue)
            if routing.department is None or routing.confidence < ASK_MIN:
                continue
            consultation = consult_or_report(
                self.c.knowledge,
                ask,
                category=routing.category,
                department=routing.department,
                request_type=known_request_type(parsed.get("type")),
                sure=routing.sure,
            )
            if consultation.answer is not None:
                self.state["topic"] = None
                self.room(Consultations).give_answer(consultation.answer, question=ask)
            else:
                await self.start_report(routing)
            return True
        return False

    async def start_report(self, routing: Routing, report: str | None = None) -> None:
        """Open the draft with the whole message; further problems are looked for in the
        report's own words (``report``: without a question already answered in passing)."""
        text = self.text
        draft = self.room(Intake).new_draft(text, routing, *self.room(Intake).places_said())
        self.state["topic"] = None
        if not routing.sure:
            draft["asking"] = "category"
            self.set_draft(draft)
            self.room(Intake).offer_choices(draft, "utter_ask_department")
            return
        extras = await self.extra_problems(routing, report or text)
        draft["extra"] = extras
        names = [self.catalogue.category_name(routing.category)]
        names += [self.catalogue.category_name(p["category"]) for p in extras]
        self.say(
            f"好的，您反映的是“{'”和“'.join(names)}”的问题，我来为您登记。"
            + ("（您提到了两件事，我们会分别立单办理。）" if extras else "")
        )
        self.room(Intake).ask_next(draft)

    async def extra_problems(self, first: Routing, report: str) -> list[dict[str, Any]]:
        parts = split_problems(report)
        if len(parts) < 2:
            return []
        extras: list[dict[str, Any]] = []
        seen = {first.category}
        for part in parts[:4]:
            parsed = await self.c.parser.parse(part)
            if not parsed:
                continue
            routing = route_parse(parsed.get("intent_ranking") or [], self.catalogue)
            if routing.sure and routing.category not in seen and routing.confidence >= 0.6:
                seen.add(routing.category)
                extras.append(
                    {
                        "description": part,
                        "category": routing.category,
                        "department": routing.department,
                        "request_type": known_request_type(parsed.get("type")),
                    }
                )
        return extras[:2]

    def record_praise(self, routing: Routing) -> None:
        """表扬: recorded for the department (no form), and thanked."""
        department = routing.department if routing.confidence >= 0.3 else None
        category = routing.category if department else None
        if department is None and self.state.get("last_ticket"):
            try:  # praise right after a ticket is praise for the department that handled it
                last = self.service.views.get_ticket(str(self.state["last_ticket"]), self.actor)
                department, category = last.department, last.category
            except DomainError:
                pass
        try:
            view = self.service.tickets.open_ticket(
                NewTicket(
                    channel=self.channel,
                    channel_user_id=self.user,
                    description=self.text,
                    category=category,
                    department=department,
                    request_type="表扬",
                    needs_human=department is None,
                    idempotency_key=draft_key(self.sender, self.turn.message_id or self.text)
                    + ":praise",
                )
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        who = view.department_name if view.department else "相关部门"
        self.say(
            f"谢谢您的表扬！已记录为表扬件（{view.number}），会转达给{who}。您的肯定是对他们最好的鼓励。"
        )
        self.state["last_ticket"] = view.number
