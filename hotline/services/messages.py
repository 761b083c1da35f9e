"""Chinese texts for the messages the outbox carries, kept apart from the rules that send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
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


# ------------------------------------------------------------------ card titles


UNROUTABLE_TITLE = "待人工派单"
URGENT_TITLE = "紧急工单提醒"


def dispatch_title(*, redispatch: bool, urgent: bool) -> str:
    """The department card's title when a ticket reaches it (again)."""
    title = "重新派单" if redispatch else "新工单"
    return "紧急" + title if urgent else title


def return_title(department: str, reason: str) -> str:
    """The dispatcher's card title for a ticket a department sent back."""
    return f"退单（{department}：{reason}）"


def reopen_title(reason: str, *, by: str | None) -> str:
    """The department card's title for a reopened ticket: the citizen's rating (`by` None)
    or a member of staff's review (`by` names them)."""
    if by is None:
        return f"重办（市民回访不满意：{reason}）"
    return f"重办（{by}复核后要求重办：{reason}）"


# ------------------------------------------------------------------ the citizen's changes


def amended_line(field: str, old: str | None, new: str) -> str:
    """One corrected value, old and new (the department's message and the audit note)."""
    return f"{field}：{old or '（无）'} → {new}"


def department_information_added(ticket: Ticket, info: str | None) -> str:
    return f"【市民补充】工单 {ticket.number}\n{info}"


def department_amended(ticket: Ticket, changes: str) -> str:
    return f"【市民更正】工单 {ticket.number}\n{changes}"


def department_withdrawn(ticket: Ticket) -> str:
    return f"工单 {ticket.number} 已由市民撤销，无需继续办理。"


def dispatcher_human_requested(ticket: Ticket, transcript: str | None) -> str:
    return f"【市民要求人工】工单 {ticket.number}\n{transcript or ''}"


def department_attachment_added(ticket: Ticket, label: str) -> str:
    return f"【市民补充附件】工单 {ticket.number}：{label}"


def department_citizen_chase(ticket: Ticket, words: str | None) -> str:
    """The citizen asked how it is going (催办), in their own words if they gave any."""
    return f"【市民催办】工单 {ticket.number}，市民询问办理进展，请尽快办理并答复。" + (
        f"\n市民原话：{words}" if words else ""
    )


def dispatcher_merged_unsatisfied(ticket: Ticket, lead: Ticket, comment: str | None) -> str:
    """A merged ticket's citizen is unhappy with the lead ticket's answer."""
    return (
        f"【合并工单回访不满意】工单 {ticket.number}（已并入工单 {lead.number}）的市民"
        f"对答复不满意：{comment or '未说明具体原因'}"
        f"\n如需重办，请对工单 {lead.number} 操作。"
    )


# ------------------------------------------------------------------ extension, 督办


def dispatcher_extension_requested(
    ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo, working_days: int, reason: str | None
) -> str:
    return (
        f"【延期申请】工单 {ticket.number}\n"
        f"部门：{catalogue.department_name(ticket.department_code)}\n"
        f"申请延期：{working_days}个工作日\n理由：{reason}\n"
        f"当前时限：{local_time(ticket.answer_due_at, tz)}"
    )


def department_extension_decided(
    ticket: Ticket, tz: ZoneInfo, *, approved: bool, note: str | None
) -> str:
    verdict = "已批准" if approved else "未批准"
    return (
        f"工单 {ticket.number} 的延期申请{verdict}。"
        + (f"\n意见：{note}" if note else "")
        + f"\n办结时限：{local_time(ticket.answer_due_at, tz)}"
    )


def department_escalated(
    ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo, supervisor: str | None, note: str
) -> str:
    """督办 by a named supervisor, in their words, with the deadline they set if any."""
    return (
        f"【督办】工单 {ticket.number}"
        f"（{catalogue.category_name(ticket.category_code)}）"
        f"\n督办人员{supervisor or ''}督办意见：{note}"
        + (
            f"\n督办时限：请于 {local_time(ticket.directive_due_at, tz)} 前办理并答复"
            if ticket.directive_due_at is not None
            else ""
        )
        + f"\n办结时限：{local_time(ticket.answer_due_at, tz)}"
    )


