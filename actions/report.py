"""Reporting a problem: receive and route it, collect what is missing, confirm, open the ticket.

The `stage` slot tells the rules in data/rules/ what comes next; every action sets it.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import OperationalError

from actions.common import (
    citizen,
    citizen_actor,
    entity,
    latest_intent,
    latest_text,
    reset_draft,
    ticket_key,
    turn_key,
)
from actions.wiring import Wiring, wiring
from hotline.catalogue import REQUEST_TYPES, Catalogue, RequestType
from hotline.intake import (
    SKIP,
    Routing,
    describe_phone,
    parse_phone,
    route_parse,
    safety_advice,
    split_problems,
)
from hotline.knowledge import Answer
from hotline.messages import local_time
from hotline.services import NewTicket, clean_text
from hotline.tickets import DomainError

log = logging.getLogger(__name__)

Events = list[dict[str, Any]]
NONE_OF_THESE = "none"
KB_SURE = 0.75  # answer from the whole knowledge base: nearly the same question
KB_CONSULT = 0.3  # answer a consultation (咨询) from its own topic's groups
MIN_REQUEST_MASS = 0.15  # below this, nothing in the message looks like a request at all
_ORDINALS = (
    (("最后",), -1),
    (("第一", "1", "一个"), 0),
    (("第二", "2"), 1),
    (("第三", "3"), 2),
)
SMALL_TALK = {
    "chitchat": "我是12345热线助手，主要帮您反映问题、查询工单和解答政策咨询。请问有什么可以帮您？",
    "out_of_scope": (
        "抱歉，这个问题不在12345热线的受理范围内。如遇紧急情况，报警请拨110，"
        "火警请拨119，急救请拨120。"
    ),
}


def _choice_buttons(catalogue: Catalogue, choices: list[tuple[str, str]]) -> list[dict[str, str]]:
    """One button per (department, category) the citizen may pick, then 都不是 for a human."""
    buttons = [
        {
            "title": catalogue.department_name(department)
            + f"（{catalogue.category_name(category)}）",
            "payload": f'/choose_category{{"category": "{category}"}}',
        }
        for department, category in choices
    ]
    buttons.append(
        {
            "title": "都不是（交人工派单）",
            "payload": f'/choose_category{{"category": "{NONE_OF_THESE}"}}',
        }
    )
    return buttons


def _problem(text: str, routing: Routing, request_type: str | None) -> dict[str, Any]:
    return {
        "description": text,
        "category": routing.category,
        "department": routing.department,
        "request_type": request_type,
    }


def _request_type(value: Any, *, urgent: bool = False) -> RequestType | None:
    """The NLU's request type when it is one the hotline knows (an emergency is never 咨询)."""
    if value not in REQUEST_TYPES or (urgent and value in ("咨询", "建议", "表扬")):
        return None
    return cast(RequestType, value)


def _knowledge_answer(
    w: Wiring, text: str, routing: Routing, request_type: str | None
) -> Answer | None:
    """A knowledge-base answer when the citizen is asking rather than reporting.

    A consultation (咨询) is looked up among its category's groups, then its department's;
    anything else only when one phrasing is nearly the same question.
    """
    if request_type == "咨询" and routing.category is not None:
        for scope in ({"category": routing.category}, {"department": routing.department}):
            answer = w.knowledge.match(text, **scope)
            if answer is not None and answer.score >= KB_CONSULT:
                return answer
    if request_type in (None, "咨询") or not routing.sure:
        answer = w.knowledge.match(text)
        if answer is not None and answer.score >= KB_SURE:
            return answer
    return None


