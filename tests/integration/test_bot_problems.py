"""Dispatchers in Telegram: suggested merges with a one-tap merge, category correction."""

from __future__ import annotations

import pytest

from hotline.config import Settings
from hotline.services.container import Services
from hotline.services.registration import NewTicket
from tests.integration.test_bot_staff import (
    DISPATCH_CHAT,
    DISPATCHER,
    HOUSING_CHAT,
    STAFF,
    bind,
    buttons,
    double,
    make_bot,
    running,
    to,
)
from tests.support.telegram_double import TelegramDouble

__all__ = ["double"]  # the Bot API double fixture, shared with test_bot_staff

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def open_(service: Services, user: str, text: str, category: str = "water_supply") -> str:
    request = NewTicket("telegram", user, text, category=category, address="幸福路12号")
    return service.tickets.open_ticket(request).number


async def test_dispatcher_merges_a_suggested_duplicate_with_one_tap(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    bind(service, HOUSING_CHAT)
    first = open_(service, "1", "停水了")  # opened without linking (the fixture's default)
    second = open_(service, "2", "家里没水了")
    async with running(make_bot(service, settings, double)):
        double.group_message(HOUSING_CHAT, STAFF, "/duplicates")
        await double.wait_for_sent(to(HOUSING_CHAT, "只有派单员和督办人员"))
        double.group_message(DISPATCH_CHAT, DISPATCHER, "/duplicates")
        listed = await double.wait_for_sent(to(DISPATCH_CHAT, "疑似重复工单"))
        assert buttons(listed) == [f"m:{second}:{first}"]
        double.press(DISPATCH_CHAT, listed["message_id"], f"m:{second}:{first}", DISPATCHER)
        await double.wait_for_call("editMessageText", lambda c: "已合并" in c["text"])
    assert service.views.get_ticket(second).merged_into == first


async def test_dispatcher_corrects_a_category_and_the_ticket_moves(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = open_(service, "1", "幸福路上有个大坑", category="street_light")
    async with running(make_bot(service, settings, double)):
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/recategorize {number} road_damage")
        await double.wait_for_sent(to(DISPATCH_CHAT, "请发送：/recategorize"))
        double.group_message(
            DISPATCH_CHAT, DISPATCHER, f"/recategorize {number} road_damage 是道路坑洼不是路灯"
        )
        await double.wait_for_sent(to(DISPATCH_CHAT, "已更正类别"))
    view = service.views.get_ticket(number)
    assert (view.category, view.department) == ("road_damage", "transport")


async def test_supervisor_escalates_with_a_deadline(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    bind(service, DISPATCH_CHAT, role="supervisor", dept=None)
    number = open_(service, "1", "路灯不亮", category="street_light")
    async with running(make_bot(service, settings, double)):
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/escalate {number} 明天 请尽快修复")
        await double.wait_for_sent(to(DISPATCH_CHAT, "督办时限应为"))
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/escalate {number} 2d 请尽快修复")
        await double.wait_for_sent(to(DISPATCH_CHAT, "已督办工单"))
    event = service.views.get_ticket(number).events[-1]
    assert event.action == "escalate" and event.due_at is not None
