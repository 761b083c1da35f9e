"""Intake rules shared by every channel: routing a parse, advice, phones, several problems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.domain.catalogue import Catalogue
from hotline.domain.intake import SKIP, parse_phone, route_parse, safety_advice, split_problems
from hotline.services.conversation import is_affirm, ordinal_choice

ROOT = Path(__file__).resolve().parents[2]


def test_every_intent_reaches_the_conversation(catalogue: Catalogue) -> None:
    """The one rule lists exactly the domain's intents (every category among them), so no
    message the NLU can produce falls outside the conversation."""
    rules = yaml.safe_load((ROOT / "data/rules/converse.yml").read_text(encoding="utf-8"))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    [rule] = rules["rules"]
    intents = {step["intent"] for step in rule["steps"][0]["or"]}
    assert intents == set(domain["intents"]) | {"nlu_fallback"}
    assert set(catalogue.categories) <= intents
    assert rule["steps"][1] == {"action": "action_converse"}


def test_department_confidence_is_summed_across_its_categories(catalogue: Catalogue) -> None:
    routing = route_parse(
        [
            {"name": "street_light", "confidence": 0.3},
            {"name": "power_outage", "confidence": 0.25},
            {"name": "gas_service", "confidence": 0.25},
            {"name": "greet", "confidence": 0.2},
        ],
        catalogue,
    )
    assert routing.department == "utilities"
    assert routing.category in ("power_outage", "gas_service")
    assert routing.confidence == pytest.approx(0.5)
    assert [c.department for c in routing.choices] == ["utilities", "urban_management"]
    assert routing.sure


def test_no_dispatch_intent_means_no_route(catalogue: Catalogue) -> None:
    routing = route_parse([{"name": "greet", "confidence": 0.9}], catalogue)
    assert routing.department is None and not routing.sure and routing.choices == ()


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        ("gas_service", "燃气泄漏", "打开门窗通风"),
        ("heating", "家里一股煤气味", "打开门窗通风"),
        (None, "有人拿刀打人", "110"),
        (None, "电梯卡住了", "按下电梯内的警铃"),
        (None, "说不清", "110、119或120"),
    ],
)
def test_safety_advice(
    catalogue: Catalogue, category: str | None, text: str, expected: str
) -> None:
    assert expected in safety_advice(catalogue, category, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("0571-87654321", "057187654321"),
        ("电话 15900001111", "15900001111"),
        ("不用", SKIP),
        ("没有", SKIP),
        ("12345678", None),
        ("我不知道你在说什么东西不用管我了好吗", None),
    ],
)
def test_parse_phone(text: str, expected: str | None) -> None:
    assert parse_phone(text) == expected


def test_split_problems() -> None:
    assert split_problems("楼上装修噪音太大了，另外小区门口的路灯也不亮") == [
        "楼上装修噪音太大了",
        "小区门口的路灯也不亮",
    ]
    assert split_problems("路灯坏了。") == ["路灯坏了。"]
    assert split_problems("路灯坏了，还有") == ["路灯坏了，还有"]


@pytest.mark.parametrize(
    "text",
    [
        "好的",
        "提交",
        "就这样",
        "可以",
        "中",
        "行",
        "没问题",
        "对",
        "嗯 提交吧",
        "确认无误",
        "OK",
        "就按这个提交",
        "好嘞",
        "要得",
        "对头",
        "👌",
        "好的，确认",
        "没错",
    ],
)
def test_natural_confirmations(text: str) -> None:
    assert is_affirm(text)


@pytest.mark.parametrize(
    "text", ["不对", "不是", "我不同意", "谢谢", "啊？", "你好", "地址不对", "发错了"]
)
def test_not_confirmations(text: str) -> None:
    assert not is_affirm(text)


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("第二个", 1),
        ("选2", 1),
        ("2", 1),
        ("第三个", 2),
        ("最后那个", 2),
        ("第一个吧", 0),
        ("二", 1),
    ],
)
def test_ordinal_choices(text: str, index: int) -> None:
    assert ordinal_choice(text, 3) == index