class ActionReceiveRequest(Action):
    def name(self) -> str:
        return "action_receive_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Route a new request: urgent → ticket now, consultation → answer, unsure → choose."""
        w = wiring()
        catalogue = w.service.catalogue
        text = latest_text(tracker).strip()
        intent = latest_intent(tracker)
        message = tracker.latest_message
        if not text:
            dispatcher.utter_message(text="请用一两句话描述您遇到的问题。")
            return [SlotSet("stage", "idle")]
        try:
            text = clean_text(text, field_name="诉求内容") or ""
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("stage", "idle")]
        address = entity(tracker, "address")
        routing = route_parse(message.get("intent_ranking") or [], catalogue, address)
        request_type = message.get("type")
        mass = sum(c.confidence for c in routing.choices)

        if message.get("urgent") and intent not in ("inform", "chitchat", "out_of_scope"):
            return self._urgent(dispatcher, tracker, w, text, routing, request_type, address)

        if intent == "inform" and mass < 0.5:
            dispatcher.utter_message(text="收到。请先用一两句话描述您遇到的问题，我来为您登记。")
            return [SlotSet("stage", "idle")]

        answer = _knowledge_answer(w, text, routing, request_type)
        if answer is not None:
            dispatcher.utter_message(
                text=answer.text
                + "\n\n以上解答是否解决了您的问题？如需我们为您登记工单，请点“需要登记”。",
                buttons=[
                    {"title": "需要登记工单", "payload": "/affirm"},
                    {"title": "已解决", "payload": "/deny"},
                ],
            )
            return [
                *reset_draft("answered"),
                SlotSet("description", text),
                SlotSet("draft_key", turn_key(tracker)),
                SlotSet("category", answer.category),
                SlotSet(
                    "department", catalogue.route(answer.category) if answer.category else None
                ),
                SlotSet("request_type", "咨询"),
            ]

        if intent in SMALL_TALK and (mass < 0.5 or not routing.sure):
            dispatcher.utter_message(text=SMALL_TALK[intent])
            return [SlotSet("stage", "idle")]

        if mass < MIN_REQUEST_MASS or not routing.choices:
            dispatcher.utter_message(response="utter_default")
            return [SlotSet("stage", "idle")]

        draft: Events = [
            *reset_draft("form" if routing.sure else "choose"),
            SlotSet("description", text),
            SlotSet("draft_key", turn_key(tracker)),
            SlotSet("request_type", request_type),
            SlotSet("confidence", round(routing.confidence, 4)),
            SlotSet(
                "choices",
                [{"department": c.department, "category": c.category} for c in routing.choices],
            ),
            SlotSet("address", address),
            SlotSet("phone", entity(tracker, "phone")),
            SlotSet("latitude", tracker.get_slot("latitude")),
            SlotSet("longitude", tracker.get_slot("longitude")),
        ]
        if not routing.sure:
            dispatcher.utter_message(
                text="为了准确派单，请确认您的问题由哪个部门办理：",
                buttons=_choice_buttons(
                    catalogue, [(c.department, c.category) for c in routing.choices]
                ),
            )
            return draft

        extras = await self._extra_problems(w, text, routing)
        draft += [
            SlotSet("category", routing.category),
            SlotSet("department", routing.department),
            SlotSet("extra_problems", extras or None),
        ]
        names = [catalogue.category_name(routing.category)]
        names += [catalogue.category_name(p["category"]) for p in extras]
        dispatcher.utter_message(
            text=f"好的，您反映的是“{'”和“'.join(names)}”的问题，我来为您登记。"
            + ("（您提到了两件事，我们会分别立单办理。）" if extras else "")
        )
        return draft

    async def _extra_problems(self, w: Wiring, text: str, first: Routing) -> list[dict[str, Any]]:
        """Further problems in the same message ("…；另外…"), each routed on its own."""
        parts = split_problems(text)
        if len(parts) < 2:
            return []
        extras: list[dict[str, Any]] = []
        seen = {first.category}
        for part in parts[:4]:
            parsed = await w.parser.parse(part)
            if not parsed:
                continue
            routing = route_parse(parsed.get("intent_ranking") or [], w.service.catalogue)
            if routing.sure and routing.category not in seen:
                seen.add(routing.category)
                extras.append(_problem(part, routing, parsed.get("type")))
        return extras[:2]

    def _urgent(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        w: Wiring,
        text: str,
        routing: Routing,
        request_type: str | None,
        address: str | None,
    ) -> Events:
        """Safety advice first, then an urgent ticket at once; the location can follow."""
        service = w.service
        dispatcher.utter_message(
            text="【安全提示】" + safety_advice(service.catalogue, routing.category, text)
        )
        channel, user = citizen(tracker)
        category = routing.category if routing.department is not None else None
        try:
            view = service.open_ticket(
                NewTicket(
                    channel=channel,
                    channel_user_id=user,
                    description=text,
                    category=category,
                    request_type=_request_type(request_type, urgent=True),
                    priority="urgent",
                    address=address,
                    latitude=tracker.get_slot("latitude"),
                    longitude=tracker.get_slot("longitude"),
                    contact_phone=entity(tracker, "phone"),
                    confidence=routing.confidence,
                    needs_human=not routing.sure,
                    idempotency_key=turn_key(tracker),
                )
            )
        except DomainError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("stage", "idle")]
        except OperationalError:
            log.exception("urgent ticket not opened")
            dispatcher.utter_message(
                text="系统繁忙，工单暂未登记成功。情况紧急请直接拨打110/119/120，或稍后再发一次。"
            )
            return [SlotSet("stage", "idle")]
        who = view.department_name if view.department else "值班人员"
        due = local_time(view.answer_due_at, service.tz) if view.answer_due_at else "尽快"
        reply = f"已为您登记紧急工单 {view.number}，已通知{who}优先处置，最迟 {due} 前答复。"
        if not address and tracker.get_slot("latitude") is None:
            reply += "请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。"
        dispatcher.utter_message(text=reply)
        return [*reset_draft("urgent"), SlotSet("last_ticket", view.number)]


