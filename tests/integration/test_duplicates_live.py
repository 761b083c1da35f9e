"""One ticket per problem through the chat endpoint: the real stack (`rasa run` with the
trained model, the action server, the REST channel) and a fresh database.

Twelve citizens report the same water cut at one address within a minute, in their own
words, at once: at most one ticket stays open and each is told its number. Four different
problems at other addresses in the same minute leave four tickets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hotline.adapters import classifier
from hotline.adapters.stack import Stack, StackConfig
from hotline.credentials import chat_headers
from hotline.domain.tickets import OPEN_STATUSES
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Ticket
from tests.support.rasa_env import NEEDS_MODEL

pytestmark = NEEDS_MODEL

NUMBER = re.compile(r"\d{8}-\d{4}")
ADDRESS = "建设路18号"
WATER_CUT = [
    f"{ADDRESS}停水了，从早上到现在一滴水都没有",
    f"我家在{ADDRESS}，家里没水了，什么时候能来水",
    f"{ADDRESS}断水了，做饭都没法做",
    f"你好，{ADDRESS}停水一上午了，也没有通知",
    f"{ADDRESS}这边没有水了，老人孩子都等着用水",
    f"{ADDRESS}又停水了，麻烦尽快恢复供水",
    f"{ADDRESS}整栋楼都没水了",
    f"{ADDRESS}停水了，到现在还没恢复",
    f"{ADDRESS}自来水停了，水龙头拧开没水",
    f"{ADDRESS}停水了，家里洗不了澡",
    f"我们{ADDRESS}停水了，请尽快处理",
    f"{ADDRESS}从早上开始停水，到现在还没来水",
]
OTHERS = [  # (words, place, the choice to take if asked which department)
    ("人民路5号路灯不亮了，晚上黑乎乎的", "人民路5号", "路灯"),
    ("解放路8号楼下饭店油烟太大，熏得没法开窗", "解放路8号", "油烟"),
    ("和平路9号门口马路上有个大坑，电动车摔了好几个", "和平路9号", "道路"),
    ("滨江路3号停电了，整栋楼都没电", "滨江路3号", "停电"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    tmp = tmp_path_factory.mktemp("live-duplicates")
    url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(url))
    model = classifier.model_path()
    assert model is not None
    running = Stack(StackConfig.scratch(tmp, url, model=Path(model)))
    try:
        running.start(timeout=300)
        yield running, url
    finally:
        running.stop()


def _say(server: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{server.config.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=chat_headers(server.config.chat_token),
        timeout=120,
    )
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()
    return replies


def _report(server: Stack, sender: str, text: str, address: str, choice: str) -> str:
    """Tell the problem and answer what the assistant asks (which department, place, phone,
    a detail) as a citizen would, then confirm; returns the reply to the confirmation."""
    replies = _say(server, sender, text)
    for _ in range(8):
        said = "\n".join(str(r.get("text") or "") for r in replies)
        buttons = [b for r in replies for b in r.get("buttons") or []]
        if "请核对" in said:
            done = _say(server, sender, "确认")
            return "\n".join(str(r.get("text") or "") for r in done)
        if buttons:
            pick = next((b for b in buttons if choice in str(b.get("title"))), buttons[0])
            replies = _say(server, sender, str(pick["payload"]))
        elif "电话" in said:
            replies = _say(server, sender, "不用")
        elif "地点" in said or "地址" in said:
            replies = _say(server, sender, address)
        elif "描述" in said:
            replies = _say(server, sender, text)
        else:
            replies = _say(server, sender, "不清楚")
    return said


def test_twelve_callers_one_water_cut_one_ticket_four_problems_four(
    stack: tuple[Stack, str],
) -> None:
    server, url = stack
    calls = [(f"rest:water-{i}", text, ADDRESS, "停水") for i, text in enumerate(WATER_CUT)]
    calls += [(f"rest:other-{i}", *other) for i, other in enumerate(OTHERS)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda c: _report(server, *c), calls))
    water, others = replies[: len(WATER_CUT)], replies[len(WATER_CUT) :]
    told = [NUMBER.findall(r) for r in water]
    assert all(told), [r for r, n in zip(water, told, strict=True) if not n]
    assert all(NUMBER.findall(r) for r in others), others
    with make_session_factory(make_engine(url))() as session:
        tickets = session.scalars(select(Ticket)).all()
        at_address = [
            t
            for t in tickets
            if t.address and ADDRESS in t.address and t.status in {s.value for s in OPEN_STATUSES}
        ]
        assert len(at_address) <= 1, [
            (t.number, t.category_code, t.department_code, t.address, t.description)
            for t in at_address
        ]
        [lead] = at_address
        assert {n[0] for n in told} == {lead.number}
        assert lead.reporter_count == len(WATER_CUT) - 1
        assert sum("已有市民反映" in r for r in water) == len(WATER_CUT) - 1
        other_numbers = {NUMBER.findall(r)[0] for r in others}
        assert len(other_numbers) == 4 and lead.number not in other_numbers
        assert len(tickets) == 5
