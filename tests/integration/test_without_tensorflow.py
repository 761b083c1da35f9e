"""A worker serving this project's model without TensorFlow parses exactly as one with it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from hotline.adapters import classifier
from tests.support.rasa_env import NEEDS_MODEL, ROOT, run_in_rasa

pytestmark = NEEDS_MODEL

SHORT = [
    "你好",
    "路灯坏了好几天了",
    "家里燃气泄漏了，味道很大",
    "老板拖欠我三个月工资不给",
    "低保怎么申请",
    "我的工单20261123-0042处理得怎么样了，电话13812345678",
    "中山北路和解放大道交叉口东北角的井盖丢了，很危险",
    "俺家门口那个井盖子不晓得哪个偷走了，晚上黑黢黢的，娃儿放学要从这过",
    "谢谢",
    "🙂🙂🙂",
    "'; DROP TABLE tickets; --",
]
LETTER = (
    "尊敬的领导：我是城东新区的居民，小区旁边的工地每天晚上十一点以后还在施工，混凝土泵车的"
    "声音震耳欲聋，老人孩子都睡不着觉，我们多次找过工地负责人都没有用。"
    * 4
    + "恳请有关部门依法查处，还居民一个安静的夜晚。"
)

PROBE = """
import asyncio, json, sys
from pathlib import Path
from nlu import serve, without_tensorflow
if {stub!r}:
    without_tensorflow.install()
serve.skip_jax()
serve.cache_crf_fits(Path({cache!r}))
from rasa.core.agent import Agent
agent = Agent.load({model!r})
async def parse_all():
    return [await agent.parse_message(t) for t in json.loads({texts!r})]
results = asyncio.run(parse_all())
tf = sys.modules.get("tensorflow")
print(json.dumps({{"stubbed": isinstance(tf, without_tensorflow.StandInModule),
                  "results": results}}, ensure_ascii=False, default=str))
"""


def _texts() -> list[str]:
    rows = (ROOT / "bench/nlu_eval/dept_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return SHORT + [LETTER] + [json.loads(row)["text"] for row in rows[:60]]


def _parse(stub: bool, cache: Path) -> dict[str, Any]:
    model = classifier.model_path()
    assert model is not None
    texts = json.dumps(_texts(), ensure_ascii=False)
    result = run_in_rasa(PROBE.format(stub=stub, cache=str(cache), model=str(model), texts=texts))
    assert result.returncode == 0, result.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, Any], dict[str, Any]]:
    with tempfile.TemporaryDirectory() as cache:
        return _parse(True, Path(cache)), _parse(False, Path(cache))


def test_the_stubbed_worker_never_loads_tensorflow(both: tuple[dict[str, Any], ...]) -> None:
    stubbed, real = both
    assert stubbed["stubbed"] is True and real["stubbed"] is False


def test_every_parse_is_the_same_with_and_without_tensorflow(
    both: tuple[dict[str, Any], ...],
) -> None:
    stubbed, real = both
    assert len(stubbed["results"]) == len(_texts())
    for lean, full in zip(stubbed["results"], real["results"], strict=True):
        assert lean == full, lean["text"]


def test_the_shipped_model_is_served_without_tensorflow() -> None:
    """The pipeline in config.yml uses only components known not to call TensorFlow."""
    from nlu.without_tensorflow import components, needs_tensorflow

    model = classifier.model_path()
    assert model is not None
    assert needs_tensorflow(model, {}) is False, sorted(components(model))
    assert needs_tensorflow(model, {"HOTLINE_RASA_TENSORFLOW": "1"}) is True