class ValidateReportForm(FormValidationAction):
    def name(self) -> str:
        return "validate_report_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Ask only what this category needs: no place for a shared location, no extra field
        when the catalogue lists none."""
        slots = list(domain_slots)
        if tracker.get_slot("latitude") is not None and tracker.get_slot("longitude") is not None:
            slots = [s for s in slots if s != "address"]
        category = tracker.get_slot("category")
        spec = wiring().service.catalogue.categories.get(category or "")
        if spec is None or not spec.fields:
            slots = [s for s in slots if s != "detail"]
        return slots

    def validate_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address is a place: at least a few characters, not a phone number."""
        text = str(value or "").strip()
        if parse_phone(text) not in (None, SKIP) or len(text) < 2:
            dispatcher.utter_message(
                text="地址好像不完整，请告诉我路名门牌或小区楼栋，也可以直接发送定位。"
            )
            return {"address": None}
        if len(text) > 200:
            dispatcher.utter_message(text="地址太长了，请只写路名门牌或小区楼栋（200字以内）。")
            return {"address": None}
        return {"address": text}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A mobile (11 digits) or landline with area code, or "不用" to leave none."""
        phone = parse_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(
                text="电话号码格式不对，请输入11位手机号或带区号的固定电话"
                "（如 021-12345678）；不方便留请回复“不用”。"
            )
        return {"phone": phone}

    def validate_detail(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text or len(text) > 100:
            dispatcher.utter_message(text="请用100字以内回答，例如单位或商家的名称。")
            return {"detail": None}
        return {"detail": text}


class ActionAskDetail(Action):
    def name(self) -> str:
        return "action_ask_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Ask for the category's extra field in the catalogue's own words."""
        catalogue = wiring().service.catalogue
        spec = catalogue.categories.get(tracker.get_slot("category") or "")
        if spec is not None and spec.fields:
            dispatcher.utter_message(text=catalogue.fields[spec.fields[0]].prompt)
        else:
            dispatcher.utter_message(text="还有什么需要补充的吗？没有请回复“没有”。")
        return []


def _summary(w: Wiring, tracker: Tracker) -> str:
    catalogue = w.service.catalogue
    category = tracker.get_slot("category")
    department = tracker.get_slot("department")
    lines = ["请核对您要登记的诉求："]
    if category and department:
        lines.append(
            f"· 类别：{catalogue.category_name(category)}"
            f"（{catalogue.department_name(department)}办理）"
        )
    else:
        lines.append("· 类别：待人工派单（由派单员确定办理部门）")
    lines.append(f"· 问题：{str(tracker.get_slot('description') or '')[:200]}")
    address = tracker.get_slot("address")
    if address:
        lines.append(f"· 地点：{address}")
    elif tracker.get_slot("latitude") is not None:
        lines.append("· 地点：已收到您发送的定位")
    lines.append(f"· 联系电话：{describe_phone(tracker.get_slot('phone'))}")
    spec = catalogue.categories.get(category or "")
    if spec is not None and spec.fields and tracker.get_slot("detail"):
        lines.append(f"· {catalogue.fields[spec.fields[0]].name}：{tracker.get_slot('detail')}")
    due = w.service.expected_answer_due(
        category if department else None, tracker.get_slot("request_type")
    )
    if due is not None:
        lines.append(f"· 答复时限：{local_time(due, w.service.tz)} 前")
    for extra in tracker.get_slot("extra_problems") or []:
        lines.append(
            f"· 另一个问题：{catalogue.category_name(extra.get('category'))}"
            f"（{catalogue.department_name(extra.get('department'))}办理）：{str(extra.get('description'))[:100]}"
        )
    lines.append("确认无误请点“确认提交”；需要修改可以直接告诉我，如“地址改成……”。")
    return "\n".join(lines)