def supervisor_directive_overdue(ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo) -> str:
    """The supervisor's 督办 deadline passed and the department has not answered."""
    return (
        f"【督办逾期】工单 {ticket.number}（{catalogue.category_name(ticket.category_code)}，"
        f"{catalogue.department_name(ticket.department_code)}）未在督办时限 "
        f"{local_time(ticket.directive_due_at, tz)} 前答复。"
    )


# ------------------------------------------------------------------ the SLA sweep


def department_accept_warning(ticket: Ticket, tz: ZoneInfo) -> str:
    return (
        f"【黄灯预警】工单 {ticket.number} 即将超过签收时限"
        f"（{local_time(ticket.accept_due_at, tz)}），请尽快签收。"
    )


def department_accept_overdue(ticket: Ticket, tz: ZoneInfo) -> str:
    return (
        f"【催办】工单 {ticket.number} 已超过签收时限"
        f"（{local_time(ticket.accept_due_at, tz)}），请立即签收办理。"
    )


def department_answer_warning(ticket: Ticket, tz: ZoneInfo) -> str:
    return (
        f"【黄灯预警】工单 {ticket.number} 办理时限已过四分之三，"
        f"请于 {local_time(ticket.answer_due_at, tz)} 前答复市民。"
    )


def department_answer_overdue(ticket: Ticket, tz: ZoneInfo) -> str:
    return (
        f"【催办】工单 {ticket.number} 已超过办结时限"
        f"（{local_time(ticket.answer_due_at, tz)}），请立即办理并答复市民。"
    )


def supervisor_overdue_escalation(ticket: Ticket, catalogue: Catalogue, tz: ZoneInfo) -> str:
    """The sweep's 督办 alert: the ticket is past its answer limit; the request is quoted."""
    return (
        f"【督办】工单 {ticket.number}（{catalogue.department_name(ticket.department_code)}，"
        f"{catalogue.category_name(ticket.category_code)}）超期未办结，"
        f"办结时限为 {local_time(ticket.answer_due_at, tz)}，"
        f"请督促办理。\n诉求：{ticket.description[:200]}"
    )


def citizen_survey(ticket: Ticket, catalogue: Catalogue) -> str:
    return (
        f"您好！这里是12345热线回访。您反映的问题（工单 {ticket.number}）已由"
        f"{catalogue.department_name(ticket.department_code)}答复。请问您对处理结果是否满意？"
        "请回复：满意 / 基本满意 / 不满意（可附上意见）。"
    )


# ------------------------------------------------------------------ scheduled jobs


def years_text(years: Sequence[int]) -> str:
    return "、".join(str(y) for y in years)


def department_morning_digest(day: date, department: str, due_today: int, overdue: int) -> str:
    return (
        f"【每日提醒】{day:%Y-%m-%d} "
        f"{department}：今日到期 {due_today} 件，"
        f"已超期 {overdue} 件。请及时办理。"
    )


def staff_calendar_missing(years: Sequence[int], horizon_days: int) -> str:
    """Admins and supervisors: holiday data for these years is missing within the horizon."""
    return (
        f"【日历数据缺失】未来{horizon_days}天内的 {years_text(years)} 年节假日和调休安排尚未配置，"
        "相关工单时限暂按周末计算并标记为暂定。请在国务院公布安排后更新 data/calendar.yml。"
    )


# ------------------------------------------------ 主办/协办, 审核, staff tools (issue 18)

REVIEW_STAGES = {"return": "退单", "answer": "办结答复"}


def dispatcher_review_requested(
    ticket: Ticket, catalogue: Catalogue, stage: str, text: str, who: str | None
) -> str:
    by = f"（{who}）" if who else ""
    return (
        f"【待审核·{REVIEW_STAGES.get(stage, stage)}】工单 {ticket.number}\n"
        f"类别：{catalogue.category_name(ticket.category_code)}\n"
        f"承办部门：{catalogue.department_name(ticket.department_code)}{by}\n"
        f"诉求内容：{ticket.description}\n"
        f"{'退单理由' if stage == 'return' else '拟答复市民'}：{text}\n"
        "审核通过后生效；驳回需写明理由，将退回承办部门。"
    )


