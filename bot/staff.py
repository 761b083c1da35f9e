"""Staff, dispatcher and supervisor handlers: binding chats, card buttons, replies, commands."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from telegram import CallbackQuery, Chat, ForceReply, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot import centre_prompts, keyboards
from bot.attachment_viewer import send_attachments
from bot.context import HotlineContext
from bot.transport import CHANNEL, clip
from hotline.domain.privacy import redact
from hotline.domain.tickets import CENTRE_ROLES, Actor, DomainError, Role
from hotline.services.attachments import describe
from hotline.services.container import Services
from hotline.services.messages import PRIORITY_LABELS, detail_lines, local_time, mask_phone
from hotline.services.prompts import Prompt
from hotline.services.snapshots import TicketView
from hotline.services.staff import ROLE_LABELS, migrate_chat
from hotline.services.views import TicketFilter

log = logging.getLogger(__name__)

PROMPTS = {
    "return": "请回复退单理由（工单 {number}）",
    "extend": "请回复延期天数和理由，例如“5 需要协调施工单位”（工单 {number}）",
    "resolve": "请回复给市民的答复内容（工单 {number}）",
    "deny": "请回复驳回延期的理由，将告知承办部门（工单 {number}）",
    **centre_prompts.PROMPTS,
}
DONE_MARKS = {
    "accept": "✅ 已签收",
    "return": "↩️ 已退单",
    "extend": "⏳ 已申请延期",
    "resolve": "🏁 已办结答复",
    "dispatch": "➡️ 已派往",
    "approve": "✅ 已批准延期",
    "deny": "❌ 已驳回延期",
    **centre_prompts.DONE_MARKS,
}
REFUSED = "抱歉，您在本聊天尚未绑定，无法办理工单。请向管理员申请本人的绑定码，发送 /bind 绑定码。"
STALE = "该按钮已失效，请以最新的工单卡片为准。"
_EXTENSION = re.compile(r"^\s*(\d{1,3})\s*(?:天|个工作日|日)?\s*[,，、:：\s]\s*(.+)$", re.S)


@dataclass(frozen=True)
class Binding:
    """Who a chat member is to the hotline: role and department."""

    role: str
    department: str | None
    whole_chat: bool


def find_binding(service: Services, chat_id: int, user_id: int | None) -> Binding | None:
    """The strongest live binding of this person in this chat (see StaffAccess.member_role)."""
    found = service.staff.member_role(
        CHANNEL, str(chat_id), str(user_id) if user_id is not None else None
    )
    if found is None:
        return None
    return Binding(role=found[0], department=found[1], whole_chat=False)


def actor_for(binding: Binding, user: User) -> Actor:
    """The audited actor for a bound chat member."""
    role: Role = binding.role  # type: ignore[assignment]  # bindings only hold staff roles
    return Actor(
        role=role, id=f"{CHANNEL}:{user.id}", department=binding.department, name=user.full_name
    )


async def centre_message(update: Update, context: HotlineContext, what: str) -> Message | None:
    """The command's message when a dispatcher or supervisor sent it; otherwise refuse (logged)
    and return None."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return None
    binding = await asyncio.to_thread(find_binding, context.service, chat.id, user.id)
    if binding is None or binding.role not in CENTRE_ROLES:
        log.warning("refused %s in chat %s by user %s", what, chat.id, user.id)
        await message.reply_text(f"抱歉，只有派单员和督办人员可以查看{what}。")
        return None
    return message


