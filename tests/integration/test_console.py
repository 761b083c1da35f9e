"""The console channel: a terminal citizen reports, staff messages print beside the chat."""

from __future__ import annotations

import io
from typing import Any

from bot.console import ConsoleSession
from hotline.adapters.rasa_client import RasaChat
from hotline.domain.tickets import Actor
from hotline.services.container import Services
from tests.support.console import console_session
from tests.support.rasa_double import RasaDouble


class ScriptedClassifier:
    """Stands in for the NLU model with fixed answers per text."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers

    def classify(self, text: str) -> dict[str, Any]:
        return self.answers[text]

    def close(self) -> None:
        return None


def session_for(service: Services) -> tuple[ConsoleSession, io.StringIO]:
    return console_session(
        service,
        ScriptedClassifier(
            {
                "你好": {"department": None, "intent": "greet"},
                "电梯卡住了里面有人": {
                    "department": "market_regulation",
                    "category": "elevator_fault",
                    "urgent": True,
                    "type": "求助",
                    "intent": "elevator_fault",
                    "confidence": 0.97,
                },
            }
        ),
    )


def test_urgent_report_gets_advice_then_a_ticket_and_staff_see_it(service: Services) -> None:
    session, out = session_for(service)
    assert session.handle("你好")
    assert session.handle("电梯卡住了里面有人")
    session.deliver()
    text = out.getvalue()
    assert "请直接描述" in text
    assert text.index("警铃") < text.index("已为您登记工单")  # safety advice first
    assert "【发给部门 市场监督管理局】" in text and "【发给督办人员】" in text
    [view] = service.views.list_tickets()
    assert view.priority == "urgent" and view.department == "market_regulation"


def test_the_citizen_hears_the_answer_in_the_terminal(service: Services) -> None:
    session, out = session_for(service)
    session.handle("电梯卡住了里面有人")
    [view] = service.views.list_tickets()
    staff = Actor(role="staff", id="cli:1", department="market_regulation")
    service.tickets.accept(view.number, staff)
    service.tickets.resolve(view.number, staff, "维保单位已到场救出被困人员")
    session.deliver()
    assert "【发给市民】" in out.getvalue() and "救出被困人员" in out.getvalue()
    assert session.handle("/quit") is False


def test_empty_and_blank_lines_get_a_prompt(service: Services) -> None:
    session, out = session_for(service)
    assert session.handle("   ")
    assert "请描述" in out.getvalue()
    assert service.views.list_tickets() == []


def rasa_session(service: Services, url: str) -> tuple[ConsoleSession, io.StringIO]:
    session, out = session_for(service)
    session.rasa = RasaChat(url, "console:local", timeout=2.0)
    return session, out


def buttons(sender: str, message: str) -> list[dict[str, Any]]:
    if message == "/affirm":
        return [{"recipient_id": sender, "text": "已为您登记工单"}]
    return [
        {
            "recipient_id": sender,
            "text": "请核对",
            "buttons": [
                {"title": "确认提交", "payload": "/affirm"},
                {"title": "取消", "payload": "/deny"},
            ],
        }
    ]


def test_the_console_talks_to_rasa_and_numbers_pick_buttons(service: Services) -> None:
    with RasaDouble(buttons) as rasa:
        session, out = rasa_session(service, rasa.url)
        session.handle("路灯坏了")
        assert "[1] 确认提交" in out.getvalue() and "[2] 取消" in out.getvalue()
        session.handle("1")
        assert rasa.messages() == ["路灯坏了", "/affirm"]
        assert "已为您登记工单" in out.getvalue()
        assert rasa.requests[0]["sender"] == "console:local"


def test_rasa_down_means_busy_and_nothing_lost(service: Services) -> None:
    with RasaDouble() as rasa:
        session, out = rasa_session(service, rasa.url)
        rasa.fail(503)
        session.handle("路灯坏了")
        session.handle("在幸福路")
        assert out.getvalue().count("系统繁忙") == 2
        rasa.recover()
        session.handle("电话不用留")
        delivered = [m for m in rasa.messages()]
        assert delivered[-3:] == ["路灯坏了", "在幸福路", "电话不用留"]
        assert "收到：在幸福路" in out.getvalue()