def department_review_rejected(ticket: Ticket, tz: ZoneInfo, stage: str, reason: str) -> str:
    return (
        f"工单 {ticket.number} 的{REVIEW_STAGES.get(stage, stage)}未通过12345中心审核，"
        f"请继续办理。\n驳回理由：{reason}\n"
        f"办结时限不变：{local_time(ticket.answer_due_at, tz)}"
    )


def department_review_approved(ticket: Ticket, stage: str) -> str:
    if stage == "answer":
        return f"工单 {ticket.number} 的办结答复已通过12345中心审核，已发送给市民。"
    return f"工单 {ticket.number} 的退单已通过12345中心审核，将由派单员重新派单。"


def assist_title(lead: str) -> str:
    return f"协办工单（主办：{lead}）"


def assist_card_tail(due: datetime, tz: ZoneInfo) -> str:
    return (
        f"协办意见时限：{local_time(due, tz)}\n"
        "请在时限内提交协办意见，由主办单位统一答复市民；协办单位不直接答复市民。"
    )


def department_assist_added(ticket: Ticket, names: str, due: datetime, tz: ZoneInfo) -> str:
    return (
        f"工单 {ticket.number} 已增加协办单位：{names}（协办意见时限 {local_time(due, tz)}）。"
        "贵单位仍为主办单位，负责统一答复市民。"
    )


def department_assist_opinion(ticket: Ticket, department: str, opinion: str) -> str:
    return f"工单 {ticket.number} 协办单位{department}的协办意见：\n{opinion}"


def department_assigned(ticket: Ticket, name: str, by: str) -> str:
    return f"工单 {ticket.number} 已由{by}指定{name}承办。"


def department_assist_reminder(ticket: Ticket, due: datetime, tz: ZoneInfo, *, late: bool) -> str:
    if late:
        return (
            f"【协办超期】工单 {ticket.number} 的协办意见已超过时限（{local_time(due, tz)}），"
            "请尽快提交，主办单位等待贵单位意见后答复市民。"
        )
    return (
        f"【协办提醒】工单 {ticket.number} 的协办意见将于 {local_time(due, tz)} 到期，请及时提交。"
    )


# ------------------------------------------------------------ one ticket per problem (重复件)


def citizen_linked(number: str, department_name: str | None) -> str:
    """The reply to a citizen whose report is a problem already open as another ticket."""
    who = f"由{department_name}办理，" if department_name else ""
    return (
        f"您反映的问题已有市民反映，登记为工单 {number}，{who}"
        "您已被加入该工单的反映人，办理进展和答复都会通知您，答复后也会请您评价。"
    )


def department_reporter_linked(ticket: Ticket, reporters: int) -> str:
    """One line for the department: another caller about the same problem, not a new card."""
    return (
        f"【同一问题】又有市民反映工单 {ticket.number} 的问题，目前共 {reporters + 1} 位市民反映。"
    )


def citizen_split(old: str, new: str) -> str:
    """The citizen whose report a dispatcher split off the problem it was linked to."""
    return (
        f"您好！经核实，您反映的问题与工单 {old} 不是同一问题，已为您单独登记为工单 {new}，"
        "办理进展会另行通知您。"
    )


def dispatcher_duplicate_suggestion(number: str, into: str, score: float) -> str:
    """A suggested merge on a dispatcher's screen."""
    return f"工单 {number} 可能与工单 {into} 是同一问题（相似度 {score:.2f}）。"


# ---------------------------------------------------------------- category correction


def department_recategorized_away(ticket: Ticket, new_department: str, reason: str) -> str:
    """The department a ticket leaves because its category was corrected: stop work on it."""
    return (
        f"【工单改派】工单 {ticket.number} 经派单员更正类别，改由{new_department}办理，"
        f"请停止办理。\n理由：{reason}"
    )


def recategorized_title(old: str, new: str, reason: str) -> str:
    """The new department's card title after a category correction moved the ticket to it."""
    return f"更正类别后派单（{old}→{new}：{reason}）"


def department_recategorized(ticket: Ticket, old: str, new: str, reason: str) -> str:
    """The department keeps the ticket; only its category (the routing label) changed."""
    return f"【类别更正】工单 {ticket.number} 的类别由“{old}”更正为“{new}”。理由：{reason}"
