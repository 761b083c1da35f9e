"""Telegram for 主办/协办, 审核 and the staff tools, against the Bot API double (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hotline.bootstrap import load_centre_rules
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.review import ReviewRules, ReviewScope
from hotline.services.container import Services
from hotline.storage.models import AuditRecord
from tests.conftest import TZ
from tests.integration.test_bot_staff import (
    CITIZEN,
    DISPATCH_CHAT,
    DISPATCHER,
    HOUSING,
    HOUSING_CHAT,
    STAFF,
    TRANSPORT_CHAT,
    bind,
    buttons,
    make_bot,
    reply_in_group,
    report,
    running,
    to,
)
from tests.support.telegram_double import JSON, TelegramDouble

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

TRANSPORT_STAFF = 2002


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running_double:
        running_double.user(STAFF, "张三")
        running_double.user(TRANSPORT_STAFF, "李四")
        running_double.user(DISPATCHER, "李派单")
        yield running_double


def centre(
    service: Services, clock: ManualClock, settings: Settings, review: ReviewRules | None = None
) -> Services:
    """The same database with data/templates.yml as shipped (and review rules as given)."""
    _, templates = load_centre_rules(settings, service.catalogue)
    return Services(
        service.sessions,
        service.catalogue,
        service.sla,
        clock,
        TZ,
        review=review,
        templates=templates,
    )


def bind_named(service: Services, chat: int, user: int, name: str, dept: str | None) -> None:
    """Bind one member under their Telegram name (what /assign looks people up by)."""
    role = "staff" if dept else "dispatcher"
    code = service.staff.invite(role=role, department=dept)
    service.staff.bind(
        code,
        channel="telegram",
        chat_id=str(chat),
        user_id=str(user),
        display_name=name,
        group=True,
    )


async def answer_prompt(
    double: TelegramDouble, chat: int, user: int, prompt: JSON, text: str
) -> None:
    double.group_message(
        chat, user, text, reply_to_message=double.message(chat, prompt["message_id"])
    )


async def test_assisting_department_card_and_opinion_with_a_template(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """/assist sends the assisting card; its button asks for the opinion with templates; a
    reply of "1" sends template 1 to the lead department, never to the citizen."""
    service = centre(service, clock, settings)
    bind(service, HOUSING_CHAT)
    bind(service, TRANSPORT_CHAT, dept="transport", user=TRANSPORT_STAFF)
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/assist {number} 交通")
        await double.wait_for_sent(to(DISPATCH_CHAT, "已为工单"))
        card = await double.wait_for_sent(to(TRANSPORT_CHAT, "协办工单（主办：住房和城乡建设局）"))
        assert buttons(card) == [f"t:opinion:{number}"]
        await double.wait_for_sent(to(HOUSING_CHAT, "已增加协办单位：交通运输局"))

        double.press(TRANSPORT_CHAT, card["message_id"], f"t:opinion:{number}", TRANSPORT_STAFF)
        prompt = await double.wait_for_sent(to(TRANSPORT_CHAT, "请回复协办意见"))
        assert "1. 我单位已配合主办单位完成现场核查" in prompt["text"]
        await answer_prompt(double, TRANSPORT_CHAT, TRANSPORT_STAFF, prompt, "1")
        opinion = await double.wait_for_sent(to(HOUSING_CHAT, "交通运输局的协办意见"))
        assert "我单位已配合主办单位完成现场核查" in opinion["text"]
        edit = await double.wait_for_call(
            "editMessageText", lambda c: "已提交协办意见" in c["text"]
        )
        assert buttons(edit) == []
        double.group_message(TRANSPORT_CHAT, TRANSPORT_STAFF, f"/ticket {number}")
        shown = await double.wait_for_sent(to(TRANSPORT_CHAT, "协办单位：交通运输局"))
        assert "已按时提交" in shown["text"] and "承办部门：住房和城乡建设局" in shown["text"]
        # without departments, /assist offers them as buttons; each press adds one
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/assist {number}")
        offer = await double.wait_for_sent(to(DISPATCH_CHAT, "请选择工单"))
        assert f"a:urban_management:{number}" in buttons(offer)
        double.press(DISPATCH_CHAT, offer["message_id"], f"a:urban_management:{number}", DISPATCHER)
        await double.wait_for_call(
            "editMessageText", lambda c: "已增加协办：城市管理局" in c["text"]
        )
        double.press(DISPATCH_CHAT, offer["message_id"], f"a:urban_management:{number}", DISPATCHER)
        await double.wait_for_call(
            "answerCallbackQuery", lambda c: "已是该工单的协办单位" in (c.get("text") or "")
        )
        # the lead department cannot press the assisting card's button for itself
        double.group_message(DISPATCH_CHAT, DISPATCHER, f"/assist {number} 住建")
        await double.wait_for_sent(to(DISPATCH_CHAT, "是该工单的主办单位"))
    assert not [m for m in double.sent(CITIZEN) if "协办" in (m["text"] or "")]
    assist, urban = service.tickets.assisting(number)
    assert assist.opinion is not None and assist.opinion.startswith("我单位已配合")
    assert urban.department == "urban_management" and urban.opinion is None


async def test_review_holds_the_answer_until_the_dispatcher_approves(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """A reviewed answer goes to the dispatchers, not the citizen; 审核驳回 asks why and the
    department reads it; the second answer, approved, reaches the citizen once."""
    svc = centre(service, clock, settings, ReviewRules(answers=ReviewScope(all=True)))
    bind(svc, HOUSING_CHAT)
    bind(svc, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(svc)
    svc.tickets.accept(number, HOUSING)
    async with running(make_bot(svc, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:resolve:{number}", STAFF, forge=True)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复给市民的答复内容"))
        assert "常用语" in prompt["text"]
        await reply_in_group(double, HOUSING_CHAT, prompt, "路面已经修好了")
        await double.wait_for_sent(to(HOUSING_CHAT, "答复已提交12345中心审核"))
        held = await double.wait_for_sent(to(DISPATCH_CHAT, "待审核·办结答复"))
        assert buttons(held) == [f"v:approve:{number}", f"v:reject:{number}"]
        double.press(DISPATCH_CHAT, held["message_id"], f"v:reject:{number}", DISPATCHER)
        why = await double.wait_for_sent(to(DISPATCH_CHAT, "请回复审核驳回的理由"))
        await answer_prompt(double, DISPATCH_CHAT, DISPATCHER, why, "答复太简单，请写明修复情况")
        told = await double.wait_for_sent(to(HOUSING_CHAT, "未通过12345中心审核"))
        assert "请写明修复情况" in told["text"]

        svc.tickets.resolve(number, HOUSING, "已更换破损路面并设置警示标志。")
        again = await double.wait_for_sent(
            lambda s: (
                s["chat_id"] == DISPATCH_CHAT
                and "已更换破损路面" in (s["text"] or "")
                and bool(buttons(s))
            )
        )
        double.press(DISPATCH_CHAT, again["message_id"], f"v:approve:{number}", DISPATCHER)
        answer = await double.wait_for_sent(to(CITIZEN, "已更换破损路面"))
        assert number in answer["text"]
        await double.wait_for_call("editMessageText", lambda c: "审核通过" in c["text"])
    assert len([m for m in double.sent(CITIZEN) if "已更换破损路面" in (m["text"] or "")]) == 1
    assert not [m for m in double.sent(CITIZEN) if "路面已经修好了" in (m["text"] or "")]
    assert svc.views.get_ticket(number).status == "resolved"


async def test_ask_the_citizen_notes_assign_mine_and_search(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """请市民补充 from the card reaches the citizen; /note stays inside; /assign names a member
    who finds it in /mine; /search by phone is audited and shows no phone."""
    service = centre(service, clock, settings)
    bind_named(service, HOUSING_CHAT, STAFF, "张三", "housing")
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(service)
    service.tickets.accept(number, HOUSING)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:info:{number}", STAFF, forge=True)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复需要市民补充的内容"))
        await reply_in_group(double, HOUSING_CHAT, prompt, "2")  # template 2: time and photos
        asked = await double.wait_for_sent(to(CITIZEN, "请补充问题发生的时间段"))
        assert number in asked["text"]

        double.group_message(HOUSING_CHAT, STAFF, f"/note {number} 市民白天不方便接电话")
        await double.wait_for_sent(to(HOUSING_CHAT, "已添加内部备注"))
        double.group_message(HOUSING_CHAT, STAFF, f"/notes {number}")
        await double.wait_for_sent(to(HOUSING_CHAT, "市民白天不方便接电话"))

        double.group_message(HOUSING_CHAT, STAFF, f"/assign {number} 张三")
        await double.wait_for_sent(to(HOUSING_CHAT, "已指定张三承办"))
        double.group_message(HOUSING_CHAT, STAFF, "/mine")
        mine = await double.wait_for_sent(to(HOUSING_CHAT, "我的待办（1件）"))
        assert number in mine["text"]
        double.group_message(HOUSING_CHAT, STAFF, f"/ticket {number}")
        shown = await double.wait_for_sent(to(HOUSING_CHAT, "承办人：张三"))
        assert "市民白天不方便接电话" not in shown["text"]  # notes only on /notes

        double.group_message(DISPATCH_CHAT, DISPATCHER, "/search 电话:13812345678")
        found = await double.wait_for_sent(to(DISPATCH_CHAT, "检索结果"))
        assert number in found["text"] and "13812345678" not in found["text"]
        double.group_message(DISPATCH_CHAT, DISPATCHER, "/search 从:2026-13-01")
        await double.wait_for_sent(to(DISPATCH_CHAT, "格式不对"))
    assert not [m for m in double.sent(CITIZEN) if "不方便接电话" in (m["text"] or "")]
    assert service.views.get_ticket(number).events[-1].action == "assign"
    with service.sessions() as s:
        assert s.scalars(select(AuditRecord).where(AuditRecord.action == "search_phone")).all()
