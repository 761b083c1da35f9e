"""The citizen conversation turn by turn (action_converse with scripted parses) against the
real service and database: nothing the citizen says loses a draft, corrections land, the
context holds, and every ticket written is the one the citizen confirmed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.wiring import install
from hotline.domain.clock import ManualClock
from hotline.domain.reading import enumerated_asks
from hotline.domain.tickets import Actor
from hotline.paths import ROOT
from hotline.services.container import Services
from hotline.services.conversation import SMALL_TALK, ResponseMissing, dial_first, load_responses
from hotline.services.conversation.responses import USED
from hotline.services.snapshots import TicketView
from hotline.services.views import TicketFilter
from tests.support.dialogue import Conversation, ScriptedParser, parse, wire

STAFF = Actor(role="staff", id="tg:7", department="urban_management")
DISPATCHER = Actor(role="dispatcher", id="tg:9")
LIGHT = "我家楼下的路灯坏了好几天了，晚上黑漆漆的"


@pytest.fixture(autouse=True)
def wired(service: Services) -> Iterator[None]:
    wire(service)
    yield
    install(None)


def tickets(service: Services, sender: str = "telegram:42") -> list[TicketView]:
    return service.views.list_tickets(TicketFilter(citizen=sender))


def light() -> dict[str, Any]:
    return parse(LIGHT, "street_light", 0.87, request_type="求助")


async def to_summary(chat: Conversation, place: str = "幸福路88号") -> str:
    """The plain path up to the confirmation summary."""
    first = await chat.send(light())
    assert "地点" in first
    await chat.send(parse(place, "inform"))
    return await chat.send(parse("不用", "deny"))


# ---------------------------------------------------------------- nothing is lost


@pytest.mark.parametrize(
    "word",
    ["确认", "好的", "提交", "中 就这样", "可以", "行", "没问题", "对", "嗯嗯，提交吧", "/affirm"],
)
async def test_natural_confirmations_file_the_report(service: Services, word: str) -> None:
    chat = Conversation()
    summary = await to_summary(chat)
    assert "幸福路88号" in summary and "不留电话" in summary
    said = await chat.send(parse(word, "affirm" if word != "中 就这样" else "nlu_fallback"))
    [ticket] = tickets(service)
    assert ticket.number in said and ticket.address == "幸福路88号"
    assert ticket.department == "urban_management"


async def test_an_unexpected_message_at_the_summary_keeps_the_draft(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    said = await chat.send(parse("啊？", "nonsense"))
    assert "没有提交" in said and "请核对" in said
    assert chat.draft is not None and chat.draft["status"] == "confirming"
    said = await chat.send(parse("你是机器人吗", "bot_challenge"))
    assert "智能助手" in said and "请核对" in said
    said = await chat.send(parse("确认", "affirm"))
    assert len(tickets(service)) == 1


async def test_the_place_or_story_said_again_at_the_summary_is_kept_once(
    service: Services,
) -> None:
    """Citizens repeat themselves when unsure the bot heard: no 补充 line per repetition."""
    chat = Conversation()
    await to_summary(chat, place="清浦区 和平路 天一城 南门")
    for _ in range(2):
        said = await chat.send(parse("清浦区 和平路 天一城 南门", "inform"))
        assert "已经记下" in said and "请核对" in said
    said = await chat.send(parse("晚上黑漆漆的", "inform"))
    assert "已经记下" in said
    said = await chat.send(parse("已经有老人在那里摔倒过两次了", "street_light", 0.6))
    assert "已补充" in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "清浦区 和平路 天一城 南门"
    assert ticket.description.count("补充：") == 1 and "摔倒过两次" in ticket.description


async def test_a_citizen_who_forgot_the_number_is_shown_their_tickets(
    service: Services,
) -> None:
    chat = Conversation()
    said = await chat.send(parse("工单号我忘了", "nlu_fallback"))
    assert "还没有工单记录" in said and "12345" in said  # filed by phone: where to ask
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    said = await chat.send(parse("我忘了工单号，上次报的路灯怎么样了", "nlu_fallback"))
    assert ticket.number in said


async def test_a_public_subject_the_kb_lacks_is_offered_as_a_consultation(
    service: Services,
) -> None:
    """公积金: no department of ours, not in the KB, yet a public matter (not 不在受理范围)."""
    chat = Conversation()
    said = await chat.send(parse("请问公积金贷款额度怎么算", "out_of_scope", 0.4))
    assert "暂时没有现成的解答" in said and "不在12345" not in said
    said = await chat.send(parse("需要登记", "affirm"))
    assert "地点" not in said and "结婚" not in said  # a question has no place; no KB detour
    for _ in range(3):
        if "请核对" in said:
            break
        said = await chat.send(parse("不用", "deny"))
    said = await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.request_type == "咨询" and "公积金" in ticket.description


async def test_asking_us_to_look_into_it_after_a_question_files_a_report(
    service: Services,
) -> None:
    """ "我是不是被骗了…" then "这个可以查一下吗": the citizen now wants action, not an answer."""
    chat = Conversation()
    story = "我是不是被骗了，有人说帮我办低保要先交两千手续费"
    said = await chat.send(parse(story, "fraud_report", 0.5, request_type="咨询"))
    assert "暂时没有现成的解答" in said
    said = await chat.send(parse("这个可以查一下吗", "out_of_scope", 0.4))
    assert "一并记下" not in said and "地点" in said  # a report: where did it happen
    await chat.send(parse("清浦区和平路12号", "inform"))
    said = await chat.send(parse("不用", "deny"))
    assert "请核对" in said and "公安局" in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.request_type == "举报" and "手续费" in ticket.description  # fraud's own type
    assert "查一下" in ticket.description


async def test_asking_where_to_look_it_up_is_still_a_question(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(parse("公积金能提取出来付房租吗", "out_of_scope", 0.4))
    assert "暂时没有现成的解答" in said
    said = await chat.send(parse("那在哪里可以查", "out_of_scope", 0.4))
    assert "一并记下" in said and "地点" not in said


async def test_an_uncovered_subject_with_an_unsure_routing_is_still_a_question(
    service: Services,
) -> None:
    chat = Conversation()
    ranking = [("public_housing", 0.3), ("property_certificate", 0.2), ("pension", 0.1)]
    said = await chat.send(
        parse("公积金能提取出来付房租吗", "public_housing", 0.3, ranking=ranking)
    )
    assert "暂时没有现成的解答" in said and "相关部门" in said and "地点" not in said
    said = await chat.send(parse("那提取呢", "out_of_scope", 0.5))
    assert "一并记下" in said and "不在12345" not in said
    said = await chat.send(parse("需要登记", "affirm"))
    assert "地点" not in said
    for _ in range(3):
        if "请核对" in said:
            break
        said = await chat.send(parse("不用", "deny"))
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert "公积金" in ticket.description and "那提取呢" in ticket.description


async def test_a_stale_confirm_button_after_filing_names_the_ticket(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    said = await chat.send(parse("/affirm", "affirm"))
    [ticket] = tickets(service)
    assert ticket.number in said and "不用重复" in said


@pytest.mark.parametrize("word", ["不提交了，取消吧", "算了", "取消", "/deny"])
async def test_natural_cancels_end_the_draft_and_say_so(service: Services, word: str) -> None:
    chat = Conversation()
    await to_summary(chat)
    said = await chat.send(parse(word, "deny"))
    assert "取消" in said and "没有提交" in said
    assert chat.draft is None and tickets(service) == []


async def test_an_abandoned_draft_is_offered_back(service: Services, clock: ManualClock) -> None:
    chat = Conversation()
    await to_summary(chat)
    clock.advance(timedelta(hours=3))
    said = await chat.send(parse("你好", "greet"))
    assert "未提交的诉求" in said and "路灯" in said
    said = await chat.send(parse("继续提交", "affirm"))
    assert "请核对" in said and "幸福路88号" in said
    await chat.send(parse("提交", "affirm"))
    assert len(tickets(service)) == 1


async def test_goodbye_mid_draft_keeps_it_for_next_time(service: Services) -> None:
    chat = Conversation()
    await chat.send(light())
    said = await chat.send(parse("拜拜", "goodbye"))
    assert "还没有提交" in said
    said = await chat.send(parse("你好", "greet"))
    assert "未提交的诉求" in said


# ---------------------------------------------------------------- forms that ask


async def test_the_first_turn_asks_one_question_without_scolding(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(
        parse("商场里买的衣服质量有问题，商家拒绝退货", "consumer_refund", 0.9, request_type="投诉")
    )
    assert "格式不对" not in said and "不完整" not in said and "100字" not in said
    assert said.count("？") == 1 and "地点" in said


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        ("0371 6688 1234", "037166881234"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("一三八一二三四五六七八", "13812345678"),
        ("我电话是13912345678，白天打", "13912345678"),
        ("电话就不留了吧", None),
        ("不方便", None),
    ],
)
async def test_phones_written_any_way(service: Services, answer: str, stored: str | None) -> None:
    chat = Conversation()
    await chat.send(light())
    await chat.send(parse("幸福路88号", "inform"))
    said = await chat.send(parse(answer, "inform"))
    assert "格式不对" not in said and "请核对" in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    with service.sessions() as session:
        from hotline.storage.models import Ticket

        row = session.query(Ticket).filter_by(number=ticket.number).one()
        assert row.contact_phone == stored


@pytest.mark.parametrize("yes", ["是的", "可以", "方便的", "嗯，好的", "行啊", "可以留"])
async def test_a_yes_to_the_phone_question_asks_for_the_number(service: Services, yes: str) -> None:
    chat = Conversation()
    await chat.send(light())
    await chat.send(parse("幸福路88号", "inform"))
    said = await chat.send(parse(yes, "affirm"))
    assert "请直接发送联系电话" in said and "请核对" not in said
    said = await chat.send(parse(yes, "affirm"))  # said twice: still no skip
    assert "请直接发送联系电话" in said and "先不留电话" not in said
    said = await chat.send(parse("13812345678", "inform"))
    assert "请核对" in said and "138****5678" in said


# ---------------------------------------------------------------- corrections


async def test_place_corrected_at_the_summary_replaces_it_whole(service: Services) -> None:
    chat = Conversation()
    await to_summary(chat)
    said = await chat.send(parse("地址不对，是镇淮楼东路12号", "inform"))
    assert "镇淮楼东路12号" in said and "幸福路88号" not in said
    await chat.send(parse("对", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "镇淮楼东路12号"


async def test_a_fuller_place_typed_at_the_summary_completes_the_place(
    service: Services,
) -> None:
    """The place was taken from the report ("学校后面那条小河沟"); typed again in full at the
    summary it is the place, not a line added to the description."""
    chat = Conversation()
    await to_summary(chat, place="学校后面那条小河沟")
    said = await chat.send(parse("稻香路向阳中学后墙外那条小河沟", "inform"))
    assert "已更新地点" in said and "稻香路向阳中学后墙外那条小河沟" in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "稻香路向阳中学后墙外那条小河沟"
    assert "补充" not in ticket.description


async def test_a_remark_after_the_place_goes_into_the_description(service: Services) -> None:
    chat = Conversation()
    await chat.send(parse("楼上噪音太大了受不了", "neighbour_noise", 0.9, request_type="投诉"))
    said = await chat.send(parse("我家在金沙湾小区3栋，楼上天天半夜拖凳子", "inform"))
    assert chat.draft is not None and chat.draft["address"] == "金沙湾小区3栋"
    assert "楼上天天半夜拖凳子" in chat.draft["description"]
    assert said


async def test_a_phone_and_a_name_given_with_the_place_stay_out_of_place_and_description(
    service: Services,
) -> None:
    """ "…后门，下水道返臭，我电话139…，我姓吴": the phone is the contact, the name goes, and
    neither reaches the description the department reads."""
    chat = Conversation()
    await chat.send(light())
    await chat.send(parse("钱庄巷7号后门，路灯一直不亮，我电话13900001234，我姓吴", "inform"))
    assert chat.draft is not None and chat.draft["address"] == "钱庄巷7号后门"
    assert chat.draft["phone"] == "13900001234"
    assert "路灯一直不亮" in chat.draft["description"]
    assert "1390" not in chat.draft["description"] and "姓吴" not in chat.draft["description"]


async def test_a_question_asked_in_passing_is_answered_and_the_report_taken(
    service: Services,
) -> None:
    chat = Conversation()
    said = await chat.send(
        parse(
            "我要反映，小区门口的公交站上个月挪到一公里外了，能不能挪回来？"
            "顺便问一句，社区的老年食堂我68岁能去吃吗？",
            "bus_service",
            0.9,
            request_type="投诉",
        )
    )
    assert "先回答您问的" in said and "助餐" in said  # answered from the knowledge base
    assert "我来为您登记" in said  # …and the report goes on
    assert chat.draft is not None and chat.draft["category"] == "bus_service"


async def test_a_report_with_a_question_in_passing_is_routed_on_its_own_words(
    service: Services,
) -> None:
    report = "菜场边上的公厕天天锁着门，请城管管一下。再问个事，"
    text = report + "退伍的去医院体检有优惠吗"
    wire(service, ScriptedParser({report: parse(report, "public_toilet", 0.9)}))
    chat = Conversation()
    ranking = [("public_toilet", 0.4), ("veteran_benefits", 0.3), ("family_doctor", 0.1)]
    said = await chat.send(parse(text, "public_toilet", 0.4, ranking=ranking))
    assert "先回答您问的" in said and "退役军人" in said  # the question answered first
    assert "退役军人事务局（" not in said  # …and not offered as the report's department
    assert chat.draft is not None and chat.draft["category"] == "public_toilet"
    assert chat.draft["description"] == text  # the whole message is kept


async def test_two_matters_in_one_message_are_both_kept(service: Services) -> None:
    report = "楼下烧烤摊天天弄到半夜，油烟大得很，请城管来管管。完了俺正经要问的："
    question = "完了俺正经要问的：俺娘一个人在家，腿脚不好，那个老年助餐点能不能送饭上门"
    text = report + "俺娘一个人在家，腿脚不好，那个老年助餐点能不能送饭上门？"
    answers = {report: parse(report, "street_vendor", 0.9)}
    answers[question] = parse(question, "elderly_care", 0.9)  # read alone, it routes too
    wire(service, ScriptedParser(answers))
    chat = Conversation()
    said = await chat.send(parse(text, "street_vendor", 0.6, request_type="投诉"))
    assert "先回答您问的" in said and "送餐" in said  # the question is answered…
    assert chat.draft is not None and chat.draft["category"] == "street_vendor"  # …and the report
    assert chat.draft["description"] == text  # taken, with the whole message…
    assert chat.draft["extra"] == [] and "两件事" not in said  # …the answered one no ticket
    assert "弄" not in said.split("请问具体地点")[0][-12:]  # 弄到半夜 is no lane to ask about


async def test_phone_and_shop_corrected_before_confirming(service: Services) -> None:
    chat = Conversation()
    await chat.send(
        parse("这家烤鱼店卖的鱼不新鲜，吃了拉肚子", "food_safety", 0.9, request_type="投诉")
    )
    await chat.send(parse("解放路18号", "inform"))
    await chat.send(parse("13812345678", "inform"))
    said = await chat.send(parse("我不是说了吗，老王烤鱼", "inform"))
    assert "老王烤鱼" in said and "我不是说了吗" not in said
    said = await chat.send(parse("电话改成13900001111", "inform"))
    assert "139****1111" in said
    await chat.send(parse("好的", "affirm"))
    [ticket] = tickets(service)
    with service.sessions() as session:
        from hotline.storage.models import Ticket

        row = session.query(Ticket).filter_by(number=ticket.number).one()
        assert row.details == {"shop": "老王烤鱼"}


async def test_ordinal_and_typed_choices_pick_what_was_said(service: Services) -> None:
    chat = Conversation()
    ranking = [("consumer_refund", 0.3), ("bus_service", 0.25), ("street_light", 0.2)]
    said = await chat.send(
        parse("我要反映个事，东西坏了没人管", "consumer_refund", 0.3, ranking=ranking)
    )
    assert "哪个部门" in said
    said = await chat.send(parse("第二个", "choose_category"))
    assert chat.draft is not None and chat.draft["category"] == "bus_service"

    other = Conversation("telegram:43")
    await other.send(parse("我要反映个事，东西坏了没人管", "consumer_refund", 0.3, ranking=ranking))
    await other.send(parse("市场监督管理局", "nlu_fallback"))
    assert other.draft is not None and other.draft["department"] == "market_regulation"


async def test_a_place_typed_while_a_department_is_chosen_is_the_place(
    service: Services,
) -> None:
    """ "…右手第三栋楼…" is a place, not the third department; "人行道" names no place."""
    chat = Conversation()
    ranking = [("green_space", 0.3), ("road_damage", 0.28), ("street_vendor", 0.25)]
    said = await chat.send(
        parse("人行道上的地砖翘起来了 老人容易绊倒", "green_space", 0.3, ranking=ranking)
    )
    assert "哪个部门" in said
    place = "凤鸣区碧水蓝天小区西门进去右手第三栋楼也就是18栋1单元楼下"
    said = await chat.send(parse(place, "inform"))
    assert chat.draft is not None and chat.draft["category"] is None
    assert chat.draft["address"] == place and "哪个部门" in said
    await chat.send(parse("第二个", "choose_category"))
    assert chat.draft["category"] == "road_damage" and chat.draft["address"] == place


# ---------------------------------------------------------------- context


async def test_registering_after_an_answer_carries_the_question(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(parse("低保怎么申请", "subsistence_allowance", 0.8, request_type="咨询"))
    assert "地点" not in said and "登记" in said
    assert (chat.slots["conversation"]["topic"] or {}).get("group")
    said = await chat.send(parse("我不要登记，就是问问", "deny"))
    assert "不登记" in said and chat.draft is None
    said = await chat.send(parse("需要登记", "affirm"))
    assert "登记" in said
    assert chat.draft is not None and "低保" in chat.draft["description"]


async def test_a_complaint_the_type_model_reads_as_a_question_is_taken_as_a_report(
    service: Services,
) -> None:
    """家庭医生 is mostly asked about, so the request-type model says 咨询; a complaint that asks
    nothing is still a report: the citizen is asked where, not offered a 咨询 registration."""
    chat = Conversation()
    said = await chat.send(
        parse("社区卫生服务中心的护士打针不消毒", "family_doctor", 0.8, request_type="咨询")
    )
    assert "暂时没有现成的解答" not in said and "咨询件" not in said
    assert chat.draft is not None and "不消毒" in chat.draft["description"]


async def test_an_address_the_model_reads_as_a_status_query_answers_the_place_question(
    service: Services,
) -> None:
    """ "锦绣名邸3-2-501" looks like a ticket number to the model; asked for the place, it is
    the place, and a real ticket number still asks for that ticket."""
    chat = Conversation()
    said = await chat.send(parse("楼下的路灯坏了好几天了", "street_light", 0.9))
    assert "具体地点" in said
    said = await chat.send(parse("锦绣名邸3-2-501", "check_status", 0.8))
    assert "还没有工单记录" not in said
    assert chat.draft is not None and chat.draft.get("address") == "锦绣名邸3-2-501"


async def test_a_follow_up_the_answer_cannot_cover_is_not_the_same_answer_again(
    service: Services,
) -> None:
    chat = Conversation()
    first = await chat.send(
        parse("工会的困难职工帮扶怎么申请", "worker_assistance", 0.8, request_type="咨询")
    )
    assert "困难职工" in first
    again = await chat.send(parse("要带什么材料", "inform"))
    assert "需要的材料" in again and "目前掌握的全部信息" in again and "需要登记" in again
    assert again.count("困难职工") < first.count("困难职工")  # not the whole answer repeated
    said = await chat.send(parse("需要登记", "affirm"))
    assert chat.draft is not None and "要带什么材料" in chat.draft["description"]
    assert "具体地点" not in said


async def test_a_reply_to_an_answer_rates_that_ticket(service: Services) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    service.tickets.accept(ticket.number, STAFF)
    service.tickets.resolve(ticket.number, STAFF, "已修复损坏设施")
    said = await chat.send(parse("不满意，路灯根本没修好", "street_light", 0.8))
    assert "重办" in said and ticket.number in said
    assert len(tickets(service)) == 1


async def test_a_merged_tickets_citizen_sees_the_lead_and_its_answer(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [mine] = tickets(service)
    other = Conversation(sender="telegram:43")
    await to_summary(other)
    await other.send(parse("确认", "affirm"))
    [lead] = tickets(service, "telegram:43")
    service.tickets.merge(mine.number, lead.number, DISPATCHER, "同一盏路灯")
    service.tickets.accept(lead.number, STAFF)
    service.tickets.resolve(lead.number, STAFF, "已更换路灯灯泡，恢复照明")
    said = await chat.send(parse("我的工单", "check_status"))
    assert "已合并" in said and f"已并入工单 {lead.number}" in said
    assert "已更换路灯灯泡，恢复照明" in said


async def test_with_two_answered_tickets_the_assistant_asks_which(service: Services) -> None:
    chat = Conversation()
    numbers = []
    for place in ("幸福路88号", "解放路1号"):
        await to_summary(chat, place)
        await chat.send(parse("确认", "affirm"))
    for view in tickets(service):
        numbers.append(view.number)
        service.tickets.accept(view.number, STAFF)
        service.tickets.resolve(view.number, STAFF, "已修复损坏设施")
    said = await chat.send(parse("不满意", "rate_service"))
    assert "哪一张" in said
    said = await chat.send(parse("第二个", "choose_category"))
    rated = [v for v in tickets(service) if v.status != "resolved"]
    assert len(rated) == 1 and rated[0].number in said


async def test_a_chase_is_recorded_and_the_department_reminded(service: Services) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    said = await chat.send(parse("帮我催一下那个单子", "street_light", 0.5))
    assert "催办" in said and ticket.number in said
    assert len(tickets(service)) == 1
    events = [e.action for e in service.views.get_ticket(ticket.number).events]
    assert "chase" in events


async def test_added_information_stores_the_content_not_the_trigger(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    said = await chat.send(parse("我想补充一下情况", "add_information"))
    assert "补充" in said
    said = await chat.send(parse("其实是两盏灯都不亮，靠近公交站那边", "street_light", 0.7))
    [ticket] = tickets(service)
    notes = [
        e.note
        for e in service.views.get_ticket(ticket.number).events
        if e.action == "add_information"
    ]
    assert notes == ["其实是两盏灯都不亮，靠近公交站那边"]
    said = await chat.send(parse("补充：地址改成幸福路90号", "add_information"))
    assert service.views.get_ticket(ticket.number).address == "幸福路90号"


# ---------------------------------------------------------------- urgent


async def test_medical_distress_after_an_urgent_ticket_goes_onto_it(
    service: Services,
) -> None:
    chat = Conversation()
    said = await chat.send(
        parse(
            "电梯困人了！我妈被困在电梯里", "elevator_fault", 0.9, urgent=True, request_type="求助"
        )
    )
    assert "紧急工单" in said
    said = await chat.send(
        parse("她有高血压现在有点喘不上气", "gas_service", 0.4, urgent=True, request_type="求助")
    )
    assert said.index("120") < said.index("工单")
    assert "燃气" not in said and "煤气" not in said
    said = await chat.send(parse("在阳光花园小区7栋", "inform"))
    [ticket] = tickets(service)
    assert ticket.priority == "urgent" and ticket.address == "阳光花园小区7栋"


async def test_violence_says_110_first(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(
        parse("楼下有人拿刀打人了快来", "public_order", 0.9, urgent=True, request_type="求助")
    )
    assert said.startswith("请立即拨打110")


async def test_a_danger_read_as_small_talk_is_still_an_emergency(service: Services) -> None:
    """The intent model did not know the Cantonese; the urgency signal did."""
    chat = Conversation()
    said = await chat.send(
        parse("我个女喺商场唔见咗 五岁 着红色裙", "out_of_scope", 0.36, urgent=True)
    )
    assert "110" in said and "紧急工单" in said
    [ticket] = tickets(service)
    assert ticket.priority == "urgent"


# ---------------------------------------------------------------- not tickets


async def test_praise_is_recorded_and_thanked(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(
        parse("表扬一下城管的小李，路灯修得很快", "street_light", 0.8, request_type="表扬")
    )
    assert "谢谢" in said
    [ticket] = tickets(service)
    assert ticket.request_type == "表扬" and ticket.department == "urban_management"


async def test_praise_the_model_is_unsure_of_is_still_praise(service: Services) -> None:
    """天不亮 is the hour the sweepers start, not a lamp out: no department buttons."""
    chat = Conversation()
    said = await chat.send(
        parse("我要表扬环卫工人，每天天不亮就把这条街扫得干干净净", "nlu_fallback", 0.3)
    )
    assert "谢谢" in said and "哪个部门" not in said
    [ticket] = tickets(service)
    assert ticket.request_type == "表扬"


async def test_a_private_loan_gets_a_pointer_not_a_ticket(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(parse("朋友借了我五万块钱一直不还怎么办", "private_dispute", 0.7))
    assert "人民调解" in said and "法院" in said
    assert tickets(service) == [] and chat.draft is None


# ---------------------------------------------------------------- every channel hears back


async def test_chat_endpoint_citizens_get_their_messages_on_the_next_turn(
    service: Services,
) -> None:
    chat = Conversation("rest:web-7")
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service, "rest:web-7")
    service.tickets.accept(ticket.number, STAFF)
    said = await chat.send(parse("你好", "greet"))
    assert ticket.number in said and "签收" in said
    said = await chat.send(parse("你好", "greet"))
    assert "签收" not in said  # delivered once


async def test_a_replayed_turn_is_answered_again_without_a_second_ticket(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    first = chat.text
    await chat.run()  # Rasa retried the same message
    assert chat.text == first
    assert len(tickets(service)) == 1


async def test_unread_messages_for_chat_endpoint_citizens_expire_visibly(
    service: Services, clock: ManualClock
) -> None:
    chat = Conversation("rest:gone")
    await to_summary(chat)
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service, "rest:gone")
    service.tickets.accept(ticket.number, STAFF)
    clock.advance(timedelta(days=15))
    assert service.tickets.expire_unpulled() == 1
    said = await chat.send(parse("你好", "greet"))
    assert "签收" not in said
    with service.sessions() as session:
        from hotline.storage.models import OutboxMessage

        statuses = {m.status for m in session.query(OutboxMessage).filter_by(audience="citizen")}
        assert statuses == {"expired"}


async def test_a_reply_to_a_ticket_message_goes_to_that_ticket(service: Services) -> None:
    chat = Conversation()
    for place in ("幸福路88号", "解放路1号"):
        await to_summary(chat, place)
        await chat.send(parse("确认", "affirm"))
    views = tickets(service)
    for view in views:
        service.tickets.accept(view.number, STAFF)
        service.tickets.resolve(view.number, STAFF, "已修复损坏设施")
    first = min(v.number for v in views)
    message = parse("不满意", "rate_service")
    message["metadata"] = {"reply_to_ticket": first}
    said = await chat.send(message)
    assert "哪一张" not in said and first in said and "重办" in said


async def test_a_filed_tickets_shop_is_corrected_as_added_information(
    service: Services,
) -> None:
    chat = Conversation()
    await chat.send(parse("这家烤鱼店卖的鱼不新鲜，吃了拉肚子", "food_safety", 0.9))
    await chat.send(parse("解放路18号", "inform"))
    await chat.send(parse("不用", "deny"))
    await chat.send(parse("老王烧烤", "inform"))
    await chat.send(parse("确认", "affirm"))
    said = await chat.send(parse("补充一下，店名叫老王烤鱼", "add_information"))
    [ticket] = tickets(service)
    assert "老王烤鱼" in said
    events = service.views.get_ticket(ticket.number).events
    assert any(e.action == "amend" and "老王烧烤 → 老王烤鱼" in (e.note or "") for e in events)


INTENTS = st.sampled_from(
    [
        "street_light",
        "affirm",
        "deny",
        "inform",
        "nonsense",
        "greet",
        "nlu_fallback",
        "check_status",
        "add_information",
        "rate_service",
        "food_safety",
        "choose_category",
    ]
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            "确认",
            "取消",
            "算了",
            "第二个",
            "地址改成人民路1号",
            "13812345678",
            "😀😀",
            "",
            "\x00\x01",
            "/affirm",
            "/deny",
            "'; DROP TABLE tickets; --",
            "路" * 5000,
            "不满意",
            "帮我催一下",
            "我想补充一下情况",
            "都不是",
            "\ud800",
        ]
    ),
    st.text(max_size=80),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(st.tuples(TEXTS, INTENTS, st.booleans()), min_size=1, max_size=8))
async def test_any_sequence_of_turns_gets_answers_and_never_drops_a_draft_silently(
    service: Services, turns: list[tuple[str, str, bool]]
) -> None:
    chat = Conversation(f"telegram:fuzz-{len(turns)}-{abs(hash(str(turns))) % 10**9}")
    for text, intent, urgent in turns:
        before = chat.draft
        said = await chat.send(parse(text, intent, 0.6, urgent=urgent))
        assert said.strip(), (text, intent)
        after = chat.draft
        if before is not None and after is None:
            # a draft only ends in a way the citizen is told about
            assert any(
                word in said
                for word in (
                    "已为您登记",
                    "取消",
                    "没有提交",
                    "转人工",
                    "紧急工单",
                    "不登记",
                    "保存",
                )
            ), said


async def test_category_correction_mid_form_is_never_stored_as_a_value(
    service: Services,
) -> None:
    chat = Conversation()
    ranking = [("property_management", 0.7), ("elevator_fault", 0.2)]
    await chat.send(parse("小区电梯天天坏物业也不修", "property_management", 0.7, ranking=ranking))
    await chat.send(parse("阳光花园7栋", "inform"))
    await chat.send(parse("不用", "deny"))
    said = await chat.send(parse("/correct_category", "correct_category"))
    assert "办理部门" in said
    assert chat.draft is not None and chat.draft.get("detail") is None
    said = await chat.send(parse("第一个", "choose_category"))
    assert chat.draft is not None and chat.draft["category"] == "elevator_fault"


async def test_a_weak_match_is_offered_as_what_the_question_may_be_about(
    service: Services,
) -> None:
    """A subject the KB lacks (宽带费) shares only 低保 with a group: the answer says which
    subject it answers, so the citizen can tell it is not theirs and ask to register."""
    chat = Conversation()
    said = await chat.send(parse("低保户家里的宽带费能不能少交点，找谁办", "out_of_scope", 0.4))
    assert "您问的可能是“" in said and "需要登记" in said
    sure = await Conversation().send(parse("退伍老兵每年有免费体检吗", "veteran_benefits", 0.6))
    assert "可能是" not in sure and "体检" in sure


async def test_gossip_naming_a_policy_word_gets_no_answer_from_the_kb(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(
        parse(
            "乡卫生院新来的李医生长得真俊，听说还没有对象，大伙都想给他介绍呢", "out_of_scope", 0.9
        )
    )
    assert "家庭医生" not in said and "以上解答" not in said and chat.draft is None
    assert not tickets(service)


NOTICE = (
    "【转发】区教育局关于暑期防溺水的温馨提示：各位家长，暑期将至，请看管好孩子，"
    "不要私自到河塘、水库游泳，发现险情请立即报警。转给你们看看"
)


@pytest.mark.parametrize("text", ["早啊，有人在冇", "喂 在不在", "请问有人吗？"])
async def test_someone_checking_we_are_there_is_greeted(service: Services, text: str) -> None:
    """The intent model read 有人在 as 治安秩序 once; a ping is never a report form."""
    chat = Conversation()
    said = await chat.send(parse(text, "public_order", 0.53))
    assert "地点" not in said and chat.draft is None and not tickets(service)


async def test_a_forwarded_notice_is_thanked_not_filed(service: Services) -> None:
    """A notice passed on for information asks nothing: no department buttons, no form."""
    chat = Conversation()
    said = await chat.send(parse(NOTICE, "school_services", 0.3))
    assert said.startswith("收到您转发的通知") and "都不是" not in said
    assert chat.draft is None and not tickets(service)


async def test_a_forwarded_notice_with_a_question_of_ones_own_is_a_request(
    service: Services,
) -> None:
    chat = Conversation()
    said = await chat.send(
        parse(NOTICE + "。我想问一下我们村边那个塘没有护栏，能不能装一个", "rural_road", 0.8)
    )
    assert "收到您转发的通知" not in said, said


async def test_a_new_question_after_an_answer_gets_its_own_topic(service: Services) -> None:
    chat = Conversation()
    first = await chat.send(parse("退伍老兵每年有免费体检吗", "veteran_benefits", 0.6))
    second = await chat.send(parse("街上有个流浪的老人晚上睡桥洞 怎么办", "vagrant_rescue", 0.6))
    assert second.split("\n")[0] != first.split("\n")[0]
    assert "救助" in second


async def test_one_ask_for_a_department_among_numbered_small_talk_is_reported(
    service: Services,
) -> None:
    """Homework, the weather and a school fee in one message: the fee is a request."""
    text = (
        "想问三件事：一是孩子的数学题水池进水出水怎么讲；二是明天降不降温；"
        "三是学校每人收三百块校服押金还不开收据，这合规吗？第三个是我最想问的"
    )
    fee = enumerated_asks(text)[0]
    assert fee.startswith("学校每人收三百块")
    wire(service, ScriptedParser({fee: parse(fee, "school_fees", 0.82)}))
    chat = Conversation()
    said = await chat.send(parse(text, "out_of_scope", 0.6, ranking=[("out_of_scope", 0.6)]))
    assert chat.draft is not None and chat.draft["category"] == "school_fees"
    assert chat.draft["description"].startswith("想问三件事")  # the whole message is kept
    assert "地点" in said or "请核对" in said


async def test_numbered_small_talk_with_nothing_for_a_department_stays_small_talk(
    service: Services,
) -> None:
    text = "两个问题：1. 明天会下雨吗 2. 周末去哪玩比较好"
    chat = Conversation()
    said = await chat.send(parse(text, "out_of_scope", 0.7))
    assert chat.draft is None and not tickets(service) and said


def delivered(message: dict[str, Any], delivery: str) -> dict[str, Any]:
    """The message as a client sends it with its own id (Rasa adds a fresh one regardless)."""
    return {**message, "metadata": {"message_id": delivery}}


async def test_an_urgent_report_resent_after_a_lost_reply_is_filed_once(
    service: Services,
) -> None:
    """The replica that filed it died before the tracker was saved; the client resends."""
    chat = Conversation()
    urgent = parse("燃气管道漏气了 整栋楼都是味道", "gas_service", 0.9, urgent=True)
    first = await chat.send(delivered(urgent, "tg:42:1001"))
    [ticket] = tickets(service)
    assert ticket.number in first
    chat.slots, chat.events = {}, []  # nothing of that turn reached the tracker store
    again = await chat.send(delivered(urgent, "tg:42:1001"))
    assert [t.number for t in tickets(service)] == [ticket.number]
    assert ticket.number in again


async def test_a_confirmation_delivered_twice_files_once_and_answers_the_same(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    said = await chat.send(delivered(parse("确认", "affirm"), "tg:42:2002"))
    again = await chat.send(delivered(parse("确认", "affirm"), "tg:42:2002"))
    [ticket] = tickets(service)
    assert ticket.number in said and again == said


async def test_the_same_words_sent_again_as_a_new_message_are_a_new_turn(
    service: Services,
) -> None:
    """Only the same delivery is a retry: a citizen who reports twice on purpose is heard."""
    chat = Conversation()
    urgent = parse("燃气管道漏气了 整栋楼都是味道", "gas_service", 0.9, urgent=True)
    await chat.send(delivered(urgent, "tg:42:3001"))
    again = await chat.send(delivered(urgent, "tg:42:3002"))
    assert "已" in again and len(tickets(service)) >= 1
    assert chat.slots["conversation"]["seen"][-2:] == ["tg:42:3001", "tg:42:3002"]


async def test_a_place_answer_that_tells_a_danger_files_the_whole_report_urgently(
    service: Services,
) -> None:
    """Found live: the first words of the report were parked and the urgent ticket held only
    the place answer."""
    chat = Conversation()
    said = await chat.send(parse("井盖坏了好几天了", "manhole_cover", 0.8))
    assert "地点" in said
    answer = "在胜利路88号门口，门口的窨井盖没了，晚上好吓人"
    said = await chat.send(parse(answer, "manhole_cover", 0.6, urgent=True))
    [ticket] = tickets(service)
    assert ticket.number in said and ticket.priority == "urgent"
    assert ticket.address == "胜利路88号门口"
    assert ticket.description.startswith("井盖坏了好几天了") and "窨井盖没了" in ticket.description
    assert chat.draft is None and "parked" not in str(chat.slots.get("conversation", {}).keys())


async def test_a_place_said_alone_after_an_urgent_ticket_goes_onto_it(
    service: Services,
) -> None:
    chat = Conversation()
    await chat.send(parse("路边的大树倒了把路堵死了", "tree_hazard", 0.9, urgent=True))
    ranking = [("road_damage", 0.2), ("traffic_signal", 0.15)]
    said = await chat.send(parse("解放路和文化路交叉口", "inform", 0.4, ranking=ranking))
    [ticket] = tickets(service)
    assert ticket.number in said and ticket.address == "解放路和文化路交叉口"


async def test_a_phone_or_a_yes_after_an_urgent_ticket_is_answered_for_that_ticket(
    service: Services,
) -> None:
    chat = Conversation()
    await chat.send(
        parse("学校宿舍好几个人得了肺结核 还住在一起", "infectious_disease", 0.9, urgent=True)
    )
    [ticket] = tickets(service)
    said = await chat.send(parse("138 1234 5678", "inform", 0.5))
    assert ticket.number in said and "138****5678" in said
    said = await chat.send(parse("提交", "affirm", 0.9))
    assert "不需要再提交" in said and "没看明白" not in said
    said = await chat.send(parse("不留了", "deny", 0.8))
    assert "不需要再提交" in said
    said = await chat.send(parse("不要紧了 人都送医院了", "inform", 0.4))
    assert "不需要再提交" not in said  # news, not a decline: it is kept, not waved away
    [ticket] = tickets(service)
    assert ticket.contact_phone == "13812345678"


async def test_a_vague_opener_is_asked_to_say_more(service: Services) -> None:
    chat = Conversation()
    said = await chat.send(parse("我想反映一个问题", "nlu_fallback", 0.2))
    assert "具体说说" in said and "没看明白" not in said


def test_a_near_miss_is_not_an_emergency_call() -> None:
    assert dial_first("公交车开太猛，老人差点摔倒") is None
    assert dial_first("有个老人晕倒在楼道里了") == "请立即拨打120急救电话！"
    assert dial_first("俺爹摔了一跤 躺地上起不来") == "请立即拨打120急救电话！"


async def test_answers_out_of_turn_are_kept_for_what_they_are(service: Services) -> None:
    chat = Conversation()
    ranking = [("street_light", 0.35), ("road_damage", 0.3), ("tree_hazard", 0.1)]
    said = await chat.send(
        parse("路等坏了 晚上看不见 在个路口", "street_light", 0.35, ranking=ranking)
    )
    assert "哪个部门" in said
    await chat.send(parse("光明路跟胜利路路口", "inform"))
    await chat.send(parse("没有电话", "deny"))
    said = await chat.send(parse("对的", "affirm"))
    assert "哪一个" in said and "请核对" not in said  # a yes to three buttons picks none
    said = await chat.send(parse("第一个", "inform"))
    assert "路灯不亮" in said and "请核对" in said
    assert "光明路跟胜利路路口" in said and "不留电话" in said


async def test_a_place_no_one_could_be_sent_to_is_asked_once_more(service: Services) -> None:
    chat = Conversation()
    await chat.send(light())
    said = await chat.send(parse("就在楼下", "inform"))
    assert "还不够具体" in said and "“楼下”" in said and "电话" not in said
    said = await chat.send(parse("幸福小区3栋楼下", "inform"))
    assert "电话" in said
    await chat.send(parse("不用", "deny"))
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "幸福小区3栋楼下"


async def test_a_policy_question_at_the_summary_is_answered_and_the_report_waits(
    service: Services,
) -> None:
    chat = Conversation()
    await to_summary(chat)
    said = await chat.send(parse("对了，低保怎么申请？", "subsistence_allowance", 0.9))
    assert "先回答您问的" in said and "还没有提交" in said and "请核对" in said
    assert "另一个问题" not in said and "一并登记" not in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.category == "street_light" and "低保" not in ticket.description


async def test_a_policy_question_instead_of_the_place_is_answered_and_the_place_asked_again(
    service: Services,
) -> None:
    chat = Conversation()
    await chat.send(light())
    said = await chat.send(parse("顺便问下，低保怎么申请", "subsistence_allowance", 0.9))
    assert "先回答您问的" in said and "地点" in said
    assert chat.draft is not None and "低保" not in chat.draft["description"]


async def test_a_policy_question_mid_report_is_answered_and_a_named_clinic_is_the_detail(
    service: Services,
) -> None:
    chat = Conversation()
    said = await chat.send(parse("社区卫生服务中心那个医生态度太差了", "hospital_service", 0.9))
    assert "您提到“社区卫生服务中心”" in said
    said = await chat.send(parse("不知道叫啥，就是我们社区那个", "deny"))
    assert "电话" in said
    said = await chat.send(parse("对了，低保怎么申请？", "subsistence_allowance", 0.9))
    assert "先回答您问的" in said and "电话" in said
    said = await chat.send(parse("不用", "deny"))
    assert "哪家医院" not in said  # the institution named in the report answers it
    assert "医疗机构：社区卫生服务中心" in said
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "社区卫生服务中心"
    assert "低保" not in ticket.description and ticket.category == "hospital_service"
    assert len(tickets(service)) == 1  # the question opened no second ticket


@pytest.mark.parametrize(
    ("answer", "intent", "stored"),
    [
        ("中山路中石化加油站门口", "inform", "中山路中石化加油站门口"),
        # no better answer: the place named in the report is kept
        ("不知道叫啥，就我们这边那个", "deny", "加油站门口"),
    ],
)
async def test_a_vague_place_in_the_report_is_asked_about_by_name_and_kept_if_nothing_better(
    service: Services, answer: str, intent: str, stored: str
) -> None:
    chat = Conversation()
    said = await chat.send(parse("加油站门口的路灯坏了好几天", "street_light", 0.9))
    assert "您提到“加油站门口”" in said and "具体地点" in said
    said = await chat.send(parse(answer, intent))
    assert "电话" in said
    await chat.send(parse("不用", "deny"))
    await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == stored


async def test_a_vague_place_said_twice_is_kept_as_said(service: Services) -> None:
    chat = Conversation()
    await chat.send(light())
    await chat.send(parse("门口", "inform"))
    said = await chat.send(parse("不知道", "deny"))
    assert "电话" in said  # no better answer: the place as first said, and on
    await chat.send(parse("不用", "deny"))
    said = await chat.send(parse("确认", "affirm"))
    [ticket] = tickets(service)
    assert ticket.address == "门口"


async def test_the_same_words_twice_are_not_added_twice(service: Services) -> None:
    chat = Conversation()
    await chat.send(parse("路灯不亮了", "street_light", 0.9))
    said = await chat.send(parse("路灯不亮了", "street_light", 0.9))
    assert "已经记下" in said
    assert chat.draft is not None and chat.draft["description"] == "路灯不亮了"


async def test_a_new_report_after_an_urgent_one_keeps_its_own_place(
    service: Services,
) -> None:
    chat = Conversation()
    await chat.send(parse("人民路上井盖没了", "manhole_cover", 0.9, urgent=True))
    await chat.send(parse("人民路88号门口", "inform"))
    await chat.send(parse("学校门口的流动摊贩太多了", "street_vendor", 0.9))
    await chat.send(parse("实验小学门口", "inform"))
    urgent = next(v for v in tickets(service) if v.priority == "urgent")
    assert urgent.address == "人民路88号门口"
    assert chat.draft is not None and chat.draft["address"] == "实验小学门口"


async def test_a_ticket_number_answers_which_ticket(service: Services) -> None:
    chat = Conversation()
    for place in ("幸福路88号", "解放路1号"):
        await to_summary(chat, place)
        await chat.send(parse("确认", "affirm"))
    said = await chat.send(parse("帮我催一下", "check_status", 0.5))
    assert "哪一张" in said
    number = tickets(service)[-1].number
    said = await chat.send(parse(number, "check_status", 0.9))
    assert "催办" in said and number in said


# ---------------------------------------------------------------- privacy notice


async def test_the_privacy_notice_comes_once_at_first_contact() -> None:
    """What is kept, why, how long, how to ask: on the first turn only, buttons still last."""
    chat = Conversation()
    first = await chat.send(parse("你好", "greet"))
    assert "个人信息保护提示" in first and "保存" in first and "删除" in first
    assert "个人信息保护提示" not in await chat.send(light())
    assert "个人信息保护提示" not in await chat.send(parse("幸福路88号", "inform"))
    other = Conversation("telegram:43")
    report_first = await other.send(light())
    assert "个人信息保护提示" in report_first
    # the question the citizen must answer comes after the notice, not above it
    assert report_first.index("个人信息保护提示") < report_first.index("具体地点")


# ---------------------------------------------------------------- fixed lines


async def test_fixed_lines_go_out_as_domain_responses() -> None:
    """A fixed line is sent by its domain.yml response (the same words); a line built from data
    as text."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    chat = Conversation()
    await chat.send(parse("你好", "greet"))
    [greeting] = [r for r in chat.replies if r.get("response")]
    assert greeting["response"] == "utter_greet"
    assert greeting["text"] == domain["responses"]["utter_greet"][0]["text"]
    await chat.send(light())
    assert any(r.get("response") == "utter_ask_place" for r in chat.replies)
    assert any(r.get("response") is None and "路灯" in str(r.get("text")) for r in chat.replies)


def test_every_fixed_line_is_defined_once_in_the_domain(tmp_path: Path) -> None:
    """What the core sends is in domain.yml; a missing response fails at start-up with the file
    and the key."""
    core = ROOT / "hotline" / "services" / "conversation"
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(core.glob("*.py")))
    sent = set(re.findall(r'"(utter_\w+)"', source)) | set(SMALL_TALK.values())
    assert sent <= USED
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(USED) <= set(domain["responses"])
    assert load_responses(ROOT / "domain.yml")["utter_ask_phone"].buttons == (("不留电话", "不用"),)
    del domain["responses"]["utter_ask_place"]
    broken = tmp_path / "domain.yml"
    broken.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ResponseMissing, match=r"domain\.yml: responses\.utter_ask_place"):
        load_responses(broken)
