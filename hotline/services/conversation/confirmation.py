"""The summary shown: confirm, cancel, or change anything in it; corrections said anywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hotline.domain.intake import (
    SKIP,
    looks_like_phone,
    parse_phone,
)
from hotline.domain.places import (
    fuller_place,
    place_correction,
    place_in_message,
)
from hotline.services.conversation.consultations import Consultations
from hotline.services.conversation.context import Room, known_request_type
from hotline.services.conversation.drafts import Intake, add_to_description
from hotline.services.conversation.responses import SMALL_TALK
from hotline.services.conversation.words import (
    _BYE,
    _CATEGORY_WRONG,
    _DESCRIPTION,
    _DETAIL_SAID,
    _NOT_A_BUT_B,
    _SPECIFIC_PLACE,
    compact,
    is_affirm,
    is_cancel,
    said_again,
    tidy_detail,
)


class Confirmation(Room):
    """The summary shown: confirm, cancel, or change anything in it; corrections said anywhere."""

    async def at_confirmation(self, draft: dict[str, Any]) -> None:  # noqa: PLR0912
        """Confirm, cancel, or change anything in the summary; never a silent drop."""
        text = self.text
        if is_affirm(text, self.turn.intent):
            self.room(Intake).file(draft)
            return
        if _BYE.search(self.short) and len(self.short) <= 10:
            self.room(Intake).park(draft)
            return
        if is_cancel(text, self.turn.intent):
            self.room(Intake).cancel(draft)
            return
        if self.turn.intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.recategorise(draft)
            return
        typed = self.typed_category([c["category"] for c in draft.get("choices") or []])
        if typed and typed != draft.get("category"):
            draft["category"], draft["department"] = (
                typed,
                self.catalogue.route(typed, draft.get("address")),
            )
            self.say(f"好的，已改为“{self.catalogue.category_name(typed)}”。")
            self.room(Intake).ask_next(draft)
            return
        changed = self.corrections(draft, asking=None) or self.detail_restated(draft)
        if not changed and re.search(r"地址|地点|位置|门牌", text):
            place = place_in_message(text, self.turn.entities.get("address"))
            if place:
                draft["address"] = place
                changed.append("地点")
        if not changed:
            fuller = fuller_place(text, draft.get("address"))  # "稻香路向阳中学后墙外那条小河沟"
            if fuller:
                draft["address"] = fuller
                changed.append("地点")
        if changed:
            self.say(f"好的，已更新{('、'.join(dict.fromkeys(changed)))}。")
            self.room(Intake).ask_next(draft)
            return
        if self.turn.intent not in SMALL_TALK and self.said_before(draft):
            self.utter("utter_already_noted")  # the place or the story again: kept once
            self.room(Intake).show_summary(draft)
            return
        if (
            self.turn.intent in SMALL_TALK
            or self.turn.intent in ("nonsense", "inform")
            or len(self.short) < 4
        ):
            if self.turn.intent in SMALL_TALK:
                self.utter(SMALL_TALK[self.turn.intent])
            else:
                self.utter("utter_not_understood_not_filed")
            self.room(Intake).show_summary(draft)
            return
        if self.room(Consultations).answer_while_drafting():
            self.utter("utter_not_filed_yet")
            self.room(Intake).show_summary(draft)
            return
        routing = self.routing
        if (
            routing.sure
            and routing.department != draft.get("department")
            and self.turn.intent in self.catalogue.categories
            and len(self.short) >= 8
            and len(draft.get("extra") or []) < 2
        ):
            draft.setdefault("extra", []).append(
                {
                    "description": text,
                    "category": routing.category,
                    "department": routing.department,
                    "request_type": known_request_type(self.turn.request_type),
                }
            )
            self.say(f"好的，“{self.catalogue.category_name(routing.category)}”的问题也一并登记。")
        else:
            add_to_description(draft, text)
            self.utter("utter_added_to_summary")
        self.room(Intake).ask_next(draft)

    def said_before(self, draft: dict[str, Any]) -> bool:
        """Citizens unsure they were heard say it again; a repeat is not new information."""
        return len(self.short) >= 4 and said_again(
            self.short, draft.get("description"), draft.get("address")
        )

    def corrections(self, draft: dict[str, Any], *, asking: str | None) -> list[str]:
        """Apply every correction the message carries; the names of what changed."""
        changed: list[str] = []
        text = self.text
        place = place_correction(text)
        if place:
            draft["address"] = place
            draft["latitude"] = draft["longitude"] = None
            changed.append("地点")
        if self.turn.latitude is not None and asking != "address":
            draft["latitude"], draft["longitude"] = self.turn.latitude, self.turn.longitude
            draft["address"] = None
            changed.append("地点")
        if asking != "phone" and looks_like_phone(text):
            phone = parse_phone(text)
            if phone and phone != SKIP:
                draft["phone"] = phone
                changed.append("联系电话")
        if asking != "phone" and re.search(
            r"(?:电话|号码|手机).{0,6}(?:不留|不用|算了|删|去掉|不要)", text
        ):
            draft["phone"] = SKIP
            changed.append("联系电话")
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is not None and spec.fields and asking != "detail" and not place:
            said = _DETAIL_SAID.search(text)
            if said:
                draft["detail"] = tidy_detail(said.group(1))[:100]
                changed.append(self.catalogue.fields[spec.fields[0]].name)
            elif asking is None:
                other = _NOT_A_BUT_B.search(text)
                if other and not looks_like_phone(text):
                    draft["detail"] = tidy_detail(other.group(1))[:100]
                    changed.append(self.catalogue.fields[spec.fields[0]].name)
        described = _DESCRIPTION.match(text)
        if described:
            draft["description"] = described.group(1).strip()[:4000]
            changed.append("问题描述")
        return changed

    def typed_category(self, choices: Sequence[str] | None = None) -> str | None:
        """A category or department named in words ("市场监督管理局", "路灯不亮")."""
        short = self.short
        if not short or len(short) > 30:
            return None
        pool = list(choices or [])
        for code in pool:
            spec = self.catalogue.categories.get(code)
            if spec is None:
                continue
            if compact(spec.name) in short or short in compact(spec.name):
                return code
            name = compact(self.catalogue.department_name(spec.department))
            if name and (name in short or short in name):
                return code
        for code, spec in self.catalogue.categories.items():
            if compact(spec.name) == short:
                return code
        for dept in self.catalogue.departments:
            name = compact(self.catalogue.department_name(dept))
            if name and name == short:
                ranked = [c for c in pool if self.catalogue.categories[c].department == dept]
                if ranked:
                    return ranked[0]
                return next(
                    (c for c, s in self.catalogue.categories.items() if s.department == dept), None
                )
        return None

    def recategorise(self, draft: dict[str, Any]) -> None:
        """修改类别 / "部门不对": the other departments (and a human) to choose from."""
        current = draft.get("department")
        draft["choices"] = [c for c in draft.get("choices") or [] if c.get("department") != current]
        draft["asking"] = "category"
        draft["status"] = "collecting"
        draft["department"] = None
        self.set_draft(draft)
        self.room(Intake).offer_choices(draft, "utter_ask_department_again")

    def detail_restated(self, draft: dict[str, Any]) -> list[str]:
        """ "我不是说了吗，老王烤鱼" at the summary: a short restatement close to the stored
        extra field replaces it."""
        spec = self.catalogue.categories.get(draft.get("category") or "")
        current = str(draft.get("detail") or "")
        value = tidy_detail(self.text)
        if spec is None or not spec.fields or not current or not 2 <= len(value) <= 30:
            return []
        if looks_like_phone(value) or value == current or _SPECIFIC_PLACE.search(value):
            return []
        if len(set(value) & set(current)) < 2:
            return []
        draft["detail"] = value[:100]
        return [self.catalogue.fields[spec.fields[0]].name]
