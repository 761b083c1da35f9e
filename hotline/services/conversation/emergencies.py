"""Emergencies: the number to dial first, an urgent ticket at once, and what is said soon"""

from __future__ import annotations

import re
from datetime import timedelta

from hotline.domain.intake import (
    SKIP,
    describe_phone,
    looks_like_phone,
    parse_phone,
    safety_advice,
)
from hotline.domain.places import (
    place_correction,
    place_from_answer,
    place_in_message,
)
from hotline.domain.tickets import DomainError
from hotline.services.conversation.context import Room, known_request_type, now_iso, since
from hotline.services.conversation.drafts import Intake, keep_place_answer
from hotline.services.conversation.exchange import draft_key
from hotline.services.conversation.words import (
    _MISSING,
    compact,
    dial_first,
    is_affirm,
    is_specific,
)
from hotline.services.messages import local_time
from hotline.services.registration import NewTicket

URGENT_FOLLOW_UP = timedelta(hours=2)  # what is said this soon after an emergency goes onto it


class Emergencies(Room):
    """Emergencies: the number to dial first, an urgent ticket at once, and what is said soon
    after goes onto it."""

    def urgent_follow_up(self) -> bool:
        """After an urgent ticket: the place, symptoms and details go onto that same ticket."""
        urgent = self.state.get("urgent")
        if not isinstance(urgent, dict) or since(urgent.get("at"), self.now) > URGENT_FOLLOW_UP:
            return False
        number = str(urgent.get("number"))
        dial = dial_first(self.text)
        if self.draft is not None and not (dial or self.turn.urgent):
            return False  # a report begun since: its answers belong to it
        asking_place = bool(urgent.get("asking_place"))
        place = None
        if self.turn.latitude is None:
            place = place_correction(self.text)
            if place is None and asking_place:
                place = place_from_answer(self.text) or place_in_message(
                    self.text, self.turn.entities.get("address")
                )
            elif place is None and not self.routing.sure:
                lone = place_from_answer(self.text)  # a place alone, said a moment later
                place = lone if is_specific(lone) else None
        if not (dial or place or self.turn.latitude is not None or self.turn.urgent):
            return self._urgent_reply(number, urgent)
        lines: list[str] = []
        if dial and dial not in (urgent.get("dialled") or []):
            lines.append(dial)
            urgent.setdefault("dialled", []).append(dial)
        try:
            if place:
                self.service.tickets.amend(number, self.actor, address=place, note=self.text[:500])
                urgent["asking_place"] = False
                lines.append(
                    f"已把地点“{place}”更新到紧急工单 {number}，处置人员会按这个地点赶去。"
                )
            elif self.turn.latitude is not None:
                self.service.tickets.add_information(
                    number, self.actor, f"位置：{self.turn.latitude}, {self.turn.longitude}"
                )
                urgent["asking_place"] = False
                lines.append(f"已把您的定位加到紧急工单 {number}。")
            else:
                self.service.tickets.add_information(number, self.actor, self.text)
                lines.append(f"已把新情况补充到紧急工单 {number}，并转告处置部门。")
        except DomainError as exc:
            lines.append(exc.message)
        if urgent.get("asking_place"):
            lines.append("请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。")
        self.state["urgent"] = urgent
        self.say("\n".join(line for line in lines if line))
        return True

    def _urgent_reply(self, number: str, urgent: dict[str, object]) -> bool:
        """A phone, a 好的 / 提交 or a 不留电话 just after an urgent ticket belongs to it: the
        ticket is already filed, there is nothing to confirm."""
        if self.draft is not None:
            return False
        given = parse_phone(self.text)
        phone = given if given != SKIP and looks_like_phone(self.text) else None
        declined = given == SKIP and len(compact(self.text)) <= 6
        if not (phone or declined or is_affirm(self.text, self.turn.intent)):
            return False
        lines: list[str] = []
        if phone:
            try:
                self.service.tickets.amend(number, self.actor, phone=phone)
                lines.append(
                    f"已把联系电话 {describe_phone(phone)} 加到紧急工单 {number}，"
                    "处置人员可能会与您联系。"
                )
            except DomainError as exc:
                lines.append(exc.message)
        else:
            lines.append(
                f"紧急工单 {number} 已经登记并通知处置部门，不需要再提交。"
                "有新情况（人员情况、位置变化）可以直接告诉我。"
            )
        if urgent.get("asking_place"):
            lines.append("请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。")
        self.say("\n".join(lines))
        return True

    def open_urgent(self) -> None:
        """Safety advice first (the number to dial, then what to do), then an urgent ticket now."""
        text = self.text
        routing = self.routing
        lines: list[str] = []
        dial = dial_first(text)
        if dial:
            lines.append(dial)
        if dial is None or not _MISSING.search(text):
            advice = safety_advice(self.catalogue, routing.category, text)
            number = re.search(r"11[09]|120", dial or "")
            if not (number and number.group(0) in advice and len(advice) < 40):
                lines.append(advice)  # not when it only repeats the number just given
        else:
            lines.append(self.catalogue.urgent_advice.get("person_at_risk", ""))
        specific, vague = self.room(Intake).places_said()
        place = specific or vague
        description, category, department = text, routing.category, routing.department
        draft = self.draft
        if draft is not None and draft.get("asking") == "address":
            # the answer to the place question tells a danger now ("…门口，井盖没了"): one
            # urgent ticket carries the whole report, its first words and the place
            place = place_from_answer(text) or place
            keep_place_answer(draft, text, place)
            description = str(draft["description"])
            if draft.get("category") and not routing.sure:
                category, department = draft["category"], draft.get("department")
            self.state["draft"] = None
        elif draft is not None:  # an emergency interrupts a draft: keep the draft for later
            self.state["parked"] = draft
            self.state["draft"] = None
        try:
            view = self.service.tickets.open_ticket(
                NewTicket(
                    channel=self.channel,
                    channel_user_id=self.user,
                    description=description,
                    category=category,
                    department=department,
                    request_type=known_request_type(self.turn.request_type, urgent=True),
                    priority="urgent",
                    address=place,
                    latitude=self.turn.latitude,
                    longitude=self.turn.longitude,
                    contact_phone=parse_phone(text) if looks_like_phone(text) else None,
                    confidence=routing.confidence,
                    needs_human=department is None,
                    idempotency_key=draft_key(self.sender, self.turn.message_id or text)
                    + ":urgent",
                )
            )
        except DomainError as exc:
            lines.append(exc.message)
            self.say("\n".join(lines))
            return
        who = view.department_name if view.department else "值班派单员"
        due = local_time(view.answer_due_at, self.service.tz) if view.answer_due_at else "尽快"
        lines.append(f"已为您登记紧急工单 {view.number}，已通知{who}优先处置，最迟 {due} 前答复。")
        asking_place = not place and self.turn.latitude is None
        if asking_place:
            lines.append("请告诉我们具体位置（路名门牌、小区楼栋，或直接发送定位），以便尽快赶到。")
        self.state["urgent"] = {
            "number": view.number,
            "at": now_iso(self.now),
            "asking_place": asking_place,
            "dialled": [dial] if dial else [],
        }
        self.state["last_ticket"] = view.number
        self.state["topic"] = None
        self.say("\n".join(lines))
