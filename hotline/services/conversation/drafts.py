"""The citizen's draft from first words to a filed ticket: what to ask next, the summary,"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import OperationalError

from hotline.domain.intake import (
    SKIP,
    Routing,
    describe_phone,
    looks_like_phone,
    parse_phone,
)
from hotline.domain.places import (
    place_in_message,
    place_remark,
)
from hotline.domain.tickets import DomainError
from hotline.services import messages
from hotline.services.conversation.context import Room, known_request_type, now_iso, since
from hotline.services.conversation.exchange import draft_key
from hotline.services.conversation.words import (
    _JUST_ASKING,
    is_affirm,
    is_specific,
)
from hotline.services.messages import local_time
from hotline.services.registration import NewTicket

log = logging.getLogger(__name__)

NONE_OF_THESE = "none"
PARK_AFTER = timedelta(minutes=30)  # a draft untouched this long is parked and offered back


def add_to_description(draft: dict[str, Any], said: str) -> None:
    """Keep what the citizen adds to the report ("补充：…"), within the description's bound."""
    draft["description"] = f"{draft.get('description')}\n补充：{said}"[:4000]


def keep_place_answer(draft: dict[str, Any], answer: str, place: str | None) -> None:
    """An answer to the place question: the place is the draft's, what the answer says after
    it ("…门口，井盖没了") joins the description — all of the answer when no place is in it."""
    if place:
        draft["address"] = place[:300]
    said = place_remark(answer, place) if place else answer
    if said:
        add_to_description(draft, said)


# The kinds of institution a category's first field asks for, as a place names them.
_INSTITUTION_KINDS = {
    "hospital": re.compile(r"医院|卫生院|卫生服务中心|卫生服务站|卫生室|卫生所|诊所|门诊"),
    "school": re.compile(r"学校|小学|中学|幼儿园|学院|大学"),
}


