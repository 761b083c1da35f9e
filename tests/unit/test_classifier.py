"""Urgency and request-type rules (nlu.rules), the classify contract and the app-side client.

Runs in the app env: nothing here imports Rasa.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.adapters import classifier
from nlu.catalogue import load_routing
from nlu.classify import to_contract
from nlu.focus import focus, long_ranking
from nlu.rules import REQUEST_TYPES, is_urgent, request_type

URGENT = [
    "家里燃气泄漏了怎么办",
    "楼道里一股很浓的煤气味，邻居家没人",
    "我被困在电梯里了，快来人",
    "电梯卡在5楼和6楼之间，里面困着两个人",
    "幸福路上自来水管爆了，水漫到马路上",
    "小区里的路面突然塌陷了一个大坑",
    "对面楼着火了，冒着浓烟",
    "楼下独居的王奶奶好几天没出门了，敲门没人应",
    "我家老人晕倒在家里叫不醒",
    "孩子在公园走丢了，找了半小时找不到",
    "菜市场门口有人拿刀砍人",
    "人民路的井盖丢了，晚上看不见很危险",
    "大风把树刮倒了，压在电线上",
    "电线掉在人行道上还在冒火花",
]

NOT_URGENT = [
    "燃气费怎么交",
    "上个月电梯坏过，现在修好了",
    "万一燃气泄漏应该怎么办",
    "没有闻到煤气味，就是想问问燃气安全检查",
    "老板拖欠工资，这是我的救命钱",
    "我妈生病住院了医保怎么报销",
    "楼道堆满杂物有火灾隐患",
    "物业太差了，气炸了",
    "工伤认定需要什么材料",
    "你好",
    "电梯年检合格证过期了",
    "路灯不亮好几天了",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_messages_are_urgent(text: str) -> None:
    assert is_urgent(text)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_negated_past_and_policy_messages_are_not_urgent(text: str) -> None:
    assert not is_urgent(text)


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("我要表扬公交12路的李师傅，服务特别耐心", "投诉", "表扬"),
        ("建议在学校门口增设一个红绿灯", "求助", "建议"),
        ("举报一家饭店后厨卫生很差", "举报", "举报"),
        ("化工厂晚上偷排污水", "投诉", "举报"),
        ("医保窗口工作人员态度恶劣", "咨询", "投诉"),
        ("异地就医备案需要什么材料", "咨询", "咨询"),
        ("老板拖欠我三个月工资", "求助", "求助"),
        ("我要投诉物业不作为", "求助", "投诉"),
        ("小区停水了", "求助", "求助"),
    ],
)
def test_request_type(text: str, default: str, expected: str) -> None:
    assert request_type(text, default) == expected


def test_non_dispatch_messages_have_no_type() -> None:
    assert request_type("你好", None, dispatch=False) is None


def test_request_type_is_always_a_known_type() -> None:
    for text in URGENT + NOT_URGENT:
        assert request_type(text, None) in REQUEST_TYPES


def _parse(ranking: list[tuple[str, float]], **extra: object) -> dict[str, object]:
    items = [{"name": n, "confidence": c} for n, c in ranking]
    return {"intent": items[0], "intent_ranking": items, "entities": [], **extra}


def test_contract_aggregates_departments_and_keeps_best_guess_below_threshold() -> None:
    routing = load_routing()
    parse = _parse(
        [("nlu_fallback", 0.4), ("gas_service", 0.3), ("water_supply", 0.2), ("greet", 0.25)],
        urgent=True,
    )
    out = to_contract("燃气泄漏了", parse, routing)
    assert set(out) >= {"text", "department", "category", "confidence", "top3", "urgent", "type"}
    assert out["department"] == "utilities"
    assert out["category"] == "gas_service"
    assert out["confidence"] == pytest.approx(0.5)
    assert out["top3"][0] == ["utilities", 0.5]
    assert out["top3"][1] == [None, 0.25]
    assert out["fallback"] is True
    assert out["urgent"] is True
    assert out["type"] == "求助"


def test_an_urgent_message_goes_to_its_department_even_if_it_looks_like_an_address() -> None:
    ranking = [("elevator_fault", 0.32), ("inform", 0.25), ("nonsense", 0.2), ("greet", 0.1)]
    out = to_contract("电梯困人 5号楼 快", _parse(ranking, urgent=True), load_routing())
    assert out["department"] == "market_regulation" and out["category"] == "elevator_fault"
    calm = to_contract("5号楼", _parse(ranking, urgent=False), load_routing())
    assert calm["department"] is None  # the same ranking, not urgent: an answer, no department


def test_contract_for_non_dispatch_intent() -> None:
    out = to_contract(
        "你好", _parse([("greet", 0.97), ("thank", 0.02)], urgent=False), load_routing()
    )
    assert out["department"] is None
    assert out["category"] is None
    assert out["type"] is None
    assert out["urgent"] is False


def test_faq_without_knowledge_mapping_goes_nowhere(tmp_path: Path) -> None:
    routing = load_routing(knowledge_path=tmp_path / "absent.yml")
    parse = _parse(
        [("faq", 0.9), ("subsistence_allowance", 0.1)],
        response_selector={"faq": {"response": {"intent_response_key": "faq/dibao_apply"}}},
    )
    out = to_contract("低保怎么申请", parse, routing)
    assert out["department"] is None
    assert out["intent"] == "faq/dibao_apply"


def test_faq_with_knowledge_mapping_routes_to_its_department(tmp_path: Path) -> None:
    kb = tmp_path / "knowledge.yml"
    kb.write_text(
        "groups:\n"
        "  - {id: dibao_apply, department: civil_affairs, category: subsistence_allowance}\n",
        encoding="utf-8",
    )
    parse = _parse(
        [("faq", 0.9), ("greet", 0.1)],
        response_selector={"faq": {"response": {"intent_response_key": "faq/dibao_apply"}}},
    )
    out = to_contract("低保怎么申请", parse, load_routing(knowledge_path=kb))
    assert out["department"] == "civil_affairs"
    assert out["category"] == "subsistence_allowance"
    assert out["type"] == "咨询"


def test_client_reports_missing_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTLINE_RASA_PYTHON", str(tmp_path / "nope" / "python"))
    with pytest.raises(classifier.ClassifierUnavailableError, match="NLU environment not found"):
        classifier.classify_texts(["你好"])


def test_client_reports_missing_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_RASA_PYTHON", str(fake_python))
    monkeypatch.setenv("HOTLINE_NLU_MODEL", str(tmp_path / "missing.tar.gz"))
    with pytest.raises(classifier.ClassifierUnavailableError, match="no trained NLU model"):
        classifier.classify_texts(["你好"])


def test_client_returns_nothing_for_no_texts() -> None:
    assert classifier.classify_texts([]) == []


LETTER = (
    "尊敬的领导：您好！我是城西一家机械厂的老职工，在厂里干了二十多年。去年老伴查出重病，"
    "手术和化疗花光了家里的积蓄，儿子还在读书，日子实在难以为继。听说总工会对困难职工有帮扶，"
    "可厂里工会说要到上级工会申请。恳请工会领导帮我们指条路。"
)


def test_a_long_letter_is_never_read_as_a_short_reply() -> None:
    """A letter whose words look like an answer to a form question still reaches a department."""
    ranking = [("inform", 0.4), ("worker_assistance", 0.3), ("nonsense", 0.1), ("pension", 0.2)]
    kept = dict(long_ranking(LETTER, ranking))
    assert set(kept) == {"worker_assistance", "pension"}
    assert kept["worker_assistance"] == pytest.approx(0.6)
    routing = load_routing()
    contract = to_contract(
        LETTER,
        {"intent_ranking": [{"name": n, "confidence": c} for n, c in kept.items()]},
        routing,
    )
    assert contract["department"] == "trade_union"


def test_a_letter_is_not_small_talk_but_a_long_chat_may_be() -> None:
    """From 200 characters a message is a letter to the government: out_of_scope leaves it."""
    ranking = [("out_of_scope", 0.5), ("pension", 0.3), ("private_dispute", 0.2)]
    letter = "尊敬的领导：" + "我父亲退休多年，" * 30 + "恳请核查养老金。"
    assert len(letter) >= 200
    assert dict(long_ranking(letter, ranking)) == pytest.approx(
        {"pension": 0.6, "private_dispute": 0.4}
    )
    chat = "我跟你说，" + "我们小区群里今天又在聊八卦，" * 7
    assert 80 <= len(chat) < 200 and long_ranking(chat, ranking) == ranking


@pytest.mark.parametrize(
    "letter",
    [
        "胡厅长：请问今年的职称评审文件什么时候下发？我们单位十几个人已经等了大半年了，盼复。",
        "青石镇的快递都要到镇上自己取，每件还要收三块钱，物流上明明写着派送，为什么没有人管，"
        "希望有关部门核查。",
    ],
)
def test_a_shorter_letter_to_the_government_is_not_small_talk(letter: str) -> None:
    """Addressed to an official and asking, or naming a public service and complaining."""
    ranking = [("out_of_scope", 0.5), ("express_delivery", 0.3), ("chitchat", 0.2)]
    assert dict(long_ranking(letter, ranking)) == pytest.approx({"express_delivery": 1.0})


@pytest.mark.parametrize(
    "text",
    [
        "【转发】市卫健委关于开展老年人健康讲座的通知：本周六上午九点在人民广场举行义诊，届时有"
        "心内科、骨科专家现场咨询，请各位居民互相转告，" * 3,
        "老师您好，我的毕业论文写的是某区城管局的网格化管理，摘要太长了，能不能帮我改得精炼一点？",
        "退役军人事务局门口新开了家咖啡店，装修挺好看，你知道他家什么好喝吗",
        # a speech or an essay asked for, however the message is addressed or long
        "尊敬的领导：您好！本人拟撰写一篇关于街道志愿服务的征文，恳请提供写作思路，谢谢。",
        "尊敬的领导：本人在棉纺厂干了三十二年，"
        + "从学徒到车间主任，见证了厂子的变迁，" * 8
        + "下月退休，厂里让我在欢送会上讲几句，恳请帮我拟一份退休感言，语言朴实即可。",
    ],
)
def test_forwarded_notices_writing_help_and_idle_talk_keep_not_ours(text: str) -> None:
    ranking = [("out_of_scope", 0.5), ("elderly_care", 0.3), ("chitchat", 0.2)]
    assert long_ranking(text, ranking)[0][0] == "out_of_scope"


def test_short_replies_keep_their_ranking() -> None:
    ranking = [("affirm", 0.7), ("inform", 0.2), ("street_light", 0.1)]
    assert long_ranking("好的，就是人民路那个路口", ranking) == ranking


def test_a_long_message_with_only_short_reply_intents_is_left_alone() -> None:
    ranking = [("nonsense", 0.9), ("greet", 0.1)]
    assert long_ranking("啊" * 100, ranking) == ranking


def test_focus_keeps_the_opening_and_the_request() -> None:
    excerpt = focus(LETTER)
    assert excerpt is not None
    assert excerpt.startswith("尊敬的领导")
    assert "恳请工会领导帮我们指条路" in excerpt
    assert focus("路灯不亮好几天了") is None