class ActionConfirmReport(Action):
    def name(self) -> str:
        return "action_confirm_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Show what will be registered, with the deadline, and wait for yes / change / cancel."""
        dispatcher.utter_message(
            text=_summary(wiring(), tracker),
            buttons=[
                {"title": "确认提交", "payload": "/affirm"},
                {"title": "修改类别", "payload": "/correct_category"},
                {"title": "取消", "payload": "/deny"},
            ],
        )
        return [SlotSet("stage", "confirm")]


class ActionUpdateDraft(Action):
    def name(self) -> str:
        return "action_update_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Apply a correction given at the confirmation step (address, phone, detail, more text)."""
        text = latest_text(tracker).strip()
        events: Events = []
        address = entity(tracker, "address")
        phone = entity(tracker, "phone") or parse_phone(text)
        detail = entity(tracker, "org") or entity(tracker, "vehicle")
        if address:
            events.append(SlotSet("address", address[:200]))
        elif re.search(r"地址|地点|位置", text):
            cleaned = re.sub(
                r"^.*?(?:地址|地点|位置)\s*(?:改成|改为|是|应该是|在)?[:：]?\s*", "", text
            )
            if len(cleaned) >= 2:
                events.append(SlotSet("address", cleaned[:200]))
        if phone and phone != SKIP:
            events.append(SlotSet("phone", phone))
        if detail:
            events.append(SlotSet("detail", detail[:100]))
        if text.startswith("/inform") and tracker.get_slot("latitude") is not None:
            events.append(SlotSet("address", None))  # a shared location replaces the typed place
        if not events and text and not text.startswith("/"):
            description = str(tracker.get_slot("description") or "")
            events.append(SlotSet("description", f"{description}\n补充：{text}"[:4000]))
        dispatcher.utter_message(text="好的，已修改。")
        return events


class ActionOpenTicket(Action):
    def name(self) -> str:
        return "action_open_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Register the confirmed draft (one ticket per problem) and tell the citizen by when."""
        w = wiring()
        service = w.service
        description = tracker.get_slot("description")
        if not description:
            dispatcher.utter_message(text="这条确认已过期，请重新描述您的问题。")
            return reset_draft()
        channel, user = citizen(tracker)
        phone = tracker.get_slot("phone")
        category = tracker.get_slot("category")
        spec = service.catalogue.categories.get(category or "")
        details = {}
        if spec is not None and spec.fields and tracker.get_slot("detail"):
            details[spec.fields[0]] = str(tracker.get_slot("detail"))
        problems = [
            {
                "description": description,
                "category": category,
                "department": tracker.get_slot("department"),
                "request_type": tracker.get_slot("request_type"),
            },
            *(tracker.get_slot("extra_problems") or []),
        ]
        numbers: list[str] = []
        replies: list[str] = []
        for index, problem in enumerate(problems):
            department = problem.get("department")
            try:
                view = service.open_ticket(
                    NewTicket(
                        channel=channel,
                        channel_user_id=user,
                        description=str(problem["description"]),
                        category=problem.get("category") if department else None,
                        department=department,
                        request_type=_request_type(problem.get("request_type")),
                        address=tracker.get_slot("address"),
                        latitude=tracker.get_slot("latitude"),
                        longitude=tracker.get_slot("longitude"),
                        contact_phone=None if phone in (None, SKIP) else str(phone),
                        details=details if index == 0 else {},
                        confidence=tracker.get_slot("confidence"),
                        needs_human=department is None,
                        idempotency_key=ticket_key(tracker, index),
                    )
                )
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return [SlotSet("stage", "confirm")]
            except OperationalError:
                log.exception("ticket not opened")
                dispatcher.utter_message(
                    text="系统繁忙，工单暂未提交成功。请稍后回复“确认”重新提交，您填写的内容都还在。"
                )
                return [SlotSet("stage", "confirm")]
            numbers.append(view.number)
            if view.department is None:
                replies.append(f"已为您登记工单 {view.number}，派单员会尽快确定办理部门。")
            else:
                due = local_time(view.answer_due_at, service.tz)
                replies.append(
                    f"已为您登记工单 {view.number}（{view.category_name}），"
                    f"由{view.department_name}办理，最迟 {due} 前答复您。"
                )
        replies.append("办理进展会通知您，也可以随时发“我的工单”查询。")
        dispatcher.utter_message(text="\n".join(replies))
        return [*reset_draft(), SlotSet("last_ticket", numbers[0])]


