"""The citizen's tickets already filed: status, rating, chasing, withdrawing, adding"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, cast

from hotline.domain.intake import (
    SKIP,
)
from hotline.domain.places import (
    place_correction,
)
from hotline.domain.tickets import OPEN_STATUSES, DomainError, Status
from hotline.services.conversation.context import Room
from hotline.services.conversation.exchange import draft_key
from hotline.services.conversation.words import (
    _ADD,
    _CHASE,
    _CHASE_CONTEXT,
    _DETAIL_SAID,
    _WITHDRAW,
    compact,
    is_cancel,
    rating_of,
    tidy_detail,
)
from hotline.services.messages import local_time
from hotline.services.registration import NewTicket
from hotline.services.snapshots import TicketView

log = logging.getLogger(__name__)


class FiledTickets(Room):
    """The citizen's tickets already filed: status, rating, chasing, withdrawing, adding
    information or amending, a wrong category, and handing over to a person."""

    def show_status(self) -> None:
        service = self.service
        number = self.ticket_number()
        try:
            views = (
                [service.views.get_ticket(number, self.actor)] if number else self.my_tickets()[:5]
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        if not views:
            self.utter("utter_no_tickets")
            return
        lines = [f"您最近的{len(views)}张工单："] if not number else []
        for view in views:
            due = local_time(view.answer_due_at, service.tz) if view.answer_due_at else "待定"
            line = (
                f"工单 {view.number}｜{view.category_name}｜{view.status_label}｜"
                f"{view.department_name}｜答复时限 {due}"
            )
            if view.answer:
                line += f"\n  最新答复：{view.answer[:300]}"
            if view.merged_into:
                line += f"\n  已并入工单 {view.merged_into} 一并办理"
                lead = service.views.get_ticket(view.merged_into)
                if lead.answer:
                    line += f"，{lead.department_name}答复：{lead.answer[:300]}"
            lines.append(line)
        self.say("\n".join(lines))

    def pick_ticket(self, states: Collection[str]) -> tuple[str | None, list[TicketView]]:
        """The ticket meant: a number given, the only candidate, or None with the candidates."""
        number = self.ticket_number()
        if number:
            return number, []
        views = self.my_tickets(states)
        if len(views) == 1:
            return views[0].number, views
        return None, views

    def handle_rating(self, score: str | None, resolved: list[TicketView]) -> None:
        if score is None:
            self.utter("utter_ask_rating")
            return
        number, views = self.pick_ticket({Status.RESOLVED.value})
        if number is None and not views:
            self.utter("utter_nothing_to_rate")
            return
        if number is None:
            self.ask_which("rate", views, score=score)
            return
        self.rate(number, score, self.text)

    def rate(self, number: str, score: str, text: str) -> None:
        comment = None if text.startswith("/") else text[:1000]
        try:
            view = self.service.tickets.rate(number, self.actor, cast(Any, score), comment=comment)
        except DomainError as exc:
            self.say(exc.message)
            return
        if score == "unsatisfied":
            self.say(
                f"非常抱歉没有让您满意。工单 {view.number} 已重新交办（重办），"
                f"{view.department_name}会重新处理并答复您。"
            )
        else:
            self.say(f"感谢您的评价！工单 {view.number} 已办结。")

    def handle_ticket_purpose(self, purpose: str) -> None:
        number, views = self.pick_ticket(OPEN_STATUSES)
        if number is None and not views:
            if purpose == "add" and self.state.get("last_ticket"):
                number = str(self.state["last_ticket"])
            else:
                self.utter("utter_no_open_tickets")
                return
        if number is None:
            self.ask_which(purpose, views)
            return
        if purpose == "chase":
            self.chase(number, self.text)
        elif purpose == "withdraw":
            self.withdraw(number, self.text)
        else:
            self.add_information(number, self.text)

    def chase(self, number: str, text: str) -> None:
        try:
            view = self.service.tickets.chase(number, self.actor, text[:1000])
        except DomainError as exc:
            self.say(exc.message)
            return
        due = local_time(view.answer_due_at, self.service.tz) if view.answer_due_at else "待定"
        self.say(
            f"已为您催办工单 {view.number}（{view.category_name}，{view.status_label}），"
            f"已提醒{view.department_name}尽快办理，答复时限 {due}。"
        )

    def withdraw(self, number: str, text: str) -> None:
        try:
            view = self.service.tickets.withdraw(number, self.actor, reason=text[:500])
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"工单 {view.number} 已撤销，办理部门不会再处理。如有需要可以随时重新反映。")

    def ask_for_information(self) -> None:
        number, views = self.pick_ticket(OPEN_STATUSES)
        if number is None and not views:
            number = self.state.get("last_ticket")
            if not number:
                self.utter("utter_no_open_tickets")
                return
        if number is None:
            self.ask_which("add", views)
            return
        self.add_information(str(number), self.text)

    def add_information(self, number: str | None, text: str) -> None:
        """More for a filed ticket; a place given is a correction of the ticket's place."""
        if number is None:
            self.ask_for_information()
            return
        rest = _ADD.sub("", compact(text))  # the trigger alone ("我想补充一下") adds nothing
        content = _ADD.sub("", text.strip()).strip(" ：:，,。")
        if not rest or len(compact(content)) < 4:
            self.state["awaiting"] = {"kind": "add_info", "number": number}
            self.say(f"好的，请直接说要补充到工单 {number} 的内容（地点、时间、新情况都可以）。")
            return
        try:
            place = place_correction(content)
            if place:
                view = self.service.tickets.amend(
                    number, self.actor, address=place, note=content[:500]
                )
                self.say(
                    f"已把工单 {view.number} 的地点更正为“{place}”，并转告{view.department_name}。"
                )
                return
            said = _DETAIL_SAID.search(content)
            field_name = self.detail_field_of(number) if said else None
            if field_name and said:
                value = tidy_detail(said.group(1))[:100]
                view = self.service.tickets.amend(
                    number, self.actor, details={field_name: value}, note=content[:500]
                )
                label = self.catalogue.fields[field_name].name
                who = view.department_name
                self.say(f"已把工单 {view.number} 的{label}更正为“{value}”，并转告{who}。")
                return
            view = self.service.tickets.add_information(number, self.actor, content)
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"已把您补充的内容加到工单 {view.number}，并转告{view.department_name}。")

    def detail_field_of(self, number: str) -> str | None:
        """The extra field of a filed ticket's category (shop, employer …), if it has one."""
        view = self.service.views.get_ticket(number, self.actor)
        spec = self.catalogue.categories.get(view.category or "")
        return spec.fields[0] if spec is not None and spec.fields else None

    def wrong_category_after_filing(self) -> None:
        number = self.state.get("last_ticket")
        if not number:
            self.utter("utter_describe_first")
            return
        try:
            self.service.tickets.flag_for_human(
                str(number), self.actor, "市民认为分类有误：" + self.text[:500]
            )
        except DomainError as exc:
            self.say(exc.message)
            return
        self.say(f"已请派单员核对工单 {number} 的分类，如有误会重新派单。")

    def about_my_tickets(self) -> bool:
        """Rating, chasing, withdrawing or adding to a ticket already filed."""
        intent, text = self.turn.intent, self.text
        resolved = self.my_tickets({Status.RESOLVED.value})
        score = rating_of(text)
        if intent == "rate_service" or (score and resolved and len(self.short) <= 60):
            self.handle_rating(score, resolved)
            return True
        if _CHASE.search(self.short) or _CHASE_CONTEXT.search(self.short):
            self.handle_ticket_purpose("chase")
            return True
        if intent == "withdraw_ticket" or (_WITHDRAW.search(self.short) and len(self.short) <= 20):
            self.handle_ticket_purpose("withdraw")
            return True
        if intent == "add_information" or _ADD.match(self.short):
            self.ask_for_information()
            return True
        if is_cancel(text, intent) or intent in ("deny", "affirm"):
            self.utter("utter_anything_else")
            return True
        return False

    def hand_to_human(self) -> None:
        service = self.service
        draft = self.draft
        transcript = self.turn.transcript
        try:
            number: str | None = None
            if draft is None:
                number, _ = self.pick_ticket(OPEN_STATUSES)
                if number is None:
                    views = self.my_tickets(OPEN_STATUSES)
                    number = views[0].number if views else None
            if number is None:
                description = (draft or {}).get("description") or self.text
                view = service.tickets.open_ticket(
                    NewTicket(
                        channel=self.channel,
                        channel_user_id=self.user,
                        description=str(description),
                        category=None,
                        address=(draft or {}).get("address"),
                        contact_phone=None
                        if (draft or {}).get("phone") in (None, SKIP)
                        else str((draft or {}).get("phone")),
                        needs_human=True,
                        idempotency_key=draft_key(self.sender, self.turn.message_id or self.text)
                        + ":human",
                    )
                )
                number = view.number
            service.tickets.flag_for_human(number, self.actor, transcript or self.text)
        except DomainError as exc:
            self.say(exc.message)
            return
        self.state["draft"] = None
        self.state["awaiting"] = None
        self.state["last_ticket"] = number
        self.say(
            f"好的，已为您转人工处理（工单 {number}），派单员会查看我们的对话记录并尽快联系您。"
        )

    def ask_which(self, purpose: str, views: list[TicketView], **extra: Any) -> None:
        self.state["awaiting"] = {
            "kind": "which_ticket",
            "purpose": purpose,
            "numbers": [v.number for v in views[:5]],
            "text": self.text,
            **extra,
        }
        lines = ["您有几张工单，请问是哪一张？"]
        buttons: list[tuple[str, str]] = []
        for index, view in enumerate(views[:5], start=1):
            lines.append(f"{index}. {view.number}｜{view.category_name}｜{view.status_label}")
            buttons.append((f"{view.number}（{view.category_name}）", view.number))
        self.say("\n".join(lines), buttons)
