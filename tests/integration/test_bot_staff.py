"""The real Telegram application against the Bot API double: cards, buttons, replies, delivery."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.context import HotlineApplication
from hotline.bootstrap import App
from hotline.config import Settings
from hotline.domain.clock import ManualClock
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from hotline.services.jobs import run_sweep
from hotline.services.registration import NewTicket
from hotline.storage.models import OutboxDelivery, OutboxMessage
from tests.support.telegram_double import JSON, TelegramDouble, polling

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

CITIZEN = 1001
STAFF = 2001
DISPATCHER = 3001
HOUSING_CHAT = -100111
TRANSPORT_CHAT = -100222
DISPATCH_CHAT = -100999
HOUSING = Actor(role="staff", id="telegram:2001", department="housing")


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    with TelegramDouble() as running:
        running.user(STAFF, "张三")
        running.user(DISPATCHER, "李派单")
        yield running


def make_bot(
    service: Services, settings: Settings, double: TelegramDouble, **kwargs: Any
) -> HotlineApplication:
    """The production wiring, pointed at the double, with a fast delivery loop."""
    app = App(
        settings=settings,
        engine=service.sessions.kw["bind"],
        catalogue=service.catalogue,
        sla=service.sla,
        service=service,
    )
    kwargs.setdefault("rasa_url", "http://127.0.0.1:9")
    return build_application(
        app,
        token=double.token,
        base_url=double.base_url,
        base_file_url=double.base_file_url,
        delivery_idle=0.05,
        **kwargs,
    )


@contextlib.asynccontextmanager
async def running(application: HotlineApplication) -> AsyncIterator[HotlineApplication]:
    """Run the application like run_polling does: post_init, polling, post_stop, post_shutdown."""
    assert application.post_init and application.post_stop and application.post_shutdown
    async with polling(application):
        await application.post_init(application)
        try:
            yield application
        finally:
            await application.post_stop(application)
    await application.post_shutdown(application)


async def tick_until(clock: ManualClock, done: Callable[[], bool], timeout: float = 5) -> None:
    """Let manual time pass (retry delays are set on the service clock) until `done`."""
    for _ in range(int(timeout / 0.1)):
        if done():
            return
        clock.advance(timedelta(seconds=2))
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


def bind(
    service: Services,
    chat: int,
    role: str = "staff",
    dept: str | None = "housing",
    user: int | None = None,
) -> None:
    """Bind the group and the one member who acts in it (each member binds on their own)."""
    member = user or (STAFF if role == "staff" else DISPATCHER)
    code = service.staff.invite(role=role, department=dept)
    service.staff.bind(code, channel="telegram", chat_id=str(chat), user_id=str(member), group=True)


def report(service: Services, category: str = "compound_facility") -> str:
    return service.tickets.open_ticket(
        NewTicket(
            channel="telegram",
            channel_user_id=str(CITIZEN),
            description="小区路面塌陷，<b>很危险</b> *请尽快*",
            category=category,
            contact_phone="13812345678",
        )
    ).number


def buttons(record: JSON) -> list[str]:
    markup = record.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def to(chat: int, needle: str = "") -> Any:
    return lambda s: s["chat_id"] == chat and needle in (s["text"] or "")


async def reply_in_group(double: TelegramDouble, chat: int, prompt: JSON, text: str) -> None:
    """The staff member answers the bot's ForceReply prompt."""
    double.group_message(
        chat, STAFF, text, reply_to_message=double.message(chat, prompt["message_id"])
    )