class ActionOfferCategories(Action):
    def name(self) -> str:
        return "action_offer_categories"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Let the citizen pick another department for the draft (or a human dispatcher)."""
        w = wiring()
        catalogue = w.service.catalogue
        if not tracker.get_slot("description"):
            number = tracker.get_slot("last_ticket")
            if number:
                try:
                    w.service.flag_for_human(
                        number,
                        citizen_actor(tracker),
                        "市民认为分类有误：" + latest_text(tracker)[:500],
                    )
                except DomainError as exc:
                    dispatcher.utter_message(text=exc.message)
                    return [SlotSet("stage", "idle")]
                dispatcher.utter_message(
                    text=f"已请派单员核对工单 {number} 的分类，如有误会重新派单。"
                )
            else:
                dispatcher.utter_message(text="请先描述您要反映的问题，我来为您登记。")
            return [SlotSet("stage", "idle")]
        current = tracker.get_slot("department")
        others = [
            (c["department"], c["category"])
            for c in tracker.get_slot("choices") or []
            if c.get("department") != current and c.get("category") in catalogue.categories
        ]
        buttons = _choice_buttons(catalogue, others)
        dispatcher.utter_message(text="好的，请选择正确的办理部门：", buttons=buttons)
        return [SlotSet("stage", "choose")]


class ActionChooseCategory(Action):
    def name(self) -> str:
        return "action_choose_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Take the citizen's choice (button, "第二个", "都不是") and go on with the form."""
        catalogue = wiring().service.catalogue
        if not tracker.get_slot("description"):
            dispatcher.utter_message(text="这个选项已过期，请重新描述您的问题。")
            return reset_draft()
        stage = tracker.get_slot("stage")
        if stage == "answered":  # the knowledge-base answer did not help: report it
            dispatcher.utter_message(text="好的，我来为您登记工单。")
            return [SlotSet("stage", "form"), SlotSet("requested_slot", None)]
        chosen = entity(tracker, "category")
        if chosen is None:
            chosen = self._from_words(latest_text(tracker), latest_intent(tracker), tracker)
        if chosen is None:
            dispatcher.utter_message(text="请点击上面的按钮选择办理部门；都不对的话回复“都不是”。")
            return [SlotSet("stage", "choose")]
        if chosen == NONE_OF_THESE or chosen not in catalogue.categories:
            dispatcher.utter_message(text="好的，将由人工派单员为您确定办理部门。")
            return [
                SlotSet("category", None),
                SlotSet("department", None),
                SlotSet("stage", "form"),
            ]
        department = catalogue.route(chosen, tracker.get_slot("address"))
        dispatcher.utter_message(
            text=f"好的，按“{catalogue.category_name(chosen)}”由{catalogue.department_name(department)}办理。"
        )
        return [
            SlotSet("category", chosen),
            SlotSet("department", department),
            SlotSet("stage", "form"),
        ]

    @staticmethod
    def _from_words(text: str, intent: str, tracker: Tracker) -> str | None:
        choices = tracker.get_slot("choices") or []
        if intent == "deny" or any(w in text for w in ("都不是", "都不对", "没有对的", "上面没有")):
            return NONE_OF_THESE
        for words, index in _ORDINALS:
            if any(w in text for w in words) and choices and index < len(choices):
                return str(choices[index]["category"])
        return None


class ActionCancelReport(Action):
    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Drop the draft; nothing was registered."""
        if latest_intent(tracker) == "goodbye":
            dispatcher.utter_message(text="好的，本次诉求还没有提交。感谢您联系12345热线，再见！")
        else:
            dispatcher.utter_message(
                text="好的，本次登记已取消，诉求没有提交。如有需要随时再找我。"
            )
        return [ActiveLoop(None), *reset_draft()]