class Intake(Room):
    """The citizen's draft from first words to a filed ticket: what to ask next, the summary,
    parking, cancelling and filing."""

    def park_stale_draft(self) -> None:
        draft = self.draft
        if draft is None or since(draft.get("updated"), self.now) < PARK_AFTER:
            return
        if draft.get("status") == "confirming" and is_affirm(self.text, self.turn.intent):
            return  # a late "确认" still confirms what the citizen saw
        self.state["parked"] = draft
        self.state["draft"] = None
        self.state["awaiting"] = None

    def offer_parked(self) -> None:
        parked = self.state.get("parked")
        if not isinstance(parked, dict) or self.draft is not None or self.state.get("awaiting"):
            return
        if parked.get("offered"):
            return
        parked["offered"] = True
        self.say(
            f"另外，您还有一条未提交的诉求：“{str(parked.get('description'))[:60]}”。要继续提交吗？",
            [("继续提交", "继续上次的诉求"), ("不要了", "上次的不要了")],
        )
        self.state["awaiting"] = {"kind": "offer"}

    def places_said(self) -> tuple[str | None, str | None]:
        """The place in the message as (specific, vague): someone could go to the first; the
        second ("社区卫生服务中心", "加油站门口", "商场里") is asked about by name, and kept when
        the citizen can say no more."""
        place = place_in_message(self.text, self.turn.entities.get("address"))
        if not place:
            return None, None
        return (place, None) if is_specific(place) else (None, place[:40])

    def new_draft(
        self, description: str, routing: Routing, place: str | None, vague: str | None = None
    ) -> dict[str, Any]:
        draft: dict[str, Any] = {
            "key": draft_key(self.sender, self.turn.message_id or now_iso(self.now)),
            "status": "collecting",
            "description": description,
            "category": routing.category if routing.sure else None,
            "department": routing.department if routing.sure else None,
            "request_type": known_request_type(self.turn.request_type),
            "confidence": round(routing.confidence, 4),
            "choices": [
                {"department": c.department, "category": c.category} for c in routing.choices
            ],
            "address": place,
            "latitude": self.turn.latitude,
            "longitude": self.turn.longitude,
            "phone": parse_phone(self.text) if looks_like_phone(self.text) else None,
            "detail": self.detail_in_message(routing.category, place or vague),
            "asked": {},
            "extra": [],
        }
        if vague:
            draft["vague_place"] = vague
        return draft

    def detail_in_message(self, category: str | None, place: str | None) -> str | None:
        spec = self.catalogue.categories.get(category or "")
        if spec is None or not spec.fields:
            return None
        value = self.turn.entities.get("org") or self.turn.entities.get("vehicle")
        if not value:
            # "社区卫生服务中心的医生…": the institution named as the place is the one asked for
            kind = _INSTITUTION_KINDS.get(spec.fields[0])
            value = place if kind and place and kind.search(place) else None
        return value[:100] if value else None

    def missing(self, draft: dict[str, Any]) -> str | None:
        """The one thing to ask next, or None when the draft is ready to confirm."""
        if draft.get("department") is None and not draft.get("human"):
            return "category"
        if not draft.get("address") and draft.get("latitude") is None and not draft.get("no_place"):
            return "address"
        if draft.get("phone") is None:
            return "phone"
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is not None and spec.fields and draft.get("detail") is None:
            return "detail"
        return None

    def ask_next(self, draft: dict[str, Any]) -> None:
        """Ask what is missing, one thing at a time; or show the summary."""
        need = self.missing(draft)
        draft["asking"] = need
        if need is None:
            draft["status"] = "confirming"
            self.set_draft(draft)
            self.show_summary(draft)
            return
        draft["status"] = "collecting"
        self.set_draft(draft)
        if need == "category":
            self.offer_choices(draft, "utter_ask_department")
        elif need == "address" and draft.get("vague_place") and not draft["asked"].get("address"):
            self.say(
                f"您提到“{draft['vague_place']}”，请问具体地点是哪一处？请补充名称、路名门牌或"
                "附近的标志性建筑，也可以直接发送定位。"
            )
        elif need == "address":
            self.utter("utter_ask_place")
        elif need == "phone":
            self.utter("utter_ask_phone")
        else:
            spec = self.catalogue.categories[draft["category"]]
            self.say(self.catalogue.fields[spec.fields[0]].prompt + "（不清楚可以回复“不知道”）")

    def reprompt(self) -> None:
        """After an aside, repeat the question the draft is waiting on (the draft is kept)."""
        draft = self.draft
        if draft is None:
            return
        if draft.get("status") == "confirming":
            self.utter("utter_not_filed_yet")
            self.show_summary(draft)
        else:
            self.ask_next(draft)

    def offer_choices(self, draft: dict[str, Any], lead: str) -> None:
        """The departments to choose from (and a human), after the `lead` response."""
        choices = [
            c for c in draft.get("choices") or [] if c.get("category") in self.catalogue.categories
        ]
        buttons = [
            (
                f"{self.catalogue.department_name(c['department'])}（{self.catalogue.category_name(c['category'])}）",
                f'/choose_category{{"category": "{c["category"]}"}}',
            )
            for c in choices
        ]
        buttons.append(
            ("都不是（交人工派单）", f'/choose_category{{"category": "{NONE_OF_THESE}"}}')
        )
        draft["shown_choices"] = [c["category"] for c in choices]
        self.utter(lead, buttons)

    def summary(self, draft: dict[str, Any]) -> str:
        catalogue = self.catalogue
        category = draft.get("category")
        department = draft.get("department")
        lines = ["请核对您要登记的诉求："]
        if category and department:
            name, who = catalogue.category_name(category), catalogue.department_name(department)
            lines.append(f"· 类别：{name}（{who}办理）")
        else:
            lines.append("· 类别：待人工派单（由派单员确定办理部门）")
        lines.append(f"· 问题：{str(draft.get('description') or '')[:300]}")
        if draft.get("address"):
            lines.append(f"· 地点：{draft['address']}")
        elif draft.get("latitude") is not None:
            lines.append("· 地点：已收到您发送的定位")
        else:
            lines.append("· 地点：未提供")
        lines.append(f"· 联系电话：{describe_phone(draft.get('phone'))}")
        spec = catalogue.categories.get(category or "")
        if spec is not None and spec.fields:
            lines.append(
                f"· {catalogue.fields[spec.fields[0]].name}：{draft.get('detail') or '未提供'}"
            )
        due = self.service.tickets.expected_answer_due(
            category if department else None, draft.get("request_type")
        )
        if due is not None:
            lines.append(f"· 答复时限：{local_time(due, self.service.tz)} 前")
        for extra in draft.get("extra") or []:
            lines.append(
                f"· 另一个问题：{catalogue.category_name(extra.get('category'))}"
                f"（{catalogue.department_name(extra.get('department'))}办理）：{str(extra.get('description'))[:100]}"
            )
        lines.append(
            "确认无误请回复“确认”或点“确认提交”；要修改直接告诉我，如“地址改成……”“电话是……”。"
        )
        return "\n".join(lines)

    def show_summary(self, draft: dict[str, Any]) -> None:
        self.say(
            self.summary(draft),
            [("确认提交", "/affirm"), ("修改类别", "/correct_category"), ("取消", "/deny")],
        )

    def park(self, draft: dict[str, Any]) -> None:
        """Goodbye mid-draft: the draft is kept and offered back at the next contact."""
        draft["offered"] = False
        self.state["parked"] = draft
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.utter("utter_draft_parked")

    def cancel(self, draft: dict[str, Any]) -> None:
        self.state["draft"] = None
        self.state["awaiting"] = None
        if self.turn.intent == "goodbye":
            self.utter("utter_cancelled_goodbye")
        elif _JUST_ASKING.search(self.short):
            self.utter("utter_not_registering")
        else:
            self.utter("utter_cancelled")

    def file(self, draft: dict[str, Any]) -> None:
        """Register the confirmed draft, one ticket per problem, and say by when."""
        service = self.service
        problems = [
            {
                "description": draft.get("description"),
                "category": draft.get("category"),
                "department": draft.get("department"),
                "request_type": draft.get("request_type"),
            },
            *(draft.get("extra") or []),
        ]
        spec = self.catalogue.categories.get(draft.get("category") or "")
        details: dict[str, str] = {}
        if spec is not None and spec.fields and draft.get("detail"):
            details[spec.fields[0]] = str(draft["detail"])
        phone = draft.get("phone")
        lines: list[str] = []
        numbers: list[str] = []
        for index, problem in enumerate(problems):
            department = problem.get("department")
            try:
                view = service.tickets.open_ticket(
                    NewTicket(
                        channel=self.channel,
                        channel_user_id=self.user,
                        description=str(problem["description"]),
                        category=problem.get("category") if department else None,
                        department=department,
                        request_type=(
                            "咨询"
                            if index == 0 and draft.get("request_type") == "咨询"
                            else known_request_type(problem.get("request_type"))
                        ),
                        address=draft.get("address"),
                        latitude=draft.get("latitude"),
                        longitude=draft.get("longitude"),
                        contact_phone=None if phone in (None, SKIP) else str(phone),
                        details=details if index == 0 else {},
                        confidence=draft.get("confidence"),
                        needs_human=department is None,
                        idempotency_key=f"{draft['key']}:{index}",
                    )
                )
            except DomainError as exc:
                self.say(exc.message + "（诉求还没有提交，请修改后回复“确认”。）")
                self.set_draft(draft)
                return
            except OperationalError:
                log.exception("ticket not opened")
                self.utter("utter_busy_not_filed")
                self.set_draft(draft)
                return
            numbers.append(view.number)
            if view.linked:  # the same problem is already open: one ticket, one more reporter
                lines.append(messages.citizen_linked(view.number, view.department_name))
            elif view.department is None:
                lines.append(f"已为您登记工单 {view.number}，派单员会尽快确定办理部门。")
            else:
                due = local_time(view.answer_due_at, service.tz)
                lines.append(
                    f"已为您登记工单 {view.number}（{view.category_name}），"
                    f"由{view.department_name}办理，最迟 {due} 前答复您。"
                )
        lines.append("办理进展会通知您，也可以随时发“我的工单”查询。")
        self.say("\n".join(lines))
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.state["topic"] = None
        self.state["last_ticket"] = numbers[0]
        self.state["filed_at"] = now_iso(self.now)
