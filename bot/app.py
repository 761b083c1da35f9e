"""Wires the Telegram application: handlers, the custom context, and the outbox delivery loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import centre, citizen, problems, report_command, staff
from bot.context import BotData, Hotline, HotlineApplication, HotlineContext
from bot.delivery_loop import DeliveryLoop
from bot.ratelimit import FLOOD_NOTICE, FloodGuard, Verdict
from bot.transport import CHANNEL, TelegramTransport
from hotline.bootstrap import App
from hotline.config import Settings
from hotline.credentials import WEBHOOK_SECRET, ensure_secrets
from hotline.services.attachments import DEFAULT_WINDOW, AttachmentService
from hotline.services.delivery import Deliverer
from hotline.services.prompts import PromptStore
from hotline.services.staff import migrate_chat

log = logging.getLogger(__name__)

LOOP_KEY = "delivery_loop"
COMMANDS = [
    BotCommand("start", "开始咨询"),
    BotCommand("my", "我的工单"),
    BotCommand("ticket", "查看工单：/ticket 工单编号"),
    BotCommand("files", "查看附件：/files 工单编号"),
    BotCommand("report", "报表：/report today|week|month"),
]
UNSUPPORTED = (
    filters.Sticker.ALL
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.VENUE
)


async def post_init(application: HotlineApplication) -> None:
    """Start delivering the outbox once the bot is initialized."""
    wiring = application.bot_data.hotline
    assert wiring is not None
    transport = TelegramTransport(
        application.bot,
        wiring.service.catalogue,
        attachments=wiring.attachments,
        migrate=partial(migrate_chat, wiring.service.sessions, CHANNEL),
    )
    deliverer = Deliverer(wiring.service.sessions, wiring.service.clock, transport)
    loop = DeliveryLoop(deliverer, idle=wiring.delivery_idle)
    wiring.extras[LOOP_KEY] = loop
    loop.start()
    log.info("outbox delivery loop started")


async def post_stop(application: HotlineApplication) -> None:
    """Stop the delivery loop between passes, while the bot can still finish a send."""
    wiring = application.bot_data.hotline
    loop = wiring.extras.pop(LOOP_KEY, None) if wiring is not None else None
    if isinstance(loop, DeliveryLoop):
        await loop.stop()
        log.info("outbox delivery loop stopped")


async def post_shutdown(application: HotlineApplication) -> None:
    """Stop anything still running and close the Rasa HTTP client."""
    await post_stop(application)
    wiring = application.bot_data.hotline
    if wiring is not None:
        await wiring.http.aclose()


async def on_error(update: object, context: HotlineContext) -> None:
    """Log a handler's failure and tell the person something, never a traceback."""
    log.error("handler failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text("系统繁忙，请稍后再试。")
        except Exception:
            log.debug("could not tell the user about the failure", exc_info=True)


async def flood_gate(update: Update, context: HotlineContext) -> None:
    """Count every update a person sends (text, photo, file, location, button, command, edit)
    against one budget; over it, say so once and stop the update before any handler."""
    user = update.effective_user
    message = update.effective_message
    if user is None or user.is_bot:
        return
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return  # Telegram's own notice that a bound group moved: never dropped
    verdict = context.hotline.flood.check(f"{CHANNEL}:{user.id}")
    if verdict is Verdict.PASS:
        return
    log.info("flood from user %s: %s", user.id, verdict.value)
    query = update.callback_query
    if query is not None:  # a button must always be answered, or its spinner keeps turning
        await query.answer(FLOOD_NOTICE if verdict is Verdict.NOTICE else None)
    elif verdict is Verdict.NOTICE and message is not None:
        await message.reply_text(FLOOD_NOTICE)
    raise ApplicationHandlerStop


def add_handlers(application: HotlineApplication) -> None:
    """Register every handler; group -2 is the flood guard, group -1 completes pending staff
    replies before anything else."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(TypeHandler(Update, flood_gate), group=-2)
    application.add_handler(MessageHandler(text, staff.complete_pending), group=-1)

    application.add_handler(CommandHandler("bind", staff.bind))
    application.add_handler(CommandHandler("ticket", staff.ticket_command))
    application.add_handler(CommandHandler("overdue", staff.overdue_command))
    application.add_handler(CommandHandler("files", staff.files_command))
    application.add_handler(CommandHandler("report", report_command.report_command))
    for name, callback in (
        ("assist", centre.assist_command),
        ("reviews", centre.reviews_command),
        ("note", centre.note_command),
        ("notes", centre.notes_command),
        ("assign", centre.assign_command),
        ("mine", centre.mine_command),
        ("search", centre.search_command),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CommandHandler("start", citizen.start, filters=private))
    application.add_handler(CommandHandler("my", citizen.my_tickets, filters=private))
    application.add_handler(CallbackQueryHandler(staff.on_ticket_button, pattern=r"^t:"))
    application.add_handler(CallbackQueryHandler(staff.on_dispatch_button, pattern=r"^[dx]:"))
    application.add_handler(CallbackQueryHandler(centre.on_review_button, pattern=r"^v:"))
    application.add_handler(CallbackQueryHandler(centre.on_assist_button, pattern=r"^a:"))
    application.add_handler(CallbackQueryHandler(citizen.on_survey, pattern=r"^s:"))
    application.add_handler(CallbackQueryHandler(citizen.on_rasa_button, pattern=r"^r[:#]"))
    application.add_handler(CommandHandler("duplicates", problems.duplicates_command))
    application.add_handler(CommandHandler("recategorize", problems.recategorize_command))
    application.add_handler(CommandHandler("split", problems.split_command))
    application.add_handler(CommandHandler("escalate", problems.escalate_command))
    application.add_handler(CallbackQueryHandler(problems.on_merge_button, pattern=r"^m:"))
    application.add_handler(CallbackQueryHandler(staff.on_unknown_button))
    edited = filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(private & edited, citizen.on_edited))
    application.add_handler(MessageHandler(private & text & ~edited, citizen.on_text))
    application.add_handler(MessageHandler(private & filters.LOCATION, citizen.on_location))
    application.add_handler(MessageHandler(private & filters.PHOTO, citizen.on_photo))
    application.add_handler(MessageHandler(private & filters.Document.ALL, citizen.on_document))
    application.add_handler(MessageHandler(private & UNSUPPORTED, citizen.on_unsupported))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, staff.on_migrate))
    application.add_handler(MessageHandler(groups, staff.ignore_unbound_group))
    application.add_error_handler(on_error)


def build_application(
    app: App,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    token: str | None = None,
    rasa_url: str | None = None,
    delivery_idle: float = 1.0,
    rasa_timeout: float = 10.0,
    attach_window: timedelta = DEFAULT_WINDOW,
) -> HotlineApplication:
    """Build the Telegram application for this hotline (tests point base_url at the double)."""
    settings = app.settings
    token = token or settings.telegram_bot_token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    context_types = ContextTypes(context=HotlineContext, bot_data=BotData)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token)
        .base_url(base_url or settings.telegram_api_base_url)
        .context_types(context_types)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    application: HotlineApplication = builder.build()
    application.bot_data.hotline = Hotline(
        service=app.service,
        settings=settings,
        rasa_urls=[rasa_url] if rasa_url else settings.rasa_urls,
        http=httpx.AsyncClient(timeout=rasa_timeout),
        attachments=AttachmentService(app.sessions, app.clock, app.tz, window=attach_window),
        flood=FloodGuard(app.clock),
        prompts=PromptStore(
            app.sessions,
            app.clock,
            window=timedelta(minutes=settings.staff_reply_minutes),
        ),
        delivery_idle=delivery_idle,
        rasa_timeout=rasa_timeout,
    )
    add_handlers(application)
    return application


@dataclass(frozen=True)
class RunPlan:
    """How the bot receives updates: long polling (default) or a webhook, with arguments."""

    mode: Literal["polling", "webhook"]
    kwargs: dict[str, Any]


def plan_run(settings: Settings) -> RunPlan:
    """Polling unless HOTLINE_TELEGRAM_WEBHOOK_URL is set; then Application.run_webhook's args.

    Telegram POSTs to the public URL; a reverse proxy (TLS) forwards it to listen:port, and
    the local path is the URL's path. Pending updates are never dropped in either mode.
    """
    common: dict[str, Any] = {
        "drop_pending_updates": False,
        "allowed_updates": Update.ALL_TYPES,
    }
    url = settings.telegram_webhook_url
    if url is None:
        return RunPlan("polling", common)
    if not settings.telegram_webhook_secret:
        raise ValueError("webhook mode needs a secret token (see with_webhook_secret)")
    return RunPlan(
        "webhook",
        {
            **common,
            "listen": settings.telegram_webhook_listen,
            "port": settings.telegram_webhook_port,
            "url_path": urlsplit(url).path.strip("/"),
            "webhook_url": url,
            "secret_token": settings.telegram_webhook_secret,
        },
    )


def with_webhook_secret(settings: Settings) -> Settings:
    """Webhook mode never runs without a secret: one not given is generated once and kept in
    var/secrets.env (0600), so Telegram and the bot agree across restarts."""
    if settings.telegram_webhook_url is None or settings.telegram_webhook_secret:
        return settings
    secret = ensure_secrets(settings.var_dir, (WEBHOOK_SECRET,))[WEBHOOK_SECRET]
    log.info("webhook secret token created in %s", settings.var_dir)
    return replace(settings, telegram_webhook_secret=secret)


def run_bot(app: App) -> None:
    """Run the bot until interrupted (polling, or the configured webhook)."""
    app.settings = with_webhook_secret(app.settings)
    plan = plan_run(app.settings)
    application = build_application(app)
    log.info("receiving Telegram updates by %s", plan.mode)
    if plan.mode == "webhook":
        application.run_webhook(**plan.kwargs)
    else:
        application.run_polling(**plan.kwargs)
