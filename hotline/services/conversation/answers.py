"""A draft being collected: the answer to the question asked (place, phone, detail,"""

from __future__ import annotations

import re
from typing import Any

from hotline.domain.intake import (
    SKIP,
    looks_like_phone,
    parse_phone,
)
from hotline.domain.places import (
    is_place_like,
    place_from_answer,
    tidied_answer,
)
from hotline.services.conversation.confirmation import Confirmation
from hotline.services.conversation.consultations import Consultations
from hotline.services.conversation.context import Room
from hotline.services.conversation.drafts import (
    NONE_OF_THESE,
    Intake,
    add_to_description,
    keep_place_answer,
)
from hotline.services.conversation.responses import SMALL_TALK
from hotline.services.conversation.words import (
    _BYE,
    _CATEGORY_WRONG,
    _GENERIC_PLACE,
    _JUST_ASKING,
    _NONE_WORDS,
    compact,
    is_affirm,
    is_cancel,
    is_specific,
    ordinal_choice,
    said_again,
    tidy_detail,
)

# A yes to "方便留一个联系电话吗" that carries no number yet: ask for the number, do not skip it.
_WILL_GIVE = re.compile(
    r"(?:嗯+|哦+|噢)?(?:是的?|对|好的?|好吧|行|可以的?|方便的?|没问题|当然(?:可以)?|ok|okay|"
    r"有的?|留(?:一个|个)?|可以留|我留(?:一个|个)?(?:电话)?|要留|能留)"
    r"(?:的|啊|呀|吧|哈|嘛|呢|咧|嘞|哒|滴)*"
)


