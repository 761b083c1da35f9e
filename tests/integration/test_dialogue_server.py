"""The real stack: `rasa run` with the trained model (Python 3.10) calling the rasa_sdk action
server (Python 3.12, this project's actions) through the REST channel, on a fresh database.

Proves the app-env rasa-sdk works with the Rasa 3.6 server, and that a conversation survives
a restart of the action server and of Rasa (SQL tracker store; idempotent ticket opening).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hotline.adapters import classifier
from hotline.adapters.stack import Stack, StackConfig
from hotline.credentials import chat_headers
from hotline.storage.db import make_engine, make_session_factory
from hotline.storage.migrate import upgrade
from hotline.storage.models import Ticket, TicketEvent
from tests.support.rasa_env import NEEDS_MODEL

pytestmark = NEEDS_MODEL


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    tmp = tmp_path_factory.mktemp("stack")
    url = f"sqlite:///{tmp / 'hotline.db'}"
    upgrade(make_engine(url))
    model = classifier.model_path()
    assert model is not None
    config = StackConfig.scratch(tmp, url, model=Path(model))
    running = Stack(config)
    try:
        running.start(timeout=300)
        yield running, url
    finally:
        running.stop()


def say(stack: Stack, sender: str, text: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{stack.config.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=chat_headers(stack.config.chat_token),
        timeout=60,
    )
    response.raise_for_status()
    body: list[dict[str, Any]] = response.json()
    return body


def texts(replies: list[dict[str, Any]]) -> str:
    """What the citizen read; a fallback tacked onto a handled turn is a dialogue bug."""
    said = "\n".join(str(r.get("text") or "") for r in replies)
    assert "没看明白" not in said or len(replies) == 1, said
    return said


def tickets_of(url: str, user: str) -> list[tuple[Ticket, list[str]]]:
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        rows = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        found = []
        for ticket in rows:
            if ticket.citizen.channel_user_id != user:
                continue
            events = session.scalars(
                select(TicketEvent.action)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            ).all()
            found.append((ticket, list(events)))
        return found


def test_a_report_through_rest_opens_and_routes_a_ticket(stack: tuple[Stack, str]) -> None:
    server, url = stack
    sender = "rest:citizen1"
    assert "12345热线" in texts(say(server, sender, "你好"))
    reply = texts(say(server, sender, "我家楼下的路灯坏了好几天了，晚上黑漆漆的"))
    assert "路灯不亮" in reply and "具体地点" in reply
    assert "联系电话" in texts(say(server, sender, "幸福路88号"))
    summary = say(server, sender, "不用了")
    assert "城市管理局" in texts(summary) and "答复时限" in texts(summary)
    assert [b["title"] for b in summary[-1]["buttons"]] == ["确认提交", "修改类别", "取消"]
    done = texts(say(server, sender, "/affirm"))
    [(ticket, events)] = tickets_of(url, "citizen1")
    assert ticket.number in done
    assert ticket.department_code == "urban_management"
    assert ticket.category_code == "street_light"
    assert ticket.address == "幸福路88号"
    assert events[:2] == ["open", "dispatch"]
    status = texts(say(server, sender, "我的工单"))
    assert ticket.number in status and "城市管理局" in status


def test_an_urgent_report_gets_advice_and_a_ticket_in_one_turn(stack: tuple[Stack, str]) -> None:
    server, url = stack
    reply = texts(say(server, "rest:citizen2", "小区里一股很浓的煤气味，好像燃气泄漏了"))
    assert "请立即离开现场" in reply
    [(ticket, _)] = tickets_of(url, "citizen2")
    assert ticket.priority == "urgent" and ticket.number in reply
    where = texts(say(server, "rest:citizen2", "在金桂园3期5栋"))
    assert ticket.number in where and "没看明白" not in where


def test_the_conversation_survives_restarts_of_both_servers(stack: tuple[Stack, str]) -> None:
    server, url = stack
    sender = "rest:citizen3"
    say(server, sender, "公司拖欠我三个月工资不发")
    say(server, sender, "在金桂园3期5栋")
    server.kill_actions()
    server.kill_rasa()
    server.start(timeout=300)
    assert "单位" in texts(say(server, sender, "13812345678"))  # the form goes on where it was
    summary = texts(say(server, sender, "宏达建筑工程有限公司"))
    assert "金桂园3期5栋" in summary and "宏达建筑工程有限公司" in summary
    say(server, sender, "/affirm")
    [(ticket, _)] = tickets_of(url, "citizen3")
    assert ticket.department_code == "human_resources"
    assert ticket.details == {"employer": "宏达建筑工程有限公司"}


def test_action_server_killed_mid_form_then_back(stack: tuple[Stack, str]) -> None:
    """Drill: the action server dies while the citizen fills the form. The turn comes back
    empty (the channels then say 系统繁忙); once it is back, the citizen repeats and finishes,
    and exactly one ticket exists."""
    server, url = stack
    sender = "rest:citizen4"  # another place than citizen1's light: not one problem (重复件)
    say(server, sender, "我家楼下的路灯坏了好几天了，晚上黑漆漆的")
    server.kill_actions()
    lost = say(server, sender, "建设路66号")
    assert "联系电话" not in texts(lost)
    server.start_actions()
    server.wait_ready(timeout=120)
    again = texts(say(server, sender, "建设路66号"))
    assert "联系电话" in again or "答复时限" in again
    if "联系电话" in again:
        say(server, sender, "不用了")
    say(server, sender, "/affirm")
    say(server, sender, "/affirm")  # an impatient double press
    [(ticket, events)] = tickets_of(url, "citizen4")
    assert ticket.address == "建设路66号" and events.count("open") == 1
