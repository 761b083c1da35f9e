"""/report in Telegram and the Monday pack reaching supervisor chats through the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import LOOP_KEY
from bot.delivery_loop import DeliveryLoop
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.services.container import Services
from hotline.services.report_outputs import weekly_report_job
from hotline.storage.models import OutboxDelivery
from tests.integration.test_bot_staff import (
    DISPATCH_CHAT,
    DISPATCHER,
    HOUSING_CHAT,
    STAFF,
    bind,
    make_bot,
    report,
    running,
    to,
)
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

SUPERVISOR_CHAT = -100777
SUPERVISOR = 4001


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(STAFF, "张三")
        running_double.user(SUPERVISOR, "赵督办")
        yield running_double


@pytest.fixture
def local(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, var_dir=tmp_path / "var")


async def passes(loop: DeliveryLoop, count: int) -> None:
    """Wait until the delivery loop has made `count` more passes over the outbox."""
    start = loop.passes
    while loop.passes < start + count:
        await asyncio.sleep(0.01)


def media(double: TelegramDouble, chat: int, method: str) -> list[str]:
    return [s.get("file_name") or s["text"] for s in double.sent(chat) if s["method"] == method]


async def test_report_command_sends_summary_charts_and_workbook(
    service: Services, local: Settings, double: TelegramDouble
) -> None:
    """A supervisor gets the text, three charts and report.xlsx; staff and strangers do not."""
    bind(service, HOUSING_CHAT)
    bind(service, SUPERVISOR_CHAT, role="supervisor", dept=None, user=SUPERVISOR)
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    report(service)
    async with running(make_bot(service, local, double)):
        double.group_message(SUPERVISOR_CHAT, SUPERVISOR, "/report today")
        summary = await double.wait_for_sent(to(SUPERVISOR_CHAT, "【12345热线"))
        assert "受理 1 件，派单 1 件" in summary["text"]
        await double.wait_for_sent(
            lambda s: s["chat_id"] == SUPERVISOR_CHAT and s["method"] == "sendDocument"
        )
        assert len(media(double, SUPERVISOR_CHAT, "sendPhoto")) == 3
        assert media(double, SUPERVISOR_CHAT, "sendDocument") == ["report.xlsx"]

        double.group_message(DISPATCH_CHAT, DISPATCHER, "/report 年度")
        await double.wait_for_sent(to(DISPATCH_CHAT, "请发送：/report today"))
        double.group_message(HOUSING_CHAT, STAFF, "/report week")
        await double.wait_for_sent(to(HOUSING_CHAT, "只有派单员和督办人员可以查看报表"))
    assert not [s for s in double.sent(HOUSING_CHAT) if s["method"] != "sendMessage"]
    assert list((local.var_dir / "reports" / "telegram").glob("today-*/report.xlsx"))


async def test_weekly_pack_reaches_supervisors_once(
    service: Services,
    clock: ManualClock,
    local: Settings,
    double: TelegramDouble,
    tmp_path: Path,
) -> None:
    """The Monday job's outbox row carries the summary; the charts and files follow it."""
    bind(service, SUPERVISOR_CHAT, role="supervisor", dept=None, user=SUPERVISOR)
    report(service)
    clock.advance(timedelta(days=7))  # Monday 30 November: the week of 23–29 November
    weekly_report_job(service, tmp_path / "weekly")
    async with running(make_bot(service, local, double)):
        await double.wait_for_sent(to(SUPERVISOR_CHAT, "【12345热线周报】"))
        await double.wait_for_sent(
            lambda s: s["chat_id"] == SUPERVISOR_CHAT and s.get("file_name") == "report.csv"
        )
    assert len(media(double, SUPERVISOR_CHAT, "sendPhoto")) == 3
    assert media(double, SUPERVISOR_CHAT, "sendDocument") == ["report.xlsx", "report.csv"]
    async with running(make_bot(service, local, double)) as again:  # a restart sends nothing
        loop = again.bot_data.hotline.extras[LOOP_KEY] if again.bot_data.hotline else None
        assert isinstance(loop, DeliveryLoop)
        await asyncio.wait_for(passes(loop, 2), timeout=5)
    assert len([s for s in double.sent(SUPERVISOR_CHAT) if s["method"] == "sendMessage"]) == 1
    with service.sessions() as session:
        assert session.scalars(select(OutboxDelivery.chat_id)).all() == [str(SUPERVISOR_CHAT)]
