"""Telegram commands and buttons of 主办/协办, 审核 and the staff tools: /assist, /reviews,
审核通过/审核驳回, /note, /notes, /assign, /mine and /search."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date

from telegram import Message, Update

from bot import centre_prompts, keyboards
from bot.context import HotlineContext
from bot.staff import (
    REFUSED,
    authorized_press,
    edit_card,
    send_prompt,
    staff_actor,
    stamp,
)
from bot.transport import clip
from hotline.domain.privacy import redact
from hotline.domain.tickets import Actor, DomainError
from hotline.services.container import Services
from hotline.services.messages import REVIEW_STAGES, local_time
from hotline.services.snapshots import TicketView
from hotline.services.staff_tools import Search

log = logging.getLogger(__name__)

SEARCH_HELP = (
    "请发送：/search 条件，可组合，例如\n"
    "/search 20261123-0001\n"
    "/search 电话:13812345678（查询留痕）\n"
    "/search 地点:幸福家园 内容:漏水 从:2026-11-01 到:2026-11-30\n"
    "不带前缀的词按诉求内容检索。"
)
_KEYS = {
    "编号": "number",
    "电话": "phone",
    "地点": "place",
    "地址": "place",
    "内容": "text",
    "从": "since",
    "到": "until",
}
_TERM = re.compile(r"^(编号|电话|地点|地址|内容|从|到)[:：](.+)$")
_NUMBER = re.compile(r"^\d{8}-\d{4,6}$")


def parse_search(words: list[str]) -> Search:
    """Turn `/search` words into a Search; unknown dates raise DomainError (Chinese)."""
    found: dict[str, str] = {}
    loose: list[str] = []
    for word in words:
        match = _TERM.match(word)
        if match:
            found[_KEYS[match[1]]] = match[2].strip()
        elif _NUMBER.match(word):
            found["number"] = word
        else:
            loose.append(word)
    if loose:
        found["text"] = " ".join([found.get("text", ""), *loose]).strip()

    def day(key: str) -> date | None:
        if key not in found:
            return None
        try:
            return date.fromisoformat(found[key])
        except ValueError:
            raise DomainError(
                f"日期“{found[key][:20]}”格式不对，应类似 2026-11-01。", code="bad_date"
            ) from None

    return Search(
        number=found.get("number"),
        phone=found.get("phone"),
        place=found.get("place"),
        text=found.get("text"),
        since=day("since"),
        until=day("until"),
    )


def department_code(service: Services, word: str) -> str:
    """A department by code, full name or short name (住建, 城管 …); unknown words stay as
    they are and the service refuses them with the list's location."""
    for code, dept in service.catalogue.departments.items():
        if word in (code, dept.name, dept.short):
            return code
    return word


def ticket_lines(views: list[TicketView], service: Services, title: str) -> str:
    """A short list of tickets for a chat: number, status, department, deadline, gist."""
    lines = [f"{title}（{len(views)}件）："]
    for v in views[:30]:
        lines.append(
            f"{v.number} {v.status_label} {v.department_name} "
            f"时限 {local_time(v.answer_due_at, service.tz)} {redact(v.description)[:24]}"
        )
    if len(views) > 30:
        lines.append(f"……另有{len(views) - 30}件，请缩小检索范围。")
    return clip("\n".join(lines))


async def _actor_and_args(
    update: Update, context: HotlineContext, usage: str, minimum: int
) -> tuple[Message, Actor, list[str]] | None:
    """The bound sender and the command's words; answers usage or refusal itself."""
    message = update.effective_message
    if message is None:
        return None
    actor = await staff_actor(update, context)
    if actor is None:
        await message.reply_text(REFUSED)
        return None
    args = list(context.args or [])
    if len(args) < minimum:
        await message.reply_text(usage)
        return None
    return message, actor, args


async def _reply_refusal(message: Message, actor: Actor, what: str, exc: DomainError) -> None:
    log.info("%s by %s refused: %s", what, actor.audit_name, exc.code)
    await message.reply_text(exc.message)


# ----------------------------------------------------------------- commands


async def assist_command(update: Update, context: HotlineContext) -> None:
    """增加协办部门: /assist 工单编号 部门 [部门…], or buttons when no department is named
    (dispatchers)."""
    usage = "请发送：/assist 工单编号 [协办部门…]，例如 /assist 20261123-0001 交通 城管"
    got = await _actor_and_args(update, context, usage, 1)
    if got is None:
        return
    message, actor, args = got
    service = context.service
    if len(args) == 1:  # no department named: offer them as buttons
        if actor.role != "dispatcher":
            await message.reply_text("只有派单员可以增加协办部门。")
            return
        shorts = {code: d.short for code, d in service.catalogue.departments.items()}
        await message.reply_text(
            f"请选择工单 {args[0]} 的协办部门（可多选，每按一次增加一个）：",
            reply_markup=keyboards.departments(args[0], shorts, family="a"),
        )
        return
    codes = [department_code(service, w) for w in args[1:]]
    try:
        await asyncio.to_thread(service.tickets.add_assisting, args[0], codes, actor)
    except DomainError as exc:
        await _reply_refusal(message, actor, "/assist", exc)
        return
    names = "、".join(service.catalogue.department_name(c) for c in codes)
    await message.reply_text(f"已为工单 {args[0]} 增加协办部门：{names}，协办卡片已发出。")


