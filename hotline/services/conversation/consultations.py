"""Policy questions: the answer given, follow-ups on its topic, registering it as a ticket."""

from __future__ import annotations

import re
from typing import Any

from hotline.domain.consult import (
    SURE_ANSWER,
    Consultation,
    answer_follow_up,
    consult_or_report,
    points_back,
    uncovered_aspect,
)
from hotline.domain.intake import (
    Routing,
)
from hotline.domain.knowledge import Answer
from hotline.services.conversation.context import Room, TurnContext, now_iso
from hotline.services.conversation.drafts import Intake
from hotline.services.conversation.responses import SMALL_TALK
from hotline.services.conversation.words import (
    _ACT,
    _ASKS_TO_ACT,
    _DONE_WORDS,
    _HOW_TO,
    _JUST_ASKING,
    _REGISTER,
)


class Consultations(Room):
    """Policy questions: the answer given, follow-ups on its topic, registering it as a ticket."""

    def __init__(self, ctx: TurnContext) -> None:
        super().__init__(ctx)
        self._decided: dict[str, Consultation] = {}

    def decide(self, text: str) -> Consultation:
        """Consult or report for this text, with the turn's routing as the report side; once
        per text and turn (the detail step and the aside both ask about the same message)."""
        if text not in self._decided:
            routing = self.routing
            self._decided[text] = consult_or_report(
                self.c.knowledge,
                text,
                category=routing.category,
                department=routing.department,
                request_type=self.turn.request_type,
                sure=routing.sure,
            )
        return self._decided[text]

    def policy_answer(self) -> Answer | None:
        """The knowledge base's answer when the message is a policy question, else None."""
        consultation = self.decide(self.text)
        return consultation.answer if consultation.is_question else None

    def answer_while_drafting(self) -> bool:
        """A policy question asked while a report is being taken ("对了，低保怎么申请？") is
        answered, and the report waits: neither filed as a second problem nor added to it."""
        answer = self.policy_answer()
        if answer is None:
            return False
        self.say(f"先回答您问的“{answer.title}”：\n{answer.text}")
        return True

    def after_answer(self, topic: dict[str, Any]) -> bool:
        text = self.text
        if text == "/deny" or (
            _DONE_WORDS.search(self.short)
            and len(self.short) <= 10
            and not _REGISTER.search(self.short)
        ):
            self.state["topic"] = None
            self.utter("utter_anything_else")
            return True
        if _JUST_ASKING.search(self.short) or re.search(r"不(?:要|用|需要)登记", self.short):
            self.utter("utter_not_registering")
            return True
        if text == "/affirm" or (_REGISTER.search(self.short) and len(self.short) <= 16):
            self.register_from_topic(topic)
            return True
        if (
            len(self.short) <= 30
            and (_ASKS_TO_ACT.search(self.short) or _ACT.search(self.short))
            and not _HOW_TO.search(self.short)
        ):
            # "这个可以查一下吗" after "我是不是被骗了…": a report now, carrying both messages
            topic["questions"] = [*(topic.get("questions") or []), text][-5:]
            topic["consult"] = False
            self.register_from_topic(topic)
            return True
        group = str(topic.get("group") or "")
        if not group and points_back(text) and len(self.short) <= 20:
            # "那提取呢" after a question we could not answer: the same subject, one more question
            topic["questions"] = [*(topic.get("questions") or []), text][-5:]
            self.say(
                "这个问题我也暂时没有现成的解答，已和刚才的问题一并记下。需要的话回复“需要登记”，"
                "由工作人员转给办理部门答复您。",
                [("登记咨询", "/affirm"), ("不用了", "/deny")],
            )
            return True
        # a question naming its own subject is a new question; else it asks about the topic
        answer = answer_follow_up(self.c.knowledge, text, group=group, decide=self.decide)
        if answer is None:
            return False
        if answer.group == group:  # the same answer again would read as not listening
            aspect = uncovered_aspect(text, answer.text)
            if aspect is not None:
                topic["questions"] = [*(topic.get("questions") or []), text][-5:]
                topic["consult"] = True  # "需要登记" files the open question as a 咨询
                who = (
                    self.catalogue.department_name(answer.department)
                    if answer.department in self.catalogue.departments
                    else "相关部门"
                )
                self.say(
                    f"关于{aspect}，刚才的解答已是目前掌握的全部信息，没有更具体的说明，"
                    f"各地要求也可能不同。需要的话回复“需要登记”，由工作人员转给{who}答复您。",
                    [("需要登记工单", "/affirm"), ("不用了", "/deny")],
                )
                return True
            self.give_answer(answer, question=text, lead="刚才的解答里已经说到：\n\n")
            return True
        self.give_answer(answer, question=text)
        return True

    def register_from_topic(self, topic: dict[str, Any]) -> None:
        """ "需要登记" after an answer: a report carrying the conversation so far."""
        questions = [str(q) for q in topic.get("questions") or []]
        description = "；".join(questions)[:3000] or str(topic.get("title"))
        category = topic.get("category")
        department = self.catalogue.route(category) if category else topic.get("department")
        routing = Routing(
            category=category,
            department=department if category else None,
            confidence=1.0 if category else 0.0,
            choices=(),
        )
        draft = self.room(Intake).new_draft(description, routing, None)
        draft["phone"] = None
        draft["detail"] = None
        spec = self.catalogue.categories.get(category or "")
        # a question filed as asked is a 咨询; asked to act, a 求助 — or a 举报 / 投诉 when the
        # category is one (诈骗举报), so the ticket gets that type's time limit
        kind = spec.type if spec is not None else "求助"
        draft["request_type"] = (
            "咨询" if topic.get("consult") else (kind if kind in ("投诉", "举报") else "求助")
        )
        draft["no_place"] = bool(topic.get("consult"))  # a question has no place to go to
        if category is None:
            draft["choices"] = []
            draft["human"] = True
        self.state["topic"] = None
        self.utter("utter_registering_consultation")
        self.room(Intake).ask_next(draft)

    def give_answer(self, answer: Answer, *, question: str, lead: str = "") -> None:
        previous = self.state.get("topic") if isinstance(self.state.get("topic"), dict) else {}
        questions = (
            list((previous or {}).get("questions") or [])
            if (previous or {}).get("group") == answer.group
            else []
        )
        self.state["topic"] = {
            "group": answer.group,
            "title": answer.title,
            "category": answer.category,
            "department": answer.department,
            "questions": [*questions, question][-5:],
            "at": now_iso(self.now),
        }
        if not lead and answer.score < SURE_ANSWER:
            # a weak match may share only a word with the question: say what it answers
            lead = f"您问的可能是“{answer.title}”方面的问题，以下解答供参考：\n\n"
        self.say(
            lead
            + answer.text
            + "\n\n以上解答是否解决了您的问题？还有疑问可以接着问；需要我们办理请回复“需要登记”。",
            [("需要登记工单", "/affirm"), ("已解决", "/deny")],
        )

    def offer_consultation(self, routing: Routing | None) -> None:
        """A policy question the knowledge base cannot answer: never a form asking where "the
        problem" is; offer to pass it to the department (None: a dispatcher picks it) as a 咨询
        ticket."""
        who = self.catalogue.department_name(routing.department) if routing else "相关部门"
        self.state["topic"] = {
            "group": "",
            "title": self.text[:40],
            "category": routing.category if routing else None,
            "department": routing.department if routing else None,
            "questions": [self.text],
            "consult": True,
            "at": now_iso(self.now),
        }
        self.say(
            f"这个问题我暂时没有现成的解答。需要的话我可以登记为咨询件，由{who}答复您。",
            [("登记咨询", "/affirm"), ("不用了", "/deny")],
        )

    def unanswered(self, is_question: bool, *, known_subject: bool = False) -> None:
        """No answer and no department: a known public subject (公积金) is offered as a 咨询
        ticket; small talk and what no government body handles get their short answers."""
        if (
            re.search(
                r"反映|投诉|举报|求助|问题|报修|报个|想问|问问|有个事|有件事|咨询一下", self.short
            )
            and len(self.short) <= 16
        ):
            self.utter("utter_ask_problem_details")
            return
        if not known_subject and (
            not is_question or self.turn.intent in ("out_of_scope", "chitchat", "nlu_fallback")
        ):
            self.utter(SMALL_TALK["out_of_scope"] if is_question else "utter_default")
            return
        self.utter("utter_no_answer_yet")
        self.state["topic"] = {
            "group": "",
            "title": self.text[:40],
            "category": None,
            "department": None,
            "questions": [self.text],
            "consult": is_question,  # "需要登记" then files a 咨询 without asking for a place
            "at": now_iso(self.now),
        }