async def staff_actor(update: Update, context: HotlineContext) -> Actor | None:
    """The presser's actor, or None (logged) when the chat is not bound."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    binding = await asyncio.to_thread(find_binding, context.service, chat.id, user.id)
    if binding is None:
        log.warning("refused: unbound chat %s user %s", chat.id, user.id)
        return None
    return actor_for(binding, user)


def stamp(context: HotlineContext, mark: str, user: User, extra: str = "") -> str:
    """A line for the card: what happened, who did it, and when (local time)."""
    service = context.service
    when = service.clock.now().astimezone(service.tz).strftime("%m-%d %H:%M")
    return f"{mark}{extra}（{user.full_name} {when}）"


def render_view(view: TicketView, tz_service: Services) -> str:
    """A ticket as staff read it (phone masked)."""
    tz = tz_service.tz
    lines = [
        f"工单 {view.number}（{view.status_label}）",
        f"类别：{view.category_name}（{view.request_type}）",
        f"优先级：{PRIORITY_LABELS.get(view.priority, view.priority)}",
        f"承办部门：{view.department_name}",
        f"签收时限：{local_time(view.accept_due_at, tz)}",
        f"办结时限：{local_time(view.answer_due_at, tz)}",
        f"地址：{redact(view.address) or '未提供'}",
        f"联系电话：{mask_phone(view.contact_phone)}",
        *detail_lines(view.details, tz_service.catalogue),
        f"诉求内容：{redact(view.description)}",
    ]
    if view.merged_into:
        lines.append(f"已合并到工单 {view.merged_into}")
    if view.answer:
        lines.append(f"答复：{redact(view.answer)}")
    return clip("\n".join(lines))


def render_for_citizen(view: TicketView, service: Services) -> str:
    """A ticket as its citizen reads it."""
    lines = [
        f"工单 {view.number}：{view.status_label}",
        f"承办部门：{view.department_name}",
        f"答复时限：{local_time(view.answer_due_at, service.tz)}",
        f"诉求内容：{view.description}",
    ]
    if view.answer:
        lines.append(f"答复：{view.answer}")
    return clip("\n".join(lines))


async def edit_card(
    context: HotlineContext,
    chat_id: int,
    message_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Show the card's new state in place; a failed edit must not undo the action."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_text(
            chat_id=chat_id, message_id=message_id, text=clip(text), reply_markup=markup
        )
    except BadRequest as exc:
        log.info("card %s/%s not edited: %s", chat_id, message_id, exc.message)


# ------------------------------------------------------------------------- /bind


async def bind(update: Update, context: HotlineContext) -> None:
    """Bind this chat (a group as a whole, or one person in private) with a one-time code."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    if not context.args:
        await message.reply_text("请发送：/bind 绑定码（绑定码由管理员发放）。")
        return
    group = chat.type != Chat.PRIVATE
    try:
        binding = await asyncio.to_thread(
            context.service.staff.bind,
            context.args[0],
            channel=CHANNEL,
            chat_id=str(chat.id),
            user_id=str(user.id),
            display_name=user.full_name,
            chat_title=chat.title if group else None,
            group=group,
        )
    except DomainError as exc:
        log.warning("bind refused in chat %s by user %s: %s", chat.id, user.id, exc.code)
        await message.reply_text(exc.message)
        return
    role = ROLE_LABELS.get(binding.role, binding.role)
    where = context.service.catalogue.department_name(binding.department_code)
    dept = f"{where}的" if binding.department_code else ""
    scope = f"{user.full_name}已在本群登记" if group else "您已登记"
    await message.reply_text(f"绑定成功！{scope}为{dept}{role}，新工单将发送到这里。")


# ------------------------------------------------------------------ card buttons


async def authorized_press(
    update: Update, context: HotlineContext, families: tuple[str, ...]
) -> tuple[CallbackQuery, keyboards.Press, Actor] | None:
    """Parse a button press and resolve who pressed it; refuse forged data and strangers."""
    query = update.callback_query
    if query is None:
        return None
    press = keyboards.parse(query.data)
    if press is None or press.family not in families:
        await refuse_forged(query)
        return None
    actor = await staff_actor(update, context)
    if actor is None:
        await query.answer(REFUSED, show_alert=True)
        return None
    return query, press, actor