async def reviews_command(update: Update, context: HotlineContext) -> None:
    """List returns and answers waiting for 审核 (dispatchers)."""
    got = await _actor_and_args(update, context, "", 0)
    if got is None:
        return
    message, actor, _ = got
    if actor.role != "dispatcher":
        await message.reply_text("只有派单员可以审核退单和答复。")
        return
    service = context.service
    items = await asyncio.to_thread(service.tickets.pending_reviews)
    if not items:
        await message.reply_text("目前没有待审核的退单或答复。")
        return
    for item in items[:10]:
        await message.reply_text(
            clip(
                f"【待审核·{REVIEW_STAGES.get(item.stage, item.stage)}】工单 {item.number}\n"
                f"{service.catalogue.department_name(item.department)}"
                f"（{item.submitted_by or ''}，{local_time(item.submitted_at, service.tz)}）：\n"
                f"{item.text}"
            ),
            reply_markup=keyboards.review(item.number),
        )
    if len(items) > 10:
        await message.reply_text(f"另有{len(items) - 10}件待审核，处理后再发送 /reviews 查看。")


async def note_command(update: Update, context: HotlineContext) -> None:
    """内部备注: /note 工单编号 内容 (the citizen never sees it)."""
    got = await _actor_and_args(update, context, "请发送：/note 工单编号 备注内容（市民看不到）", 2)
    if got is None:
        return
    message, actor, args = got
    try:
        await asyncio.to_thread(
            context.service.tickets.add_note, args[0], actor, " ".join(args[1:])
        )
    except DomainError as exc:
        await _reply_refusal(message, actor, "/note", exc)
        return
    await message.reply_text(f"已添加内部备注（工单 {args[0]}），市民看不到。")


async def notes_command(update: Update, context: HotlineContext) -> None:
    """Show a ticket's internal notes: /notes 工单编号."""
    got = await _actor_and_args(update, context, "请发送：/notes 工单编号", 1)
    if got is None:
        return
    message, actor, args = got
    service = context.service
    try:
        notes = await asyncio.to_thread(service.tickets.notes, args[0], actor)
    except DomainError as exc:
        await _reply_refusal(message, actor, "/notes", exc)
        return
    if not notes:
        await message.reply_text(f"工单 {args[0]} 没有内部备注。")
        return
    lines = [f"工单 {args[0]} 内部备注："]
    lines += [f"{local_time(n.at, service.tz)} {n.author}：{n.text}" for n in notes]
    await message.reply_text(clip("\n".join(lines)))


async def assign_command(update: Update, context: HotlineContext) -> None:
    """指定承办人: /assign 工单编号 姓名 (a member of the department)."""
    got = await _actor_and_args(update, context, "请发送：/assign 工单编号 本部门工作人员姓名", 2)
    if got is None:
        return
    message, actor, args = got
    name = " ".join(args[1:])
    try:
        await asyncio.to_thread(context.service.tickets.assign, args[0], actor, name)
    except DomainError as exc:
        await _reply_refusal(message, actor, "/assign", exc)
        return
    await message.reply_text(f"已指定{name}承办工单 {args[0]}，将出现在其“我的待办”（/mine）中。")


async def mine_command(update: Update, context: HotlineContext) -> None:
    """我的待办: the tickets assigned to the sender that their department still works on."""
    got = await _actor_and_args(update, context, "", 0)
    if got is None:
        return
    message, actor, _ = got
    views = await asyncio.to_thread(context.service.tickets.my_tickets, actor)
    if not views:
        await message.reply_text("您目前没有待办工单。")
        return
    await message.reply_text(ticket_lines(views, context.service, "我的待办"))


async def search_command(update: Update, context: HotlineContext) -> None:
    """检索工单 by number, phone (audited), place, text and date."""
    got = await _actor_and_args(update, context, SEARCH_HELP, 1)
    if got is None:
        return
    message, actor, args = got
    try:
        query = parse_search(args)
        views = await asyncio.to_thread(context.service.tickets.search, actor, query)
    except DomainError as exc:
        await _reply_refusal(message, actor, "/search", exc)
        return
    if not views:
        await message.reply_text("没有找到符合条件的工单。")
        return
    await message.reply_text(ticket_lines(views, context.service, "检索结果"))


# ------------------------------------------------------------------ buttons


async def on_assist_button(update: Update, context: HotlineContext) -> None:
    """Add the pressed department as an assisting department; the keyboard stays for more."""
    pressed = await authorized_press(update, context, ("a",))
    if pressed is None:
        return
    query, press, actor = pressed
    service = context.service
    try:
        await asyncio.to_thread(service.tickets.add_assisting, press.number, [press.arg], actor)
    except DomainError as exc:
        log.info("button %s by %s refused: %s", query.data, actor.audit_name, exc.code)
        await query.answer(exc.message, show_alert=True)
        return
    name = service.catalogue.department_name(press.arg)
    await query.answer(f"已增加协办：{name}")
    message = query.message
    if isinstance(message, Message):
        line = stamp(context, "🤝 已增加协办：", query.from_user, name)
        text = f"{message.text or ''}\n{line}"
        await edit_card(context, message.chat_id, message.message_id, text, message.reply_markup)


async def on_review_button(update: Update, context: HotlineContext) -> None:
    """审核通过 applies the held return or answer; 审核驳回 asks for the reason first."""
    pressed = await authorized_press(update, context, ("v",))
    if pressed is None:
        return
    query, press, actor = pressed
    if actor.role != "dispatcher":
        await query.answer("只有派单员可以审核退单和答复。", show_alert=True)
        return
    try:
        if press.arg == "reject":
            await send_prompt(query, context, "reject", press.number, placeholder="驳回理由")
            return
        await asyncio.to_thread(
            context.service.tickets.decide_review, press.number, actor, approve=True
        )
    except DomainError as exc:
        log.info("button %s by %s refused: %s", query.data, actor.audit_name, exc.code)
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer("审核通过")
    message = query.message
    if isinstance(message, Message):
        line = stamp(context, centre_prompts.DONE_MARKS["approve"], query.from_user)
        text = f"{message.text or ''}\n{line}"
        await edit_card(context, message.chat_id, message.message_id, text, None)
