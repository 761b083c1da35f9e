"""One flood guard for every kind of update and every channel: photos, buttons, commands,
/bind in groups, and the console."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.ratelimit import FLOOD_NOTICE
from hotline.config import Settings
from hotline.services.container import Services
from tests.integration.test_bot_staff import CITIZEN, HOUSING_CHAT, STAFF, make_bot, running, to
from tests.support.console import console_session
from tests.support.rasa_double import RasaDouble, Reply
from tests.support.telegram_double import TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def echo(sender: str, message: str) -> Reply:
    if message == "选项":
        return [{"recipient_id": sender, "text": "请选择：", "buttons": [
            {"title": "路灯", "payload": "/report_streetlight"}
        ]}]  # fmt: skip
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(CITIZEN, "王五")
        running_double.user(STAFF, "张三")
        yield running_double


@pytest.fixture
def rasa() -> Iterator[RasaDouble]:
    with RasaDouble(echo) as running_rasa:
        yield running_rasa


def notices(double: TelegramDouble, chat: int) -> int:
    return sum(FLOOD_NOTICE in (s.get("text") or "") for s in double.sent(chat))


async def test_a_flood_of_photos_gets_one_notice(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    async with running(make_bot(service, settings, double, rasa_url=rasa.url)):
        for _ in range(20):
            double.user_sends_photo(CITIZEN)
        await double.wait_for_sent(to(CITIZEN, "太快"))
        await asyncio.sleep(0.8)
        kept = [s for s in double.sent(CITIZEN) if "已收到照片" in (s.get("text") or "")]
        assert len(kept) == 12 and notices(double, CITIZEN) == 1


async def test_a_flood_of_button_presses_is_answered_but_not_run(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    async with running(make_bot(service, settings, double, rasa_url=rasa.url)):
        double.user_says(CITIZEN, "选项")
        menu = await double.wait_for_sent(to(CITIZEN, "请选择"))
        data = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        for _ in range(20):
            double.press(CITIZEN, menu["message_id"], data, CITIZEN)
        for _ in range(50):
            if len(double.answers()) == 20:
                break
            await asyncio.sleep(0.1)
        answers = double.answers()
        assert len(answers) == 20  # every press is answered: no spinner keeps turning
        assert sum((a.get("text") or "") == FLOOD_NOTICE for a in answers) == 1
        assert rasa.messages().count("/report_streetlight") == 11  # 12 minus the "选项" message


async def test_a_flood_of_commands_and_bind_attempts_is_throttled(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    async with running(make_bot(service, settings, double, rasa_url=rasa.url)):
        for _ in range(20):
            double.user_says(CITIZEN, "/my")
        for i in range(20):
            double.group_message(HOUSING_CHAT, STAFF, f"/bind WRONG{i}")
        await double.wait_for_sent(to(CITIZEN, "太快"))
        await double.wait_for_sent(to(HOUSING_CHAT, "太快"))
        await asyncio.sleep(0.8)
        listed = [s for s in double.sent(CITIZEN) if "还没有工单" in (s.get("text") or "")]
        assert len(listed) == 12 and notices(double, CITIZEN) == 1
        answered = [s for s in double.sent(HOUSING_CHAT) if FLOOD_NOTICE not in s["text"]]
        assert len(answered) <= 12 and notices(double, HOUSING_CHAT) == 1


def test_the_console_has_the_same_flood_guard(service: Services) -> None:
    class NoModel:
        def classify(self, text: str) -> dict[str, Any]:
            return {"department": None, "category": None, "urgent": False, "intent": "greet"}

        def close(self) -> None:
            pass

    session, out = console_session(service, NoModel())
    for _ in range(20):
        assert session.handle("你好")
    said = out.getvalue()
    assert said.count("请直接描述您遇到的问题") == 12
    assert said.count(FLOOD_NOTICE) == 1
    service.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    out.seek(0), out.truncate()
    session.handle("你好")
    assert "请直接描述您遇到的问题" in out.getvalue()  # the budget comes back