async def on_ticket_button(update: Update, context: HotlineContext) -> None:
    """Handle a staff card button: act at once (签收, 显示电话) or ask for the text it needs."""
    pressed = await authorized_press(update, context, ("t",))
    if pressed is None:
        return
    query, press, actor = pressed
    service = context.service
    try:
        if press.arg == "accept":
            view = await asyncio.to_thread(service.tickets.accept, press.number, actor)
            await query.answer("已签收")
            await _mark_card(query, context, "accept", view.status, press.number)
        elif press.arg == "phone":
            await reveal_phone(query, context, press.number, actor)
        elif press.arg == "files":
            await show_files(query, context, press.number, actor)
        else:
            await ask_for_text(query, context, press.arg, press.number, actor)
    except DomainError as exc:
        log.info("button %s by %s refused: %s", query.data, actor.audit_name, exc.code)
        await query.answer(exc.message, show_alert=True)


async def refuse_forged(query: CallbackQuery) -> None:
    """Answer forged or unknown callback data politely and log it."""
    log.warning(
        "forged or unknown callback data from user %s: %.80r", query.from_user.id, query.data
    )
    await query.answer(STALE)


async def _mark_card(
    query: CallbackQuery, context: HotlineContext, action: str, status: str, number: str
) -> None:
    message = query.message
    if not isinstance(message, Message):
        return
    text = f"{message.text or ''}\n{stamp(context, DONE_MARKS[action], query.from_user)}"
    files = keyboards.has_files_button(message.reply_markup)
    await edit_card(
        context,
        message.chat_id,
        message.message_id,
        text,
        keyboards.staff_card(number, status, files=files),
    )


async def reveal_phone(
    query: CallbackQuery, context: HotlineContext, number: str, actor: Actor
) -> None:
    """Show the phone and masked numbers to the presser only, as a private alert; audited."""
    phone, found = await asyncio.to_thread(context.service.tickets.reveal_numbers, number, actor)
    text = f"工单 {number} 联系电话：{phone or '市民未留联系电话'}"
    others = [n for n in found if n != phone]
    if others:
        text += "\n内容中的号码：" + "、".join(others)
    await query.answer(text[:200], show_alert=True)


async def show_files(
    query: CallbackQuery, context: HotlineContext, number: str, actor: Actor
) -> None:
    """Download the ticket's attachments and send them to the chat the card is in (audited)."""
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    views = await asyncio.to_thread(context.attachments.open_for_viewing, number, actor)
    await query.answer("正在发送附件……" if views else "该工单没有附件。")
    await send_attachments(
        context.bot,
        context.attachments,
        var_dir=context.hotline.settings.var_dir,
        chat_id=chat_id,
        number=number,
        views=views,
    )


async def ask_for_text(
    query: CallbackQuery, context: HotlineContext, action: str, number: str, actor: Actor
) -> None:
    """Check the action is possible now, then ask the presser for its text."""
    if action == "opinion":  # an assisting department: the service checks it on the reply
        await send_prompt(query, context, action, number, placeholder="协办意见")
        return
    view = await asyncio.to_thread(context.service.views.get_ticket, number, actor)
    allowed = keyboards.STAFF_BUTTONS_BY_STATUS.get(view.status, ())
    if action not in allowed:
        await query.answer(
            f"工单当前状态为“{view.status_label}”，不能{keyboards.STAFF_ACTIONS[action]}。",
            show_alert=True,
        )
        return
    await send_prompt(query, context, action, number, placeholder=keyboards.STAFF_ACTIONS[action])


