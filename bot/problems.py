"""The centre in Telegram: suggested merges with a one-tap merge (重复件), split, the category
correction (更正类别), and supervisors' 督办 with a deadline.

Callback data: ``m:<number>:<into>`` merges ticket <number> into <into>.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import HotlineContext
from bot.staff import centre_message, edit_card, refuse_forged, staff_actor, stamp
from bot.transport import clip
from hotline.domain.directives import parse_deadline
from hotline.domain.tickets import DomainError
from hotline.services.messages import local_time

log = logging.getLogger(__name__)

MERGE_DATA = re.compile(r"^m:(\d{8}-\d{4,6}):(\d{8}-\d{4,6})$")
MERGE_NOTE = "派单员确认为同一问题（重复件一键合并）"


def merge_keyboard(pairs: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per suggested merge: the newer ticket into the older one."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"合并 {n} → {i}", callback_data=f"m:{n}:{i}")] for n, i in pairs]
    )


async def duplicates_command(update: Update, context: HotlineContext) -> None:
    """List open tickets that look like one problem, each with a merge button."""
    message = await centre_message(update, context, "疑似重复工单")
    if message is None:
        return
    found = await asyncio.to_thread(context.service.tickets.suggested_merges, 10)
    if not found:
        await message.reply_text("没有疑似重复的在办工单。")
        return
    catalogue = context.service.catalogue
    lines = ["疑似重复工单（较新的并入较早的；点按钮合并）："]
    lines += [
        f"{s.number} → {s.into}  相似度 {s.score:.2f}  "
        f"{catalogue.department_name(s.department)} {s.place or ''}"
        for s in found
    ]
    await message.reply_text(
        clip("\n".join(lines)), reply_markup=merge_keyboard([(s.number, s.into) for s in found])
    )


async def on_merge_button(update: Update, context: HotlineContext) -> None:
    """Merge the duplicate the dispatcher tapped; the service checks they may."""
    query = update.callback_query
    if query is None:
        return
    match = MERGE_DATA.match(query.data or "")
    actor = await staff_actor(update, context)
    if match is None or actor is None:
        await refuse_forged(query)
        return
    number, into = match.groups()
    try:
        view = await asyncio.to_thread(
            context.service.tickets.merge, number, into, actor, MERGE_NOTE
        )
    except DomainError as exc:
        log.info("merge %s by %s refused: %s", query.data, actor.audit_name, exc.code)
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(f"已将工单 {view.number} 并入 {into}")
    message = query.message
    if isinstance(message, Message):
        text = f"{message.text or ''}\n{stamp(context, '已合并 ', query.from_user, number)}"
        await edit_card(context, message.chat_id, message.message_id, text, None)


async def recategorize_command(update: Update, context: HotlineContext) -> None:
    """/recategorize 工单编号 类别代码 理由: correct a ticket's category (dispatchers)."""
    message = update.effective_message
    actor = await staff_actor(update, context)
    if message is None:
        return
    if actor is None:
        await message.reply_text("抱歉，只有派单员可以更正类别。")
        return
    args = context.args or []
    if len(args) < 3:
        await message.reply_text(
            "请发送：/recategorize 工单编号 类别代码 理由，例如 "
            "/recategorize 20261123-0001 road_damage 是道路坑洼不是路灯"
        )
        return
    number, category, reason = args[0], args[1], " ".join(args[2:])
    try:
        view = await asyncio.to_thread(
            context.service.tickets.correct_category, number, category, actor, reason
        )
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    await message.reply_text(
        f"已更正类别：工单 {view.number} 现为“{view.category_name}”，"
        f"由{view.department_name}办理（{view.status_label}）。"
    )


async def split_command(update: Update, context: HotlineContext) -> None:
    """/split 工单编号 [反映人编号 理由]: list a ticket's linked reporters, or split one off."""
    message = await centre_message(update, context, "工单反映人")
    if message is None:
        return
    actor = await staff_actor(update, context)
    args = context.args or []
    if not args or actor is None:
        await message.reply_text(
            "请发送：/split 工单编号（列出反映人），或 /split 工单编号 编号 理由"
        )
        return
    service = context.service
    try:
        if len(args) < 3 or not args[1].isdigit():
            rows = await asyncio.to_thread(service.tickets.reporters, args[0])
            active = [r for r in rows if r.active]
            lines = [f"工单 {args[0]} 的其他反映人（{len(active)} 位）："]
            lines += [f"#{r.id} {r.address or '—'}：{r.description[:40]}" for r in active]
            await message.reply_text(clip("\n".join(lines)))
            return
        view = await asyncio.to_thread(
            service.tickets.split, args[0], int(args[1]), actor, " ".join(args[2:])
        )
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    await message.reply_text(f"已拆分：新工单 {view.number}（{view.department_name}）。")


async def escalate_command(update: Update, context: HotlineContext) -> None:
    """/escalate 工单编号 时限 督办意见: 督办 with a deadline (supervisors), e.g. 2d or 12h."""
    message = update.effective_message
    actor = await staff_actor(update, context)
    if message is None:
        return
    args = context.args or []
    if actor is None or len(args) < 3:
        await message.reply_text(
            "请发送：/escalate 工单编号 时限 督办意见，时限如 2d、12h 或 2026-11-25T17:00"
        )
        return
    service = context.service
    try:
        due = parse_deadline(args[1], service.clock.now(), service.tz)
        view = await asyncio.to_thread(
            service.tickets.escalate, args[0], actor, " ".join(args[2:]), due=due
        )
    except DomainError as exc:
        await message.reply_text(exc.message)
        return
    when = local_time(due, service.tz)
    await message.reply_text(
        f"已督办工单 {view.number}（{view.department_name}），督办时限 {when}。"
    )
