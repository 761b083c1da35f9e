"""查看附件: fetch a ticket's photos and files from Telegram and show them in the staff chat.

Files are downloaded once (Bot API getFile, then the file URL) into
``<var>/attachments/<ticket number>/`` and uploaded from there; locations are sent as map pins.
The look itself is audited by the core (``view_attachments``) before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path, PurePosixPath

from telegram import Bot
from telegram.error import TelegramError

from bot.transport import clip
from hotline.files import private_file
from hotline.services.attachments import AttachmentService, AttachmentView
from hotline.services.messages import local_time

log = logging.getLogger(__name__)

_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
DEFAULT_SUFFIX = {"photo": ".jpg", "document": ".bin"}


def attachment_dir(var_dir: Path, number: str) -> Path:
    """Where a ticket's downloaded files live (the number is validated by the core)."""
    return var_dir / "attachments" / number


def _suffix(view: AttachmentView, telegram_path: str | None) -> str:
    for candidate in (view.file_name, telegram_path):
        if candidate:
            suffix = PurePosixPath(candidate).suffix
            if _SAFE_SUFFIX.match(suffix):
                return suffix.lower()
    return DEFAULT_SUFFIX.get(view.kind, ".bin")


async def fetch(bot: Bot, service: AttachmentService, view: AttachmentView, folder: Path) -> Path:
    """The attachment's local copy, downloaded through getFile the first time."""
    if view.local_path and Path(view.local_path).is_file():
        return Path(view.local_path)
    assert view.file_ref is not None
    remote = await bot.get_file(view.file_ref)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{view.id}-{view.kind}{_suffix(view, remote.file_path)}"
    saved = private_file(await remote.download_to_drive(target))
    await asyncio.to_thread(service.record_download, view.id, str(saved))
    return saved


async def send_attachments(
    bot: Bot,
    service: AttachmentService,
    *,
    var_dir: Path,
    chat_id: int,
    number: str,
    views: list[AttachmentView],
) -> int:
    """Send the attachments (from AttachmentService.open_for_viewing) to `chat_id`."""
    if not views:
        return 0
    folder = attachment_dir(var_dir, number)
    sent = 0
    for index, view in enumerate(views, start=1):
        when = local_time(view.created_at, service.tz)
        caption = clip(f"工单 {number} 附件 {index}/{len(views)}：{view.label}（{when}）", 1024)
        try:
            if view.kind == "location":
                assert view.latitude is not None and view.longitude is not None
                await bot.send_message(chat_id=chat_id, text=caption)
                await bot.send_location(
                    chat_id=chat_id, latitude=view.latitude, longitude=view.longitude
                )
            else:
                path = await fetch(bot, service, view, folder)
                if view.kind == "photo":
                    await bot.send_photo(chat_id=chat_id, photo=path, caption=caption)
                else:
                    await bot.send_document(
                        chat_id=chat_id,
                        document=path,
                        caption=caption,
                        filename=view.file_name or path.name,
                    )
            sent += 1
        except (TelegramError, OSError) as exc:
            log.warning("attachment %d of %s not shown: %s", view.id, number, exc)
            await bot.send_message(
                chat_id=chat_id,
                text=f"工单 {number} 附件 {index}/{len(views)}（{view.label}）暂时无法获取，"
                "请稍后再试。",
            )
    return sent