async def send_prompt(
    query: CallbackQuery, context: HotlineContext, action: str, number: str, *, placeholder: str
) -> None:
    """Persist the pending prompt, then ask for its text as a reply to the prompt message."""
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    card = message if isinstance(message, Message) else None
    prompts = context.hotline.prompts
    prompt_id = await asyncio.to_thread(
        prompts.open,
        channel=CHANNEL,
        chat_id=str(chat_id),
        user_id=str(query.from_user.id),
        action=action,
        number=number,
        card_message_id=card.message_id if card else None,
        card_text=(card.text or "") if card else "",
        files=keyboards.has_files_button(card.reply_markup) if card else False,
    )
    await query.answer()
    prompt = PROMPTS[action].format(number=number) + await asyncio.to_thread(
        centre_prompts.template_lines, context.service, action, number
    )
    name = query.from_user.full_name
    minutes = int(prompts.window.total_seconds() // 60)
    sent = await context.bot.send_message(
        chat_id=chat_id,
        text=(f"{name}，{prompt}" if chat_id != query.from_user.id else prompt)
        + f"\n（请直接回复本消息；{minutes}分钟后未回复的普通消息不会作为答复。）",
        reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder),
    )
    await asyncio.to_thread(prompts.sent, prompt_id, sent.message_id)


async def _screen(
    context: HotlineContext, message: Message, chat_id: int, user_id: int
) -> Prompt | None:
    """The prompt this message answers, or None; cancels (and says so) a prompt gone stale."""
    prompts = context.hotline.prompts
    pending = await asyncio.to_thread(prompts.find, CHANNEL, str(chat_id), str(user_id))
    if pending is None:
        return None
    replied = message.reply_to_message
    reply_to = replied.message_id if replied else None
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
        and f"（工单 {pending.number}）" in (replied.text or "")  # prompts and retries only
    ):
        reply_to = pending.prompt_message_id  # a reply to the prompt or its "try again"
    verdict = prompts.judge(pending, reply_to)
    if verdict == "ignore":
        return None
    if verdict == "cancel":
        await asyncio.to_thread(prompts.close, pending.id)
        log.info("prompt for ticket %s cancelled: plain text after the window", pending.number)
        label = keyboards.STAFF_ACTIONS.get(pending.action, pending.action)
        await message.reply_text(
            f"工单 {pending.number} 的“{label}”操作已超时取消，这条消息没有提交。"
            "如需办理，请重新点击工单卡片上的按钮，并直接回复提示消息。"
        )
        raise ApplicationHandlerStop
    return pending


async def _carry_out(
    service: Services, pending: Prompt, actor: Actor, message: Message
) -> tuple[TicketView, str, str]:
    """Do the prompt's action with the reply (a template number becomes the template);
    returns the view, what to tell the person, and what to add to the card's stamp."""
    text = await asyncio.to_thread(
        centre_prompts.expand, service, pending.action, pending.number, message.text or ""
    )
    if pending.action in centre_prompts.ACTIONS:
        view, done = await asyncio.to_thread(
            centre_prompts.finish, service, pending.action, pending.number, actor, text
        )
        return view, done, ""
    if pending.action == "return":
        view = await asyncio.to_thread(service.tickets.return_ticket, pending.number, actor, text)
        return view, f"已退单，工单 {pending.number} 将由派单员重新派单。", ""
    if pending.action == "resolve":
        view = await asyncio.to_thread(service.tickets.resolve, pending.number, actor, text)
        return view, f"已办结，答复已发送给市民（工单 {pending.number}）。", ""
    if pending.action == "deny":
        view = await asyncio.to_thread(
            service.tickets.decide_extension, pending.number, actor, approve=False, note=text
        )
        return view, f"已驳回延期申请，理由已告知承办部门（工单 {pending.number}）。", ""
    match = _EXTENSION.match(text)
    if match is None:
        await message.reply_text(
            f"格式不对（工单 {pending.number}）。请回复“天数 理由”，例如：5 需要协调施工单位",
            reply_markup=ForceReply(input_field_placeholder="天数 理由"),
        )
        raise ApplicationHandlerStop
    days, reason = int(match[1]), match[2]
    view = await asyncio.to_thread(
        service.tickets.request_extension, pending.number, actor, days, reason
    )
    return view, f"延期申请已提交（{days}个工作日），等待派单员审核。", f"{days}个工作日"


