"""The trained Rasa model through the app-side client (subprocess in .venv-rasa).

Needs ``models/`` (``scripts/train_nlu.sh``) and ``.venv-rasa``; skipped without them outside
CI, and run (failing if they are missing) when ``CI=true``.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline import classifier
from tests.support.rasa_env import NEEDS_MODEL

pytestmark = NEEDS_MODEL

MESSAGES = [
    "家里燃气泄漏了，味道很大",
    "老板拖欠我三个月工资不给",
    "你好",
    "小区门口天天有人占道经营卖水果",
    "谢谢你们",
    "我的工单20261123-0042处理得怎么样了，电话13812345678",
]


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    return classifier.classify_texts(MESSAGES)


def test_contract(results: list[dict[str, Any]]) -> None:
    assert [r["text"] for r in results] == MESSAGES
    for r in results:
        assert {"text", "department", "category", "confidence", "top3", "urgent", "type"} <= set(r)
        assert isinstance(r["urgent"], bool)
        assert 0.0 <= r["confidence"] <= 1.0 + 1e-6
        assert 1 <= len(r["top3"]) <= 3
        assert all(isinstance(d, str | None) and isinstance(c, float) for d, c in r["top3"])
        if r["department"] is None:
            assert r["type"] is None
        else:
            assert r["type"] in {"咨询", "求助", "投诉", "举报", "建议", "表扬"}


def test_obvious_routings(results: list[dict[str, Any]]) -> None:
    gas, wages, hello, vendor, thanks, status = results
    assert gas["department"] == "utilities"
    assert gas["urgent"] is True
    assert wages["department"] == "human_resources"
    assert wages["urgent"] is False
    assert hello["department"] is None
    assert vendor["department"] == "urban_management"
    assert thanks["department"] is None
    assert status["department"] is None


def test_pattern_entities(results: list[dict[str, Any]]) -> None:
    entities = {(e["entity"], e["value"]) for e in results[-1]["entities"]}
    assert ("ticket_number", "20261123-0042") in entities
    assert ("phone", "13812345678") in entities


def test_serve_protocol() -> None:
    with classifier.ClassifierProcess() as clf:
        first = clf.classify("老板拖欠工资")
        second = clf.classify("你好")
    assert first["department"] == "human_resources"
    assert second["department"] is None
