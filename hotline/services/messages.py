"""Chinese texts for the messages the outbox carries, kept apart from the rules that send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.domain.catalogue import Catalogue
from hotline.storage.models import Ticket

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


def detail_lines(details: dict[str, str] | None, catalogue: Catalogue) -> list[str]:
    """The category's extra fields (商家名称, 用人单位 …) under their Chinese names."""
    lines = []
    for key, value in (details or {}).items():
        if not value:
            continue
        name = catalogue.fields[key].name if key in catalogue.fields else key
        lines.append(f"{name}：{value}")
    return lines


def ticket_card(
    ticket: Ticket,
    catalogue: Catalogue,
    tz: ZoneInfo,
    *,
    title: str,
    note: str | None = None,
    returns: Sequence[tuple[str, str]] = (),
) -> str:
    """The card a department sees: everything needed to act (the category's extra fields,
    the dispatcher's note, earlier returns and their reasons), phone masked."""
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
        *detail_lines(ticket.details, catalogue),
        f"诉求内容：{ticket.description}",
    ]
    if note:
        lines.append(f"派单员备注：{note}")
    if returns:
        lines.append("退单记录：")
        lines.extend(f"  {i}. {dept}：{why}" for i, (dept, why) in enumerate(returns, start=1))
    return "\n".join(lines)


def citizen_answer(ticket: Ticket, catalogue: Catalogue) -> str:
    return (
        f"您好！您反映的问题（工单 {ticket.number}）"
        f"{catalogue.department_name(ticket.department_code)}已答复：\n{ticket.answer}\n"
        "如对处理结果有意见，可以随时回复我们。"
    )


def citizen_reopened(ticket: Ticket, *, by_citizen: bool) -> str:
    """The citizen hears why the ticket is handled again: their own rating, or the centre's
    review (never "you were dissatisfied" when they were not asked)."""
    if by_citizen:
        return (
            f"您好！您对工单 {ticket.number} 的处理结果不满意，我们已安排重新办理，"
            "承办部门会再次联系您。"
        )
    return f"您好！经12345热线复核，您的工单 {ticket.number} 需要重新办理，承办部门会再次联系您。"


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
    return (
        f"您好！您的工单 {ticket.number} 与工单 {into} 反映的是同一问题，已合并办理。"
        f"承办部门答复工单 {into} 时，我们会把答复转告您，并请您评价。"
    )


def department_merged(ticket: Ticket, into: str, who: str, reason: str | None) -> str:
    """The merged ticket's department stands down: the case continues on the lead ticket."""
    return (
        f"【工单已合并】工单 {ticket.number} 与工单 {into} 反映同一问题，已由{who}合并，"
        f"请停止办理工单 {ticket.number}，以工单 {into} 为准。"
        + (f"\n合并说明：{reason}" if reason else "")
    )


def citizen_merged_answer(ticket: Ticket, lead: Ticket, catalogue: Catalogue) -> str:
    """The merged ticket's citizen gets the lead ticket's answer, naming both numbers."""
    return (
        f"您好！您的工单 {ticket.number} 已并入工单 {lead.number} 办理，"
        f"{catalogue.department_name(lead.department_code)}已答复：\n{lead.answer}\n"
        "请问您对处理结果是否满意？请回复：满意 / 基本满意 / 不满意（可附上意见）。"
    )