async def complete_pending(update: Update, context: HotlineContext) -> None:
    """Finish a pending 退单/延期/办结 with this text; stop other handlers when it was one.

    Only a reply to the prompt, or text within the reply window, counts; the first other
    text after the window cancels the prompt and says so, so a stray "收到" hours later is
    never sent to a citizen.
    """
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    prompts = context.hotline.prompts
    pending = await _screen(context, message, chat.id, user.id)
    if pending is None:
        return
    actor = await staff_actor(update, context)
    if actor is None:
        await asyncio.to_thread(prompts.close, pending.id)
        await message.reply_text(REFUSED)
        raise ApplicationHandlerStop
    try:
        view, done, extra = await _carry_out(context.service, pending, actor, message)
    except DomainError as exc:
        if exc.code in ("empty", "too_long", "too_short", "bad_extension_days"):
            await message.reply_text(
                f"{exc.message}请重新回复（工单 {pending.number}）。", reply_markup=ForceReply()
            )
        else:  # the ticket moved on meanwhile: give up this action
            await asyncio.to_thread(prompts.close, pending.id)
            await message.reply_text(exc.message)
        raise ApplicationHandlerStop from None
    held = centre_prompts.held_reply(pending.action, view)
    mark = pending.action if held is None else "held"
    done = held or done
    await asyncio.to_thread(prompts.close, pending.id)
    await message.reply_text(done)
    line = stamp(context, DONE_MARKS[mark], user, extra)
    markup = (
        None
        if pending.action == "deny"  # a dispatcher's card: no staff buttons on it
        or pending.action in centre_prompts.NO_BUTTONS_AFTER
        else keyboards.staff_card(pending.number, view.status, files=pending.files)
    )
    await edit_card(
        context,
        int(pending.chat_id),
        pending.card_message_id,
        f"{pending.card_text}\n{line}",
        markup,
    )
    raise ApplicationHandlerStop


# ------------------------------------------------------------ dispatcher buttons


async def on_dispatch_button(update: Update, context: HotlineContext) -> None:
    """Re-dispatch a returned or unroutable ticket, or decide an extension request."""
    pressed = await authorized_press(update, context, ("d", "x"))
    if pressed is None:
        return
    query, press, actor = pressed
    service = context.service
    try:
        if press.family == "d":
            view = await asyncio.to_thread(service.tickets.dispatch, press.number, press.arg, actor)
            mark = DONE_MARKS["dispatch"] + view.department_name
            await query.answer(f"已派往{view.department_name}")
        elif press.arg == "deny":  # a denial needs a reason: ask for it, decide on the reply
            await ask_for_denial_reason(query, context, press.number, actor)
            return
        else:
            view = await asyncio.to_thread(
                service.tickets.decide_extension, press.number, actor, approve=True
            )
            mark = DONE_MARKS[press.arg]
            await query.answer("已批准")
    except DomainError as exc:
        log.info("button %s by %s refused: %s", query.data, actor.audit_name, exc.code)
        await query.answer(exc.message, show_alert=True)
        return
    message = query.message
    if isinstance(message, Message):
        text = f"{message.text or ''}\n{stamp(context, mark, query.from_user)}"
        await edit_card(context, message.chat_id, message.message_id, text, None)


async def ask_for_denial_reason(
    query: CallbackQuery, context: HotlineContext, number: str, actor: Actor
) -> None:
    """Check the presser may decide extensions, then wait for the reason as their next text."""
    if actor.role != "dispatcher":
        await query.answer("只有派单员可以审批延期。", show_alert=True)
        return
    await send_prompt(query, context, "deny", number, placeholder="驳回理由")


async def on_unknown_button(update: Update, context: HotlineContext) -> None:
    """Answer any press no other handler claims (old formats, forged data)."""
    if update.callback_query is not None:
        await refuse_forged(update.callback_query)


# --------------------------------------------------------------------- commands


