"""The citizen side: private chats bridged to Rasa's REST channel, /start, /my, survey buttons.

Shared locations go to Rasa as ``/inform{"latitude": 31.23, "longitude": 121.47}`` (Rasa's
"intent with entities" message syntax), so the dialogue can fill an address slot from them.
Locations, photos and files are also attachments (hotline.services.attachments): they go on the
citizen's current ticket, or wait for the next one, and the citizen is told which.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, cast

from telegram import Chat, InlineKeyboardMarkup, Message, Update

from bot import keyboards
from bot.context import HotlineContext
from bot.transport import CHANNEL, clip
from hotline.adapters import rasa_client
from hotline.adapters.rasa_client import RasaUnavailable, rasa_url_for
from hotline.domain.tickets import TICKET_NUMBER, Actor, DomainError
from hotline.services.attachments import KIND_LABELS, Kind
from hotline.services.follow_up import Score
from hotline.services.messages import local_time
from hotline.services.views import TicketFilter

log = logging.getLogger(__name__)

GREETING = "您好！12345热线，请问有什么可以帮您？"
BUSY = "系统繁忙，请稍后再试。您的消息我们已记录。"
TEXT_ONLY = "抱歉，暂时无法识别语音、贴纸、视频或名片，请用文字描述您的问题。"
ATTACHED = "已收到{what}，已附到工单 {number}。"
HELD = "已收到{what}，将附到您接下来提交的工单。"
NOT_KEPT = "抱歉，{what}未能保存：{reason}"
MAX_FILE_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
# Our dialogue answers every turn: silence means a service behind Rasa failed mid-turn.
NO_ANSWER = "系统繁忙，请稍后再试。如刚才的内容没有生效，请再发一次。"
EDITED = "您修改了之前的消息，修改不会重新提交。如需更正，请直接发送新的说明，例如“地址改成……”。"
UNSENT_KEY = "unsent_to_rasa"
BUTTONS_KEY = "rasa_buttons"
MAX_UNSENT = 20
MAX_INPUT = 4000


async def ask_rasa(
    context: HotlineContext, sender: str, text: str, metadata: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Send one message to Rasa's REST channel and return its replies."""
    wiring = context.hotline
    return await rasa_client.chat(
        wiring.http,
        rasa_url_for(sender, wiring.rasa_urls),
        sender,
        text,
        metadata=metadata,
        token=wiring.settings.chat_token,
        timeout=wiring.rasa_timeout,
    )


async def show_replies(
    message: Message, context: HotlineContext, replies: list[dict[str, Any]]
) -> None:
    """Turn each Rasa reply into a Telegram message (plain text, buttons inline)."""
    store: dict[str, str] = (
        context.chat_data.setdefault(BUTTONS_KEY, {}) if context.chat_data is not None else {}
    )
    for reply in replies:
        text = str(reply.get("text") or reply.get("image") or "").strip()
        buttons = reply.get("buttons")
        markup: InlineKeyboardMarkup | None = None
        if isinstance(buttons, list):
            markup = keyboards.rasa_buttons([b for b in buttons if isinstance(b, dict)], store)
        if not text and markup is None:
            continue
        await message.get_bot().send_message(
            chat_id=message.chat_id, text=clip(text or "请选择："), reply_markup=markup
        )


def replied_ticket(message: Message) -> str | None:
    """The ticket number of the bot message the citizen replied to, if any: a rating or more
    information sent as a reply belongs to that ticket."""
    quoted = message.reply_to_message
    if quoted is None or not quoted.text:
        return None
    found = TICKET_NUMBER.search(quoted.text)
    return found.group(1) if found else None


async def converse(
    message: Message,
    context: HotlineContext,
    text: str,
    ticket: str | None = None,
    delivery: str | None = None,
) -> None:
    """Forward a citizen's text (after anything Rasa missed before) and show the answers.

    Each queued text keeps one delivery id (by default the Telegram message's own), sent as
    the REST channel's ``metadata.message_id``: a resend after a timeout, or Telegram
    delivering the same update twice, is answered from the first run instead of filing twice.
    """
    user = message.from_user
    if user is None or context.chat_data is None:
        return
    sender = f"{CHANNEL}:{user.id}"
    unsent: list[Any] = context.chat_data.setdefault(UNSENT_KEY, [])
    item: dict[str, Any] = {
        "text": text[:MAX_INPUT],
        "id": delivery or f"tg:{message.chat_id}:{message.message_id}",
    }
    if ticket:
        item["ticket"] = ticket
    unsent.append(item)
    del unsent[:-MAX_UNSENT]  # a citizen flooding a dead Rasa keeps only the latest
    replies: list[dict[str, Any]] = []
    try:
        while unsent:
            queued = unsent[0]
            if isinstance(queued, dict):
                metadata = {"message_id": queued.get("id"), "reply_to_ticket": queued.get("ticket")}
                metadata = {k: v for k, v in metadata.items() if v}
                replies.extend(await ask_rasa(context, sender, str(queued["text"]), metadata))
            else:  # queued by an older version: a bare text
                replies.extend(await ask_rasa(context, sender, str(queued)))
            unsent.pop(0)
    except RasaUnavailable as exc:
        log.warning("rasa unavailable for %s (%d kept): %s", sender, len(unsent), exc)
        await show_replies(message, context, replies)
        await message.reply_text(BUSY)
        return
    if not replies:
        replies = [{"text": NO_ANSWER}]
    await show_replies(message, context, replies)


async def start(update: Update, context: HotlineContext) -> None:
    """Greet the citizen in the 12345 voice."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(GREETING)


async def on_text(update: Update, context: HotlineContext) -> None:
    """Bridge a private text message to the dialogue."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text.strip()
    if not text:
        await message.reply_text("请用文字描述您的问题。")
        return
    await message.get_bot().send_chat_action(chat_id=message.chat_id, action="typing")
    await converse(message, context, text, replied_ticket(message))


