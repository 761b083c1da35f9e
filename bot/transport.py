"""Carries outbox messages to Telegram chats as plain text, with the buttons each kind needs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import keyboards
from hotline.domain.catalogue import Catalogue
from hotline.domain.tickets import DomainError
from hotline.services.attachments import AttachmentService, describe
from hotline.services.delivery import PendingMessage, RetryLater, Undeliverable

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_MESSAGE = 4096
MAX_FILE_RETRIES = 3
MAX_FLOOD_WAIT = 30.0
STAFF_CARD_KINDS = frozenset({"ticket_dispatched", "ticket_reopened"})
DISPATCH_KINDS = frozenset({"ticket_returned", "ticket_unroutable"})
ATTACHMENT_KINDS = frozenset({"attachment_added"})
FILE_KINDS = frozenset({"weekly_report"})  # payload "photos" / "documents": files to follow
# Cards that list the ticket's attachments, rendered when they are sent.
LISTS_ATTACHMENTS = STAFF_CARD_KINDS | DISPATCH_KINDS | ATTACHMENT_KINDS


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """Fit a text into one Telegram message (a longer one is refused with a 400 forever)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def retry_seconds(exc: RetryAfter) -> float:
    """Read RetryAfter's wait without PTB 22's int/timedelta deprecation warning."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    return 1.0


async def send_file(bot: Bot, chat_id: int, path: Path, *, photo: bool, caption: str) -> bool:
    """Upload one file, waiting out a short flood limit; False (logged) when it fails."""
    for _ in range(MAX_FILE_RETRIES):
        try:
            if photo:
                await bot.send_photo(chat_id=chat_id, photo=path, caption=caption)
            else:
                await bot.send_document(
                    chat_id=chat_id, document=path, caption=caption, filename=path.name
                )
            return True
        except RetryAfter as exc:
            await asyncio.sleep(min(retry_seconds(exc), MAX_FLOOD_WAIT))
        except (TelegramError, OSError) as exc:
            log.warning("report file %s not sent to %s: %s", path, chat_id, exc)
            return False
    return False


async def send_files(
    bot: Bot, chat_id: int, photos: list[Path], documents: list[Path], title: str
) -> int:
    """Send the charts as photos and the workbook (and CSV) as documents; returns how many."""
    sent = 0
    for path in photos:
        if path.is_file():
            sent += await send_file(bot, chat_id, path, photo=True, caption=f"{title} {path.stem}")
    for path in documents:
        if path.is_file():
            sent += await send_file(bot, chat_id, path, photo=False, caption=title)
    return sent


def payload_paths(message: PendingMessage, key: str) -> list[Path]:
    """File paths an outbox message carries in its payload (the weekly report pack)."""
    value = message.payload.get(key)
    if not isinstance(value, list):
        return []
    return [Path(item) for item in value if isinstance(item, str)]


def markup_for(
    message: PendingMessage, catalogue: Catalogue, *, files: bool = False
) -> InlineKeyboardMarkup | None:
    """The inline keyboard an outbox message carries, decided by its kind and audience."""
    number = message.payload.get("number")
    if not isinstance(number, str):
        return None
    if message.audience == "department" and message.kind in STAFF_CARD_KINDS:
        return keyboards.staff_card(number, files=files)
    if message.audience == "department" and message.kind in ATTACHMENT_KINDS:
        return keyboards.staff_card(number, status="", files=True)
    if message.audience == "dispatcher" and message.kind in DISPATCH_KINDS:
        names = {code: dept.short for code, dept in catalogue.departments.items()}
        return keyboards.departments(number, names)
    if message.audience == "dispatcher" and message.kind == "extension_requested":
        return keyboards.extension(number)
    if message.audience == "dispatcher" and message.kind == "review_requested":
        return keyboards.review(number)
    if message.audience == "department" and message.kind == "assist_dispatched":
        return keyboards.assist_card(number)
    if message.audience == "citizen" and message.kind == "survey":
        return keyboards.survey(number)
    return None


class TelegramTransport:
    """The Telegram side of outbox delivery (hotline.services.delivery.Transport)."""

    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        catalogue: Catalogue,
        attachments: AttachmentService | None = None,
        migrate: Callable[[str, str], int] | None = None,
    ) -> None:
        """`migrate(old, new)` moves a chat's bindings when Telegram says the chat moved."""
        self.bot = bot
        self.catalogue = catalogue
        self.attachments = attachments
        self.migrate = migrate

    async def render(self, message: PendingMessage) -> tuple[str, bool]:
        """The text to send (cards list the ticket's attachments) and whether it has any."""
        number = message.payload.get("number")
        if (
            self.attachments is None
            or message.kind not in LISTS_ATTACHMENTS
            or not isinstance(number, str)
        ):
            return message.text, False
        try:
            views = await asyncio.to_thread(self.attachments.for_card, number)
        except DomainError as exc:  # the ticket is gone or the number odd: send the text as is
            log.warning("attachments of %.30r not listed: %s", number, exc.code)
            return message.text, False
        if not views or message.kind in ATTACHMENT_KINDS:
            return message.text, bool(views)
        return f"{message.text}\n{describe(views)}", True

    async def send(self, chat_id: str, message: PendingMessage) -> str | None:
        """Send one copy as plain text; map Telegram's refusals onto retry or give-up."""
        try:
            target = int(chat_id)
        except ValueError as exc:
            raise Undeliverable(f"not a Telegram chat id: {chat_id[:40]!r}") from exc
        text, files = await self.render(message)
        markup = markup_for(message, self.catalogue, files=files)
        try:
            try:
                sent = await self.bot.send_message(
                    chat_id=target, text=clip(text), reply_markup=markup
                )
            except ChatMigrated as moved:
                if self.migrate is None:
                    raise
                # The group became a supergroup while nobody saw the service message:
                # move the bindings and hand this copy to the new chat (same people).
                target = int(moved.new_chat_id)
                await asyncio.to_thread(self.migrate, chat_id, str(target))
                sent = await self.bot.send_message(
                    chat_id=target, text=clip(text), reply_markup=markup
                )
        except RetryAfter as exc:
            raise RetryLater("telegram flood control", retry_after=retry_seconds(exc)) from exc
        except Forbidden as exc:
            raise Undeliverable(f"forbidden: {exc.message}") from exc
        except ChatMigrated as exc:  # without a migrate hook, or moved twice in a row
            raise Undeliverable(f"chat migrated to {exc.new_chat_id}") from exc
        except BadRequest as exc:
            # Chat not found, or a request Telegram will refuse however often we try it.
            log.warning("outbox %d to %s refused: %s", message.id, chat_id, exc.message)
            raise Undeliverable(f"bad request: {exc.message}") from exc
        except NetworkError as exc:  # includes TimedOut; a lost answer lands here too
            raise RetryLater(f"telegram network: {exc.message}") from exc
        if message.kind in FILE_KINDS:
            # The pack follows its summary, best effort: the text is the delivery the ledger
            # records, so a failed chart is logged and never makes the summary go twice.
            title = message.text.splitlines()[0] if message.text else "报表"
            await send_files(
                self.bot,
                target,
                payload_paths(message, "photos"),
                payload_paths(message, "documents"),
                title,
            )
        return str(sent.message_id)