class DraftAnswers(Room):
    """A draft being collected: the answer to the question asked (place, phone, detail,
    department), a correction, a cancel, or an aside."""

    async def while_collecting(self, draft: dict[str, Any]) -> None:
        """An answer to the question asked, a correction, a cancel, or an aside."""
        asking = draft.get("asking")
        if asking == "phone" and self.take_phone(draft):
            return
        if asking == "phone" and _WILL_GIVE.fullmatch(self.short):
            self.utter("utter_phone_please")  # "是的" to "方便留电话吗": a yes, not the number
            self.set_draft(draft)
            return
        if (asking == "detail" or "就这样" in self.short) and is_affirm(
            self.text, self.turn.intent
        ):
            draft["detail" if asking == "detail" else "phone"] = (
                "不清楚" if asking == "detail" else SKIP
            )  # "就这样吧" to an optional question: nothing more to add
            self.room(Intake).ask_next(draft)
            return
        if _BYE.search(self.short) and len(self.short) <= 10:
            self.room(Intake).park(draft)
            return
        if is_cancel(self.text, self.turn.intent):
            self.room(Intake).cancel(draft)
            return
        if asking == "category" and self.choose(draft):
            return
        if self.turn.intent == "correct_category" or _CATEGORY_WRONG.search(self.short):
            self.room(Confirmation).recategorise(draft)
            return
        if self.text.startswith("/"):  # a stale button: never a value
            self.utter("utter_button_expired")
            self.room(Intake).ask_next(draft)
            return
        if asking == "address" and self.named_department(draft):
            return
        changed = self.room(Confirmation).corrections(draft, asking=asking)
        answer = {
            "address": self.take_address,
            "phone": self.retry_phone,
            "detail": self.take_detail,
        }.get(str(asking))
        if answer is not None and answer(draft, changed):
            return
        if changed:
            self.say(f"好的，已更新{('、'.join(dict.fromkeys(changed)))}。")
            self.room(Intake).ask_next(draft)
            return
        self.aside(draft)

    def take_phone(self, draft: dict[str, Any]) -> bool:
        if re.search(r"取消|不提交|不登记|不反映|不办了", self.short):
            return False
        phone = parse_phone(self.text)
        if phone is None:
            return False
        draft["phone"] = phone
        self.room(Confirmation).corrections(draft, asking="phone")
        self.room(Intake).ask_next(draft)
        return True

    def take_address(self, draft: dict[str, Any], changed: list[str]) -> bool:
        if self.turn.latitude is not None:
            draft["latitude"], draft["longitude"] = self.turn.latitude, self.turn.longitude
            self.room(Intake).ask_next(draft)
            return True
        if "地点" in changed:
            self.room(Intake).ask_next(draft)
            return True
        place = place_from_answer(self.text)
        tries = int(draft["asked"].get("address", 0)) + 1
        draft["asked"]["address"] = tries
        said = tidied_answer(self.text)
        if place is None and _GENERIC_PLACE.fullmatch(compact(said) or "-"):
            if tries == 1:  # "楼下", "就在门口": where no one could be sent; ask once more
                draft["vague_place"] = said[:40]
                self.say(
                    f"“{said}”还不够具体，请补充小区名称和楼栋、路名门牌或附近的标志性建筑，"
                    "也可以直接发送定位。"
                )
                self.set_draft(draft)
                return True
            place = said
        dont_know = re.search(r"不知道|不清楚|说不清|记不得|没有具体|不晓得|就这个", self.short)
        vague = draft.get("vague_place")
        no_better = place is None or (dont_know and not is_specific(place))
        if vague and not changed and no_better and (tries >= 2 or dont_know):
            place = str(vague)  # no better answer ("不知道叫啥，就我们社区那个"): as first said
        if place is None and tries >= 2 and not changed and is_place_like(self.text):
            place = self.text.strip()  # asked twice: what the citizen typed is their place
        if place:
            keep_place_answer(draft, self.text, place)
            self.room(Intake).ask_next(draft)
            return True
        if re.search(r"不知道|不清楚|说不清|记不得|没有具体|不涉及|没有地点|无固定", self.short):
            draft["no_place"] = True
            self.room(Intake).ask_next(draft)
            return True
        return False

    def retry_phone(self, draft: dict[str, Any], changed: list[str]) -> bool:
        if "联系电话" in changed or "地点" in changed:
            return False
        place = None if looks_like_phone(self.text) else place_from_answer(self.text)
        if place and is_specific(place):
            draft["address"] = place[:300]  # a fuller place, given while we asked for the phone
            self.say(f"好的，地点记为“{place}”。")
            self.room(Intake).ask_next(draft)
            return True
        tries = int(draft["asked"].get("phone", 0)) + 1
        draft["asked"]["phone"] = tries
        if looks_like_phone(self.text):
            self.utter("utter_phone_malformed")
            self.set_draft(draft)
            return True
        if tries >= 2:
            draft["phone"] = SKIP
            self.utter("utter_phone_skipped")
            self.room(Intake).ask_next(draft)
            return True
        return False

    def take_detail(self, draft: dict[str, Any], changed: list[str]) -> bool:
        spec = self.catalogue.categories.get(draft.get("category") or "")
        if spec is None or not spec.fields or changed:
            return False
        if self.room(Consultations).policy_answer() is not None:
            return False  # "对了，低保怎么申请？" names no hospital: answered aside
        value = tidy_detail(self.text)
        if re.fullmatch(r"不知道|不清楚|不记得|没有|忘了|不晓得|没注意", compact(value) or "无"):
            draft["detail"] = "不清楚"
        elif value:
            draft["detail"] = value[:100]
        self.room(Intake).ask_next(draft)
        return True

    def aside(self, draft: dict[str, Any]) -> None:
        """Not an answer: small talk is answered, more about the problem is kept; ask again."""
        intent = self.turn.intent
        if intent in ("greet", "thank", "chitchat", "nonsense", "affirm", "bot_challenge"):
            if intent in SMALL_TALK:
                self.utter(SMALL_TALK[intent])
            elif intent == "nonsense":
                self.utter("utter_not_understood")
        elif _JUST_ASKING.search(self.short):
            self.room(Intake).cancel(draft)
            return
        elif self.absorbed(draft) or self.room(Consultations).answer_while_drafting():
            pass
        elif said_again(self.short, draft.get("description")):
            self.utter("utter_already_noted")  # the same words again: nothing new to add
        elif len(self.short) >= 4:
            add_to_description(draft, self.text)
            self.utter("utter_added_to_draft")
        else:
            self.utter("utter_not_understood")
        self.room(Intake).ask_next(draft)

    def absorbed(self, draft: dict[str, Any]) -> bool:
        """A place or a phone said out of turn (while we asked something else) is kept as one."""
        if looks_like_phone(self.text):
            phone = parse_phone(self.text)
            if phone and phone != SKIP:
                draft["phone"] = phone
                self.utter("utter_phone_noted")
                return True
        if draft.get("phone") is None and re.fullmatch(
            r"(?:没有|不留|不用留?|不方便)(?:电话|号码)?", self.short
        ):
            draft["phone"] = SKIP
            self.utter("utter_no_phone")
            return True
        place = place_from_answer(self.text)
        if is_specific(place) and not is_specific(draft.get("address")) and place:
            draft["address"] = place[:300]
            self.say(f"好的，地点记为“{place}”。")
            return True
        return False

    def choose(self, draft: dict[str, Any]) -> bool:
        """Take the citizen's department choice: a button, "第二个", a name, "都不是"."""
        shown = list(
            draft.get("shown_choices") or [c["category"] for c in draft.get("choices") or []]
        )
        chosen = self.turn.entities.get("category")
        if chosen is None and shown and is_affirm(self.text, self.turn.intent):
            if len(shown) > 1:  # "对的" to a list of several says yes to none of them
                self.room(Intake).offer_choices(draft, "utter_ask_department_which")
                return True
            chosen = shown[0]
        if chosen is None:
            if _NONE_WORDS.search(self.short) or self.short in ("不是", "没有", "不对", "都没有"):
                chosen = NONE_OF_THESE
            else:
                index = ordinal_choice(self.text, len(shown))
                chosen = (
                    shown[index]
                    if index is not None
                    else self.room(Confirmation).typed_category(shown)
                )
        if chosen is None:
            return False
        if chosen == NONE_OF_THESE or chosen not in self.catalogue.categories:
            draft["category"] = None
            draft["department"] = None
            draft["human"] = True
            self.utter("utter_human_dispatch")
        else:
            department = self.catalogue.route(chosen, draft.get("address"))
            draft["category"], draft["department"] = chosen, department
            draft["human"] = False
            self.say(
                f"好的，按“{self.catalogue.category_name(chosen)}”由{self.catalogue.department_name(department)}办理。"
            )
        self.room(Intake).ask_next(draft)
        return True

    def named_department(self, draft: dict[str, Any]) -> bool:
        """ "教育局" typed where the place was asked: the citizen is naming who should handle it."""
        short = self.short
        for dept in self.catalogue.departments:
            if compact(self.catalogue.department_name(dept)) != short:
                continue
            if dept != draft.get("department"):
                category = next(
                    (c for c, spec in self.catalogue.categories.items() if spec.department == dept),
                    None,
                )
                draft["category"], draft["department"] = category, dept
                self.say(f"好的，由{self.catalogue.department_name(dept)}办理。")
            else:
                self.say(f"好的，这件事由{self.catalogue.department_name(dept)}办理。")
            self.room(Intake).ask_next(draft)
            return True
        return False