async def ticket_command(update: Update, context: HotlineContext) -> None:
    """Show one ticket: bound staff see their department's, citizens only their own."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    if not context.args:
        await message.reply_text("请发送：/ticket 工单编号，例如 /ticket 20261123-0001")
        return
    number = context.args[0]
    binding = await asyncio.to_thread(find_binding, context.service, chat.id, user.id)
    service = context.service
    try:
        if binding is not None:
            view = await asyncio.to_thread(
                service.views.get_ticket, number, actor_for(binding, user)
            )
            files = await asyncio.to_thread(context.attachments.for_card, view.number)
            text = render_view(view, service)
            extra = await asyncio.to_thread(centre_prompts.ticket_extras, service, view.number)
            text = clip("\n".join([text, *extra]))
            if files:
                text = clip(f"{text}\n{describe(files)}（发送 /files {view.number} 查看）")
            await message.reply_text(text)
        elif chat.type == Chat.PRIVATE:
            citizen = Actor(role="citizen", id=f"{CHANNEL}:{user.id}")
            view = await asyncio.to_thread(service.views.get_ticket, number, citizen)
            await message.reply_text(render_for_citizen(view, service))
        else:
            log.warning("refused /ticket in unbound group %s by user %s", chat.id, user.id)
    except DomainError as exc:
        if binding is None:
            log.info("citizen %s asked for ticket %.30r: %s", user.id, number, exc.code)
        await message.reply_text(exc.message)


async def files_command(update: Update, context: HotlineContext) -> None:
    """查看附件: send a ticket's photos, files and locations to this staff chat (audited)."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    if not context.args:
        await message.reply_text("请发送：/files 工单编号，例如 /files 20261123-0001")
        return
    actor = await staff_actor(update, context)
    if actor is None:
        await message.reply_text(REFUSED)
        return
    number = context.args[0]
    try:
        views = await asyncio.to_thread(context.attachments.open_for_viewing, number, actor)
    except DomainError as exc:
        log.info("/files %.30r by %s refused: %s", number, actor.audit_name, exc.code)
        await message.reply_text(exc.message)
        return
    if not views:
        await message.reply_text(f"工单 {number} 没有附件。")
        return
    await send_attachments(
        context.bot,
        context.attachments,
        var_dir=context.hotline.settings.var_dir,
        chat_id=chat.id,
        number=number,
        views=views,
    )


async def overdue_command(update: Update, context: HotlineContext) -> None:
    """List open tickets past their answer deadline (dispatchers and supervisors)."""
    message = await centre_message(update, context, "超期工单")
    if message is None:
        return
    overdue = await asyncio.to_thread(list_overdue, context.service)
    if not overdue:
        await message.reply_text("目前没有超期未办结的工单。")
        return
    lines = [f"超期工单（{len(overdue)}件）："]
    for view in overdue[:50]:
        lines.append(
            f"{view.number} {view.department_name} {view.status_label} "
            f"时限 {local_time(view.answer_due_at, context.service.tz)}"
        )
    if len(overdue) > 50:
        lines.append(f"……另有{len(overdue) - 50}件，请用 hotline tickets list 查看。")
    await message.reply_text(clip("\n".join(lines)))


def list_overdue(service: Services) -> list[TicketView]:
    """Open tickets whose answer deadline has passed, most overdue first (one SQL query)."""
    return service.views.list_tickets(TicketFilter(overdue_at=service.clock.now(), limit=5000))


async def on_migrate(update: Update, context: HotlineContext) -> None:
    """A group became a supergroup: its bindings and pending replies move to the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    moved = await asyncio.to_thread(
        migrate_chat, context.service.sessions, CHANNEL, str(old), str(new)
    )
    context.application.migrate_chat_data(old_chat_id=old, new_chat_id=new)
    if moved:
        await context.bot.send_message(
            chat_id=new, text="本群已升级为超级群，部门绑定已随之迁移，工单消息将继续发送到这里。"
        )


async def ignore_unbound_group(update: Update, context: HotlineContext) -> None:
    """Log (and otherwise ignore) a group message that is no pending reply."""
    chat, user = update.effective_chat, update.effective_user
    log.debug(
        "ignored group message in chat %s from %s",
        chat.id if chat else "?",
        user.id if user else "?",
    )
