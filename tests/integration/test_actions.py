"""The custom actions against the real service and database, with rasa_sdk's Tracker and
CollectingDispatcher: what the citizen is told, and what ends up in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import (
    ActionAddInformation,
    ActionAskDetail,
    ActionCancelReport,
    ActionChooseCategory,
    ActionConfirmReport,
    ActionOfferCategories,
    ActionOpenTicket,
    ActionRateTicket,
    ActionReceiveRequest,
    ActionRequestHuman,
    ActionShowStatus,
    ActionUpdateDraft,
    ActionWithdrawTicket,
    ValidateReportForm,
)
from actions.wiring import install
from hotline.services import HotlineService, NewTicket, TicketFilter
from hotline.tickets import Actor
from tests.support.dialogue import DOMAIN, Conversation, ScriptedParser, parse, wire

ROOT = Path(__file__).resolve().parents[2]

STAFF = Actor(role="staff", id="tg:7", department="urban_management")
LIGHT = "我家楼下的路灯坏了好几天了，晚上黑漆漆的"


@pytest.fixture(autouse=True)
def wired(service: HotlineService) -> Iterator[None]:
    wire(service)
    yield
    install(None)


async def report_light(chat: Conversation, phone: str = "none") -> None:
    """The happy path up to the confirmation summary."""
    chat.say(parse(LIGHT, "street_light", 0.87, request_type="求助"))
    await chat.run(ActionReceiveRequest())
    assert chat.slots["stage"] == "form"
    chat.say(parse("幸福路88号", "inform"), address="幸福路88号", phone=phone)
    await chat.run(ActionConfirmReport())


def tickets(service: HotlineService, sender: str = "telegram:42") -> list[Any]:
    return service.list_tickets(TicketFilter(citizen=sender))


async def test_a_routed_request_names_the_department_and_starts_the_form(
    service: HotlineService,
) -> None:
    chat = Conversation()
    chat.say(parse(LIGHT, "street_light", 0.87, request_type="求助"))
    await chat.run(ActionReceiveRequest())
    assert "路灯不亮" in chat.text
    assert chat.slots["stage"] == "form"
    assert chat.slots["category"] == "street_light"
    assert chat.slots["department"] == "urban_management"
    assert tickets(service) == []  # nothing is registered before the citizen confirms


async def test_confirmation_shows_category_department_address_and_deadline() -> None:
    chat = Conversation()
    await report_light(chat)
    assert "路灯不亮（城市管理局办理）" in chat.text
    assert "幸福路88号" in chat.text
    assert "答复时限" in chat.text
    assert "不留电话" in chat.text
    assert [b["title"] for b in chat.buttons()] == ["确认提交", "修改类别", "取消"]
    assert chat.slots["stage"] == "confirm"


async def test_confirming_opens_one_ticket_with_number_and_deadline(
    service: HotlineService,
) -> None:
    chat = Conversation()
    await report_light(chat, phone="13812345678")
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    [view] = tickets(service)
    assert view.number in chat.text
    assert "城市管理局" in chat.text and "前答复您" in chat.text
    assert (view.category, view.department, view.status) == (
        "street_light",
        "urban_management",
        "dispatched",
    )
    assert view.address == "幸福路88号" and view.contact_phone == "13812345678"
    assert chat.slots["last_ticket"] == view.number
    assert chat.slots["description"] is None and chat.slots["stage"] == "idle"


async def test_a_replayed_confirmation_turn_opens_no_second_ticket(
    service: HotlineService,
) -> None:
    """Rasa retries an action call after a timeout: same user message, same ticket."""
    chat = Conversation()
    await report_light(chat)
    chat.say(parse("确认", "affirm"))
    saved = dict(chat.slots)
    await chat.run(ActionOpenTicket())
    first = chat.text
    chat.slots = saved  # the retry sees the tracker as it was before the first call
    await chat.run(ActionOpenTicket())
    assert len(tickets(service)) == 1
    assert chat.text == first


async def test_the_category_field_is_asked_in_the_catalogues_words(
    service: HotlineService,
) -> None:
    chat = Conversation()
    chat.say(parse("公司拖欠我三个月工资不发", "wage_arrears", request_type="求助"))
    await chat.run(ActionReceiveRequest())
    form = ValidateReportForm()
    needed = await form.required_slots(
        ["address", "phone", "detail"], CollectingDispatcher(), chat.tracker(), DOMAIN
    )
    assert needed == ["address", "phone", "detail"]
    await chat.run(ActionAskDetail())
    assert "单位" in chat.text
    chat.say(parse("宏达建筑", "inform"), address="幸福路1号", phone="none", detail="宏达建筑")
    await chat.run(ActionConfirmReport())
    assert "用人单位：宏达建筑" in chat.text
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    [view] = tickets(service)
    assert view.department == "human_resources"


async def test_no_extra_field_and_no_address_with_a_shared_location() -> None:
    chat = Conversation()
    chat.say(parse(LIGHT, "street_light", request_type="求助"), latitude=31.2, longitude=121.4)
    await chat.run(ActionReceiveRequest())
    needed = await ValidateReportForm().required_slots(
        ["address", "phone", "detail"], CollectingDispatcher(), chat.tracker(), DOMAIN
    )
    assert needed == ["phone"]


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("021-62345678", "02162345678"),
        ("我的电话是13912345678谢谢", "13912345678"),
        ("不用了", "none"),
        ("不方便留", "none"),
        ("12345", None),
        ("abc", None),
        ("1381234567", None),
        ("'; DROP TABLE tickets; --", None),
        ("", None),
    ],
)
async def test_phone_validation(answer: str, stored: str | None) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateReportForm().validate_phone(
        answer, dispatcher, Conversation().tracker(), DOMAIN
    )
    assert result == {"phone": stored}
    if stored is None:
        assert "电话号码格式不对" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("幸福路88号", True), ("金桂园3期5栋2单元", True), ("x", False), ("13812345678", False)],
)
async def test_address_validation(answer: str, ok: bool) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateReportForm().validate_address(
        answer, dispatcher, Conversation().tracker(), DOMAIN
    )
    assert result == {"address": answer if ok else None}
    assert bool(dispatcher.messages) is not ok


async def test_overlong_address_and_detail_are_refused_kindly() -> None:
    dispatcher = CollectingDispatcher()
    form = ValidateReportForm()
    tracker = Conversation().tracker()
    assert form.validate_address("路" * 300, dispatcher, tracker, DOMAIN) == {"address": None}
    assert form.validate_detail("店" * 300, dispatcher, tracker, DOMAIN) == {"detail": None}
    assert form.validate_detail("老王烧烤", dispatcher, tracker, DOMAIN) == {"detail": "老王烧烤"}
    assert "200字以内" in dispatcher.messages[0]["text"]


def test_form_questions_speak_chinese_and_phone_can_be_skipped() -> None:
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    assert "具体地点" in responses["utter_ask_address"][0]["text"]
    phone = responses["utter_ask_phone"][0]
    assert "联系电话" in phone["text"] and phone["buttons"][0]["payload"] == "不用"


async def test_correcting_the_address_at_confirmation(service: HotlineService) -> None:
    chat = Conversation()
    await report_light(chat)
    chat.say(
        parse(
            "地址改成幸福路99号",
            "inform",
            entities=[{"entity": "address", "value": "幸福路99号"}],
        )
    )
    await chat.run(ActionUpdateDraft())
    await chat.run(ActionConfirmReport())
    assert "幸福路99号" in chat.text
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    assert tickets(service)[0].address == "幸福路99号"


async def test_more_words_at_confirmation_join_the_description(service: HotlineService) -> None:
    chat = Conversation()
    await report_light(chat)
    chat.say(parse("已经一个星期了", "add_information"))
    await chat.run(ActionUpdateDraft())
    assert chat.slots["description"].endswith("补充：已经一个星期了")


async def test_unsure_requests_offer_three_departments_and_none_of_these(
    service: HotlineService,
) -> None:
    chat = Conversation()
    ranking = [
        ("nlu_fallback", 0.3),
        ("illegal_parking", 0.2),
        ("street_garbage", 0.12),
        ("property_management", 0.1),
        ("greet", 0.05),
    ]
    chat.say(parse("门口的东西一直没人管", "nlu_fallback", 0.3, ranking=ranking))
    await chat.run(ActionReceiveRequest())
    assert chat.slots["stage"] == "choose"
    titles = [b["title"] for b in chat.buttons()]
    assert (
        titles[:3]
        == [
            "公安局（违法停车与占用消防通道）",
            "城市管理局（道路垃圾与垃圾桶满溢）",
            "住房和城乡建设局（物业服务与物业费）",
        ]
        or len(titles) == 4
    )
    assert titles[-1] == "都不是（交人工派单）"
    chat.say(parse("都不是", "choose_category"))
    await chat.run(ActionChooseCategory())
    assert chat.slots["stage"] == "form" and chat.slots["department"] is None
    chat.say(parse("幸福路1号", "inform"), address="幸福路1号", phone="none")
    await chat.run(ActionConfirmReport())
    assert "待人工派单" in chat.text
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    [view] = tickets(service)
    assert view.department is None and view.needs_human
    assert "派单员会尽快确定办理部门" in chat.text


async def test_a_choice_by_button_or_ordinal(service: HotlineService) -> None:
    chat = Conversation()
    ranking = [("illegal_parking", 0.3), ("street_garbage", 0.25), ("street_vendor", 0.05)]
    chat.say(parse("门口的东西一直没人管", "illegal_parking", 0.3, ranking=ranking))
    await chat.run(ActionReceiveRequest())
    chat.say(parse("第二个", "choose_category"))
    await chat.run(ActionChooseCategory())
    assert chat.slots["category"] == "street_garbage"
    chat.say(
        parse(
            '/choose_category{"category": "illegal_parking"}',
            "choose_category",
            entities=[{"entity": "category", "value": "illegal_parking"}],
        )
    )
    await chat.run(ActionChooseCategory())
    assert chat.slots["department"] == "public_security"
    chat.say(parse("随便", "choose_category"))
    chat.slots["stage"] = "choose"
    await chat.run(ActionChooseCategory())
    assert "请点击上面的按钮" in chat.text and chat.slots["stage"] == "choose"


async def test_a_stale_choice_button_changes_nothing(service: HotlineService) -> None:
    chat = Conversation()
    chat.say(
        parse(
            '/choose_category{"category": "street_light"}',
            "choose_category",
            entities=[{"entity": "category", "value": "street_light"}],
        )
    )
    await chat.run(ActionChooseCategory())
    assert "已过期" in chat.text and chat.slots["stage"] == "idle"
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    assert "已过期" in chat.text
    assert tickets(service) == []


async def test_correcting_the_category_at_confirmation(service: HotlineService) -> None:
    chat = Conversation()
    ranking = [("street_light", 0.6), ("power_outage", 0.3)]
    chat.say(parse(LIGHT, "street_light", 0.6, ranking=ranking, request_type="求助"))
    await chat.run(ActionReceiveRequest())
    chat.say(parse("幸福路88号", "inform"), address="幸福路88号", phone="none")
    await chat.run(ActionConfirmReport())
    chat.say(parse("分错了", "correct_category"))
    await chat.run(ActionOfferCategories())
    titles = [b["title"] for b in chat.buttons()]
    assert not any("城市管理局" in t for t in titles)  # the current choice is not offered again
    assert titles[-1] == "都不是（交人工派单）"
    chat.say(parse("第一个", "choose_category"))
    await chat.run(ActionChooseCategory())
    assert chat.slots["category"] == "street_light"  # choices are in model order
    chat.say(
        parse(
            "/choose_category",
            "choose_category",
            entities=[{"entity": "category", "value": "power_outage"}],
        )
    )
    await chat.run(ActionChooseCategory())
    assert chat.slots["department"] == "utilities"


async def test_urgent_requests_get_advice_and_an_urgent_ticket_at_once(
    service: HotlineService,
) -> None:
    chat = Conversation()
    chat.say(
        parse(
            "小区里一股很浓的煤气味，好像燃气泄漏了",
            "gas_service",
            urgent=True,
            request_type="求助",
        )
    )
    await chat.run(ActionReceiveRequest())
    [view] = tickets(service)
    assert chat.replies[0]["text"].startswith("【安全提示】请立即离开现场")
    assert "119" in chat.replies[0]["text"]
    assert view.priority == "urgent" and view.department == "utilities"
    assert view.number in chat.text and "具体位置" in chat.text
    assert chat.slots["stage"] == "urgent"
    chat.say(parse("在金桂园3期5栋", "inform"))
    await chat.run(ActionAddInformation())
    events = service.get_ticket(view.number).events
    assert any(e.action == "add_information" and "金桂园" in (e.note or "") for e in events)


@pytest.mark.parametrize(
    ("text", "intent", "advice"),
    [
        ("电梯困人了，我被困在电梯里", "elevator_fault", "不要强行扒门"),
        ("楼下有人拿刀砍人", "public_order", "110"),
        ("路边有个老人晕倒了", "hospital_service", "120"),
    ],
)
async def test_urgent_advice_matches_the_danger(text: str, intent: str, advice: str) -> None:
    chat = Conversation()
    chat.say(parse(text, intent, urgent=True))
    await chat.run(ActionReceiveRequest())
    assert advice in chat.replies[0]["text"]


async def test_consultations_are_answered_from_the_knowledge_base(
    service: HotlineService,
) -> None:
    chat = Conversation()
    text = "我想问一下低保申请需要什么条件"
    chat.say(parse(text, "subsistence_allowance", 0.71, request_type="咨询"))
    await chat.run(ActionReceiveRequest())
    assert "低保" in chat.text and "是否解决了您的问题" in chat.text
    assert chat.slots["stage"] == "answered"
    assert tickets(service) == []
    chat.say(parse("需要登记", "affirm"))
    await chat.run(ActionChooseCategory())
    assert chat.slots["stage"] == "form"
    assert chat.slots["department"] == "civil_affairs"


async def test_a_report_is_not_mistaken_for_a_question(service: HotlineService) -> None:
    chat = Conversation()
    chat.say(parse("公司拖欠我三个月工资不发", "wage_arrears", request_type="求助"))
    await chat.run(ActionReceiveRequest())
    assert chat.slots["stage"] == "form"


async def test_two_problems_in_one_message_get_two_tickets(service: HotlineService) -> None:
    noise = "楼上装修噪音太大了"
    light = "小区门口的路灯也不亮"
    parser = ScriptedParser(
        {
            noise: parse(noise, "construction_noise", 0.8),
            light: parse(light, "street_light", 0.9),
        }
    )
    wire(service, parser)
    chat = Conversation()
    chat.say(parse(f"{noise}，另外{light}", "street_light", 0.52, request_type="投诉"))
    await chat.run(ActionReceiveRequest())
    assert "分别立单" in chat.text
    chat.say(parse("幸福路88号", "inform"), address="幸福路88号", phone="none")
    await chat.run(ActionConfirmReport())
    assert "另一个问题" in chat.text
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    views = tickets(service)
    assert sorted(v.category for v in views) == ["construction_noise", "street_light"]
    assert all(v.number in chat.text for v in views)


async def test_a_second_problem_is_skipped_when_the_parser_is_down(
    service: HotlineService,
) -> None:
    chat = Conversation()  # the default ScriptedParser answers nothing
    chat.say(parse("楼上装修噪音太大了，另外小区门口的路灯也不亮", "street_light", 0.52))
    await chat.run(ActionReceiveRequest())
    assert chat.slots["stage"] == "form" and not chat.slots["extra_problems"]


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("今天天气怎么样", "out_of_scope", "不在12345热线的受理范围"),
        ("讲个笑话", "chitchat", "12345热线助手"),
        ("阿斯顿发送到发", "nlu_fallback", None),
        ("   ", "nlu_fallback", "请用一两句话"),
        ("幸福路88号", "inform", "请先用一两句话描述"),
    ],
)
async def test_non_requests_get_a_short_answer_and_no_ticket(
    service: HotlineService, text: str, intent: str, expected: str | None
) -> None:
    chat = Conversation()
    chat.say(parse(text, intent, 0.6, ranking=[(intent, 0.6), ("greet", 0.1)]))
    await chat.run(ActionReceiveRequest())
    assert chat.slots["stage"] == "idle"
    if expected:
        assert expected in chat.text
    else:
        assert chat.replies[0].get("response") == "utter_default"
    assert tickets(service) == []


async def test_too_long_text_is_refused_with_its_length(service: HotlineService) -> None:
    chat = Conversation()
    chat.say(parse("路灯坏了" * 2000, "street_light"))
    await chat.run(ActionReceiveRequest())
    assert "太长了" in chat.text and tickets(service) == []


async def test_cancel_drops_the_draft(service: HotlineService) -> None:
    chat = Conversation()
    await report_light(chat)
    chat.active_loop = {"name": "report_form"}
    chat.say(parse("算了不报了", "deny"))
    await chat.run(ActionCancelReport())
    assert "已取消" in chat.text and chat.active_loop == {}
    assert chat.slots["description"] is None and tickets(service) == []


def open_for(service: HotlineService, user: str = "42", text: str = LIGHT) -> str:
    return service.open_ticket(
        NewTicket(
            channel="telegram", channel_user_id=user, description=text, category="street_light"
        )
    ).number


async def test_status_lists_only_my_tickets(service: HotlineService) -> None:
    mine = open_for(service)
    theirs = open_for(service, user="99")
    chat = Conversation()
    chat.say(parse("我的工单", "check_status"))
    await chat.run(ActionShowStatus())
    assert mine in chat.text and theirs not in chat.text
    assert "城市管理局" in chat.text and "答复时限" in chat.text
    chat.say(parse(f"工单{theirs}进度怎么样了", "check_status"))
    await chat.run(ActionShowStatus())
    assert "没有找到您名下的这张工单" in chat.text and "幸福" not in chat.text


async def test_status_shows_the_latest_answer(service: HotlineService) -> None:
    number = open_for(service)
    service.accept(number, STAFF)
    service.resolve(number, STAFF, "路灯已修复。")
    chat = Conversation()
    chat.say(parse(f"{number}办得怎么样了", "check_status"))
    await chat.run(ActionShowStatus())
    assert "路灯已修复" in chat.text


async def test_status_without_tickets() -> None:
    chat = Conversation("telegram:7")
    chat.say(parse("我的工单", "check_status"))
    await chat.run(ActionShowStatus())
    assert "还没有工单" in chat.text


async def test_add_information_goes_to_my_latest_open_ticket(service: HotlineService) -> None:
    number = open_for(service)
    chat = Conversation()
    chat.say(parse("再补充一句 晚上十点以后最严重", "add_information"))
    await chat.run(ActionAddInformation())
    assert number in chat.text
    notes = [e.note for e in service.get_ticket(number).events]
    assert "再补充一句 晚上十点以后最严重" in notes


async def test_add_information_without_a_ticket() -> None:
    chat = Conversation("telegram:5")
    chat.say(parse("我想补充一下", "add_information"))
    await chat.run(ActionAddInformation())
    assert "没有办理中的工单" in chat.text


async def test_withdraw_my_ticket_but_never_someone_elses(service: HotlineService) -> None:
    theirs = open_for(service, user="99")
    chat = Conversation()
    chat.say(parse(f"撤销工单{theirs}", "withdraw_ticket"))
    await chat.run(ActionWithdrawTicket())
    assert service.get_ticket(theirs).status == "dispatched"
    mine = open_for(service)
    chat.say(parse("我要撤销工单", "withdraw_ticket"))
    await chat.run(ActionWithdrawTicket())
    assert mine in chat.text and "已撤销" in chat.text
    assert service.get_ticket(mine).status == "withdrawn"


async def test_a_human_gets_the_transcript(service: HotlineService) -> None:
    number = open_for(service)
    chat = Conversation()
    chat.say(parse("路灯还是不亮", "street_light"))
    chat.events.append({"event": "bot", "text": "好的"})
    chat.say(parse("转人工", "request_human"))
    await chat.run(ActionRequestHuman())
    view = service.get_ticket(number)
    assert view.needs_human and number in chat.text
    flagged = [e for e in view.events if e.action == "flag_for_human"]
    assert flagged and "市民：路灯还是不亮" in (flagged[0].note or "")


async def test_a_human_mid_form_registers_the_draft_for_a_dispatcher(
    service: HotlineService,
) -> None:
    chat = Conversation()
    chat.say(parse(LIGHT, "street_light", request_type="求助"))
    await chat.run(ActionReceiveRequest())
    chat.active_loop = {"name": "report_form"}
    chat.say(parse("转人工", "request_human"))
    await chat.run(ActionRequestHuman())
    [view] = tickets(service)
    assert view.needs_human and view.description == LIGHT
    assert chat.active_loop == {} and chat.slots["stage"] == "idle"


async def test_survey_satisfied_closes_and_unsatisfied_reopens(service: HotlineService) -> None:
    number = open_for(service)
    service.accept(number, STAFF)
    service.resolve(number, STAFF, "已修复")
    chat = Conversation()
    chat.say(
        parse(
            "不满意，问题根本没解决",
            "rate_service",
            entities=[{"entity": "rating", "value": "unsatisfied"}],
        )
    )
    await chat.run(ActionRateTicket())
    assert "重办" in chat.text
    assert service.get_ticket(number).status == "dispatched"
    service.accept(number, STAFF)
    service.resolve(number, STAFF, "这次修好了")
    chat.say(parse("满意", "rate_service"))
    await chat.run(ActionRateTicket())
    assert "已办结" in chat.text
    assert service.get_ticket(number).status == "closed"


async def test_survey_without_a_score_asks_with_buttons_and_without_a_ticket_says_so() -> None:
    chat = Conversation()
    chat.say(parse("评价一下", "rate_service"))
    await chat.run(ActionRateTicket())
    assert [b["title"] for b in chat.buttons()] == ["满意", "基本满意", "不满意"]
    chat.say(parse("满意", "rate_service"))
    await chat.run(ActionRateTicket())
    assert "没有等待评价的工单" in chat.text


async def test_wrong_category_after_the_ticket_asks_a_dispatcher(service: HotlineService) -> None:
    chat = Conversation()
    await report_light(chat)
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    chat.say(parse("分错了", "correct_category"))
    await chat.run(ActionOfferCategories())
    number = chat.slots["last_ticket"]
    assert number in chat.text
    assert service.get_ticket(number).needs_human


async def test_confirming_again_after_a_lost_answer_opens_no_second_ticket(
    service: HotlineService,
) -> None:
    """The action server died after the commit: Rasa lost the events, the citizen presses
    确认提交 again (a new message) and gets the same ticket."""
    chat = Conversation()
    await report_light(chat)
    saved = dict(chat.slots)
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    chat.slots = saved
    chat.say(parse("确认提交", "affirm"))
    await chat.run(ActionOpenTicket())
    [view] = tickets(service)
    assert view.number in chat.text


async def test_a_location_shared_at_confirmation_replaces_the_typed_place(
    service: HotlineService,
) -> None:
    chat = Conversation()
    await report_light(chat)
    chat.say(
        parse('/inform{"latitude": 31.23, "longitude": 121.47}', "inform"),
        latitude=31.23,
        longitude=121.47,
    )
    await chat.run(ActionUpdateDraft())
    await chat.run(ActionConfirmReport())
    assert "已收到您发送的定位" in chat.text and "幸福路88号" not in chat.text
    chat.say(parse("确认", "affirm"))
    await chat.run(ActionOpenTicket())
    [view] = tickets(service)
    assert view.address is None
