"""The citizen's side of the real Telegram application: Rasa bridge, /start, /my, odd input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hotline.config import Settings
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from tests.integration.test_bot_staff import CITIZEN, buttons, make_bot, running, to
from tests.support.rasa_double import RasaDouble, Reply
from tests.support.telegram_double import TelegramDouble


def script(sender: str, message: str) -> Reply:
    """A dialogue stand-in: buttons for greetings, a long payload, an echo otherwise."""
    if message == "你好":
        long = '/choose_category{"category": "' + "compound_facility" * 4 + '"}'
        return [
            {"recipient_id": sender, "text": "请问您要反映什么问题？"},
            {
                "recipient_id": sender,
                "text": "请选择：",
                "buttons": [
                    {"title": "路灯不亮", "payload": "/report_streetlight"},
                    {"title": "小区设施", "payload": long},
                ],
            },
        ]
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        yield running_double


@pytest.fixture
def rasa() -> Iterator[RasaDouble]:
    with RasaDouble(script) as running_rasa:
        yield running_rasa


def citizen_bot(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> Any:
    return make_bot(service, settings, double, rasa_url=rasa.url, rasa_timeout=0.5)


async def test_start_and_text_bridged_to_rasa_with_buttons(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    """Texts reach Rasa as telegram:<id>; buttons become inline keys whose press goes back."""
    async with running(citizen_bot(service, settings, double, rasa)):
        double.user_says(CITIZEN, "/start")
        await double.wait_for_sent(to(CITIZEN, "您好！12345热线，请问有什么可以帮您？"))
        double.user_says(CITIZEN, "你好")
        menu = await double.wait_for_sent(lambda s: s["chat_id"] == CITIZEN and bool(buttons(s)))
        short, parked = buttons(menu)
        assert short == "r:/report_streetlight" and parked.startswith("r#")
        assert all(len(b.encode()) <= 64 for b in buttons(menu))
        double.press(CITIZEN, menu["message_id"], parked)
        await double.wait_for_sent(to(CITIZEN, "收到：/choose_category"))
        double.press(CITIZEN, menu["message_id"], short)
        await double.wait_for_sent(to(CITIZEN, "收到：/report_streetlight"))
    first = rasa.requests[0]
    assert (first["sender"], first["message"]) == (f"telegram:{CITIZEN}", "你好")
    ids = [r["metadata"]["message_id"] for r in rasa.requests]
    assert len(set(ids)) == len(ids) == 3  # each message and each press is its own turn


async def test_rasa_down_answers_busy_and_keeps_the_message(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    """A 500 or a hang gets the busy answer; the kept message goes first once Rasa is back."""
    async with running(citizen_bot(service, settings, double, rasa)):
        rasa.fail(500)
        double.user_says(CITIZEN, "路灯坏了")
        await double.wait_for_sent(to(CITIZEN, "系统繁忙，请稍后再试。您的消息我们已记录。"))
        rasa.recover()
        rasa.hang(2)
        double.user_says(CITIZEN, "在吗")
        await double.wait_for_sent(
            lambda s: (
                s["chat_id"] == CITIZEN
                and len([x for x in double.sent(CITIZEN) if "系统繁忙" in (x["text"] or "")]) == 2
            )
        )
        rasa.recover()
        double.user_says(CITIZEN, "还在吗")
        await double.wait_for_sent(to(CITIZEN, "收到：还在吗"))
        texts = [s["text"] for s in double.sent(CITIZEN)]
    assert texts.index("收到：路灯坏了") < texts.index("收到：在吗") < texts.index("收到：还在吗")
    # a resend carries the first try's id, so a turn Rasa ran before the timeout is not rerun
    sends: dict[str, set[str]] = {}
    for request in rasa.requests:
        sends.setdefault(request["message"], set()).add(request["metadata"]["message_id"])
    assert len(rasa.messages()) > 3 and all(len(ids) == 1 for ids in sends.values())
    assert len({next(iter(ids)) for ids in sends.values()}) == 3


async def test_location_photo_and_unsupported_media(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    """A location is held and goes to Rasa as /inform{...}; a photo is held; a sticker asks
    for text (attachments on tickets: test_bot_attachments.py)."""
    async with running(citizen_bot(service, settings, double, rasa)):
        double.user_shares_location(CITIZEN, 31.23, 121.47)
        await double.wait_for_sent(to(CITIZEN, "已收到位置，将附到您接下来提交的工单"))
        await double.wait_for_sent(to(CITIZEN, "收到：/inform"))
        double.user_sends_photo(CITIZEN)
        await double.wait_for_sent(to(CITIZEN, "已收到照片，将附到您接下来提交的工单"))
        double.user_sends_sticker(CITIZEN)
        double.user_sends_voice(CITIZEN)
        await double.wait_for_sent(
            lambda s: len([x for x in double.sent(CITIZEN) if "文字描述" in (x["text"] or "")]) == 2
        )
    sent = rasa.messages()[0]
    assert sent.startswith("/inform")
    assert json.loads(sent.removeprefix("/inform")) == {"latitude": 31.23, "longitude": 121.47}


async def test_my_lists_only_the_citizens_own_tickets(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    """/my shows number, status, department and deadline; /ticket refuses someone else's."""

    def report(user: int) -> str:
        return service.tickets.open_ticket(
            NewTicket(
                channel="telegram",
                channel_user_id=str(user),
                description="路灯不亮",
                category="compound_facility",
            )
        ).number

    mine, other = report(CITIZEN), report(4242)
    async with running(citizen_bot(service, settings, double, rasa)):
        double.user_says(CITIZEN, "/my")
        listing = await double.wait_for_sent(to(CITIZEN, "您的工单"))
        assert mine in listing["text"] and other not in listing["text"]
        assert "住房和城乡建设局" in listing["text"] and "答复时限" in listing["text"]
        double.user_says(CITIZEN, f"/ticket {other}")
        await double.wait_for_sent(to(CITIZEN, "没有找到工单"))
        double.user_says(CITIZEN, f"/ticket {mine}")
        await double.wait_for_sent(to(CITIZEN, f"工单 {mine}："))


async def test_a_flood_gets_one_notice_and_edits_are_not_new_turns(
    service: Services, settings: Settings, double: TelegramDouble, rasa: RasaDouble
) -> None:
    async with running(citizen_bot(service, settings, double, rasa)):
        for i in range(20):
            double.user_says(CITIZEN, f"路灯坏了{i}")
        await double.wait_for_sent(to(CITIZEN, "您发送得太快了"))
        await double.wait_for_sent(to(CITIZEN, "收到：路灯坏了11"))
        await asyncio.sleep(0.5)
        notices = [s for s in double.sent(CITIZEN) if "太快" in (s["text"] or "")]
        assert len(notices) == 1
        assert len(rasa.messages()) == 12  # the budget; the rest of the flood is not a turn each
        service.clock.set(service.clock.now() + timedelta(minutes=1))  # type: ignore[attr-defined]
        double.user_says(CITIZEN, "改一下")
        await double.wait_for_sent(to(CITIZEN, "收到：改一下"))
        [message_id] = [key[1] for key, m in double._messages.items() if m.get("text") == "改一下"]
        double.user_edits(CITIZEN, message_id, "改成别的内容")
        await double.wait_for_sent(to(CITIZEN, "修改不会重新提交"))
        assert "改成别的内容" not in rasa.messages()
