"""/report [today|week|month] for dispatchers and supervisors: the summary, charts, workbook.

The figures and files come from hotline.services.reports and
hotline.services.report_outputs, the same code as
`hotline report --out`; the pack is written under ``<var>/reports/telegram/`` and uploaded.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Update

from bot.context import HotlineContext
from bot.staff import centre_message
from bot.transport import MAX_MESSAGE, send_files
from hotline.services.container import Services
from hotline.services.report_outputs import NoCjkFont, ReportFiles, summary_text, write_report_pack
from hotline.services.reports import report_for

log = logging.getLogger(__name__)

PERIODS = {"today": "today", "week": "week", "month": "month", "今日": "today", "本周": "week"}
PERIODS.update({"日": "today", "周": "week", "月": "month", "本月": "month"})
USAGE = "请发送：/report today、/report week 或 /report month（默认 week）。"


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long text into messages at line ends (a longer line is cut hard)."""
    chunks: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [""]


def build_pack(
    service: Services, period: str, out_dir: Path, *, ticket_url: str | None = None
) -> tuple[str, ReportFiles | None]:
    """Compute the report and write its files; charts missing a CJK font leave files None."""
    report = report_for(service, period)
    text = summary_text(report)
    stamp = service.clock.now().astimezone(service.tz).strftime("%Y%m%d-%H%M%S")
    try:
        files = write_report_pack(report, out_dir / f"{period}-{stamp}", ticket_url=ticket_url)
    except NoCjkFont as exc:
        log.warning("report files not written: %s", exc)
        return text, None
    return text, files


async def report_command(update: Update, context: HotlineContext) -> None:
    """Send the supervisor report of today, this week or this month to this chat."""
    message = await centre_message(update, context, "报表")
    if message is None:
        return
    period = PERIODS.get((context.args or ["week"])[0].lower())
    if period is None:
        await message.reply_text(USAGE)
        return
    await message.reply_text("正在生成报表，请稍候……")
    out_dir = context.hotline.settings.var_dir / "reports" / "telegram"
    text, files = await asyncio.to_thread(
        build_pack,
        context.service,
        period,
        out_dir,
        ticket_url=context.hotline.settings.ticket_url,
    )
    for chunk in split_text(text):
        await message.reply_text(chunk)
    if files is None:
        await message.reply_text("图表和表格暂未生成：服务器缺少中文字体，请联系管理员。")
        return
    title = text.splitlines()[0] if text else "报表"
    await send_files(context.bot, message.chat_id, list(files.charts), [files.xlsx], title)