async def test_card_accept_resolve_answer_survey_close(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """The whole round: card, 签收 edits in place, 办结 with an answer, survey, 满意 closes."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        assert card["parse_mode"] is None and "<b>很危险</b>" in card["text"]
        assert "138****5678"[-4:] in card["text"] and "13812345678" not in card["text"]
        assert buttons(card) == [f"t:{a}:{number}" for a in ("accept", "return", "phone")]

        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
        edit = await double.wait_for_call("editMessageText", lambda c: "已签收" in c["text"])
        assert edit["message_id"] == card["message_id"]
        assert "✅ 已签收（张三 11-23 10:00）" in edit["text"]
        assert buttons(edit) == [
            f"t:{a}:{number}" for a in ("return", "extend", "resolve", "info", "phone")
        ]
        assert service.views.get_ticket(number).status == "accepted"
        await double.wait_for_sent(to(CITIZEN, "签收"))

        double.press(HOUSING_CHAT, card["message_id"], f"t:resolve:{number}", STAFF)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复给市民的答复内容"))
        assert prompt["reply_markup"]["force_reply"] is True
        await reply_in_group(double, HOUSING_CHAT, prompt, "已安排施工队修复路面。")
        answer = await double.wait_for_sent(to(CITIZEN, "已安排施工队修复路面"))
        assert number in answer["text"]
        await double.wait_for_call("editMessageText", lambda c: "已办结答复" in c["text"])
        assert buttons(double.message(HOUSING_CHAT, card["message_id"])) == []

        clock.advance(timedelta(days=1, hours=1))
        run_sweep(service)
        survey = await double.wait_for_sent(lambda s: s["chat_id"] == CITIZEN and bool(buttons(s)))
        assert buttons(survey) == [
            f"s:{s}:{number}" for s in ("satisfied", "basically_satisfied", "unsatisfied")
        ]
        double.press(CITIZEN, survey["message_id"], f"s:satisfied:{number}")
        await double.wait_for_call("editMessageText", lambda c: "感谢" in c["text"])
    assert service.views.get_ticket(number).status == "closed"


async def test_return_then_redispatch_from_the_dispatcher_chat(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """退单 asks for a reason; the dispatcher re-routes with a department button."""
    bind(service, HOUSING_CHAT)
    bind(service, TRANSPORT_CHAT, dept="transport")
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:return:{number}", STAFF)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "请回复退单理由"))
        await reply_in_group(double, HOUSING_CHAT, prompt, "   ")
        await double.wait_for_sent(to(HOUSING_CHAT, "不能为空"))
        await reply_in_group(double, HOUSING_CHAT, prompt, "属于道路养护，请转交通部门")
        returned = await double.wait_for_sent(to(DISPATCH_CHAT, "退单"))
        rows = returned["reply_markup"]["inline_keyboard"]
        assert sum(len(r) for r in rows) == len(service.catalogue.departments) == 17
        assert all(len(r) == 3 for r in rows[:-1])
        double.press(DISPATCH_CHAT, returned["message_id"], f"d:transport:{number}", DISPATCHER)
        await double.wait_for_sent(to(TRANSPORT_CHAT, number))
        edit = await double.wait_for_call("editMessageText", lambda c: "已派往" in c["text"])
        assert edit["chat_id"] == DISPATCH_CHAT and "交通运输局" in edit["text"]
    view = service.views.get_ticket(number)
    assert view.department == "transport" and view.status == "dispatched"


async def test_extension_request_approved_by_the_dispatcher(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """申请延期 takes "days reason"; a bad format is explained; the dispatcher approves."""
    bind(service, HOUSING_CHAT)
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(service)
    service.tickets.accept(number, HOUSING)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:extend:{number}", STAFF, forge=True)
        prompt = await double.wait_for_sent(to(HOUSING_CHAT, "延期天数和理由"))
        await reply_in_group(double, HOUSING_CHAT, prompt, "需要协调")
        await double.wait_for_sent(to(HOUSING_CHAT, "格式不对"))
        await reply_in_group(double, HOUSING_CHAT, prompt, "5 需要协调施工单位")
        request = await double.wait_for_sent(to(DISPATCH_CHAT, "延期申请"))
        assert buttons(request) == [f"x:approve:{number}", f"x:deny:{number}"]
        double.press(DISPATCH_CHAT, request["message_id"], f"x:approve:{number}", DISPATCHER)
        await double.wait_for_sent(to(CITIZEN, "延期已获批准"))
    assert service.views.get_ticket(number).extension_count == 1


async def test_extension_denied_with_a_reason_the_department_reads(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """驳回 asks the dispatcher why; a bare "不行" is refused; the department reads the reason."""
    bind(service, HOUSING_CHAT)
    bind(service, DISPATCH_CHAT, role="dispatcher", dept=None)
    number = report(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.request_extension(number, HOUSING, 5, "需要协调施工单位")
    async with running(make_bot(service, settings, double)):
        request = await double.wait_for_sent(to(DISPATCH_CHAT, "延期申请"))
        double.press(DISPATCH_CHAT, request["message_id"], f"x:deny:{number}", DISPATCHER)
        prompt = await double.wait_for_sent(to(DISPATCH_CHAT, "请回复驳回延期的理由"))
        reply = double.message(DISPATCH_CHAT, prompt["message_id"])
        double.group_message(DISPATCH_CHAT, DISPATCHER, "x", reply_to_message=reply)
        await double.wait_for_sent(to(DISPATCH_CHAT, "过于简单"))
        double.group_message(
            DISPATCH_CHAT, DISPATCHER, "路面抢修应在时限内完成", reply_to_message=reply
        )
        told = await double.wait_for_sent(to(HOUSING_CHAT, "延期申请未批准"))
        assert "路面抢修应在时限内完成" in told["text"]
        edit = await double.wait_for_call("editMessageText", lambda c: "已驳回延期" in c["text"])
        assert edit["chat_id"] == DISPATCH_CHAT
    view = service.views.get_ticket(number)
    assert view.extension_count == 0 and view.events[-1].action == "deny_extension"


async def test_unsatisfied_rating_reopens_and_the_card_returns(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """不满意 reopens: the department gets a fresh card with buttons, the citizen a notice."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    service.tickets.accept(number, HOUSING)
    service.tickets.resolve(number, HOUSING, "已安排人员处理完毕")
    clock.advance(timedelta(days=1, hours=1))
    run_sweep(service)
    async with running(make_bot(service, settings, double)):
        survey = await double.wait_for_sent(lambda s: s["chat_id"] == CITIZEN and bool(buttons(s)))
        double.press(CITIZEN, survey["message_id"], f"s:unsatisfied:{number}")
        reopened = await double.wait_for_sent(to(HOUSING_CHAT, "重办"))
        assert buttons(reopened)[0] == f"t:accept:{number}"
        await double.wait_for_sent(to(CITIZEN, "重新办理"))
    view = service.views.get_ticket(number)
    assert view.status == "dispatched" and view.reopen_count == 1


async def test_stale_press_and_unbound_chat_change_nothing(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """A second 签收 answers politely; a press from an unbound chat or forged data is refused."""
    bind(service, HOUSING_CHAT)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        card = await double.wait_for_sent(to(HOUSING_CHAT, number))
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF)
        await double.wait_for_call("editMessageText")
        double.press(HOUSING_CHAT, card["message_id"], f"t:accept:{number}", STAFF, forge=True)
        stale = await double.wait_for_call("answerCallbackQuery", lambda c: "不能签收" in c["text"])
        assert stale["show_alert"] is True

        double.user_says(CITIZEN, "/ticket 20990101-0001")
        mine = await double.wait_for_sent(to(CITIZEN, "没有找到"))
        double.press(CITIZEN, mine["message_id"], f"t:return:{number}", forge=True)
        await double.wait_for_call("answerCallbackQuery", lambda c: "尚未绑定" in c["text"])
        double.press(HOUSING_CHAT, card["message_id"], "t:drop table;--", STAFF, forge=True)
        await double.wait_for_call("answerCallbackQuery", lambda c: "已失效" in c["text"])
        double.press(HOUSING_CHAT, card["message_id"], f"t:phone:{number}", STAFF)
        phone = await double.wait_for_call("answerCallbackQuery", lambda c: "联系电话" in c["text"])
        assert "13812345678" in phone["text"] and phone["show_alert"] is True
    assert len(double.edits(HOUSING_CHAT)) == 1
    view = service.views.get_ticket(number)
    assert view.status == "accepted" and view.return_count == 0


async def test_flood_limit_delays_the_card_but_sends_it_once(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """A 429 with retry_after: the loop rests, the row waits, the card arrives exactly once."""
    bind(service, HOUSING_CHAT)
    double.fail_next("sendMessage", status=429, retry_after=1)
    number = report(service)
    async with running(make_bot(service, settings, double)):
        await double.wait_for_failure("sendMessage")
        await tick_until(clock, lambda: bool(double.sent(HOUSING_CHAT)))
        await asyncio.sleep(0.3)
    assert [number in s["text"] for s in double.sent(HOUSING_CHAT)] == [True]


async def test_lost_answer_is_the_at_least_once_window(
    service: Services, clock: ManualClock, settings: Settings, double: TelegramDouble
) -> None:
    """Telegram took the card but the answer was lost: we cannot know, so we send again.

    That is the one window where a chat may see a message twice; the ledger records one
    delivery and the row is never sent a third time.
    """
    bind(service, HOUSING_CHAT)
    double.lose_response_next("sendMessage")
    number = report(service)
    async with running(make_bot(service, settings, double)):
        await double.wait_for_failure("sendMessage")
        await tick_until(clock, lambda: len(double.sent(HOUSING_CHAT)) >= 2)
        clock.advance(timedelta(minutes=10))
        await asyncio.sleep(0.3)
    copies = [s for s in double.sent(HOUSING_CHAT) if number in s["text"]]
    assert 1 <= len(copies) <= 2
    with service.sessions() as session:
        ledger = session.scalar(select(func.count(OutboxDelivery.id)))
        status = session.scalars(select(OutboxMessage.status)).all()
    assert ledger == 1 and status == ["sent"]


async def test_bind_command_binds_a_group_and_refuses_a_bad_code(
    service: Services, settings: Settings, double: TelegramDouble
) -> None:
    """/bind in a group binds the whole group; a wrong code gets a clear answer."""
    code = service.staff.invite(role="staff", department="housing")
    async with running(make_bot(service, settings, double)):
        double.group_message(HOUSING_CHAT, STAFF, "/bind WRONG")
        await double.wait_for_sent(to(HOUSING_CHAT, "绑定码无效"))
        double.group_message(HOUSING_CHAT, STAFF, f"/bind {code}")
        await double.wait_for_sent(to(HOUSING_CHAT, "绑定成功"))
        number = report(service)
        await double.wait_for_sent(to(HOUSING_CHAT, number))