async def on_edited(update: Update, context: HotlineContext) -> None:
    """An edited message is not a new turn: say so instead of running the dialogue again."""
    message = update.edited_message
    if message is not None:
        await message.reply_text(EDITED)


async def attach(
    message: Message,
    context: HotlineContext,
    kind: Kind,
    *,
    file_ref: str | None = None,
    file_name: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> None:
    """Store an attachment on the citizen's current ticket (or hold it) and say which."""
    user = message.from_user
    if user is None:
        return
    what = KIND_LABELS[kind]
    try:
        received = await asyncio.to_thread(
            context.attachments.receive,
            CHANNEL,
            str(user.id),
            kind=kind,
            file_ref=file_ref,
            file_name=file_name,
            latitude=latitude,
            longitude=longitude,
        )
    except DomainError as exc:
        log.info("attachment from %s refused: %s", user.id, exc.code)
        await message.reply_text(NOT_KEPT.format(what=what, reason=exc.message))
        return
    if received.number is None:
        await message.reply_text(HELD.format(what=what))
    else:
        await message.reply_text(ATTACHED.format(what=what, number=received.number))


async def on_location(update: Update, context: HotlineContext) -> None:
    """Attach a shared location, and pass it to the dialogue as an inform with coordinates."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    where = {"latitude": message.location.latitude, "longitude": message.location.longitude}
    if context.user_data is not None:
        context.user_data["location"] = where
    await attach(
        message,
        context,
        "location",
        latitude=message.location.latitude,
        longitude=message.location.longitude,
    )
    await converse(message, context, "/inform" + json.dumps(where))


async def on_photo(update: Update, context: HotlineContext) -> None:
    """Attach the photo (largest size, by file_id); a caption goes to the dialogue."""
    message = update.effective_message
    if message is None or not message.photo:
        return
    await attach(message, context, "photo", file_ref=message.photo[-1].file_id)
    if message.caption and message.caption.strip():
        await converse(message, context, message.caption.strip())


async def on_document(update: Update, context: HotlineContext) -> None:
    """Attach a file the citizen sends (e.g. an uncompressed photo or a PDF)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.reply_text("抱歉，文件超过20MB，无法接收。请压缩后再发送，或改发照片。")
        return
    await attach(
        message, context, "document", file_ref=document.file_id, file_name=document.file_name
    )
    if message.caption and message.caption.strip():
        await converse(message, context, message.caption.strip())


async def on_unsupported(update: Update, context: HotlineContext) -> None:
    """Ask for text when a citizen sends a sticker, voice, video, contact or the like."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(TEXT_ONLY)


async def my_tickets(update: Update, context: HotlineContext) -> None:
    """List the citizen's own tickets."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    service = context.service
    filters = TicketFilter(citizen=f"{CHANNEL}:{user.id}", limit=20)
    views = await asyncio.to_thread(service.views.list_tickets, filters)
    if not views:
        await message.reply_text("您还没有工单。直接描述您遇到的问题，我来为您登记。")
        return
    lines = ["您的工单："]
    for view in views:
        lines.append(
            f"{view.number} {view.status_label}｜{view.department_name}"
            f"｜答复时限 {local_time(view.answer_due_at, service.tz)}"
        )
    lines.append("发送 /ticket 工单编号 查看详情。")
    await message.reply_text(clip("\n".join(lines)))


async def on_rasa_button(update: Update, context: HotlineContext) -> None:
    """Send a pressed Rasa button's payload to the dialogue as the citizen's next message."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    data = query.data
    payload: str | None = None
    if data.startswith("r:"):
        payload = data[2:]
    elif data.startswith("r#") and context.chat_data is not None:
        payload = context.chat_data.get(BUTTONS_KEY, {}).get(data[2:])
    message = query.message
    if not payload or not isinstance(message, Message) or message.chat.type != Chat.PRIVATE:
        log.warning("unusable rasa button %.80r from user %s", data, query.from_user.id)
        await query.answer("该选项已失效，请直接输入文字。")
        return
    await query.answer()
    await converse(message, context, payload, delivery=f"tg:button:{query.id}")


async def on_survey(update: Update, context: HotlineContext) -> None:
    """Record the citizen's follow-up verdict; 不满意 reopens the ticket."""
    query = update.callback_query
    if query is None:
        return
    press = keyboards.parse(query.data)
    if press is None or press.family != "s":
        log.warning("forged survey data %.80r from user %s", query.data, query.from_user.id)
        await query.answer("该按钮已失效。")
        return
    citizen = Actor(role="citizen", id=f"{CHANNEL}:{query.from_user.id}")
    score = cast(Score, press.arg)
    try:
        view = await asyncio.to_thread(context.service.tickets.rate, press.number, citizen, score)
    except DomainError as exc:
        log.info("survey %s by %s refused: %s", press.number, citizen.id, exc.code)
        await query.answer(exc.message, show_alert=True)
        return
    label = keyboards.SURVEY_SCORES[press.arg]
    if press.arg == "unsatisfied" and view.merged_into:
        thanks = f"已记录您的评价：{label}。12345热线将复核工单 {view.merged_into} 的处理结果。"
    elif press.arg == "unsatisfied":
        thanks = f"已记录您的评价：{label}。我们将安排承办部门重新办理。"
    else:
        thanks = f"已记录您的评价：{label}。感谢您对12345热线的支持！"
    await query.answer("感谢您的评价")
    message = query.message
    if isinstance(message, Message):
        await message.get_bot().edit_message_text(
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=clip(f"{message.text or ''}\n{thanks}"),
        )
