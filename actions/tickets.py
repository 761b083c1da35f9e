"""A citizen's own tickets: status, more information, withdrawal, a human, the follow-up survey."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import OperationalError

from actions.common import (
    BUSY,
    citizen,
    citizen_actor,
    entity,
    latest_text,
    reset_draft,
    ticket_number,
    transcript,
    turn_key,
)
from actions.wiring import wiring
from hotline.messages import local_time
from hotline.services import NewTicket, Score, TicketFilter, TicketView
from hotline.tickets import DomainError, Status

log = logging.getLogger(__name__)

Events = list[dict[str, Any]]
OPEN_STATES = {
    Status.RECEIVED.value,
    Status.DISPATCHED.value,
    Status.ACCEPTED.value,
    Status.RETURNED.value,
}
_RATING_WORDS: tuple[tuple[Score, tuple[str, ...]], ...] = (
    ("unsatisfied", ("不满意", "差评", "没解决", "没有解决", "敷衍", "一星")),
    ("basically_satisfied", ("基本满意", "还行", "一般", "凑合", "还可以")),
    ("satisfied", ("满意", "好评", "五星", "很好", "解决了", "点赞")),
)


def _my_tickets(tracker: Tracker, limit: int = 20) -> list[TicketView]:
    return wiring().service.list_tickets(
        TicketFilter(citizen=citizen_actor(tracker).id, limit=limit)
    )


def _target(tracker: Tracker, states: set[str]) -> str | None:
    """The ticket the citizen means: the number they gave, else their latest one in `states`."""
    number = ticket_number(tracker)
    if number:
        return number
    for view in _my_tickets(tracker):
        if view.status in states:
            return view.number
    return None


def _line(view: TicketView, tz: Any) -> str:
    due = local_time(view.answer_due_at, tz) if view.answer_due_at else "待定"
    line = (
        f"工单 {view.number}｜{view.category_name}｜{view.status_label}｜"
        f"{view.department_name}｜答复时限 {due}"
    )
    if view.answer:
        line += f"\n  最新答复：{view.answer[:300]}"
    return line


class ActionShowStatus(Action):
    def name(self) -> str:
        return "action_show_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Status, department, deadline and latest answer — of the citizen's own tickets only."""
        service = wiring().service
        number = ticket_number(tracker)
        try:
            if number:
                view = service.get_ticket(number, citizen_actor(tracker))
                dispatcher.utter_message(text=_line(view, service.tz))
                return []
            views = _my_tickets(tracker, limit=5)
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        except OperationalError:
            log.exception("status lookup failed")
            dispatcher.utter_message(text=BUSY)
            return []
        if not views:
            dispatcher.utter_message(text="您还没有工单记录。有问题需要反映，直接告诉我就行。")
            return []
        lines = [f"您最近的{len(views)}张工单："] + [_line(v, service.tz) for v in views]
        dispatcher.utter_message(text="\n".join(lines))
        return []


