"""The reply prompts of 请市民补充, 协办意见 and 审核驳回, and the reply templates (常用语) every
text prompt offers: a reply of just a template's number sends that template."""

from __future__ import annotations

from hotline.domain.templates import TemplateStage
from hotline.domain.tickets import Actor, Status
from hotline.services.container import Services
from hotline.services.messages import local_time
from hotline.services.snapshots import TicketView

PROMPTS = {
    "info": "请回复需要市民补充的内容，将发送给市民（工单 {number}）",
    "opinion": "请回复协办意见，将转交主办单位，不发给市民（工单 {number}）",
    "reject": "请回复审核驳回的理由，将告知承办部门（工单 {number}）",
}
DONE_MARKS = {
    "info": "❓ 已请市民补充",
    "opinion": "📝 已提交协办意见",
    "reject": "❌ 审核驳回",
    "approve": "✅ 审核通过",
    "held": "🕒 已提交审核",
}
# Which template stage each text prompt offers.
STAGES: dict[str, TemplateStage] = {
    "return": "return",
    "resolve": "answer",
    "info": "information",
    "opinion": "opinion",
}
# Prompts answered here rather than in bot.staff (the card they came from gets no buttons
# back for 协办意见 and 审核驳回: both are done once).
ACTIONS = frozenset(PROMPTS)
NO_BUTTONS_AFTER = frozenset({"opinion", "reject"})


def _templates(service: Services, action: str, number: str) -> list[str]:
    stage = STAGES.get(action)
    if stage is None:
        return []
    category = service.views.get_ticket(number).category  # internal look: category only
    return service.templates.offer(category, stage)


def template_lines(service: Services, action: str, number: str) -> str:
    """The templates to show under a prompt, numbered, or "" when there are none."""
    texts = _templates(service, action, number)
    if not texts:
        return ""
    lines = [f"{i}. {t}" for i, t in enumerate(texts, start=1)]
    return "\n常用语（回复编号即可使用，也可复制后修改）：\n" + "\n".join(lines)


def expand(service: Services, action: str, number: str, text: str) -> str:
    """A reply that is just a template's number becomes that template; anything else stays."""
    choice = text.strip()
    if not choice.isdigit():
        return text
    texts = _templates(service, action, number)
    index = int(choice) - 1
    return texts[index] if 0 <= index < len(texts) else text


def finish(
    service: Services, action: str, number: str, actor: Actor, text: str
) -> tuple[TicketView, str]:
    """Carry out a 请市民补充, 协办意见 or 审核驳回 with the reply; returns the view and what to
    tell the person who replied."""
    if action == "info":
        view = service.tickets.request_information(number, actor, text)
        return view, f"已请市民补充，市民回复前办结时限暂停（工单 {number}）。"
    if action == "opinion":
        view = service.tickets.give_opinion(number, actor, text)
        return view, f"协办意见已转交主办单位（工单 {number}）。"
    view = service.tickets.decide_review(number, actor, approve=False, note=text)
    return view, f"已驳回，理由已告知承办部门，其办结时限照常计算（工单 {number}）。"


def ticket_extras(service: Services, number: str) -> list[str]:
    """Lines /ticket adds for staff: the named owner and each assisting department with
    where its opinion stands (the opinion itself is for `hotline tickets assists`)."""
    lines = []
    owner = service.tickets.owner_of(number)
    if owner:
        lines.append(f"承办人：{owner}")
    for a in service.tickets.assisting(number):
        state = "未提交" if a.opinion_at is None else ("已按时提交" if a.on_time else "超时提交")
        lines.append(
            f"协办单位：{a.department_name}（时限 {local_time(a.due_at, service.tz)}，{state}）"
        )
    return lines


def held_reply(action: str, view: TicketView) -> str | None:
    """What to say when a 退单 or 办结 was held for the centre's review instead of taking
    effect (None when it took effect)."""
    if action == "return" and view.status != Status.RETURNED.value:
        return f"退单已提交12345中心审核，审核通过后生效（工单 {view.number}）。"
    if action == "resolve" and view.status != Status.RESOLVED.value:
        return f"答复已提交12345中心审核，审核通过后发送给市民（工单 {view.number}）。"
    return None
