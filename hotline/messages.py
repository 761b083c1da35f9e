"""Chinese texts for the messages the outbox carries, kept apart from the rules that send them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.catalogue import Catalogue
from hotline.models import Ticket

PRIORITY_LABELS = {"urgent": "紧急", "normal": "一般"}


def local_time(value: datetime | None, tz: ZoneInfo) -> str:
    """Render an instant as local wall time, the way staff and citizens read it."""
    if value is None:
        return "—"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def mask_phone(phone: str | None) -> str:
    """Show only the last four digits, as staff cards do unless someone asks to reveal."""
    if not phone:
        return "未留"
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


def ticket_card(ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo, *, title: str) -> str:
    """The card a department sees: everything needed to act, phone masked."""
    lines = [
        f"【{title}】工单 {ticket.number}",
        f"类别：{catalogue.category_name(ticket.category_code)}（{ticket.request_type}）",
        f"优先级：{PRIORITY_LABELS.get(ticket.priority, ticket.priority)}",
        f"承办部门：{catalogue.department_name(ticket.department_code)}",
        f"签收时限：{local_time(ticket.accept_due_at, tz)}",
        f"办结时限：{local_time(ticket.answer_due_at, tz)}"
        + ("（暂定，节假日安排未公布）" if ticket.due_provisional else ""),
        f"地址：{ticket.address or '未提供'}",
        f"联系电话：{mask_phone(ticket.contact_phone)}",
        f"诉求内容：{ticket.description}",
    ]
    return "\n".join(lines)


def citizen_answer(ticket: Ticket, catalogue: Catalogue) -> str:
    return (
        f"您好！您反映的问题（工单 {ticket.number}）"
        f"{catalogue.department_name(ticket.department_code)}已答复：\n{ticket.answer}\n"
        "如对处理结果有意见，可以随时回复我们。"
    )


def citizen_reopened(ticket: Ticket) -> str:
    return (
        f"您好！您对工单 {ticket.number} 的处理结果不满意，我们已安排重新办理，"
        "承办部门会再次联系您。"
    )


def citizen_accepted(ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo) -> str:
    return (
        f"您好！您的工单 {ticket.number} 已由{catalogue.department_name(ticket.department_code)}"
        f"签收办理，答复时限为 {local_time(ticket.answer_due_at, tz)}。"
    )


def citizen_extended(ticket: Ticket, tz: ZoneInfo) -> str:
    return (
        f"您好！您的工单 {ticket.number} 情况较复杂，承办部门申请的延期已获批准，"
        f"新的答复时限为 {local_time(ticket.answer_due_at, tz)}。感谢您的耐心。"
    )


def citizen_information_requested(ticket: Ticket, question: str) -> str:
    return (
        f"您好！承办部门需要您补充工单 {ticket.number} 的信息：{question}\n"
        "请直接回复补充内容，办理时限在您补充前暂停计算。"
    )


def citizen_merged(ticket: Ticket, into: str) -> str:
    return f"您好！您的工单 {ticket.number} 与工单 {into} 反映的是同一问题，已合并办理。"