class ActionAddInformation(Action):
    def name(self) -> str:
        return "action_add_information"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Add what the citizen just said to their open ticket; the department is told."""
        service = wiring().service
        text = latest_text(tracker).strip()
        if text.startswith("/inform") and tracker.get_slot("latitude") is not None:
            text = f"位置：{tracker.get_slot('latitude')}, {tracker.get_slot('longitude')}"
        try:
            number = (
                tracker.get_slot("last_ticket") if tracker.get_slot("stage") == "urgent" else None
            )
            number = ticket_number(tracker) or number or _target(tracker, OPEN_STATES)
            if number is None:
                dispatcher.utter_message(
                    text="您目前没有办理中的工单。有新问题请直接描述，我来为您登记。"
                )
                return [SlotSet("stage", "idle")]
            view = service.add_information(number, citizen_actor(tracker), text)
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("stage", "idle")]
        except OperationalError:
            log.exception("add information failed")
            dispatcher.utter_message(text=BUSY)
            urgent = tracker.get_slot("stage") == "urgent"
            return [SlotSet("stage", "urgent" if urgent else "idle")]
        dispatcher.utter_message(
            text=f"已把您补充的内容加到工单 {view.number}，并转告{view.department_name}。"
        )
        return [SlotSet("stage", "idle")]


class ActionWithdrawTicket(Action):
    def name(self) -> str:
        return "action_withdraw_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Withdraw the named (or latest open) ticket; the department stops work on it."""
        service = wiring().service
        try:
            number = _target(tracker, OPEN_STATES)
            if number is None:
                dispatcher.utter_message(text="您目前没有可以撤销的工单。")
                return [SlotSet("stage", "idle")]
            view = service.withdraw(
                number, citizen_actor(tracker), reason=latest_text(tracker)[:500]
            )
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("stage", "idle")]
        except OperationalError:
            log.exception("withdraw failed")
            dispatcher.utter_message(text=BUSY)
            return []
        dispatcher.utter_message(
            text=f"工单 {view.number} 已撤销，办理部门不会再处理。如有需要可以随时重新反映。"
        )
        return [SlotSet("stage", "idle")]


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Hand the case to a dispatcher with the transcript: the open ticket, the draft, or a new
        ticket for a human to read."""
        service = wiring().service
        actor = citizen_actor(tracker)
        record = transcript(tracker)
        try:
            number = None if tracker.get_slot("description") else _target(tracker, OPEN_STATES)
            if number is None:
                channel, user = citizen(tracker)
                description = tracker.get_slot("description") or record or "市民要求人工服务"
                view = service.open_ticket(
                    NewTicket(
                        channel=channel,
                        channel_user_id=user,
                        description=str(description),
                        category=None,
                        address=tracker.get_slot("address"),
                        contact_phone=entity(tracker, "phone"),
                        needs_human=True,
                        idempotency_key=turn_key(tracker),
                    )
                )
                number = view.number
            service.flag_for_human(number, actor, record)
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [ActiveLoop(None), *reset_draft()]
        except OperationalError:
            log.exception("request for a human failed")
            dispatcher.utter_message(text=BUSY)
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        dispatcher.utter_message(
            text=f"好的，已为您转人工处理（工单 {number}），"
            "派单员会查看我们的对话记录并尽快联系您。"
        )
        return [ActiveLoop(None), *reset_draft(), SlotSet("last_ticket", number)]


class ActionRateTicket(Action):
    def name(self) -> str:
        return "action_rate_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """The follow-up survey (回访): satisfied closes; not satisfied reopens (重办)."""
        service = wiring().service
        text = latest_text(tracker).strip()
        score = self._score(entity(tracker, "rating"), text)
        if score is None:
            dispatcher.utter_message(
                text="请问您对办理结果是否满意？",
                buttons=[
                    {"title": "满意", "payload": '/rate_service{"rating": "satisfied"}'},
                    {
                        "title": "基本满意",
                        "payload": '/rate_service{"rating": "basically_satisfied"}',
                    },
                    {"title": "不满意", "payload": '/rate_service{"rating": "unsatisfied"}'},
                ],
            )
            return []
        try:
            number = _target(tracker, {Status.RESOLVED.value})
            if number is None:
                dispatcher.utter_message(text="您目前没有等待评价的工单。谢谢您的反馈！")
                return [SlotSet("stage", "idle")]
            comment = None if text.startswith("/") else text[:1000]
            view = service.rate(number, citizen_actor(tracker), score, comment=comment)
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("stage", "idle")]
        except OperationalError:
            log.exception("rating failed")
            dispatcher.utter_message(text=BUSY)
            return []
        if score == "unsatisfied":
            dispatcher.utter_message(
                text=f"非常抱歉没有让您满意。工单 {view.number} 已重新交办（重办），"
                f"{view.department_name}会重新处理并答复您。"
            )
        else:
            dispatcher.utter_message(text=f"感谢您的评价！工单 {view.number} 已办结。")
        return [SlotSet("stage", "idle")]

    @staticmethod
    def _score(value: str | None, text: str) -> Score | None:
        if value in ("satisfied", "basically_satisfied", "unsatisfied"):
            return value  # type: ignore[return-value]
        for score, words in _RATING_WORDS:
            if any(word in text for word in words):
                return score
        return None
